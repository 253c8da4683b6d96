/*  workers.h - run a job over n indexes on every core.
 *
 *  One pool for the three places that check signatures in bulk: the
 *  ledger's append pipeline (kept for the ledger's life, so a batch pays
 *  a wake-up, not a thread start), verify and trace (one pass each).
 *  The calling thread works too; the pool's threads claim blocks of
 *  indexes in turn. Jobs must not touch each other's data.
 */
#ifndef LPG_WORKERS_H
#define LPG_WORKERS_H

#include <stddef.h>

typedef struct lpg_workers lpg_workers_t;

/*  One job: fn(ctx, i) for an index i < n. */
typedef void (*lpg_job_fn)(void *ctx, size_t i);

/*  A pool of threads helping the caller: threads 0 means one per core
 *  but the caller's (capped at 63). *out is NULL (and the caller does
 *  all the work) on a machine with one core or when no thread starts.
 *  Caller owns *out. */
int lpg_workers_new(lpg_workers_t **out, unsigned threads);

/*  Stops and joins the threads; NULL-safe; sets *p to NULL. */
void lpg_workers_destroy(lpg_workers_t **p);

/*  Runs fn(ctx, i) for every i < n, in blocks of `block` indexes (0: 1),
 *  on the pool and the calling thread; returns when every job is done.
 *  w may be NULL: the caller runs them all. One run at a time per pool. */
void lpg_workers_run(lpg_workers_t *w, size_t n, size_t block, lpg_job_fn fn,
                     void *ctx);

/*  The same in two halves, for a caller with other work meanwhile:
 *  start hands the run to the pool's threads and returns at once; wait
 *  has the caller claim what is left, then returns when every job is
 *  done. fn's data must stay valid until wait returns; one run at a time
 *  per pool. w NULL: start runs every job before it returns. */
void lpg_workers_start(lpg_workers_t *w, size_t n, size_t block, lpg_job_fn fn,
                       void *ctx);
void lpg_workers_wait(lpg_workers_t *w);

/*  Wakes the pool's sleeping threads to wait awake, for a short while,
 *  for a run: for a caller that will start one after a little work of
 *  its own (a service that has just received a request), so the run
 *  does not wait for a thread to wake. NULL-safe; costs nothing when no
 *  thread sleeps. */
void lpg_workers_nudge(lpg_workers_t *w);

/*  A pool for one run on `cores` threads, the caller's among them (0:
 *  every core); no more threads than there are blocks. */
void lpg_workers_run_once(unsigned cores, size_t n, size_t block,
                          lpg_job_fn fn, void *ctx);

/*  Cores online (at least 1). */
unsigned lpg_workers_cores(void);

#endif
