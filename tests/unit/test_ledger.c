/*  test_ledger.c - appending to the ledger: signatures, signers,
 *  idempotency, conflicts, revocation, authorisation, a bad event in a
 *  batch, the tree, checkpoints and state, the secrets kept beside the
 *  log, and who may reveal or erase a person; on a real LMDB environment.
 *  The last test hands the ledger a stub projection: the log works
 *  without the domain.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <lmdb.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ledger/checkpoint.h"
#include "base/clock.h"
#include "base/count.h"
#include "domain/kind.h"
#include "crypto/crypto.h"
#include "base/error.h"
#include "ledger/event.h"
#include "ledger/ledger.h"
#include "domain/state.h"
#include "ledger/verify.h"

typedef struct {
    char dir[64];
    lpg_ledger_t *l;
    lpg_key_t *authority;
    lpg_key_t *ledger_key;
    lpg_key_t *dev;
} s_fix_t;

static void s_registry(s_fix_t *f);

static int
s_setup(void **state)
{
    s_fix_t *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/lpgtest-ledger-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    assert_int_equal(lpg_ledger_open(&f->l, f->dir, LPG_LEDGER_CREATE,
                                     1ULL << 30, &lpg_domain_projection),
                     LPG_OK);
    assert_int_equal(lpg_key_generate(&f->authority), LPG_OK);
    assert_int_equal(lpg_key_generate(&f->ledger_key), LPG_OK);
    assert_int_equal(lpg_key_generate(&f->dev), LPG_OK);
    uint8_t a[32], b[32];
    lpg_key_raw_public(f->authority, a);
    lpg_key_raw_public(f->ledger_key, b);
    assert_int_equal(lpg_ledger_setup(f->l, a, b, "test.example/ledger"),
                     LPG_OK);
    assert_int_equal(lpg_ledger_setup(f->l, a, b, "test.example/ledger"),
                     LPG_EEXIST);
    s_registry(f);
    *state = f;
    return 0;
}

static int
s_teardown(void **state)
{
    s_fix_t *f = *state;
    lpg_ledger_close(&f->l);
    lpg_key_destroy(&f->authority);
    lpg_key_destroy(&f->ledger_key);
    lpg_key_destroy(&f->dev);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

/*  Signed bytes of an event. id: 16 bytes or NULL for a fresh one. */
static uint8_t *
s_event(const lpg_key_t *signer, Lpg__Event *ev, const uint8_t *id,
        size_t *len)
{
    uint8_t fresh[16];
    if (!id) {
        assert_int_equal(lpg_event_new_id(fresh), LPG_OK);
        id = fresh;
    }
    ev->event_id.data = (uint8_t *)id;
    ev->event_id.len = 16;
    ev->device_time_ms = 1767225600000ULL;
    uint8_t *out = NULL;
    assert_int_equal(lpg_event_sign(ev, signer, &out, len), LPG_OK);
    return out;
}

static uint8_t *
s_enroll(const s_fix_t *f, const lpg_key_t *signer, const lpg_key_t *dev,
         const char *site, size_t *len)
{
    uint8_t pub[32];
    lpg_key_raw_public(dev, pub);
    Lpg__DeviceEnroll en = LPG__DEVICE_ENROLL__INIT;
    en.sign_pub.data = pub;
    en.sign_pub.len = 32;
    en.company = "C1";
    en.site = (char *)site;
    en.role = LPG__ROLE__ROLE_FILLING_SCANNER;
    Lpg__Event ev = LPG__EVENT__INIT;
    ev.body_case = LPG__EVENT__BODY_DEVICE_ENROLL;
    ev.device_enroll = &en;
    return s_event(signer, &ev, NULL, len);
}

static uint8_t *
s_fill_check(const lpg_key_t *dev, const char *site, const uint8_t *id,
             uint32_t empty_g, size_t *len)
{
    Lpg__FillCheck fc = LPG__FILL_CHECK__INIT;
    fc.code = "https://id.lpg.example/8003/x";
    fc.empty_g = empty_g;
    Lpg__Event ev = LPG__EVENT__INIT;
    ev.body_case = LPG__EVENT__BODY_FILL_CHECK;
    ev.fill_check = &fc;
    ev.cylinder = "06900000000150A1";
    ev.site = (char *)site;
    return s_event(dev, &ev, id, len);
}

/*  Company C1 with sites S1 and S2: S_BASE entries. */
#define S_BASE 3

static void
s_registry(s_fix_t *f)
{
    Lpg__CompanyAdd c = LPG__COMPANY_ADD__INIT;
    c.name = "Gas Co 1";
    c.gs1_prefix = "6900000";
    c.licence_no = "L-1";
    Lpg__Event ev = LPG__EVENT__INIT;
    ev.body_case = LPG__EVENT__BODY_COMPANY_ADD;
    ev.company_add = &c;
    ev.company = "C1";
    size_t len;
    uint8_t *data = s_event(f->authority, &ev, NULL, &len);
    lpg_append_in_t in = {data, len};
    lpg_append_out_t out;
    assert_int_equal(lpg_ledger_append(f->l, "test", &in, 1, NULL, NULL, &out),
                     LPG_OK);
    assert_int_equal(out.status, LPG_OK);
    free(data);
    const char *sites[] = {"S1", "S2"};
    for (int i = 0; i < 2; i++) {
        Lpg__SiteAdd a = LPG__SITE_ADD__INIT;
        a.name = "Station";
        a.kind = LPG__SITE_KIND__SITE_FILLING_STATION;
        a.company = "C1";
        Lpg__Event se = LPG__EVENT__INIT;
        se.body_case = LPG__EVENT__BODY_SITE_ADD;
        se.site_add = &a;
        se.site = (char *)sites[i];
        data = s_event(f->authority, &se, NULL, &len);
        in.data = data;
        in.len = len;
        assert_int_equal(
            lpg_ledger_append(f->l, "test", &in, 1, NULL, NULL, &out), LPG_OK);
        assert_int_equal(out.status, LPG_OK);
        free(data);
    }
}

static void
s_append1(s_fix_t *f, uint8_t *data, const size_t *len, lpg_append_out_t *out)
{
    lpg_append_in_t in = {data, *len};
    assert_int_equal(lpg_ledger_append(f->l, "test", &in, 1, NULL, NULL, out),
                     LPG_OK);
    free(data);
}

static void
test_enrolled_device_appends(void **state)
{
    s_fix_t *f = *state;
    lpg_append_out_t out;
    size_t len;
    s_append1(f, s_enroll(f, f->authority, f->dev, "S1", &len), &len, &out);
    assert_int_equal(out.status, LPG_OK);
    assert_int_equal(out.seq, S_BASE);
    s_append1(f, s_fill_check(f->dev, "S1", NULL, 15000, &len), &len, &out);
    assert_int_equal(out.status, LPG_OK);
    assert_int_equal(out.seq, S_BASE + 1);
    uint64_t size;
    assert_int_equal(lpg_ledger_size(f->l, &size), LPG_OK);
    assert_int_equal(size, S_BASE + 2);
}

static void
test_unknown_signer_refused(void **state)
{
    s_fix_t *f = *state;
    lpg_append_out_t out;
    size_t len;
    s_append1(f, s_fill_check(f->dev, "S1", NULL, 15000, &len), &len, &out);
    assert_int_equal(out.status, LPG_EUNKNOWNKEY);
    uint64_t size;
    lpg_ledger_size(f->l, &size);
    assert_int_equal(size, S_BASE);
}

static void
test_device_cannot_enroll(void **state)
{
    s_fix_t *f = *state;
    lpg_append_out_t out;
    size_t len;
    s_append1(f, s_enroll(f, f->authority, f->dev, "S1", &len), &len, &out);
    lpg_key_t *other = NULL;
    lpg_key_generate(&other);
    s_append1(f, s_enroll(f, f->dev, other, "S1", &len), &len, &out);
    assert_int_equal(out.status, LPG_EPERM);
    assert_non_null(strstr(out.why, "only the authority"));
    lpg_key_destroy(&other);
}

static void
test_bad_signature_rest_lands(void **state)
{
    s_fix_t *f = *state;
    lpg_append_out_t out[4];
    lpg_append_in_t in[4];
    size_t len[4];
    uint8_t *bufs[4];
    bufs[0] = s_enroll(f, f->authority, f->dev, "S1", &len[0]);
    bufs[1] = s_fill_check(f->dev, "S1", NULL, 15000, &len[1]);
    bufs[2] = s_fill_check(f->dev, "S1", NULL, 15100, &len[2]);
    bufs[3] = s_fill_check(f->dev, "S1", NULL, 15200, &len[3]);
    bufs[2][len[2] - 5] ^= 0x40; /* inside the signature */
    for (int i = 0; i < 4; i++) {
        in[i].data = bufs[i];
        in[i].len = len[i];
    }
    assert_int_equal(lpg_ledger_append(f->l, "test", in, 4, NULL, NULL, out),
                     LPG_OK);
    assert_int_equal(out[0].status, LPG_OK);
    assert_int_equal(out[1].status, LPG_OK);
    assert_int_equal(out[2].status, LPG_EBADSIG);
    assert_int_equal(out[3].status, LPG_OK);
    assert_int_equal(out[3].seq, S_BASE + 2);
    for (int i = 0; i < 4; i++)
        free(bufs[i]);
}

static void
test_malformed_refused(void **state)
{
    s_fix_t *f = *state;
    uint8_t junk[] = {0x0a, 0x05, 'h', 'e', 'l', 'l', 'o', 0xff};
    lpg_append_in_t in = {junk, sizeof junk};
    lpg_append_out_t out;
    assert_int_equal(lpg_ledger_append(f->l, "test", &in, 1, NULL, NULL, &out),
                     LPG_OK);
    assert_int_equal(out.status, LPG_EMALFORMED);
}

static void
test_retry_and_conflict(void **state)
{
    s_fix_t *f = *state;
    lpg_append_out_t out;
    size_t len;
    s_append1(f, s_enroll(f, f->authority, f->dev, "S1", &len), &len, &out);
    uint8_t id[16];
    lpg_event_new_id(id);
    uint8_t *first = s_fill_check(f->dev, "S1", id, 15000, &len);
    uint8_t *again = malloc(len);
    memcpy(again, first, len);
    size_t againlen = len;
    s_append1(f, first, &len, &out);
    assert_int_equal(out.status, LPG_OK);
    assert_false(out.duplicate);
    uint64_t seq = out.seq;
    s_append1(f, again, &againlen, &out);
    assert_int_equal(out.status, LPG_OK);
    assert_true(out.duplicate);
    assert_int_equal(out.seq, seq);
    /* Same id, other body. */
    s_append1(f, s_fill_check(f->dev, "S1", id, 16000, &len), &len, &out);
    assert_int_equal(out.status, LPG_ECONFLICT);
    uint64_t size;
    lpg_ledger_size(f->l, &size);
    assert_int_equal(size, S_BASE + 2);
}

/*  Event ids begin with the time they were made, so that ids made
 *  together sort together (the ledger files them on few pages). */
static void
test_new_ids_sort_in_time(void **state)
{
    (void)state;
    uint8_t a[16], b[16];
    uint64_t before = lpg_clock_now_ms();
    assert_int_equal(lpg_event_new_id(a), LPG_OK);
    usleep(2000);
    assert_int_equal(lpg_event_new_id(b), LPG_OK);
    uint64_t ms = 0;
    for (int i = 0; i < 6; i++)
        ms = ms << 8 | a[i];
    assert_true(ms >= before && ms <= before + 1000);
    assert_true(memcmp(a, b, 16) < 0);
    assert_true(memcmp(a + 6, b + 6, 10) != 0);
}

/*  A transaction straight in the LMDB of the ledger in dir (flags 0 or
 *  MDB_RDONLY), as another process would open it; *env is closed by the
 *  caller. */
