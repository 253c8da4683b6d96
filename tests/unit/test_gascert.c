/*  test_gascert.c - the gas-use certificate: issue -> parse -> verify ->
 *  format round trips (escaped ids too), what issue refuses, and every way
 *  a text can be wrong, each with its error: altered fields, a flipped
 *  signature character, another signer, another host, truncated at every
 *  length, oversized, non-ASCII, non-canonical escapes, bad dates.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "error.h"
#include "gascert.h"

#define RESOLVER "id.lpg.example"
#define TEXT_MAX (LPG_GASCERT_MAX_TEXT + 1)

static lpg_key_t *s_key;   /* the company admin */
static lpg_key_t *s_other; /* some other key */
static lpg_key_t *s_pub;   /* the admin's public half alone */

static int
s_setup(void **state)
{
    uint8_t seed[32];
    memset(seed, 0x33, sizeof seed);
    if (lpg_key_from_raw_private(&s_key, seed) != LPG_OK)
        return -1;
    memset(seed, 0x44, sizeof seed);
    if (lpg_key_from_raw_private(&s_other, seed) != LPG_OK)
        return -1;
    uint8_t pub[32];
    lpg_key_raw_public(s_key, pub);
    return lpg_key_from_raw_public(&s_pub, pub) == LPG_OK ? 0 : -1;
}

static int
s_teardown(void **state)
{
    lpg_key_destroy(&s_key);
    lpg_key_destroy(&s_other);
    lpg_key_destroy(&s_pub);
    return 0;
}

static void
s_issue(char *out, const lpg_key_t *key, const char *user)
{
    assert_int_equal(lpg_gascert_issue(out, TEXT_MAX, key, RESOLVER, "NT",
                                       user, "GC-U1", 20271231),
                     LPG_OK);
}

static int
s_verify(const char *text, lpg_gascert_t *c)
{
    return lpg_gascert_verify(c, text, strlen(text), RESOLVER, s_pub);
}

/*  Replaces the first occurrence of from in text by to. */
static void
s_replace(char *text, const char *from, const char *to)
{
    char *p = strstr(text, from);
    assert_non_null(p);
    char rest[TEXT_MAX];
    snprintf(rest, sizeof rest, "%s", p + strlen(from));
    snprintf(p, TEXT_MAX - (size_t)(p - text), "%s%s", to, rest);
}

static void
test_round_trip(void **state)
{
    char text[TEXT_MAX];
    s_issue(text, s_key, "U1");
    static const char head[] = "https://" RESOLVER
                               "/gc/NT/U1?n=GC-U1&u=20271231&k=";
    assert_int_equal(strncmp(text, head, sizeof head - 1), 0);
    assert_int_equal(strlen(text), sizeof head - 1 + 43 + 3 + 86);
    lpg_gascert_t c;
    assert_int_equal(lpg_gascert_parse(&c, text, strlen(text), RESOLVER),
                     LPG_OK);
    assert_int_equal(s_verify(text, &c), LPG_OK);
    assert_string_equal(c.resolver, RESOLVER);
    assert_string_equal(c.company, "NT");
    assert_string_equal(c.user, "U1");
    assert_string_equal(c.cert_no, "GC-U1");
    assert_int_equal(c.until_ymd, 20271231);
    assert_string_equal(c.why, "");
    uint8_t id[LPG_KEYID_LEN];
    lpg_key_id(s_key, id);
    assert_memory_equal(c.key_id, id, sizeof id);
    char back[TEXT_MAX];
    assert_int_equal(lpg_gascert_format(back, sizeof back, &c), LPG_OK);
    assert_string_equal(back, text);
    /* Another signer's certificate verifies under its own key only. */
    s_issue(text, s_other, "U1");
    assert_int_equal(lpg_gascert_verify(&c, text, strlen(text), RESOLVER,
                                        s_other),
                     LPG_OK);
    /* Any host, when no resolver is asked for. */
    s_replace(text, RESOLVER, "qr.example.org");
    assert_int_equal(lpg_gascert_parse(&c, text, strlen(text), NULL),
                     LPG_OK);
    assert_string_equal(c.resolver, "qr.example.org");
}

