/*  verify.c - see verify.h. One read snapshot of the ledger is walked in
 *  chunks: the sequential part (entry order, leaf and node hashes, state
 *  replay, who signed) runs on this thread while the worker pool checks
 *  the chunk before's signatures; this thread then helps with what is
 *  left of them, and hands the pool the chunk it has just walked. So
 *  every core checks signatures and none waits for the walk.
 */
#include "ledger/verify.h"
#include "ledger/checkpoint.h"
#include "base/error.h"
#include "crypto/keyring.h"
#include "base/log.h"
#include "base/workers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define S_CHUNK 4096
/*  From this many entries on, lpg_verify_since reads the file ahead. */
#define S_WALK_AHEAD 65536
#define S_SUB 256

/* ------------------------------------------------------- compact range */

typedef struct {
    uint8_t h[64][32];
    uint64_t size;
} s_range_t;

/*  Adds a leaf, checking every subtree it completes against the stored
 *  nodes. Returns LPG_OK or LPG_ECORRUPT with the level that differs. */
static int
s_range_add(s_range_t *r, lpg_txn_t *t, const uint8_t leaf[32],
            unsigned *bad_level)
{
    uint8_t h[32];
    memcpy(h, leaf, 32);
    unsigned lvl = 0;
    while ((r->size >> lvl) & 1) {
        uint8_t parent[32], stored[32];
        lpg_merkle_node_hash(r->h[lvl], h, parent);
        memcpy(h, parent, 32);
        lvl++;
        int rc = lpg_txn_node(t, lvl, r->size >> lvl, stored);
        if (rc != LPG_OK || memcmp(stored, h, 32) != 0) {
            *bad_level = lvl;
            return LPG_ECORRUPT;
        }
    }
    memcpy(r->h[lvl], h, 32);
    r->size++;
    return LPG_OK;
}

static void
s_range_root(const s_range_t *r, uint8_t out[32])
{
    if (r->size == 0) {
        lpg_sha256("", 0, out);
        return;
    }
    int lvl = __builtin_ctzll(r->size);
    uint8_t acc[32];
    memcpy(acc, r->h[lvl], 32);
    for (int b = lvl + 1; b < 64; b++) {
        if ((r->size >> b) & 1) {
            uint8_t tmp[32];
            lpg_merkle_node_hash(r->h[b], acc, tmp);
            memcpy(acc, tmp, 32);
        }
    }
    memcpy(out, acc, 32);
}

static void s_bad(lpg_verify_report_t *r, int err, bool has_seq, uint64_t seq,
                  const char *prefix, const char *detail);

/*  Entry seq of a walk of the log in order: its bytes (*data, *len), its
 *  leaf hash against the stored one, and the nodes it completes against
 *  the stored ones (r's range). LPG_ECORRUPT: said in r; another error:
 *  the ledger could not be read. */
static int
s_tree_entry(s_range_t *range, lpg_txn_t *t, uint64_t seq,
             const uint8_t **data, size_t *len, lpg_verify_report_t *r)
{
    int rc = lpg_txn_entry(t, seq, data, len);
    if (rc == LPG_ENOTFOUND) {
        s_bad(r, LPG_ECORRUPT, true, seq, "",
              "entry missing: the sequence has a gap");
        return LPG_ECORRUPT;
    }
    if (rc != LPG_OK)
        return rc;
    uint8_t leaf[32], stored[32];
    lpg_merkle_leaf_hash(*data, *len, leaf);
    rc = lpg_txn_node(t, 0, seq, stored);
    if (rc != LPG_OK && rc != LPG_ENOTFOUND)
        return rc;
    if (rc == LPG_ENOTFOUND || memcmp(leaf, stored, 32) != 0) {
        s_bad(r, LPG_ECORRUPT, true, seq, "",
              "entry bytes do not match their Merkle leaf hash: the "
              "entry was altered");
        return LPG_ECORRUPT;
    }
    unsigned lvl = 0;
    if (s_range_add(range, t, leaf, &lvl) != LPG_OK) {
        char d[96];
        snprintf(d, sizeof d,
                 "Merkle node at level %u completed by this entry is wrong",
                 lvl);
        s_bad(r, LPG_ECORRUPT, true, seq, "", d);
        return LPG_ECORRUPT;
    }
    return LPG_OK;
}

static int
s_range_from_store(s_range_t *r, lpg_txn_t *t, uint64_t size)
{
    memset(r, 0, sizeof *r);
    for (unsigned b = 0; b < 64; b++) {
        if (!((size >> b) & 1))
            continue;
        int rc = lpg_txn_node(t, b, (size >> b) - 1, r->h[b]);
        if (rc != LPG_OK)
            return rc;
    }
    r->size = size;
    return LPG_OK;
}

/* ---------------------------------------------------------- checkpoints */

typedef struct {
    uint64_t size;
    char *note;
    size_t len;
} s_cp_t;

typedef struct {
    s_cp_t *v;
    size_t n, cap;
} s_cps_t;

static int
s_collect_cp(void *ctx, uint64_t size, const char *note, size_t len)
{
    s_cps_t *c = ctx;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 16;
        s_cp_t *v = realloc(c->v, cap * sizeof *v);
        if (!v)
            return LPG_ENOMEM;
        c->v = v;
        c->cap = cap;
    }
    c->v[c->n].size = size;
    c->v[c->n].len = len;
    c->v[c->n].note = strndup(note, len);
    if (!c->v[c->n].note)
        return LPG_ENOMEM;
    c->n++;
    return LPG_OK;
}

