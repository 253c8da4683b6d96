/*  trace.h - lpg-traced: the read side for regulators (DESIGN.md §7
 *  "trace") and, in exactly one instance, the notary (§3).
 *
 *  Every instance answers GetTrace (a cylinder's entries with inclusion
 *  proofs at a signed checkpoint, and the enrolment entries of their
 *  signers), GetRange (entries in order, for feed followers), GetConsistency
 *  and GetCheckpoint. It records nothing: a submitted event is refused.
 *
 *  The notary (notary.enabled = 1) holds the ledger key. On its tick it
 *  publishes every committed entry, in sequence order, on a CURVE PUB
 *  socket at endpoint.feed (frames: seq as 8 bytes big-endian, then the
 *  LedgerEntry bytes), and when the tree grew signs a checkpoint every
 *  notary.interval_ms or every notary.every_entries entries. A device's
 *  revocation closes the feed and opens it again, so every subscriber
 *  passes the ZAP handler anew and the revoked one is refused. Before each
 *  signature it checks that the tree still has the root it signed last
 *  time: a notary never signs over a rewritten or shortened history (it
 *  says so in its log and signs nothing more).
 */
#ifndef LPG_TRACED_H
#define LPG_TRACED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/workers.h"
#include "crypto/crypto.h"
#include "net/service.h"
#include "net/transport.h"

#define LPG_TRACE_TICK_MS 50        /* how often the notary tails the log */
#define LPG_TRACE_FEED_HWM 100000   /* feed messages queued per subscriber */
#define LPG_TRACE_PAGE_MAX 10000    /* entries in one answer, at most */
#define LPG_TRACE_REPLY_AUTO 983040 /* limit.trace_reply_bytes = auto */
#define LPG_TRACE_REPLY_MIN 4096    /* the smallest GetTrace page bound */
#define LPG_TRACE_REPLY_MARGIN 4096 /* below the hard cap: encryption */

typedef struct {
    const lpg_config_t *config;
    lpg_ledger_t *ledger;
    size_t max_msg;   /* limit.message_bytes: GetRange answers */
    size_t max_trace; /* limit.trace_reply_bytes: GetTrace pages */
    uint8_t authority_id[LPG_KEYID_LEN];
    bool notary;
    /* the notary */
    lpg_key_t *key; /* the ledger key */
    char origin[256];
    uint64_t interval_ms;
    uint64_t every_entries;
    bool has_signed; /* signed_size / signed_root are known */
    uint64_t signed_size;
    uint8_t signed_root[32];
    uint64_t signed_at_ms; /* monotonic time of the last signature */
    bool halted;           /* the history changed under us: sign no more */
    uint64_t checkpoints;  /* signed since start */
    /* the feed */
    uint8_t curve_secret[32]; /* the service's, to bind again */
    void *zctx;
    lpg_zap_t *zap;
    void *pub;
    uint64_t next_pub;        /* next seq to publish */
    uint64_t (*now_ms)(void); /* monotonic clock (tests may replace) */
    /* tree nodes read while answering GetTrace (trace.c): one table for
     * the request's own reads and one per job building a page's
     * entries, kept between requests, emptied by a new generation
     * rather than by clearing */
    void *node_caches;
    /* the tree's upper levels, kept for the service's life (trace.c),
     * in at most upper_bytes (trace.node_cache) */
    void *upper;
    uint64_t upper_bytes;
    /* the threads that build a page's entries and proofs with this one */
    lpg_workers_t *pool;
} lpg_trace_t;

/*  Reads the configuration; as notary loads the ledger key (ledger.key,
 *  which must be the key the ledger was set up with), checks the latest
 *  stored checkpoint against the tree, and binds the feed with the
 *  service's CURVE secret. why says what is wrong. */
int lpg_trace_init(lpg_trace_t *t, const lpg_config_t *cfg,
                   lpg_ledger_t *ledger, const uint8_t curve_secret[32],
                   char *why, size_t whysz);

/*  Closes the feed and forgets the key; before the ledger is closed. */
void lpg_trace_fini(lpg_trace_t *t);

/*  Signs a checkpoint of the current tree if it grew since the last one
 *  and (unless force) the interval or the entry count says it is time,
 *  and stores it. LPG_OK also when there was nothing to sign;
 *  LPG_EINCONSISTENT when the history changed under the notary. */
int lpg_trace_notarise(lpg_trace_t *t, bool force);

/*  Publishes the entries committed since the last call (at most a few
 *  thousand per call), in sequence order. */
int lpg_trace_publish(lpg_trace_t *t);

/*  lpg_service_opts_t hooks. */
int lpg_trace_query(void *ctx, lpg_service_t *svc, const Lpg__Request *req,
                    const lpg_sender_t *sender, lpg_reply_t *reply);
int lpg_trace_tick(void *ctx, lpg_service_t *svc);
/*  Refuses every submitted event: the read side records nothing. */
int lpg_trace_rules(void *ctx, lpg_txn_t *txn, uint64_t seq,
                    const lpg_event_t *ev, const lpg_signer_t *signer,
                    const lpg_append_in_t *in, void *pre,
                    Lpg__Outcome *outcome);

#endif
