/*  test_code.c - the cylinder code: GS1 check digits, GRAI building, issue
 *  -> parse -> verify, the QR size limit (checked with libqrencode), and
 *  every way a text can be wrong, each with its own error code: forged,
 *  altered, signed by another key, truncated at every length, oversized,
 *  non-ASCII, wrong host, Caps Lock, and the syntax errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <qrencode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codes/code.h"
#include "crypto/crypto.h"
#include "base/error.h"

#define RESOLVER "id.lpg.example"
#define SERIAL16 "AB12CD34EF56GH78"

static lpg_key_t *s_key;   /* the authority */
static lpg_key_t *s_other; /* some other key */
static lpg_key_t *s_pub;   /* the authority's public half alone */

static int
s_setup(void **state)
{
    uint8_t seed[32];
    memset(seed, 0x11, sizeof seed);
    if (lpg_key_from_raw_private(&s_key, seed) != LPG_OK)
        return -1;
    memset(seed, 0x22, sizeof seed);
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

/*  A valid code: prefix 6291041, type 50021 (GRAI 06291041500213...). */
static void
s_issue(char *out, const char *serial, uint32_t rev)
{
    assert_int_equal(lpg_code_issue(s_key, RESOLVER, "6291041", "50021",
                                    serial, rev, out, LPG_CODE_MAX_TEXT + 1),
                     LPG_OK);
}

/*  Verifies a text from a heap copy of exactly its length, so that a read
 *  past the end is caught by the address sanitizer. */
static int
s_verify(const char *text, size_t len, lpg_code_t *code)
{
    char *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    memcpy(copy, text, len);
    int rc = lpg_code_verify(copy, len, RESOLVER, s_pub, code);
    free(copy);
    return rc;
}

static int
s_verify_str(const char *text, lpg_code_t *code)
{
    return s_verify(text, strlen(text), code);
}

/*  Replaces the first occurrence of from by to (same length) in text. */
static void
s_replace(char *text, const char *from, const char *to)
{
    assert_int_equal(strlen(from), strlen(to));
    char *p = strstr(text, from);
    assert_non_null(p);
    memcpy(p, to, strlen(to));
}

static void
s_swap_case(char *text)
{
    for (char *p = text; *p; p++) {
        if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 'a' + 'A');
        else if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    }
}

/*  Copies a string into a buffer of size sz (which must hold it). */
static void
s_copy(char *dst, size_t sz, const char *src)
{
    size_t n = strlen(src);
    assert_true(n < sz);
    memcpy(dst, src, n + 1);
}

static char *
s_sig_of(char *text)
{
    char *p = strstr(text, "&8030=");
    assert_non_null(p);
    return p + 6;
}

/* ------------------------------------------------------- check digits */

static void
test_check_digit(void **state)
{
    /* GTIN-13 / GTIN-14 bodies with published check digits. */
    assert_int_equal(lpg_code_check_digit("629104150021", 12), 3);
    assert_int_equal(lpg_code_check_digit("123456789012", 12), 8);
    assert_int_equal(lpg_code_check_digit("400638133393", 12), 1);
    assert_int_equal(lpg_code_check_digit("1456781598346", 13), 9);
    /* A leading 0 (the GRAI filler) changes nothing. */
    assert_int_equal(lpg_code_check_digit("0629104150021", 13), 3);
    assert_int_equal(lpg_code_check_digit("0400638133393", 13), 1);
    assert_int_equal(lpg_code_check_digit("000000000000", 12), 0);
    assert_int_equal(lpg_code_check_digit("12345678901a", 12), LPG_EINVAL);
    assert_int_equal(lpg_code_check_digit("", 0), LPG_EINVAL);
}

static void
test_grai(void **state)
{
    char grai[LPG_CODE_GRAI_MAX + 1];
    assert_int_equal(lpg_code_grai(grai, "6291041", "50021", "AB12"), LPG_OK);
    assert_string_equal(grai, "06291041500213AB12");
    assert_int_equal(lpg_code_grai(grai, "400638133393", "", "7"), LPG_OK);
    assert_string_equal(grai, "04006381333931"
                              "7");
    assert_int_equal(lpg_code_grai(grai, "6291041", "5002", "AB12"),
                     LPG_EINVAL); /* 11 digits */
    assert_int_equal(lpg_code_grai(grai, "6291041", "500211", "AB12"),
                     LPG_EINVAL); /* 13 digits */
    assert_int_equal(lpg_code_grai(grai, "", "629104150021", "AB12"),
                     LPG_EINVAL); /* no company prefix */
    assert_int_equal(lpg_code_grai(grai, "62910X1", "50021", "AB12"),
                     LPG_EINVAL);
    assert_int_equal(lpg_code_grai(grai, "6291041", "50021", "ab12"),
                     LPG_ECODE_SERIAL);
    assert_int_equal(lpg_code_grai(grai, "6291041", "50021", ""),
                     LPG_ECODE_SERIAL);
    assert_int_equal(lpg_code_grai(grai, "6291041", "50021", SERIAL16 "9"),
                     LPG_ECODE_SERIAL);
    assert_int_equal(lpg_code_grai(grai, "6291041", "50021", "AB-12"),
                     LPG_ECODE_SERIAL);
    assert_int_equal(lpg_code_grai(grai, "6291041", "50021", SERIAL16),
                     LPG_OK);
    assert_string_equal(grai, "06291041500213" SERIAL16);
}

