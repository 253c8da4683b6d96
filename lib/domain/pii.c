/*  pii.c - see pii.h. The HMAC input is the normalised value's bytes
 *  alone, so any holder of the look-up key finds a person by the same
 *  rule; the seal's associated data is the user id, and a wrapped key's
 *  is "lpgtrace/v1/pii-key" NUL user id, so neither ciphertext can pass
 *  for the other or for another person's.
 */
#include "domain/pii.h"
#include "crypto/crypto.h"
#include "base/error.h"
#include "ledger/event.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define S_WRAP_CTX "lpgtrace/v1/pii-key"

void
lpg_pii_wipe(void *p, size_t len)
{
    volatile unsigned char *v = p;
    while (len--)
        *v++ = 0;
}

static bool
s_ascii_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
           c == '\f';
}

/*  Length of the white space (ASCII or U+3000) starting at s, 0 if none. */
static size_t
s_space_at(const char *s, size_t len)
{
    if (len >= 1 && s_ascii_space((unsigned char)s[0]))
        return 1;
    if (len >= 3 && memcmp(s, "\xe3\x80\x80", 3) == 0)
        return 3;
    return 0;
}

/*  Length of the white space ending at s + len, 0 if none. */
static size_t
s_space_before(const char *s, size_t len)
{
    if (len >= 1 && s_ascii_space((unsigned char)s[len - 1]))
        return 1;
    if (len >= 3 && memcmp(s + len - 3, "\xe3\x80\x80", 3) == 0)
        return 3;
    return 0;
}

int
lpg_pii_normalise(lpg_pii_field_t field, const char *in, char *out,
                  size_t outsz)
{
    if (!in)
        return LPG_EINVAL;
    const char *s = in;
    size_t len = strlen(in), k;
    while ((k = s_space_at(s, len)) > 0) {
        s += k;
        len -= k;
    }
    while ((k = s_space_before(s, len)) > 0)
        len -= k;
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (field == LPG_PII_PHONE && (c == ' ' || c == '-'))
            continue;
        if (field == LPG_PII_ID_CARD && c >= 'a' && c <= 'z')
            c = (unsigned char)(c - 'a' + 'A');
        if (n + 1 >= outsz)
            return LPG_ERANGE;
        out[n++] = (char)c;
    }
    if (outsz == 0)
        return LPG_ERANGE;
    out[n] = '\0';
    /* What is left must be text: UTF-8, no tab or line end inside. */
    if (n == 0 || lpg_string_check(out, SIZE_MAX) != LPG_OK) {
        out[0] = '\0';
        return LPG_EINVAL;
    }
    return LPG_OK;
}

int
lpg_pii_hmac(const uint8_t key[LPG_PII_KEY_LEN], lpg_pii_field_t field,
             const char *value, uint8_t out[LPG_PII_HMAC_LEN])
{
    size_t len = value ? strlen(value) + 1 : 1;
    char *norm = malloc(len);
    if (!norm)
        return LPG_ENOMEM;
    int rc = lpg_pii_normalise(field, value, norm, len);
    if (rc == LPG_OK)
        lpg_hmac_sha256(key, LPG_PII_KEY_LEN, norm, strlen(norm), out);
    lpg_pii_wipe(norm, len);
    free(norm);
    return rc;
}

