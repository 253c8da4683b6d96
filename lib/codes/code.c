/*  code.c - the cylinder code (一瓶一码一印): its text form, issuing,
 *  parsing and verifying. See code.h. Holds no state: every function works
 *  on the caller's buffers, and parsing reads exactly the bytes it is given.
 *
 *  THE TEXT FORM. There is one canonical form and the parser accepts only
 *  it (a code is machine-made, so any other spelling is an error):
 *
 *      https://<resolver>/8003/<GRAI>?r=<revision>&8030=<signature>
 *
 *  resolver   the host of the public resolver (config key code.resolver):
 *             lower-case labels of [a-z0-9-], no label starting or ending
 *             with '-', joined by '.', at most 63 characters in all; no
 *             port, no user, no trailing dot.
 *  GRAI       GS1 AI 8003: the digit 0, company prefix + asset type (12
 *             digits together), the GS1 mod-10 check digit, then the
 *             serial, which is the steel-stamp serial: [0-9A-Z]{1,16}.
 *  revision   decimal 0..4294967295, no sign, no leading zero.
 *  signature  GS1 AI 8030: exactly 86 base64url characters (RFC 4648
 *             section 5, no padding) of the authority's 64-byte Ed25519
 *             signature, context LPG_CTX_CODE, over the signed bytes
 *                 GRAI (ASCII, 15..30 bytes) || 0x00 || revision (u32 BE)
 *  Nothing else: no fragment, no other parameter, no percent-escapes.
 *
 *  Example (default resolver, 153 + digits of the revision bytes with a
 *  16-character serial):
 *      https://id.lpg.example/8003/06291041500213AB12CD34EF56GH78IJ?r=1
 *      &8030=<86 characters>                      (one line, no break)
 *
 *  SIZE. lpg_code_issue writes at most LPG_CODE_QR_MAX_BYTES (155) bytes,
 *  the byte-mode capacity of a QR code of version 12 at error-correction
 *  level H; an encoder that also uses numeric and alphanumeric segments
 *  (the GRAI digits) usually needs less, but a heuristic one can, rarely,
 *  need more: a label encoder still checks the version it gets, or encodes
 *  in byte mode, where the bound is exact. With the default resolver and a
 *  16-character serial that allows revisions up to 99; a shorter serial or
 *  resolver leaves room for more. The rule depends on the length alone, so
 *  whether a cylinder can be issued never depends on its signature bytes.
 *
 *  WHAT CAN BE WRONG, in the order checked (the first fault found wins;
 *  each has its own error code, and out->why says exactly what and where):
 *  - more than LPG_CODE_MAX_TEXT bytes: LPG_ECODE_TOOLONG;
 *  - a byte outside printable ASCII 0x20..0x7e: LPG_ECODE_NONASCII;
 *  - the text stops inside the form: inside "https://" or the host (when
 *    what is there is a prefix of the resolver), inside "/8003/", within
 *    the GRAI's 14 digits, right after '?', "r=" or within "&8030=", or
 *    with fewer than 86 signature characters: LPG_ECODE_TRUNCATED;
 *  - a complete GS1 Digital Link without AI 8030 (it ends after the serial
 *    or after the revision, or its query has no 8030 parameter):
 *    LPG_ECODE_NOSIG;
 *  - another scheme or no URL at all: LPG_ECODE_NOTURL; another host, or
 *    one that is not a canonical host name: LPG_ECODE_HOST; any other
 *    path or query: LPG_ECODE_SYNTAX; wrong check digit:
 *    LPG_ECODE_CHECKDIGIT; a serial outside [0-9A-Z]{1,16}:
 *    LPG_ECODE_SERIAL; a signature that is not 86 base64url characters
 *    encoding 64 bytes: LPG_ECODE_SIGFORMAT;
 *  - well-formed, but the signature is not the authority's over this GRAI
 *    and revision (altered, or signed by another key): LPG_ECODE_FORGED;
 *  - wrong in one of the ways above, yet right with the case of every
 *    letter swapped (a keyboard-wedge scanner typing with Caps Lock on):
 *    LPG_ECODE_CASE, "Caps Lock?", with the fields of the corrected text.
 *
 *  THE SHORT ID printed under the label is "<4 digits>-<serial>-R<rev>":
 *  the last four digits of company prefix + asset type (the asset type, in
 *  practice), the steel-stamp serial the operator compares with the
 *  cylinder, and the revision, which tells a current label from a revoked
 *  one. Only digits, capitals and '-': easy to read aloud.
 */
