/*  evil_trace.c - a hostile trace service, to show what `lpgtrace trace`
 *  does with pages no true lpg-traced sends. It serves a home's ledger on
 *  that home's endpoint.trace with the home's trace key, as lpg-traced
 *  does, and answers GetCheckpoint and GetConsistency truly, GetTrace by
 *  its mode (entries without inclusion proofs or signer entries):
 *
 *    evil_trace HOME honest    true pages of the cylinder's entries
 *    evil_trace HOME endless   every page says more, with the cylinder's
 *                              entries again under ever larger seqs,
 *                              past the tree size
 *    evil_trace HOME stuck     the first page, again and again: next_from
 *                              never advances
 *    evil_trace HOME back      from the second page on, next_from goes
 *                              back to the first entry
 *    evil_trace HOME empty     the first page, then empty pages that say
 *                              more
 *    evil_trace HOME bloat     says the ledger holds 2^40 entries and
 *                              sends pages of filler as large as the
 *                              client takes, without end
 *    evil_trace HOME slow      true pages, the first one after 1.5 s (a
 *                              long history read from a cold disk); says
 *                              "get_trace from N" on stderr for each
 *                              GetTrace, so a retry shows
 *
 *  Answers Ping, so a script can wait for it. Stops on SIGTERM / SIGINT;
 *  exit 0 then, 2 on usage or setup errors.
 */
#include "base/config.h"
#include "base/error.h"
#include "ledger/ledger.h"
#include "net/msg.h"
#include "net/service.h"
#include "net/transport.h"

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define S_PAGE 100         /* entries in a page (lpg-traced: bytes) */
#define S_BLOAT_ENTRIES 16 /* filler entries in a bloat page */

typedef enum {
    S_HONEST,
    S_ENDLESS,
    S_STUCK,
    S_BACK,
    S_EMPTY,
    S_BLOAT,
    S_SLOW
} s_mode_t;

static const char *s_modes[] = {"honest", "endless", "stuck", "back",
                                "empty",  "bloat",   "slow"};

#define S_SLOW_MS 1500 /* the first page's wait in mode slow */

static volatile sig_atomic_t s_stop;

static void
s_on_signal(int sig)
{
    (void)sig;
    s_stop = 1;
}

static int
s_admit(void *arg, const uint8_t client_key[32], char user_id[65])
{
    (void)arg;
    (void)client_key;
    user_id[0] = '\0';
    return LPG_OK;
}

typedef struct {
    uint64_t *v;
    size_t n, cap;
} s_seqs_t;

static int
s_collect(void *ctx, uint64_t seq)
{
    s_seqs_t *s = ctx;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        uint64_t *v = realloc(s->v, cap * sizeof *v);
        if (!v)
            return LPG_ENOMEM;
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = seq;
    return LPG_OK;
}

typedef struct {
    s_mode_t mode;
    lpg_ledger_t *ledger;
    uint8_t *filler; /* bloat: the bytes of every filler entry */
    size_t filler_len;
} s_evil_t;

/*  Adds the entry with bytes from seq `real` under seq `shown`. */
static int
s_add(lpg_reply_t *r, Lpg__TraceAnswer *a, lpg_txn_t *txn, uint64_t real,
      uint64_t shown)
{
    const uint8_t *data = NULL;
    size_t len = 0;
    int rc = lpg_txn_entry(txn, real, &data, &len);
    if (rc != LPG_OK)
        return rc;
    Lpg__TraceEntry *te = lpg_reply_alloc(r, sizeof *te);
    if (!te)
        return LPG_ENOMEM;
    lpg__trace_entry__init(te);
    te->seq = shown;
    te->entry.data = (uint8_t *)data; /* valid while txn is open */
    te->entry.len = len;
    a->entries[a->n_entries++] = te;
    return LPG_OK;
}

/*  The honest page from `from`: at most S_PAGE entries; *next is the seq
 *  after it (0 when none is left). */
static int
s_page(lpg_reply_t *r, Lpg__TraceAnswer *a, lpg_txn_t *txn, const s_seqs_t *s,
       uint64_t from, uint64_t *next)
{
    *next = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (s->v[i] < from)
            continue;
        if (a->n_entries == S_PAGE) {
            *next = s->v[i];
            break;
        }
        int rc = s_add(r, a, txn, s->v[i], s->v[i]);
        if (rc != LPG_OK)
            return rc;
    }
    return LPG_OK;
}