int
lpg_pii_mask(const char *name, char *out, size_t outsz)
{
    size_t len = name ? strlen(name) + 1 : 1;
    char *norm = malloc(len);
    if (!norm)
        return LPG_ENOMEM;
    int rc = lpg_pii_normalise(LPG_PII_NAME, name, norm, len);
    if (rc != LPG_OK) {
        free(norm);
        return rc;
    }
    /* Code points: every byte that is not a continuation byte starts
     * one (the text was checked to be UTF-8). */
    size_t n = strlen(norm), chars = 0, first_end = 0, last_start = 0;
    for (size_t i = 0; i < n; i++) {
        if (((unsigned char)norm[i] & 0xc0) == 0x80)
            continue;
        if (chars == 1)
            first_end = i;
        last_start = i;
        chars++;
    }
    if (chars == 1)
        first_end = n;
    size_t stars = chars == 1 ? 1 : chars == 2 ? 1 : chars - 2;
    size_t keep_first = chars == 1 ? 0 : first_end;
    size_t keep_last = chars >= 3 ? n - last_start : 0;
    size_t need = keep_first + stars + keep_last + 1;
    if (need > outsz) {
        lpg_pii_wipe(norm, len);
        free(norm);
        return LPG_ERANGE;
    }
    size_t w = 0;
    memcpy(out, norm, keep_first);
    w += keep_first;
    memset(out + w, '*', stars);
    w += stars;
    memcpy(out + w, norm + n - keep_last, keep_last);
    w += keep_last;
    out[w] = '\0';
    lpg_pii_wipe(norm, len);
    free(norm);
    return LPG_OK;
}

int
lpg_pii_seal(const uint8_t data_key[LPG_PII_KEY_LEN], const char *user,
             const Lpg__PersonalData *pd, uint8_t **out, size_t *outlen)
{
    *out = NULL;
    *outlen = 0;
    size_t plen = lpg__personal_data__get_packed_size(pd);
    uint8_t *plain = malloc(plen ? plen : 1);
    uint8_t *sealed = malloc(plen + 28);
    int rc = plain && sealed ? LPG_OK : LPG_ENOMEM;
    if (rc == LPG_OK) {
        lpg__personal_data__pack(pd, plain);
        rc = lpg_aead_seal(data_key, user, strlen(user), plain, plen, sealed,
                           plen + 28, outlen);
    }
    if (plain) {
        lpg_pii_wipe(plain, plen);
        free(plain);
    }
    if (rc != LPG_OK) {
        free(sealed);
        *outlen = 0;
        return rc;
    }
    *out = sealed;
    return LPG_OK;
}

int
lpg_pii_open(const uint8_t data_key[LPG_PII_KEY_LEN], const char *user,
             const uint8_t *in, size_t len, Lpg__PersonalData **out)
{
    *out = NULL;
    if (len < 28)
        return LPG_EMALFORMED;
    uint8_t *plain = malloc(len);
    if (!plain)
        return LPG_ENOMEM;
    size_t plen = 0;
    int rc = lpg_aead_open(data_key, user, strlen(user), in, len, plain, len,
                           &plen);
    if (rc == LPG_OK) {
        *out = lpg__personal_data__unpack(NULL, plen, plain);
        const char *field = NULL;
        if (!*out ||
            lpg_proto_strings_check(&(*out)->base, &field) != LPG_OK) {
            if (*out)
                lpg__personal_data__free_unpacked(*out, NULL);
            *out = NULL;
            rc = LPG_EMALFORMED;
        }
    }
    lpg_pii_wipe(plain, len);
    free(plain);
    return rc;
}

/*  The wrapped key's associated data: context, NUL, user id. */
static char *
s_wrap_aad(const char *user, size_t *len)
{
    size_t ulen = strlen(user);
    *len = sizeof S_WRAP_CTX + ulen;
    char *aad = malloc(*len);
    if (aad) {
        memcpy(aad, S_WRAP_CTX, sizeof S_WRAP_CTX);
        memcpy(aad + sizeof S_WRAP_CTX, user, ulen);
    }
    return aad;
}

int
lpg_pii_wrap(const uint8_t master[LPG_PII_KEY_LEN], const char *user,
             const uint8_t data_key[LPG_PII_KEY_LEN],
             uint8_t out[LPG_PII_WRAPPED_LEN])
{
    size_t alen;
    char *aad = s_wrap_aad(user, &alen);
    if (!aad)
        return LPG_ENOMEM;
    size_t outlen = 0;
    int rc = lpg_aead_seal(master, aad, alen, data_key, LPG_PII_KEY_LEN, out,
                           LPG_PII_WRAPPED_LEN, &outlen);
    free(aad);
    if (rc == LPG_OK && outlen != LPG_PII_WRAPPED_LEN)
        rc = LPG_EINTERNAL;
    return rc;
}

