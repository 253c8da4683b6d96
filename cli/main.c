/*  main.c - lpgtrace: the admin, audit and regulator command line.
 *
 *  Global options come before the command: --home DIR (default
 *  $LPGTRACE_HOME or ./var), --json. Each command lives in cmd_<name>.c.
 */
#include "cli.h"
#include "base/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *name;
    int (*fn)(lpg_cli_t *cli, int argc, char **argv);
    const char *help;
} s_command_t;

static const s_command_t s_commands[] = {
    {"init", lpg_cmd_init, "create a working home: ledger, keys, config"},
    {"keygen", lpg_cmd_keygen, "make a device's signing and transport keys"},
    {"log", lpg_cmd_log, "list ledger entries (--raw: the hashed bytes)"},
    {"checkpoint", lpg_cmd_checkpoint, "sign, show or check a checkpoint"},
    {"proof", lpg_cmd_proof, "inclusion and consistency proofs"},
    {"verify", lpg_cmd_verify, "re-check the whole ledger"},
    {"rebuild", lpg_cmd_rebuild, "recompute the state from the log"},
    {"backup", lpg_cmd_backup, "copy the live ledger and keys, verified"},
    {"restore", lpg_cmd_restore, "a backup into a new home, verified"},
    {"gen", lpg_cmd_gen, "fill a ledger with realistic signed events"},
    {"code", lpg_cmd_code, "issue or verify a cylinder code"},
    {"label", lpg_cmd_label, "print cylinder labels (PNG, SVG, PDF)"},
    {"ping", lpg_cmd_ping, "is a service up and does it accept us?"},
    {"device", lpg_cmd_device, "enrol or revoke a device (registry)"},
    {"company", lpg_cmd_company, "add a gas company (registry)"},
    {"site", lpg_cmd_site, "add a filling station or supply point"},
    {"staff", lpg_cmd_staff, "add a member of a company's staff"},
    {"vehicle", lpg_cmd_vehicle, "add a delivery vehicle"},
    {"user", lpg_cmd_user, "add, import, show, reveal, find, erase users"},
    {"account", lpg_cmd_account, "console accounts: add, passwd, disable"},
    {"cylinder", lpg_cmd_cylinder, "add, import or show cylinders"},
    {"order", lpg_cmd_order, "place, accept, assign, cancel orders"},
    {"trace", lpg_cmd_trace, "one cylinder's history, every proof checked"},
    {"recall", lpg_cmd_recall, "a station's fills in a window: who got them"},
    {"report", lpg_cmd_report, "refused fills, overdue cylinders, hazards"},
};

static void
s_usage(FILE *f)
{
    fprintf(f, "usage: lpgtrace [--home DIR] [--json] COMMAND [ARGS]\n\n"
               "commands:\n");
    for (size_t i = 0; i < sizeof s_commands / sizeof s_commands[0]; i++)
        fprintf(f, "  %-11s %s\n", s_commands[i].name, s_commands[i].help);
    fprintf(f, "\nThe home defaults to $LPGTRACE_HOME, else ./var.\n");
}

lpg_config_t *
lpg_cli_config(lpg_cli_t *cli)
{
    if (cli->config)
        return cli->config;
    char why[512] = "";
    int rc = lpg_config_load(&cli->config, cli->home, why, sizeof why);
    if (rc != LPG_OK) {
        fprintf(stderr, "lpgtrace: configuration: %s\n",
                *why ? why : lpg_strerror(rc));
        return NULL;
    }
    return cli->config;
}

int
lpg_cli_fail(const char *what, int err)
{
    fprintf(stderr, "lpgtrace: %s: %s\n", what, lpg_strerror(err));
    return 2;
}

int
main(int argc, char **argv)
{
    lpg_cli_t cli = {0};
    const char *home = NULL;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--home") == 0 && i + 1 < argc)
            home = argv[++i];
        else if (strncmp(argv[i], "--home=", 7) == 0)
            home = argv[i] + 7;
        else if (strcmp(argv[i], "--json") == 0)
            cli.json = true;
        else if (strcmp(argv[i], "--help") == 0 ||
                 strcmp(argv[i], "-h") == 0) {
            s_usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "lpgtrace: unknown option '%s'\n", argv[i]);
            s_usage(stderr);
            return 2;
        }
    }
    if (i >= argc) {
        s_usage(stderr);
        return 2;
    }
    cli.home = lpg_config_home_dir(home);
    /* Options may also follow the command: lift --home and --json out. */
    int n = 0;
    char **args = calloc((size_t)(argc - i) + 1, sizeof *args);
    if (!args)
        return lpg_cli_fail("start", LPG_ENOMEM);
    for (int j = i; j < argc; j++) {
        if (strcmp(argv[j], "--home") == 0 && j + 1 < argc) {
            cli.home = argv[++j];
            continue;
        }
        if (strcmp(argv[j], "--json") == 0) {
            cli.json = true;
            continue;
        }
        args[n++] = argv[j];
    }
    int status = -1;
    for (size_t k = 0; k < sizeof s_commands / sizeof s_commands[0]; k++) {
        if (strcmp(args[0], s_commands[k].name) == 0) {
            status = s_commands[k].fn(&cli, n, args);
            break;
        }
    }
    if (status < 0) {
        fprintf(stderr, "lpgtrace: unknown command '%s'\n", args[0]);
        s_usage(stderr);
        status = 2;
    }
    free(args);
    lpg_config_destroy(&cli.config);
    return status;
}
