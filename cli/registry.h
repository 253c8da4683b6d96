/*  registry.h - what the registry's admin commands share (cmd_registry.c,
 *  cmd_user.c, cmd_cylinder.c, import.c): options, the signer (the
 *  authority key, or --as a company admin's key), talking to
 *  lpg-registryd, and bulk import from CSV in chunks.
 */
#ifndef LPG_CLI_REGISTRY_H
#define LPG_CLI_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cli.h"
#include "net/client.h"
#include "crypto/crypto.h"
#include "ledger/event.h"

/*  One option: name without the dashes, value once parsed; a flag takes
 *  no value (its value is "" when given). */
typedef struct {
    const char *name;
    const char *value;
    bool flag;
} lpg_opt_t;

/*  Parses argv[first..argc) into "--name VALUE" / "--name=VALUE" options
 *  (opts ends with a NULL name) and up to npos positional arguments
 *  (missing ones NULL). Prints what is wrong under the command's name
 *  and returns false for an unknown option, a missing value or an extra
 *  argument. */
bool lpg_reg_opts(const char *cmd, int argc, char **argv, int first,
                  lpg_opt_t *opts, const char **pos, size_t npos);
/*  The value of option name, or NULL. */
const char *lpg_reg_opt(const lpg_opt_t *opts, const char *name);

/*  The signing key: KEYPREFIX.pem when as is given (a company admin
 *  device), else the authority key. Prints why and returns NULL if it
 *  cannot be loaded. */
lpg_key_t *lpg_reg_signer(lpg_cli_t *cli, const char *as);

/*  The city's look-up key for personal data (keys/pii.hmac). Prints why
 *  and returns false if it cannot be loaded. */
bool lpg_reg_pii_key(lpg_cli_t *cli, uint8_t key[32]);

/*  Gives ev a fresh event id and the time, signs it (lpg_client_sign;
 *  for rows sent later, many to a request): *out is the caller's. */
int lpg_reg_sign(Lpg__Event *ev, const lpg_key_t *signer, uint8_t **out,
                 size_t *len);

/*  Reads a secret (a console password, a household's PIN) from the
 *  terminal with echo off (twice) or one line of stdin, never from the
 *  command line; refuses it with rule unless ok(secret); hashes it with
 *  Argon2id (crypto_pwhash_str); signs ev with as's key (or the
 *  authority's) and submits it to the registry with the hash beside it
 *  (the attachment), which keeps it in the secrets table. The clear
 *  secret never leaves this process. The exit status. */
int lpg_reg_submit_secret(lpg_cli_t *cli, const char *cmd, const char *what,
                          const char *name, bool (*ok)(const char *secret),
                          const char *rule, Lpg__Event *ev, const char *as);

/*  A client of lpg-registryd, as the home's configuration says. Prints
 *  why and returns NULL on failure. */
lpg_client_t *lpg_reg_client(lpg_cli_t *cli);

/*  Sends req to the registry. 0 with *reply (the caller's), or 2 after
 *  printing why (service not answering, request too large). */
int lpg_reg_call(lpg_cli_t *cli, lpg_client_t *c, Lpg__Request *req,
                 Lpg__Reply **reply);

/*  Submits SignedEvent bytes, with a person's data key (32 bytes) if
 *  person_key is not NULL; prints the answer unless reply_out is given
 *  (then the caller prints and frees it). Exit status: 0 recorded, 1
 *  refused, 2 error. */
int lpg_reg_submit_signed(lpg_cli_t *cli, const uint8_t *data, size_t len,
                          const uint8_t *person_key, Lpg__Reply **reply_out);

/*  Signs ev and submits it, as lpg_reg_submit_signed. */
int lpg_reg_submit(lpg_cli_t *cli, Lpg__Event *ev, const lpg_key_t *signer,
                   Lpg__Reply **reply_out);

/*  Parsers of option and column values; false if s is not one. */
bool lpg_reg_u32(const char *s, uint32_t *out);
bool lpg_reg_yes_no(const char *s, bool *out);
/*  YYYY-MM or YYYYMM into YYYYMM. */
bool lpg_reg_month(const char *s, uint32_t *out);
/*  An id or short text: non-empty UTF-8 text, at most LPG_STRING_MAX
 *  bytes, no control characters. */
bool lpg_reg_text(const char *s);

/* -------------------------------------------------------------- import */

/*  One line's event, made by the row function. */
typedef struct {
    uint8_t *data; /* SignedEvent bytes, malloc'd: the import owns it */
    size_t len;
    uint8_t key[32]; /* the person's data key (UserAdd) */
    bool has_key;
    char dup[128]; /* what must be unique in the file, e.g. "user U1" */
} lpg_import_event_t;

/*  Builds the event of one line from its values: values[i] belongs to
 *  columns[i], NULL when the file has no such column (required columns
 *  are never NULL nor empty). Returns LPG_OK, LPG_EINVAL for a bad line
 *  (why says what is wrong), LPG_EUNAVAILABLE if the service stopped
 *  answering (the import stops), or another error for a line the service
 *  refused (why starts with its token). */
typedef int (*lpg_import_row_fn)(void *ctx, lpg_client_t *c,
                                 const char *const *values,
                                 lpg_import_event_t *out, char *why,
                                 size_t whysz);

typedef struct {
    const char *what;           /* "cylinders", in the summary */
    const char *const *columns; /* NULL-terminated; required ones first */
    size_t nrequired;
    lpg_import_row_fn row;
    void *ctx;
} lpg_import_spec_t;

/*  Imports path ("-": stdin): a header line naming the columns (any
 *  order; '-' and '_' alike, any case), then one record per line. Bad
 *  lines are reported with their number and reason and skipped; good ones
 *  go to the registry in chunks of one SubmitMany each (one transaction
 *  per chunk), each within limit.message_bytes and limit.batch. Prints
 *  every bad or refused line, then "N recorded, M refused, K bad lines".
 *  Returns the exit status: 0 all recorded, 1 some refused or bad, 2 the
 *  file or the service failed. */
int lpg_import_run(lpg_cli_t *cli, const char *path,
                   const lpg_import_spec_t *spec);

/*  The usage lines for the columns: "required: a, b  optional: c". */
void lpg_import_columns_usage(FILE *f, const lpg_import_spec_t *spec);

#endif