#include "codes/code.h"
#include "base/error.h"
#include "base/count.h"

#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char s_scheme[] = "https://";
static const char s_path[] = "/8003/";
static const char s_rev_key[] = "r=";
static const char s_sig_key[] = "&8030=";

#define S_SCHEME_LEN (sizeof s_scheme - 1)
#define S_PATH_LEN (sizeof s_path - 1)
#define S_REV_KEY_LEN (sizeof s_rev_key - 1)
#define S_SIG_KEY_LEN (sizeof s_sig_key - 1)
#define S_GRAI_DIGITS 14
#define S_SIGNED_MAX (LPG_CODE_GRAI_MAX + 1 + 4)
/* Longest text lpg_code_format can build, whatever the fields. */
#define S_FORMAT_MAX                                                         \
    (S_SCHEME_LEN + LPG_CODE_RESOLVER_MAX + S_PATH_LEN + LPG_CODE_GRAI_MAX + \
     1 + S_REV_KEY_LEN + 10 + S_SIG_KEY_LEN + LPG_CODE_SIG_CHARS + 1)

__attribute__((format(printf, 4, 5))) static int
s_fail(lpg_code_t *out, int err, size_t at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->why, sizeof out->why, fmt, ap);
    va_end(ap);
    out->at = at;
    return err;
}

static bool
s_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool
s_is_upper(char c)
{
    return c >= 'A' && c <= 'Z';
}

static bool
s_is_lower(char c)
{
    return c >= 'a' && c <= 'z';
}

static bool
s_is_serial_char(char c)
{
    return s_is_digit(c) || s_is_upper(c);
}

/*  Value of a base64url character, or -1. */
static int
s_b64url_value(char c)
{
    if (s_is_upper(c))
        return c - 'A';
    if (s_is_lower(c))
        return c - 'a' + 26;
    if (s_is_digit(c))
        return c - '0' + 52;
    if (c == '-')
        return 62;
    if (c == '_')
        return 63;
    return -1;
}

/*  Length of the common prefix of t[0..n) and the string lit. */
static size_t
s_match(const char *t, size_t n, const char *lit)
{
    size_t i = 0;
    while (i < n && lit[i] && t[i] == lit[i])
        i++;
    return i;
}

/*  True if the query q[0..n) has a parameter "8030=" anywhere. */
static bool
s_has_sig_param(const char *q, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if ((i == 0 || q[i - 1] == '&') && s_match(q + i, n - i, "8030=") == 5)
            return true;
    }
    return false;
}

/*  Why h[0..n) is not a canonical resolver host name (and where, in *at),
 *  or NULL if it is one. */
static const char *
s_host_fault(const char *h, size_t n, size_t *at)
{
    *at = 0;
    if (n == 0)
        return "the host name is empty";
    if (n > LPG_CODE_RESOLVER_MAX) {
        *at = LPG_CODE_RESOLVER_MAX;
        return "the host name is longer than 63 characters";
    }
    size_t label = 0;
    for (size_t i = 0; i < n; i++) {
        char c = h[i];
        *at = i;
        if (c == '.') {
            if (label == 0)
                return "the host name has an empty label";
            if (h[i - 1] == '-')
                return "a host label ends with '-'";
            label = 0;
            continue;
        }
        if (s_is_upper(c))
            return "the host name must be lower case";
        if (c == ':')
            return "a code names no port";
        if (!s_is_lower(c) && !s_is_digit(c) && c != '-')
            return "a host name holds only a-z, 0-9, '-' and '.'";
        if (c == '-' && label == 0)
            return "a host label starts with '-'";
        label++;
    }
    *at = n - 1;
    if (label == 0)
        return "the host name ends with '.'";
    if (h[n - 1] == '-')
        return "a host label ends with '-'";
    return NULL;
}

/*  The canonical signed bytes of a code: GRAI || 0x00 || revision BE. */
static size_t
s_signed_bytes(const lpg_code_t *code, uint8_t out[S_SIGNED_MAX])
{
    size_t n = strnlen(code->grai, LPG_CODE_GRAI_MAX);
    memcpy(out, code->grai, n);
    out[n] = 0x00;
    out[n + 1] = (uint8_t)(code->revision >> 24);
    out[n + 2] = (uint8_t)(code->revision >> 16);
    out[n + 3] = (uint8_t)(code->revision >> 8);
    out[n + 4] = (uint8_t)code->revision;
    return n + 5;
}