/* --------------------------------------------------------- round trip */

static void
test_round_trip(void **state)
{
    char text[LPG_CODE_MAX_TEXT + 1];
    s_issue(text, "AB12CD", 3);
    static const char head[] =
        "https://" RESOLVER "/8003/06291041500213AB12CD?r=3&8030=";
    assert_int_equal(strncmp(text, head, sizeof head - 1), 0);
    assert_int_equal(strlen(s_sig_of(text)), LPG_CODE_SIG_CHARS);

    lpg_code_t code;
    assert_int_equal(lpg_code_parse(text, strlen(text), RESOLVER, &code),
                     LPG_OK);
    assert_string_equal(code.resolver, RESOLVER);
    assert_string_equal(code.grai, "06291041500213AB12CD");
    assert_string_equal(code.serial, "AB12CD");
    assert_int_equal(code.revision, 3);
    assert_string_equal(code.why, "");

    memset(&code, 0xA5, sizeof code);
    assert_int_equal(s_verify_str(text, &code), LPG_OK);
    assert_string_equal(code.grai, "06291041500213AB12CD");
    assert_int_equal(code.revision, 3);

    /* The signature covers context + GRAI + 0x00 + revision (BE). */
    uint8_t msg[] = "06291041500213AB12CD\0\0\0\0\3";
    assert_int_equal(
        lpg_verify(s_pub, LPG_CTX_CODE, msg, sizeof msg - 1, code.sig),
        LPG_OK);
    assert_int_equal(
        lpg_verify(s_pub, LPG_CTX_EVENT, msg, sizeof msg - 1, code.sig),
        LPG_EBADSIG);

    /* Formatting the parsed fields gives the same text back. */
    char again[LPG_CODE_MAX_TEXT + 1];
    assert_int_equal(lpg_code_format(&code, again, sizeof again), LPG_OK);
    assert_string_equal(again, text);
    assert_int_equal(lpg_code_format(&code, again, strlen(text)), LPG_ERANGE);
    lpg_code_t bad = code;
    /* a serial that disagrees with the GRAI */
    s_copy(bad.serial, sizeof bad.serial, "XYZ");
    assert_int_equal(lpg_code_format(&bad, again, sizeof again), LPG_EINVAL);
    bad = code;
    s_copy(bad.resolver, sizeof bad.resolver, "Bad_Host");
    assert_int_equal(lpg_code_format(&bad, again, sizeof again), LPG_EINVAL);

    /* A resolver of NULL accepts any host; the serial-only GRAI works. */
    assert_int_equal(lpg_code_parse(text, strlen(text), NULL, &code), LPG_OK);
    assert_string_equal(code.resolver, RESOLVER);

    char sid[LPG_CODE_SHORT_ID_MAX + 1];
    lpg_code_short_id(&code, sid);
    assert_string_equal(sid, "0021-AB12CD-R3");
    code.revision = UINT32_MAX;
    s_issue(text, SERIAL16, 1);
    assert_int_equal(lpg_code_parse(text, strlen(text), NULL, &code), LPG_OK);
    code.revision = UINT32_MAX;
    lpg_code_short_id(&code, sid);
    assert_string_equal(sid, "0021-" SERIAL16 "-R4294967295");
    assert_int_equal(strlen(sid), LPG_CODE_SHORT_ID_MAX);
}

static void
test_revision_bounds(void **state)
{
    char text[LPG_CODE_MAX_TEXT + 1];
    lpg_code_t code;
    s_issue(text, "7", 0);
    assert_int_equal(s_verify_str(text, &code), LPG_OK);
    assert_int_equal(code.revision, 0);
    s_issue(text, "7", UINT32_MAX);
    assert_int_equal(s_verify_str(text, &code), LPG_OK);
    assert_int_equal(code.revision, UINT32_MAX);
}