static void
s_more(Lpg__TraceAnswer *a, uint64_t next)
{
    a->has_more = a->more = 1;
    a->has_next_from = 1;
    a->next_from = next;
}

/*  GetTrace, by the mode. txn stays open: the answer points into it. */
static int
s_get_trace(s_evil_t *e, lpg_txn_t *txn, const Lpg__GetTrace *q,
            lpg_reply_t *r)
{
    const char *grai = q->cylinder;
    s_seqs_t s = {0};
    uint64_t tree = 0;
    char *note = NULL;
    int rc = lpg_txn_size(txn, &tree);
    if (rc == LPG_OK)
        rc = lpg_txn_seqs(txn, LPG_TABLE_BY_CYLINDER, grai, strlen(grai),
                          s_collect, &s);
    if (rc != LPG_OK)
        goto cleanup;
    if (s.n == 0) {
        rc = lpg_reply_set(r, LPG__STATUS__STATUS_NOT_FOUND, "CYL_UNKNOWN",
                           "no entry names this cylinder");
        goto cleanup;
    }
    rc = lpg_ledger_checkpoint_latest(e->ledger, &(uint64_t){0}, &note);
    if (rc == LPG_ENOTFOUND)
        rc = LPG_OK; /* none signed yet: pages without one */
    if (rc != LPG_OK)
        goto cleanup;
    size_t cap = S_PAGE > S_BLOAT_ENTRIES ? S_PAGE : S_BLOAT_ENTRIES;
    Lpg__TraceAnswer *a = lpg_reply_alloc(r, sizeof *a);
    Lpg__TraceEntry **entries = lpg_reply_alloc(r, cap * sizeof *entries);
    char *grai_copy = lpg_reply_strdup(r, grai);
    uint8_t *note_copy = note ? lpg_reply_keep(r, note) : NULL;
    note = NULL;
    if (!a || !entries || !grai_copy) {
        rc = LPG_ENOMEM;
        goto cleanup;
    }
    lpg__trace_answer__init(a);
    a->grai = grai_copy;
    a->tree_size = tree;
    a->entries = entries;
    if (note_copy) {
        a->has_checkpoint = 1;
        a->checkpoint.data = note_copy;
        a->checkpoint.len = strlen((char *)note_copy);
    }
    uint64_t from = q->has_from ? q->from : 0, next = 0;
    switch (e->mode) {
    case S_SLOW:
        fprintf(stderr, "get_trace from %" PRIu64 "\n", from);
        if (from == 0)
            nanosleep(&(struct timespec){S_SLOW_MS / 1000,
                                         S_SLOW_MS % 1000 * 1000000L},
                      NULL);
        /* true pages, as honest */
        /* fall through */
    case S_HONEST:
        rc = s_page(r, a, txn, &s, from, &next);
        if (next)
            s_more(a, next);
        break;
    case S_ENDLESS:
        for (size_t i = 0; rc == LPG_OK && i < S_PAGE; i++)
            rc = s_add(r, a, txn, s.v[i % s.n], from + i);
        s_more(a, from + S_PAGE);
        break;
    case S_STUCK:
        rc = s_page(r, a, txn, &s, 0, &next);
        s_more(a, next ? next : s.v[0]);
        break;
    case S_BACK:
        rc = s_page(r, a, txn, &s, from, &next);
        s_more(a, from == 0 && next ? next : s.v[0]);
        break;
    case S_EMPTY:
        if (from == 0)
            rc = s_page(r, a, txn, &s, 0, &next);
        s_more(a, from == 0 && next ? next : from + 1);
        break;
    case S_BLOAT: {
        a->tree_size = (uint64_t)1 << 40;
        size_t bound = q->has_max_reply_bytes ? q->max_reply_bytes : 1 << 20;
        size_t len = (bound - bound / 8) / S_BLOAT_ENTRIES;
        if (len > e->filler_len)
            len = e->filler_len;
        for (size_t i = 0; i < S_BLOAT_ENTRIES; i++) {
            Lpg__TraceEntry *te = lpg_reply_alloc(r, sizeof *te);
            if (!te) {
                rc = LPG_ENOMEM;
                break;
            }
            lpg__trace_entry__init(te);
            te->seq = from + i;
            te->entry.data = e->filler;
            te->entry.len = len;
            entries[a->n_entries++] = te;
        }
        s_more(a, from + S_BLOAT_ENTRIES);
        break;
    }
    }
    if (rc != LPG_OK)
        goto cleanup;
    if (a->n_entries == 0)
        a->entries = NULL;
    r->reply.trace = a;
    char msg[96];
    snprintf(msg, sizeof msg, "%zu entries (%s)", a->n_entries,
             s_modes[e->mode]);
    rc = lpg_reply_set(r, LPG__STATUS__STATUS_OK, "OK", msg);
cleanup:
    free(s.v);
    free(note);
    return rc;
}

