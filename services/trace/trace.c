/*  trace.c - see trace.h.
 *
 *  GetTrace answers are bounded by limit.trace_reply_bytes (large, so a
 *  long history comes in one or two round trips) or by the client's
 *  max_reply_bytes if smaller, GetRange answers by
 *  limit.message_bytes: entries are added while the packed answer stays
 *  under the bound (one entry always goes in, so a page always moves on),
 *  and a full page says more = true with the seq to ask from next. Every
 *  part of an answer is handed to the reply (lpg_reply_keep), which frees
 *  it once sent.
 */
#include "trace.h"
#include "ledger/checkpoint.h"
#include "codes/code.h"
#include "base/error.h"
#include "ledger/event.h"
#include "base/log.h"
#include "ledger/merkle.h"
#include "domain/state.h"
#include "base/clock.h"
#include "base/count.h"
#include "ledger/verify.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define S_PUBLISH_MAX 4096 /* entries published per tick */
#define S_REPLY_SLACK 512  /* status, token, message, ids */

/* ------------------------------------------------------------- notary */

/*  The feed admits what the service admits: enrolled, unrevoked devices
 *  (runs on the ZAP thread; read transactions only). */
static int
s_feed_admit(void *arg, const uint8_t client_key[32], char user_id[65])
{
    lpg_trace_t *t = arg;
    lpg_txn_t *txn = NULL;
    const void *v;
    size_t vlen;
    uint8_t kid[LPG_KEYID_LEN];
    Lpg__DeviceState *dev = NULL;
    int rc = lpg_ledger_read(t->ledger, &txn);
    if (rc == LPG_OK)
        rc = lpg_txn_get(txn, LPG_TABLE_CURVE_KEYS, client_key, 32, &v, &vlen);
    if (rc == LPG_OK && vlen != LPG_KEYID_LEN)
        rc = LPG_ECORRUPT;
    if (rc == LPG_OK) {
        memcpy(kid, v, LPG_KEYID_LEN);
        rc = lpg_state_device(txn, kid, &dev);
    }
    if (rc == LPG_OK && dev->has_revoked_seq)
        rc = LPG_EPERM;
    if (dev)
        lpg__device_state__free_unpacked(dev, NULL);
    lpg_txn_abort(&txn);
    if (rc == LPG_ENOTFOUND)
        rc = LPG_EPERM;
    char z[17];
    lpg_hex(client_key, 8, z);
    if (rc == LPG_OK)
        lpg_hex(kid, LPG_KEYID_LEN, user_id);
    else if (rc == LPG_EPERM)
        lpg_warn("trace: refused a feed subscriber: transport key %s... is "
                 "not an enrolled, unrevoked device",
                 z);
    else
        lpg_error("trace: cannot check the transport key %s... of a feed "
                  "subscriber: the ledger failed (%s); told it to try "
                  "again",
                  z, lpg_strerror(rc));
    return rc;
}

/*  Does the tree still have the root the notary signed last? */
static int
s_audit(lpg_trace_t *t, uint64_t size)
{
    if (!t->has_signed)
        return LPG_OK;
    if (size < t->signed_size) {
        lpg_error("notary: the ledger has %" PRIu64 " entries but a "
                  "checkpoint of %" PRIu64 " was signed: entries were "
                  "dropped. Signing nothing more.",
                  size, t->signed_size);
        return LPG_EINCONSISTENT;
    }
    uint8_t root[32];
    int rc = lpg_ledger_root(t->ledger, t->signed_size, root);
    if (rc != LPG_OK)
        return rc;
    if (memcmp(root, t->signed_root, 32) != 0) {
        lpg_error("notary: the first %" PRIu64 " entries no longer have "
                  "the root signed for them: history was rewritten. "
                  "Signing nothing more.",
                  t->signed_size);
        return LPG_EINCONSISTENT;
    }
    return LPG_OK;
}

/*  Are the entries appended since the last checkpoint what the tree says
 *  they are? Their leaves and the nodes over them are checked before a
 *  signature goes over them; root gets the root to sign. */
static int
s_check_new(lpg_trace_t *t, uint64_t size, uint8_t root[32])
{
    lpg_verify_report_t rep;
    uint64_t from = t->has_signed ? t->signed_size : 0;
    int rc = lpg_verify_since(t->ledger, from,
                              t->has_signed ? t->signed_root : NULL, size,
                              root, &rep);
    if (rc != LPG_OK)
        return rc;
    if (rep.error == LPG_OK)
        return LPG_OK;
    if (rep.has_seq)
        lpg_error("notary: entry %" PRIu64 ": %s: the ledger is damaged. "
                  "Signing nothing more ('lpgtrace verify' checks all of "
                  "it).",
                  rep.seq, rep.why);
    else
        lpg_error("notary: %s. Signing nothing more.", rep.why);
    return rep.error;
}

static int
s_sign(lpg_trace_t *t, uint64_t size, const uint8_t root[32])
{
    char *note = NULL;
    int rc = lpg_checkpoint_sign(t->key, t->origin, size, root, &note);
    if (rc == LPG_OK)
        rc = lpg_ledger_checkpoint_put(t->ledger, size, note);
    free(note);
    if (rc != LPG_OK) {
        lpg_error("notary: cannot sign a checkpoint of %" PRIu64
                  " entries: %s",
                  size, lpg_strerror(rc));
        return rc;
    }
    t->has_signed = true;
    t->signed_size = size;
    memcpy(t->signed_root, root, 32);
    t->signed_at_ms = t->now_ms();
    t->checkpoints++;
    lpg_debug("notary: signed a checkpoint of %" PRIu64 " entries", size);
    return LPG_OK;
}

int
lpg_trace_notarise(lpg_trace_t *t, bool force)
{
    if (!t->notary)
        return LPG_OK;
    if (t->halted)
        return LPG_EINCONSISTENT;
    uint64_t size = 0;
    int rc = lpg_ledger_size(t->ledger, &size);
    if (rc != LPG_OK)
        return rc;
    if (size == 0 || (t->has_signed && size == t->signed_size))
        return LPG_OK;
    if (!force && t->has_signed && size > t->signed_size &&
        t->now_ms() - t->signed_at_ms < t->interval_ms &&
        size - t->signed_size < t->every_entries)
        return LPG_OK;
    rc = s_audit(t, size);
    uint8_t root[32];
    if (rc == LPG_OK)
        rc = s_check_new(t, size, root);
    if (rc == LPG_EINCONSISTENT || rc == LPG_ECORRUPT)
        t->halted = true;
    if (rc != LPG_OK)
        return rc;
    return s_sign(t, size, root);
}

/*  The latest stored checkpoint, checked like any other: it must be ours
 *  and the tree must still hold it. */
