/*  delivery.c - see delivery.h.
 *
 *  The handheld's home (lpgtrace.conf): device.key (keys/<name>: .pem
 *  signs, .curve connects), device.operator (the driver's staff id;
 *  --driver overrides), device.vehicle (the plate; --vehicle
 *  overrides), device.site (the station for dispatch and return; --site
 *  overrides), endpoint.delivery and keys/delivery.curve.pub. With the
 *  authority's public key in the home the code is checked here first.
 *  At the door the user's gas-use certificate (a QR code the company
 *  signed, lib/gascert.h) is read from --gas-cert TEXT or decoded from
 *  --gas-cert-image FILE and sent as it is: the service checks it.
 */
#include "delivery.h"
#include "net/client.h"
#include "codes/code.h"
#include "base/config.h"
#include "crypto/crypto.h"
#include "base/error.h"
#include "ledger/event.h"
#include "fill.h"
#include "codes/gascert.h"
#include "net/msg.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define S_OK 0
#define S_REFUSED 1
#define S_ERROR 2
#define S_MAX_CHECKS 16

typedef struct {
    const char *command;
    const char *code, *vehicle, *driver, *site, *user, *gas_cert;
    const char *gas_cert_image;
    /* The certificate decoded from gas_cert_image; longer than any
     * certificate, so one cut short is never taken for another. */
    char gas_cert_buf[4 * LPG_GASCERT_MAX_TEXT];
    bool has_at, json;
    uint64_t at_ms;
    Lpg__CheckItem items[S_MAX_CHECKS];
    Lpg__CheckItem *item_ptrs[S_MAX_CHECKS];
    size_t nitems;
} s_args_t;

bool
lpg_scan_is_delivery(const char *command)
{
    return strcmp(command, "dispatch") == 0 ||
           strcmp(command, "deliver") == 0 ||
           strcmp(command, "collect") == 0 || strcmp(command, "return") == 0;
}

static int
s_fail(const char *what, const char *why)
{
    fprintf(stderr, "lpg-scan: %s: %s\n", what, why);
    return S_ERROR;
}

static int
s_usage(void)
{
    fprintf(stderr,
            "usage: lpg-scan [--home DIR] dispatch --code T [COMMON]\n"
            "       lpg-scan [--home DIR] deliver --code T --user U "
            "[--gas-cert TEXT | --gas-cert-image FILE]\n"
            "                [--check ITEM=ok|fail ...] [COMMON]\n"
            "       lpg-scan [--home DIR] collect --code T --user U "
            "[COMMON]\n"
            "       lpg-scan [--home DIR] return --code T [COMMON]\n"
            "COMMON: [--vehicle PLATE] [--driver STAFF] [--site S] "
            "[--at MS] [--json]\n"
            "checks (随瓶安检): hose regulator valve leak stove storage "
            "...\n"
            "--at: when the step happened (ms since the epoch), for a "
            "step sent after the fact\n"
            "--gas-cert: the user's gas-use certificate (供气使用凭证) as "
            "scanned; --gas-cert-image: a photo of it (PNG or JPEG); "
            "without either the delivery is refused (GAS_CERT_MISSING)\n");
    return S_ERROR;
}

static bool
s_u64(const char *s, uint64_t *out)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (!*s || *end || *s == '-')
        return false;
    *out = (uint64_t)v;
    return true;
}