/* ----------------------------------------------------- parallel verify */

typedef struct {
    const lpg_key_t *key;
    const uint8_t *body;
    size_t len;
    const uint8_t *sig;
    int rc;
} s_job_t;

static void
s_job(void *ctx, size_t i)
{
    s_job_t *j = &((s_job_t *)ctx)[i];
    j->rc = lpg_verify(j->key, LPG_CTX_EVENT, j->body, j->len, j->sig);
}

/*  A chunk whose signatures the pool is checking while this thread
 *  walks the next chunk: its jobs point into its decoded events, so both
 *  stay until s_finish. The events are decoded into the chunk's arena. */
typedef struct {
    s_job_t *jobs;
    lpg_event_t *evs;
    lpg_arena_t *arena;
    uint64_t base;
    size_t n;
    bool active;
} s_pending_t;

/*  Waits for the pending chunk's signatures (this thread checks what is
 *  left of them), reports the first that fails, frees its events. */
static void
s_finish(lpg_workers_t *pool, s_pending_t *p, lpg_verify_report_t *r)
{
    if (!p->active)
        return;
    lpg_workers_wait(pool);
    for (size_t i = 0; i < p->n; i++) {
        if (p->jobs[i].rc != LPG_OK) {
            s_bad(r, LPG_EBADSIG, true, p->base + i, "",
                  "signature does not verify: the event was forged or "
                  "altered");
            break;
        }
    }
    r->entries += p->n;
    for (size_t i = 0; i < S_CHUNK; i++)
        lpg_event_clear(&p->evs[i]);
    lpg_arena_reset(p->arena);
    p->active = false;
}

/* ---------------------------------------------------------------- walk */

static void
s_bad(lpg_verify_report_t *r, int err, bool has_seq, uint64_t seq,
      const char *prefix, const char *detail)
{
    if (r->error != LPG_OK && !(has_seq && r->has_seq && seq < r->seq))
        return; /* keep the first damage */
    r->error = err;
    r->has_seq = has_seq;
    r->seq = seq;
    snprintf(r->why, sizeof r->why, "%s%s", prefix, detail ? detail : "");
}

/*  The signer's key as of entry seq: the authority, or a device enrolled
 *  before seq and not revoked before it (*dev: its record, which the
 *  caller hands to the rules, then releases). */
static int
s_signer(const lpg_projection_t *proj, lpg_txn_t *t, lpg_keyring_t *keys,
         const lpg_key_t *authority, const uint8_t authority_id[32],
         const uint8_t kid[32], uint64_t seq, const lpg_key_t **out,
         bool *is_authority, lpg_signer_t *dev, const char **why)
{
    *is_authority = false;
    if (memcmp(kid, authority_id, 32) == 0) {
        *out = authority;
        *is_authority = true;
        return LPG_OK;
    }
    int rc = proj->signer(t, kid, dev);
    if (rc == LPG_ENOTFOUND) {
        *why = "signed by a key that was not enrolled at that point";
        return LPG_EUNKNOWNKEY;
    }
    if (rc != LPG_OK) {
        *why = "device table unreadable";
        return rc;
    }
    int ret = LPG_OK;
    if (dev->enrolled_seq >= seq) {
        *why = "signed by a key enrolled only later";
        ret = LPG_EUNKNOWNKEY;
    } else if (dev->revoked && dev->revoked_seq < seq) {
        *why = "signed by a key already revoked at that point";
        ret = LPG_EREVOKED;
    } else {
        *out = lpg_keyring_get(keys, kid, dev->sign_pub);
        if (!*out)
            ret = LPG_ENOMEM;
    }
    return ret;
}

/*  A table's rows, as a count and a hash of them all, each with its
 *  lengths: both sides iterate in the same key order, so equal hashes
 *  mean equal rows. A chained index read as stored
 *  (lpg_txn_foreach_stored) hashes its heads, its links and its marks
 *  apart, since the replay makes its links first. */
enum { S_HEADS, S_LINKS, S_MARKS, S_PARTS };
typedef struct {
    lpg_sha256_stream_t *h[S_PARTS]; /* the rows (S_HEADS) or a chained
                                        index's heads, links, marks */
    unsigned part;
    uint64_t rows; /* a chained index read as stored: its links, one per
                      (key, seq), as when it is read key by key */
    uint8_t hash[S_PARTS][32]; /* once ended */
} s_digest_t;

static int
s_digest_begin(s_digest_t *d)
{
    memset(d, 0, sizeof *d);
    for (int i = 0; i < S_PARTS; i++)
        if (lpg_sha256_stream_new(&d->h[i]) != LPG_OK)
            return LPG_ENOMEM;
    return LPG_OK;
}

/*  The hashes of what was added; frees the streams (also of a digest
 *  never begun, or begun in part). */
static void
s_digest_end(s_digest_t *d)
{
    for (int i = 0; i < S_PARTS; i++)
        lpg_sha256_stream_end(&d->h[i], d->hash[i]);
}