int
lpg_code_check_digit(const char *digits, size_t len)
{
    if (len == 0)
        return LPG_EINVAL;
    unsigned sum = 0;
    for (size_t i = 0; i < len; i++) {
        char c = digits[len - 1 - i];
        if (!s_is_digit(c))
            return LPG_EINVAL;
        sum += (unsigned)(c - '0') * (i % 2 == 0 ? 3u : 1u);
    }
    return (int)((10 - sum % 10) % 10);
}

int
lpg_code_grai(char out[LPG_CODE_GRAI_MAX + 1], const char *prefix,
              const char *type, const char *serial)
{
    assert(out && prefix && type && serial);
    size_t pl = strnlen(prefix, 13), tl = strnlen(type, 13);
    if (pl == 0 || pl + tl != 12)
        return LPG_EINVAL;
    char body[S_GRAI_DIGITS];
    body[0] = '0';
    memcpy(body + 1, prefix, pl);
    memcpy(body + 1 + pl, type, tl);
    int check = lpg_code_check_digit(body, 13);
    if (check < 0)
        return LPG_EINVAL;
    size_t sl = strnlen(serial, LPG_CODE_MAX_SERIAL + 1);
    if (sl == 0 || sl > LPG_CODE_MAX_SERIAL)
        return LPG_ECODE_SERIAL;
    for (size_t i = 0; i < sl; i++)
        if (!s_is_serial_char(serial[i]))
            return LPG_ECODE_SERIAL;
    body[13] = (char)('0' + check);
    memcpy(out, body, S_GRAI_DIGITS);
    memcpy(out + S_GRAI_DIGITS, serial, sl);
    out[S_GRAI_DIGITS + sl] = '\0';
    return LPG_OK;
}

/*  A scheme that is not "https://": say what it is. */
static int
s_scheme_fault(const char *t, size_t n, lpg_code_t *out)
{
    size_t i = 0;
    while (i < n && (s_is_lower(t[i]) || s_is_upper(t[i]) ||
                     (i > 0 && (s_is_digit(t[i]) || t[i] == '+' ||
                                t[i] == '-' || t[i] == '.'))))
        i++;
    if (i == 0 || i >= n || t[i] != ':')
        return s_fail(out, LPG_ECODE_NOTURL, 0,
                      "not a URL: a code starts with \"https://\"");
    if (i == 5 && memcmp(t, "https", 5) == 0)
        return s_fail(out, LPG_ECODE_NOTURL, 6,
                      "expected \"//\" after \"https:\"");
    if (i == 5 && strncasecmp(t, "https", 5) == 0)
        return s_fail(out, LPG_ECODE_NOTURL, 0,
                      "the scheme \"%.5s\" must be lower-case \"https\"", t);
    return s_fail(out, LPG_ECODE_NOTURL, 0,
                  "the scheme is \"%.*s\", not https", (int)(i > 16 ? 16 : i),
                  t);
}

/*  The path is not "/8003/": say what it is. */
static int
s_path_fault(const char *t, size_t n, size_t pos, lpg_code_t *out)
{
    size_t i = pos + 1;
    while (i < n && s_is_digit(t[i]))
        i++;
    if (t[pos] == '/' && i > pos + 1 && i - pos - 1 <= 4 && i < n &&
        t[i] == '/')
        return s_fail(out, LPG_ECODE_SYNTAX, pos + 1,
                      "the path names AI %.*s, not AI 8003 (GRAI)",
                      (int)(i - pos - 1), t + pos + 1);
    return s_fail(out, LPG_ECODE_SYNTAX, pos,
                  "expected \"/8003/<GRAI>\" after the host");
}

/*  The signature has a byte that is not base64url. */
static int
s_sigchar_fault(char c, size_t at, lpg_code_t *out)
{
    if (c == '=')
        return s_fail(out, LPG_ECODE_SIGFORMAT, at,
                      "the signature must not be padded with '='");
    if (c == '+' || c == '/')
        return s_fail(out, LPG_ECODE_SIGFORMAT, at,
                      "the signature has '%c': standard base64, not "
                      "base64url",
                      c);
    return s_fail(out, LPG_ECODE_SIGFORMAT, at,
                  "the signature has '%c', which is not base64url", c);
}

