/*  test_gascert.c - the gas-use certificate: issue -> parse -> verify ->
 *  format round trips (escaped ids too), what issue refuses, and every way
 *  a text can be wrong, each with its error: altered fields, a flipped
 *  signature character, another signer, another host, truncated at every
 *  length, oversized, non-ASCII, non-canonical escapes, bad dates,
 *  escapes that decode to bytes which are no UTF-8 text. The bound a
 *  Delivery's gas_cert has on the wire: every text issue can write (a
 *  number in Chinese, the longest fields) passes it, longer does not.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "base/error.h"
#include "ledger/event.h"
#include "codes/gascert.h"

#define RESOLVER "id.lpg.example"
#define TEXT_MAX (LPG_GASCERT_MAX_TEXT + 1)
/* 南通燃气供气使用凭证第000123号: 42 bytes, 114 escaped. */
#define CN_NUMBER                                                          \
    "\xe5\x8d\x97\xe9\x80\x9a\xe7\x87\x83\xe6\xb0\x94\xe4\xbe\x9b\xe6\xb0" \
    "\x94\xe4\xbd\xbf\xe7\x94\xa8\xe5\x87\xad\xe8\xaf\x81\xe7\xac\xac"     \
    "000123\xe5\x8f\xb7"

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
    static const char head[] =
        "https://" RESOLVER "/gc/NT/U1?n=GC-U1&u=20271231&k=";
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
    assert_int_equal(
        lpg_gascert_verify(&c, text, strlen(text), RESOLVER, s_other), LPG_OK);
    /* Any host, when no resolver is asked for. */
    s_replace(text, RESOLVER, "qr.example.org");
    assert_int_equal(lpg_gascert_parse(&c, text, strlen(text), NULL), LPG_OK);
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
    assert_int_equal(lpg_gascert_issue(text, sizeof text, s_key, RESOLVER, big,
                                       big, big, 99991231),
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
        {RESOLVER, "NT", "U1", "\xff\xfe", 20271231},  /* no UTF-8 */
        {RESOLVER, "\xe5\x8d", "U1", "GC", 20271231},  /* cut short */
        {RESOLVER, "NT", "U\xc2\x85", "GC", 20271231}, /* a C1 control */
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
    assert_int_equal(lpg_gascert_issue(text, 100, s_key, RESOLVER, "NT", "U1",
                                       "GC", 20271231),
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
    assert_int_equal(
        lpg_gascert_parse(&c, big, LPG_GASCERT_MAX_TEXT + 1, RESOLVER),
        LPG_ECERT_TOOLONG);
    assert_int_equal(c.at, LPG_GASCERT_MAX_TEXT);
    /* One byte less is only malformed (a signature too long). */
    assert_int_equal(
        lpg_gascert_parse(&c, big, LPG_GASCERT_MAX_TEXT, RESOLVER),
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
        {"&k=", "&k=A"},     /* key id of 44 characters */
        {"&s=", "&s=AA"},    /* signature of 88 characters */
        {"U1", "U\xc3\xa9"}, /* raw UTF-8 */
        {"U1", "U 1"},       /* a space */
    };
    for (size_t i = 0; i < sizeof edits / sizeof *edits; i++) {
        char text[TEXT_MAX];
        s_issue(text, s_key, "U1");
        s_replace(text, edits[i][0], edits[i][1]);
        lpg_gascert_t c;
        int rc = lpg_gascert_parse(&c, text, strlen(text), RESOLVER);
        if (rc != LPG_ECERT_MALFORMED)
            fail_msg("edit %zu (%s): %s, %s", i, edits[i][1], lpg_errtoken(rc),
                     c.why);
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

/*  Escapes that decode to bytes which are no UTF-8 text, or to a control
 *  character, in each field: malformed, at the field, and the reason says
 *  so without the bytes (it may go into a record). */
static void
test_not_utf8(void **state)
{
    /* skip: characters of "to" before the field starts */
    static const struct {
        const char *from, *to, *field;
        size_t skip;
    } edits[] = {
        {"/gc/NT/", "/gc/%FF%FE/", "company", 4},
        {"/U1?", "/%C3%28?", "user", 1},    /* a bad continuation */
        {"/U1?", "/U%E4%B8?", "user", 1},   /* a character cut short */
        {"/U1?", "/%ED%A0%80?", "user", 1}, /* a surrogate */
        {"/U1?", "/%C0%AF?", "user", 1},    /* an overlong '/' */
        {"n=GC-U1", "n=GC%C2%85", "certificate number", 2},     /* C1 */
        {"n=GC-U1", "n=%F4%90%80%80", "certificate number", 2}, /* big */
    };
    for (size_t i = 0; i < sizeof edits / sizeof *edits; i++) {
        char text[TEXT_MAX];
        s_issue(text, s_key, "U1");
        s_replace(text, edits[i].from, edits[i].to);
        size_t at = (size_t)(strstr(text, edits[i].to) - text) + edits[i].skip;
        lpg_gascert_t c;
        int rc = lpg_gascert_parse(&c, text, strlen(text), RESOLVER);
        if (rc != LPG_ECERT_MALFORMED)
            fail_msg("edit %zu (%s): %s, %s", i, edits[i].to, lpg_errtoken(rc),
                     c.why);
        assert_int_equal(lpg_string_check(c.why, LPG_GASCERT_WHY_MAX), LPG_OK);
        assert_non_null(strstr(c.why, edits[i].field));
        assert_non_null(strstr(c.why, "UTF-8"));
        assert_int_equal(c.at, at);
        assert_string_equal(c.user, "");
        assert_string_equal(c.company, "");
        assert_int_equal(s_verify(text, &c), LPG_ECERT_MALFORMED);
    }
    /* Escaped UTF-8 of every length is text. */
    char text[TEXT_MAX];
    s_issue(text, s_key, "U1");
    s_replace(text, "/U1?", "/%C3%A9%E7%94%A8%F0%9F%94%A5?");
    lpg_gascert_t c;
    assert_int_equal(lpg_gascert_parse(&c, text, strlen(text), RESOLVER),
                     LPG_OK);
    assert_string_equal(c.user, "\xc3\xa9\xe7\x94\xa8\xf0\x9f\x94\xa5");
}

/*  A Delivery event carrying text, signed and decoded as the service
 *  does. */
static int
s_delivery_decode(const char *gas_cert, const char *vehicle, char *why,
                  size_t whysz)
{
    Lpg__Delivery del = LPG__DELIVERY__INIT;
    del.vehicle = (char *)vehicle;
    del.gas_cert = (char *)gas_cert;
    Lpg__Event ev = LPG__EVENT__INIT;
    uint8_t id[LPG_EVENT_ID_LEN];
    memset(id, 0x5a, sizeof id);
    ev.event_id.data = id;
    ev.event_id.len = sizeof id;
    ev.device_time_ms = 1773540000000ull;
    ev.user = "U1";
    ev.body_case = LPG__EVENT__BODY_DELIVERY;
    ev.delivery = &del;
    uint8_t *bytes = NULL;
    size_t len = 0;
    assert_int_equal(lpg_event_sign(&ev, s_key, &bytes, &len), LPG_OK);
    lpg_event_t got;
    why[0] = '\0';
    int rc = lpg_event_decode(&got, bytes, len, why, whysz);
    if (rc == LPG_OK) {
        assert_string_equal(got.event->delivery->gas_cert, gas_cert);
        lpg_event_clear(&got);
    }
    free(bytes);
    return rc;
}

static void
test_delivery_bound(void **state)
{
    char why[256];
    char *text = malloc(TEXT_MAX + 1);
    assert_non_null(text);
    /* A number in Chinese: over the 256 bytes of other strings. */
    assert_int_equal(lpg_gascert_issue(text, TEXT_MAX, s_key, RESOLVER, "NT",
                                       "U1", CN_NUMBER, 20301231),
                     LPG_OK);
    assert_int_equal(strlen(text), 185 - 5 + 114);
    assert_true(strlen(text) > LPG_STRING_MAX);
    lpg_gascert_t c;
    assert_int_equal(s_verify(text, &c), LPG_OK);
    assert_string_equal(c.cert_no, CN_NUMBER);
    assert_int_equal(s_delivery_decode(text, "SU-A001", why, sizeof why),
                     LPG_OK);
    /* The longest certificate issue writes: every field 64 escaped
     * bytes, a resolver of 63 characters. */
    char field[LPG_GASCERT_FIELD_MAX + 1];
    for (size_t i = 0; i < LPG_GASCERT_FIELD_MAX; i++)
        field[i] = i % 2 ? '&' : '#';
    field[LPG_GASCERT_FIELD_MAX] = '\0';
    char host[LPG_GASCERT_RESOLVER_MAX + 1];
    memset(host, 'h', LPG_GASCERT_RESOLVER_MAX);
    host[LPG_GASCERT_RESOLVER_MAX] = '\0';
    assert_int_equal(lpg_gascert_issue(text, TEXT_MAX, s_key, host, field,
                                       field, field, 99991231),
                     LPG_OK);
    assert_int_equal(strlen(text), 801);
    assert_int_equal(lpg_gascert_parse(&c, text, strlen(text), host), LPG_OK);
    assert_int_equal(s_delivery_decode(text, "SU-A001", why, sizeof why),
                     LPG_OK);
    /* The bound itself: LPG_GASCERT_MAX_TEXT bytes pass, one more does
     * not. */
    memset(text, 'a', LPG_GASCERT_MAX_TEXT + 1);
    text[LPG_GASCERT_MAX_TEXT] = '\0';
    assert_int_equal(s_delivery_decode(text, "SU-A001", why, sizeof why),
                     LPG_OK);
    text[LPG_GASCERT_MAX_TEXT] = 'a';
    text[LPG_GASCERT_MAX_TEXT + 1] = '\0';
    assert_int_equal(s_delivery_decode(text, "SU-A001", why, sizeof why),
                     LPG_EMALFORMED);
    assert_non_null(strstr(why, "Event.delivery.gas_cert: "));
    /* Every other string keeps LPG_STRING_MAX, the vehicle beside it
     * too. */
    char plate[LPG_STRING_MAX + 2];
    memset(plate, 'P', sizeof plate - 1);
    plate[LPG_STRING_MAX + 1] = '\0';
    assert_int_equal(s_delivery_decode("GC", plate, why, sizeof why),
                     LPG_EMALFORMED);
    assert_non_null(strstr(why, "Event.delivery.vehicle: "));
    plate[LPG_STRING_MAX] = '\0';
    assert_int_equal(s_delivery_decode("GC", plate, why, sizeof why), LPG_OK);
    Lpg__UserAdd ua = LPG__USER_ADD__INIT;
    ua.company = "NT";
    ua.gas_cert_no = text; /* 1025 bytes: not a Delivery's gas_cert */
    const char *field_name = NULL;
    assert_int_equal(lpg_proto_strings_check(&ua.base, &field_name),
                     LPG_EMALFORMED);
    assert_string_equal(field_name, "gas_cert_no");
    text[LPG_STRING_MAX + 1] = '\0';
    field_name = NULL;
    assert_int_equal(lpg_proto_strings_check(&ua.base, &field_name),
                     LPG_EMALFORMED);
    text[LPG_STRING_MAX] = '\0';
    assert_int_equal(lpg_proto_strings_check(&ua.base, &field_name), LPG_OK);
    free(text);
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
        cmocka_unit_test(test_not_utf8),
        cmocka_unit_test(test_delivery_bound),
        cmocka_unit_test(test_messages_distinct),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
