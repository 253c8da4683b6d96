/*  cmd_device.c - lpgtrace device enroll|revoke, through lpg-registryd,
 *  signed with the authority key of this admin workstation.
 *
 *  enroll --key NAME --company C --role ROLE [--site S] [--vehicle V]
 *         [--person P] [--name TEXT]
 *      NAME.pub (Ed25519) and NAME.curve.pub (CURVE) from `lpgtrace
 *      keygen --out NAME`; prints the device's client configuration.
 *  revoke (--key NAME | --key-id HEX) --reason TEXT
 */
#include "cli.h"
#include "crypto/crypto.h"
#include "base/error.h"
#include "ledger/event.h"
#include "net/transport.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;
    Lpg__Role role;
} s_roles[] = {
    {"company-admin", LPG__ROLE__ROLE_COMPANY_ADMIN},
    {"filling-scanner", LPG__ROLE__ROLE_FILLING_SCANNER},
    {"scale", LPG__ROLE__ROLE_SCALE},
    {"handheld", LPG__ROLE__ROLE_HANDHELD},
    {"inspector", LPG__ROLE__ROLE_INSPECTOR},
    {"inspection-body", LPG__ROLE__ROLE_INSPECTION_BODY},
    {"service", LPG__ROLE__ROLE_SERVICE},
    {"gateway", LPG__ROLE__ROLE_GATEWAY},
};

static const char *s_services[] = {"registry", "filling", "delivery",
                                   "inspection", "trace"};

static int
s_usage(void)
{
    fprintf(stderr,
            "usage: lpgtrace device enroll --key NAME --company C --role R "
            "[--site S] [--vehicle V] [--person P] [--name TEXT]\n"
            "       lpgtrace device revoke (--key NAME | --key-id HEX) "
            "--reason TEXT\n"
            "roles: company-admin filling-scanner scale handheld inspector "
            "inspection-body service gateway\n");
    return 2;
}

static void
s_print_client_config(lpg_cli_t *cli, const char *name)
{
    lpg_config_t *cfg = lpg_cli_config(cli);
    printf("\n# client configuration for this device (lpgtrace.conf of its "
           "home)\ndevice.key = keys/%s\n",
           name);
    for (size_t i = 0; i < sizeof s_services / sizeof *s_services; i++) {
        char key[64], rel[64], path[4096];
        snprintf(key, sizeof key, "endpoint.%s", s_services[i]);
        printf("%s = %s\n", key, lpg_config_get(cfg, key));
        snprintf(rel, sizeof rel, "keys/%s.curve.pub", s_services[i]);
        lpg_config_path(cfg, rel, path, sizeof path);
        FILE *f = fopen(path, "r");
        char line[64] = "";
        if (f) {
            if (!fgets(line, sizeof line, f))
                line[0] = '\0';
            fclose(f);
        }
        line[strcspn(line, "\r\n")] = '\0';
        printf("# %s (put in keys/%s.curve.pub): %s\n", s_services[i],
               s_services[i], line);
    }
}

