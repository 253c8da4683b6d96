/*  gascert.c - the gas-use certificate: its text form, issuing, parsing
 *  and verifying. See gascert.h. Holds no state; parsing reads exactly
 *  the bytes it is given.
 *
 *  THE TEXT FORM. One canonical form, and the parser accepts only it:
 *
 *      https://<resolver>/gc/<company>/<user>?n=<number>&u=<until>
 *      &k=<key id>&s=<signature>                  (one line, no break)
 *
 *  resolver  the code resolver (config code.resolver): [a-z0-9.-], 1 to
 *            63 characters.
 *  company, user, number
 *            the registry's ids and the certificate number on record,
 *            1 to 64 bytes each of UTF-8 text without control
 *            characters (lpg_string_check), neither "." nor "..".
 *            The bytes A-Z a-z 0-9 - . _ ~ are written as they are; every
 *            other byte as %XX, upper-case hex. Nothing else is accepted
 *            (no %XX for a byte written as it is, no lower-case hex), so
 *            each certificate has one text.
 *  until     the last day the certificate is valid: 8 digits YYYYMMDD, a
 *            calendar date.
 *  key id    43 base64url characters (RFC 4648 section 5, no padding) of
 *            the 32-byte id of the signing key (SHA-256 of its public
 *            key).
 *  signature 86 base64url characters of the 64-byte Ed25519 signature,
 *            context LPG_CTX_CERT, over the signed bytes
 *                company || 0x00 || user || 0x00 || number || 0x00 ||
 *                until (u32 big-endian)
 *            (no field holds a 0x00, so the bytes name the fields
 *            exactly). The resolver is not signed, as in a cylinder code.
 *
 *  Example, 185 bytes (a QR code of version 10 at level M holds 213):
 *      https://id.lpg.example/gc/NT/U1?n=GC-U1&u=20271231&k=<43>&s=<86>
 *  The longest text issue can write (every field 64 escaped bytes, a
 *  63-character resolver) is 801 bytes, within LPG_GASCERT_MAX_TEXT, the
 *  bound a Delivery's gas_cert string has on the wire (lib/ledger/event.c).
 *
 *  WHAT CAN BE WRONG, each with its own error and out->why:
 *  more than LPG_GASCERT_MAX_TEXT bytes: LPG_ECERT_TOOLONG; another host
 *  than the resolver: LPG_ECERT_HOST; anything else out of the form
 *  (empty, cut short, spaces or non-ASCII, bad escapes, a field too long
 *  or one whose bytes are not UTF-8 text, a date that is no date, a key
 *  id or signature of the wrong length or alphabet): LPG_ECERT_MALFORMED;
 *  well-formed but not signed by the key it names over these fields:
 *  LPG_ECERT_FORGED. Unlike a cylinder code there is no Caps Lock retry:
 *  a certificate is read by a camera, never typed.
 */
#include "codes/gascert.h"
#include "base/count.h"
#include "base/error.h"
#include "base/text.h"

#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char s_scheme[] = "https://";
static const char s_path[] = "/gc/";

#define S_KEY_CHARS 43 /* base64url of 32 bytes */
#define S_SIG_CHARS 86 /* base64url of 64 bytes */
#define S_SIGNED_MAX (3 * (LPG_GASCERT_FIELD_MAX + 1) + 4)
/* The longest text: scheme, host, path, three fields of escaped bytes,
 * the separators and date, key id and signature. */
#define S_TEXT_WORST                                                       \
    (sizeof s_scheme - 1 + LPG_GASCERT_RESOLVER_MAX + sizeof s_path - 1 +  \
     3 * 3 * LPG_GASCERT_FIELD_MAX + 1 + 3 + 3 + 8 + 3 + S_KEY_CHARS + 3 + \
     S_SIG_CHARS)
_Static_assert(S_TEXT_WORST <= LPG_GASCERT_MAX_TEXT,
               "an issued certificate must fit LPG_GASCERT_MAX_TEXT");

__attribute__((format(printf, 4, 5))) static int
s_fail(lpg_gascert_t *out, int err, size_t at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->why, sizeof out->why, fmt, ap);
    va_end(ap);
    out->at = at;
    return err;
}