static MDB_txn *
s_raw_begin(const char *dir, unsigned flags, MDB_env **env)
{
    MDB_txn *txn;
    assert_int_equal(mdb_env_create(env), 0);
    assert_int_equal(mdb_env_set_maxdbs(*env, 32), 0);
    if (!(flags & MDB_RDONLY))
        assert_int_equal(mdb_env_set_mapsize(*env, 1ULL << 30), 0);
    assert_int_equal(mdb_env_open(*env, dir, flags, 0600), 0);
    assert_int_equal(mdb_txn_begin(*env, NULL, flags, &txn), 0);
    return txn;
}

/*  Sets meta "format" of the ledger in dir (NULL: drops it), and drops
 *  table drop unless NULL, straight in LMDB, as another process would. */
static void
s_set_format(const char *dir, const char *format, const char *drop)
{
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi meta, dbi;
    txn = s_raw_begin(dir, 0, &env);
    assert_int_equal(mdb_dbi_open(txn, "meta", 0, &meta), 0);
    MDB_val k = {6, "format"},
            v = {format ? strlen(format) : 0, (void *)format};
    assert_int_equal(format ? mdb_put(txn, meta, &k, &v, 0)
                            : mdb_del(txn, meta, &k, NULL),
                     0);
    if (drop) {
        assert_int_equal(mdb_dbi_open(txn, drop, 0, &dbi), 0);
        assert_int_equal(mdb_drop(txn, dbi, 1), 0);
    }
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
}

#define S_OLD_FORMAT "lpgtrace-ledger-2"
#define S_FORMAT_NOW "lpgtrace-ledger-3"

/*  A ledger whose layout a newer lpgtrace wrote is refused, read-only and
 *  read-write, and left as it is: never taken for an older one and
 *  "upgraded" back. */
static void
test_newer_layout_refused(void **state)
{
    s_fix_t *f = *state;
    lpg_ledger_close(&f->l);
    s_set_format(f->dir, "lpgtrace-ledger-99", NULL);
    lpg_ledger_t *l = NULL;
    assert_int_equal(lpg_ledger_open(&l, f->dir, LPG_LEDGER_RDONLY, 1ULL << 30,
                                     &lpg_domain_projection),
                     LPG_ENEWER);
    assert_null(l);
    assert_int_equal(
        lpg_ledger_open(&l, f->dir, 0, 1ULL << 30, &lpg_domain_projection),
        LPG_ENEWER);
    assert_null(l);
    /* still the newer layout's name: nothing was rewritten */
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi meta;
    MDB_val k = {6, "format"}, v;
    txn = s_raw_begin(f->dir, MDB_RDONLY, &env);
    assert_int_equal(mdb_dbi_open(txn, "meta", 0, &meta), 0);
    assert_int_equal(mdb_get(txn, meta, &k, &v), 0);
    assert_int_equal(v.mv_size, strlen("lpgtrace-ledger-99"));
    assert_memory_equal(v.mv_data, "lpgtrace-ledger-99", v.mv_size);
    mdb_txn_abort(txn);
    mdb_env_close(env);
    /* the teardown closes f->l: reopen what this build knows */
    s_set_format(f->dir, S_FORMAT_NOW, NULL);
    assert_int_equal(
        lpg_ledger_open(&f->l, f->dir, 0, 1ULL << 30, &lpg_domain_projection),
        LPG_OK);
}

/*  Rewrites the event ids of the ledger in dir as a ledger written before
 *  the ids were keyed by time kept them: table "event_ids", signer first. */
static void
s_make_old_ids(const char *dir)
{
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi from, to;
    txn = s_raw_begin(dir, 0, &env);
    assert_int_equal(mdb_dbi_open(txn, "event_ids_t", 0, &from), 0);
    assert_int_equal(mdb_dbi_open(txn, "event_ids", MDB_CREATE, &to), 0);
    MDB_cursor *c;
    MDB_val k, v;
    size_t n = 0;
    assert_int_equal(mdb_cursor_open(txn, from, &c), 0);
    for (int rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(c, &k, &v, MDB_NEXT), n++) {
        assert_int_equal(k.mv_size, 48);
        uint8_t ok[48];
        memcpy(ok, (uint8_t *)k.mv_data + 16, 32);
        memcpy(ok + 32, k.mv_data, 16);
        MDB_val kk = {48, ok};
        assert_int_equal(mdb_put(txn, to, &kk, &v, 0), 0);
    }
    mdb_cursor_close(c);
    assert_true(n > 0);
    assert_int_equal(mdb_drop(txn, from, 1), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
    s_set_format(dir, S_OLD_FORMAT, NULL);
}

/*  A ledger written before keeps answering retries and conflicts: its
 *  first read-write open moves the ids to the new table. */
static void
test_ids_from_before(void **state)
{
    s_fix_t *f = *state;
    lpg_append_out_t out;
    size_t len;
    s_append1(f, s_enroll(f, f->authority, f->dev, "S1", &len), &len, &out);
    uint8_t id[16];
    lpg_event_new_id(id);
    uint8_t *first = s_fill_check(f->dev, "S1", id, 15000, &len);
    uint8_t *again = malloc(len);
    memcpy(again, first, len);
    size_t againlen = len;
    s_append1(f, first, &len, &out);
    assert_int_equal(out.status, LPG_OK);
    uint64_t seq = out.seq;
    lpg_ledger_close(&f->l);
    s_make_old_ids(f->dir);
    /* Read only: opens, and leaves the file as it is. */
    assert_int_equal(
        lpg_ledger_open(&f->l, f->dir, LPG_LEDGER_RDONLY, 0, NULL), LPG_OK);
    uint64_t size = 0;
    assert_int_equal(lpg_ledger_size(f->l, &size), LPG_OK);
    assert_int_equal(size, S_BASE + 2);
    lpg_ledger_close(&f->l);
    assert_int_equal(
        lpg_ledger_open(&f->l, f->dir, 0, 1ULL << 30, &lpg_domain_projection),
        LPG_OK);
    s_append1(f, again, &againlen, &out);
    assert_int_equal(out.status, LPG_OK);
    assert_true(out.duplicate);
    assert_int_equal(out.seq, seq);
    s_append1(f, s_fill_check(f->dev, "S1", id, 16000, &len), &len, &out);
    assert_int_equal(out.status, LPG_ECONFLICT);
    /* The old table is gone; the ids live in the new one. */
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    txn = s_raw_begin(f->dir, MDB_RDONLY, &env);
    assert_int_equal(mdb_dbi_open(txn, "event_ids", 0, &dbi), MDB_NOTFOUND);
    assert_int_equal(mdb_dbi_open(txn, "event_ids_t", 0, &dbi), 0);
    MDB_stat st;
    assert_int_equal(mdb_stat(txn, dbi, &st), 0);
    assert_int_equal(st.ms_entries, S_BASE + 2);
    mdb_txn_abort(txn);
    mdb_env_close(env);
}

/*  Whether the ledger in dir has a table called name, read straight from
 *  LMDB. */
static bool
s_has_table(const char *dir, const char *name)
{
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    txn = s_raw_begin(dir, MDB_RDONLY, &env);
    int rc = mdb_dbi_open(txn, name, 0, &dbi);
    assert_true(rc == 0 || rc == MDB_NOTFOUND);
    mdb_txn_abort(txn);
    mdb_env_close(env);
    return rc == 0;
}

/*  A ledger written before has an index by staff member ("by_actor"),
 *  which nothing reads: a read-only open leaves it, the first read-write
 *  open drops it, and new entries are not indexed by staff any more. */
static void
test_retired_by_actor(void **state)
{
    s_fix_t *f = *state;
    lpg_ledger_close(&f->l);
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    txn = s_raw_begin(f->dir, 0, &env);
    assert_int_equal(mdb_dbi_open(txn, "by_actor",
                                  MDB_CREATE | MDB_DUPSORT | MDB_DUPFIXED,
                                  &dbi),
                     0);
    uint8_t sb[8];
    lpg_be64_put(sb, 2);
    MDB_val k = {5, "alice"}, v = {8, sb};
    assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
    assert_true(s_has_table(f->dir, "by_actor"));
    assert_int_equal(
        lpg_ledger_open(&f->l, f->dir, LPG_LEDGER_RDONLY, 0, NULL), LPG_OK);
    lpg_ledger_close(&f->l);
    assert_true(s_has_table(f->dir, "by_actor"));
    assert_int_equal(
        lpg_ledger_open(&f->l, f->dir, 0, 1ULL << 30, &lpg_domain_projection),
        LPG_OK);
    assert_false(s_has_table(f->dir, "by_actor"));
    /* An event that names a member of staff lands, and no such table
     * comes back. */
    size_t len;
    lpg_append_out_t out;
    s_append1(f, s_enroll(f, f->authority, f->dev, "S1", &len), &len, &out);
    assert_int_equal(out.status, LPG_OK);
    Lpg__FillCheck fc = LPG__FILL_CHECK__INIT;
    fc.code = "https://id.lpg.example/8003/x";
    fc.empty_g = 15000;
    Lpg__Event ev = LPG__EVENT__INIT;
    ev.body_case = LPG__EVENT__BODY_FILL_CHECK;
    ev.fill_check = &fc;
    ev.cylinder = "06900000000150A1";
    ev.site = "S1";
    ev.actor = "alice";
    s_append1(f, s_event(f->dev, &ev, NULL, &len), &len, &out);
    assert_int_equal(out.status, LPG_OK);
    assert_false(s_has_table(f->dir, "by_actor"));
}

static void
test_revoked_device_refused(void **state)
{
    s_fix_t *f = *state;
    lpg_append_out_t out;
    size_t len;
    s_append1(f, s_enroll(f, f->authority, f->dev, "S1", &len), &len, &out);
    uint8_t id[16];
    lpg_event_new_id(id);
    uint8_t *before = s_fill_check(f->dev, "S1", id, 15000, &len);
    uint8_t *retry = malloc(len);
    memcpy(retry, before, len);
    size_t retrylen = len;
    s_append1(f, before, &len, &out);
    assert_int_equal(out.status, LPG_OK);
    uint8_t kid[32];
    lpg_key_id(f->dev, kid);
    Lpg__DeviceRevoke rv = LPG__DEVICE_REVOKE__INIT;
    rv.key_id.data = kid;
    rv.key_id.len = 32;
    rv.reason = "lost";
    Lpg__Event ev = LPG__EVENT__INIT;
    ev.body_case = LPG__EVENT__BODY_DEVICE_REVOKE;
    ev.device_revoke = &rv;
    s_append1(f, s_event(f->authority, &ev, NULL, &len), &len, &out);
    assert_int_equal(out.status, LPG_OK);
    s_append1(f, s_fill_check(f->dev, "S1", NULL, 15000, &len), &len, &out);
    assert_int_equal(out.status, LPG_EREVOKED);
    /* A retry of an event recorded before the revocation still gets its
     * first answer. */
    s_append1(f, retry, &retrylen, &out);
    assert_int_equal(out.status, LPG_OK);
    assert_true(out.duplicate);
    /* Revoked for good: enrolling the same key again is refused. */
    s_append1(f, s_enroll(f, f->authority, f->dev, "S1", &len), &len, &out);
    assert_int_equal(out.status, LPG_EREVOKED);
}

static void
test_site_binding(void **state)
{
    s_fix_t *f = *state;
    lpg_append_out_t out;
    size_t len;
    s_append1(f, s_enroll(f, f->authority, f->dev, "S1", &len), &len, &out);
    /* The ledger records it: where a device may act is a service rule
     * (DEVICE_NOT_HERE), judged and recorded by the filling service. */
    s_append1(f, s_fill_check(f->dev, "S2", NULL, 15000, &len), &len, &out);
    assert_int_equal(out.status, LPG_OK);
}

static void
test_enrolled_in_same_batch(void **state)
{
    s_fix_t *f = *state;
    lpg_append_in_t in[2];
    lpg_append_out_t out[2];
    size_t len[2];
    uint8_t *b0 = s_enroll(f, f->authority, f->dev, "S1", &len[0]);
    uint8_t *b1 = s_fill_check(f->dev, "S1", NULL, 15000, &len[1]);
    in[0] = (lpg_append_in_t){b0, len[0]};
    in[1] = (lpg_append_in_t){b1, len[1]};
    assert_int_equal(lpg_ledger_append(f->l, "test", in, 2, NULL, NULL, out),
                     LPG_OK);
    assert_int_equal(out[0].status, LPG_OK);
    assert_int_equal(out[1].status, LPG_OK);
    free(b0);
    free(b1);
}

static int
s_count_seq(void *ctx, uint64_t seq)
{
    (*(int *)ctx)++;
    return LPG_OK;
}

static void
test_tree_index_checkpoint_verify(void **state)
{
    s_fix_t *f = *state;
    lpg_append_out_t out;
    size_t len;
    s_append1(f, s_enroll(f, f->authority, f->dev, "S1", &len), &len, &out);
    for (int i = 0; i < 40; i++) {
        s_append1(f, s_fill_check(f->dev, "S1", NULL, 15000 + i, &len), &len,
                  &out);
        assert_int_equal(out.status, LPG_OK);
    }
    const uint64_t total = S_BASE + 41;
    uint8_t root[32];
    assert_int_equal(lpg_ledger_root(f->l, total, root), LPG_OK);
    assert_int_equal(lpg_ledger_root(f->l, total + 1, root), LPG_ERANGE);
    lpg_hash_t proof[LPG_MERKLE_MAX_PROOF];
    size_t n;
    assert_int_equal(lpg_ledger_inclusion_proof(f->l, 17, total, proof, &n),
                     LPG_OK);
    lpg_txn_t *t;
    assert_int_equal(lpg_ledger_read(f->l, &t), LPG_OK);
    const uint8_t *data;
    size_t dlen;
    assert_int_equal(lpg_txn_entry(t, 17, &data, &dlen), LPG_OK);
    uint8_t leaf[32];
    lpg_merkle_leaf_hash(data, dlen, leaf);
    assert_int_equal(
        lpg_merkle_verify_inclusion(17, total, leaf, proof, n, root), LPG_OK);
    int count = 0;
    const char *grai = "06900000000150A1";
    assert_int_equal(lpg_txn_seqs(t, LPG_TABLE_BY_CYLINDER, grai, strlen(grai),
                                  s_count_seq, &count),
                     LPG_OK);
    assert_int_equal(count, 40);
    lpg_txn_abort(&t);

    char *note = NULL;
    assert_int_equal(lpg_checkpoint_sign(f->ledger_key, "test.example/ledger",
                                         total, root, &note),
                     LPG_OK);
    assert_int_equal(lpg_ledger_checkpoint_put(f->l, total, note), LPG_OK);
    lpg_checkpoint_t cp;
    assert_int_equal(lpg_checkpoint_open(note, strlen(note), f->ledger_key,
                                         "test.example/ledger", &cp, NULL, 0),
                     LPG_OK);
    assert_int_equal(cp.size, total);
    assert_memory_equal(cp.root, root, 32);
    assert_int_equal(lpg_checkpoint_open(note, strlen(note), f->authority,
                                         "test.example/ledger", &cp, NULL, 0),
                     LPG_EBADSIG);
    assert_int_equal(lpg_checkpoint_open(note, strlen(note), f->ledger_key,
                                         "other/origin", &cp, NULL, 0),
                     LPG_EINVAL);
    free(note);

    lpg_verify_opts_t o = {0};
    o.ledger_key = f->ledger_key;
    o.origin = "test.example/ledger";
    lpg_verify_report_t r;
    assert_int_equal(lpg_verify_ledger(f->l, &o, &r), LPG_OK);
    assert_int_equal(r.error, LPG_OK);
    assert_int_equal(r.entries, total);
    assert_int_equal(r.checkpoints, 1);
    assert_true(r.state_rows > 0);
}

static void
s_count_answer(void *ctx, lpg_txn_t *t, int rc)
{
    int *n = ctx;
    uint64_t size = 0;
    /* answered from the write transaction: it reads what was recorded */
    if (rc == LPG_OK && t && lpg_txn_size(t, &size) == LPG_OK && size > 0)
        (*n)++;
}

/*  A writer holding a transaction answered from the journal (three
 *  batches, three records) dies before its commit: the next reader of
 *  another handle applies all three, and the ledger verifies. */
static void
test_held_crash(void **state)
{
    s_fix_t *f = *state;
    lpg_append_out_t out;
    size_t len;
    s_append1(f, s_enroll(f, f->authority, f->dev, "S1", &len), &len, &out);
    assert_int_equal(out.status, LPG_OK);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* the writer: its own handle, its own process */
        lpg_ledger_t *c = NULL;
        int bad = lpg_ledger_open(&c, f->dir, 0, 1ULL << 30,
                                  &lpg_domain_projection) != LPG_OK;
        bad = bad || !lpg_ledger_journaled(c);
        if (!bad) /* held across the three, however slow the machine */
            lpg_ledger_hold_max(c, 60ULL * 1000000000ULL);
        for (int i = 0; i < 3 && !bad; i++) {
            uint8_t *data = s_fill_check(f->dev, "S1", NULL, 15000, &len);
            lpg_append_in_t in = {data, len};
            lpg_batch_t *b = NULL;
            lpg_append_out_t o, *outs = &o;
            int answered = 0;
            bad = lpg_ledger_prepare(c, &in, 1, NULL, &b) != LPG_OK ||
                  lpg_ledger_commit_answer(c, &b, 1, "test", NULL, &outs,
                                           s_count_answer, &answered,
                                           LPG_COMMIT_HOLD) != LPG_OK ||
                  answered != 1 || o.status != LPG_OK ||
                  o.seq != S_BASE + 1 + (uint64_t)i ||
                  !lpg_ledger_held(c, NULL);
            lpg_batch_destroy(&b);
            free(data);
        }
        _exit(bad ? 1 : 0); /* no commit: as if killed */
    }
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
    uint64_t size = 0;
    assert_int_equal(lpg_ledger_size(f->l, &size), LPG_OK);
    assert_int_equal(size, S_BASE + 4);
    lpg_verify_opts_t o = {0};
    o.ledger_key = f->ledger_key;
    o.origin = "test.example/ledger";
    lpg_verify_report_t r;
    assert_int_equal(lpg_verify_ledger(f->l, &o, &r), LPG_OK);
    assert_int_equal(r.error, LPG_OK);
    assert_int_equal(r.entries, S_BASE + 4);
}

