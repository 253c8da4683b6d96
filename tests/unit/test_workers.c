/*  test_workers.c - the worker pool: every index runs exactly once, on
 *  more than one thread when there are cores, for any block size, run
 *  after run on one pool, and with no pool at all.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/error.h"
#include "base/workers.h"

typedef struct {
    atomic_uint *hits;
    pthread_t threads[64];
    atomic_uint nthreads;
    pthread_mutex_t lock;
} s_ctx_t;

static void
s_job(void *arg, size_t i)
{
    s_ctx_t *c = arg;
    atomic_fetch_add(&c->hits[i], 1);
    pthread_t me = pthread_self();
    pthread_mutex_lock(&c->lock);
    unsigned n = atomic_load(&c->nthreads);
    bool seen = false;
    for (unsigned k = 0; k < n; k++)
        if (pthread_equal(c->threads[k], me))
            seen = true;
    if (!seen && n < 64) {
        c->threads[n] = me;
        atomic_store(&c->nthreads, n + 1);
    }
    pthread_mutex_unlock(&c->lock);
    /* some work, so that other threads get a share */
    volatile unsigned x = 0;
    for (unsigned k = 0; k < 20000; k++)
        x += k;
}

static void
s_check_once(s_ctx_t *c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (atomic_load(&c->hits[i]) != 1)
            fail_msg("index %zu ran %u times", i, atomic_load(&c->hits[i]));
}

static void
s_reset(s_ctx_t *c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        atomic_store(&c->hits[i], 0);
    atomic_store(&c->nthreads, 0);
}

static void
s_ctx_init(s_ctx_t *c, size_t n)
{
    memset(c, 0, sizeof *c);
    pthread_mutex_init(&c->lock, NULL);
    c->hits = calloc(n, sizeof *c->hits);
    assert_non_null(c->hits);
}

static void
s_ctx_fini(s_ctx_t *c)
{
    free(c->hits);
    pthread_mutex_destroy(&c->lock);
}

static void
test_every_index_once(void **state)
{
    size_t n = 5000;
    s_ctx_t c;
    s_ctx_init(&c, n);
    lpg_workers_t *w = NULL;
    assert_int_equal(lpg_workers_new(&w, 3), LPG_OK);
    assert_non_null(w);
    const size_t blocks[] = {0, 1, 7, 16, 4999, 5000, 10000};
    for (int round = 0; round < 3; round++) {
        for (size_t b = 0; b < sizeof blocks / sizeof *blocks; b++) {
            s_reset(&c, n);
            lpg_workers_run(w, n, blocks[b], s_job, &c);
            s_check_once(&c, n);
        }
    }
    /* Small blocks are shared: more than one thread took part. */
    s_reset(&c, n);
    lpg_workers_run(w, n, 1, s_job, &c);
    assert_true(atomic_load(&c.nthreads) > 1);
    /* Zero jobs, one job. */
    s_reset(&c, n);
    lpg_workers_run(w, 0, 1, s_job, &c);
    lpg_workers_run(w, 1, 1, s_job, &c);
    assert_int_equal(atomic_load(&c.hits[0]), 1);
    lpg_workers_destroy(&w);
    assert_null(w);
    lpg_workers_destroy(&w);
    /* No pool: the caller runs everything. */
    s_reset(&c, n);
    lpg_workers_run(NULL, n, 16, s_job, &c);
    s_check_once(&c, n);
    assert_int_equal(atomic_load(&c.nthreads), 1);
    /* One-shot runs, on one core and on all. */
    s_reset(&c, n);
    lpg_workers_run_once(1, n, 16, s_job, &c);
    s_check_once(&c, n);
    assert_int_equal(atomic_load(&c.nthreads), 1);
    s_reset(&c, n);
    lpg_workers_run_once(4, n, 16, s_job, &c);
    s_check_once(&c, n);
    assert_true(atomic_load(&c.nthreads) > 1);
    s_ctx_fini(&c);
}

/*  start hands a run to the pool and returns; the pool's threads work
 *  while the caller does something else (nothing of the run is done
 *  here before wait); wait has the caller finish it. */
static void
test_start_then_wait(void **state)
{
    size_t n = 2000;
    s_ctx_t c;
    s_ctx_init(&c, n);
    lpg_workers_t *w = NULL;
    assert_int_equal(lpg_workers_new(&w, 1), LPG_OK);
    assert_non_null(w);
    for (int round = 0; round < 3; round++) {
        s_reset(&c, n);
        lpg_workers_start(w, n, 8, s_job, &c);
        /* The pool's one thread gets on with it meanwhile. */
        unsigned done = 0;
        for (int spin = 0; spin < 2000 && done == 0; spin++) {
            for (size_t i = 0; i < n; i++)
                done += atomic_load(&c.hits[i]);
            if (done == 0)
                usleep(1000);
        }
        assert_true(done > 0);
        assert_int_equal(atomic_load(&c.nthreads), 1);
        assert_false(pthread_equal(c.threads[0], pthread_self()));
        lpg_workers_wait(w);
        s_check_once(&c, n);
    }
    lpg_workers_destroy(&w);
    /* No pool: start runs it all, wait has nothing to do. */
    s_reset(&c, n);
    lpg_workers_start(NULL, n, 8, s_job, &c);
    s_check_once(&c, n);
    lpg_workers_wait(NULL);
    s_ctx_fini(&c);
}

/*  A nudge wakes the sleeping threads to wait for a run; it runs
 *  nothing itself. Runs after nudges (right after, and after the threads
 *  gave up waiting) still run every index once on more than one thread;
 *  a pool nudged and destroyed at once ends; NULL is fine. */
static void
test_nudge(void **state)
{
    size_t n = 2000;
    s_ctx_t c;
    s_ctx_init(&c, n);
    lpg_workers_t *w = NULL;
    assert_int_equal(lpg_workers_new(&w, 2), LPG_OK);
    assert_non_null(w);
    for (int round = 0; round < 50; round++) {
        s_reset(&c, n);
        lpg_workers_nudge(w);
        lpg_workers_nudge(w);
        if (round % 10 == 9)
            usleep(1000); /* the spin is over: asleep again */
        lpg_workers_run(w, n, 1, s_job, &c);
        s_check_once(&c, n);
        assert_true(atomic_load(&c.nthreads) > 1);
    }
    /* A nudge alone runs nothing. */
    s_reset(&c, n);
    lpg_workers_nudge(w);
    usleep(1000);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(atomic_load(&c.hits[i]), 0);
    /* Destroyed while its threads spin. */
    lpg_workers_nudge(w);
    lpg_workers_destroy(&w);
    assert_null(w);
    lpg_workers_nudge(NULL);
    s_ctx_fini(&c);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_index_once),
        cmocka_unit_test(test_start_then_wait),
        cmocka_unit_test(test_nudge),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