/*  A byte written as it is in a field. */
static bool
s_is_plain(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
           c == '~';
}

static int
s_hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/*  Is f[0..n) "." or ".."? */
static bool
s_is_dots(const char *f, size_t n)
{
    return (n == 1 && f[0] == '.') || (n == 2 && f[0] == '.' && f[1] == '.');
}

/*  Is f[0..n), with f[n] == '\0' when n is in bounds, a field a
 *  certificate may hold: 1 to 64 bytes of UTF-8 text without control
 *  characters, neither "." nor ".."? */
static bool
s_field_ok(const char *f, size_t n)
{
    if (n == 0 || n > LPG_GASCERT_FIELD_MAX || s_is_dots(f, n))
        return false;
    assert(f[n] == '\0');
    return lpg_string_check(f, LPG_GASCERT_FIELD_MAX) == LPG_OK;
}

static bool
s_host_ok(const char *h, size_t n)
{
    if (n == 0 || n > LPG_GASCERT_RESOLVER_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = h[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
              c == '.'))
            return false;
    }
    return true;
}

bool
lpg_gascert_date_ok(uint32_t ymd)
{
    static const uint8_t days[12] = {31, 29, 31, 30, 31, 30,
                                     31, 31, 30, 31, 30, 31};
    uint32_t y = ymd / 10000, m = ymd / 100 % 100, d = ymd % 100;
    if (y < 1900 || y > 9999 || m < 1 || m > 12 || d < 1 || d > days[m - 1])
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return !(m == 2 && d == 29 && !leap);
}

/*  The canonical signed bytes of a certificate. */
static size_t
s_signed_bytes(const lpg_gascert_t *c, uint8_t out[S_SIGNED_MAX])
{
    size_t n = 0;
    const char *fields[3] = {c->company, c->user, c->cert_no};
    for (int i = 0; i < 3; i++) {
        size_t len = strnlen(fields[i], LPG_GASCERT_FIELD_MAX);
        memcpy(out + n, fields[i], len);
        n += len;
        out[n++] = 0x00;
    }
    out[n++] = (uint8_t)(c->until_ymd >> 24);
    out[n++] = (uint8_t)(c->until_ymd >> 16);
    out[n++] = (uint8_t)(c->until_ymd >> 8);
    out[n++] = (uint8_t)c->until_ymd;
    return n;
}

/*  Appends f, escaped, to out at *pos. False if it does not fit. */
static bool
s_put_field(char *out, size_t outsz, size_t *pos, const char *f)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)f; *p; p++) {
        if (*pos + 4 > outsz)
            return false;
        if (s_is_plain(*p)) {
            out[(*pos)++] = (char)*p;
        } else {
            out[(*pos)++] = '%';
            out[(*pos)++] = hex[*p >> 4];
            out[(*pos)++] = hex[*p & 0x0f];
        }
    }
    out[*pos] = '\0';
    return true;
}

static bool
s_put(char *out, size_t outsz, size_t *pos, const char *s)
{
    size_t n = strlen(s);
    if (*pos + n + 1 > outsz)
        return false;
    memcpy(out + *pos, s, n + 1);
    *pos += n;
    return true;
}