static int
s_hash_row(void *ctx, const void *key, size_t klen, const void *val,
           size_t vlen)
{
    s_digest_t *d = ctx;
    if (klen == 0) { /* lpg_txn_foreach_stored: the links, the marks next */
        if (d->part + 1 >= S_PARTS)
            return LPG_ECORRUPT;
        if (++d->part == S_LINKS)
            d->rows = 0;
        return LPG_OK;
    }
    lpg_sha256_stream_t *h = d->h[d->part];
    uint8_t lens[16];
    lpg_be64_put(lens, klen);
    lpg_be64_put(lens + 8, vlen);
    lpg_sha256_stream_add(h, lens, 16);
    lpg_sha256_stream_add(h, key, klen);
    lpg_sha256_stream_add(h, val, vlen);
    if (d->part != S_MARKS) /* a row of the state, as counted before */
        d->rows++;
    return LPG_OK;
}

/* ------------------------------------------------- chains in memory */

/*  The replay's chained indexes (by cylinder, by site), kept here rather
 *  than written to the scratch ledger (lpg_ledger_index_hook), as the
 *  rows lpg_txn_foreach_stored gives of a stored chain: each seq's link
 *  to the seq before it under its key, hashed as the walk adds it (seq
 *  order is the links' key order), and each key's newest seq, sorted
 *  and hashed at the end. Writing them to the scratch and reading them
 *  back was a fifth of the walk at 10^6 entries. */
typedef struct {
    const uint8_t *key; /* in the arena; NULL: a free slot */
    size_t klen;
    uint64_t seq; /* the key's newest; a mark's value */
    bool none;    /* a mark with no seq before it: an empty value */
} s_head_t;

typedef struct {
    s_head_t *v;
    size_t n, cap; /* cap: 0 or a power of two */
    s_digest_t d;  /* its links as the walk adds them, then its heads */
    uint64_t last; /* the newest seq linked, if any */
    bool any;
    bool marked;     /* the stored index has marks: so does this one */
    s_head_t *marks; /* in the order made: sorted at the end */
    size_t nmarks, capmarks;
} s_chain_t;

typedef struct {
    s_chain_t c[LPG_TABLE_COUNT];
    lpg_arena_t *keys;
    uint8_t hkey[16]; /* the hash's key: random */
} s_chains_t;

static s_head_t *
s_head_find(s_chains_t *cs, s_chain_t *c, const void *key, size_t klen)
{
    size_t mask = c->cap - 1;
    for (size_t i = lpg_shorthash(cs->hkey, key, klen) & mask;;
         i = (i + 1) & mask) {
        s_head_t *h = &c->v[i];
        if (!h->key || (h->klen == klen && memcmp(h->key, key, klen) == 0))
            return h;
    }
}

static int
s_heads_grow(s_chains_t *cs, s_chain_t *c)
{
    size_t cap = c->cap ? c->cap * 2 : 1024;
    s_head_t *old = c->v;
    size_t oldcap = c->cap;
    c->v = calloc(cap, sizeof *c->v);
    if (!c->v) {
        c->v = old;
        return LPG_ENOMEM;
    }
    c->cap = cap;
    for (size_t i = 0; i < oldcap; i++)
        if (old[i].key)
            *s_head_find(cs, c, old[i].key, old[i].klen) = old[i];
    free(old);
    return LPG_OK;
}

/*  The mark, if any, that adding seq under key after its head h (none
 *  yet: h->key NULL) makes, as the ledger makes it (lpg_index_mark). */
static int
s_mark_add(s_chains_t *cs, s_chain_t *c, const void *key, size_t klen,
           uint64_t seq, const s_head_t *h)
{
    uint8_t mb[520];
    size_t mlen;
    int rc = lpg_index_mark(key, klen, seq, h->key != NULL,
                            h->key ? h->seq : 0, mb, &mlen);
    if (rc != LPG_OK || !mlen)
        return rc;
    if (c->nmarks == c->capmarks) {
        size_t cap = c->capmarks ? c->capmarks * 2 : 1024;
        s_head_t *v = realloc(c->marks, cap * sizeof *v);
        if (!v)
            return LPG_ENOMEM;
        c->marks = v;
        c->capmarks = cap;
    }
    uint8_t *mk = lpg_arena_alloc(cs->keys, mlen);
    if (!mk)
        return LPG_ENOMEM;
    memcpy(mk, mb, mlen);
    c->marks[c->nmarks++] =
        (s_head_t){mk, mlen, h->key ? h->seq : 0, h->key == NULL};
    return LPG_OK;
}

/*  lpg_index_fn: seq added under key, as lpg_txn_index would store it
 *  (the same refusals). */
static int
s_chain_index(void *ctx, lpg_table_t table, const void *key, size_t klen,
              uint64_t seq)
{
    s_chains_t *cs = ctx;
    s_chain_t *c = &cs->c[table];
    if (klen == 0 || klen > 510)
        return LPG_ERANGE; /* no key a stored chain could hold */
    if ((c->n + 1) * 2 > c->cap && s_heads_grow(cs, c) != LPG_OK)
        return LPG_ENOMEM;
    s_head_t *h = s_head_find(cs, c, key, klen);
    if (h->key && h->seq == seq)
        return LPG_OK; /* indexed already */
    if (h->key && h->seq > seq)
        return LPG_ERANGE; /* a chain only grows */
    if (c->any && seq <= c->last)
        return LPG_ECORRUPT; /* this seq has a key of this index already */
    uint8_t sb[8], pb[8];
    lpg_be64_put(sb, seq);
    if (h->key)
        lpg_be64_put(pb, h->seq);
    s_hash_row(&c->d, sb, 8, pb, h->key ? 8 : 0);
    int rc = c->marked ? s_mark_add(cs, c, key, klen, seq, h) : LPG_OK;
    if (rc != LPG_OK)
        return rc;
    if (!h->key) {
        uint8_t *k = lpg_arena_alloc(cs->keys, klen);
        if (!k)
            return LPG_ENOMEM;
        memcpy(k, key, klen);
        h->key = k;
        h->klen = klen;
        c->n++;
    }
    h->seq = seq;
    c->last = seq;
    c->any = true;
    return LPG_OK;
}