static void
test_issue_errors(void **state)
{
    char text[LPG_CODE_MAX_TEXT + 1];
    assert_int_equal(lpg_code_issue(s_pub, RESOLVER, "6291041", "50021",
                                    "AB12", 1, text, sizeof text),
                     LPG_EPERM);
    assert_int_equal(lpg_code_issue(s_key, "ID.LPG.EXAMPLE", "6291041",
                                    "50021", "AB12", 1, text, sizeof text),
                     LPG_EINVAL);
    assert_int_equal(lpg_code_issue(s_key, "id..example", "6291041", "50021",
                                    "AB12", 1, text, sizeof text),
                     LPG_EINVAL);
    assert_int_equal(lpg_code_issue(s_key, "id.example:443", "6291041",
                                    "50021", "AB12", 1, text, sizeof text),
                     LPG_EINVAL);
    assert_int_equal(lpg_code_issue(s_key, "", "6291041", "50021", "AB12", 1,
                                    text, sizeof text),
                     LPG_EINVAL);
    assert_int_equal(lpg_code_issue(s_key, RESOLVER, "6291041", "5002", "AB12",
                                    1, text, sizeof text),
                     LPG_EINVAL);
    assert_int_equal(lpg_code_issue(s_key, RESOLVER, "6291041", "50021",
                                    "AB 12", 1, text, sizeof text),
                     LPG_ECODE_SERIAL);
    /* 146 bytes of text need 147 with the NUL. */
    assert_int_equal(lpg_code_issue(s_key, RESOLVER, "6291041", "50021",
                                    "AB12CD34", 1, text, 146),
                     LPG_ERANGE);
    assert_int_equal(lpg_code_issue(s_key, RESOLVER, "6291041", "50021",
                                    "AB12CD34", 1, text, 147),
                     LPG_OK);
    assert_int_equal(strlen(text), 146);
}

/* ----------------------------------------------------------- QR size */

static int
s_qr_version(const char *text)
{
    QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_H, QR_MODE_8, 1);
    assert_non_null(qr);
    int v = qr->version;
    QRcode_free(qr);
    return v;
}

static int
s_qr_version_8bit(const char *text)
{
    QRcode *qr = QRcode_encodeString8bit(text, 0, QR_ECLEVEL_H);
    assert_non_null(qr);
    int v = qr->version;
    QRcode_free(qr);
    return v;
}

static void
test_qr_fits(void **state)
{
    /* The default resolver with a 16-character serial: version <= 12 at
     * level H, for every revision it accepts. */
    char text[LPG_CODE_MAX_TEXT + 1];
    for (uint32_t rev = 0; rev <= 99; rev++) {
        s_issue(text, SERIAL16, rev);
        assert_true(strlen(text) <= LPG_CODE_QR_MAX_BYTES);
        assert_true(s_qr_version(text) <= 12);
        assert_true(s_qr_version_8bit(text) <= 12);
    }
    assert_int_equal(strlen(text), 155);
    /* One more digit of revision would not fit... */
    assert_int_equal(lpg_code_issue(s_key, RESOLVER, "6291041", "50021",
                                    SERIAL16, 100, text, sizeof text),
                     LPG_ETOOBIG);
    /* ...but with a shorter serial it does. */
    s_issue(text, "AB12CD34", UINT32_MAX);
    assert_true(s_qr_version(text) <= 12);
}

static void
test_qr_resolver_limit(void **state)
{
    /* Lengthen the resolver one character at a time: every code issued
     * fits version 12-H, and the first refused one would not have fit in
     * byte mode. */
    char host[LPG_CODE_RESOLVER_MAX + 1];
    char text[LPG_CODE_MAX_TEXT + 1];
    size_t longest = 0;
    for (size_t n = 1; n <= LPG_CODE_RESOLVER_MAX; n++) {
        memset(host, 'a', n);
        host[n] = '\0';
        if (n > 4)
            host[n - 4] = '.';
        int rc = lpg_code_issue(s_key, host, "6291041", "50021", SERIAL16, 7,
                                text, sizeof text);
        if (rc == LPG_ETOOBIG) {
            assert_true(longest > 0);
            assert_int_equal(n, longest + 1);
            break;
        }
        assert_int_equal(rc, LPG_OK);
        longest = n;
        assert_true(s_qr_version(text) <= 12);
        assert_true(s_qr_version_8bit(text) <= 12);
    }
    /* 155 - 140 bytes of fixed parts with a 16-character serial, rev 7. */
    assert_int_equal(longest, 15);
    memset(host, 'a', longest + 1);
    host[longest + 1] = '\0';
    assert_int_equal(lpg_code_issue(s_key, host, "6291041", "50021", SERIAL16,
                                    7, text, sizeof text),
                     LPG_ETOOBIG);
    /* Its text would need more than version 12 in byte mode. */
    char big[LPG_CODE_MAX_TEXT + 1];
    s_issue(big, SERIAL16, 7);
    char longer[LPG_CODE_RESOLVER_MAX + LPG_CODE_MAX_TEXT + 16];
    snprintf(longer, sizeof longer, "https://%s%s", host,
             big + strlen("https://" RESOLVER));
    assert_int_equal(strlen(longer), LPG_CODE_QR_MAX_BYTES + 1);
    assert_int_equal(s_qr_version_8bit(longer), 13);
}

/* ------------------------------------------------- forged and altered */