static int
s_enroll(lpg_cli_t *cli, int argc, char **argv)
{
    const char *key = NULL, *company = NULL, *role = NULL, *site = NULL,
               *vehicle = NULL, *person = NULL, *name = NULL;
    for (int i = 2; i < argc; i++) {
        const char **slot = NULL;
        if (strcmp(argv[i], "--key") == 0)
            slot = &key;
        else if (strcmp(argv[i], "--company") == 0)
            slot = &company;
        else if (strcmp(argv[i], "--role") == 0)
            slot = &role;
        else if (strcmp(argv[i], "--site") == 0)
            slot = &site;
        else if (strcmp(argv[i], "--vehicle") == 0)
            slot = &vehicle;
        else if (strcmp(argv[i], "--person") == 0)
            slot = &person;
        else if (strcmp(argv[i], "--name") == 0)
            slot = &name;
        if (!slot || i + 1 >= argc)
            return s_usage();
        *slot = argv[++i];
    }
    if (!key || !company || !role)
        return s_usage();
    Lpg__Role r = LPG__ROLE__ROLE_UNKNOWN;
    for (size_t i = 0; i < sizeof s_roles / sizeof *s_roles; i++)
        if (strcmp(role, s_roles[i].name) == 0)
            r = s_roles[i].role;
    if (r == LPG__ROLE__ROLE_UNKNOWN) {
        fprintf(stderr, "lpgtrace: unknown role '%s'\n", role);
        return s_usage();
    }
    char path[4096];
    lpg_key_t *dev = NULL;
    snprintf(path, sizeof path, "%s.pub", key);
    int rc = lpg_key_load_public(&dev, path);
    uint8_t pub[32], curve[32];
    if (rc == LPG_OK) {
        lpg_key_raw_public(dev, pub);
        snprintf(path, sizeof path, "%s.curve.pub", key);
        rc = lpg_curve_load(path, curve);
    }
    lpg_key_destroy(&dev);
    if (rc != LPG_OK) {
        fprintf(stderr, "lpgtrace: %s: %s\n", path, lpg_strerror(rc));
        return 2;
    }
    lpg_key_t *authority = lpg_cli_key(cli, "authority.key", true);
    if (!authority)
        return 2;
    Lpg__DeviceEnroll en = LPG__DEVICE_ENROLL__INIT;
    en.sign_pub.data = pub;
    en.sign_pub.len = 32;
    en.has_curve_pub = 1;
    en.curve_pub.data = curve;
    en.curve_pub.len = 32;
    en.company = (char *)company;
    en.site = (char *)site;
    en.role = r;
    en.vehicle = (char *)vehicle;
    en.person = (char *)person;
    en.name = (char *)name;
    Lpg__Event ev = LPG__EVENT__INIT;
    ev.body_case = LPG__EVENT__BODY_DEVICE_ENROLL;
    ev.device_enroll = &en;
    ev.company = (char *)company;
    ev.site = (char *)site;
    int status = lpg_cli_submit(cli, "registry", &ev, authority, NULL);
    lpg_key_destroy(&authority);
    if (status == 0 && !cli->json) {
        const char *base = strrchr(key, '/');
        s_print_client_config(cli, base ? base + 1 : key);
    }
    return status;
}

static int
s_revoke(lpg_cli_t *cli, int argc, char **argv)
{
    const char *key = NULL, *hex = NULL, *reason = NULL;
    for (int i = 2; i < argc; i++) {
        if (i + 1 >= argc)
            return s_usage();
        if (strcmp(argv[i], "--key") == 0)
            key = argv[++i];
        else if (strcmp(argv[i], "--key-id") == 0)
            hex = argv[++i];
        else if (strcmp(argv[i], "--reason") == 0)
            reason = argv[++i];
        else
            return s_usage();
    }
    if ((!key == !hex) || !reason)
        return s_usage();
    uint8_t kid[32];
    if (key) {
        char path[4096];
        snprintf(path, sizeof path, "%s.pub", key);
        lpg_key_t *dev = NULL;
        int rc = lpg_key_load_public(&dev, path);
        if (rc != LPG_OK) {
            fprintf(stderr, "lpgtrace: %s: %s\n", path, lpg_strerror(rc));
            return 2;
        }
        lpg_key_id(dev, kid);
        lpg_key_destroy(&dev);
    } else {
        if (strlen(hex) != 64)
            return s_usage();
        for (int i = 0; i < 32; i++) {
            unsigned v;
            if (sscanf(hex + 2 * i, "%2x", &v) != 1)
                return s_usage();
            kid[i] = (uint8_t)v;
        }
    }
    lpg_key_t *authority = lpg_cli_key(cli, "authority.key", true);
    if (!authority)
        return 2;
    Lpg__DeviceRevoke rv = LPG__DEVICE_REVOKE__INIT;
    rv.key_id.data = kid;
    rv.key_id.len = 32;
    rv.reason = (char *)reason;
    Lpg__Event ev = LPG__EVENT__INIT;
    ev.body_case = LPG__EVENT__BODY_DEVICE_REVOKE;
    ev.device_revoke = &rv;
    int status = lpg_cli_submit(cli, "registry", &ev, authority, NULL);
    lpg_key_destroy(&authority);
    return status;
}

int
lpg_cmd_device(lpg_cli_t *cli, int argc, char **argv)
{
    if (argc < 2)
        return s_usage();
    if (strcmp(argv[1], "enroll") == 0)
        return s_enroll(cli, argc, argv);
    if (strcmp(argv[1], "revoke") == 0)
        return s_revoke(cli, argc, argv);
    return s_usage();
}
