/*  follow.c - a follower of the ledger's feed, the zguide Clone pattern:
 *  subscribe to lpg-traced's feed first, then fetch what was committed
 *  before (GetRange), then apply the feed in order, fetching any gap with
 *  GetRange. Prints "SEQ BASE64" for each entry in sequence order, as
 *  `lpgtrace log --raw` does, so a test can compare the two.
 *
 *    follow HOME KEYPREFIX [--count N] [--drop K] [--timeout MS]
 *
 *  HOME gives the endpoints, keys/trace.curve.pub and keys/ledger.pub;
 *  KEYPREFIX.curve is the follower's transport key (an enrolled device).
 *  --count N    stop once entries 0..N-1 are out, then check the root of
 *               the copy against the latest signed checkpoint (when the
 *               copy holds all it covers)
 *  --drop K     ignore every Kth feed message, as a lossy link would
 *  --timeout MS give up after MS without reaching N (exit 1)
 *  Without --count it runs until SIGTERM. Exit 0 done, 1 failed, 2 usage.
 */
#include "ledger/checkpoint.h"
#include "net/client.h"
#include "base/config.h"
#include "crypto/crypto.h"
#include "base/error.h"
#include "ledger/ledger.h"
#include "ledger/merkle.h"
#include "net/transport.h"

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static volatile sig_atomic_t s_stop;

static void
s_on_signal(int sig)
{
    (void)sig;
    s_stop = 1;
}

static uint64_t
s_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

typedef struct {
    lpg_client_t *client;
    lpg_merkle_mem_t *tree;
    uint64_t next;  /* entries 0..next-1 are out */
    uint64_t limit; /* --count, else UINT64_MAX */
    uint64_t gaps;  /* GetRange calls made for gaps */
} s_follower_t;

/*  Prints entry seq and adds it to the copy's tree. */
static int
s_emit(s_follower_t *f, uint64_t seq, const uint8_t *data, size_t len)
{
    if (seq != f->next)
        return LPG_EINTERNAL;
    Lpg__LedgerEntry *e = lpg__ledger_entry__unpack(NULL, len, data);
    bool same = e && e->seq == seq;
    if (e)
        lpg__ledger_entry__free_unpacked(e, NULL);
    if (!same) {
        fprintf(stderr,
                "follow: entry %" PRIu64 " does not decode or names "
                "another seq\n",
                seq);
        return LPG_ECORRUPT;
    }
    size_t cap = (len + 2) / 3 * 4 + 1, n;
    char *b64 = malloc(cap);
    if (!b64)
        return LPG_ENOMEM;
    lpg_base64_encode(data, len, false, b64, cap, &n);
    printf("%" PRIu64 " %s\n", seq, b64);
    fflush(stdout);
    free(b64);
    uint8_t leaf[32];
    lpg_merkle_leaf_hash(data, len, leaf);
    int rc = lpg_merkle_append(lpg_merkle_mem_get, lpg_merkle_mem_put, f->tree,
                               seq, leaf);
    if (rc == LPG_OK)
        f->next++;
    return rc;
}

/*  A failed fetch is tried again later (the service may be restarting,
 *  or refusing us); only wrong data stops the follower. */
static int
s_soft(int rc)
{
    if (rc == LPG_ECORRUPT || rc == LPG_EINTERNAL || rc == LPG_ENOMEM)
        return rc;
    if (rc != LPG_OK)
        fprintf(stderr,
                "follow: fetching failed (%s): trying again "
                "later\n",
                lpg_strerror(rc));
    return LPG_OK;
}

/*  GetRange until entries up to `until` (exclusive; UINT64_MAX: the tree
 *  size the service reports) are out. */
