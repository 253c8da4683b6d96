/*  account.c - see account.h. */
#include "domain/account.h"
#include "base/error.h"
#include "domain/state.h"
#include "proto/state.pb-c.h"

#include <stdio.h>
#include <string.h>

#define S_HASH_MAX 127 /* crypto_pwhash_STRBYTES less its NUL */

int
lpg_account_get(lpg_txn_t *t, const char *name, lpg_account_t *out)
{
    memset(out, 0, sizeof *out);
    Lpg__AccountState *a = NULL;
    int rc = lpg_state_load(t, LPG_TABLE_ACCOUNTS, name,
                            &lpg__account_state__descriptor,
                            (ProtobufCMessage **)&a);
    if (rc != LPG_OK)
        return rc;
    switch (a->add->role) {
    case LPG__ACCOUNT_ROLE__ACCOUNT_REGULATOR:
        out->role = LPG_ACCOUNT_REGULATOR;
        break;
    case LPG__ACCOUNT_ROLE__ACCOUNT_STREET:
        out->role = LPG_ACCOUNT_STREET;
        break;
    case LPG__ACCOUNT_ROLE__ACCOUNT_COMPANY:
        out->role = LPG_ACCOUNT_COMPANY;
        break;
    default:
        rc = LPG_ECORRUPT;
    }
    snprintf(out->area, sizeof out->area, "%s",
             a->add->area ? a->add->area : "");
    snprintf(out->company, sizeof out->company, "%s",
             a->add->company ? a->add->company : "");
    out->disabled = a->has_disabled_seq;
    out->has_password = a->has_password_seq;
    lpg__account_state__free_unpacked(a, NULL);
    return rc;
}

size_t
lpg_account_secret_key(const char *name, char *out, size_t outsz)
{
    int n = snprintf(out, outsz, "account/%s", name);
    return n < 0 ? 0 : (size_t)n < outsz ? (size_t)n : outsz - 1;
}

bool
lpg_account_hash_ok(const uint8_t *hash, size_t len)
{
    static const char prefix[] = "$argon2id$";
    if (!hash || len <= sizeof prefix - 1 || len > S_HASH_MAX ||
        memcmp(hash, prefix, sizeof prefix - 1) != 0)
        return false;
    for (size_t i = 0; i < len; i++)
        if (hash[i] < 0x21 || hash[i] > 0x7e)
            return false;
    return true;
}

/*  The Argon2id hash kept under key into out. */
static int
s_hash_get(lpg_txn_t *t, const char *key, size_t klen, char *out, size_t outsz)
{
    const void *v;
    size_t vlen;
    int rc = lpg_txn_secret_get(t, key, klen, &v, &vlen);
    if (rc != LPG_OK)
        return rc;
    if (!lpg_account_hash_ok(v, vlen))
        return LPG_ECORRUPT;
    if (vlen >= outsz)
        return LPG_ETOOBIG;
    memcpy(out, v, vlen);
    out[vlen] = '\0';
    return LPG_OK;
}

int
lpg_account_password(lpg_txn_t *t, const char *name, char *out, size_t outsz)
{
    char key[128];
    size_t klen = lpg_account_secret_key(name, key, sizeof key);
    return s_hash_get(t, key, klen, out, outsz);
}

size_t
lpg_account_pin_secret_key(const char *user, char *out, size_t outsz)
{
    int n = snprintf(out, outsz, "pin/%s", user);
    return n < 0 ? 0 : (size_t)n < outsz ? (size_t)n : outsz - 1;
}

int
lpg_account_pin(lpg_txn_t *t, const char *user, char *out, size_t outsz)
{
    char key[128];
    size_t klen = lpg_account_pin_secret_key(user, key, sizeof key);
    return s_hash_get(t, key, klen, out, outsz);
}