typedef struct {
    uint64_t seq[64];
    int n;
} s_seqs_t;

static int
s_keep_seq(void *ctx, uint64_t seq)
{
    s_seqs_t *k = ctx;
    if (k->n == 64)
        return LPG_ERANGE;
    k->seq[k->n++] = seq;
    return LPG_OK;
}

/*  Rewrites the tree of the ledger in dir, of size entries, as a ledger
 *  written before kept it: table "nodes", keyed level byte + index. */
static void
s_make_old_nodes(const char *dir, uint64_t size)
{
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi tree, old;
    txn = s_raw_begin(dir, 0, &env);
    assert_int_equal(mdb_dbi_open(txn, "tree", 0, &tree), 0);
    assert_int_equal(mdb_dbi_open(txn, "nodes", MDB_CREATE, &old), 0);
    size_t n = 0;
    for (unsigned level = 0; (1ULL << level) <= size; level++)
        for (uint64_t i = 0; (i + 1) << level <= size; i++) {
            uint8_t nk[8], ok[9];
            assert_int_equal(lpg_node_key(nk, level, i), LPG_OK);
            MDB_val k = {8, nk}, v;
            assert_int_equal(mdb_get(txn, tree, &k, &v), 0);
            ok[0] = (uint8_t)level;
            lpg_be64_put(ok + 1, i);
            MDB_val kk = {9, ok};
            assert_int_equal(mdb_put(txn, old, &kk, &v, 0), 0);
            n++;
        }
    MDB_stat st;
    assert_int_equal(mdb_stat(txn, tree, &st), 0);
    assert_int_equal(st.ms_entries, n); /* every node, and only those */
    assert_int_equal(mdb_drop(txn, tree, 1), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
    s_set_format(dir, S_OLD_FORMAT, NULL);
}

/*  Tree nodes are keyed in the order appends make them; a ledger written
 *  before keyed them level first: a read-only open reads those, the
 *  first read-write open moves them, and roots and proofs stay the same. */
static void
test_tree_from_before(void **state)
{
    s_fix_t *f = *state;
    lpg_append_out_t out;
    size_t len;
    s_append1(f, s_enroll(f, f->authority, f->dev, "S1", &len), &len, &out);
    for (int i = 0; i < 10; i++)
        s_append1(f, s_fill_check(f->dev, "S1", NULL, 15000, &len), &len,
                  &out);
    uint64_t size = 0;
    assert_int_equal(lpg_ledger_size(f->l, &size), LPG_OK);
    assert_int_equal(size, S_BASE + 11);
    uint8_t roots[S_BASE + 11][32], root[32];
    for (uint64_t s = 1; s <= size; s++)
        assert_int_equal(lpg_ledger_root(f->l, s, roots[s - 1]), LPG_OK);
    lpg_hash_t proof[LPG_MERKLE_MAX_PROOF], again[LPG_MERKLE_MAX_PROOF];
    size_t np = 0, na = 0;
    assert_int_equal(lpg_ledger_inclusion_proof(f->l, 5, size, proof, &np),
                     LPG_OK);
    lpg_ledger_close(&f->l);
    s_make_old_nodes(f->dir, size);
    assert_true(s_has_table(f->dir, "nodes"));
    assert_false(s_has_table(f->dir, "tree"));
    assert_int_equal(
        lpg_ledger_open(&f->l, f->dir, LPG_LEDGER_RDONLY, 0, NULL), LPG_OK);
    for (uint64_t s = 1; s <= size; s++) {
        assert_int_equal(lpg_ledger_root(f->l, s, root), LPG_OK);
        assert_memory_equal(root, roots[s - 1], 32);
    }
    lpg_ledger_close(&f->l);
    assert_false(s_has_table(f->dir, "tree"));
    assert_int_equal(
        lpg_ledger_open(&f->l, f->dir, 0, 1ULL << 30, &lpg_domain_projection),
        LPG_OK);
    assert_false(s_has_table(f->dir, "nodes"));
    assert_true(s_has_table(f->dir, "tree"));
    for (uint64_t s = 1; s <= size; s++) {
        assert_int_equal(lpg_ledger_root(f->l, s, root), LPG_OK);
        assert_memory_equal(root, roots[s - 1], 32);
    }
    assert_int_equal(lpg_ledger_inclusion_proof(f->l, 5, size, again, &na),
                     LPG_OK);
    assert_int_equal(na, np);
    assert_memory_equal(again, proof, np * sizeof *proof);
    /* and the tree grows on */
    s_append1(f, s_fill_check(f->dev, "S1", NULL, 15000, &len), &len, &out);
    assert_int_equal(out.status, LPG_OK);
    assert_int_equal(
        lpg_ledger_consistency_proof(f->l, size, size + 1, proof, &np),
        LPG_OK);
    assert_int_equal(lpg_ledger_root(f->l, size + 1, root), LPG_OK);
    lpg_txn_t *t;
    const uint8_t *data;
    size_t dlen;
    uint8_t leaf[32];
    assert_int_equal(lpg_ledger_read(f->l, &t), LPG_OK);
    assert_int_equal(lpg_txn_entry(t, size, &data, &dlen), LPG_OK);
    lpg_merkle_leaf_hash(data, dlen, leaf);
    lpg_txn_abort(&t);
    assert_int_equal(
        lpg_ledger_inclusion_proof(f->l, size, size + 1, again, &na), LPG_OK);
    assert_int_equal(
        lpg_merkle_verify_inclusion(size, size + 1, leaf, again, na, root),
        LPG_OK);
}

/*  n fill checks at site S1 by f->dev (enrolled first), in batches. */
static void
s_fill_many(s_fix_t *f, int n)
{
    lpg_append_out_t out;
    size_t len;
    s_append1(f, s_enroll(f, f->authority, f->dev, "S1", &len), &len, &out);
    assert_int_equal(out.status, LPG_OK);
    enum { B = 256 };
    lpg_append_in_t in[B];
    lpg_append_out_t outs[B];
    for (int done = 0; done < n;) {
        int k = n - done < B ? n - done : B;
        for (int i = 0; i < k; i++) {
            in[i].data = s_fill_check(f->dev, "S1", NULL, 15000, &len);
            in[i].len = len;
            in[i].attach = NULL;
            in[i].attach_len = 0;
        }
        assert_int_equal(
            lpg_ledger_append(f->l, "test", in, (size_t)k, NULL, NULL, outs),
            LPG_OK);
        for (int i = 0; i < k; i++) {
            assert_int_equal(outs[i].status, LPG_OK);
            free((void *)in[i].data);
        }
        done += k;
    }
}

/*  Rewrites the ledger in dir without its free pages (a compact copy),
 *  and answers its file's size. */
static uint64_t
s_compact(const char *dir)
{
    char tmp[96], from[128], to[128];
    snprintf(tmp, sizeof tmp, "%s/compact", dir);
    assert_int_equal(mkdir(tmp, 0700), 0);
    MDB_env *env;
    assert_int_equal(mdb_env_create(&env), 0);
    assert_int_equal(mdb_env_set_maxdbs(env, 32), 0);
    assert_int_equal(mdb_env_open(env, dir, 0, 0600), 0);
    assert_int_equal(mdb_env_copy2(env, tmp, MDB_CP_COMPACT), 0);
    mdb_env_close(env);
    snprintf(from, sizeof from, "%s/data.mdb", tmp);
    snprintf(to, sizeof to, "%s/data.mdb", dir);
    assert_int_equal(rename(from, to), 0);
    assert_int_equal(rmdir(tmp), 0);
    struct stat st;
    assert_int_equal(stat(to, &st), 0);
    return (uint64_t)st.st_size;
}

/*  An upgrade that does not fit the map says so (LPG_EMAPFULL: raise
 *  ledger.map_size), not that the database failed. */
static void
s_upgrade_map_full(s_fix_t *f, bool nodes)
{
    s_fill_many(f, 1500);
    uint64_t size = 0;
    assert_int_equal(lpg_ledger_size(f->l, &size), LPG_OK);
    lpg_ledger_close(&f->l);
    if (nodes)
        s_make_old_nodes(f->dir, size);
    else
        s_make_old_ids(f->dir);
    /* a few pages to spare: the upgrade's tables open, its moves do not
     * fit */
    uint64_t bytes = s_compact(f->dir);
    assert_int_equal(lpg_ledger_open(&f->l, f->dir, 0, bytes + 8 * 4096,
                                     &lpg_domain_projection),
                     LPG_EMAPFULL);
    assert_null(f->l);
    /* with room, it opens and upgrades */
    assert_int_equal(
        lpg_ledger_open(&f->l, f->dir, 0, 1ULL << 30, &lpg_domain_projection),
        LPG_OK);
    assert_false(s_has_table(f->dir, nodes ? "nodes" : "event_ids"));
}

static void
test_upgrade_nodes_map_full(void **state)
{
    s_upgrade_map_full(*state, true);
}

static void
test_upgrade_ids_map_full(void **state)
{
    s_upgrade_map_full(*state, false);
}

/*  The seqs under key in index table tb, as the ledger in f->l reads
 *  them. */
static s_seqs_t
s_seqs_of(s_fix_t *f, lpg_table_t tb, const char *key)
{
    s_seqs_t k = {0};
    lpg_txn_t *t;
    assert_int_equal(lpg_ledger_read(f->l, &t), LPG_OK);
    assert_int_equal(lpg_txn_seqs(t, tb, key, strlen(key), s_keep_seq, &k),
                     LPG_OK);
    lpg_txn_abort(&t);
    return k;
}

static void
s_same_seqs(const s_seqs_t *a, const s_seqs_t *b)
{
    assert_int_equal(a->n, b->n);
    for (int i = 0; i < a->n; i++)
        assert_int_equal(a->seq[i], b->seq[i]);
}

/*  Rewrites index table name of the ledger in dir as a ledger written
 *  before kept it: duplicates under the table's own name, no chains.
 *  host: the table that keeps the index's heads, each under its key and
 *  a 0 byte (NULL: "<name>.head"). */
static void
s_make_old_index(const char *dir, const char *name, const char *host)
{
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi head, chain, old;
    char hn[64], cn[64];
    snprintf(hn, sizeof hn, "%s.head", name);
    snprintf(cn, sizeof cn, "%s.chain", name);
    txn = s_raw_begin(dir, 0, &env);
    assert_int_equal(mdb_dbi_open(txn, host ? host : hn, 0, &head), 0);
    assert_int_equal(mdb_dbi_open(txn, cn, 0, &chain), 0);
    assert_int_equal(
        mdb_dbi_open(txn, name, MDB_CREATE | MDB_DUPSORT | MDB_DUPFIXED, &old),
        0);
    MDB_cursor *c;
    MDB_val k, v;
    size_t n = 0;
    assert_int_equal(mdb_cursor_open(txn, head, &c), 0);
    for (int rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        if (host) {
            if (((const uint8_t *)k.mv_data)[k.mv_size - 1] != 0)
                continue; /* the host's own record */
            k.mv_size--;
        }
        MDB_val at = v;
        for (;;) {
            assert_int_equal(at.mv_size, 8);
            assert_int_equal(mdb_put(txn, old, &k, &at, 0), 0);
            n++;
            MDB_val ck = at, prev;
            assert_int_equal(mdb_get(txn, chain, &ck, &prev), 0);
            if (prev.mv_size == 0)
                break;
            at = prev;
        }
    }
    mdb_cursor_close(c);
    assert_true(n > 1);
    if (host) {
        assert_int_equal(mdb_cursor_open(txn, head, &c), 0);
        int rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
        while (rc == 0) {
            if (((const uint8_t *)k.mv_data)[k.mv_size - 1] == 0)
                assert_int_equal(mdb_cursor_del(c, 0), 0);
            rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
        }
        mdb_cursor_close(c);
    } else
        assert_int_equal(mdb_drop(txn, head, 1), 0);
    assert_int_equal(mdb_drop(txn, chain, 1), 0);
    if (!host) {
        char mn[64];
        snprintf(mn, sizeof mn, "%s.mark", name);
        MDB_dbi marks;
        assert_int_equal(mdb_dbi_open(txn, mn, 0, &marks), 0);
        assert_int_equal(mdb_drop(txn, marks, 1), 0);
    }
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
    s_set_format(dir, S_OLD_FORMAT, NULL);
}

/*  The indexes by site and by cylinder are chains of seqs; a ledger
 *  written before kept them as duplicates: a read-only open reads those,
 *  the first read-write open turns them into chains, and every key
 *  answers the same seqs throughout. */
static void
test_index_chains_from_before(void **state)
{
    s_fix_t *f = *state;
    lpg_append_out_t out;
    size_t len;
    s_append1(f, s_enroll(f, f->authority, f->dev, "S1", &len), &len, &out);
    for (int i = 0; i < 5; i++) {
        s_append1(f,
                  s_fill_check(f->dev, i % 2 ? "S1" : "S2", NULL, 15000, &len),
                  &len, &out);
        assert_int_equal(out.status, LPG_OK);
    }
    const char *grai = "06900000000150A1";
    s_seqs_t s1 = s_seqs_of(f, LPG_TABLE_BY_SITE, "S1");
    s_seqs_t s2 = s_seqs_of(f, LPG_TABLE_BY_SITE, "S2");
    s_seqs_t cy = s_seqs_of(f, LPG_TABLE_BY_CYLINDER, grai);
    assert_int_equal(cy.n, 5);
    assert_true(s1.n >= 3 && s2.n >= 3);
    for (int i = 1; i < s1.n; i++)
        assert_true(s1.seq[i] > s1.seq[i - 1]);
    uint8_t digest[32], again[32];
    assert_int_equal(lpg_state_digest(f->l, digest), LPG_OK);
    lpg_ledger_close(&f->l);
    s_make_old_index(f->dir, "by_site", NULL);
    s_make_old_index(f->dir, "by_cylinder", "cylinders");
    assert_true(s_has_table(f->dir, "by_site"));
    assert_false(s_has_table(f->dir, "by_site.head"));
    /* Read only: the duplicates as they are. */
    assert_int_equal(
        lpg_ledger_open(&f->l, f->dir, LPG_LEDGER_RDONLY, 0, NULL), LPG_OK);
    s_seqs_t r = s_seqs_of(f, LPG_TABLE_BY_SITE, "S1");
    s_same_seqs(&r, &s1);
    r = s_seqs_of(f, LPG_TABLE_BY_CYLINDER, grai);
    s_same_seqs(&r, &cy);
    assert_int_equal(lpg_state_digest(f->l, again), LPG_OK);
    assert_memory_equal(again, digest, 32);
    lpg_ledger_close(&f->l);
    assert_true(s_has_table(f->dir, "by_site"));
    /* Read-write: chains, the same answers, and they grow. */
    assert_int_equal(
        lpg_ledger_open(&f->l, f->dir, 0, 1ULL << 30, &lpg_domain_projection),
        LPG_OK);
    assert_false(s_has_table(f->dir, "by_site"));
    assert_false(s_has_table(f->dir, "by_cylinder"));
    assert_true(s_has_table(f->dir, "by_site.chain"));
    r = s_seqs_of(f, LPG_TABLE_BY_SITE, "S1");
    s_same_seqs(&r, &s1);
    r = s_seqs_of(f, LPG_TABLE_BY_SITE, "S2");
    s_same_seqs(&r, &s2);
    r = s_seqs_of(f, LPG_TABLE_BY_CYLINDER, grai);
    s_same_seqs(&r, &cy);
    assert_int_equal(lpg_state_digest(f->l, again), LPG_OK);
    assert_memory_equal(again, digest, 32);
    s_append1(f, s_fill_check(f->dev, "S2", NULL, 15000, &len), &len, &out);
    assert_int_equal(out.status, LPG_OK);
    r = s_seqs_of(f, LPG_TABLE_BY_SITE, "S2");
    assert_int_equal(r.n, s2.n + 1);
    assert_int_equal(r.seq[r.n - 1], out.seq);
    r = s_seqs_of(f, LPG_TABLE_BY_CYLINDER, grai);
    assert_int_equal(r.n, 6);
    lpg_txn_t *t;
    assert_int_equal(lpg_ledger_read(f->l, &t), LPG_OK);
    s_seqs_t w = {0};
    assert_int_equal(lpg_txn_seqs_from(t, LPG_TABLE_BY_CYLINDER, grai,
                                       strlen(grai), cy.seq[3], s_keep_seq,
                                       &w),
                     LPG_OK);
    lpg_txn_abort(&t);
    assert_int_equal(w.n, 3);
    assert_int_equal(w.seq[0], cy.seq[3]);
    assert_int_equal(w.seq[2], out.seq);
}

/*  What an upgrade does to the tables a reader of the older layout
 *  holds, done by another process: the old tables dropped, the new
 *  layout named. 0 when done. */
static int
s_upgrade_elsewhere(const char *dir)
{
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi meta, dbi;
    if (mdb_env_create(&env) || mdb_env_set_maxdbs(env, 32) ||
        mdb_env_open(env, dir, 0, 0600) || mdb_txn_begin(env, NULL, 0, &txn))
        return 1;
    const char *old[] = {"nodes", "by_site"};
    int rc = mdb_dbi_open(txn, "meta", 0, &meta);
    for (int i = 0; i < 2 && rc == 0; i++) {
        rc = mdb_dbi_open(txn, old[i], 0, &dbi);
        if (rc == 0)
            rc = mdb_drop(txn, dbi, 1);
    }
    MDB_val k = {6, "format"}, v = {17, "lpgtrace-ledger-3"};
    if (rc == 0)
        rc = mdb_put(txn, meta, &k, &v, 0);
    rc = rc ? rc : mdb_txn_commit(txn);
    mdb_env_close(env);
    return rc != 0;
}

/*  The exit status of fn(dir) run in a child process. */
static int
s_in_child(int (*fn)(const char *), const char *dir)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        _exit(fn(dir));
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    return WEXITSTATUS(st);
}