static int
s_fetch(s_follower_t *f, uint64_t until)
{
    for (;;) {
        if (f->next >= until || f->next >= f->limit)
            return LPG_OK;
        Lpg__Request req = LPG__REQUEST__INIT;
        Lpg__GetRange q = LPG__GET_RANGE__INIT;
        q.from = f->next;
        req.body_case = LPG__REQUEST__BODY_GET_RANGE;
        req.get_range = &q;
        Lpg__Reply *r = NULL;
        int rc = lpg_client_call(f->client, &req, &r);
        if (rc != LPG_OK)
            return rc;
        const Lpg__RangeAnswer *a = r->range;
        if (r->status != LPG__STATUS__STATUS_OK || !a) {
            fprintf(stderr, "follow: GetRange: %s: %s\n", r->token,
                    r->message);
            lpg__reply__free_unpacked(r, NULL);
            return LPG_EUNAVAILABLE;
        }
        for (size_t i = 0; rc == LPG_OK && i < a->n_entries &&
                           f->next < until && f->next < f->limit;
             i++) {
            const Lpg__TraceEntry *te = a->entries[i];
            if (te->seq != f->next) {
                fprintf(stderr,
                        "follow: GetRange from %" PRIu64 " answered "
                        "entry %" PRIu64 "\n",
                        f->next, te->seq);
                rc = LPG_ECORRUPT;
            } else
                rc = s_emit(f, te->seq, te->entry.data, te->entry.len);
        }
        bool done = a->n_entries == 0 || !a->more;
        if (until == UINT64_MAX && done)
            until = f->next;
        lpg__reply__free_unpacked(r, NULL);
        if (rc != LPG_OK)
            return rc;
        if (done && f->next < until && f->next < f->limit)
            return LPG_ENOTFOUND; /* the service has fewer entries */
    }
}

/*  The copy's root against the latest signed checkpoint. */
static int
s_check_root(s_follower_t *f, const lpg_config_t *cfg)
{
    char path[4096];
    lpg_key_t *key = NULL;
    int rc = lpg_config_path(cfg, "keys/ledger.pub", path, sizeof path);
    if (rc == LPG_OK)
        rc = lpg_key_load_public(&key, path);
    if (rc != LPG_OK)
        return rc;
    Lpg__Request req = LPG__REQUEST__INIT;
    Lpg__GetCheckpoint q = LPG__GET_CHECKPOINT__INIT;
    req.body_case = LPG__REQUEST__BODY_GET_CHECKPOINT;
    req.get_checkpoint = &q;
    Lpg__Reply *r = NULL;
    rc = lpg_client_call(f->client, &req, &r);
    lpg_checkpoint_t cp;
    char why[128] = "";
    if (rc == LPG_OK &&
        (r->status != LPG__STATUS__STATUS_OK || !r->checkpoint))
        rc = LPG_ENOTFOUND;
    if (rc == LPG_OK)
        rc = lpg_checkpoint_open(
            (const char *)r->checkpoint->note.data, r->checkpoint->note.len,
            key, lpg_config_get(cfg, "ledger.origin"), &cp, why, sizeof why);
    if (r)
        lpg__reply__free_unpacked(r, NULL);
    lpg_key_destroy(&key);
    if (rc != LPG_OK) {
        fprintf(stderr, "follow: no signed checkpoint to check against: %s\n",
                *why ? why : lpg_strerror(rc));
        return rc;
    }
    if (cp.size > f->next) {
        fprintf(stderr,
                "follow: the checkpoint covers %" PRIu64 " entries, "
                "more than the copy's %" PRIu64 ": root not "
                "checked\n",
                cp.size, f->next);
        return LPG_OK;
    }
    uint8_t root[32];
    rc = lpg_merkle_root(lpg_merkle_mem_get, f->tree, cp.size, root);
    if (rc == LPG_OK && memcmp(root, cp.root, 32) != 0)
        rc = LPG_EINCONSISTENT;
    fprintf(stderr,
            "follow: the root of the copy's first %" PRIu64
            " entries %s the signed checkpoint\n",
            cp.size, rc == LPG_OK ? "matches" : "DOES NOT MATCH");
    return rc;
}

static int
s_usage(void)
{
    fprintf(stderr, "usage: follow HOME KEYPREFIX [--count N] [--drop K] "
                    "[--timeout MS]\n");
    return 2;
}