static void
test_forged_signature_bytes(void **state)
{
    char text[LPG_CODE_MAX_TEXT + 1];
    lpg_code_t code;
    s_issue(text, "AB12CD", 1);
    char *sig = s_sig_of(text);
    /* Change one signature character at several places. */
    for (size_t i = 0; i < LPG_CODE_SIG_CHARS - 1; i += 7) {
        char keep = sig[i];
        sig[i] = keep == 'A' ? 'B' : 'A';
        assert_int_equal(s_verify_str(text, &code), LPG_ECODE_FORGED);
        assert_int_equal(code.at, (size_t)(sig - text));
        assert_non_null(strstr(code.why, "forged"));
        /* The text is well-formed: parse alone accepts it. */
        assert_int_equal(lpg_code_parse(text, strlen(text), RESOLVER, &code),
                         LPG_OK);
        sig[i] = keep;
    }
    assert_int_equal(s_verify_str(text, &code), LPG_OK);
}

static void
test_altered_fields(void **state)
{
    char text[LPG_CODE_MAX_TEXT + 1];
    lpg_code_t code;

    s_issue(text, "AB12CD", 1);
    s_replace(text, "AB12CD?", "AB12CE?"); /* serial changed */
    assert_int_equal(s_verify_str(text, &code), LPG_ECODE_FORGED);
    assert_string_equal(code.serial, "AB12CE"); /* what the text claims */

    s_issue(text, "AB12CD", 1);
    s_replace(text, "?r=1&", "?r=2&"); /* revision changed */
    assert_int_equal(s_verify_str(text, &code), LPG_ECODE_FORGED);

    s_issue(text, "AB12CD", 1);
    char shorter[LPG_CODE_MAX_TEXT + 1];
    char *cd = strstr(text, "CD?");
    snprintf(shorter, sizeof shorter, "%.*sC%s", (int)(cd - text), text,
             cd + 2); /* serial AB12CD -> AB12C */
    assert_int_equal(s_verify_str(shorter, &code), LPG_ECODE_FORGED);
    assert_string_equal(code.serial, "AB12C");

    /* Another asset type with its own right check digit: forged. */
    s_issue(text, "AB12CD", 1);
    s_replace(text, "06291041500213", "06291041500220");
    assert_int_equal(lpg_code_check_digit("629104150022", 12), 0);
    assert_int_equal(s_verify_str(text, &code), LPG_ECODE_FORGED);

    /* The same digit change without fixing the check digit. */
    s_issue(text, "AB12CD", 1);
    s_replace(text, "06291041500213", "06291041500223");
    assert_int_equal(s_verify_str(text, &code), LPG_ECODE_CHECKDIGIT);
    assert_int_equal(code.at, strlen("https://" RESOLVER "/8003/") + 13);
    assert_non_null(strstr(code.why, "needs 0"));
}

static void
test_signed_by_another_key(void **state)
{
    char text[LPG_CODE_MAX_TEXT + 1];
    lpg_code_t code;
    assert_int_equal(lpg_code_issue(s_other, RESOLVER, "6291041", "50021",
                                    "AB12CD", 1, text, sizeof text),
                     LPG_OK);
    assert_int_equal(s_verify_str(text, &code), LPG_ECODE_FORGED);
    assert_int_equal(
        lpg_code_verify(text, strlen(text), RESOLVER, s_other, &code), LPG_OK);
    /* A signature lifted from another code (other GRAI) is forged too. */
    char real[LPG_CODE_MAX_TEXT + 1];
    s_issue(real, "ZZ99", 1);
    s_issue(text, "AB12CD", 1);
    memcpy(s_sig_of(text), s_sig_of(real), LPG_CODE_SIG_CHARS);
    assert_int_equal(s_verify_str(text, &code), LPG_ECODE_FORGED);
}

/* ------------------------------------------------------------ truncated */

static void
test_truncated_every_length(void **state)
{
    char text[LPG_CODE_MAX_TEXT + 1];
    s_issue(text, "AB12CD", 42);
    size_t len = strlen(text);
    const char *grai = strstr(text, "/8003/") + 6;
    size_t serial_from = (size_t)(grai - text) + 14 + 1;
    size_t serial_to = serial_from + 5; /* "AB12CD" */
    size_t after_rev = (size_t)(strstr(text, "&8030=") - text);
    lpg_code_t code;
    for (size_t n = 0; n < len; n++) {
        int rc = s_verify(text, n, &code);
        int want = LPG_ECODE_TRUNCATED;
        /* A text cut inside the serial, or right after the serial or the
         * revision, is a whole Digital Link without a signature. */
        if ((n >= serial_from && n <= serial_to) || n == after_rev ||
            n == after_rev - 1)
            want = LPG_ECODE_NOSIG;
        if (rc != want)
            fail_msg("cut at %zu of %zu: got %s (%s), want %s", n, len,
                     lpg_errtoken(rc), code.why, lpg_errtoken(want));
        if (want == LPG_ECODE_TRUNCATED && n > 0)
            assert_true(strstr(code.why, "stops") || strstr(code.why, "only"));
    }
    /* Cut in the signature: says how much is there. */
    assert_int_equal(s_verify(text, len - 10, &code), LPG_ECODE_TRUNCATED);
    assert_string_equal(code.why,
                        "the signature has only 76 of its 86 characters");
    assert_int_equal(s_verify(text, 0, &code), LPG_ECODE_TRUNCATED);
    assert_string_equal(code.why, "the text is empty");
    assert_int_equal(lpg_code_parse(NULL, 0, NULL, &code),
                     LPG_ECODE_TRUNCATED);
    /* A cut host that is not a prefix of our resolver is another host. */
    assert_int_equal(s_verify_str("https://id.evil", &code), LPG_ECODE_HOST);
    assert_int_equal(s_verify_str("https://id.lpg.ex", &code),
                     LPG_ECODE_TRUNCATED);
}