static int
s_load_latest(lpg_trace_t *t, char *why, size_t whysz)
{
    uint64_t size = 0;
    char *note = NULL;
    int rc = lpg_ledger_checkpoint_latest(t->ledger, &size, &note);
    if (rc == LPG_ENOTFOUND)
        return LPG_OK;
    if (rc != LPG_OK) {
        snprintf(why, whysz, "latest checkpoint: %s", lpg_strerror(rc));
        return rc;
    }
    lpg_checkpoint_t cp;
    char nwhy[128] = "";
    rc = lpg_checkpoint_open(note, strlen(note), t->key, t->origin, &cp, nwhy,
                             sizeof nwhy);
    free(note);
    if (rc != LPG_OK || cp.size != size) {
        lpg_error("notary: the stored checkpoint of %" PRIu64 " entries is "
                  "not one this ledger key signed (%s). Signing nothing "
                  "more.",
                  size, *nwhy ? nwhy : "its size differs");
        t->halted = true;
        return LPG_OK;
    }
    t->has_signed = true;
    t->signed_size = cp.size;
    memcpy(t->signed_root, cp.root, 32);
    t->signed_at_ms = 0; /* due at once if the tree grew meanwhile */
    uint64_t have = 0;
    rc = lpg_ledger_size(t->ledger, &have);
    if (rc == LPG_OK && s_audit(t, have) == LPG_EINCONSISTENT)
        t->halted = true;
    return rc;
}

static int
s_notary_init(lpg_trace_t *t, const uint8_t curve_secret[32], char *why,
              size_t whysz)
{
    const lpg_config_t *cfg = t->config;
    const char *rel = lpg_config_get(cfg, "ledger.key");
    char path[4096];
    int rc = rel ? lpg_config_path(cfg, rel, path, sizeof path) : LPG_ECONFIG;
    if (rc == LPG_OK)
        rc = lpg_key_load_private(&t->key, path);
    if (rc != LPG_OK) {
        snprintf(why, whysz, "the notary's ledger key %s: %s",
                 rel ? path : "(ledger.key not set)", lpg_strerror(rc));
        return rc;
    }
    uint8_t want[32], have[32];
    rc = lpg_ledger_meta(t->ledger, NULL, want, t->origin, sizeof t->origin);
    if (rc != LPG_OK) {
        snprintf(why, whysz, "the ledger is not set up (lpgtrace init)");
        return rc;
    }
    lpg_key_raw_public(t->key, have);
    if (memcmp(want, have, 32) != 0) {
        snprintf(why, whysz,
                 "%s is not the key this ledger was set up "
                 "with",
                 path);
        return LPG_ECONFIG;
    }
    int64_t iv = lpg_config_get_int(cfg, "notary.interval_ms", 5000);
    int64_t ev = lpg_config_get_int(cfg, "notary.every_entries", 1000);
    if (iv < 1 || ev < 1) {
        snprintf(why, whysz,
                 "notary.interval_ms and notary.every_entries "
                 "must be at least 1");
        return LPG_ECONFIG;
    }
    t->interval_ms = (uint64_t)iv;
    t->every_entries = (uint64_t)ev;
    rc = s_load_latest(t, why, whysz);
    if (rc != LPG_OK)
        return rc;
    /* The feed: new entries from now on; a follower fetches the rest. */
    rc = lpg_ledger_size(t->ledger, &t->next_pub);
    if (rc != LPG_OK)
        return rc;
    const char *ep = lpg_config_get(cfg, "endpoint.feed");
    if (!ep) {
        snprintf(why, whysz, "no endpoint.feed configured");
        return LPG_ECONFIG;
    }
    memcpy(t->curve_secret, curve_secret, 32);
    t->zctx = lpg_transport_context();
    if (!t->zctx)
        return LPG_EUNAVAILABLE;
    rc = lpg_zap_start(&t->zap, t->zctx, s_feed_admit, t);
    if (rc == LPG_OK)
        rc = lpg_transport_publisher(&t->pub, t->zctx, ep, t->curve_secret,
                                     LPG_TRACE_FEED_HWM);
    if (rc != LPG_OK) {
        snprintf(why, whysz,
                 "cannot publish the feed on %s (is another "
                 "notary running?)",
                 ep);
        return rc;
    }
    lpg_info("trace: notary of %s: feed on %s, a checkpoint every %" PRIu64
             " ms or %" PRIu64 " entries%s",
             t->origin, ep, t->interval_ms, t->every_entries,
             t->halted ? " (HALTED: see above)" : "");
    return LPG_OK;
}

/*  limit.trace_reply_bytes: a whole number of bytes from 4096 up to
 *  4096 below limit.hard_message_bytes, the cap a client applies to what
 *  it receives (the encryption and framing add a few bytes on the
 *  wire); "auto" (the default) is the largest of those up to
 *  LPG_TRACE_REPLY_AUTO. */
static int
s_reply_limit(lpg_trace_t *t, const lpg_config_t *cfg, char *why, size_t whysz)
{
    const char *v = lpg_config_get(cfg, "limit.trace_reply_bytes");
    int64_t hard =
        lpg_config_get_int(cfg, "limit.hard_message_bytes", 1048576);
    if (v && strcmp(v, "auto") == 0) {
        int64_t n = hard - LPG_TRACE_REPLY_MARGIN;
        if (n > LPG_TRACE_REPLY_AUTO)
            n = LPG_TRACE_REPLY_AUTO;
        if (n < LPG_TRACE_REPLY_MIN) {
            snprintf(why, whysz,
                     "limit.hard_message_bytes (%lld) leaves no "
                     "room for a GetTrace answer of %d bytes",
                     (long long)hard, LPG_TRACE_REPLY_MIN);
            return LPG_ECONFIG;
        }
        t->max_trace = (size_t)n;
        return LPG_OK;
    }
    char *end = NULL;
    errno = 0;
    long long n = v && *v ? strtoll(v, &end, 10) : -1;
    if (!v || !*v || errno || *end || n < LPG_TRACE_REPLY_MIN ||
        n > (long long)(hard - LPG_TRACE_REPLY_MARGIN)) {
        snprintf(why, whysz,
                 "limit.trace_reply_bytes = '%s' must be "
                 "'auto' or a number of bytes from 4096 to "
                 "limit.hard_message_bytes (%lld) less 4096, for the "
                 "encryption and framing",
                 v ? v : "", (long long)hard);
        return LPG_ECONFIG;
    }
    t->max_trace = (size_t)n;
    return LPG_OK;
}

/*  trace.node_cache: a size (lpg_config_parse_size; "0" or 0B keeps
 *  none), said in the log. */
static int
s_node_cache(lpg_trace_t *t, const lpg_config_t *cfg, char *why, size_t whysz)
{
    const char *nc = lpg_config_get(cfg, "trace.node_cache");
    if (nc && strcmp(nc, "0") == 0)
        t->upper_bytes = 0;
    else if (!nc || lpg_config_parse_size(nc, &t->upper_bytes) != LPG_OK) {
        snprintf(why, whysz,
                 "trace.node_cache = '%s' must be a size such as 32MiB "
                 "(B, KiB, MiB or GiB; 0B keeps none)",
                 nc ? nc : "");
        return LPG_ECONFIG;
    }
    if (t->upper_bytes > 0)
        lpg_info("trace: proofs read the tree's upper levels from memory, "
                 "up to %" PRIu64 " bytes (trace.node_cache)",
                 t->upper_bytes);
    else
        lpg_info("trace: proofs read every node from the ledger "
                 "(trace.node_cache = %s)",
                 nc);
    return LPG_OK;
}