static int
s_get_consistency(s_evil_t *e, const Lpg__GetConsistency *q, lpg_reply_t *r)
{
    uint64_t tree = 0;
    int rc = lpg_ledger_size(e->ledger, &tree);
    if (rc != LPG_OK)
        return rc;
    if (q->size1 == 0 || q->size1 > q->size2 || q->size2 > tree)
        return lpg_reply_error(r, LPG_ERANGE,
                               "need 0 < size1 <= size2 <= the tree size");
    lpg_hash_t proof[LPG_MERKLE_MAX_PROOF];
    size_t n = 0;
    rc =
        lpg_ledger_consistency_proof(e->ledger, q->size1, q->size2, proof, &n);
    if (rc != LPG_OK)
        return rc;
    Lpg__ConsistencyAnswer *a = lpg_reply_alloc(r, sizeof *a);
    ProtobufCBinaryData *hv = lpg_reply_alloc(r, (n ? n : 1) * sizeof *hv);
    uint8_t *hashes = lpg_reply_alloc(r, (n ? n : 1) * LPG_HASH_LEN);
    if (!a || !hv || !hashes)
        return LPG_ENOMEM;
    lpg__consistency_answer__init(a);
    a->size1 = q->size1;
    a->size2 = q->size2;
    for (size_t i = 0; i < n; i++) {
        memcpy(hashes + i * LPG_HASH_LEN, proof[i], LPG_HASH_LEN);
        hv[i].data = hashes + i * LPG_HASH_LEN;
        hv[i].len = LPG_HASH_LEN;
    }
    a->n_proof = n;
    a->proof = n ? hv : NULL;
    r->reply.consistency = a;
    return lpg_reply_set(r, LPG__STATUS__STATUS_OK, "OK", "consistency proof");
}

static int
s_get_checkpoint(s_evil_t *e, lpg_reply_t *r)
{
    uint64_t size = 0, tree = 0;
    char *note = NULL;
    int rc = lpg_ledger_checkpoint_latest(e->ledger, &size, &note);
    if (rc == LPG_ENOTFOUND)
        return lpg_reply_error(r, LPG_ENOTFOUND,
                               "no checkpoint has been signed yet");
    if (rc == LPG_OK)
        rc = lpg_ledger_size(e->ledger, &tree);
    if (rc != LPG_OK) {
        free(note);
        return rc;
    }
    size_t len = strlen(note);
    Lpg__CheckpointAnswer *a = lpg_reply_alloc(r, sizeof *a);
    uint8_t *kept = lpg_reply_keep(r, note);
    if (!a || !kept)
        return LPG_ENOMEM;
    lpg__checkpoint_answer__init(a);
    a->note.data = kept;
    a->note.len = len;
    a->size = size;
    a->tree_size = tree;
    r->reply.checkpoint = a;
    return lpg_reply_set(r, LPG__STATUS__STATUS_OK, "OK", "checkpoint");
}