/* ------------------------------------------------- size, bytes, host */

static void
test_oversized(void **state)
{
    char text[LPG_CODE_MAX_TEXT + 2];
    s_issue(text, "AB12CD", 1);
    size_t len = strlen(text);
    memset(text + len, 'A', sizeof text - len);
    lpg_code_t code;
    assert_int_equal(s_verify(text, LPG_CODE_MAX_TEXT + 1, &code),
                     LPG_ECODE_TOOLONG);
    assert_int_equal(code.at, LPG_CODE_MAX_TEXT);
    /* At the limit it is not "too long" but a bad signature length. */
    assert_int_equal(s_verify(text, LPG_CODE_MAX_TEXT, &code),
                     LPG_ECODE_SIGFORMAT);
    /* Huge input is refused by size, without being scanned. */
    size_t huge = 1 << 20;
    char *big = malloc(huge);
    assert_non_null(big);
    memset(big, 0xFF, huge);
    assert_int_equal(lpg_code_verify(big, huge, RESOLVER, s_pub, &code),
                     LPG_ECODE_TOOLONG);
    free(big);
}

static void
test_non_ascii(void **state)
{
    char text[LPG_CODE_MAX_TEXT + 2];
    lpg_code_t code;
    s_issue(text, "AB12CD", 1);
    size_t len = strlen(text);
    char *serial = strstr(text, "AB12CD");
    serial[2] = (char)0xE4; /* a byte of UTF-8 */
    assert_int_equal(s_verify(text, len, &code), LPG_ECODE_NONASCII);
    assert_int_equal(code.at, (size_t)(serial + 2 - text));
    assert_string_equal(code.why, "byte 0xE4 at offset 44 is not ASCII");

    s_issue(text, "AB12CD", 1);
    text[len] = '\n'; /* a scanner's Enter, not stripped */
    assert_int_equal(s_verify(text, len + 1, &code), LPG_ECODE_NONASCII);
    assert_int_equal(code.at, len);

    s_issue(text, "AB12CD", 1);
    text[10] = '\0'; /* a NUL inside: the length rules, not the NUL */
    assert_int_equal(s_verify(text, len, &code), LPG_ECODE_NONASCII);
    assert_int_equal(code.at, 10);

    s_issue(text, "AB12CD", 1);
    text[5] = 0x7f;
    assert_int_equal(s_verify(text, len, &code), LPG_ECODE_NONASCII);
}

static void
test_wrong_host(void **state)
{
    char text[LPG_CODE_MAX_TEXT + 1];
    lpg_code_t code;
    assert_int_equal(lpg_code_issue(s_key, "id.other.example", "6291041",
                                    "50021", "AB12CD", 1, text, sizeof text),
                     LPG_OK);
    assert_int_equal(s_verify_str(text, &code), LPG_ECODE_HOST);
    assert_int_equal(code.at, strlen("https://"));
    assert_string_equal(code.why, "the host \"id.other.example\" is not the "
                                  "resolver \"" RESOLVER "\"");
    /* Any host is accepted when no resolver is given. */
    assert_int_equal(lpg_code_verify(text, strlen(text), NULL, s_pub, &code),
                     LPG_OK);
    assert_string_equal(code.resolver, "id.other.example");

    /* Hosts that are not canonical host names. */
    s_issue(text, "AB12CD", 1);
    s_replace(text, "id.lpg.example", "ID.LPG.EXAMPLE");
    assert_int_equal(s_verify_str(text, &code), LPG_ECODE_HOST);
    assert_int_equal(lpg_code_verify(text, strlen(text), NULL, s_pub, &code),
                     LPG_ECODE_HOST);
    assert_non_null(strstr(code.why, "lower case"));
    s_replace(text, "ID.LPG.EXAMPLE", "id.lpg.exampl-");
    assert_int_equal(lpg_code_verify(text, strlen(text), NULL, s_pub, &code),
                     LPG_ECODE_HOST);

    char port[LPG_CODE_MAX_TEXT + 8];
    s_issue(text, "AB12CD", 1);
    snprintf(port, sizeof port, "https://" RESOLVER ":443%s",
             text + strlen("https://" RESOLVER));
    assert_int_equal(s_verify_str(port, &code), LPG_ECODE_HOST);
    assert_int_equal(lpg_code_verify(port, strlen(port), NULL, s_pub, &code),
                     LPG_ECODE_HOST);
    assert_non_null(strstr(code.why, "port"));
}