static int
s_head_cmp(const void *a, const void *b)
{
    const s_head_t *x = *(const s_head_t *const *)a;
    const s_head_t *y = *(const s_head_t *const *)b;
    int d = memcmp(x->key, y->key, x->klen < y->klen ? x->klen : y->klen);
    if (d)
        return d;
    return x->klen < y->klen ? -1 : x->klen > y->klen; /* LMDB's order */
}

/*  The rows of v (n of them; a NULL key: a free slot, skipped) into d's
 *  part, in key order. */
static int
s_hash_sorted(s_digest_t *d, unsigned part, const s_head_t *v, size_t n)
{
    const s_head_t **sorted = malloc((n ? n : 1) * sizeof *sorted);
    if (!sorted)
        return LPG_ENOMEM;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (v[i].key)
            sorted[k++] = &v[i];
    qsort(sorted, k, sizeof *sorted, s_head_cmp);
    d->part = part;
    for (size_t i = 0; i < k; i++) {
        uint8_t sb[8];
        lpg_be64_put(sb, sorted[i]->seq);
        s_hash_row(d, sorted[i]->key, sorted[i]->klen, sb,
                   sorted[i]->none ? 0 : 8);
    }
    free(sorted);
    return LPG_OK;
}

/*  The chain's rows as lpg_txn_foreach_stored gives a stored one: its
 *  heads and its marks (made in seq order), sorted, into its digest,
 *  whose links are in already; then the digest is ended. */
static int
s_chain_digest(s_chain_t *c)
{
    uint64_t links = c->d.rows;
    int rc = s_hash_sorted(&c->d, S_HEADS, c->v, c->cap);
    if (rc == LPG_OK)
        rc = s_hash_sorted(&c->d, S_MARKS, c->marks, c->nmarks);
    c->d.rows = links;
    s_digest_end(&c->d);
    return rc;
}

static void
s_chains_free(s_chains_t *cs)
{
    if (!cs)
        return;
    for (int tb = 0; tb < LPG_TABLE_COUNT; tb++) {
        free(cs->c[tb].v);
        free(cs->c[tb].marks);
        s_digest_end(&cs->c[tb].d);
    }
    lpg_arena_destroy(&cs->keys);
    free(cs);
}

/*  The replay's chains in memory, if every index the scratch would
 *  chain is chained in the stored ledger too (else the scratch stores
 *  them, to be read key by key beside an older layout). NULL: none. */
static int
s_chains_new(lpg_ledger_t *scratch, lpg_txn_t *live, s_chains_t **out)
{
    *out = NULL;
    lpg_txn_t *st = NULL;
    int rc = lpg_ledger_read(scratch, &st);
    if (rc != LPG_OK)
        return rc;
    bool fits = true;
    for (int tb = 0; tb < LPG_TABLE_COUNT; tb++)
        if (lpg_txn_chained(st, tb) && !lpg_txn_chained(live, tb))
            fits = false;
    lpg_txn_abort(&st);
    if (!fits)
        return LPG_OK;
    s_chains_t *cs = calloc(1, sizeof *cs);
    if (!cs)
        return LPG_ENOMEM;
    rc = lpg_arena_new(&cs->keys, 1 << 20);
    if (rc == LPG_OK)
        rc = lpg_random(cs->hkey, sizeof cs->hkey);
    for (int tb = 0; tb < LPG_TABLE_COUNT && rc == LPG_OK; tb++) {
        rc = s_digest_begin(&cs->c[tb].d);
        cs->c[tb].d.part = S_LINKS;
        cs->c[tb].marked = lpg_txn_marked(live, tb);
    }
    if (rc == LPG_OK)
        rc = lpg_ledger_index_hook(scratch, s_chain_index, cs);
    if (rc == LPG_OK)
        *out = cs;
    else
        s_chains_free(cs);
    return rc;
}

/*  One side of the comparison (the stored state or the replay), every
 *  table: a job of its own, so both sides are read at once. A read
 *  transaction is used by one thread at a time: one job per side. */
typedef struct {
    lpg_txn_t *txn;
    s_digest_t d[LPG_TABLE_COUNT];
    const bool *stored; /* per table: read as stored (both chained) */
    const bool *skip;   /* per table: not read (the replay's, in memory) */
    int rc;
} s_side_t;

static void
s_side_job(void *ctx, size_t i)
{
    s_side_t *side = &((s_side_t *)ctx)[i];
    side->rc = LPG_OK;
    for (int tb = 0; tb < LPG_TABLE_COUNT && side->rc == LPG_OK; tb++)
        side->rc =
            side->skip && side->skip[tb] ? LPG_OK
            : side->stored[tb]
                ? lpg_txn_foreach_stored(side->txn, tb, s_hash_row,
                                         &side->d[tb])
                : lpg_txn_foreach(side->txn, tb, s_hash_row, &side->d[tb]);
}