static void
test_escaped_ids(void **state)
{
    char text[TEXT_MAX];
    const char *user = "\xe7\x94\xa8\xe6\x88\xb7 1/&?%"; /* 用户 1/&?% */
    assert_int_equal(lpg_gascert_issue(text, sizeof text, s_key, RESOLVER,
                                       "N.T_~-", user, "No 7", 20280229),
                     LPG_OK);
    assert_non_null(strstr(text, "/gc/N.T_~-/%E7%94%A8%E6%88%B7%201%2F%26"
                                 "%3F%25?n=No%207&u=20280229&"));
    lpg_gascert_t c;
    assert_int_equal(s_verify(text, &c), LPG_OK);
    assert_string_equal(c.user, user);
    assert_string_equal(c.company, "N.T_~-");
    assert_string_equal(c.cert_no, "No 7");
    /* Ids of 64 bytes, every byte escaped: still fits. */
    char big[LPG_GASCERT_FIELD_MAX + 1];
    memset(big, '#', LPG_GASCERT_FIELD_MAX);
    big[LPG_GASCERT_FIELD_MAX] = '\0';
    assert_int_equal(lpg_gascert_issue(text, sizeof text, s_key, RESOLVER,
                                       big, big, big, 99991231),
                     LPG_OK);
    assert_int_equal(s_verify(text, &c), LPG_OK);
    assert_string_equal(c.user, big);
}