static int
s_parse(s_args_t *a, const char *home, int argc, char **argv)
{
    memset(a, 0, sizeof *a);
    a->command = argv[0];
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        if (strcmp(o, "--json") == 0) {
            a->json = true;
            continue;
        }
        if (i + 1 >= argc)
            return s_usage();
        const char *val = argv[++i];
        if (strcmp(o, "--code") == 0)
            a->code = val;
        else if (strcmp(o, "--vehicle") == 0)
            a->vehicle = val;
        else if (strcmp(o, "--driver") == 0)
            a->driver = val;
        else if (strcmp(o, "--site") == 0)
            a->site = val;
        else if (strcmp(o, "--user") == 0)
            a->user = val;
        else if (strcmp(o, "--gas-cert") == 0)
            a->gas_cert = val;
        else if (strcmp(o, "--gas-cert-image") == 0)
            a->gas_cert_image = val;
        else if (strcmp(o, "--at") == 0) {
            if (!s_u64(val, &a->at_ms) || a->at_ms == 0)
                return s_usage(); /* 0 would be taken for "now" */
            a->has_at = true;
        } else if (strcmp(o, "--check") == 0) {
            char *eq = strchr(val, '=');
            if (!eq || eq == val ||
                (strcmp(eq + 1, "ok") && strcmp(eq + 1, "fail")) ||
                a->nitems == S_MAX_CHECKS)
                return s_usage();
            *eq = '\0';
            Lpg__CheckItem *c = &a->items[a->nitems];
            lpg__check_item__init(c);
            c->item = (char *)val;
            c->ok = strcmp(eq + 1, "ok") == 0;
            a->item_ptrs[a->nitems] = c;
            a->nitems++;
        } else
            return s_usage();
    }
    bool needs_user = strcmp(a->command, "deliver") == 0 ||
                      strcmp(a->command, "collect") == 0;
    bool deliver = strcmp(a->command, "deliver") == 0;
    if (!a->code || (needs_user && !a->user) ||
        (a->gas_cert && a->gas_cert_image) ||
        (!deliver && (a->gas_cert || a->gas_cert_image)))
        return s_usage();
    if (a->gas_cert_image) {
        char why[256] = "";
        int rc = lpg_scan_image_text(home, a->gas_cert_image,
                                     a->gas_cert_buf,
                                     sizeof a->gas_cert_buf, why,
                                     sizeof why);
        if (rc == 1)
            return s_fail(a->gas_cert_image,
                          "no code found: photograph the certificate "
                          "again");
        if (rc != 0)
            return s_fail(a->gas_cert_image, why);
        a->gas_cert = a->gas_cert_buf;
    }
    return S_OK;
}

/*  The GRAI the code names: verified when the home has the authority's
 *  public key (a forged code is refused here), else only parsed. */
static int
s_grai(lpg_config_t *cfg, const char *code, char *out, size_t outsz)
{
    char path[4096];
    lpg_config_path(cfg, lpg_config_get(cfg, "authority.public"), path,
                    sizeof path);
    lpg_key_t *authority = NULL;
    if (access(path, R_OK) == 0 &&
        lpg_key_load_public(&authority, path) != LPG_OK)
        authority = NULL;
    lpg_code_t parsed;
    const char *resolver = lpg_config_get(cfg, "code.resolver");
    int rc = authority
                 ? lpg_code_verify(code, strlen(code), resolver, authority,
                                   &parsed)
                 : lpg_code_parse(code, strlen(code), NULL, &parsed);
    lpg_key_destroy(&authority);
    if (rc != LPG_OK && rc != LPG_ECODE_CASE)
        return s_fail("code", lpg_strerror(rc));
    snprintf(out, outsz, "%s", parsed.grai);
    return S_OK;
}

static const char *
s_cfg_or(const lpg_config_t *cfg, const char *given, const char *key)
{
    const char *v = given ? given : lpg_config_get(cfg, key);
    return v && *v ? v : NULL;
}

static void
s_print(const s_args_t *a, const Lpg__Reply *r, const char *id_hex)
{
    bool ok = r->status == LPG__STATUS__STATUS_OK;
    if (a->json) {
        json_t *o = lpg_msg_reply_json(r);
        json_object_set_new(o, "event_id", json_string(id_hex));
        lpg_msg_emit_json(o);
        return;
    }
    if (ok)
        printf("OK  %s %s\n", a->command, r->message);
    else if (r->status == LPG__STATUS__STATUS_DENIED)
        printf("REFUSED  %s (%zu reason%s)\n", a->command, r->n_reasons,
               r->n_reasons == 1 ? "" : "s");
    else if (lpg_msg_advice(r)) {
        printf("ERROR  %s %s: %s\n  %s\n", lpg_msg_status_name(r->status),
               r->token, r->message, lpg_msg_advice(r));
        return; /* no event id: nothing of it was recorded */
    } else
        printf("REFUSED  %s %s: %s\n", lpg_msg_status_name(r->status),
               r->token, r->message);
    for (size_t i = 0; i < r->n_reasons; i++)
        printf("  - %s\n    %s\n    %s\n", r->reasons[i]->token,
               r->reasons[i]->zh ? r->reasons[i]->zh : "",
               r->reasons[i]->en ? r->reasons[i]->en : "");
    printf("  event id   %s\n", id_hex);
}