static int
s_compare_state(lpg_workers_t *pool, lpg_txn_t *live, lpg_txn_t *replay,
                s_chains_t *mem, lpg_verify_report_t *r)
{
    s_side_t *sides = calloc(2, sizeof *sides);
    if (!sides)
        return LPG_ENOMEM;
    /* A chained index of both is compared as stored: two walks in key
     * order rather than a look-up per seq (a third of the comparison's
     * time at 10^6 entries). A read-only older ledger's own layout is
     * compared (key, seq) by (key, seq). */
    bool stored[LPG_TABLE_COUNT];
    for (int tb = 0; tb < LPG_TABLE_COUNT; tb++)
        stored[tb] = lpg_txn_chained(live, tb) && lpg_txn_chained(replay, tb);
    /* The replay's chains kept in memory (both chained, as the hook is
     * set only then) are not in the scratch. */
    bool in_mem[LPG_TABLE_COUNT];
    for (int tb = 0; tb < LPG_TABLE_COUNT; tb++)
        in_mem[tb] = mem && stored[tb];
    sides[0].txn = live;
    sides[1].txn = replay;
    sides[0].stored = sides[1].stored = stored;
    sides[1].skip = in_mem;
    int rc = LPG_OK;
    for (int i = 0; i < 2; i++)
        for (int tb = 0; tb < LPG_TABLE_COUNT && rc == LPG_OK; tb++)
            rc = s_digest_begin(&sides[i].d[tb]);
    if (rc == LPG_OK) {
        lpg_workers_run(pool, 2, 1, s_side_job, sides);
        rc = sides[0].rc != LPG_OK ? sides[0].rc : sides[1].rc;
    }
    for (int i = 0; i < 2; i++)
        for (int tb = 0; tb < LPG_TABLE_COUNT; tb++)
            s_digest_end(&sides[i].d[tb]);
    for (int tb = 0; tb < LPG_TABLE_COUNT && rc == LPG_OK; tb++)
        if (in_mem[tb])
            rc = s_chain_digest(&mem->c[tb]);
    for (int tb = 0; tb < LPG_TABLE_COUNT && rc == LPG_OK; tb++) {
        const s_digest_t *a = &sides[0].d[tb];
        const s_digest_t *b = in_mem[tb] ? &mem->c[tb].d : &sides[1].d[tb];
        r->state_rows += a->rows;
        if (a->rows == b->rows &&
            memcmp(a->hash, b->hash, sizeof a->hash) == 0)
            continue;
        char detail[160];
        snprintf(detail, sizeof detail,
                 "state table '%s' does not match the log (%llu rows "
                 "stored, %llu from replay): run lpgtrace rebuild",
                 lpg_table_name(tb), (unsigned long long)a->rows,
                 (unsigned long long)b->rows);
        s_bad(r, LPG_ECORRUPT, false, 0, "", detail);
        break;
    }
    free(sides);
    return rc;
}