/*  The grammar, once, over printable ASCII. Fills *out only on success
 *  (why and at on failure). */
static int
s_parse_form(const char *t, size_t n, const char *resolver, lpg_code_t *out)
{
    /* scheme */
    size_t k = s_match(t, n, s_scheme);
    if (k == n && k < S_SCHEME_LEN)
        return s_fail(out, LPG_ECODE_TRUNCATED, n,
                      "the text stops inside \"https://\"");
    if (k < S_SCHEME_LEN)
        return s_scheme_fault(t, n, out);
    size_t pos = S_SCHEME_LEN;

    /* host */
    size_t h = pos;
    while (pos < n && t[pos] != '/' && t[pos] != '?' && t[pos] != '#')
        pos++;
    size_t hn = pos - h;
    int shown = (int)(hn > LPG_CODE_RESOLVER_MAX ? LPG_CODE_RESOLVER_MAX : hn);
    size_t rn = resolver ? strlen(resolver) : 0;
    if (pos == n) {
        if (resolver && (hn > rn || memcmp(t + h, resolver, hn) != 0))
            return s_fail(out, LPG_ECODE_HOST, h,
                          "the host \"%.*s\" is not the resolver \"%s\"",
                          shown, t + h, resolver);
        return s_fail(out, LPG_ECODE_TRUNCATED, n,
                      "the text stops inside the host name");
    }
    if (resolver && (hn != rn || memcmp(t + h, resolver, hn) != 0))
        return s_fail(out, LPG_ECODE_HOST, h,
                      "the host \"%.*s\" is not the resolver \"%s\"", shown,
                      t + h, resolver);
    size_t bad;
    const char *fault = s_host_fault(t + h, hn, &bad);
    if (fault)
        return s_fail(out, LPG_ECODE_HOST, h + bad, "host \"%.*s\": %s", shown,
                      t + h, fault);

    /* path */
    k = s_match(t + pos, n - pos, s_path);
    if (pos + k == n && k < S_PATH_LEN)
        return s_fail(out, LPG_ECODE_TRUNCATED, n,
                      "the text stops inside \"/8003/\"");
    if (k < S_PATH_LEN)
        return s_path_fault(t, n, pos, out);
    pos += S_PATH_LEN;

    /* GRAI: 14 digits */
    size_t g = pos;
    while (pos < n && pos - g < S_GRAI_DIGITS && s_is_digit(t[pos]))
        pos++;
    if (pos - g < S_GRAI_DIGITS) {
        if (pos == n)
            return s_fail(out, LPG_ECODE_TRUNCATED, n,
                          "the text stops after %zu of the GRAI's 14 digits",
                          pos - g);
        return s_fail(out, LPG_ECODE_SYNTAX, pos,
                      "the GRAI starts with 14 digits; found '%c' after %zu",
                      t[pos], pos - g);
    }
    if (t[g] != '0')
        return s_fail(out, LPG_ECODE_SYNTAX, g,
                      "a GRAI starts with the digit 0, not '%c'", t[g]);
    int check = lpg_code_check_digit(t + g, 13);
    if (t[g + 13] - '0' != check)
        return s_fail(out, LPG_ECODE_CHECKDIGIT, g + 13,
                      "the GRAI check digit is %c; %.13s needs %d", t[g + 13],
                      t + g, check);

    /* serial */
    size_t s = pos;
    while (pos < n && t[pos] != '?' && t[pos] != '/' && t[pos] != '#') {
        char c = t[pos];
        if (c == '&' || c == '=')
            return s_fail(out, LPG_ECODE_SYNTAX, pos,
                          "expected '?' before the query, found '%c'", c);
        if (s_is_lower(c))
            return s_fail(out, LPG_ECODE_SERIAL, pos,
                          "the serial has lower-case '%c'; a steel-stamp "
                          "serial is [0-9A-Z]",
                          c);
        if (!s_is_serial_char(c))
            return s_fail(out, LPG_ECODE_SERIAL, pos,
                          "the serial has '%c'; a steel-stamp serial is "
                          "[0-9A-Z]",
                          c);
        if (pos - s == LPG_CODE_MAX_SERIAL)
            return s_fail(out, LPG_ECODE_SERIAL, pos,
                          "the serial is longer than 16 characters");
        pos++;
    }
    size_t sn = pos - s;
    if (sn == 0 && pos == n)
        return s_fail(out, LPG_ECODE_TRUNCATED, n,
                      "the text stops after the GRAI's 14 digits, before "
                      "the serial");
    if (sn == 0)
        return s_fail(out, LPG_ECODE_SERIAL, pos,
                      "the GRAI has no serial (the steel-stamp serial)");
    if (pos == n)
        return s_fail(out, LPG_ECODE_NOSIG, n,
                      "the code stops after the GRAI: no revision and no "
                      "signature (AI 8030)");
    if (t[pos] == '/')
        return s_fail(out, LPG_ECODE_SYNTAX, pos,
                      "extra path segment after the GRAI");
    if (t[pos] == '#')
        return s_fail(out, LPG_ECODE_SYNTAX, pos,
                      "a fragment ('#') is not part of a code");
    pos++; /* '?' */

    /* revision */
    size_t q = pos;
    k = s_match(t + pos, n - pos, s_rev_key);
    if (pos + k == n && k < S_REV_KEY_LEN)
        return s_fail(out, LPG_ECODE_TRUNCATED, n,
                      "the text stops before \"r=<revision>\"");
    if (k < S_REV_KEY_LEN) {
        if (!s_has_sig_param(t + q, n - q))
            return s_fail(out, LPG_ECODE_NOSIG, q,
                          "the query has no signature (AI 8030)");
        return s_fail(out, LPG_ECODE_SYNTAX, q,
                      "the query must be \"r=<revision>&8030=<signature>\", "
                      "in that order");
    }
    pos += S_REV_KEY_LEN;
    size_t d = pos;
    uint64_t rev = 0;
    while (pos < n && s_is_digit(t[pos])) {
        if (pos - d == 10)
            return s_fail(out, LPG_ECODE_SYNTAX, d,
                          "the revision has more than 10 digits");
        rev = rev * 10 + (uint64_t)(t[pos] - '0');
        pos++;
    }
    if (pos == d && pos == n)
        return s_fail(out, LPG_ECODE_TRUNCATED, n,
                      "the text stops after \"r=\"");
    if (pos == d)
        return s_fail(out, LPG_ECODE_SYNTAX, pos,
                      "the revision is a decimal number; found '%c'", t[pos]);
    if (t[d] == '0' && pos - d > 1)
        return s_fail(out, LPG_ECODE_SYNTAX, d,
                      "the revision has a leading zero");
    if (rev > UINT32_MAX)
        return s_fail(out, LPG_ECODE_SYNTAX, d,
                      "the revision is over 4294967295");
    if (pos == n)
        return s_fail(out, LPG_ECODE_NOSIG, n,
                      "the code stops after the revision: no signature "
                      "(AI 8030)");
    if (t[pos] != '&')
        return s_fail(out, LPG_ECODE_SYNTAX, pos,
                      "the revision is a decimal number; found '%c'", t[pos]);

    /* signature */
    k = s_match(t + pos, n - pos, s_sig_key);
    if (pos + k == n && k < S_SIG_KEY_LEN)
        return s_fail(out, LPG_ECODE_TRUNCATED, n,
                      "the text stops inside \"&8030=\"");
    if (k < S_SIG_KEY_LEN) {
        if (!s_has_sig_param(t + q, n - q))
            return s_fail(out, LPG_ECODE_NOSIG, pos,
                          "the query has no signature (AI 8030)");
        return s_fail(out, LPG_ECODE_SYNTAX, pos,
                      "expected \"&8030=\" right after the revision");
    }
    pos += S_SIG_KEY_LEN;
    size_t sg = pos;
    while (pos < n && s_b64url_value(t[pos]) >= 0)
        pos++;
    size_t sl = pos - sg;
    if (pos < n) {
        if (sl == LPG_CODE_SIG_CHARS && (t[pos] == '&' || t[pos] == '#'))
            return s_fail(out, LPG_ECODE_SYNTAX, pos,
                          "the text goes on after the 86-character "
                          "signature");
        return s_sigchar_fault(t[pos], pos, out);
    }
    if (sl < LPG_CODE_SIG_CHARS)
        return s_fail(out, LPG_ECODE_TRUNCATED, n,
                      "the signature has only %zu of its 86 characters", sl);
    if (sl > LPG_CODE_SIG_CHARS)
        return s_fail(out, LPG_ECODE_SIGFORMAT, sg + LPG_CODE_SIG_CHARS,
                      "the signature has %zu characters, not 86", sl);
    /* 86 characters carry 516 bits: the last 4 must be zero. */
    if (s_b64url_value(t[n - 1]) & 0x0f)
        return s_fail(out, LPG_ECODE_SIGFORMAT, n - 1,
                      "the signature's last character '%c' has stray low "
                      "bits",
                      t[n - 1]);
    size_t got = 0;
    if (lpg_base64_decode(t + sg, sl, true, out->sig, sizeof out->sig, &got) !=
            LPG_OK ||
        got != sizeof out->sig)
        return s_fail(out, LPG_ECODE_SIGFORMAT, sg,
                      "the signature does not decode to 64 bytes");

    memcpy(out->resolver, t + h, hn);
    out->resolver[hn] = '\0';
    memcpy(out->grai, t + g, S_GRAI_DIGITS + sn);
    out->grai[S_GRAI_DIGITS + sn] = '\0';
    memcpy(out->serial, t + s, sn);
    out->serial[sn] = '\0';
    out->revision = (uint32_t)rev;
    return LPG_OK;
}