int
lpg_gascert_format(char *out, size_t outsz, const lpg_gascert_t *cert)
{
    assert(out && cert);
    size_t rn = strnlen(cert->resolver, sizeof cert->resolver);
    if (!s_host_ok(cert->resolver, rn) ||
        !s_field_ok(cert->company,
                    strnlen(cert->company, sizeof cert->company)) ||
        !s_field_ok(cert->user, strnlen(cert->user, sizeof cert->user)) ||
        !s_field_ok(cert->cert_no,
                    strnlen(cert->cert_no, sizeof cert->cert_no)) ||
        !lpg_gascert_date_ok(cert->until_ymd))
        return LPG_EINVAL;
    char key[S_KEY_CHARS + 1], sig[S_SIG_CHARS + 1], until[16];
    size_t kl = 0, sl = 0;
    if (lpg_base64_encode(cert->key_id, sizeof cert->key_id, true, key,
                          sizeof key, &kl) != LPG_OK ||
        lpg_base64_encode(cert->sig, sizeof cert->sig, true, sig, sizeof sig,
                          &sl) != LPG_OK)
        return LPG_EINTERNAL;
    snprintf(until, sizeof until, "%08" PRIu32, cert->until_ymd);
    char text[LPG_GASCERT_MAX_TEXT + 1];
    size_t pos = 0;
    text[0] = '\0';
    bool fits = s_put(text, sizeof text, &pos, s_scheme) &&
                s_put(text, sizeof text, &pos, cert->resolver) &&
                s_put(text, sizeof text, &pos, s_path) &&
                s_put_field(text, sizeof text, &pos, cert->company) &&
                s_put(text, sizeof text, &pos, "/") &&
                s_put_field(text, sizeof text, &pos, cert->user) &&
                s_put(text, sizeof text, &pos, "?n=") &&
                s_put_field(text, sizeof text, &pos, cert->cert_no) &&
                s_put(text, sizeof text, &pos, "&u=") &&
                s_put(text, sizeof text, &pos, until) &&
                s_put(text, sizeof text, &pos, "&k=") &&
                s_put(text, sizeof text, &pos, key) &&
                s_put(text, sizeof text, &pos, "&s=") &&
                s_put(text, sizeof text, &pos, sig);
    if (!fits) /* S_TEXT_WORST says it cannot happen; refuse all the same */
        return LPG_ECERT_TOOLONG;
    if (pos >= outsz)
        return LPG_ERANGE;
    memcpy(out, text, pos + 1);
    return LPG_OK;
}

int
lpg_gascert_issue(char *out, size_t outsz, const lpg_key_t *signer,
                  const char *resolver, const char *company, const char *user,
                  const char *cert_no, uint32_t until_ymd)
{
    assert(out && signer && resolver && company && user && cert_no);
    lpg_gascert_t c;
    memset(&c, 0, sizeof c);
    const char *src[3] = {company, user, cert_no};
    char *dst[3] = {c.company, c.user, c.cert_no};
    for (int i = 0; i < 3; i++) {
        size_t n = strnlen(src[i], LPG_GASCERT_FIELD_MAX + 1);
        if (!s_field_ok(src[i], n))
            return LPG_EINVAL;
        memcpy(dst[i], src[i], n);
    }
    size_t rn = strnlen(resolver, LPG_GASCERT_RESOLVER_MAX + 1);
    if (!s_host_ok(resolver, rn) || !lpg_gascert_date_ok(until_ymd))
        return LPG_EINVAL;
    memcpy(c.resolver, resolver, rn);
    c.until_ymd = until_ymd;
    lpg_key_id(signer, c.key_id);
    uint8_t msg[S_SIGNED_MAX];
    size_t mlen = s_signed_bytes(&c, msg);
    int rc = lpg_sign(signer, LPG_CTX_CERT, msg, mlen, c.sig);
    if (rc != LPG_OK)
        return rc;
    return lpg_gascert_format(out, outsz, &c);
}

/*  Expects the literal lit at *pos. */
static int
s_expect(lpg_gascert_t *out, const char *t, size_t n, size_t *pos,
         const char *lit, const char *where)
{
    size_t k = strlen(lit);
    if (n - *pos < k || memcmp(t + *pos, lit, k) != 0) {
        size_t i = 0;
        while (*pos + i < n && i < k && t[*pos + i] == lit[i])
            i++;
        if (*pos + i == n)
            return s_fail(out, LPG_ECERT_MALFORMED, n,
                          "the text stops before \"%s\" %s", lit, where);
        return s_fail(out, LPG_ECERT_MALFORMED, *pos + i, "expected \"%s\" %s",
                      lit, where);
    }
    *pos += k;
    return LPG_OK;
}