int
lpg_verify_ledger(lpg_ledger_t *l, const lpg_verify_opts_t *o,
                  lpg_verify_report_t *r)
{
    memset(r, 0, sizeof *r);
    lpg_ledger_sequential(l, true); /* the log in order: read ahead */
    lpg_keyring_t *keys = NULL;
    lpg_keyring_new(&keys);
    s_range_t *range = calloc(1, sizeof *range);
    /* Two chunks in flight: one walked here, the one before it checked
     * by the pool meanwhile. */
    s_job_t *jobsv = calloc(2 * S_CHUNK, sizeof *jobsv);
    lpg_event_t *evsv = calloc(2 * S_CHUNK, sizeof *evsv);
    /* Each chunk's entries and events are decoded into an arena of its
     * own, reset when its signatures are checked: a chunk of 4,096 takes
     * about 6 MiB, allocated once. */
    lpg_arena_t *arenav[2] = {NULL, NULL};
    lpg_arena_new(&arenav[0], 1 << 20);
    lpg_arena_new(&arenav[1], 1 << 20);
    s_pending_t pend = {0};
    lpg_workers_t *pool = NULL;
    unsigned cur = 0;
    s_cps_t cps = {0};
    lpg_txn_t *t = NULL, *st = NULL;
    lpg_ledger_t *scratch = NULL;
    s_chains_t *chains = NULL;
    char scratch_dir[4096] = "";
    int rc = (keys && range && jobsv && evsv && arenav[0] && arenav[1])
                 ? LPG_OK
                 : LPG_ENOMEM;
    unsigned threads = o->threads;
    if (!threads) {
        long c = sysconf(_SC_NPROCESSORS_ONLN);
        threads = c > 0 ? (unsigned)c : 1;
    }
    if (rc == LPG_OK && threads > 1)
        rc = lpg_workers_new(&pool, threads - 1);
    const lpg_projection_t *proj = lpg_ledger_projection(l);
    if (rc == LPG_OK && !proj)
        rc = LPG_EPERM; /* opened without the domain: nothing to replay */
    const lpg_key_t *authority = lpg_ledger_authority(l);
    uint8_t authority_id[32] = {0};
    if (rc == LPG_OK && !authority) {
        s_bad(r, LPG_ECORRUPT, false, 0, "",
              "the ledger has no authority key: not set up");
        goto cleanup;
    }
    if (rc == LPG_OK)
        lpg_key_id(authority, authority_id);
    if (rc == LPG_OK)
        rc = lpg_ledger_checkpoints(l, s_collect_cp, &cps);
    if (rc == LPG_OK)
        rc = lpg_ledger_read(l, &t);
    if (rc == LPG_OK)
        rc = lpg_txn_size(t, &r->size);
    if (rc != LPG_OK)
        goto cleanup;

    uint64_t start = o->since_size;
    if (start > r->size) {
        s_bad(r, LPG_EINCONSISTENT, false, 0, "",
              "the checkpoint is larger than the ledger: entries were "
              "dropped");
        goto cleanup;
    }
    if (start > 0) {
        rc = s_range_from_store(range, t, start);
        uint8_t root[32];
        if (rc == LPG_OK)
            s_range_root(range, root);
        if (rc != LPG_OK || memcmp(root, o->since_root, 32) != 0) {
            rc = LPG_OK;
            s_bad(r, LPG_EINCONSISTENT, false, 0, "",
                  "the ledger's tree no longer has the checkpoint's root: "
                  "history before it was rewritten");
            goto cleanup;
        }
    } else {
        /* Replay the state into a scratch ledger, to compare at the end
         * and to know each signer's key at each point. */
        const char *tmp = o->scratch_dir ? o->scratch_dir : getenv("TMPDIR");
        snprintf(scratch_dir, sizeof scratch_dir, "%s/lpg-verify-XXXXXX",
                 tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(scratch_dir)) {
            scratch_dir[0] = '\0';
            rc = LPG_EIO;
            goto cleanup;
        }
        rc = lpg_ledger_open(&scratch, scratch_dir,
                             LPG_LEDGER_CREATE | LPG_LEDGER_SCRATCH,
                             1ULL << 36, proj);
        if (rc == LPG_OK)
            rc = s_chains_new(scratch, t, &chains);
        if (rc != LPG_OK)
            goto cleanup;
    }

    size_t next_cp = 0;
    while (next_cp < cps.n && cps.v[next_cp].size <= start)
        next_cp++;
    for (uint64_t base = start; base < r->size && r->error == LPG_OK;
         base += S_CHUNK) {
        uint64_t end = base + S_CHUNK < r->size ? base + S_CHUNK : r->size;
        size_t njobs = 0;
        s_job_t *jobs = jobsv + cur * S_CHUNK;
        lpg_event_t *evs = evsv + cur * S_CHUNK;
        if (scratch) {
            rc = lpg_ledger_write(scratch, &st);
            if (rc != LPG_OK)
                goto cleanup;
        }
        lpg_txn_t *keyt = scratch ? st : t;
        ProtobufCAllocator alloc;
        lpg_arena_protobuf(arenav[cur], &alloc);
        uint64_t upto = base;
        for (uint64_t sb = base; sb < end && upto == sb; sb += S_SUB) {
            uint64_t se = sb + S_SUB < end ? sb + S_SUB : end;
            const uint8_t *datav[S_SUB];
            size_t lenv[S_SUB];
            /* The entries and the tree first, S_SUB at a time, then the
             * rest of each entry: the cursors' pages stay in the cache
             * while they are walked, where each entry's replay pushed
             * them out (1.3 us less CPU an entry at 10^6 entries, 0.5
             * at 10^7). An entry is decoded only once the tree is
             * checked up to it, as before. */
            for (upto = sb; upto < se; upto++) {
                uint64_t seq = upto;
                rc = s_tree_entry(range, t, seq, &datav[seq - sb],
                                  &lenv[seq - sb], r);
                if (rc == LPG_ECORRUPT) {
                    rc = LPG_OK;
                    break;
                }
                if (rc != LPG_OK)
                    goto cleanup;
                while (next_cp < cps.n && cps.v[next_cp].size == seq + 1) {
                    lpg_checkpoint_t cp;
                    char why[128] = "";
                    uint8_t root[32];
                    s_range_root(range, root);
                    int crc = o->ledger_key
                                  ? lpg_checkpoint_open(
                                        cps.v[next_cp].note,
                                        cps.v[next_cp].len, o->ledger_key,
                                        o->origin, &cp, why, sizeof why)
                                  : LPG_OK;
                    if (crc != LPG_OK) {
                        s_bad(r, LPG_EBADSIG, true, seq,
                              "stored checkpoint at this size: ", why);
                    } else if (o->ledger_key &&
                               (cp.size != seq + 1 ||
                                memcmp(cp.root, root, 32) != 0)) {
                        s_bad(r, LPG_EINCONSISTENT, true, seq, "",
                              "stored checkpoint at this size has another "
                              "root: the tree was rewritten");
                    }
                    r->checkpoints++;
                    next_cp++;
                }
                if (r->error != LPG_OK)
                    break;
            }
            for (uint64_t seq = sb; seq < upto; seq++) {
                const uint8_t *data = datav[seq - sb];
                size_t len = lenv[seq - sb];
                Lpg__LedgerEntry *e =
                    lpg__ledger_entry__unpack(&alloc, len, data);
                if (!e || e->seq != seq) {
                    s_bad(r, LPG_ECORRUPT, true, seq, "",
                          "entry does not decode or names another seq");
                    break;
                }
                lpg_event_t *ev = &evs[seq - base];
                char why[128] = "";
                int drc =
                    lpg_event_decode_in(ev, arenav[cur], e->signed_event.data,
                                        e->signed_event.len, why, sizeof why);
                if (drc != LPG_OK) {
                    s_bad(r, LPG_EMALFORMED, true, seq, "signed event: ", why);
                    break;
                }
                /* Each kind is recorded by its one service (the projection
                 * knows which): an entry a service recorded for another was
                 * never judged by the rules that should have judged it. */
                if (proj->recorder && proj->recorder(ev, e->service, why,
                                                     sizeof why) != LPG_OK) {
                    s_bad(r, LPG_EWRONGSERVICE, true, seq, "", why);
                    break;
                }
                const lpg_key_t *key = NULL;
                bool is_auth = false;
                const char *kwhy = "";
                lpg_signer_t dev = {0};
                int krc = s_signer(proj, keyt, keys, authority, authority_id,
                                   ev->signed_event->key_id.data, seq, &key,
                                   &is_auth, &dev, &kwhy);
                if (krc == LPG_OK && scratch) {
                    /* the signer's record, decoded once for both (none for
                     * the authority) */
                    int arc = proj->authorize(st, ev, is_auth, &dev, why,
                                              sizeof why);
                    if (arc != LPG_OK) {
                        char d[200];
                        snprintf(d, sizeof d,
                                 "signer was not allowed to record "
                                 "this: %s",
                                 why);
                        krc = arc;
                        kwhy = d;
                        s_bad(r, krc, true, seq, "", d);
                    }
                }
                if (proj->release)
                    proj->release(&dev);
                if (krc != LPG_OK) {
                    if (r->error == LPG_OK)
                        s_bad(r, krc, true, seq, "", kwhy);
                    break;
                }
                if (scratch) {
                    rc =
                        proj->apply(st, seq, e->recorded_at_ms, ev,
                                    ev->signed_event->key_id.data, e->outcome);
                    if (rc != LPG_OK)
                        goto cleanup;
                }
                jobs[njobs].key = key;
                jobs[njobs].body = ev->signed_event->body.data;
                jobs[njobs].len = ev->signed_event->body.len;
                jobs[njobs].sig = ev->signed_event->sig.data;
                jobs[njobs].rc = LPG_OK;
                njobs++;
            }
            if (r->error != LPG_OK)
                break;
        }
        if (st) {
            rc = lpg_txn_commit(&st);
            if (rc != LPG_OK)
                goto cleanup;
        }
        /* The chunk before's signatures, checked by the pool while this
         * one was walked (and now here too); then this one's go to the
         * pool while the next is walked. */
        s_finish(pool, &pend, r);
        pend = (s_pending_t){.jobs = jobs,
                             .evs = evs,
                             .arena = arenav[cur],
                             .base = base,
                             .n = njobs,
                             .active = true};
        lpg_workers_start(pool, njobs, 32, s_job, jobs);
        cur ^= 1;
        if (o->progress)
            o->progress(o->progress_ctx, end - start, r->size - start);
    }
    s_finish(pool, &pend, r);
    if (r->error == LPG_OK) {
        uint8_t a[32], b[32];
        s_range_root(range, a);
        rc = lpg_merkle_root((lpg_merkle_get_fn)lpg_txn_node, t, r->size, b);
        if (rc != LPG_OK || memcmp(a, b, 32) != 0) {
            rc = LPG_OK;
            s_bad(r, LPG_ECORRUPT, false, 0, "",
                  "the stored tree's root does not match the entries");
        }
    }
    if (r->error == LPG_OK && next_cp < cps.n)
        s_bad(r, LPG_EINCONSISTENT, false, 0, "",
              "a stored checkpoint is larger than the ledger: entries "
              "were dropped");
    if (r->error == LPG_OK && scratch) {
        /* A state an older version projected differs from the replay
         * for that reason alone: say so, not which row differs. */
        char why[512];
        int vrc = lpg_ledger_state_check(l, NULL, why, sizeof why);
        if (vrc == LPG_ESTALE || vrc == LPG_ENEWER)
            s_bad(r, vrc, false, 0, "", why);
        else if (vrc != LPG_OK)
            rc = vrc;
    }
    if (rc == LPG_OK && r->error == LPG_OK && scratch) {
        rc = lpg_ledger_read(scratch, &st);
        if (rc == LPG_OK)
            rc = s_compare_state(pool, t, st, chains, r);
        lpg_txn_abort(&st);
    }

cleanup:
    if (rc == LPG_ENOSPC && scratch_dir[0]) /* only the scratch is written */
        lpg_error("verify: no room left for the state's replay in %s: free "
                  "space there, or set TMPDIR to a directory with more "
                  "(it takes about 72 MB for 10^6 entries); nothing was "
                  "judged",
                  scratch_dir);
    if (pend.active)
        lpg_workers_wait(pool); /* its jobs use the events freed below */
    lpg_workers_destroy(&pool);
    lpg_txn_abort(&st);
    lpg_txn_abort(&t);
    lpg_ledger_close(&scratch);
    s_chains_free(chains);
    if (scratch_dir[0]) {
        char path[4200];
        snprintf(path, sizeof path, "%s/data.mdb", scratch_dir);
        unlink(path);
        snprintf(path, sizeof path, "%s/lock.mdb", scratch_dir);
        unlink(path);
        rmdir(scratch_dir);
    }
    for (size_t i = 0; evsv && i < 2 * S_CHUNK; i++)
        lpg_event_clear(&evsv[i]);
    for (size_t i = 0; i < cps.n; i++)
        free(cps.v[i].note);
    free(cps.v);
    lpg_keyring_destroy(&keys);
    lpg_arena_destroy(&arenav[0]);
    lpg_arena_destroy(&arenav[1]);
    free(range);
    free(jobsv);
    free(evsv);
    lpg_ledger_sequential(l, false);
    return rc;
}