/*  Another process opens the ledger read-write: 0 if refused because it
 *  needs an upgrade and this one has it open. */
static int
s_open_elsewhere(const char *dir)
{
    lpg_ledger_t *l = NULL;
    int rc = lpg_ledger_open(&l, dir, 0, 1ULL << 30, &lpg_domain_projection);
    lpg_ledger_close(&l);
    return rc == LPG_EUPGRADE ? 0 : 1;
}

/*  A process that opened an older layout read-only (lpg-webd) keeps the
 *  tables it found: a read-write open elsewhere, which would upgrade
 *  and drop them, is refused while it has the ledger open; and if one
 *  upgraded it all the same (it opened just before), this process
 *  fails at its next read instead of answering from tables that are
 *  gone. */
static void
test_upgraded_under_reader(void **state)
{
    s_fix_t *f = *state;
    lpg_append_out_t out;
    size_t len;
    s_append1(f, s_enroll(f, f->authority, f->dev, "S1", &len), &len, &out);
    for (int i = 0; i < 3; i++)
        s_append1(f, s_fill_check(f->dev, "S1", NULL, 15000, &len), &len,
                  &out);
    uint64_t size = 0;
    uint8_t root[32];
    assert_int_equal(lpg_ledger_size(f->l, &size), LPG_OK);
    lpg_ledger_close(&f->l);
    s_make_old_nodes(f->dir, size);
    s_make_old_index(f->dir, "by_site", NULL);
    assert_int_equal(
        lpg_ledger_open(&f->l, f->dir, LPG_LEDGER_RDONLY, 0, NULL), LPG_OK);
    s_seqs_t r = s_seqs_of(f, LPG_TABLE_BY_SITE, "S1");
    assert_true(r.n >= 4);
    assert_int_equal(lpg_ledger_root(f->l, size, root), LPG_OK);
    /* refused while this process has it open */
    assert_int_equal(s_in_child(s_open_elsewhere, f->dir), 0);
    assert_true(s_has_table(f->dir, "nodes"));
    r = s_seqs_of(f, LPG_TABLE_BY_SITE, "S1");
    assert_true(r.n >= 4);
    /* upgraded all the same: every read fails, none answers */
    assert_int_equal(s_in_child(s_upgrade_elsewhere, f->dir), 0);
    lpg_txn_t *t = NULL;
    assert_int_equal(lpg_ledger_read(f->l, &t), LPG_EREOPEN);
    assert_null(t);
    assert_int_equal(lpg_ledger_root(f->l, size, root), LPG_EREOPEN);
    assert_int_equal(lpg_ledger_size(f->l, &size), LPG_EREOPEN);
}

