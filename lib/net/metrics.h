/*  metrics.h - a daemon's Prometheus metrics: counters and histograms
 *  kept in memory, served as text (exposition format 0.0.4) at
 *  GET /metrics on a loopback port, from a thread of its own.
 *
 *  The only module that includes libmicrohttpd. The service loop calls
 *  the lpg_metrics_* hooks (any thread; they take a mutex and are no-ops
 *  on a NULL handle, so a daemon without a metrics port pays nothing);
 *  the ledger's size and map use are read when scraped.
 */
#ifndef LPG_METRICS_H
#define LPG_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "base/config.h"
#include "ledger/ledger.h"

typedef struct lpg_metrics lpg_metrics_t;

/*  Empty metrics of one service (the `service` label of every sample);
 *  ledger (may be NULL) is read at each scrape and must outlive *out.
 *  Serves nothing until lpg_metrics_listen. Caller owns *out. */
int lpg_metrics_new(lpg_metrics_t **out, const char *service,
                    lpg_ledger_t *ledger);

/*  Serves GET /metrics on 127.0.0.1:port (port 0: any free port; see
 *  lpg_metrics_port). LPG_EIO if the port cannot be bound. */
int lpg_metrics_listen(lpg_metrics_t *m, unsigned port);

/*  The port it listens on (0 if it does not). */
unsigned lpg_metrics_port(const lpg_metrics_t *m);

/*  What a daemon calls: reads metrics.<service> from cfg (a port; 0 or
 *  absent: no metrics, *out = NULL) and listens. A value that is not a
 *  port is LPG_ECONFIG. A port that cannot be bound is logged and the
 *  daemon goes on without metrics (*out = NULL, LPG_OK): the fill gate
 *  must not stop for its dashboard. */
int lpg_metrics_start(lpg_metrics_t **out, const lpg_config_t *cfg,
                      const char *service, lpg_ledger_t *ledger);

/*  Stops serving and frees; NULL-safe, sets *p to NULL. */
void lpg_metrics_destroy(lpg_metrics_t **p);

/*  Monotonic clock in nanoseconds, for request latencies. */
uint64_t lpg_metrics_now_ns(void);

/*  One request answered: its kind ("submit", "get_trace", ...), the
 *  status it got ("OK", "DENIED", ...) and the time from its receipt to
 *  its reply. Strings are copied. */
void lpg_metrics_request(lpg_metrics_t *m, const char *kind,
                         const char *status, uint64_t elapsed_ns);

/*  One submitted event answered: the SignedEvent bytes (their event kind
 *  is read from them) and the status of its answer. */
void lpg_metrics_event(lpg_metrics_t *m, const uint8_t *signed_event,
                       size_t len, const char *status);

/*  The same for an event already decoded: its kind is given, and
 *  nothing is decoded again. */
void lpg_metrics_event_kind(lpg_metrics_t *m, Lpg__Event__BodyCase kind,
                            const char *status);

/*  One write transaction committed with this many events. */
void lpg_metrics_batch(lpg_metrics_t *m, size_t events);

/*  Where the time of appending submitted events goes, summed (served as
 *  lpg_append_seconds_total{stage}): preparing a drained unit of
 *  requests (senders and signers read, events decoded, signatures and
 *  codes checked on every core), and committing, up to the answer (the
 *  write transaction: rules, entries, tree, state; then the journal's
 *  record synced, or for a big transaction LMDB's synced commit). Of
 *  those: write, journal, and sync: LMDB's synced commits, which for a
 *  journaled transaction run after the answer. */
typedef enum {
    LPG_METRICS_PREPARE = 0,
    LPG_METRICS_COMMIT,
    LPG_METRICS_WRITE,   /* the transaction begun and filled */
    LPG_METRICS_SYNC,    /* LMDB's synced commits */
    LPG_METRICS_JOURNAL, /* the journal's records written and synced */
    LPG_METRICS_STAGES
} lpg_metrics_stage_t;
void lpg_metrics_stage(lpg_metrics_t *m, lpg_metrics_stage_t stage,
                       uint64_t elapsed_ns);

/*  The exposition text as served. Caller frees *out. LPG_ENOMEM. */
int lpg_metrics_render(lpg_metrics_t *m, char **out, size_t *len);

#endif