/*  Reads an escaped field up to stop (or the end) into dst. */
static int
s_get_field(lpg_gascert_t *out, const char *t, size_t n, size_t *pos,
            char stop, char dst[LPG_GASCERT_FIELD_MAX + 1], const char *name)
{
    size_t len = 0, start = *pos;
    while (*pos < n && t[*pos] != stop) {
        unsigned char c = (unsigned char)t[*pos];
        size_t at = *pos;
        if (c == '%') {
            if (*pos + 2 >= n)
                return s_fail(out, LPG_ECERT_MALFORMED, n,
                              "the text stops inside an escape in the %s",
                              name);
            int hi = s_hex_value(t[*pos + 1]), lo = s_hex_value(t[*pos + 2]);
            if (hi < 0 || lo < 0)
                return s_fail(out, LPG_ECERT_MALFORMED, at,
                              "the %s has '%%' without two upper-case hex "
                              "digits",
                              name);
            c = (unsigned char)(hi << 4 | lo);
            if (s_is_plain(c))
                return s_fail(out, LPG_ECERT_MALFORMED, at,
                              "the %s escapes '%c', which is written as it "
                              "is",
                              name, c);
            if (c < 0x20 || c == 0x7f)
                return s_fail(out, LPG_ECERT_MALFORMED, at,
                              "the %s holds the control byte 0x%02X", name, c);
            *pos += 3;
        } else if (s_is_plain(c)) {
            (*pos)++;
        } else {
            return s_fail(out, LPG_ECERT_MALFORMED, at,
                          "the %s has '%c', which must be escaped", name, c);
        }
        if (len == LPG_GASCERT_FIELD_MAX)
            return s_fail(out, LPG_ECERT_MALFORMED, at,
                          "the %s is longer than %d bytes", name,
                          LPG_GASCERT_FIELD_MAX);
        dst[len++] = (char)c;
    }
    dst[len] = '\0';
    if (len == 0)
        return s_fail(out, LPG_ECERT_MALFORMED, start, "the %s is empty",
                      name);
    if (s_is_dots(dst, len))
        return s_fail(out, LPG_ECERT_MALFORMED, start,
                      "the %s may not be \"%s\"", name, dst);
    /* Never shown: bytes that are no text must not reach a reason. */
    if (!s_field_ok(dst, len))
        return s_fail(out, LPG_ECERT_MALFORMED, start,
                      "the %s is not UTF-8 text without control "
                      "characters",
                      name);
    return LPG_OK;
}

/*  Reads exactly chars base64url characters up to stop (or the end),
 *  decoding to outlen bytes. */
static int
s_get_b64(lpg_gascert_t *out, const char *t, size_t n, size_t *pos, char stop,
          size_t chars, uint8_t *dst, size_t outlen, const char *name)
{
    size_t start = *pos;
    while (*pos < n && t[*pos] != stop)
        (*pos)++;
    size_t len = *pos - start;
    if (len != chars)
        return s_fail(out, LPG_ECERT_MALFORMED, start,
                      "the %s has %zu characters, not %zu", name, len, chars);
    size_t got = 0;
    if (lpg_base64_decode(t + start, len, true, dst, outlen, &got) != LPG_OK ||
        got != outlen)
        return s_fail(out, LPG_ECERT_MALFORMED, start,
                      "the %s is not %zu bytes of base64url", name, outlen);
    return LPG_OK;
}

