/*  cmd_account.c - lpgtrace account add|passwd|disable: the accounts of
 *  the console (lpg-webd's /console), each change an event signed with
 *  the authority key and recorded by lpg-registryd, so who was given
 *  what, and when a password was set, are themselves on the record.
 *
 *  passwd reads the password from the terminal with echo off (twice), or
 *  one line of stdin when stdin is not a terminal; never from the command
 *  line, where other users' `ps` would see it. It is hashed here with
 *  Argon2id (crypto_pwhash_str, the interactive limits), so the clear
 *  password never leaves this machine; the hash travels beside the
 *  signed AccountPassword event (the Submit's attachment, as a person's
 *  data key does with a UserAdd) over the encrypted connection, and the
 *  registry keeps it in the ledger's secrets table, outside the log. The
 *  registry is the ledger's only writer, so the hash reaches the ledger
 *  through it, in the same transaction as the entry that records it.
 */
#include "base/error.h"
#include "cli.h"
#include "domain/account.h"
#include "net/msg.h"
#include "registry.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#define S_PW_MIN 8
#define S_PW_MAX 1024

static void
s_usage(void)
{
    fprintf(stderr,
            "usage: lpgtrace account add NAME --role regulator|street|company "
            "[--area CODE] [--company C]\n"
            "       lpgtrace account passwd NAME   (the password from the "
            "terminal, or one line of stdin)\n"
            "       lpgtrace account disable NAME [--reason TEXT]\n");
}

static int
s_add(lpg_cli_t *cli, int argc, char **argv)
{
    lpg_opt_t opts[] = {{"role"}, {"area"}, {"company"}, {NULL}};
    const char *name;
    if (!lpg_reg_opts("account add", argc, argv, 2, opts, &name, 1) || !name ||
        !lpg_reg_opt(opts, "role")) {
        s_usage();
        return 2;
    }
    const char *role = lpg_reg_opt(opts, "role");
    Lpg__AccountAdd a = LPG__ACCOUNT_ADD__INIT;
    a.name = (char *)name;
    if (strcmp(role, "regulator") == 0)
        a.role = LPG__ACCOUNT_ROLE__ACCOUNT_REGULATOR;
    else if (strcmp(role, "street") == 0)
        a.role = LPG__ACCOUNT_ROLE__ACCOUNT_STREET;
    else if (strcmp(role, "company") == 0)
        a.role = LPG__ACCOUNT_ROLE__ACCOUNT_COMPANY;
    else {
        fprintf(stderr, "lpgtrace: account add: --role regulator, street or "
                        "company\n");
        return 2;
    }
    a.area = (char *)lpg_reg_opt(opts, "area");
    a.company = (char *)lpg_reg_opt(opts, "company");
    lpg_key_t *authority = lpg_reg_signer(cli, NULL);
    if (!authority)
        return 2;
    Lpg__Event ev = LPG__EVENT__INIT;
    ev.body_case = LPG__EVENT__BODY_ACCOUNT_ADD;
    ev.account_add = &a;
    ev.company = a.company;
    int status = lpg_reg_submit(cli, &ev, authority, NULL);
    lpg_key_destroy(&authority);
    return status;
}

/*  One line of f into pw without its newline; false at end of input or
 *  if too long. */
static bool
s_line(FILE *f, char *pw, size_t pwsz)
{
    if (!fgets(pw, (int)pwsz, f))
        return false;
    size_t n = strlen(pw);
    if (n > 0 && pw[n - 1] == '\n')
        pw[--n] = '\0';
    else if (!feof(f))
        return false; /* longer than pwsz */
    if (n > 0 && pw[n - 1] == '\r')
        pw[--n] = '\0';
    return true;
}

/*  The secret from the terminal (echo off, asked twice) or stdin. */
static bool
s_read_password(const char *cmd, const char *what, const char *name, char *pw,
                size_t pwsz)
{
    if (!isatty(STDIN_FILENO))
        return s_line(stdin, pw, pwsz);
    struct termios old, quiet;
    if (tcgetattr(STDIN_FILENO, &old) != 0)
        return false;
    quiet = old;
    quiet.c_lflag &= ~(tcflag_t)ECHO;
    quiet.c_lflag |= ECHONL;
    char again[S_PW_MAX + 2];
    fprintf(stderr, "New %s for %s: ", what, name);
    fflush(stderr);
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    bool ok = s_line(stdin, pw, pwsz);
    if (ok) {
        fprintf(stderr, "Again: ");
        fflush(stderr);
        ok = s_line(stdin, again, sizeof again);
    }
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    if (ok && strcmp(pw, again) != 0) {
        fprintf(stderr, "lpgtrace: %s: the two differ\n", cmd);
        ok = false;
    }
    sodium_memzero(again, sizeof again);
    return ok;
}

