/*  account.h - the console's accounts (lpg-webd's /console): who was
 *  given which role, over which area or company, as the log records it
 *  (AccountAdd, AccountDisable: signed by the authority), and the
 *  Argon2id hash of each account's password, kept beside the log in the
 *  ledger's secrets table (written by the registry with the
 *  AccountPassword entry that brought it), never in it.
 */
#ifndef LPG_ACCOUNT_H
#define LPG_ACCOUNT_H

#include <stdbool.h>
#include <stddef.h>

#include "ledger/ledger.h"

typedef enum {
    LPG_ACCOUNT_REGULATOR = 1,
    LPG_ACCOUNT_STREET = 2,
    LPG_ACCOUNT_COMPANY = 3,
} lpg_account_role_t;

typedef struct {
    lpg_account_role_t role;
    char area[32];    /* street office: its area code */
    char company[64]; /* company: its company id */
    bool disabled;
    bool has_password;
} lpg_account_t;

/*  The account name's record: LPG_OK, LPG_ENOTFOUND, LPG_ECORRUPT. */
int lpg_account_get(lpg_txn_t *t, const char *name, lpg_account_t *out);

/*  The account's password hash (crypto_pwhash_str's text) into out:
 *  LPG_OK, LPG_ENOTFOUND (none set), LPG_ETOOBIG. */
int lpg_account_password(lpg_txn_t *t, const char *name, char *out,
                         size_t outsz);

/*  The secrets-table key of the account's password hash ("account/"
 *  name); its length. */
size_t lpg_account_secret_key(const char *name, char *out, size_t outsz);

/*  A household's ordering PIN (UserPin, lpg-webd's /order) is kept the
 *  same way: its Argon2id hash under "pin/" user. The hash into out:
 *  LPG_OK, LPG_ENOTFOUND (none set), LPG_ECORRUPT, LPG_ETOOBIG. */
int lpg_account_pin(lpg_txn_t *t, const char *user, char *out, size_t outsz);

/*  The secrets-table key of a user's PIN hash; its length. */
size_t lpg_account_pin_secret_key(const char *user, char *out, size_t outsz);

/*  Is this (len bytes, no NUL) an Argon2id hash as crypto_pwhash_str
 *  writes it, short enough to keep? */
bool lpg_account_hash_ok(const uint8_t *hash, size_t len);

#endif