/*  Size and byte checks, then the grammar. */
static int
s_parse(const char *t, size_t n, const char *resolver, lpg_code_t *out)
{
    memset(out, 0, sizeof *out);
    if (n == 0)
        return s_fail(out, LPG_ECODE_TRUNCATED, 0, "the text is empty");
    if (n > LPG_CODE_MAX_TEXT)
        return s_fail(out, LPG_ECODE_TOOLONG, LPG_CODE_MAX_TEXT,
                      "the text has %zu bytes; a code has at most %d", n,
                      LPG_CODE_MAX_TEXT);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)t[i];
        if (c >= 0x80)
            return s_fail(out, LPG_ECODE_NONASCII, i,
                          "byte 0x%02X at offset %zu is not ASCII", c, i);
        if (c < 0x20 || c == 0x7f)
            return s_fail(out, LPG_ECODE_NONASCII, i,
                          "control byte 0x%02X at offset %zu", c, i);
    }
    int rc = s_parse_form(t, n, resolver, out);
    if (rc != LPG_OK) {
        /* Keep only why and at: no half-parsed fields. */
        lpg_code_t keep = *out;
        memset(out, 0, sizeof *out);
        memcpy(out->why, keep.why, sizeof out->why);
        out->at = keep.at;
    }
    return rc;
}