typedef struct {
    uint64_t *v;
    size_t n, cap;
} s_vec_t;

static int
s_vec_add(void *ctx, uint64_t seq)
{
    s_vec_t *k = ctx;
    if (k->n == k->cap) {
        k->cap = k->cap ? 2 * k->cap : 64;
        k->v = realloc(k->v, k->cap * sizeof *k->v);
        assert_non_null(k->v);
    }
    k->v[k->n++] = seq;
    return LPG_OK;
}

/*  S1's seqs in [a, b] read with lpg_txn_seqs_range, checked against
 *  all of them (all); answers the chain steps it took. */
static uint64_t
s_window(s_fix_t *f, const s_vec_t *all, uint64_t a, uint64_t b, bool marks)
{
    lpg_txn_t *t;
    s_vec_t w = {0};
    assert_int_equal(lpg_ledger_read(f->l, &t), LPG_OK);
    uint64_t before = lpg_count_get(LPG_COUNT_CHAIN_STEP);
    assert_int_equal(
        lpg_txn_seqs_range(t, LPG_TABLE_BY_SITE, "S1", 2, a, b, s_vec_add, &w),
        LPG_OK);
    uint64_t steps = lpg_count_get(LPG_COUNT_CHAIN_STEP) - before;
    lpg_txn_abort(&t);
    size_t j = 0;
    for (size_t i = 0; i < all->n; i++)
        if (all->v[i] >= a && all->v[i] <= b) {
            assert_true(j < w.n);
            assert_int_equal(w.v[j++], all->v[i]);
        }
    assert_int_equal(j, w.n);
    /* at most what it answers and the rest of last's bucket (2^12) */
    if (marks)
        assert_true(steps <= w.n + 4096 + 1);
    free(w.v);
    return steps;
}

/*  A window of a site's history reads about as many seqs of its chain
 *  as it answers, wherever it lies, and not every seq since: the chain
 *  is entered from a mark near the window's end. A ledger kept before
 *  without marks is read from the newest seq, then given marks by its
 *  first read-write open. */
static void
test_site_window_marks(void **state)
{
    s_fix_t *f = *state;
    s_fill_many(f, 3 * 4096 + 500);
    s_vec_t all = {0};
    lpg_txn_t *t;
    assert_int_equal(lpg_ledger_read(f->l, &t), LPG_OK);
    uint64_t before = lpg_count_get(LPG_COUNT_CHAIN_STEP);
    assert_int_equal(
        lpg_txn_seqs(t, LPG_TABLE_BY_SITE, "S1", 2, s_vec_add, &all), LPG_OK);
    uint64_t whole = lpg_count_get(LPG_COUNT_CHAIN_STEP) - before;
    s_vec_t since = {0};
    before = lpg_count_get(LPG_COUNT_CHAIN_STEP);
    assert_int_equal(lpg_txn_seqs_from(t, LPG_TABLE_BY_SITE, "S1", 2, 4000,
                                       s_vec_add, &since),
                     LPG_OK);
    uint64_t from_steps = lpg_count_get(LPG_COUNT_CHAIN_STEP) - before;
    lpg_txn_abort(&t);
    assert_true(all.n > 3 * 4096);
    assert_true(whole >= all.n);
    assert_true(from_steps >= since.n);
    free(since.v);
    const uint64_t w[][2] = {{0, 50},        {100, 199},   {4000, 4095},
                             {4090, 4200},   {5000, 5000}, {8000, 12000},
                             {12500, 99999}, {200, 100},   {99990, 99999}};
    for (size_t i = 0; i < sizeof w / sizeof *w; i++)
        s_window(f, &all, w[i][0], w[i][1], true);
    /* a window that ends a bucket reads only itself, where reading from
     * the newest seq read all since */
    uint64_t steps = s_window(f, &all, 4000, 4095, true);
    assert_true(steps <= 96 + 1);
    assert_true(from_steps > 80 * steps);
    /* kept before without marks (a development build's layout) */
    lpg_ledger_close(&f->l);
    s_set_format(f->dir, S_OLD_FORMAT, "by_site.mark");
    assert_int_equal(
        lpg_ledger_open(&f->l, f->dir, LPG_LEDGER_RDONLY, 0, NULL), LPG_OK);
    s_window(f, &all, 100, 199, false);
    s_window(f, &all, 4000, 4095, false);
    lpg_ledger_close(&f->l);
    assert_false(s_has_table(f->dir, "by_site.mark"));
    assert_int_equal(
        lpg_ledger_open(&f->l, f->dir, 0, 1ULL << 30, &lpg_domain_projection),
        LPG_OK);
    assert_true(s_has_table(f->dir, "by_site.mark"));
    for (size_t i = 0; i < sizeof w / sizeof *w; i++)
        s_window(f, &all, w[i][0], w[i][1], true);
    assert_true(s_window(f, &all, 4000, 4095, true) <= 96 + 1);
    free(all.v);
}

/*  A window of a long history: the first entry recorded at or after a
 *  time (binary search of the log), and a site's entries from a seq on,
 *  neither reading what comes before. */
static void
test_window_by_recorded_time(void **state)
{
    s_fix_t *f = *state;
    lpg_append_out_t out;
    size_t len;
    const uint64_t t0 = 1767225600000ULL; /* 2026-01-01 */
    lpg_clock_set_now_ms(t0);
    s_append1(f, s_enroll(f, f->authority, f->dev, "S1", &len), &len, &out);
    lpg_key_t *dev2 = NULL;
    assert_int_equal(lpg_key_generate(&dev2), LPG_OK);
    s_append1(f, s_enroll(f, f->authority, dev2, "S2", &len), &len, &out);
    /* Entry S_BASE + 2 + i recorded at t0 + 60 s * (i + 1); even i at
     * S1, odd at S2. */
    for (int i = 0; i < 30; i++) {
        lpg_clock_set_now_ms(t0 + 60000ULL * (uint64_t)(i + 1));
        s_append1(f,
                  s_fill_check(i % 2 ? dev2 : f->dev, i % 2 ? "S2" : "S1",
                               NULL, 15000 + (uint32_t)i, &len),
                  &len, &out);
        assert_int_equal(out.status, LPG_OK);
    }
    lpg_clock_set_now_ms(0);
    const uint64_t first = S_BASE + 2, size = first + 30;
    lpg_txn_t *t;
    assert_int_equal(lpg_ledger_read(f->l, &t), LPG_OK);
    uint64_t ms = 0, seq = 0;
    assert_int_equal(lpg_txn_recorded_at(t, first + 4, &ms), LPG_OK);
    assert_int_equal(ms, t0 + 5 * 60000ULL);
    assert_int_equal(lpg_txn_recorded_at(t, size, &ms), LPG_ENOTFOUND);
    assert_int_equal(lpg_txn_seq_at(t, t0 + 5 * 60000ULL, &seq), LPG_OK);
    assert_int_equal(seq, first + 4);
    assert_int_equal(lpg_txn_seq_at(t, t0 + 5 * 60000ULL - 1, &seq), LPG_OK);
    assert_int_equal(seq, first + 4);
    assert_int_equal(lpg_txn_seq_at(t, t0 + 5 * 60000ULL + 1, &seq), LPG_OK);
    assert_int_equal(seq, first + 5);
    assert_int_equal(lpg_txn_seq_at(t, 0, &seq), LPG_OK);
    assert_int_equal(seq, 0);
    assert_int_equal(lpg_txn_seq_at(t, t0 + 3600000ULL, &seq), LPG_OK);
    assert_int_equal(seq, size);

    /* S1's entries from first + 5 on: first + 6, + 8, ..., + 28; the
     * old API still gives all of them. */
    s_seqs_t k = {0};
    assert_int_equal(lpg_txn_seqs_from(t, LPG_TABLE_BY_SITE, "S1", 2,
                                       first + 5, s_keep_seq, &k),
                     LPG_OK);
    assert_int_equal(k.n, 12);
    for (int i = 0; i < k.n; i++)
        assert_int_equal(k.seq[i], first + 6 + 2 * (uint64_t)i);
    k.n = 0;
    assert_int_equal(lpg_txn_seqs_from(t, LPG_TABLE_BY_SITE, "S1", 2,
                                       first + 6, s_keep_seq, &k),
                     LPG_OK);
    assert_int_equal(k.n, 12);
    assert_int_equal(k.seq[0], first + 6);
    k.n = 0;
    assert_int_equal(
        lpg_txn_seqs_from(t, LPG_TABLE_BY_SITE, "S1", 2, size, s_keep_seq, &k),
        LPG_OK);
    assert_int_equal(k.n, 0);
    k.n = 0;
    assert_int_equal(
        lpg_txn_seqs(t, LPG_TABLE_BY_SITE, "S2", 2, s_keep_seq, &k), LPG_OK);
    assert_int_equal(k.n, 16); /* SiteAdd and 15 checks */
    lpg_txn_abort(&t);
    lpg_key_destroy(&dev2);
}