int
lpg_trace_init(lpg_trace_t *t, const lpg_config_t *cfg, lpg_ledger_t *ledger,
               const uint8_t curve_secret[32], char *why, size_t whysz)
{
    memset(t, 0, sizeof *t);
    t->config = cfg;
    t->ledger = ledger;
    t->now_ms = lpg_clock_mono_ms;
    t->max_msg = (size_t)lpg_config_get_int(cfg, "limit.message_bytes", 65536);
    if (t->max_msg < 4096) {
        snprintf(why, whysz,
                 "limit.message_bytes must be at least 4096 "
                 "for the trace service");
        return LPG_ECONFIG;
    }
    int rc = s_reply_limit(t, cfg, why, whysz);
    if (rc != LPG_OK)
        return rc;
    rc = s_node_cache(t, cfg, why, whysz);
    if (rc != LPG_OK)
        return rc;
    const lpg_key_t *authority = lpg_ledger_authority(ledger);
    if (!authority) {
        snprintf(why, whysz,
                 "the ledger has no authority key (lpgtrace "
                 "init)");
        return LPG_ECONFIG;
    }
    lpg_key_id(authority, t->authority_id);
    /* No pool (one core, or no thread started): this thread builds
     * every page alone, as it would. */
    (void)lpg_workers_new(&t->pool, 0);
    t->notary = lpg_config_get_int(cfg, "notary.enabled", 1) != 0;
    if (!t->notary)
        return LPG_OK;
    rc = s_notary_init(t, curve_secret, why, whysz);
    if (rc != LPG_OK)
        lpg_trace_fini(t);
    return rc;
}

static void s_caches_free(lpg_trace_t *t);
static void s_upper_free(lpg_trace_t *t);

void
lpg_trace_fini(lpg_trace_t *t)
{
    lpg_transport_close(&t->pub);
    lpg_zap_stop(&t->zap);
    lpg_transport_context_destroy(&t->zctx);
    lpg_key_destroy(&t->key);
    memset(t->curve_secret, 0, sizeof t->curve_secret);
    s_caches_free(t);
    s_upper_free(t);
    lpg_workers_destroy(&t->pool);
}

/*  Is this entry a device's revocation? */
static bool
s_is_revocation(const uint8_t *data, size_t len)
{
    Lpg__LedgerEntry *e = lpg__ledger_entry__unpack(NULL, len, data);
    Lpg__SignedEvent *se =
        e ? lpg__signed_event__unpack(NULL, e->signed_event.len,
                                      e->signed_event.data)
          : NULL;
    Lpg__Event *ev =
        se ? lpg__event__unpack(NULL, se->body.len, se->body.data) : NULL;
    bool yes = ev && ev->body_case == LPG__EVENT__BODY_DEVICE_REVOKE;
    if (ev)
        lpg__event__free_unpacked(ev, NULL);
    if (se)
        lpg__signed_event__free_unpacked(se, NULL);
    if (e)
        lpg__ledger_entry__free_unpacked(e, NULL);
    return yes;
}

int
lpg_trace_publish(lpg_trace_t *t)
{
    if (!t->notary)
        return LPG_OK;
    if (!t->pub) {
        /* After a revocation: a fresh socket, so every subscriber
         * reconnects through the ZAP handler and the revoked one is
         * refused. The old one may hold the port for a moment. */
        if (lpg_transport_publisher(
                &t->pub, t->zctx, lpg_config_get(t->config, "endpoint.feed"),
                t->curve_secret, LPG_TRACE_FEED_HWM) != LPG_OK)
            return LPG_OK; /* next tick */
        lpg_info("trace: feed open again; subscribers are admitted anew");
    }
    lpg_txn_t *txn = NULL;
    uint64_t size = 0;
    int rc = lpg_ledger_read(t->ledger, &txn);
    if (rc == LPG_OK)
        rc = lpg_txn_size(txn, &size);
    if (rc == LPG_OK && size < t->next_pub) {
        lpg_error("trace: the ledger shrank from %" PRIu64 " to %" PRIu64
                  " entries",
                  t->next_pub, size);
        t->next_pub = size;
    }
    bool revoked = false;
    uint64_t end = size - t->next_pub > S_PUBLISH_MAX
                       ? t->next_pub + S_PUBLISH_MAX
                       : size;
    for (; rc == LPG_OK && t->next_pub < end; t->next_pub++) {
        const uint8_t *data;
        size_t len;
        rc = lpg_txn_entry(txn, t->next_pub, &data, &len);
        if (rc != LPG_OK) {
            lpg_error("trace: entry %" PRIu64 " is missing: %s", t->next_pub,
                      lpg_strerror(rc));
            break;
        }
        uint8_t be[8];
        lpg_be64_put(be, t->next_pub);
        lpg_frame_t frames[2] = {{be, 8}, {(uint8_t *)data, len}};
        rc = lpg_transport_send(t->pub, frames, 2);
        if (rc == LPG_OK && s_is_revocation(data, len)) {
            revoked = true;
            t->next_pub++;
            break;
        }
    }
    lpg_txn_abort(&txn);
    if (revoked) {
        lpg_info("trace: a device was revoked (#%" PRIu64 "): closing the "
                 "feed so every subscriber is admitted again",
                 t->next_pub - 1);
        lpg_transport_close(&t->pub);
    }
    return rc;
}

int
lpg_trace_tick(void *ctx, lpg_service_t *svc)
{
    lpg_trace_t *t = ctx;
    int rc = lpg_trace_publish(t);
    int nrc = lpg_trace_notarise(t, false);
    return rc != LPG_OK ? rc : nrc == LPG_EINCONSISTENT ? LPG_OK : nrc;
}

int
lpg_trace_rules(void *ctx, lpg_txn_t *txn, uint64_t seq, const lpg_event_t *ev,
                const lpg_signer_t *signer, const lpg_append_in_t *in,
                void *pre, Lpg__Outcome *outcome)
{
    return LPG_EINVAL; /* the read side records nothing */
}

/* ------------------------------------------------------------ answers */

/*  Tree nodes read while answering one request. The proofs of a page
 *  share their upper nodes and the tree's right edge, so each node is
 *  read from the ledger once per request (open addressing; once the
 *  table is half full, further nodes are read but not kept). The table
 *  is sized for every node the page's proofs can name (about two per
 *  level of the tree per entry), so the shared upper nodes, met again
 *  after thousands of unshared lower ones, are still kept. The table
 *  belongs to the service and outlives the request (queries are answered
 *  on one thread): a slot counts only when it carries the request's
 *  generation, so a new request starts empty without clearing megabytes,
 *  and the table is allocated once, not per request. Only the nodes it
 *  holds are per request: they are read in that request's transaction. */
#define S_NODE_SLOTS_MIN 4096
#define S_NODE_SLOTS_MAX (1u << 18) /* 12 MiB */

typedef struct {
    uint64_t index;
    uint32_t gen; /* the request that filled it; 0: never filled */
    uint32_t level;
    uint8_t hash[LPG_HASH_LEN];
} s_slot_t;

