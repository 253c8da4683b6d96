/*  account.c - see account.h. */
#include "domain/account.h"
#include "base/error.h"

int
lpg_account_get(lpg_txn_t *t, const char *name, lpg_account_t *out)
{
    (void)t;
    (void)name;
    (void)out;
    return LPG_ENOTFOUND;
}

int
lpg_account_password(lpg_txn_t *t, const char *name, char *out, size_t outsz)
{
    (void)t;
    (void)name;
    (void)out;
    (void)outsz;
    return LPG_ENOTFOUND;
}