/* ------------------------------------------------- before a signature */

int
lpg_verify_leaf(lpg_txn_t *t, uint64_t seq, const uint8_t *data, size_t len)
{
    uint8_t leaf[32], stored[32];
    lpg_merkle_leaf_hash(data, len, leaf);
    int rc = lpg_txn_node(t, 0, seq, stored);
    if (rc == LPG_ENOTFOUND)
        return LPG_ECORRUPT;
    if (rc != LPG_OK)
        return rc;
    return memcmp(leaf, stored, 32) == 0 ? LPG_OK : LPG_ECORRUPT;
}

int
lpg_verify_since(lpg_ledger_t *l, uint64_t from, const uint8_t *from_root,
                 uint64_t size, uint8_t root[32], lpg_verify_report_t *r)
{
    memset(r, 0, sizeof *r);
    /* A long walk reads ahead; the notary's usual few hundred recent
     * entries are in memory, and other readers keep their advice. */
    bool ahead = size > from && size - from >= S_WALK_AHEAD;
    if (ahead)
        lpg_ledger_sequential(l, true);
    s_range_t *range = calloc(1, sizeof *range);
    lpg_txn_t *t = NULL;
    int rc = range ? lpg_ledger_read(l, &t) : LPG_ENOMEM;
    if (rc == LPG_OK)
        rc = lpg_txn_size(t, &r->size);
    if (rc == LPG_OK && size > r->size)
        rc = LPG_ERANGE;
    if (rc != LPG_OK)
        goto cleanup;
    if (from > size) {
        s_bad(r, LPG_EINCONSISTENT, false, 0, "",
              "the last checkpoint covers more entries than the ledger "
              "has: entries were dropped");
        goto cleanup;
    }
    rc = s_range_from_store(range, t, from);
    if (rc == LPG_ENOTFOUND || rc == LPG_ECORRUPT) {
        rc = LPG_OK;
        s_bad(r, LPG_ECORRUPT, false, 0, "",
              "the stored tree over the entries signed before is "
              "incomplete");
        goto cleanup;
    }
    if (rc != LPG_OK)
        goto cleanup;
    if (from_root && from > 0) {
        uint8_t then[32];
        s_range_root(range, then);
        if (memcmp(then, from_root, 32) != 0) {
            s_bad(r, LPG_EINCONSISTENT, false, 0, "",
                  "the tree no longer has the root signed for the entries "
                  "before: history was rewritten");
            goto cleanup;
        }
    }
    for (uint64_t seq = from; seq < size && r->error == LPG_OK; seq++) {
        const uint8_t *data;
        size_t len;
        rc = s_tree_entry(range, t, seq, &data, &len, r);
        if (rc == LPG_ECORRUPT) {
            rc = LPG_OK;
            break;
        }
        if (rc != LPG_OK)
            goto cleanup;
        r->entries++;
    }
    if (r->error == LPG_OK)
        s_range_root(range, root);
cleanup:
    lpg_txn_abort(&t);
    free(range);
    if (ahead)
        lpg_ledger_sequential(l, false);
    return rc;
}