/*  One request in, one answer out (an unreadable request is dropped). */
static void
s_serve(s_evil_t *e, void *sock, const lpg_wire_msg_t *m)
{
    size_t at = m->n == 3 ? 2 : 1;
    if (m->n < 2 || m->too_many_frames)
        return;
    Lpg__Request *req = NULL;
    char why[160];
    if (lpg_msg_decode_request(&req, m->frames[at].data, m->frames[at].len,
                               why, sizeof why) != LPG_OK)
        return;
    lpg_reply_t r;
    lpg_reply_init(&r, req->request_id.data, req->request_id.len);
    lpg_txn_t *txn = NULL;
    int rc = LPG_OK;
    switch (req->body_case) {
    case LPG__REQUEST__BODY_PING:
        rc = lpg_reply_set(&r, LPG__STATUS__STATUS_OK, "OK", "pong");
        break;
    case LPG__REQUEST__BODY_GET_TRACE:
        rc = lpg_ledger_read(e->ledger, &txn);
        if (rc == LPG_OK)
            rc = s_get_trace(e, txn, req->get_trace, &r);
        break;
    case LPG__REQUEST__BODY_GET_CONSISTENCY:
        rc = s_get_consistency(e, req->get_consistency, &r);
        break;
    case LPG__REQUEST__BODY_GET_CHECKPOINT:
        rc = s_get_checkpoint(e, &r);
        break;
    default:
        rc = lpg_reply_error(&r, LPG_EUNSUPPORTED, "not a trace request");
        break;
    }
    if (rc != LPG_OK) {
        r.reply.trace = NULL;
        r.reply.consistency = NULL;
        r.reply.checkpoint = NULL;
        lpg_reply_set(&r, LPG__STATUS__STATUS_INTERNAL,
                      lpg_errtoken(LPG_EINTERNAL), lpg_strerror(rc));
    }
    uint8_t *data = NULL;
    size_t len = 0;
    if (lpg_reply_pack(&r, &data, &len) == LPG_OK) {
        lpg_frame_t out[3];
        size_t n = 0;
        out[n++] = m->frames[0];
        if (m->n == 3)
            out[n++] = (lpg_frame_t){(uint8_t *)"", 0};
        out[n++] = (lpg_frame_t){data, len};
        lpg_transport_send(sock, out, n);
    }
    free(data);
    lpg_txn_abort(&txn);
    lpg_reply_clear(&r);
    lpg__request__free_unpacked(req, NULL);
}

int
main(int argc, char **argv)
{
    s_evil_t e = {0};
    bool known = false;
    for (size_t i = 0; argc == 3 && i < sizeof s_modes / sizeof *s_modes; i++)
        if (strcmp(argv[2], s_modes[i]) == 0) {
            e.mode = (s_mode_t)i;
            known = true;
        }
    if (!known) {
        fprintf(stderr, "usage: evil_trace HOME honest|endless|stuck|back|"
                        "empty|bloat|slow\n");
        return 2;
    }
    lpg_config_t *cfg = NULL;
    void *ctx = NULL, *sock = NULL;
    lpg_zap_t *zap = NULL;
    uint8_t secret[32];
    char path[4096];
    int rc = lpg_config_load(&cfg, argv[1], NULL, 0);
    const char *endpoint = cfg ? lpg_config_get(cfg, "endpoint.trace") : NULL;
    int64_t hard =
        cfg ? lpg_config_get_int(cfg, "limit.hard_message_bytes", 1048576) : 0;
    if (rc == LPG_OK && !endpoint)
        rc = LPG_ECONFIG;
    if (rc == LPG_OK)
        rc = lpg_config_path(cfg, "ledger", path, sizeof path);
    if (rc == LPG_OK)
        rc = lpg_ledger_open(&e.ledger, path, LPG_LEDGER_RDONLY, 0, NULL);
    if (rc == LPG_OK)
        rc = lpg_service_load_key(cfg, "trace", secret);
    e.filler_len = (size_t)4 << 20;
    e.filler = rc == LPG_OK ? calloc(1, e.filler_len) : NULL;
    if (rc == LPG_OK && !e.filler)
        rc = LPG_ENOMEM;
    if (rc == LPG_OK) {
        memset(e.filler, 'x', e.filler_len);
        ctx = lpg_transport_context();
        rc = ctx ? lpg_zap_start(&zap, ctx, s_admit, NULL) : LPG_ENOMEM;
    }
    if (rc == LPG_OK)
        rc = lpg_transport_server(&sock, ctx, endpoint, secret, hard, 4);
    if (rc != LPG_OK) {
        fprintf(stderr, "evil_trace: %s\n", lpg_strerror(rc));
        goto cleanup;
    }
    signal(SIGTERM, s_on_signal);
    signal(SIGINT, s_on_signal);
    fprintf(stderr, "evil_trace: %s on %s\n", s_modes[e.mode], endpoint);
    while (!s_stop) {
        lpg_wire_msg_t m;
        if (lpg_transport_recv(sock, &m, 200) != LPG_OK)
            continue;
        s_serve(&e, sock, &m);
        lpg_wire_msg_clear(&m);
    }
cleanup:
    lpg_transport_close(&sock);
    lpg_zap_stop(&zap);
    lpg_transport_context_destroy(&ctx);
    lpg_ledger_close(&e.ledger);
    lpg_config_destroy(&cfg);
    free(e.filler);
    memset(secret, 0, sizeof secret);
    return rc == LPG_OK ? 0 : 2;
}