/* ------------------------------------------------------------ Caps Lock */

static void
test_caps_lock(void **state)
{
    char text[LPG_CODE_MAX_TEXT + 1];
    char swapped[LPG_CODE_MAX_TEXT + 1];
    lpg_code_t code, real;
    s_issue(text, "AB12CD", 5);
    assert_int_equal(s_verify_str(text, &real), LPG_OK);
    s_copy(swapped, sizeof swapped, text);
    s_swap_case(swapped);
    assert_true(strcmp(swapped, text) != 0);

    assert_int_equal(s_verify_str(swapped, &code), LPG_ECODE_CASE);
    assert_string_equal(code.why,
                        "valid only with the letter case swapped: Caps Lock?");
    assert_string_equal(code.grai, real.grai);
    assert_string_equal(code.serial, "AB12CD");
    assert_string_equal(code.resolver, RESOLVER);
    assert_int_equal(code.revision, 5);
    assert_memory_equal(code.sig, real.sig, sizeof real.sig);
    char again[LPG_CODE_MAX_TEXT + 1];
    assert_int_equal(lpg_code_format(&code, again, sizeof again), LPG_OK);
    assert_string_equal(again, text); /* the corrected text */

    /* Parsing alone says the same. */
    assert_int_equal(lpg_code_parse(swapped, strlen(swapped), RESOLVER, &code),
                     LPG_ECODE_CASE);

    /* A forged code typed with Caps Lock is still forged. */
    char *sig = s_sig_of(text);
    sig[3] = sig[3] == '7' ? '8' : '7';
    s_copy(swapped, sizeof swapped, text);
    s_swap_case(swapped);
    assert_int_equal(s_verify_str(swapped, &code), LPG_ECODE_FORGED);
    assert_non_null(strstr(code.why, "swapped"));
    /* A code with only some letters swapped is not a Caps Lock case. */
    s_issue(text, "AB12CD", 5);
    s_replace(text, "https", "HTTPS");
    assert_int_equal(s_verify_str(text, &code), LPG_ECODE_NOTURL);
}

/* ------------------------------------------- URL, syntax, serial, sig */

static void
test_not_url(void **state)
{
    lpg_code_t code;
    char text[LPG_CODE_MAX_TEXT + 1];
    s_issue(text, "AB12CD", 1);
    char http[LPG_CODE_MAX_TEXT + 1];
    snprintf(http, sizeof http, "http%s", text + 5);
    assert_int_equal(s_verify_str(http, &code), LPG_ECODE_NOTURL);
    assert_string_equal(code.why, "the scheme is \"http\", not https");
    assert_int_equal(s_verify_str("6291041500213AB12CD", &code),
                     LPG_ECODE_NOTURL);
    assert_int_equal(s_verify_str("hello", &code), LPG_ECODE_NOTURL);
    assert_int_equal(s_verify_str("https:/x", &code), LPG_ECODE_NOTURL);
    assert_int_equal(s_verify_str("ftp://x/8003/", &code), LPG_ECODE_NOTURL);
    assert_int_equal(s_verify_str("htt", &code), LPG_ECODE_TRUNCATED);
}

