/*  test_replay.c - the nonce cache of signed HTTP requests (net/replay.h):
 *  a nonce passes once, per key id; the five-minute window either way,
 *  to the millisecond; a bounded cache refuses rather than forgets a
 *  live nonce, and takes new ones once the old expire; many threads
 *  racing with one nonce: exactly one passes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "base/error.h"
#include "net/replay.h"

#define NOW_MS 1773540000000ull
#define WINDOW_MS 300000ull

static const uint8_t s_kid_a[32] = {1};
static const uint8_t s_kid_b[32] = {2};

static int
s_check(lpg_replay_t *r, const uint8_t *kid, const char *nonce,
        uint64_t created, uint64_t now)
{
    return lpg_replay_check(r, kid, 32, nonce, strlen(nonce), created, now);
}

static void
test_once(void **state)
{
    (void)state;
    lpg_replay_t *r = NULL;
    assert_int_equal(lpg_replay_new(&r, 1024, WINDOW_MS), LPG_OK);
    assert_int_equal(s_check(r, s_kid_a, "n-1", NOW_MS, NOW_MS), LPG_OK);
    assert_int_equal(s_check(r, s_kid_a, "n-1", NOW_MS, NOW_MS), LPG_EEXIST);
    /* a retry signed again later with the same nonce: still a replay */
    assert_int_equal(s_check(r, s_kid_a, "n-1", NOW_MS + 1000, NOW_MS + 2000),
                     LPG_EEXIST);
    /* the same nonce from another device is its own */
    assert_int_equal(s_check(r, s_kid_b, "n-1", NOW_MS, NOW_MS), LPG_OK);
    assert_int_equal(s_check(r, s_kid_a, "n-2", NOW_MS, NOW_MS), LPG_OK);
    assert_int_equal(s_check(r, s_kid_a, "", NOW_MS, NOW_MS), LPG_EINVAL);
    lpg_replay_destroy(&r);
    assert_null(r);
    lpg_replay_destroy(&r); /* safe twice */
}

static void
test_window(void **state)
{
    (void)state;
    lpg_replay_t *r = NULL;
    assert_int_equal(lpg_replay_new(&r, 1024, WINDOW_MS), LPG_OK);
    assert_int_equal(s_check(r, s_kid_a, "old", NOW_MS - WINDOW_MS, NOW_MS),
                     LPG_OK);
    assert_int_equal(
        s_check(r, s_kid_a, "older", NOW_MS - WINDOW_MS - 1, NOW_MS),
        LPG_ECLOCK_BEHIND);
    assert_int_equal(s_check(r, s_kid_a, "new", NOW_MS + WINDOW_MS, NOW_MS),
                     LPG_OK);
    assert_int_equal(
        s_check(r, s_kid_a, "newer", NOW_MS + WINDOW_MS + 1, NOW_MS),
        LPG_ECLOCK_AHEAD);
    /* a nonce is kept as long as its request could pass: replayed at the
     * last millisecond of its window, still refused */
    assert_int_equal(s_check(r, s_kid_a, "edge", NOW_MS, NOW_MS), LPG_OK);
    assert_int_equal(s_check(r, s_kid_a, "edge", NOW_MS, NOW_MS + WINDOW_MS),
                     LPG_EEXIST);
    /* past it the request itself is out of its window */
    assert_int_equal(
        s_check(r, s_kid_a, "edge", NOW_MS, NOW_MS + WINDOW_MS + 1),
        LPG_ECLOCK_BEHIND);
    lpg_replay_destroy(&r);
    assert_int_equal(lpg_replay_new(&r, 0, WINDOW_MS), LPG_EINVAL);
    assert_int_equal(lpg_replay_new(&r, 8, 0), LPG_EINVAL);
}

static void
test_bounded(void **state)
{
    (void)state;
    lpg_replay_t *r = NULL;
    /* one bucket of eight */
    assert_int_equal(lpg_replay_new(&r, 8, WINDOW_MS), LPG_OK);
    char nonce[32];
    for (int i = 0; i < 8; i++) {
        snprintf(nonce, sizeof nonce, "n%d", i);
        assert_int_equal(s_check(r, s_kid_a, nonce, NOW_MS, NOW_MS), LPG_OK);
    }
    assert_int_equal(s_check(r, s_kid_a, "n8", NOW_MS, NOW_MS), LPG_ETOOBIG);
    /* none of the eight was forgotten */
    for (int i = 0; i < 8; i++) {
        snprintf(nonce, sizeof nonce, "n%d", i);
        assert_int_equal(s_check(r, s_kid_a, nonce, NOW_MS, NOW_MS + 1),
                         LPG_EEXIST);
    }
    /* once they expire their slots take new nonces */
    uint64_t later = NOW_MS + WINDOW_MS + 1;
    for (int i = 0; i < 8; i++) {
        snprintf(nonce, sizeof nonce, "m%d", i);
        assert_int_equal(s_check(r, s_kid_a, nonce, later, later), LPG_OK);
    }
    assert_int_equal(s_check(r, s_kid_a, "m8", later, later), LPG_ETOOBIG);
    lpg_replay_destroy(&r);
}

typedef struct {
    lpg_replay_t *r;
    int passed;
} s_race_t;

static void *
s_racer(void *arg)
{
    s_race_t *x = arg;
    x->passed = s_check(x->r, s_kid_a, "same", NOW_MS, NOW_MS) == LPG_OK;
    return NULL;
}

static void
test_race(void **state)
{
    (void)state;
    for (int round = 0; round < 50; round++) {
        lpg_replay_t *r = NULL;
        assert_int_equal(lpg_replay_new(&r, 1024, WINDOW_MS), LPG_OK);
        pthread_t t[4];
        s_race_t x[4];
        for (int i = 0; i < 4; i++) {
            x[i].r = r;
            x[i].passed = 0;
            assert_int_equal(pthread_create(&t[i], NULL, s_racer, &x[i]), 0);
        }
        int passed = 0;
        for (int i = 0; i < 4; i++) {
            pthread_join(t[i], NULL);
            passed += x[i].passed;
        }
        assert_int_equal(passed, 1);
        lpg_replay_destroy(&r);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_once),
        cmocka_unit_test(test_window),
        cmocka_unit_test(test_bounded),
        cmocka_unit_test(test_race),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