/*  The tree's upper levels, kept for the service's life. A stored node
 *  is the hash of a complete subtree of the append-only log: it never
 *  changes, so a node one request read serves every later request. Most
 *  of a proof's nodes are upper ones (a proof names one node a level,
 *  and an upper node is shared by many entries), and reading them is
 *  most of a verified trace's time in the service: at 10^7 entries, a
 *  cylinder's 1,000 proofs name about 14,000 distinct nodes.
 *
 *  Levels from `low` up, each an array by index. The request's thread
 *  sizes them to the tree before any job runs (s_upper_grow); the jobs
 *  then fill and read them at once: a slot is claimed (empty -> being
 *  written), written, then published (kept), and read only once kept.
 *  The arrays hold at most trace.node_cache bytes (33 a node): as the
 *  tree grows, the lowest level kept rises (at 32 MiB: at 10^7 entries,
 *  levels 5 and up; at 10^8, 8 and up). */
#define S_UPPER_LEVELS 64

enum { S_SLOT_EMPTY, S_SLOT_WRITING, S_SLOT_KEPT };

typedef struct {
    unsigned low;  /* S_UPPER_LEVELS: nothing kept */
    uint64_t tree; /* the tree size the arrays were sized for */
    uint64_t n[S_UPPER_LEVELS];
    uint8_t (*hash[S_UPPER_LEVELS])[LPG_HASH_LEN];
    uint8_t *state[S_UPPER_LEVELS];
} s_upper_t;

static void
s_upper_level_free(s_upper_t *u, unsigned level)
{
    free(u->hash[level]);
    free(u->state[level]);
    u->hash[level] = NULL;
    u->state[level] = NULL;
    u->n[level] = 0;
}

static void
s_upper_free(lpg_trace_t *t)
{
    s_upper_t *u = t->upper;
    for (unsigned l = 0; u && l < S_UPPER_LEVELS; l++)
        s_upper_level_free(u, l);
    free(u);
    t->upper = NULL;
}

/*  Slots for a level of n complete nodes: room for the tree to grow an
 *  eighth before the level is copied again. */
static uint64_t
s_upper_cap(uint64_t n)
{
    return n + n / 8 + 1;
}

/*  The lowest level whose nodes, with every level above, fit in limit
 *  bytes for a tree of size leaves; S_UPPER_LEVELS: none. */
static unsigned
s_upper_low(uint64_t size, uint64_t limit)
{
    for (unsigned l = 0; l < S_UPPER_LEVELS; l++) {
        uint64_t bytes = 0;
        for (unsigned k = l; k < S_UPPER_LEVELS && (size >> k) > 0; k++)
            bytes += s_upper_cap(size >> k) * (LPG_HASH_LEN + 1);
        if (bytes <= limit && (size >> l) > 0)
            return l;
    }
    return S_UPPER_LEVELS;
}

/*  The arrays sized for a tree of size leaves (the complete nodes of
 *  each level kept), by the request's thread before any job runs. A
 *  tree smaller than before (the history changed under the service:
 *  the notary halts) empties them. Without memory a level is dropped:
 *  its nodes are read. */
static s_upper_t *
s_upper_grow(lpg_trace_t *t, uint64_t size)
{
    s_upper_t *u = t->upper;
    if (u && (size < u->tree || t->halted))
        s_upper_free(t);
    if (t->halted || t->upper_bytes == 0)
        return NULL;
    if (!t->upper) {
        t->upper = calloc(1, sizeof(s_upper_t));
        if (!t->upper)
            return NULL;
        ((s_upper_t *)t->upper)->low = S_UPPER_LEVELS;
    }
    u = t->upper;
    if (size == u->tree)
        return u;
    unsigned low = s_upper_low(size, t->upper_bytes);
    for (unsigned l = u->low; l < low && l < S_UPPER_LEVELS; l++)
        s_upper_level_free(u, l);
    u->low = low;
    u->tree = size;
    for (unsigned l = low; l < S_UPPER_LEVELS; l++) {
        uint64_t want = size >> l;
        if (want <= u->n[l])
            continue;
        uint64_t cap = s_upper_cap(want);
        void *h = realloc(u->hash[l], cap * LPG_HASH_LEN);
        if (h)
            u->hash[l] = h;
        uint8_t *st = h ? realloc(u->state[l], cap) : NULL;
        if (!st) {
            s_upper_level_free(u, l);
            continue;
        }
        memset(st + u->n[l], S_SLOT_EMPTY, cap - u->n[l]);
        u->state[l] = st;
        u->n[l] = cap;
    }
    return u;
}

/*  The slot's state of node (level, index), complete in a tree of size
 *  tree; NULL if the node has no slot. */
static uint8_t *
s_upper_slot(const s_upper_t *u, uint64_t tree, unsigned level, uint64_t index)
{
    if (!u || level < u->low || level >= S_UPPER_LEVELS ||
        index >= u->n[level] || index >= (tree >> level))
        return NULL;
    return &u->state[level][index];
}

/*  Node (level, index) if kept. */
static bool
s_upper_get(const s_upper_t *u, uint64_t tree, unsigned level, uint64_t index,
            uint8_t out[LPG_HASH_LEN])
{
    uint8_t *st = s_upper_slot(u, tree, level, index);
    if (!st || __atomic_load_n(st, __ATOMIC_ACQUIRE) != S_SLOT_KEPT)
        return false;
    memcpy(out, u->hash[level][index], LPG_HASH_LEN);
    return true;
}