int
main(int argc, char **argv)
{
    if (argc < 3)
        return s_usage();
    uint64_t count = 0, drop = 0, timeout = 0;
    for (int i = 3; i < argc; i++) {
        uint64_t *slot = NULL;
        if (strcmp(argv[i], "--count") == 0)
            slot = &count;
        else if (strcmp(argv[i], "--drop") == 0)
            slot = &drop;
        else if (strcmp(argv[i], "--timeout") == 0)
            slot = &timeout;
        if (!slot || i + 1 >= argc)
            return s_usage();
        char *end;
        *slot = strtoull(argv[++i], &end, 10);
        if (*end)
            return s_usage();
    }
    signal(SIGTERM, s_on_signal);
    signal(SIGINT, s_on_signal);
    lpg_config_t *cfg = NULL;
    char why[256] = "";
    if (lpg_config_load(&cfg, argv[1], why, sizeof why) != LPG_OK) {
        fprintf(stderr, "follow: %s\n", why);
        return 2;
    }
    uint8_t server_pub[32], sec[32];
    char path[4096];
    int rc = lpg_config_path(cfg, "keys/trace.curve.pub", path, sizeof path);
    if (rc == LPG_OK)
        rc = lpg_curve_load(path, server_pub);
    snprintf(path, sizeof path, "%s.curve", argv[2]);
    if (rc == LPG_OK)
        rc = lpg_curve_load(path, sec);
    if (rc != LPG_OK) {
        fprintf(stderr, "follow: keys: %s\n", lpg_strerror(rc));
        lpg_config_destroy(&cfg);
        return 2;
    }
    s_follower_t f = {0};
    f.limit = count ? count : UINT64_MAX;
    void *zctx = lpg_transport_context();
    void *sub = NULL;
    /* Subscribe first, then fetch the past: nothing falls in between. */
    rc = zctx ? lpg_transport_subscriber(&sub, zctx,
                                         lpg_config_get(cfg, "endpoint.feed"),
                                         server_pub, sec)
              : LPG_EUNAVAILABLE;
    if (rc == LPG_OK)
        rc = lpg_client_new(&f.client, lpg_config_get(cfg, "endpoint.trace"),
                            server_pub, sec, 65536, 1000, 1);
    if (rc == LPG_OK)
        rc = lpg_merkle_mem_new(&f.tree);
    if (rc == LPG_OK)
        rc = s_soft(s_fetch(&f, UINT64_MAX));
    uint64_t start = s_now_ms(), idle_since = s_now_ms(), seen = 0;
    while (rc == LPG_OK && !s_stop && (!count || f.next < count)) {
        if (timeout && s_now_ms() - start > timeout) {
            rc = LPG_ETIMEOUT;
            break;
        }
        lpg_wire_msg_t m;
        int r = lpg_transport_recv(sub, &m, 200);
        if (r == LPG_ETIMEOUT) {
            /* A quiet feed may hide a lost tail: ask now and then. */
            if (s_now_ms() - idle_since >= 1000) {
                rc = s_soft(s_fetch(&f, UINT64_MAX));
                idle_since = s_now_ms();
            }
            continue;
        }
        if (r != LPG_OK) {
            rc = r;
            break;
        }
        idle_since = s_now_ms();
        seen++;
        if (m.n != 2 || m.frames[0].len != 8 || (drop && seen % drop == 0)) {
            lpg_wire_msg_clear(&m);
            continue;
        }
        uint64_t seq = lpg_be64_get(m.frames[0].data);
        if (seq > f.next) { /* a gap: fetch it */
            f.gaps++;
            rc = s_soft(s_fetch(&f, seq));
        }
        if (rc == LPG_OK && seq == f.next && (!count || seq < count))
            rc = s_emit(&f, seq, m.frames[1].data, m.frames[1].len);
        lpg_wire_msg_clear(&m);
    }
    if (rc == LPG_OK && count)
        rc = s_check_root(&f, cfg);
    fprintf(stderr,
            "follow: %" PRIu64 " entries, %" PRIu64 " feed messages, "
            "%" PRIu64 " gaps fetched%s%s\n",
            f.next, seen, f.gaps, rc == LPG_OK ? "" : ": ",
            rc == LPG_OK ? "" : lpg_strerror(rc));
    lpg_client_destroy(&f.client);
    lpg_transport_close(&sub);
    lpg_transport_context_destroy(&zctx);
    lpg_merkle_mem_destroy(&f.tree);
    lpg_config_destroy(&cfg);
    memset(sec, 0, sizeof sec);
    return rc == LPG_OK ? 0 : 1;
}