int
lpg_code_parse(const char *text, size_t len, const char *resolver,
               lpg_code_t *out)
{
    assert(out && (text || len == 0));
    lpg_count(LPG_COUNT_CODE_PARSE);
    int rc = s_parse(text, len, resolver, out);
    if (rc == LPG_OK || rc == LPG_ECODE_TOOLONG || rc == LPG_ECODE_NONASCII)
        return rc;
    /* len <= LPG_CODE_MAX_TEXT here. Caps Lock swaps every letter. */
    char swapped[LPG_CODE_MAX_TEXT];
    bool letters = false;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (s_is_lower(c))
            c = (char)(c - 'a' + 'A');
        else if (s_is_upper(c))
            c = (char)(c - 'A' + 'a');
        letters |= c != text[i];
        swapped[i] = c;
    }
    lpg_code_t alt;
    if (letters && s_parse(swapped, len, resolver, &alt) == LPG_OK) {
        *out = alt;
        return s_fail(out, LPG_ECODE_CASE, 0,
                      "valid only with the letter case swapped: Caps Lock?");
    }
    return rc;
}

int
lpg_code_verify(const char *text, size_t len, const char *resolver,
                const lpg_key_t *authority, lpg_code_t *out)
{
    assert(authority);
    int rc = lpg_code_parse(text, len, resolver, out);
    if (rc != LPG_OK && rc != LPG_ECODE_CASE)
        return rc;
    uint8_t msg[S_SIGNED_MAX];
    size_t mlen = s_signed_bytes(out, msg);
    lpg_count(LPG_COUNT_CODE_VERIFY);
    int vrc = lpg_verify(authority, LPG_CTX_CODE, msg, mlen, out->sig);
    if (vrc == LPG_OK)
        return rc;
    size_t at = len - LPG_CODE_SIG_CHARS;
    if (vrc != LPG_EBADSIG)
        return s_fail(out, vrc, at, "the signature check failed: %s",
                      lpg_strerror(vrc));
    if (rc == LPG_ECODE_CASE)
        return s_fail(out, LPG_ECODE_FORGED, at,
                      "forged: the signature is not the authority's, even "
                      "with the letter case swapped");
    return s_fail(out, LPG_ECODE_FORGED, at,
                  "forged: the signature is not the authority's over this "
                  "GRAI and revision (altered, or signed by another key)");
}