int
lpg_reg_submit_secret(lpg_cli_t *cli, const char *cmd, const char *what,
                      const char *name, bool (*ok)(const char *secret),
                      const char *rule, Lpg__Event *ev, const char *as)
{
    if (sodium_init() < 0)
        return 2;
    char pw[S_PW_MAX + 2];
    if (!s_read_password(cmd, what, name, pw, sizeof pw)) {
        sodium_memzero(pw, sizeof pw);
        fprintf(stderr, "lpgtrace: %s: no %s read\n", cmd, what);
        return 2;
    }
    if (!ok(pw)) {
        sodium_memzero(pw, sizeof pw);
        fprintf(stderr, "lpgtrace: %s: %s\n", cmd, rule);
        return 2;
    }
    char hash[crypto_pwhash_STRBYTES];
    int rc = crypto_pwhash_str(hash, pw, strlen(pw),
                               crypto_pwhash_OPSLIMIT_INTERACTIVE,
                               crypto_pwhash_MEMLIMIT_INTERACTIVE);
    sodium_memzero(pw, sizeof pw);
    if (rc != 0) {
        fprintf(stderr, "lpgtrace: %s: hashing failed (out of memory)\n", cmd);
        return 2;
    }
    lpg_key_t *signer = lpg_reg_signer(cli, as);
    if (!signer) {
        sodium_memzero(hash, sizeof hash);
        return 2;
    }
    uint8_t *data = NULL;
    size_t len = 0;
    rc = lpg_reg_sign(ev, signer, &data, &len);
    lpg_key_destroy(&signer);
    if (rc != LPG_OK) {
        sodium_memzero(hash, sizeof hash);
        fprintf(stderr, "lpgtrace: signing failed: %s\n", lpg_strerror(rc));
        return 2;
    }
    lpg_client_t *c = lpg_reg_client(cli);
    if (!c) {
        sodium_memzero(hash, sizeof hash);
        free(data);
        return 2;
    }
    Lpg__Reply *r = NULL;
    rc = lpg_client_submit_with(c, data, len, (const uint8_t *)hash,
                                strlen(hash), &r);
    lpg_client_destroy(&c);
    free(data);
    sodium_memzero(hash, sizeof hash);
    if (rc != LPG_OK)
        return lpg_cli_unanswered(cli, "registry", rc);
    return lpg_cli_answer(cli, r, NULL);
}

static bool
s_password_ok(const char *pw)
{
    return strlen(pw) >= S_PW_MIN;
}

static int
s_passwd(lpg_cli_t *cli, int argc, char **argv)
{
    lpg_opt_t opts[] = {{NULL}};
    const char *name;
    if (!lpg_reg_opts("account passwd", argc, argv, 2, opts, &name, 1) ||
        !name) {
        s_usage();
        return 2;
    }
    Lpg__AccountPassword p = LPG__ACCOUNT_PASSWORD__INIT;
    p.name = (char *)name;
    Lpg__Event ev = LPG__EVENT__INIT;
    ev.body_case = LPG__EVENT__BODY_ACCOUNT_PASSWORD;
    ev.account_password = &p;
    return lpg_reg_submit_secret(
        cli, "account passwd", "password", name, s_password_ok,
        "a password has at least 8 characters", &ev, NULL);
}

static int
s_disable(lpg_cli_t *cli, int argc, char **argv)
{
    lpg_opt_t opts[] = {{"reason"}, {NULL}};
    const char *name;
    if (!lpg_reg_opts("account disable", argc, argv, 2, opts, &name, 1) ||
        !name) {
        s_usage();
        return 2;
    }
    const char *reason = lpg_reg_opt(opts, "reason");
    if (reason && !lpg_reg_text(reason)) {
        fprintf(stderr, "lpgtrace: account disable: --reason: one line of "
                        "text\n");
        return 2;
    }
    lpg_key_t *authority = lpg_reg_signer(cli, NULL);
    if (!authority)
        return 2;
    Lpg__AccountDisable d = LPG__ACCOUNT_DISABLE__INIT;
    d.name = (char *)name;
    d.reason = (char *)reason;
    Lpg__Event ev = LPG__EVENT__INIT;
    ev.body_case = LPG__EVENT__BODY_ACCOUNT_DISABLE;
    ev.account_disable = &d;
    int status = lpg_reg_submit(cli, &ev, authority, NULL);
    lpg_key_destroy(&authority);
    return status;
}

int
lpg_cmd_account(lpg_cli_t *cli, int argc, char **argv)
{
    const char *sub = argc > 1 ? argv[1] : "";
    if (strcmp(sub, "add") == 0)
        return s_add(cli, argc, argv);
    if (strcmp(sub, "passwd") == 0)
        return s_passwd(cli, argc, argv);
    if (strcmp(sub, "disable") == 0)
        return s_disable(cli, argc, argv);
    s_usage();
    return 2;
}
