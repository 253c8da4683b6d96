/*  test_arena.c - the arena: what it hands out is aligned, apart and
 *  kept until the reset; a request larger than a block gets one of its
 *  own; after a reset the same round fits in one block, end to end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/error.h"

#define S_N 2000

/*  One round: S_N allocations of sizes 1..97, each filled with its
 *  index; every one is still intact at the end. */
static void
s_round(lpg_arena_t *a, unsigned char **p, size_t *len)
{
    size_t total = 0;
    for (size_t i = 0; i < S_N; i++) {
        len[i] = 1 + (i * 7) % 97;
        p[i] = lpg_arena_alloc(a, len[i]);
        assert_non_null(p[i]);
        assert_int_equal((uintptr_t)p[i] % alignof(max_align_t), 0);
        memset(p[i], (int)(i & 0xff), len[i]);
        total += (len[i] + alignof(max_align_t) - 1) / alignof(max_align_t) *
                 alignof(max_align_t);
    }
    for (size_t i = 0; i < S_N; i++)
        for (size_t k = 0; k < len[i]; k++)
            assert_int_equal(p[i][k], i & 0xff);
    assert_int_equal(lpg_arena_used(a), total);
}

static void
test_apart_aligned_kept(void **state)
{
    (void)state;
    lpg_arena_t *a = NULL;
    assert_int_equal(lpg_arena_new(&a, 1024), LPG_OK);
    assert_int_equal(lpg_arena_used(a), 0);
    unsigned char **p = calloc(S_N, sizeof *p);
    size_t *len = calloc(S_N, sizeof *len);
    assert_non_null(p);
    assert_non_null(len);
    s_round(a, p, len); /* spans many blocks of 1 KiB and up */

    /* After the reset the round fits in one block: each allocation
     * starts where the one before ended. */
    lpg_arena_reset(a);
    assert_int_equal(lpg_arena_used(a), 0);
    s_round(a, p, len);
    for (size_t i = 1; i < S_N; i++) {
        size_t step = (len[i - 1] + alignof(max_align_t) - 1) /
                      alignof(max_align_t) * alignof(max_align_t);
        assert_ptr_equal(p[i], p[i - 1] + step);
    }
    lpg_arena_destroy(&a);
    assert_null(a);
    lpg_arena_destroy(&a); /* NULL-safe */
    free(p);
    free(len);
}

static void
test_large_and_zero(void **state)
{
    (void)state;
    lpg_arena_t *a = NULL;
    assert_int_equal(lpg_arena_new(&a, 64), LPG_OK);
    unsigned char *small = lpg_arena_alloc(a, 10);
    unsigned char *big = lpg_arena_alloc(a, 100000); /* > any block yet */
    assert_non_null(small);
    assert_non_null(big);
    memset(big, 0x5a, 100000);
    memset(small, 0xa5, 10);
    assert_int_equal(big[99999], 0x5a);
    assert_int_equal(small[9], 0xa5);
    /* Zero bytes: still a pointer of its own. */
    void *z1 = lpg_arena_alloc(a, 0), *z2 = lpg_arena_alloc(a, 0);
    assert_non_null(z1);
    assert_non_null(z2);
    assert_ptr_not_equal(z1, z2);
    /* More than any memory can hold: NULL, and the arena goes on. */
    assert_null(lpg_arena_alloc(a, SIZE_MAX - 8));
    assert_non_null(lpg_arena_alloc(a, 32));
    lpg_arena_reset(a);
    assert_int_equal(lpg_arena_used(a), 0);
    lpg_arena_destroy(&a);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_apart_aligned_kept),
        cmocka_unit_test(test_large_and_zero),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
