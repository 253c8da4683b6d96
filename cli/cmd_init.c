/*  cmd_init.c - lpgtrace init: a working home with fresh keys.
 *
 *  Creates <home>/ledger, <home>/keys (authority and ledger Ed25519 pairs,
 *  each daemon's CURVE pair, the city's look-up key for personal data
 *  pii.hmac, the registry's master key registry.master, and the
 *  inspection service's enrolled signing key inspection-service.pem) and
 *  <home>/lpgtrace.conf with loopback endpoints and metrics ports.
 *  Refuses to touch a home that already has any of them.
 */
#include "cli.h"
#include "crypto/crypto.h"
#include "base/clock.h"
#include "base/error.h"
#include "ledger/event.h"
#include "ledger/ledger.h"
#include "domain/pii.h"
#include "net/transport.h"

#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static const char *s_daemons[] = {"registry",   "filling", "delivery",
                                  "inspection", "trace",   "order"};

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

static int
s_enroll_admin(lpg_ledger_t *l, const lpg_key_t *authority,
               const lpg_key_t *admin, const char *curve_z85)
{
    uint8_t pub[32], curve[32], id[16];
    lpg_key_raw_public(admin, pub);
    int rc = curve_z85 ? lpg_curve_decode(curve_z85, curve) : LPG_OK;
    if (rc == LPG_OK)
        rc = lpg_event_new_id(id);
    if (rc != LPG_OK)
        return rc;
    Lpg__DeviceEnroll en = LPG__DEVICE_ENROLL__INIT;
    en.sign_pub.data = pub;
    en.sign_pub.len = 32;
    en.has_curve_pub = curve_z85 != NULL;
    en.curve_pub.data = curve;
    en.curve_pub.len = 32;
    en.company = "authority";
    /* No transport key: the inspection service's own signing key. */
    en.role = curve_z85 ? LPG__ROLE__ROLE_ADMIN : LPG__ROLE__ROLE_SERVICE;
    en.name = curve_z85 ? "admin workstation" : "inspection service";
    Lpg__Event ev = LPG__EVENT__INIT;
    ev.event_id.data = id;
    ev.event_id.len = sizeof id;
    ev.device_time_ms = lpg_clock_now_ms();
    ev.body_case = LPG__EVENT__BODY_DEVICE_ENROLL;
    ev.device_enroll = &en;
    uint8_t *data = NULL;
    size_t len = 0;
    rc = lpg_event_sign(&ev, authority, &data, &len);
    if (rc != LPG_OK)
        return rc;
    lpg_append_in_t in = {data, len};
    lpg_append_out_t out;
    rc = lpg_ledger_append(l, "init", &in, 1, NULL, NULL, &out);
    free(data);
    if (rc == LPG_OK && out.status != LPG_OK)
        rc = out.status;
    return rc;
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
            fprintf(stderr,
                    "lpgtrace: %s already exists: init never "
                    "overwrites a home\n",
                    path);
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
    /* Secret keys for personal data: look-up HMACs (the admin command
     * line) and the wrapping of each person's data key (the registry). */
    const char *secrets[] = {"pii.hmac", "registry.master"};
    for (size_t i = 0; !status && i < sizeof secrets / sizeof *secrets; i++) {
        snprintf(path, sizeof path, "%s/keys/%s", home, secrets[i]);
        int rc = lpg_pii_key_create(path);
        if (rc != LPG_OK) {
            fprintf(stderr, "lpgtrace: %s: %s\n", path, lpg_strerror(rc));
            status = 2;
        }
    }
    lpg_config_t *cfg = NULL;
    if (!status) {
        cfg = lpg_cli_config(cli);
        /* Each daemon's metrics on a loopback port beside the endpoints
         * (7111 registry ... 7115 trace); the built-in default is off. */
        for (size_t i = 0; cfg && i < sizeof s_daemons / sizeof *s_daemons;
             i++) {
            char key[64], port[16];
            snprintf(key, sizeof key, "metrics.%s", s_daemons[i]);
            snprintf(port, sizeof port, "%zu", 7111 + i);
            lpg_config_set(cfg, key, port);
        }
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
    /* The admin workstation is a device too: its transport key lets the
     * lpgtrace admin commands reach the services. */
    lpg_key_t *admin = NULL;
    char admin_z85[41] = "";
    if (!status)
        status = s_keypair(home, "admin", &admin);
    if (!status) {
        snprintf(path, sizeof path, "%s/keys/admin", home);
        int rc = lpg_curve_generate(path, admin_z85);
        if (rc == LPG_OK)
            rc = s_enroll_admin(l, authority, admin, admin_z85);
        if (rc != LPG_OK)
            status = lpg_cli_fail("enrol the admin workstation", rc);
    }
    lpg_key_destroy(&admin);
    /* lpg-inspectiond signs its hazard escalations with a key of its own,
     * enrolled with the role service. */
    if (!status)
        status = s_keypair(home, "inspection-service", &admin);
    if (!status) {
        int rc = s_enroll_admin(l, authority, admin, NULL);
        if (rc != LPG_OK)
            status = lpg_cli_fail("enrol the inspection service", rc);
    }
    lpg_key_destroy(&admin);
    if (!status) {
        uint8_t id[32];
        char hex[65];
        lpg_key_id(authority, id);
        lpg_hex(id, 32, hex);
        printf("initialised %s\n"
               "  ledger      %s/ledger (origin %s)\n"
               "  authority   %s/keys/authority.pem  key id %.16s\n"
               "  ledger key  %s/keys/ledger.pem\n"
               "  admin       %s/keys/admin.pem + admin.curve (enrolled)\n"
               "  daemons     CURVE keys in %s/keys/*.curve\n"
               "  personal    %s/keys/pii.hmac (look-up), "
               "registry.master (data keys)\n"
               "  config      %s/lpgtrace.conf\n"
               "Keep authority.pem on the admin workstation only.\n",
               home, home, lpg_config_get(cfg, "ledger.origin"), home, hex,
               home, home, home, home, home);
    }
    lpg_ledger_close(&l);
    lpg_key_destroy(&authority);
    lpg_key_destroy(&ledger_key);
    return status;
}