/* ---------------------------------------------------- users and secrets */

static uint8_t *
s_user_add(const lpg_key_t *signer, const char *company, const char *id,
           size_t hmac_len, size_t *len)
{
    uint8_t hmac[32] = {7}, pii[40] = {9};
    Lpg__UserAdd ua = LPG__USER_ADD__INIT;
    ua.company = (char *)company;
    ua.kind = LPG__USER_KIND__USER_HOUSEHOLD;
    ua.id_hmac.data = hmac;
    ua.id_hmac.len = hmac_len;
    ua.pii.data = pii;
    ua.pii.len = sizeof pii;
    ua.masked_name = "张*丰";
    Lpg__Event ev = LPG__EVENT__INIT;
    ev.body_case = LPG__EVENT__BODY_USER_ADD;
    ev.user_add = &ua;
    ev.user = (char *)id;
    ev.company = (char *)company;
    return s_event(signer, &ev, NULL, len);
}

/*  A PiiReveal (erase false) or UserErase of user. */
static uint8_t *
s_user_event(const lpg_key_t *signer, const char *user, bool erase,
             size_t *len)
{
    Lpg__PiiReveal pr = LPG__PII_REVEAL__INIT;
    Lpg__UserErase ue = LPG__USER_ERASE__INIT;
    Lpg__Event ev = LPG__EVENT__INIT;
    pr.user = ue.user = (char *)user;
    pr.reason = ue.reason = "a test";
    if (erase) {
        ev.body_case = LPG__EVENT__BODY_USER_ERASE;
        ev.user_erase = &ue;
    } else {
        ev.body_case = LPG__EVENT__BODY_PII_REVEAL;
        ev.pii_reveal = &pr;
    }
    return s_event(signer, &ev, NULL, len);
}

/*  Rules that keep an event's attachment as a secret under its user. */
static int
s_keep_attach(void *ctx, lpg_txn_t *t, uint64_t seq, const lpg_event_t *ev,
              const lpg_signer_t *signer, const lpg_append_in_t *in, void *pre,
              Lpg__Outcome *outcome)
{
    const char *u = ev->event->user;
    if (!in->attach || !u)
        return LPG_OK;
    return lpg_txn_secret_put(t, u, strlen(u), in->attach, in->attach_len);
}

static void
s_secret_is(s_fix_t *f, const char *key, const char *want)
{
    lpg_txn_t *t;
    assert_int_equal(lpg_ledger_read(f->l, &t), LPG_OK);
    const void *v = NULL;
    size_t vlen = 0;
    int rc = lpg_txn_secret_get(t, key, strlen(key), &v, &vlen);
    if (want) {
        assert_int_equal(rc, LPG_OK);
        assert_int_equal(vlen, strlen(want));
        assert_memory_equal(v, want, vlen);
    } else
        assert_int_equal(rc, LPG_ENOTFOUND);
    lpg_txn_abort(&t);
}

static void
test_secrets_beside_the_log(void **state)
{
    s_fix_t *f = *state;
    size_t len;
    uint8_t *data = s_user_add(f->authority, "C1", "U1", 32, &len);
    lpg_append_in_t in = {data, len, (const uint8_t *)"key-of-U1", 9};
    lpg_append_out_t out;
    assert_int_equal(
        lpg_ledger_append(f->l, "test", &in, 1, s_keep_attach, NULL, &out),
        LPG_OK);
    assert_int_equal(out.status, LPG_OK);
    free(data);
    s_secret_is(f, "U1", "key-of-U1");
    s_secret_is(f, "U2", NULL);

    /* Not in the entry, so not in the tree. */
    lpg_txn_t *t;
    assert_int_equal(lpg_ledger_read(f->l, &t), LPG_OK);
    const uint8_t *entry;
    size_t elen;
    assert_int_equal(lpg_txn_entry(t, out.seq, &entry, &elen), LPG_OK);
    assert_null(memmem(entry, elen, "key-of-U1", 9));
    lpg_txn_abort(&t);
    uint64_t size;
    uint8_t root[32], root2[32];
    assert_int_equal(lpg_ledger_size(f->l, &size), LPG_OK);
    assert_int_equal(size, S_BASE + 1);
    assert_int_equal(lpg_ledger_root(f->l, size, root), LPG_OK);

    /* Verify does not see it; a rebuild's clearing does not touch it. */
    lpg_verify_opts_t o = {0};
    o.ledger_key = f->ledger_key;
    o.origin = "test.example/ledger";
    lpg_verify_report_t r;
    assert_int_equal(lpg_verify_ledger(f->l, &o, &r), LPG_OK);
    assert_int_equal(r.error, LPG_OK);
    assert_int_equal(lpg_ledger_write(f->l, &t), LPG_OK);
    assert_int_equal(lpg_txn_clear_state(t), LPG_OK);
    const void *v;
    size_t vlen;
    assert_int_equal(lpg_txn_get(t, LPG_TABLE_USERS, "U1", 2, &v, &vlen),
                     LPG_ENOTFOUND);
    assert_int_equal(lpg_txn_secret_get(t, "U1", 2, &v, &vlen), LPG_OK);
    lpg_txn_abort(&t);

    /* Deleted: gone, and the log is as it was. */
    assert_int_equal(lpg_ledger_write(f->l, &t), LPG_OK);
    assert_int_equal(lpg_txn_secret_del(t, "U1", 2), LPG_OK);
    assert_int_equal(lpg_txn_secret_del(t, "U1", 2), LPG_ENOTFOUND);
    assert_int_equal(lpg_txn_commit(&t), LPG_OK);
    s_secret_is(f, "U1", NULL);
    assert_int_equal(lpg_ledger_root(f->l, size, root2), LPG_OK);
    assert_memory_equal(root, root2, 32);
    assert_int_equal(lpg_verify_ledger(f->l, &o, &r), LPG_OK);
    assert_int_equal(r.error, LPG_OK);
}

/*  Appends data (freed) of *len bytes; its status, and why in words. */
static int
s_append_one(s_fix_t *f, uint8_t *data, const size_t *len, char *why)
{
    lpg_append_out_t out;
    s_append1(f, data, len, &out);
    if (why)
        snprintf(why, 128, "%s", out.why);
    return out.status;
}

static void
test_user_reveal_erase(void **state)
{
    s_fix_t *f = *state;
    size_t len;
    char why[128];
    /* An admin device of another company, C2. */
    Lpg__CompanyAdd c = LPG__COMPANY_ADD__INIT;
    c.name = "Gas Co 2";
    c.gs1_prefix = "6900001";
    c.licence_no = "L-2";
    Lpg__Event ev = LPG__EVENT__INIT;
    ev.body_case = LPG__EVENT__BODY_COMPANY_ADD;
    ev.company_add = &c;
    ev.company = "C2";
    assert_int_equal(
        s_append_one(f, s_event(f->authority, &ev, NULL, &len), &len, NULL),
        LPG_OK);
    uint8_t pub[32];
    lpg_key_raw_public(f->dev, pub);
    Lpg__DeviceEnroll en = LPG__DEVICE_ENROLL__INIT;
    en.sign_pub.data = pub;
    en.sign_pub.len = 32;
    en.company = "C2";
    en.role = LPG__ROLE__ROLE_COMPANY_ADMIN;
    Lpg__Event ee = LPG__EVENT__INIT;
    ee.body_case = LPG__EVENT__BODY_DEVICE_ENROLL;
    ee.device_enroll = &en;
    assert_int_equal(
        s_append_one(f, s_event(f->authority, &ee, NULL, &len), &len, NULL),
        LPG_OK);

    /* Look-up HMACs are 32 bytes; C2's admin adds no user of C1. */
    assert_int_equal(
        s_append_one(f, s_user_add(f->authority, "C1", "U1", 16, &len), &len,
                     why),
        LPG_EINVAL);
    assert_non_null(strstr(why, "HMAC"));
    assert_int_equal(
        s_append_one(f, s_user_add(f->dev, "C1", "U1", 32, &len), &len, why),
        LPG_EPERM);
    assert_int_equal(
        s_append_one(f, s_user_add(f->authority, "C1", "U1", 32, &len), &len,
                     NULL),
        LPG_OK);

    /* Only the authority reveals, and only a user that exists. */
    assert_int_equal(
        s_append_one(f, s_user_event(f->dev, "U1", false, &len), &len, why),
        LPG_EPERM);
    assert_non_null(strstr(why, "only the authority"));
    assert_int_equal(
        s_append_one(f, s_user_event(f->authority, "U9", false, &len), &len,
                     why),
        LPG_ENOTFOUND);
    assert_string_equal(why, "no user 'U9'");
    assert_int_equal(
        s_append_one(f, s_user_event(f->authority, "U1", false, &len), &len,
                     NULL),
        LPG_OK);

    /* Erasure: not by another company's admin; once; no reveal after. */
    assert_int_equal(
        s_append_one(f, s_user_event(f->dev, "U1", true, &len), &len, why),
        LPG_EPERM);
    assert_int_equal(s_append_one(f,
                                  s_user_event(f->authority, "U1", true, &len),
                                  &len, NULL),
                     LPG_OK);
    uint64_t size;
    assert_int_equal(lpg_ledger_size(f->l, &size), LPG_OK);
    const uint64_t erase_seq = size - 1;
    assert_int_equal(s_append_one(f,
                                  s_user_event(f->authority, "U1", true, &len),
                                  &len, why),
                     LPG_EEXIST);
    assert_int_equal(
        s_append_one(f, s_user_event(f->authority, "U1", false, &len), &len,
                     why),
        LPG_ENOTFOUND);
    assert_non_null(strstr(why, "erased"));

    lpg_txn_t *t;
    assert_int_equal(lpg_ledger_read(f->l, &t), LPG_OK);
    const void *v;
    size_t vlen;
    assert_int_equal(lpg_txn_get(t, LPG_TABLE_USERS, "U1", 2, &v, &vlen),
                     LPG_OK);
    Lpg__UserState *u = lpg__user_state__unpack(NULL, vlen, v);
    assert_non_null(u);
    assert_true(u->has_erased_seq);
    assert_int_equal(u->erased_seq, erase_seq);
    lpg__user_state__free_unpacked(u, NULL);
    int count = 0;
    assert_int_equal(
        lpg_txn_seqs(t, LPG_TABLE_BY_USER, "U1", 2, s_count_seq, &count),
        LPG_OK);
    assert_int_equal(count, 3); /* add, reveal, erase */
    lpg_txn_abort(&t);

    lpg_verify_opts_t o = {0};
    o.ledger_key = f->ledger_key;
    o.origin = "test.example/ledger";
    lpg_verify_report_t r;
    assert_int_equal(lpg_verify_ledger(f->l, &o, &r), LPG_OK);
    assert_int_equal(r.error, LPG_OK);
    assert_int_equal(r.entries, size);
}

static void
test_strings_validated(void **state)
{
    assert_int_equal(lpg_string_check("张三 ok", 64), LPG_OK);
    assert_int_equal(lpg_string_check("bad\x01", 64), LPG_EMALFORMED);
    assert_int_equal(lpg_string_check("\xc3\x28", 64), LPG_EMALFORMED);
    assert_int_equal(lpg_string_check("\xe0\x80\xaf", 64), LPG_EMALFORMED);
    assert_int_equal(lpg_string_check("\xed\xa0\x80", 64), LPG_EMALFORMED);
    assert_int_equal(lpg_string_check("abcdef", 5), LPG_EMALFORMED);
    assert_int_equal(lpg_string_check("c1 \xc2\x85 control", 64),
                     LPG_EMALFORMED);
}

/*  The ledger with a stub projection: it knows no event kind, and asks
 *  the table it was opened with who signs, what may be recorded and how
 *  state changes; verify and rebuild replay through the same table. */
static struct {
    uint8_t kid[32];
    uint8_t pub[32];
    bool revoked;
    unsigned applied;
} s_stub;

