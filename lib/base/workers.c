/*  workers.c - see workers.h. A run is a generation: the caller publishes
 *  (n, block, fn, ctx) and bumps the generation; each thread, woken,
 *  claims blocks until none is left; the caller claims blocks too, then
 *  waits until every claimed block is reported done. A nudge wakes the
 *  sleeping threads to spin for a while on the generation, so that the
 *  run the caller is about to start finds them awake.
 */
#include "base/workers.h"
#include "base/error.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define S_MAX_THREADS 63
/*  How long a nudged thread waits, awake, for the run: more than a
 *  service takes from decoding a request to its signature checks (tens
 *  of microseconds), and short, since it burns a core meanwhile. */
#define S_SPIN_NS 100000

struct lpg_workers {
    pthread_mutex_t lock;
    pthread_cond_t work, done;
    size_t n, block, next, completed;
    lpg_job_fn fn;
    void *ctx;
    uint64_t generation; /* read unlocked while spinning: atomics */
    uint64_t nudges;
    size_t sleeping; /* threads in pthread_cond_wait */
    bool quit;
    size_t nthreads;
    pthread_t tid[S_MAX_THREADS];
};

unsigned
lpg_workers_cores(void)
{
    long c = sysconf(_SC_NPROCESSORS_ONLN);
    return c < 1 ? 1 : c > 1024 ? 1024 : (unsigned)c;
}

/*  Claims and runs blocks of the current run until none is left. */
static void
s_claim(lpg_workers_t *w)
{
    for (;;) {
        pthread_mutex_lock(&w->lock);
        size_t start = w->next, n = w->n, block = w->block;
        if (start >= n) {
            pthread_mutex_unlock(&w->lock);
            return;
        }
        w->next += block;
        lpg_job_fn fn = w->fn;
        void *ctx = w->ctx;
        pthread_mutex_unlock(&w->lock);
        size_t end = start + block < n ? start + block : n;
        for (size_t i = start; i < end; i++)
            fn(ctx, i);
        pthread_mutex_lock(&w->lock);
        w->completed += end - start;
        if (w->completed >= w->n)
            pthread_cond_broadcast(&w->done);
        pthread_mutex_unlock(&w->lock);
    }
}

static uint64_t
s_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*  A nudged thread: waits awake for a new generation, up to S_SPIN_NS. */
static void
s_spin(lpg_workers_t *w, uint64_t seen)
{
    uint64_t t0 = s_now_ns();
    while (__atomic_load_n(&w->generation, __ATOMIC_ACQUIRE) == seen &&
           !__atomic_load_n(&w->quit, __ATOMIC_ACQUIRE) &&
           s_now_ns() - t0 < S_SPIN_NS) {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
    }
}

static void *
s_main(void *arg)
{
    lpg_workers_t *w = arg;
    uint64_t seen = 0, seen_nudges = 0;
    for (;;) {
        pthread_mutex_lock(&w->lock);
        while (!w->quit && w->generation == seen && w->nudges == seen_nudges) {
            w->sleeping++;
            pthread_cond_wait(&w->work, &w->lock);
            w->sleeping--;
        }
        bool quit = w->quit;
        bool run = w->generation != seen;
        seen = w->generation;
        seen_nudges = w->nudges;
        pthread_mutex_unlock(&w->lock);
        if (quit)
            return NULL;
        if (run)
            s_claim(w);
        else
            s_spin(w, seen); /* nudged: the run is on its way */
    }
}

void
lpg_workers_nudge(lpg_workers_t *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->lock);
    if (w->sleeping > 0) {
        w->nudges++;
        pthread_cond_broadcast(&w->work);
    }
    pthread_mutex_unlock(&w->lock);
}

int
lpg_workers_new(lpg_workers_t **out, unsigned threads)
{
    *out = NULL;
    if (threads == 0)
        threads = lpg_workers_cores() - 1;
    if (threads > S_MAX_THREADS)
        threads = S_MAX_THREADS;
    if (threads == 0)
        return LPG_OK;
    lpg_workers_t *w = calloc(1, sizeof *w);
    if (!w)
        return LPG_ENOMEM;
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->work, NULL);
    pthread_cond_init(&w->done, NULL);
    for (unsigned i = 0; i < threads; i++)
        if (pthread_create(&w->tid[w->nthreads], NULL, s_main, w) == 0)
            w->nthreads++;
    if (w->nthreads == 0)
        lpg_workers_destroy(&w);
    *out = w;
    return LPG_OK;
}

void
lpg_workers_destroy(lpg_workers_t **p)
{
    if (!p || !*p)
        return;
    lpg_workers_t *w = *p;
    pthread_mutex_lock(&w->lock);
    __atomic_store_n(&w->quit, true, __ATOMIC_RELEASE);
    pthread_cond_broadcast(&w->work);
    pthread_mutex_unlock(&w->lock);
    for (size_t i = 0; i < w->nthreads; i++)
        pthread_join(w->tid[i], NULL);
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->work);
    pthread_cond_destroy(&w->done);
    free(w);
    *p = NULL;
}

void
lpg_workers_start(lpg_workers_t *w, size_t n, size_t block, lpg_job_fn fn,
                  void *ctx)
{
    if (block == 0)
        block = 1;
    if (!w) {
        for (size_t i = 0; i < n; i++)
            fn(ctx, i);
        return;
    }
    pthread_mutex_lock(&w->lock);
    w->n = n;
    w->block = block;
    w->next = 0;
    w->completed = 0;
    w->fn = fn;
    w->ctx = ctx;
    __atomic_store_n(&w->generation, w->generation + 1, __ATOMIC_RELEASE);
    pthread_cond_broadcast(&w->work);
    pthread_mutex_unlock(&w->lock);
}

void
lpg_workers_wait(lpg_workers_t *w)
{
    if (!w)
        return;
    s_claim(w);
    pthread_mutex_lock(&w->lock);
    while (w->completed < w->n)
        pthread_cond_wait(&w->done, &w->lock);
    w->n = 0; /* late wakers find nothing to claim */
    pthread_mutex_unlock(&w->lock);
}

void
lpg_workers_run(lpg_workers_t *w, size_t n, size_t block, lpg_job_fn fn,
                void *ctx)
{
    if (block == 0)
        block = 1;
    if (!w || n <= block) {
        for (size_t i = 0; i < n; i++)
            fn(ctx, i);
        return;
    }
    lpg_workers_start(w, n, block, fn, ctx);
    lpg_workers_wait(w);
}

void
lpg_workers_run_once(unsigned cores, size_t n, size_t block, lpg_job_fn fn,
                     void *ctx)
{
    if (block == 0)
        block = 1;
    size_t blocks = (n + block - 1) / block;
    if (cores == 0)
        cores = lpg_workers_cores();
    unsigned threads = cores - 1; /* the caller is one of them */
    if (threads > blocks - (blocks > 0))
        threads = blocks > 0 ? (unsigned)(blocks - 1) : 0;
    lpg_workers_t *w = NULL;
    if (threads > 0)
        lpg_workers_new(&w, threads);
    lpg_workers_run(w, n, block, fn, ctx);
    lpg_workers_destroy(&w);
}
