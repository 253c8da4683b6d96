/*  test_code_cache.c - codes remembered as verified: the cache answers
 *  exactly as lpg_code_verify does (a real code, a Caps Lock one, a
 *  forged one, one under another resolver), from memory only for texts
 *  that verified, never for a forged or altered text, and a text that
 *  takes another's slot is checked afresh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "base/error.h"
#include "codes/code.h"
#include "codes/code_cache.h"
#include "crypto/crypto.h"

#define RESOLVER "id.lpg.example"

static lpg_key_t *s_key;

static int
s_setup(void **state)
{
    uint8_t seed[32];
    memset(seed, 0x11, sizeof seed);
    return lpg_key_from_raw_private(&s_key, seed) == LPG_OK ? 0 : -1;
}

static int
s_teardown(void **state)
{
    lpg_key_destroy(&s_key);
    return 0;
}

static void
s_issue(char *out, const char *serial)
{
    assert_int_equal(lpg_code_issue(s_key, RESOLVER, "6291041", "50021",
                                    serial, 1, out, LPG_CODE_MAX_TEXT + 1),
                     LPG_OK);
}

/*  The cache's answer is lpg_code_verify's, field for field. */
static void
s_same(lpg_code_cache_t *c, const char *text, const char *resolver, int want)
{
    lpg_code_t a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    assert_int_equal(lpg_code_verify(text, strlen(text), resolver, s_key, &a),
                     want);
    assert_int_equal(
        lpg_code_cache_verify(c, text, strlen(text), resolver, &b), want);
    assert_string_equal(a.grai, b.grai);
    assert_string_equal(a.serial, b.serial);
    assert_string_equal(a.resolver, b.resolver);
    assert_int_equal(a.revision, b.revision);
    assert_string_equal(a.why, b.why);
    assert_memory_equal(a.sig, b.sig, sizeof a.sig);
}

static void
test_answers(void **state)
{
    lpg_code_cache_t *c = NULL;
    assert_int_equal(lpg_code_cache_new(&c, NULL, 8), LPG_EINVAL);
    assert_int_equal(lpg_code_cache_new(&c, s_key, 0), LPG_EINVAL);
    /* slots enough that these few codes do not share one */
    assert_int_equal(lpg_code_cache_new(&c, s_key, 4096), LPG_OK);
    char text[LPG_CODE_MAX_TEXT + 1];
    s_issue(text, "AB12CD");

    s_same(c, text, RESOLVER, LPG_OK);
    assert_int_equal(lpg_code_cache_hits(c), 0);
    s_same(c, text, RESOLVER, LPG_OK);
    s_same(c, text, RESOLVER, LPG_OK);
    assert_int_equal(lpg_code_cache_hits(c), 2);

    /* Another resolver is another question: not answered from memory. */
    s_same(c, text, "other.example", LPG_ECODE_HOST);
    s_same(c, text, NULL, LPG_OK);
    assert_int_equal(lpg_code_cache_hits(c), 2);

    /* Caps Lock: remembered with its corrected fields. */
    char swapped[sizeof text];
    snprintf(swapped, sizeof swapped, "%s", text);
    for (char *p = swapped; *p; p++)
        *p = isupper((unsigned char)*p)   ? (char)tolower((unsigned char)*p)
             : islower((unsigned char)*p) ? (char)toupper((unsigned char)*p)
                                          : *p;
    s_same(c, swapped, RESOLVER, LPG_ECODE_CASE);
    s_same(c, swapped, RESOLVER, LPG_ECODE_CASE);
    assert_int_equal(lpg_code_cache_hits(c), 3);

    /* A forged code (one character of the signature changed) is checked
     * in full each time, and its near-twin's place does not help it. */
    char forged[sizeof text];
    snprintf(forged, sizeof forged, "%s", text);
    char *sig = strstr(forged, "8030=") + 5;
    sig[10] = sig[10] == 'A' ? 'B' : 'A';
    s_same(c, forged, RESOLVER, LPG_ECODE_FORGED);
    s_same(c, forged, RESOLVER, LPG_ECODE_FORGED);
    assert_int_equal(lpg_code_cache_hits(c), 3);
    /* The real one is still remembered. */
    s_same(c, text, RESOLVER, LPG_OK);
    assert_int_equal(lpg_code_cache_hits(c), 4);
    lpg_code_cache_destroy(&c);
    assert_null(c);
    lpg_code_cache_destroy(&c);
}

/*  One slot: each new code takes it, and the one before is checked
 *  again (and its answer is still right). */
static void
test_one_slot(void **state)
{
    lpg_code_cache_t *c = NULL;
    assert_int_equal(lpg_code_cache_new(&c, s_key, 1), LPG_OK);
    char a[LPG_CODE_MAX_TEXT + 1], b[LPG_CODE_MAX_TEXT + 1];
    s_issue(a, "A1");
    s_issue(b, "B2");
    s_same(c, a, RESOLVER, LPG_OK);
    s_same(c, b, RESOLVER, LPG_OK);
    s_same(c, a, RESOLVER, LPG_OK);
    assert_int_equal(lpg_code_cache_hits(c), 0);
    s_same(c, a, RESOLVER, LPG_OK);
    assert_int_equal(lpg_code_cache_hits(c), 1);
    lpg_code_cache_destroy(&c);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_answers),
        cmocka_unit_test(test_one_slot),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