static void
test_syntax(void **state)
{
    lpg_code_t code;
    char text[LPG_CODE_MAX_TEXT + 1];
    char sig[LPG_CODE_SIG_CHARS + 1];
    s_issue(text, "AB12CD", 1);
    memcpy(sig, s_sig_of(text), sizeof sig);
    char bad[LPG_CODE_MAX_TEXT + 16];
    /* Each: the text before the signature and after it. */
    static const struct {
        const char *before, *after;
    } forms[] = {
        /* another AI in the path */
        {"https://" RESOLVER "/01/06291041500213AB12CD?r=1&8030=", ""},
        /* path without the AI */
        {"https://" RESOLVER "/06291041500213AB12CD?r=1&8030=", ""},
        /* parameters in another order */
        {"https://" RESOLVER "/8003/06291041500213AB12CD?8030=", "&r=1"},
        /* leading zero */
        {"https://" RESOLVER "/8003/06291041500213AB12CD?r=01&8030=", ""},
        /* revision too large */
        {"https://" RESOLVER "/8003/06291041500213AB12CD?r=4294967296"
         "&8030=",
         ""},
        {"https://" RESOLVER "/8003/06291041500213AB12CD?r=12345678901"
         "&8030=",
         ""},
        /* not a number */
        {"https://" RESOLVER "/8003/06291041500213AB12CD?r=x&8030=", ""},
        {"https://" RESOLVER "/8003/06291041500213AB12CD?r=1x&8030=", ""},
        /* extra parameter, extra text, fragment, extra segment */
        {"https://" RESOLVER "/8003/06291041500213AB12CD?r=1&x=2&8030=", ""},
        {"https://" RESOLVER "/8003/06291041500213AB12CD?r=1&8030=", "&x=1"},
        {"https://" RESOLVER "/8003/06291041500213AB12CD?r=1&8030=", "#top"},
        {"https://" RESOLVER "/8003/06291041500213AB12CD/x?r=1&8030=", ""},
        {"https://" RESOLVER "/8003/06291041500213AB12CD#?r=1&8030=", ""},
        /* no '?' */
        {"https://" RESOLVER "/8003/06291041500213AB12CD&r=1&8030=", ""},
        /* GRAI not 14 digits, or not starting with 0 */
        {"https://" RESOLVER "/8003/0629104150021?r=1&8030=", ""},
        {"https://" RESOLVER "/8003/16291041500213AB12CD?r=1&8030=", ""},
        /* no path after the host */
        {"https://" RESOLVER "?r=1&8030=", ""},
    };
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        snprintf(bad, sizeof bad, "%s%s%s", forms[i].before, sig,
                 forms[i].after);
        int rc = s_verify_str(bad, &code);
        if (rc != LPG_ECODE_SYNTAX)
            fail_msg("%s: got %s (%s)", bad, lpg_errtoken(rc), code.why);
        assert_true(strlen(code.why) > 10);
    }
    snprintf(bad, sizeof bad, "%s%s%s", forms[0].before, sig, forms[0].after);
    s_verify_str(bad, &code);
    assert_string_equal(code.why, "the path names AI 01, not AI 8003 (GRAI)");
}

static void
test_serial(void **state)
{
    lpg_code_t code;
    char text[LPG_CODE_MAX_TEXT + 1];
    s_issue(text, "AB12CD", 1);
    s_replace(text, "AB12CD?", "ab12cd?");
    assert_int_equal(s_verify_str(text, &code), LPG_ECODE_SERIAL);
    assert_non_null(strstr(code.why, "lower-case 'a'"));
    s_replace(text, "ab12cd?", "AB-2CD?");
    assert_int_equal(s_verify_str(text, &code), LPG_ECODE_SERIAL);
    /* 17 characters */
    char bad[LPG_CODE_MAX_TEXT + 16];
    s_issue(text, SERIAL16, 1);
    snprintf(bad, sizeof bad,
             "https://" RESOLVER "/8003/06291041500213" SERIAL16
             "X?r=1&8030=%s",
             s_sig_of(text));
    assert_int_equal(s_verify_str(bad, &code), LPG_ECODE_SERIAL);
    assert_string_equal(code.why, "the serial is longer than 16 characters");
    /* No serial at all */
    snprintf(bad, sizeof bad,
             "https://" RESOLVER "/8003/06291041500213?r=1&8030=%s",
             s_sig_of(text));
    assert_int_equal(s_verify_str(bad, &code), LPG_ECODE_SERIAL);
}

static void
test_no_signature(void **state)
{
    lpg_code_t code;
    static const char *const texts[] = {
        "https://" RESOLVER "/8003/06291041500213AB12CD",
        "https://" RESOLVER "/8003/06291041500213AB12CD?r=1",
        "https://" RESOLVER "/8003/06291041500213AB12CD?linkType=all",
        "https://" RESOLVER "/8003/06291041500213AB12CD?r=1&linkType=all",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        int rc = s_verify_str(texts[i], &code);
        if (rc != LPG_ECODE_NOSIG)
            fail_msg("%s: got %s (%s)", texts[i], lpg_errtoken(rc), code.why);
        assert_non_null(strstr(code.why, "8030"));
    }
}

static void
test_signature_format(void **state)
{
    lpg_code_t code;
    char text[LPG_CODE_MAX_TEXT + 1];
    char bad[LPG_CODE_MAX_TEXT + 16];
    s_issue(text, "AB12CD", 1);
    size_t len = strlen(text);

    s_copy(bad, sizeof bad, text);
    s_sig_of(bad)[10] = '+'; /* standard base64 */
    assert_int_equal(s_verify_str(bad, &code), LPG_ECODE_SIGFORMAT);
    assert_non_null(strstr(code.why, "standard base64"));

    s_copy(bad, sizeof bad, text);
    s_sig_of(bad)[10] = '.';
    assert_int_equal(s_verify_str(bad, &code), LPG_ECODE_SIGFORMAT);
    assert_int_equal(code.at, (size_t)(s_sig_of(bad) + 10 - bad));

    snprintf(bad, sizeof bad, "%s==", text); /* padded */
    assert_int_equal(s_verify_str(bad, &code), LPG_ECODE_SIGFORMAT);
    assert_non_null(strstr(code.why, "padded"));

    snprintf(bad, sizeof bad, "%sA", text); /* 87 characters */
    assert_int_equal(s_verify_str(bad, &code), LPG_ECODE_SIGFORMAT);
    assert_string_equal(code.why, "the signature has 87 characters, not 86");

    /* The last character carries 2 bits of signature and 4 zero bits. */
    s_copy(bad, sizeof bad, text);
    char last = bad[len - 1];
    bad[len - 1] = last == 'B' ? 'C' : 'B'; /* 'B' = 1, 'C' = 2 */
    assert_int_equal(s_verify_str(bad, &code), LPG_ECODE_SIGFORMAT);
    assert_int_equal(code.at, len - 1);
}