static int
s_parse_form(lpg_gascert_t *out, const char *t, size_t n, const char *resolver)
{
    size_t pos = 0;
    int rc = s_expect(out, t, n, &pos, s_scheme, "at the start");
    if (rc != LPG_OK)
        return rc;
    size_t h = pos;
    while (pos < n && t[pos] != '/')
        pos++;
    size_t hn = pos - h;
    int shown =
        (int)(hn > LPG_GASCERT_RESOLVER_MAX ? LPG_GASCERT_RESOLVER_MAX : hn);
    if (hn == 0)
        return s_fail(out, LPG_ECERT_MALFORMED, h,
                      pos == n ? "the text stops before the host"
                               : "the URL has no host");
    if (resolver && (hn != strlen(resolver) || memcmp(t + h, resolver, hn)))
        return s_fail(out, LPG_ECERT_HOST, h,
                      "the host \"%.*s\" is not the resolver \"%s\"", shown,
                      t + h, resolver);
    if (!s_host_ok(t + h, hn))
        return s_fail(out, LPG_ECERT_HOST, h,
                      "the host \"%.*s\" is not a lower-case host name", shown,
                      t + h);
    if ((rc = s_expect(out, t, n, &pos, s_path, "after the host")) ||
        (rc = s_get_field(out, t, n, &pos, '/', out->company, "company")) ||
        (rc = s_expect(out, t, n, &pos, "/", "after the company")) ||
        (rc = s_get_field(out, t, n, &pos, '?', out->user, "user")) ||
        (rc = s_expect(out, t, n, &pos, "?n=", "after the user")) ||
        (rc = s_get_field(out, t, n, &pos, '&', out->cert_no,
                          "certificate number")) ||
        (rc = s_expect(out, t, n, &pos, "&u=", "after the number")))
        return rc;
    size_t d = pos;
    uint32_t ymd = 0;
    while (pos < n && pos - d < 8 && t[pos] >= '0' && t[pos] <= '9')
        ymd = ymd * 10 + (uint32_t)(t[pos++] - '0');
    if (pos - d != 8 || (pos < n && t[pos] != '&'))
        return s_fail(out, LPG_ECERT_MALFORMED, d,
                      "the date is not 8 digits YYYYMMDD");
    if (!lpg_gascert_date_ok(ymd))
        return s_fail(out, LPG_ECERT_MALFORMED, d,
                      "the date %08" PRIu32 " is no calendar date", ymd);
    out->until_ymd = ymd;
    if ((rc = s_expect(out, t, n, &pos, "&k=", "after the date")) ||
        (rc = s_get_b64(out, t, n, &pos, '&', S_KEY_CHARS, out->key_id,
                        sizeof out->key_id, "key id")) ||
        (rc = s_expect(out, t, n, &pos, "&s=", "after the key id")) ||
        (rc = s_get_b64(out, t, n, &pos, '\0', S_SIG_CHARS, out->sig,
                        sizeof out->sig, "signature")))
        return rc;
    memcpy(out->resolver, t + h, hn);
    out->resolver[hn] = '\0';
    return LPG_OK;
}

int
lpg_gascert_parse(lpg_gascert_t *out, const char *text, size_t len,
                  const char *resolver)
{
    assert(out && (text || len == 0));
    memset(out, 0, sizeof *out);
    if (len == 0)
        return s_fail(out, LPG_ECERT_MALFORMED, 0,
                      "no certificate: the text is empty");
    if (len > LPG_GASCERT_MAX_TEXT)
        return s_fail(out, LPG_ECERT_TOOLONG, LPG_GASCERT_MAX_TEXT,
                      "the text has %zu bytes; a certificate has at most "
                      "%d",
                      len, LPG_GASCERT_MAX_TEXT);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c <= 0x20 || c >= 0x7f)
            return s_fail(out, LPG_ECERT_MALFORMED, i,
                          "byte 0x%02X at offset %zu has no place in a "
                          "certificate",
                          c, i);
    }
    int rc = s_parse_form(out, text, len, resolver);
    if (rc != LPG_OK) {
        lpg_gascert_t keep = *out;
        memset(out, 0, sizeof *out);
        memcpy(out->why, keep.why, sizeof out->why);
        out->at = keep.at;
    }
    return rc;
}

int
lpg_gascert_verify(lpg_gascert_t *out, const char *text, size_t len,
                   const char *resolver, const lpg_key_t *signer)
{
    assert(signer);
    int rc = lpg_gascert_parse(out, text, len, resolver);
    if (rc != LPG_OK)
        return rc;
    size_t at = len - S_SIG_CHARS;
    uint8_t id[LPG_KEYID_LEN];
    lpg_key_id(signer, id);
    if (memcmp(id, out->key_id, sizeof id) != 0)
        return s_fail(out, LPG_ECERT_FORGED, at - 3 - S_KEY_CHARS,
                      "the certificate names another signing key");
    uint8_t msg[S_SIGNED_MAX];
    size_t mlen = s_signed_bytes(out, msg);
    lpg_count(LPG_COUNT_GASCERT_VERIFY);
    rc = lpg_verify(signer, LPG_CTX_CERT, msg, mlen, out->sig);
    if (rc == LPG_EBADSIG)
        return s_fail(out, LPG_ECERT_FORGED, at,
                      "forged: the signature is not the named key's over "
                      "these fields (altered, or signed by another key)");
    if (rc != LPG_OK)
        return s_fail(out, rc, at, "the signature check failed: %s",
                      lpg_strerror(rc));
    return LPG_OK;
}