/*  Builds, signs and sends the step; prints the answer. */
static int
s_step(const s_args_t *a, lpg_config_t *cfg, lpg_key_t *key,
       const char *grai)
{
    Lpg__Event ev = LPG__EVENT__INIT;
    Lpg__Dispatch dis = LPG__DISPATCH__INIT;
    Lpg__Delivery del = LPG__DELIVERY__INIT;
    Lpg__Collection col = LPG__COLLECTION__INIT;
    Lpg__Return ret = LPG__RETURN__INIT;
    char *vehicle = (char *)s_cfg_or(cfg, a->vehicle, "device.vehicle");
    if (!vehicle)
        return s_fail("vehicle", "none given (--vehicle or device.vehicle)");
    ev.cylinder = (char *)grai;
    ev.code = (char *)a->code; /* the service judges its revision */
    ev.actor = (char *)s_cfg_or(cfg, a->driver, "device.operator");
    if (strcmp(a->command, "dispatch") == 0) {
        dis.vehicle = vehicle;
        ev.body_case = LPG__EVENT__BODY_DISPATCH;
        ev.dispatch = &dis;
        ev.site = (char *)s_cfg_or(cfg, a->site, "device.site");
    } else if (strcmp(a->command, "deliver") == 0) {
        del.vehicle = vehicle;
        del.gas_cert = (char *)a->gas_cert;
        del.n_checks = a->nitems;
        del.checks = (Lpg__CheckItem **)a->item_ptrs;
        ev.body_case = LPG__EVENT__BODY_DELIVERY;
        ev.delivery = &del;
        ev.user = (char *)a->user;
    } else if (strcmp(a->command, "collect") == 0) {
        col.vehicle = vehicle;
        ev.body_case = LPG__EVENT__BODY_COLLECTION;
        ev.collection = &col;
        ev.user = (char *)a->user;
    } else {
        ret.vehicle = vehicle;
        ev.body_case = LPG__EVENT__BODY_STATION_RETURN;
        ev.station_return = &ret;
        ev.site = (char *)s_cfg_or(cfg, a->site, "device.site");
    }
    if (a->has_at)
        ev.device_time_ms = a->at_ms;
    uint8_t id[LPG_EVENT_ID_LEN];
    lpg_client_t *c = NULL;
    Lpg__Reply *r = NULL;
    int rc = lpg_client_from_config(&c, cfg, "delivery");
    if (rc == LPG_OK)
        rc = lpg_client_sign_submit(c, key, &ev, NULL, 0, NULL, id, &r);
    lpg_client_destroy(&c);
    if (rc != LPG_OK)
        return s_fail("delivery service", lpg_strerror(rc));
    char hex[33];
    lpg_hex(id, sizeof id, hex);
    s_print(a, r, hex);
    int status = lpg_msg_exit(r); /* 0 S_OK, 1 S_REFUSED, 2 S_ERROR */
    lpg__reply__free_unpacked(r, NULL);
    return status;
}

int
lpg_scan_delivery(const char *home, int argc, char **argv)
{
    s_args_t a;
    int status = s_parse(&a, home, argc, argv);
    if (status != S_OK)
        return status;
    lpg_config_t *cfg = NULL;
    lpg_key_t *key = NULL;
    char why[512] = "";
    int rc = lpg_config_load(&cfg, home, why, sizeof why);
    if (rc != LPG_OK)
        return s_fail("configuration", *why ? why : lpg_strerror(rc));
    char rel[512], path[4096];
    snprintf(rel, sizeof rel, "%s.pem", lpg_config_get(cfg, "device.key"));
    lpg_config_path(cfg, rel, path, sizeof path);
    rc = lpg_key_load_private(&key, path);
    if (rc != LPG_OK)
        status = s_fail(path, lpg_strerror(rc));
    char grai[LPG_CODE_GRAI_MAX + 1] = "";
    if (status == S_OK)
        status = s_grai(cfg, a.code, grai, sizeof grai);
    if (status == S_OK)
        status = s_step(&a, cfg, key, grai);
    lpg_key_destroy(&key);
    lpg_config_destroy(&cfg);
    return status;
}