int
lpg_code_format(const lpg_code_t *code, char *out, size_t outsz)
{
    assert(code && out);
    char sig[LPG_CODE_SIG_CHARS + 1];
    size_t slen = 0;
    if (lpg_base64_encode(code->sig, sizeof code->sig, true, sig, sizeof sig,
                          &slen) != LPG_OK ||
        slen != LPG_CODE_SIG_CHARS)
        return LPG_EINTERNAL;
    char text[S_FORMAT_MAX + 1];
    int n = snprintf(
        text, sizeof text, "%s%.*s%s%.*s?%s%" PRIu32 "%s%s", s_scheme,
        (int)strnlen(code->resolver, LPG_CODE_RESOLVER_MAX), code->resolver,
        s_path, (int)strnlen(code->grai, LPG_CODE_GRAI_MAX), code->grai,
        s_rev_key, code->revision, s_sig_key, sig);
    if (n < 0 || (size_t)n >= sizeof text)
        return LPG_EINTERNAL;
    /* The fields must make a code that parses back to themselves. */
    lpg_code_t back;
    if (s_parse(text, (size_t)n, NULL, &back) != LPG_OK ||
        strcmp(back.grai, code->grai) != 0 ||
        strncmp(back.serial, code->serial, sizeof back.serial) != 0)
        return LPG_EINVAL;
    if ((size_t)n >= outsz)
        return LPG_ERANGE;
    memcpy(out, text, (size_t)n + 1);
    return LPG_OK;
}

int
lpg_code_issue(const lpg_key_t *authority, const char *resolver,
               const char *prefix, const char *type, const char *serial,
               uint32_t revision, char *out, size_t outsz)
{
    assert(authority && resolver && out);
    size_t bad;
    size_t rn = strnlen(resolver, LPG_CODE_RESOLVER_MAX + 1);
    if (s_host_fault(resolver, rn, &bad))
        return LPG_EINVAL;
    lpg_code_t code;
    memset(&code, 0, sizeof code);
    int rc = lpg_code_grai(code.grai, prefix, type, serial);
    if (rc != LPG_OK)
        return rc;
    memcpy(code.resolver, resolver, rn);
    memcpy(code.serial, code.grai + S_GRAI_DIGITS,
           strlen(code.grai) - S_GRAI_DIGITS);
    code.revision = revision;
    char digits[11];
    int dn = snprintf(digits, sizeof digits, "%" PRIu32, revision);
    size_t total = S_SCHEME_LEN + rn + S_PATH_LEN + strlen(code.grai) + 1 +
                   S_REV_KEY_LEN + (size_t)dn + S_SIG_KEY_LEN +
                   LPG_CODE_SIG_CHARS;
    if (total > LPG_CODE_QR_MAX_BYTES)
        return LPG_ETOOBIG;
    if (total >= outsz)
        return LPG_ERANGE;
    uint8_t msg[S_SIGNED_MAX];
    size_t mlen = s_signed_bytes(&code, msg);
    rc = lpg_sign(authority, LPG_CTX_CODE, msg, mlen, code.sig);
    if (rc != LPG_OK)
        return rc;
    return lpg_code_format(&code, out, outsz);
}

void
lpg_code_short_id(const lpg_code_t *code, char out[LPG_CODE_SHORT_ID_MAX + 1])
{
    assert(code && out);
    size_t gl = strnlen(code->grai, sizeof code->grai);
    if (gl <= S_GRAI_DIGITS) {
        out[0] = '\0';
        return;
    }
    snprintf(out, LPG_CODE_SHORT_ID_MAX + 1, "%.4s-%.*s-R%" PRIu32,
             code->grai + 9, (int)(gl - S_GRAI_DIGITS),
             code->grai + S_GRAI_DIGITS, code->revision);
}
