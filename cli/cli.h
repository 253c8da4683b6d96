/*  cli.h - the lpgtrace command-line tool: shared context and commands.
 *
 *  main.c parses the global options (--home DIR, --json) and dispatches
 *  to one lpg_cmd_<name>() per command, each in its own cmd_<name>.c.
 *  A command returns the process exit status: 0 success, 1 a negative
 *  answer (verification failed, DENY), 2 an error (bad usage, I/O).
 */
#ifndef LPG_CLI_H
#define LPG_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/config.h"

typedef struct {
    const char *home;     /* resolved home directory (never NULL) */
    bool json;            /* --json: machine output */
    lpg_config_t *config; /* loaded lazily by lpg_cli_config() */
} lpg_cli_t;

/*  Loads the home's configuration once; prints the reason and returns
 *  NULL on failure. */
lpg_config_t *lpg_cli_config(lpg_cli_t *cli);

/*  Prints "lpgtrace: <what>: <strerror>" to stderr and returns 2. */
int lpg_cli_fail(const char *what, int err);

/*  Opens the home's ledger (<home>/ledger); flags as lpg_ledger_open.
 *  Prints the reason and returns NULL on failure. Read-only, it warns on
 *  stderr when an older version projected the state (what the command
 *  reads of it may be missing), unless LPG_CLI_STATE_QUIET is given too
 *  (the command says so itself). Read-write, the open upgrades it. */
#define LPG_CLI_STATE_QUIET 0x100
struct lpg_ledger;
struct lpg_ledger *lpg_cli_ledger(lpg_cli_t *cli, unsigned flags);

/*  Loads the key named by a config key (e.g. "authority.key"); private
 *  or public. Prints the reason and returns NULL on failure. */
struct lpg_key;
struct lpg_key *lpg_cli_key(lpg_cli_t *cli, const char *config_key,
                            bool private_key);

/*  Reads a whole file (at most max bytes) into a NUL-terminated buffer.
 *  Caller frees. Prints the reason and returns NULL on failure. */
char *lpg_cli_read_file(const char *path, size_t max, size_t *len);

/*  Parses a non-negative decimal; false if s is not one. */
bool lpg_cli_u64(const char *s, uint64_t *out);

/*  Signs ev with signer and submits it to service `service` (through
 *  the home's device key), by lpg_client_sign_submit: a fresh event id,
 *  the time now (LPG_NOW_MS honoured). Prints the answer for a person
 *  (or JSON with --json): every DENY reason, the sequence number; or,
 *  when reply_out is not NULL, hands it over unprinted (the caller
 *  prints and frees it with lpg__reply__free_unpacked). Returns the
 *  exit status: 0 recorded, 1 refused or denied, 2 error, nothing
 *  recorded (unreachable or failing service, a request refused as
 *  invalid, bad key; see lpg_msg_exit).
 */
struct Lpg__Event;
struct Lpg__Reply;
int lpg_cli_submit(lpg_cli_t *cli, const char *service, struct Lpg__Event *ev,
                   const struct lpg_key *signer,
                   struct Lpg__Reply **reply_out);

/*  A client of `service` as the home says; NULL after saying why. */
struct lpg_client;
struct lpg_client *lpg_cli_client(lpg_cli_t *cli, const char *service);

/*  Says why a call to service got no answer it could read (err from
 *  lpg_client_call: not answering, too large, ...). Returns 2. */
int lpg_cli_unanswered(lpg_cli_t *cli, const char *service, int err);

/*  What answer r means to the command: its exit status (lpg_msg_exit).
 *  Prints and frees r, or, when reply_out is not NULL, hands it over
 *  unprinted. */
int lpg_cli_answer(lpg_cli_t *cli, struct Lpg__Reply *r,
                   struct Lpg__Reply **reply_out);

/*  Prints a reply for a person (or as JSON); for an error, also says on
 *  stderr that nothing was recorded and what to do. */
void lpg_cli_print_reply(lpg_cli_t *cli, const struct Lpg__Reply *r);

/*  Parses YYYY-MM-DD or YYYYMMDD into YYYYMMDD. */
bool lpg_cli_date(const char *s, uint32_t *out);

/*  Commands: argv[0] is the command name. */
int lpg_cmd_init(lpg_cli_t *cli, int argc, char **argv);
int lpg_cmd_keygen(lpg_cli_t *cli, int argc, char **argv);
int lpg_cmd_log(lpg_cli_t *cli, int argc, char **argv);
int lpg_cmd_checkpoint(lpg_cli_t *cli, int argc, char **argv);
int lpg_cmd_proof(lpg_cli_t *cli, int argc, char **argv);
int lpg_cmd_verify(lpg_cli_t *cli, int argc, char **argv);
int lpg_cmd_gen(lpg_cli_t *cli, int argc, char **argv);
int lpg_cmd_code(lpg_cli_t *cli, int argc, char **argv);
int lpg_cmd_label(lpg_cli_t *cli, int argc, char **argv);
int lpg_cmd_ping(lpg_cli_t *cli, int argc, char **argv);
int lpg_cmd_rebuild(lpg_cli_t *cli, int argc, char **argv);
int lpg_cmd_backup(lpg_cli_t *cli, int argc, char **argv);
int lpg_cmd_restore(lpg_cli_t *cli, int argc, char **argv);
int lpg_cmd_device(lpg_cli_t *cli, int argc, char **argv);
int lpg_cmd_company(lpg_cli_t *cli, int argc, char **argv);
int lpg_cmd_site(lpg_cli_t *cli, int argc, char **argv);
int lpg_cmd_staff(lpg_cli_t *cli, int argc, char **argv);
int lpg_cmd_vehicle(lpg_cli_t *cli, int argc, char **argv);
int lpg_cmd_user(lpg_cli_t *cli, int argc, char **argv);
int lpg_cmd_account(lpg_cli_t *cli, int argc, char **argv);
int lpg_cmd_cylinder(lpg_cli_t *cli, int argc, char **argv);
int lpg_cmd_trace(lpg_cli_t *cli, int argc, char **argv);
int lpg_cmd_recall(lpg_cli_t *cli, int argc, char **argv);
int lpg_cmd_report(lpg_cli_t *cli, int argc, char **argv);
int lpg_cmd_order(lpg_cli_t *cli, int argc, char **argv);

#endif
