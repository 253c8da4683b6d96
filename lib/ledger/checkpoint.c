/*  checkpoint.c - see checkpoint.h. Signed-note rules followed here: the
 *  text is valid UTF-8 without control characters other than newline,
 *  every line ends with a newline, the signed part is everything before
 *  the blank line (its final newline included), and signatures by keys we
 *  do not know are ignored.
 */
#include "ledger/checkpoint.h"
#include "base/error.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_DASH "\xe2\x80\x94 " /* U+2014 EM DASH, then a space */

static void
s_key_hash(const lpg_key_t *key, const char *name, uint8_t out[4])
{
    uint8_t pub[32];
    lpg_key_raw_public(key, pub);
    const uint8_t sep[2] = {'\n', 0x01};
    lpg_iov_t parts[] = {{name, strlen(name)}, {sep, 2}, {pub, 32}};
    uint8_t h[32];
    lpg_sha256v(parts, 3, h);
    memcpy(out, h, 4);
}

static bool
s_name_ok(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if ((unsigned char)*s <= 0x20 || *s == '+')
            return false;
    return true;
}

int
lpg_checkpoint_sign(const lpg_key_t *key, const char *origin, uint64_t size,
                    const uint8_t root[32], char **note)
{
    *note = NULL;
    if (!s_name_ok(origin) || strlen(origin) >= 256)
        return LPG_EINVAL;
    char root64[64];
    size_t rlen;
    int rc = lpg_base64_encode(root, 32, false, root64, sizeof root64, &rlen);
    if (rc != LPG_OK)
        return rc;
    char body[512];
    int blen = snprintf(body, sizeof body, "%s\n%" PRIu64 "\n%s\n", origin,
                        size, root64);
    if (blen < 0 || (size_t)blen >= sizeof body)
        return LPG_ERANGE;
    uint8_t blob[4 + LPG_ED25519_SIG_LEN];
    s_key_hash(key, origin, blob);
    rc = lpg_sign(key, LPG_CTX_NOTE, body, (size_t)blen, blob + 4);
    if (rc != LPG_OK)
        return rc;
    char sig64[128];
    size_t slen;
    rc = lpg_base64_encode(blob, sizeof blob, false, sig64, sizeof sig64,
                           &slen);
    if (rc != LPG_OK)
        return rc;
    size_t total =
        (size_t)blen + 1 + strlen(S_DASH) + strlen(origin) + 1 + slen + 2;
    char *out = malloc(total);
    if (!out)
        return LPG_ENOMEM;
    snprintf(out, total, "%s\n" S_DASH "%s %s\n", body, origin, sig64);
    *note = out;
    return LPG_OK;
}

static int
s_bad(char *why, size_t whysz, const char *text)
{
    if (why)
        snprintf(why, whysz, "%s", text);
    return LPG_EBADNOTE;
}

int
lpg_checkpoint_open(const char *note, size_t len, const lpg_key_t *key,
                    const char *origin, lpg_checkpoint_t *out, char *why,
                    size_t whysz)
{
    memset(out, 0, sizeof *out);
    if (len == 0 || len > LPG_CHECKPOINT_MAX)
        return s_bad(why, whysz, "empty or longer than 4096 bytes");
    if (note[len - 1] != '\n')
        return s_bad(why, whysz, "does not end with a newline");
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)note[i];
        if ((c < 0x20 && c != '\n') || c == 0x7f)
            return s_bad(why, whysz, "holds a control character");
    }
    /* The signed text ends at the first blank line. */
    const char *blank = NULL;
    for (size_t i = 0; i + 1 < len; i++)
        if (note[i] == '\n' && note[i + 1] == '\n') {
            blank = note + i + 1;
            break;
        }
    if (!blank)
        return s_bad(why, whysz, "no blank line before the signatures");
    size_t textlen = (size_t)(blank - note);

    /* Body: origin, size, root, then optional extension lines. */
    const char *p = note;
    const char *nl = memchr(p, '\n', textlen);
    size_t olen = (size_t)(nl - p);
    if (olen == 0 || olen >= sizeof out->origin)
        return s_bad(why, whysz, "origin line empty or too long");
    memcpy(out->origin, p, olen);
    p = nl + 1;
    nl = memchr(p, '\n', textlen - (size_t)(p - note));
    if (!nl)
        return s_bad(why, whysz, "no tree size line");
    if (nl == p || (*p == '0' && nl - p > 1) || nl - p > 20)
        return s_bad(why, whysz, "tree size is not a decimal number");
    uint64_t size = 0;
    for (const char *q = p; q < nl; q++) {
        if (*q < '0' || *q > '9')
            return s_bad(why, whysz, "tree size is not a decimal number");
        uint64_t d = (uint64_t)(*q - '0');
        if (size > (UINT64_MAX - d) / 10)
            return s_bad(why, whysz, "tree size too large");
        size = size * 10 + d;
    }
    out->size = size;
    p = nl + 1;
    nl = memchr(p, '\n', textlen - (size_t)(p - note));
    if (!nl)
        return s_bad(why, whysz, "no root hash line");
    size_t rlen;
    if (lpg_base64_decode(p, (size_t)(nl - p), false, out->root,
                          sizeof out->root, &rlen) != LPG_OK ||
        rlen != 32)
        return s_bad(why, whysz, "root hash is not 32 bytes of base64");

    if (strcmp(out->origin, origin) != 0) {
        if (why)
            snprintf(why, whysz, "note is for origin '%s', not '%s'",
                     out->origin, origin);
        return LPG_EINVAL;
    }

    /* Signature lines. */
    uint8_t want[4];
    s_key_hash(key, origin, want);
    size_t namelen = strlen(origin);
    const char *s = blank + 1;
    const char *end = note + len;
    int nsigs = 0;
    bool good = false;
    while (s < end) {
        const char *e = memchr(s, '\n', (size_t)(end - s));
        size_t l = (size_t)(e - s);
        if (l < strlen(S_DASH) || memcmp(s, S_DASH, strlen(S_DASH)) != 0)
            return s_bad(why, whysz,
                         "signature line does not start with "
                         "an em dash");
        nsigs++;
        const char *name = s + strlen(S_DASH);
        const char *sp = memchr(name, ' ', (size_t)(e - name));
        if (!sp)
            return s_bad(why, whysz, "signature line has no key name");
        if ((size_t)(sp - name) == namelen &&
            memcmp(name, origin, namelen) == 0) {
            uint8_t blob[4 + LPG_ED25519_SIG_LEN + 8];
            size_t blen;
            if (lpg_base64_decode(sp + 1, (size_t)(e - sp - 1), false, blob,
                                  sizeof blob, &blen) == LPG_OK &&
                blen == 4 + LPG_ED25519_SIG_LEN &&
                memcmp(blob, want, 4) == 0 &&
                lpg_verify(key, LPG_CTX_NOTE, note, textlen, blob + 4) ==
                    LPG_OK)
                good = true;
        }
        s = e + 1;
    }
    if (nsigs == 0)
        return s_bad(why, whysz, "no signature lines");
    if (!good) {
        if (why)
            snprintf(why, whysz,
                     "no valid signature by the ledger key "
                     "'%s'",
                     origin);
        return LPG_EBADSIG;
    }
    return LPG_OK;
}