/*  Keeps node (level, index) unless another job is writing it. */
static void
s_upper_put(s_upper_t *u, uint64_t tree, unsigned level, uint64_t index,
            const uint8_t hash[LPG_HASH_LEN])
{
    uint8_t *st = s_upper_slot(u, tree, level, index);
    uint8_t empty = S_SLOT_EMPTY;
    if (!st ||
        !__atomic_compare_exchange_n(st, &empty, S_SLOT_WRITING, false,
                                     __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
        return;
    memcpy(u->hash[level][index], hash, LPG_HASH_LEN);
    __atomic_store_n(st, S_SLOT_KEPT, __ATOMIC_RELEASE);
}

typedef struct {
    lpg_txn_t *txn;
    s_slot_t *slots; /* NULL: no cache, every node read */
    size_t nslots;   /* a power of two */
    uint32_t gen;
    size_t used;
    s_upper_t *upper; /* NULL: none */
    uint64_t tree;    /* what upper was sized for */
    /* the incomplete subtrees at the tree's right edge, hashed once for
     * every proof of this table's thread */
    lpg_merkle_edge_t edge;
    uint64_t read, kept; /* counted here, added once (s_nodes_end) */
} s_nodes_t;

/*  A page's entries and proofs are built by up to S_PAGE_JOBS jobs on
 *  every core, each in its own read transaction (the entries and the
 *  nodes below a checkpoint never change, so any snapshot that holds
 *  them reads the same), at least S_PAGE_MIN entries a job. */
#define S_PAGE_JOBS 8
#define S_PAGE_MIN 32

/*  One table of cached nodes: [0] the request's own, [1 + j] job j's. */
typedef struct {
    s_slot_t *slots;
    size_t nslots;
    uint32_t gen;
} s_cache_t;

static void
s_caches_free(lpg_trace_t *t)
{
    s_cache_t *c = t->node_caches;
    for (size_t i = 0; c && i < 1 + S_PAGE_JOBS; i++)
        free(c[i].slots);
    free(c);
    t->node_caches = NULL;
}

/*  The tables, made once by the request's thread (s_get_trace) before
 *  any job runs; without them (no memory) every node is read. */
static void
s_caches_make(lpg_trace_t *t)
{
    if (!t->node_caches)
        t->node_caches = calloc(1 + S_PAGE_JOBS, sizeof(s_cache_t));
}

/*  Table k, at least nslots large, for a new request. Table k is used by
 *  one thread at a time (the request's, or job k - 1's). */
static void
s_nodes_begin(lpg_trace_t *t, size_t k, s_nodes_t *c, size_t nslots)
{
    c->slots = NULL;
    s_cache_t *m = t->node_caches ? &((s_cache_t *)t->node_caches)[k] : NULL;
    if (!m)
        return; /* no memory: every node is read */
    if (m->nslots < nslots) {
        free(m->slots);
        m->slots = calloc(nslots, sizeof(s_slot_t));
        m->nslots = m->slots ? nslots : 0;
        m->gen = 0;
    }
    if (!m->slots)
        return;
    if (++m->gen == 0) { /* wrapped: old stamps could match again */
        memset(m->slots, 0, m->nslots * sizeof(s_slot_t));
        m->gen = 1;
    }
    c->slots = m->slots;
    c->nslots = m->nslots;
    c->gen = m->gen;
    c->used = 0;
}

/*  Slots for the proofs of up to entries entries in a tree of size. */
static size_t
s_node_slots(size_t entries, uint64_t size)
{
    size_t levels = 1;
    while (levels < 64 && (1ULL << levels) < size)
        levels++;
    size_t want = entries * levels * 4; /* two per level, half full */
    size_t n = S_NODE_SLOTS_MIN;
    while (n < want && n < S_NODE_SLOTS_MAX)
        n *= 2;
    return n;
}

/*  Adds what the table counted to the process's counters. */
static void
s_nodes_end(s_nodes_t *c)
{
    lpg_count_add(LPG_COUNT_PROOF_NODE_READ, c->read);
    lpg_count_add(LPG_COUNT_PROOF_NODE_KEPT, c->kept);
    c->read = c->kept = 0;
}

static int
s_node(void *ctx, unsigned level, uint64_t index, uint8_t out[32])
{
    s_nodes_t *c = ctx;
    if (s_upper_get(c->upper, c->tree, level, index, out)) {
        c->kept++;
        return LPG_OK;
    }
    if (!c->slots) {
        c->read++;
        int rc = lpg_txn_node(c->txn, level, index, out);
        if (rc == LPG_OK)
            s_upper_put(c->upper, c->tree, level, index, out);
        return rc;
    }
    uint64_t h = (index ^ ((uint64_t)level << 56)) * 0x9e3779b97f4a7c15ULL;
    size_t mask = c->nslots - 1;
    size_t i = (size_t)(h >> 40) & mask;
    for (; c->slots[i].gen == c->gen; i = (i + 1) & mask)
        if (c->slots[i].level == level && c->slots[i].index == index) {
            memcpy(out, c->slots[i].hash, LPG_HASH_LEN);
            return LPG_OK;
        }
    c->read++;
    int rc = lpg_txn_node(c->txn, level, index, out);
    if (rc == LPG_OK)
        s_upper_put(c->upper, c->tree, level, index, out);
    if (rc == LPG_OK && c->used < c->nslots / 2) {
        c->slots[i].gen = c->gen;
        c->slots[i].level = level;
        c->slots[i].index = index;
        memcpy(c->slots[i].hash, out, LPG_HASH_LEN);
        c->used++;
    }
    return rc;
}

/*  One TraceEntry in a single malloc'd block: the message, its proof
 *  hashes and the entry bytes. proof_size 0: no proof. *cost: what it
 *  adds to the packed answer. */
static int
s_entry_make(s_nodes_t *nodes, uint64_t seq, uint64_t proof_size,
             Lpg__TraceEntry **out, size_t *cost)
{
    *out = NULL;
    const uint8_t *data;
    size_t len;
    int rc = lpg_txn_entry(nodes->txn, seq, &data, &len);
    if (rc == LPG_ENOTFOUND)
        rc = LPG_ECORRUPT; /* below the tree size: must be there */
    if (rc != LPG_OK)
        return rc;
    lpg_hash_t proof[LPG_MERKLE_MAX_PROOF];
    size_t n = 0;
    if (proof_size > 0) {
        rc = lpg_merkle_inclusion_proof_edge(s_node, nodes, &nodes->edge, seq,
                                             proof_size, proof, &n);
        if (rc != LPG_OK)
            return rc;
    }
    size_t sz = sizeof(Lpg__TraceEntry) + n * sizeof(ProtobufCBinaryData) +
                n * LPG_HASH_LEN + len;
    uint8_t *block = malloc(sz);
    if (!block)
        return LPG_ENOMEM;
    Lpg__TraceEntry *te = (Lpg__TraceEntry *)block;
    ProtobufCBinaryData *hv =
        (ProtobufCBinaryData *)(block + sizeof(Lpg__TraceEntry));
    uint8_t *hashes = (uint8_t *)(hv + n);
    uint8_t *bytes = hashes + n * LPG_HASH_LEN;
    lpg__trace_entry__init(te);
    te->seq = seq;
    memcpy(bytes, data, len);
    te->entry.data = bytes;
    te->entry.len = len;
    for (size_t i = 0; i < n; i++) {
        memcpy(hashes + i * LPG_HASH_LEN, proof[i], LPG_HASH_LEN);
        hv[i].data = hashes + i * LPG_HASH_LEN;
        hv[i].len = LPG_HASH_LEN;
    }
    te->n_proof = n;
    te->proof = n ? hv : NULL;
    te->has_proof_size = proof_size > 0;
    te->proof_size = proof_size;
    *out = te;
    *cost = lpg__trace_entry__get_packed_size(te) + 6;
    return LPG_OK;
}

/*  The same, owned by the reply. */
static int
s_entry(lpg_reply_t *r, s_nodes_t *nodes, uint64_t seq, uint64_t proof_size,
        Lpg__TraceEntry **out, size_t *cost)
{
    int rc = s_entry_make(nodes, seq, proof_size, out, cost);
    if (rc == LPG_OK && !lpg_reply_keep(r, *out)) {
        *out = NULL;
        rc = LPG_ENOMEM;
    }
    return rc;
}

/*  A page's entries, built ahead by the jobs (s_page_job). */
typedef struct {
    Lpg__TraceEntry *te; /* s_entry_make's block; the caller keeps it */
    size_t cost;
    int rc;
} s_built_t;

typedef struct {
    lpg_trace_t *t;
    const uint64_t *seqs; /* the page's seqs, in order */
    size_t n, per;        /* how many, and how many a job */
    uint64_t prove, tree;
    s_upper_t *upper; /* sized for tree */
    s_built_t *out;   /* n */
} s_page_t;

static void
s_page_job(void *ctx, size_t j)
{
    s_page_t *p = ctx;
    size_t lo = j * p->per, hi = lo + p->per < p->n ? lo + p->per : p->n;
    lpg_txn_t *txn = NULL;
    int rc = lpg_ledger_read(p->t->ledger, &txn);
    s_nodes_t nodes = {.txn = txn, .upper = p->upper, .tree = p->tree};
    if (rc == LPG_OK && p->prove)
        s_nodes_begin(p->t, 1 + j, &nodes, s_node_slots(hi - lo, p->tree));
    for (size_t i = lo; i < hi; i++) {
        s_built_t *b = &p->out[i];
        b->rc = rc != LPG_OK
                    ? rc
                    : s_entry_make(&nodes, p->seqs[i],
                                   p->seqs[i] < p->prove ? p->prove : 0,
                                   &b->te, &b->cost);
    }
    s_nodes_end(&nodes);
    lpg_txn_abort(&txn);
}

/*  Builds the entries of seqs[0..n) on every core into out. */
static void
s_build_page(lpg_trace_t *t, const uint64_t *seqs, size_t n, uint64_t prove,
             uint64_t tree, s_built_t *out)
{
    size_t jobs = (n + S_PAGE_MIN - 1) / S_PAGE_MIN;
    if (jobs > S_PAGE_JOBS)
        jobs = S_PAGE_JOBS;
    if (jobs == 0)
        return;
    s_page_t p = {.t = t,
                  .seqs = seqs,
                  .n = n,
                  .per = (n + jobs - 1) / jobs,
                  .prove = prove,
                  .tree = tree,
                  .upper = t->upper,
                  .out = out};
    lpg_workers_run(t->pool, jobs, 1, s_page_job, &p);
}

/*  How many entries the next round builds: the first, enough for every
 *  job; then what the budget has left at the bytes per entry so far
 *  (signers' entries included), an eighth more, at least a round's
 *  worth for every job, and at most the left entries. */
static size_t
s_round(size_t used, size_t budget, size_t taken, size_t left)
{
    size_t n = S_PAGE_JOBS * S_PAGE_MIN;
    if (taken > 0 && used > 0) {
        size_t per = used / taken + 1;
        size_t fit = budget > used ? (budget - used) / per : 0;
        fit += fit / 8 + 1;
        if (fit > n)
            n = fit;
    }
    return n < left ? n : left;
}

/*  The signing key id of an entry's event; false if it does not decode
 *  (the client will say so). */
static bool
s_signer_of(const Lpg__TraceEntry *te, uint8_t kid[LPG_KEYID_LEN])
{
    /* LedgerEntry.signed_event (4), then SignedEvent.key_id (2), read off
     * the wire: the entry is not unpacked for one field */
    const uint8_t *se, *k;
    size_t selen, klen;
    if (lpg_proto_bytes(te->entry.data, te->entry.len, 4, &se, &selen) !=
            LPG_OK ||
        lpg_proto_bytes(se, selen, 2, &k, &klen) != LPG_OK ||
        klen != LPG_KEYID_LEN)
        return false;
    memcpy(kid, k, LPG_KEYID_LEN);
    return true;
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

/*  The GRAI a request names (the GRAI itself or a code's text). */
static bool
s_grai(const char *name, char grai[LPG_CODE_GRAI_MAX + 1], char *why,
       size_t whysz)
{
    if (strncmp(name, "https://", 8) == 0) {
        lpg_code_t code;
        int rc = lpg_code_parse(name, strlen(name), NULL, &code);
        if (rc != LPG_OK && rc != LPG_ECODE_CASE) {
            snprintf(why, whysz, "not a cylinder code: %s", code.why);
            return false;
        }
        snprintf(grai, LPG_CODE_GRAI_MAX + 1, "%s", code.grai);
        return true;
    }
    size_t len = strlen(name);
    bool ok = len > 0 && len <= LPG_CODE_GRAI_MAX;
    for (size_t i = 0; ok && i < len; i++)
        ok = (name[i] >= '0' && name[i] <= '9') ||
             (name[i] >= 'A' && name[i] <= 'Z');
    if (!ok) {
        snprintf(why, whysz,
                 "not a GRAI (digits and serial, at most %d "
                 "characters) nor a code's text",
                 LPG_CODE_GRAI_MAX);
        return false;
    }
    memcpy(grai, name, len + 1);
    return true;
}

/*  A signer's enrolment and revocation entries, if not in the answer
 *  yet. */
typedef struct {
    uint8_t (*ids)[LPG_KEYID_LEN];
    size_t n;
} s_seen_t;

/*  The entries of te's signer not yet in the answer (add, *nadd: its
 *  enrolment and revocation); kid is the signer's key id when *nadd > 0,
 *  for the caller to mark it seen once the entries are in the page. */
static int
s_signer_entries(lpg_trace_t *t, lpg_reply_t *r, s_nodes_t *nodes,
                 const Lpg__TraceEntry *te, uint64_t proof_size,
                 s_seen_t *seen, Lpg__TraceEntry *add[2], size_t *nadd,
                 size_t *cost, uint8_t kid[LPG_KEYID_LEN])
{
    *nadd = 0;
    *cost = 0;
    if (!s_signer_of(te, kid) ||
        memcmp(kid, t->authority_id, LPG_KEYID_LEN) == 0)
        return LPG_OK;
    for (size_t i = 0; i < seen->n; i++)
        if (memcmp(seen->ids[i], kid, LPG_KEYID_LEN) == 0)
            return LPG_OK;
    Lpg__DeviceState *dev = NULL;
    int rc = lpg_state_device(nodes->txn, kid, &dev);
    if (rc == LPG_ENOTFOUND)
        return LPG_OK; /* the client will find no enrolment */
    if (rc != LPG_OK)
        return rc;
    uint64_t seqs[2] = {dev->enrolled_seq, dev->revoked_seq};
    size_t k = dev->has_revoked_seq ? 2 : 1;
    lpg__device_state__free_unpacked(dev, NULL);
    for (size_t i = 0; i < k; i++) {
        size_t c = 0;
        uint64_t ps = seqs[i] < proof_size ? proof_size : 0;
        rc = s_entry(r, nodes, seqs[i], ps, &add[*nadd], &c);
        if (rc != LPG_OK)
            return rc;
        (*nadd)++;
        *cost += c;
    }
    return LPG_OK;
}

static int
s_get_trace(lpg_trace_t *t, const Lpg__GetTrace *q, lpg_reply_t *r)
{
    char grai[LPG_CODE_GRAI_MAX + 1], why[192];
    if (!s_grai(q->cylinder, grai, why, sizeof why))
        return lpg_reply_error(r, LPG_ECODE, why);
    lpg_txn_t *txn = NULL;
    s_seqs_t seqs = {0};
    s_seen_t seen = {0};
    s_nodes_t nodes = {0};
    char *note = NULL;
    uint64_t *page = NULL;   /* the seqs the page may hold (np), and the */
    s_built_t *built = NULL; /* first nb of them built ahead */
    size_t np = 0, nb = 0;
    uint64_t from = q->has_from ? q->from : 0;
    /* A later page reads the cylinder's seqs from `from` on, not its
     * whole history again; none there (a from past its last entry)
     * reads them all, to tell an empty page from an unknown cylinder. */
    int rc = lpg_ledger_read(t->ledger, &txn);
    if (rc == LPG_OK)
        rc = lpg_txn_seqs_from(txn, LPG_TABLE_BY_CYLINDER, grai, strlen(grai),
                               from, s_collect, &seqs);
    if (rc == LPG_OK && seqs.n == 0 && from > 0)
        rc = lpg_txn_seqs(txn, LPG_TABLE_BY_CYLINDER, grai, strlen(grai),
                          s_collect, &seqs);
    lpg_txn_abort(&txn);
    if (rc != LPG_OK)
        goto cleanup;
    if (seqs.n == 0) {
        rc = lpg_reply_set(r, LPG__STATUS__STATUS_NOT_FOUND, "CYL_UNKNOWN",
                           "no entry names this cylinder");
        goto cleanup;
    }
    /* Entries newer than the last checkpoint: the notary signs one now,
     * so every entry of the answer comes with its proof. Without proofs
     * (the client checks nothing) the latest checkpoint is enough. */
    bool proofs = q->proofs != 0;
    if (proofs && !q->has_size && t->notary &&
        (!t->has_signed || seqs.v[seqs.n - 1] >= t->signed_size))
        lpg_trace_notarise(t, true);
    uint64_t cp_size = 0;
    if (q->has_size)
        cp_size = q->size;
    else {
        rc = lpg_ledger_checkpoint_latest(t->ledger, &cp_size, &note);
        if (rc == LPG_ENOTFOUND)
            rc = LPG_OK;
        if (rc != LPG_OK)
            goto cleanup;
    }
    uint64_t tree = 0;
    rc = lpg_ledger_read(t->ledger, &txn);
    if (rc == LPG_OK)
        rc = lpg_txn_size(txn, &tree);
    if (rc != LPG_OK)
        goto cleanup;
    nodes.txn = txn;
    s_caches_make(t);
    if (proofs) {
        nodes.upper = s_upper_grow(t, tree);
        nodes.tree = tree;
    }
    if (proofs) /* the signers' entries (a few): the page's are built
                   by the jobs */
        s_nodes_begin(t, 0, &nodes, s_node_slots(64, tree));
    if (q->has_size && (q->size == 0 || q->size > tree)) {
        snprintf(why, sizeof why,
                 "no tree of %" PRIu64 " entries to prove "
                 "in (the ledger has %" PRIu64 ")",
                 q->size, tree);
        rc = lpg_reply_error(r, LPG_ERANGE, why);
        goto cleanup;
    }
    /* A checkpoint larger than the tree cannot be proved against: the
     * answer then carries it and the tree size, and no proofs. */
    uint64_t prove = proofs && cp_size <= tree ? cp_size : 0;
    if (cp_size > tree)
        lpg_error("trace: the latest checkpoint covers %" PRIu64 " entries, "
                  "the ledger holds %" PRIu64,
                  cp_size, tree);
    size_t max = q->has_count && q->count > 0 && q->count < LPG_TRACE_PAGE_MAX
                     ? q->count
                     : LPG_TRACE_PAGE_MAX;
    size_t note_len = note ? strlen(note) : 0;
    size_t fixed = S_REPLY_SLACK + strlen(grai) + note_len;
    size_t bound = t->max_trace;
    if (q->has_max_reply_bytes && q->max_reply_bytes < bound)
        bound = q->max_reply_bytes < LPG_TRACE_REPLY_MIN ? LPG_TRACE_REPLY_MIN
                                                         : q->max_reply_bytes;
    size_t budget = bound > fixed ? bound - fixed : 0;
    Lpg__TraceAnswer *a = lpg_reply_keep(r, malloc(sizeof *a));
    Lpg__TraceEntry **entries =
        lpg_reply_keep(r, calloc(seqs.n, sizeof *entries));
    Lpg__TraceEntry **signers =
        lpg_reply_keep(r, calloc(2 * seqs.n, sizeof *signers));
    seen.ids = calloc(seqs.n, sizeof *seen.ids);
    char *grai_copy = lpg_reply_strdup(r, grai);
    uint8_t *note_copy = note ? lpg_reply_keep(r, strdup(note)) : NULL;
    if (!a || !entries || !signers || !seen.ids || !grai_copy ||
        (note && !note_copy)) {
        rc = LPG_ENOMEM;
        goto cleanup;
    }
    lpg__trace_answer__init(a);
    a->grai = grai_copy;
    a->tree_size = tree;
    if (note) {
        a->has_checkpoint = 1;
        a->checkpoint.data = note_copy;
        a->checkpoint.len = note_len;
    }
    a->entries = entries;
    a->signers = signers;
    size_t used = 0;
    /* The entries the page may hold (from `from` on, below the tree, at
     * most max), built ahead on every core in rounds (s_round) as the
     * loop below takes them in order; it stops where the budget does,
     * and a round is sized to what the budget has left, so a page of a
     * long history does not build the thousands it cannot send. */
    size_t cap = seqs.n < max ? seqs.n : max;
    page = malloc((cap ? cap : 1) * sizeof *page);
    built = calloc(cap ? cap : 1, sizeof *built);
    if (!page || !built) {
        rc = LPG_ENOMEM;
        goto cleanup;
    }
    for (size_t i = 0; i < seqs.n && np < cap; i++) {
        if (seqs.v[i] < from)
            continue;
        if (seqs.v[i] >= tree)
            break;
        page[np++] = seqs.v[i];
    }
    for (size_t i = 0; i < seqs.n; i++) {
        uint64_t seq = seqs.v[i];
        if (seq < from)
            continue;
        if (seq >= tree) {
            lpg_error("trace: the index of %s names entry %" PRIu64
                      " past the end of the log (%" PRIu64 ")",
                      grai, seq, tree);
            break;
        }
        if (a->n_entries == max) {
            a->has_more = a->more = 1;
            a->has_next_from = 1;
            a->next_from = seq;
            break;
        }
        Lpg__TraceEntry *te = NULL, *add[2];
        size_t cost = 0, nadd = 0, addcost = 0;
        uint8_t kid[LPG_KEYID_LEN];
        /* Built ahead, in this same order: the reply's now. */
        size_t at = a->n_entries;
        if (at == nb && nb < np) {
            size_t n = s_round(used, budget, at, np - nb);
            s_build_page(t, page + nb, n, prove, tree, built + nb);
            nb += n;
        }
        if (at >= nb || page[at] != seq) {
            lpg_error("trace: entry %" PRIu64 " of %s was not built ahead",
                      seq, grai);
            rc = LPG_EINTERNAL;
            goto cleanup;
        }
        rc = built[at].rc;
        te = built[at].te;
        cost = built[at].cost;
        built[at].te = NULL;
        if (rc == LPG_OK && !lpg_reply_keep(r, te))
            rc = LPG_ENOMEM;
        if (rc == LPG_OK && proofs)
            rc = s_signer_entries(t, r, &nodes, te, prove, &seen, add, &nadd,
                                  &addcost, kid);
        if (rc != LPG_OK)
            goto cleanup;
        if (a->n_entries > 0 && used + cost + addcost > budget) {
            a->has_more = a->more = 1;
            a->has_next_from = 1;
            a->next_from = seq;
            break;
        }
        used += cost + addcost;
        entries[a->n_entries++] = te;
        for (size_t k = 0; k < nadd; k++)
            signers[a->n_signers++] = add[k];
        if (nadd > 0) /* its signer's entries are in: not again */
            memcpy(seen.ids[seen.n++], kid, LPG_KEYID_LEN);
    }
    if (a->n_entries == 0) {
        a->entries = NULL;
    }
    if (a->n_signers == 0)
        a->signers = NULL;
    r->reply.trace = a;
    snprintf(why, sizeof why, "%zu entr%s%s", a->n_entries,
             a->n_entries == 1 ? "y" : "ies",
             a->more ? " (more: the answer is bounded by "
                       "limit.trace_reply_bytes or the client's "
                       "max_reply_bytes; ask again from next_from)"
                     : "");
    rc = lpg_reply_set(r, LPG__STATUS__STATUS_OK, "OK", why);
cleanup:
    s_nodes_end(&nodes);
    lpg_txn_abort(&txn);
    for (size_t k = 0; built && k < nb; k++)
        free(built[k].te); /* past where the page stopped */
    free(built);
    free(page);
    free(seqs.v);
    free(seen.ids);
    free(note);
    return rc;
}

static int
s_get_range(lpg_trace_t *t, const Lpg__GetRange *q, lpg_reply_t *r)
{
    size_t max = q->has_count && q->count > 0 && q->count < LPG_TRACE_PAGE_MAX
                     ? q->count
                     : LPG_TRACE_PAGE_MAX;
    lpg_txn_t *txn = NULL;
    uint64_t tree = 0;
    int rc = lpg_ledger_read(t->ledger, &txn);
    if (rc == LPG_OK)
        rc = lpg_txn_size(txn, &tree);
    if (rc != LPG_OK)
        goto cleanup;
    uint64_t from = q->from;
    uint64_t want = from >= tree ? 0 : tree - from;
    if (want > max)
        want = max;
    Lpg__RangeAnswer *a = lpg_reply_keep(r, malloc(sizeof *a));
    Lpg__TraceEntry **entries =
        lpg_reply_keep(r, calloc(want ? want : 1, sizeof *entries));
    if (!a || !entries) {
        rc = LPG_ENOMEM;
        goto cleanup;
    }
    lpg__range_answer__init(a);
    a->tree_size = tree;
    a->entries = want ? entries : NULL;
    size_t used = 0, budget = t->max_msg - S_REPLY_SLACK;
    s_nodes_t nodes = {.txn = txn}; /* no proofs: entries only */
    for (uint64_t k = 0; k < want; k++) {
        Lpg__TraceEntry *te = NULL;
        size_t cost = 0;
        rc = s_entry(r, &nodes, from + k, 0, &te, &cost);
        if (rc != LPG_OK)
            goto cleanup;
        if (k > 0 && used + cost > budget)
            break;
        used += cost;
        entries[a->n_entries++] = te;
    }
    if (from + a->n_entries < tree)
        a->has_more = a->more = 1;
    r->reply.range = a;
    char msg[160];
    snprintf(msg, sizeof msg, "%zu entries from %" PRIu64 " of %" PRIu64 "%s",
             a->n_entries, from, tree,
             a->more ? " (more: bounded by limit.message_bytes or count)"
                     : "");
    rc = lpg_reply_set(r, LPG__STATUS__STATUS_OK, "OK", msg);
cleanup:
    lpg_txn_abort(&txn);
    return rc;
}

static int
s_get_consistency(lpg_trace_t *t, const Lpg__GetConsistency *q, lpg_reply_t *r)
{
    uint64_t tree = 0;
    int rc = lpg_ledger_size(t->ledger, &tree);
    if (rc != LPG_OK)
        return rc;
    char msg[160];
    if (q->size1 == 0 || q->size1 > q->size2 || q->size2 > tree) {
        snprintf(msg, sizeof msg,
                 "need 0 < size1 <= size2 <= %" PRIu64 " (the tree size)",
                 tree);
        return lpg_reply_error(r, LPG_ERANGE, msg);
    }
    lpg_hash_t proof[LPG_MERKLE_MAX_PROOF];
    size_t n = 0;
    rc =
        lpg_ledger_consistency_proof(t->ledger, q->size1, q->size2, proof, &n);
    if (rc != LPG_OK)
        return rc;
    Lpg__ConsistencyAnswer *a = lpg_reply_keep(r, malloc(sizeof *a));
    ProtobufCBinaryData *hv =
        lpg_reply_keep(r, malloc((n ? n : 1) * (sizeof *hv + LPG_HASH_LEN)));
    if (!a || !hv)
        return LPG_ENOMEM;
    uint8_t *hashes = (uint8_t *)(hv + n);
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
    snprintf(msg, sizeof msg,
             "consistency proof from %" PRIu64 " to %" PRIu64 " entries",
             q->size1, q->size2);
    return lpg_reply_set(r, LPG__STATUS__STATUS_OK, "OK", msg);
}

static int
s_get_checkpoint(lpg_trace_t *t, lpg_reply_t *r)
{
    uint64_t size = 0, tree = 0;
    char *note = NULL;
    int rc = lpg_ledger_checkpoint_latest(t->ledger, &size, &note);
    if (rc == LPG_ENOTFOUND)
        return lpg_reply_error(r, LPG_ENOTFOUND,
                               "no checkpoint has been signed yet");
    if (rc == LPG_OK)
        rc = lpg_ledger_size(t->ledger, &tree);
    if (rc != LPG_OK) {
        free(note);
        return rc;
    }
    size_t len = strlen(note);
    Lpg__CheckpointAnswer *a = lpg_reply_keep(r, malloc(sizeof *a));
    uint8_t *kept = lpg_reply_keep(r, note);
    if (!a || !kept)
        return LPG_ENOMEM;
    lpg__checkpoint_answer__init(a);
    a->note.data = kept;
    a->note.len = len;
    a->size = size;
    a->tree_size = tree;
    r->reply.checkpoint = a;
    char msg[96];
    snprintf(msg, sizeof msg, "checkpoint of %" PRIu64 " entries", size);
    return lpg_reply_set(r, LPG__STATUS__STATUS_OK, "OK", msg);
}

int
lpg_trace_query(void *ctx, lpg_service_t *svc, const Lpg__Request *req,
                const lpg_sender_t *sender, lpg_reply_t *reply)
{
    lpg_trace_t *t = ctx;
    switch (req->body_case) {
    case LPG__REQUEST__BODY_GET_TRACE:
        return s_get_trace(t, req->get_trace, reply);
    case LPG__REQUEST__BODY_GET_RANGE:
        return s_get_range(t, req->get_range, reply);
    case LPG__REQUEST__BODY_GET_CONSISTENCY:
        return s_get_consistency(t, req->get_consistency, reply);
    case LPG__REQUEST__BODY_GET_CHECKPOINT:
        return s_get_checkpoint(t, reply);
    default:
        return lpg_reply_error(reply, LPG_EUNSUPPORTED,
                               "the trace service does not answer that "
                               "request");
    }
}