/*  Both digests: every table's rows under its name; stored, a chained
 *  index read as stored. */
static int
s_state_digest(lpg_ledger_t *l, bool stored, uint8_t out[32])
{
    lpg_txn_t *t = NULL;
    lpg_sha256_stream_t *all = NULL;
    int rc = lpg_ledger_read(l, &t);
    if (rc == LPG_OK)
        rc = lpg_sha256_stream_new(&all);
    for (int tb = 0; rc == LPG_OK && tb < LPG_TABLE_COUNT; tb++) {
        s_digest_t d;
        rc = s_digest_begin(&d);
        if (rc == LPG_OK)
            rc = stored && lpg_txn_chained(t, tb)
                     ? lpg_txn_foreach_stored(t, tb, s_hash_row, &d)
                     : lpg_txn_foreach(t, tb, s_hash_row, &d);
        s_digest_end(&d);
        const char *name = lpg_table_name(tb);
        lpg_sha256_stream_add(all, name, strlen(name) + 1);
        lpg_sha256_stream_add(all, d.hash, sizeof d.hash);
    }
    lpg_txn_abort(&t);
    uint8_t h[32];
    lpg_sha256_stream_end(&all, h);
    if (rc == LPG_OK)
        memcpy(out, h, 32);
    return rc;
}

int
lpg_state_digest(lpg_ledger_t *l, uint8_t out[32])
{
    return s_state_digest(l, false, out);
}

int
lpg_state_digest_stored(lpg_ledger_t *l, uint8_t out[32])
{
    return s_state_digest(l, true, out);
}

int
lpg_state_rebuild(lpg_ledger_t *l,
                  void (*progress)(void *ctx, uint64_t done, uint64_t total),
                  void *ctx, uint64_t *entries)
{
    *entries = 0;
    if (!lpg_ledger_projection(l))
        return LPG_EPERM;
    lpg_txn_t *t = NULL;
    int rc = lpg_ledger_write(l, &t);
    uint64_t n = 0;
    lpg_ledger_sequential(l, true); /* the whole log, in order */
    if (rc == LPG_OK)
        rc = lpg_txn_rebuild_state(t, progress, ctx, &n);
    lpg_ledger_sequential(l, false);
    if (rc == LPG_OK) {
        rc = lpg_txn_commit(&t);
        if (rc == LPG_OK)
            *entries = n;
    } else
        lpg_txn_abort(&t);
    return rc;
}