int
lpg_pii_unwrap(const uint8_t master[LPG_PII_KEY_LEN], const char *user,
               const uint8_t *wrapped, size_t len,
               uint8_t data_key[LPG_PII_KEY_LEN])
{
    if (len != LPG_PII_WRAPPED_LEN)
        return LPG_EMALFORMED;
    size_t alen;
    char *aad = s_wrap_aad(user, &alen);
    if (!aad)
        return LPG_ENOMEM;
    size_t outlen = 0;
    int rc = lpg_aead_open(master, aad, alen, wrapped, len, data_key,
                           LPG_PII_KEY_LEN, &outlen);
    free(aad);
    if (rc == LPG_OK && outlen != LPG_PII_KEY_LEN) {
        lpg_pii_wipe(data_key, LPG_PII_KEY_LEN);
        rc = LPG_EMALFORMED;
    }
    return rc;
}

int
lpg_pii_key_create(const char *path)
{
    uint8_t key[LPG_PII_KEY_LEN];
    char text[64];
    size_t tlen = 0;
    int rc = lpg_random(key, sizeof key);
    if (rc == LPG_OK)
        rc = lpg_base64_encode(key, sizeof key, false, text, sizeof text - 1,
                               &tlen);
    lpg_pii_wipe(key, sizeof key);
    if (rc != LPG_OK)
        return rc;
    text[tlen++] = '\n';
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        lpg_pii_wipe(text, sizeof text);
        return errno == EEXIST ? LPG_EEXIST : LPG_EIO;
    }
    /* The umask may have taken bits away, never added any. */
    rc = fchmod(fd, 0600) == 0 && write(fd, text, tlen) == (ssize_t)tlen &&
                 fsync(fd) == 0
             ? LPG_OK
             : LPG_EIO;
    lpg_pii_wipe(text, sizeof text);
    if (close(fd) != 0)
        rc = LPG_EIO;
    if (rc != LPG_OK)
        unlink(path);
    return rc;
}

int
lpg_pii_key_load(const char *path, uint8_t out[LPG_PII_KEY_LEN])
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? LPG_ENOTFOUND : LPG_EIO;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        close(fd);
        return LPG_EIO;
    }
    if (st.st_mode & 077) {
        close(fd);
        return LPG_EKEYPERM;
    }
    char text[128];
    ssize_t n = read(fd, text, sizeof text);
    close(fd);
    if (n < 0)
        return LPG_EIO;
    size_t len = (size_t)n;
    while (len > 0 && s_ascii_space((unsigned char)text[len - 1]))
        len--;
    uint8_t key[LPG_PII_KEY_LEN + 8];
    size_t klen = 0;
    int rc = len < sizeof text
                 ? lpg_base64_decode(text, len, false, key, sizeof key, &klen)
                 : LPG_EMALFORMED;
    if (rc == LPG_OK && klen == LPG_PII_KEY_LEN)
        memcpy(out, key, LPG_PII_KEY_LEN);
    else
        rc = LPG_EKEYFORMAT;
    lpg_pii_wipe(key, sizeof key);
    lpg_pii_wipe(text, sizeof text);
    return rc;
}

bool
lpg_pii_scope(const Lpg__DeviceState *d, const char **company)
{
    *company = NULL;
    switch (d ? d->role : LPG__ROLE__ROLE_UNKNOWN) {
    case LPG__ROLE__ROLE_ADMIN:
    case LPG__ROLE__ROLE_SERVICE:
        return true;
    case LPG__ROLE__ROLE_COMPANY_ADMIN:
    case LPG__ROLE__ROLE_FILLING_SCANNER:
    case LPG__ROLE__ROLE_HANDHELD:
    case LPG__ROLE__ROLE_INSPECTOR:
        if (d->company && *d->company) {
            *company = d->company;
            return true;
        }
        return false;
    default:
        return false;
    }
}