static void
test_issue_errors(void **state)
{
    char text[TEXT_MAX];
    char long_id[LPG_GASCERT_FIELD_MAX + 2];
    memset(long_id, 'A', sizeof long_id - 1);
    long_id[sizeof long_id - 1] = '\0';
    const struct {
        const char *resolver, *company, *user, *no;
        uint32_t until;
    } bad[] = {
        {RESOLVER, "", "U1", "GC", 20271231},
        {RESOLVER, "NT", "", "GC", 20271231},
        {RESOLVER, "NT", "U1", "", 20271231},
        {RESOLVER, "NT", long_id, "GC", 20271231},
        {RESOLVER, "NT", "U\t1", "GC", 20271231},
        {RESOLVER, "NT", ".", "GC", 20271231},
        {RESOLVER, "..", "U1", "GC", 20271231},
        {RESOLVER, "NT", "U1", "GC", 20270229},
        {RESOLVER, "NT", "U1", "GC", 20271301},
        {RESOLVER, "NT", "U1", "GC", 20271200},
        {RESOLVER, "NT", "U1", "GC", 0},
        {"ID.lpg.example", "NT", "U1", "GC", 20271231},
        {"", "NT", "U1", "GC", 20271231},
        {"id.lpg.example:443", "NT", "U1", "GC", 20271231},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(lpg_gascert_issue(text, sizeof text, s_key,
                                           bad[i].resolver, bad[i].company,
                                           bad[i].user, bad[i].no,
                                           bad[i].until),
                         LPG_EINVAL);
    assert_int_equal(lpg_gascert_issue(text, 100, s_key, RESOLVER, "NT",
                                       "U1", "GC", 20271231),
                     LPG_ERANGE);
    assert_int_equal(lpg_gascert_issue(text, sizeof text, s_pub, RESOLVER,
                                       "NT", "U1", "GC", 20271231),
                     LPG_EPERM);
    assert_true(lpg_gascert_date_ok(20240229));
    assert_false(lpg_gascert_date_ok(21000229));
    assert_true(lpg_gascert_date_ok(20000229));
    assert_false(lpg_gascert_date_ok(18991231));
}

/*  Each signed field altered, each by the same means a forger has:
 *  editing the text. */
static void
test_altered(void **state)
{
    static const char *const edits[][2] = {
        {"/gc/NT/", "/gc/NX/"},
        {"/U1?", "/U2?"},
        {"n=GC-U1", "n=GC-U9"},
        {"u=20271231", "u=20291231"},
    };
    for (size_t i = 0; i < sizeof edits / sizeof *edits; i++) {
        char text[TEXT_MAX];
        s_issue(text, s_key, "U1");
        s_replace(text, edits[i][0], edits[i][1]);
        lpg_gascert_t c;
        assert_int_equal(lpg_gascert_parse(&c, text, strlen(text), RESOLVER),
                         LPG_OK);
        assert_int_equal(s_verify(text, &c), LPG_ECERT_FORGED);
        assert_non_null(strstr(c.why, "forged"));
        assert_int_equal(c.at, strlen(text) - 86);
    }
}

static void
test_flipped_signature(void **state)
{
    char text[TEXT_MAX];
    s_issue(text, s_key, "U1");
    size_t n = strlen(text);
    /* Every one of the first 85 characters, swapped for another letter
     * (the 86th carries stray bits, see test_malformed). */
    for (size_t i = n - 86; i < n - 1; i++) {
        char keep = text[i];
        text[i] = keep == 'A' ? 'B' : 'A';
        lpg_gascert_t c;
        assert_int_equal(s_verify(text, &c), LPG_ECERT_FORGED);
        text[i] = keep;
    }
    lpg_gascert_t c;
    assert_int_equal(s_verify(text, &c), LPG_OK);
}

static void
test_other_signer(void **state)
{
    char text[TEXT_MAX];
    lpg_gascert_t c;
    /* Signed by another key, which it names: not the admin's key. */
    s_issue(text, s_other, "U1");
    assert_int_equal(s_verify(text, &c), LPG_ECERT_FORGED);
    assert_non_null(strstr(c.why, "another signing key"));
    assert_string_equal(c.user, "U1");
    /* Signed by another key, naming the admin's key. */
    char real[TEXT_MAX];
    s_issue(real, s_key, "U1");
    size_t n = strlen(text);
    memcpy(text + n - 86 - 3 - 43, real + n - 86 - 3 - 43, 43);
    assert_int_equal(s_verify(text, &c), LPG_ECERT_FORGED);
    assert_non_null(strstr(c.why, "forged"));
}

static void
test_wrong_host(void **state)
{
    char text[TEXT_MAX];
    s_issue(text, s_key, "U1");
    s_replace(text, RESOLVER, "id.lpg.example.evil");
    lpg_gascert_t c;
    assert_int_equal(s_verify(text, &c), LPG_ECERT_HOST);
    assert_int_equal(c.at, 8);
    assert_string_equal(c.user, ""); /* no half-parsed fields */
    s_replace(text, "id.lpg.example.evil", "ID.LPG.EXAMPLE");
    assert_int_equal(lpg_gascert_parse(&c, text, strlen(text), NULL),
                     LPG_ECERT_HOST);
}

static void
test_truncated_every_length(void **state)
{
    char text[TEXT_MAX];
    s_issue(text, s_key, "U1");
    size_t n = strlen(text);
    for (size_t len = 0; len < n; len++) {
        lpg_gascert_t c;
        int rc = lpg_gascert_parse(&c, text, len, NULL);
        assert_int_equal(rc, LPG_ECERT_MALFORMED);
        assert_true(strlen(c.why) > 0);
        assert_true(c.at <= len);
    }
}

static void
test_oversized(void **state)
{
    char *big = malloc(LPG_GASCERT_MAX_TEXT + 2);
    assert_non_null(big);
    s_issue(big, s_key, "U1");
    size_t n = strlen(big);
    memset(big + n, 'A', LPG_GASCERT_MAX_TEXT + 1 - n);
    lpg_gascert_t c;
    assert_int_equal(lpg_gascert_parse(&c, big, LPG_GASCERT_MAX_TEXT + 1,
                                       RESOLVER),
                     LPG_ECERT_TOOLONG);
    assert_int_equal(c.at, LPG_GASCERT_MAX_TEXT);
    /* One byte less is only malformed (a signature too long). */
    assert_int_equal(lpg_gascert_parse(&c, big, LPG_GASCERT_MAX_TEXT,
                                       RESOLVER),
                     LPG_ECERT_MALFORMED);
    free(big);
}

static void
test_malformed(void **state)
{
    static const char *const edits[][2] = {
        {"https://", "http://"},         /* another scheme */
        {"/gc/", "/gx/"},                /* another path */
        {"/gc/NT/", "/gc/N%54/"},        /* 'T' escaped needlessly */
        {"/gc/NT/", "/gc/N%e4/"},        /* lower-case hex */
        {"/gc/NT/", "/gc/N%4/"},         /* half an escape */
        {"/gc/NT/", "/gc/N%09/"},        /* a control byte escaped */
        {"/gc/NT/", "/gc/N+T/"},         /* '+' must be escaped */
        {"/gc/NT/", "/gc//"},            /* empty company */
        {"/gc/NT/", "/gc/%2E/"},         /* "." is no id */
        {"/U1?", "/U1/X?"},              /* an extra path segment */
        {"?n=", "?m="},                  /* another parameter */
        {"&u=20271231", "&u=2027123"},   /* 7 digits */
        {"&u=20271231", "&u=202712310"}, /* 9 digits */
        {"&u=20271231", "&u=20271232"},  /* no such day */
        {"&u=20271231", "&u=2027-12-31"},
        {"&k=", "&k=A"},                 /* key id of 44 characters */
        {"&s=", "&s=AA"},                /* signature of 88 characters */
        {"U1", "U\xc3\xa9"},             /* raw UTF-8 */
        {"U1", "U 1"},                   /* a space */
    };
    for (size_t i = 0; i < sizeof edits / sizeof *edits; i++) {
        char text[TEXT_MAX];
        s_issue(text, s_key, "U1");
        s_replace(text, edits[i][0], edits[i][1]);
        lpg_gascert_t c;
        int rc = lpg_gascert_parse(&c, text, strlen(text), RESOLVER);
        if (rc != LPG_ECERT_MALFORMED)
            fail_msg("edit %zu (%s): %s, %s", i, edits[i][1],
                     lpg_errtoken(rc), c.why);
        assert_true(strlen(c.why) > 0);
        assert_int_equal(c.until_ymd, 0);
    }
    /* Trailing bytes, a stray bit in the last signature character. */
    char text[TEXT_MAX];
    s_issue(text, s_key, "U1");
    size_t n = strlen(text);
    lpg_gascert_t c;
    text[n] = '&';
    assert_int_equal(lpg_gascert_parse(&c, text, n + 1, RESOLVER),
                     LPG_ECERT_MALFORMED);
    text[n] = '\0';
    char last = text[n - 1];
    text[n - 1] = (char)(last == 'A' ? 'B' : last == 'Q' ? 'R' : last + 1);
    assert_int_equal(lpg_gascert_parse(&c, text, n, RESOLVER),
                     LPG_ECERT_MALFORMED);
    assert_int_equal(c.at, n - 86);
}

static void
test_messages_distinct(void **state)
{
    const int codes[] = {LPG_ECERT_MALFORMED, LPG_ECERT_HOST,
                         LPG_ECERT_TOOLONG, LPG_ECERT_FORGED};
    for (size_t i = 0; i < 4; i++) {
        assert_string_not_equal(lpg_errtoken(codes[i]), "EUNKNOWN");
        for (size_t j = 0; j < i; j++) {
            assert_int_not_equal(codes[i], codes[j]);
            assert_string_not_equal(lpg_errtoken(codes[i]),
                                    lpg_errtoken(codes[j]));
            assert_string_not_equal(lpg_strerror(codes[i]),
                                    lpg_strerror(codes[j]));
        }
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_escaped_ids),
        cmocka_unit_test(test_issue_errors),
        cmocka_unit_test(test_altered),
        cmocka_unit_test(test_flipped_signature),
        cmocka_unit_test(test_other_signer),
        cmocka_unit_test(test_wrong_host),
        cmocka_unit_test(test_truncated_every_length),
        cmocka_unit_test(test_oversized),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_messages_distinct),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