static int
s_stub_signer(lpg_txn_t *t, const uint8_t kid[LPG_KEYID_LEN],
              lpg_signer_t *out)
{
    if (memcmp(kid, s_stub.kid, 32) != 0)
        return LPG_ENOTFOUND;
    memcpy(out->sign_pub, s_stub.pub, 32);
    out->enrolled_seq = 0;
    out->revoked = s_stub.revoked;
    out->revoked_seq = 0;
    return LPG_OK;
}

static int
s_stub_authorize(lpg_txn_t *t, const lpg_event_t *ev, bool is_authority,
                 const lpg_signer_t *signer, char *why, size_t whysz)
{
    const Lpg__Event *e = ev->event;
    if (e->body_case == LPG__EVENT__BODY_FILL_CHECK &&
        e->fill_check->empty_g == 13) {
        snprintf(why, whysz, "the stub refuses 13 g");
        return LPG_EPERM;
    }
    return LPG_OK;
}

static int
s_stub_apply(lpg_txn_t *t, uint64_t seq, uint64_t recorded_at_ms,
             const lpg_event_t *ev, const uint8_t signer[LPG_KEYID_LEN],
             const Lpg__Outcome *outcome)
{
    s_stub.applied++;
    char key[32];
    snprintf(key, sizeof key, "entry-%llu", (unsigned long long)seq);
    uint8_t val[8];
    lpg_be64_put(val,
                 ev->event->fill_check ? ev->event->fill_check->empty_g : 0);
    return lpg_txn_put(t, LPG_TABLE_CYLINDERS, key, strlen(key), val, 8);
}

static const lpg_projection_t s_stub_projection = {
    .signer = s_stub_signer,
    .authorize = s_stub_authorize,
    .apply = s_stub_apply,
};

static void
test_stub_projection(void **state)
{
    char dir[64];
    snprintf(dir, sizeof dir, "/tmp/lpgtest-stub-XXXXXX");
    assert_non_null(mkdtemp(dir));
    lpg_ledger_t *l = NULL;
    assert_int_equal(lpg_ledger_open(&l, dir, LPG_LEDGER_CREATE, 1ULL << 30,
                                     &s_stub_projection),
                     LPG_OK);
    lpg_key_t *authority = NULL, *dev = NULL;
    assert_int_equal(lpg_key_generate(&authority), LPG_OK);
    assert_int_equal(lpg_key_generate(&dev), LPG_OK);
    uint8_t a[32];
    lpg_key_raw_public(authority, a);
    assert_int_equal(lpg_ledger_setup(l, a, a, "stub.example/ledger"), LPG_OK);
    lpg_key_id(dev, s_stub.kid);
    lpg_key_raw_public(dev, s_stub.pub);
    s_stub.revoked = false;
    s_stub.applied = 0;

    /* Entry 0, by the authority (the ledger knows it without the stub);
     * the stub's device counts as enrolled by it. */
    size_t n0;
    uint8_t *first = s_fill_check(authority, "S1", NULL, 1, &n0);
    lpg_append_in_t f0 = {first, n0, NULL, 0};
    lpg_append_out_t out[3];
    assert_int_equal(lpg_ledger_append(l, "test", &f0, 1, NULL, NULL, out),
                     LPG_OK);
    assert_int_equal(out[0].status, LPG_OK);
    free(first);

    /* Three events in one batch: the stub refuses the middle one. */
    size_t len[3];
    uint8_t *ev[3] = {s_fill_check(dev, "S1", NULL, 15000, &len[0]),
                      s_fill_check(dev, "S1", NULL, 13, &len[1]),
                      s_fill_check(dev, "S1", NULL, 16000, &len[2])};
    lpg_append_in_t in[3];
    for (int i = 0; i < 3; i++)
        in[i] = (lpg_append_in_t){ev[i], len[i], NULL, 0};
    assert_int_equal(lpg_ledger_append(l, "test", in, 3, NULL, NULL, out),
                     LPG_OK);
    assert_int_equal(out[0].status, LPG_OK);
    assert_int_equal(out[1].status, LPG_EPERM);
    assert_string_equal(out[1].why, "the stub refuses 13 g");
    assert_int_equal(out[2].status, LPG_OK);
    assert_int_equal(out[2].seq, 2);
    assert_int_equal(s_stub.applied, 3);
    for (int i = 0; i < 3; i++)
        free(ev[i]);

    /* A signer the stub does not know, and one it says is revoked. */
    size_t n1;
    lpg_key_t *stranger = NULL;
    assert_int_equal(lpg_key_generate(&stranger), LPG_OK);
    uint8_t *other = s_fill_check(stranger, "S1", NULL, 15000, &n1);
    lpg_append_in_t o = {other, n1, NULL, 0};
    assert_int_equal(lpg_ledger_append(l, "test", &o, 1, NULL, NULL, out),
                     LPG_OK);
    assert_int_equal(out[0].status, LPG_EUNKNOWNKEY);
    free(other);
    lpg_key_destroy(&stranger);
    s_stub.revoked = true;
    uint8_t *late = s_fill_check(dev, "S1", NULL, 15000, &n1);
    lpg_append_in_t lt = {late, n1, NULL, 0};
    assert_int_equal(lpg_ledger_append(l, "test", &lt, 1, NULL, NULL, out),
                     LPG_OK);
    assert_int_equal(out[0].status, LPG_EREVOKED);
    free(late);
    s_stub.revoked = false;
    assert_int_equal(s_stub.applied, 3);

    /* verify replays both entries through the stub, and agrees. */
    uint8_t before[32], after[32];
    assert_int_equal(lpg_state_digest(l, before), LPG_OK);
    lpg_verify_opts_t vo = {0};
    lpg_verify_report_t vr;
    assert_int_equal(lpg_verify_ledger(l, &vo, &vr), LPG_OK);
    assert_int_equal(vr.error, LPG_OK);
    assert_int_equal(vr.entries, 3);
    assert_int_equal(s_stub.applied, 6);
    /* rebuild too, to the same state. */
    uint64_t replayed = 0;
    assert_int_equal(lpg_state_rebuild(l, NULL, NULL, &replayed), LPG_OK);
    assert_int_equal(replayed, 3);
    assert_int_equal(s_stub.applied, 9);
    assert_int_equal(lpg_state_digest(l, after), LPG_OK);
    assert_memory_equal(before, after, 32);
    lpg_ledger_close(&l);

    /* Without a projection the ledger can be read, not written. */
    assert_int_equal(lpg_ledger_open(&l, dir, 0, 1ULL << 30, NULL), LPG_OK);
    uint64_t size = 0;
    assert_int_equal(lpg_ledger_size(l, &size), LPG_OK);
    assert_int_equal(size, 3);
    uint8_t *more = s_fill_check(dev, "S1", NULL, 15000, &n1);
    lpg_append_in_t m = {more, n1, NULL, 0};
    assert_int_equal(lpg_ledger_append(l, "test", &m, 1, NULL, NULL, out),
                     LPG_EPERM);
    free(more);
    assert_int_equal(lpg_verify_ledger(l, &vo, &vr), LPG_EPERM);
    lpg_ledger_close(&l);
    lpg_key_destroy(&authority);
    lpg_key_destroy(&dev);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

/*  How late a site's fill records came in: rounded up to the minute,
 *  only ever raised, nothing for a record without a site, and a row of
 *  the wrong size is a damaged state. */
static void
test_fill_late(void **state)
{
    s_fix_t *f = *state;
    lpg_txn_t *t = NULL;
    uint64_t ms = 1;
    assert_int_equal(lpg_ledger_write(f->l, &t), LPG_OK);
    assert_true(lpg_txn_state_current(t));
    assert_int_equal(lpg_state_fill_late(t, "S1", &ms), LPG_ENOTFOUND);
    assert_int_equal(lpg_state_fill_late_note(t, "S1", 5000, 5000), LPG_OK);
    assert_int_equal(lpg_state_fill_late(t, "S1", &ms), LPG_OK);
    assert_int_equal(ms, 0);
    /* 61 s late: two minutes */
    assert_int_equal(lpg_state_fill_late_note(t, "S1", 1000, 62000), LPG_OK);
    assert_int_equal(lpg_state_fill_late(t, "S1", &ms), LPG_OK);
    assert_int_equal(ms, 2 * LPG_FILL_LATE_STEP_MS);
    /* earlier ones, and a device clock ahead, lower nothing */
    assert_int_equal(lpg_state_fill_late_note(t, "S1", 1000, 31000), LPG_OK);
    assert_int_equal(lpg_state_fill_late_note(t, "S1", 90000, 1000), LPG_OK);
    assert_int_equal(lpg_state_fill_late(t, "S1", &ms), LPG_OK);
    assert_int_equal(ms, 2 * LPG_FILL_LATE_STEP_MS);
    /* exactly three minutes stays three */
    assert_int_equal(
        lpg_state_fill_late_note(t, "S1", 0, 3 * LPG_FILL_LATE_STEP_MS),
        LPG_OK);
    assert_int_equal(lpg_state_fill_late(t, "S1", &ms), LPG_OK);
    assert_int_equal(ms, 3 * LPG_FILL_LATE_STEP_MS);
    /* another site is its own; no site, no row */
    assert_int_equal(lpg_state_fill_late(t, "S2", &ms), LPG_ENOTFOUND);
    assert_int_equal(lpg_state_fill_late_note(t, NULL, 0, 999999), LPG_OK);
    assert_int_equal(lpg_state_fill_late_note(t, "", 0, 999999), LPG_OK);
    assert_int_equal(lpg_txn_put(t, LPG_TABLE_FILL_LATE, "S3", 2, "abc", 3),
                     LPG_OK);
    assert_int_equal(lpg_state_fill_late(t, "S3", &ms), LPG_ECORRUPT);
    lpg_txn_abort(&t);
}

/*  A cylinder's record and its registration are stored apart and read
 *  whole: the record alone for the steps, a record an older projection
 *  wrote (registration inside) as it is and moved apart once, and a
 *  record whose registration is missing is a damaged state. */
static void
test_cylinder_record_apart(void **state)
{
    s_fix_t *f = *state;
    lpg_txn_t *t = NULL;
    assert_int_equal(lpg_ledger_write(f->l, &t), LPG_OK);
    Lpg__CylinderRegister reg = LPG__CYLINDER_REGISTER__INIT;
    reg.serial = "S-1";
    reg.owner = "NT";
    reg.tare_g = 15000;
    reg.fill_g = 14500;
    reg.code = "https://id.example/8003/0690000100015S-1";
    Lpg__CylinderState st = LPG__CYLINDER_STATE__INIT;
    st.grai = "0690000100015S-1";
    st.reg = &reg;
    st.has_fills = 1;
    st.fills = 3;
    assert_int_equal(lpg_state_cylinder_new(t, &st), LPG_OK);
    assert_ptr_equal(st.reg, &reg); /* given back */
    const void *v;
    size_t vlen, whole = protobuf_c_message_get_packed_size(&st.base);
    assert_int_equal(lpg_txn_get(t, LPG_TABLE_CYLINDERS, st.grai,
                                 strlen(st.grai), &v, &vlen),
                     LPG_OK);
    assert_true(vlen + protobuf_c_message_get_packed_size(&reg.base) < whole);
    assert_int_equal(lpg_txn_get(t, LPG_TABLE_CYLINDER_REGS, st.grai,
                                 strlen(st.grai), &v, &vlen),
                     LPG_OK);
    assert_int_equal(vlen, protobuf_c_message_get_packed_size(&reg.base));

    /* whole for readers, the record alone for steps */
    Lpg__CylinderState *c = lpg_state_get(t, LPG_TABLE_CYLINDERS, st.grai,
                                          &lpg__cylinder_state__descriptor);
    assert_non_null(c);
    assert_non_null(c->reg);
    assert_string_equal(c->reg->serial, "S-1");
    assert_string_equal(c->reg->code, reg.code);
    assert_int_equal(c->fills, 3);
    lpg_state_free(c);
    c = NULL;
    assert_int_equal(lpg_state_cylinder_moving(t, st.grai, &c), LPG_OK);
    assert_null(c->reg);
    assert_int_equal(c->fills, 3);
    assert_int_equal(lpg_state_cylinder_reg(t, c), LPG_OK);
    assert_string_equal(c->reg->owner, "NT");
    lpg_state_free(c);

    /* an older projection's record: read as it is, then moved apart */
    Lpg__CylinderState old = st;
    old.grai = "0690000100015S-2";
    old.fills = 7;
    assert_int_equal(lpg_state_put(t, LPG_TABLE_CYLINDERS, old.grai,
                                   strlen(old.grai), &old.base),
                     LPG_OK);
    c = lpg_state_get(t, LPG_TABLE_CYLINDERS, old.grai,
                      &lpg__cylinder_state__descriptor);
    assert_non_null(c);
    assert_string_equal(c->reg->serial, "S-1");
    lpg_state_free(c);
    assert_int_equal(lpg_txn_get(t, LPG_TABLE_CYLINDER_REGS, old.grai,
                                 strlen(old.grai), &v, &vlen),
                     LPG_ENOTFOUND);
    bool split = false;
    assert_int_equal(lpg_state_cylinder_split(t, old.grai, &split), LPG_OK);
    assert_true(split);
    assert_int_equal(lpg_state_cylinder_split(t, old.grai, &split), LPG_OK);
    assert_false(split); /* once */
    c = NULL;
    assert_int_equal(lpg_state_cylinder_moving(t, old.grai, &c), LPG_OK);
    assert_null(c->reg);
    assert_int_equal(c->fills, 7);
    lpg_state_free(c);
    c = lpg_state_get(t, LPG_TABLE_CYLINDERS, old.grai,
                      &lpg__cylinder_state__descriptor);
    assert_non_null(c);
    assert_string_equal(c->reg->serial, "S-1");
    lpg_state_free(c);

    /* a record without its registration, none kept apart: damaged */
    Lpg__CylinderState lost = st;
    lost.grai = "0690000100015S-4";
    lost.reg = NULL;
    assert_int_equal(lpg_state_put(t, LPG_TABLE_CYLINDERS, lost.grai,
                                   strlen(lost.grai), &lost.base),
                     LPG_OK);
    c = NULL;
    assert_int_equal(lpg_state_load(t, LPG_TABLE_CYLINDERS, lost.grai,
                                    &lpg__cylinder_state__descriptor,
                                    (ProtobufCMessage **)&c),
                     LPG_ECORRUPT);
    assert_null(c);
    assert_null(lpg_state_get(t, LPG_TABLE_CYLINDERS, lost.grai,
                              &lpg__cylinder_state__descriptor));
    assert_int_equal(lpg_state_cylinder_moving(t, lost.grai, &c), LPG_OK);
    assert_null(c->reg); /* the step's read needs none */
    lpg_state_free(c);
    /* nothing to store without an id or a registration */
    Lpg__CylinderState bare = LPG__CYLINDER_STATE__INIT;
    bare.grai = "0690000100015S-3";
    assert_int_equal(lpg_state_cylinder_new(t, &bare), LPG_EINVAL);
    lpg_txn_abort(&t);
}

/*  The VmFlags of the mapping of dir/data.mdb in /proc/self/smaps, into
 *  out ("" if not found). */
static void
s_map_flags(const char *dir, char *out, size_t outsz)
{
    char path[128], line[4352];
    snprintf(path, sizeof path, "%s/data.mdb", dir);
    struct stat st;
    out[0] = '\0';
    assert_int_equal(stat(path, &st), 0);
    FILE *f = fopen("/proc/self/smaps", "r");
    assert_non_null(f);
    bool in = false;
    while (fgets(line, sizeof line, f)) {
        unsigned long ino;
        if (sscanf(line, "%*x-%*x %*s %*s %*s %lu", &ino) == 1)
            in = ino == (unsigned long)st.st_ino;
        else if (in && strncmp(line, "VmFlags:", 8) == 0) {
            size_t n = strlen(line + 8);
            n = n < outsz ? n : outsz - 1;
            memcpy(out, line + 8, n);
            out[n] = '\0';
            break;
        }
    }
    fclose(f);
}

/*  The map reads at random (no read-ahead: "rr" in its VmFlags) but while
 *  a walk in file order runs; walks nest; a verify walks, and leaves the
 *  map as it found it. */
static void
test_readahead_advice(void **state)
{
    s_fix_t *f = *state;
    char fl[256];
    s_map_flags(f->dir, fl, sizeof fl);
    assert_non_null(strstr(fl, " rr"));
    lpg_ledger_sequential(f->l, true);
    s_map_flags(f->dir, fl, sizeof fl);
    assert_true(fl[0] != '\0');
    assert_null(strstr(fl, " rr"));
    lpg_ledger_sequential(f->l, true);
    lpg_ledger_sequential(f->l, false);
    s_map_flags(f->dir, fl, sizeof fl);
    assert_null(strstr(fl, " rr")); /* one walk still runs */
    lpg_ledger_sequential(f->l, false);
    s_map_flags(f->dir, fl, sizeof fl);
    assert_non_null(strstr(fl, " rr"));
    lpg_ledger_sequential(f->l, false); /* one too many: no harm */
    lpg_ledger_sequential(f->l, true);
    s_map_flags(f->dir, fl, sizeof fl);
    assert_null(strstr(fl, " rr"));
    lpg_ledger_sequential(f->l, false);
    lpg_txn_t *t = NULL; /* a report's walk, through its transaction */
    assert_int_equal(lpg_ledger_read(f->l, &t), LPG_OK);
    lpg_txn_sequential(t, true);
    s_map_flags(f->dir, fl, sizeof fl);
    assert_null(strstr(fl, " rr"));
    lpg_txn_sequential(t, false);
    lpg_txn_abort(&t);
    s_map_flags(f->dir, fl, sizeof fl);
    assert_non_null(strstr(fl, " rr"));
    lpg_verify_opts_t o = {0};
    lpg_verify_report_t r;
    assert_int_equal(lpg_verify_ledger(f->l, &o, &r), LPG_OK);
    assert_int_equal(r.error, LPG_OK);
    assert_true(r.entries > 0);
    s_map_flags(f->dir, fl, sizeof fl);
    assert_non_null(strstr(fl, " rr"));
}

/*  Puts n records of 4,000 bytes (a page each) into a scratch, `per` to
 *  a transaction, keys from `from`: the first failure's code. */
static int
s_scratch_fill(lpg_ledger_t *l, unsigned from, unsigned n, unsigned per)
{
    static uint8_t val[4000];
    for (unsigned i = 0; i < n; i += per) {
        lpg_txn_t *t = NULL;
        int rc = lpg_ledger_write(l, &t);
        for (unsigned j = i; rc == LPG_OK && j < i + per && j < n; j++) {
            uint8_t key[8];
            lpg_be64_put(key, from + j);
            memset(val, (int)(from + j), sizeof val);
            rc = lpg_txn_put(t, LPG_TABLE_HAZARDS, key, 8, val, sizeof val);
        }
        if (rc == LPG_OK)
            rc = lpg_txn_commit(&t);
        lpg_txn_abort(&t);
        if (rc != LPG_OK)
            return rc;
    }
    return LPG_OK;
}

/*  Every byte of the scratch's file is allocated on the disk: LMDB writes
 *  it through its map (MDB_WRITEMAP), and a write into a hole on a full
 *  disk would kill the process with SIGBUS. */
static void
s_scratch_allocated(const char *dir, uint64_t *size)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/data.mdb", dir);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_true((uint64_t)st.st_blocks * 512 >= (uint64_t)st.st_size);
    *size = (uint64_t)st.st_size;
}