/* -------------------------------------------- every error is its own */

static void
test_messages_distinct(void **state)
{
    char text[LPG_CODE_MAX_TEXT + 1];
    char swapped[LPG_CODE_MAX_TEXT + 1];
    char forged[LPG_CODE_MAX_TEXT + 1];
    char big[LPG_CODE_MAX_TEXT + 2];
    char other[LPG_CODE_MAX_TEXT + 1];
    s_issue(text, "AB12CD", 1);
    s_copy(swapped, sizeof swapped, text);
    s_swap_case(swapped);
    s_copy(forged, sizeof forged, text);
    s_replace(forged, "?r=1&", "?r=2&");
    memset(big, 'A', sizeof big);
    assert_int_equal(lpg_code_issue(s_key, "id.other.example", "6291041",
                                    "50021", "AB12CD", 1, other, sizeof other),
                     LPG_OK);
    char cut[LPG_CODE_MAX_TEXT + 1];
    snprintf(cut, sizeof cut, "%.*s", (int)strlen(text) - 3, text);
    struct {
        const char *text;
        size_t len;
        int want;
    } cases[] = {
        {"http://x/", 9, LPG_ECODE_NOTURL},
        {other, strlen(other), LPG_ECODE_HOST},
        {"https://" RESOLVER "/01/1", 0, LPG_ECODE_SYNTAX},
        {"https://" RESOLVER "/8003/06291041500214AB", 0,
         LPG_ECODE_CHECKDIGIT},
        {"https://" RESOLVER "/8003/06291041500213AB", 0, LPG_ECODE_NOSIG},
        {"https://" RESOLVER "/8003/06291041500213AB?r=1&8030=+", 0,
         LPG_ECODE_SIGFORMAT},
        {forged, strlen(forged), LPG_ECODE_FORGED},
        {cut, strlen(cut), LPG_ECODE_TRUNCATED},
        {big, sizeof big, LPG_ECODE_TOOLONG},
        {"https://\xe4", 9, LPG_ECODE_NONASCII},
        {swapped, strlen(swapped), LPG_ECODE_CASE},
        {"https://" RESOLVER "/8003/06291041500213ab", 0, LPG_ECODE_SERIAL},
    };
    size_t n = sizeof cases / sizeof cases[0];
    char why[16][LPG_CODE_WHY_MAX + 1];
    for (size_t i = 0; i < n; i++) {
        lpg_code_t code;
        size_t len = cases[i].len ? cases[i].len : strlen(cases[i].text);
        int rc = s_verify(cases[i].text, len, &code);
        if (rc != cases[i].want)
            fail_msg("case %zu: got %s (%s), want %s", i, lpg_errtoken(rc),
                     code.why, lpg_errtoken(cases[i].want));
        assert_true(strlen(code.why) > 0);
        s_copy(why[i], sizeof why[i], code.why);
        for (size_t j = 0; j < i; j++) {
            assert_int_not_equal(cases[j].want, rc);
            assert_string_not_equal(why[j], why[i]);
        }
        /* Tokens and words differ too. */
        assert_string_not_equal(lpg_errtoken(rc), "EUNKNOWN");
        assert_string_not_equal(lpg_strerror(rc), "unknown error");
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check_digit),
        cmocka_unit_test(test_grai),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_revision_bounds),
        cmocka_unit_test(test_issue_errors),
        cmocka_unit_test(test_qr_fits),
        cmocka_unit_test(test_qr_resolver_limit),
        cmocka_unit_test(test_forged_signature_bytes),
        cmocka_unit_test(test_altered_fields),
        cmocka_unit_test(test_signed_by_another_key),
        cmocka_unit_test(test_truncated_every_length),
        cmocka_unit_test(test_oversized),
        cmocka_unit_test(test_non_ascii),
        cmocka_unit_test(test_wrong_host),
        cmocka_unit_test(test_caps_lock),
        cmocka_unit_test(test_not_url),
        cmocka_unit_test(test_syntax),
        cmocka_unit_test(test_serial),
        cmocka_unit_test(test_no_signature),
        cmocka_unit_test(test_signature_format),
        cmocka_unit_test(test_messages_distinct),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
