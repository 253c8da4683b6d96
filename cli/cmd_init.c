/*  cmd_init.c - lpgtrace init: a working home with fresh keys.
 *
 *  Creates <home>/ledger, <home>/keys (authority and ledger Ed25519 pairs,
 *  each daemon's CURVE pair) and <home>/lpgtrace.conf with loopback
 *  endpoints. Refuses to touch a home that already has any of them.
 */
#include "cli.h"
#include "crypto.h"
#include "error.h"
#include "ledger.h"
#include "transport.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static const char *s_daemons[] = {"registry", "filling", "delivery",
                                  "inspection", "trace"};

static int
s_keypair(const char *home, const char *name, lpg_key_t **out)
{
    char path[4096];
    int rc = lpg_key_generate(out);
    if (rc != LPG_OK)
        return lpg_cli_fail("generate key", rc);
    snprintf(path, sizeof path, "%s/keys/%s.pem", home, name);
    rc = lpg_key_save_private(*out, path);
    if (rc == LPG_OK) {
        snprintf(path, sizeof path, "%s/keys/%s.pub", home, name);
        rc = lpg_key_save_public(*out, path);
    }
    if (rc != LPG_OK) {
        fprintf(stderr, "lpgtrace: %s: %s\n", path, lpg_strerror(rc));
        return 2;
    }
    return 0;
}

int
lpg_cmd_init(lpg_cli_t *cli, int argc, char **argv)
{
    if (argc > 1) {
        fprintf(stderr, "usage: lpgtrace [--home DIR] init\n");
        return 2;
    }
    const char *home = cli->home;
    char path[4096];
    const char *existing[] = {"ledger", "keys", "lpgtrace.conf"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", home, existing[i]);
        struct stat st;
        if (stat(path, &st) == 0) {
            fprintf(stderr, "lpgtrace: %s already exists: init never "
                            "overwrites a home\n", path);
            return 2;
        }
    }
    if (mkdir(home, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "lpgtrace: cannot create %s: %s\n", home,
                strerror(errno));
        return 2;
    }
    snprintf(path, sizeof path, "%s/keys", home);
    if (mkdir(path, 0700) != 0) {
        fprintf(stderr, "lpgtrace: cannot create %s: %s\n", path,
                strerror(errno));
        return 2;
    }
    lpg_key_t *authority = NULL, *ledger_key = NULL;
    lpg_ledger_t *l = NULL;
    int status = s_keypair(home, "authority", &authority);
    if (!status)
        status = s_keypair(home, "ledger", &ledger_key);
    for (size_t i = 0; !status && i < sizeof s_daemons / sizeof *s_daemons;
         i++) {
        snprintf(path, sizeof path, "%s/keys/%s", home, s_daemons[i]);
        int rc = lpg_curve_generate(path, NULL);
        if (rc != LPG_OK)
            status = lpg_cli_fail("CURVE key", rc);
    }
    lpg_config_t *cfg = NULL;
    if (!status) {
        cfg = lpg_cli_config(cli);
        snprintf(path, sizeof path, "%s/lpgtrace.conf", home);
        if (!cfg || lpg_config_save(cfg, path) != LPG_OK)
            status = lpg_cli_fail("write lpgtrace.conf", LPG_EIO);
    }
    if (!status)
        l = lpg_cli_ledger(cli, LPG_LEDGER_CREATE);
    if (!status && !l)
        status = 2;
    if (!status) {
        uint8_t apub[32], lpub[32];
        lpg_key_raw_public(authority, apub);
        lpg_key_raw_public(ledger_key, lpub);
        int rc = lpg_ledger_setup(l, apub, lpub,
                                  lpg_config_get(cfg, "ledger.origin"));
        if (rc != LPG_OK)
            status = lpg_cli_fail("set up ledger", rc);
    }
    if (!status) {
        uint8_t id[32];
        char hex[65];
        lpg_key_id(authority, id);
        lpg_hex(id, 32, hex);
        printf("initialised %s\n"
               "  ledger      %s/ledger (origin %s)\n"
               "  authority   %s/keys/authority.pem  key id %.16s\n"
               "  ledger key  %s/keys/ledger.pem\n"
               "  daemons     CURVE keys in %s/keys/*.curve\n"
               "  config      %s/lpgtrace.conf\n"
               "Keep authority.pem on the admin workstation only.\n",
               home, home, lpg_config_get(cfg, "ledger.origin"), home, hex,
               home, home, home);
    }
    lpg_ledger_close(&l);
    lpg_key_destroy(&authority);
    lpg_key_destroy(&ledger_key);
    return status;
}