/*  A scratch ledger is written in place over space reserved first: its
 *  map starts small and grows, reserved, as it fills, up to the size it
 *  was opened with; past that a write fails with LPG_ENOSPC, and the
 *  process lives. */
static void
test_scratch_in_place(void **state)
{
    (void)state;
    char dir[64];
    snprintf(dir, sizeof dir, "/tmp/lpgtest-scratch-XXXXXX");
    assert_non_null(mkdtemp(dir));
    lpg_ledger_t *l = NULL;
    assert_int_equal(lpg_ledger_open(&l, dir,
                                     LPG_LEDGER_CREATE | LPG_LEDGER_SCRATCH,
                                     1ULL << 32, &lpg_domain_projection),
                     LPG_OK);
    uint64_t size;
    lpg_ledger_usage_t u;
    assert_int_equal(lpg_ledger_usage(l, &u), LPG_OK);
    s_scratch_allocated(dir, &size);
    assert_int_equal(size, u.map_bytes);     /* the map, reserved whole */
    assert_true(u.map_bytes < (1ULL << 32)); /* not the most it may be */
    uint64_t first = u.map_bytes;
    /* 30,000 pages (117 MiB): past what the first map leaves room for */
    assert_int_equal(s_scratch_fill(l, 0, 30000, 2000), LPG_OK);
    assert_int_equal(lpg_ledger_usage(l, &u), LPG_OK);
    assert_true(u.map_bytes > first);
    assert_true(u.used_bytes > 30000ULL * 4096);
    s_scratch_allocated(dir, &size);
    assert_int_equal(size, u.map_bytes);
    lpg_txn_t *t = NULL;
    assert_int_equal(lpg_ledger_read(l, &t), LPG_OK);
    for (unsigned i = 0; i < 30000; i += 997) {
        uint8_t key[8];
        const void *v;
        size_t vlen;
        lpg_be64_put(key, i);
        assert_int_equal(lpg_txn_get(t, LPG_TABLE_HAZARDS, key, 8, &v, &vlen),
                         LPG_OK);
        assert_int_equal(vlen, 4000);
        assert_int_equal(((const uint8_t *)v)[3999], (uint8_t)i);
    }
    lpg_txn_abort(&t);
    lpg_ledger_close(&l);
    char path[4200];
    snprintf(path, sizeof path, "%s/data.mdb", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/lock.mdb", dir);
    unlink(path);

    /* At most 16 MiB: it fills, and says so */
    assert_int_equal(lpg_ledger_open(&l, dir,
                                     LPG_LEDGER_CREATE | LPG_LEDGER_SCRATCH,
                                     16ULL << 20, &lpg_domain_projection),
                     LPG_OK);
    assert_int_equal(s_scratch_fill(l, 0, 6000, 500), LPG_ENOSPC);
    assert_int_equal(lpg_ledger_usage(l, &u), LPG_OK);
    assert_int_equal(u.map_bytes, 16ULL << 20);
    s_scratch_allocated(dir, &size);
    assert_int_equal(size, 16ULL << 20);
    lpg_ledger_close(&l);
    unlink(path);
    snprintf(path, sizeof path, "%s/data.mdb", dir);
    unlink(path);
    assert_int_equal(rmdir(dir), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_enrolled_device_appends, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_unknown_signer_refused, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_device_cannot_enroll, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_bad_signature_rest_lands, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_malformed_refused, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_retry_and_conflict, s_setup,
                                        s_teardown),
        cmocka_unit_test(test_new_ids_sort_in_time),
        cmocka_unit_test_setup_teardown(test_ids_from_before, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_retired_by_actor, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_index_chains_from_before, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_upgrade_nodes_map_full, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_upgrade_ids_map_full, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_upgraded_under_reader, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_site_window_marks, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_tree_from_before, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_revoked_device_refused, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_site_binding, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_enrolled_in_same_batch, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_tree_index_checkpoint_verify,
                                        s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_secrets_beside_the_log, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_user_reveal_erase, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_window_by_recorded_time, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_newer_layout_refused, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_fill_late, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_cylinder_record_apart, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_held_crash, s_setup, s_teardown),
        cmocka_unit_test(test_strings_validated),
        cmocka_unit_test(test_stub_projection),
        cmocka_unit_test(test_scratch_in_place),
        cmocka_unit_test_setup_teardown(test_readahead_advice, s_setup,
                                        s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
