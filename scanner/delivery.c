/*  delivery.c - see delivery.h.
 *
 *  The handheld's home (lpgtrace.conf): device.key (keys/<name>: .pem
 *  signs, .curve connects), device.operator (the driver's staff id;
 *  --driver overrides), device.vehicle (the plate; --vehicle
 *  overrides), device.site (the station for dispatch and return; --site
 *  overrides), endpoint.delivery, keys/delivery.curve.pub and the
 *  authority's public key (authority.public): every code is checked
 *  here first and sent with the step. A code that does not verify is
 *  refused on the spot; its step is still signed, kept in the home's
 *  queue (queue.h) and sent, so the forged code met on the road is in
 *  the ledger; lpg-scan sync sends what the network kept back.
 *  At the door the user's gas-use certificate (a QR code the company
 *  signed, lib/codes/gascert.h) is read from --gas-cert TEXT or decoded from
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
#include "domain/reasons.h"
#include "queue.h"

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
    const char *order; /* deliver: the order it fulfils */
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
            "[--gas-cert TEXT | --gas-cert-image FILE] [--order ID]\n"
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
        else if (strcmp(o, "--order") == 0)
            a->order = val;
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
        int rc = lpg_scan_image_text(home, a->gas_cert_image, a->gas_cert_buf,
                                     sizeof a->gas_cert_buf, why, sizeof why);
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

/*  The scanned code, checked here with the authority's public key (the
 *  home must have it: a forged code is refused on the spot, network or
 *  not). *code_rc is lpg_code_verify's result; for a code that
 *  verifies, grai gets the GRAI it names and text the code to send (the
 *  corrected text of a Caps Lock swap); for one that does not, grai is
 *  "" and text the code as scanned. */
static int
s_code(lpg_config_t *cfg, const char *code, int *code_rc, char *grai,
       size_t graisz, char *text, size_t textsz)
{
    char path[4096];
    lpg_config_path(cfg, lpg_config_get(cfg, "authority.public"), path,
                    sizeof path);
    lpg_key_t *authority = NULL;
    int rc = lpg_key_load_public(&authority, path);
    if (rc != LPG_OK) {
        fprintf(stderr, "lpg-scan: %s: %s\n", path, lpg_strerror(rc));
        return s_fail("code", "the handheld checks every code it scans "
                              "with the authority's public key: copy "
                              "keys/authority.pub into its home");
    }
    lpg_code_t parsed;
    const char *resolver = lpg_config_get(cfg, "code.resolver");
    rc = lpg_code_verify(code, strlen(code), resolver, authority, &parsed);
    lpg_key_destroy(&authority);
    *code_rc = rc;
    grai[0] = '\0';
    snprintf(text, textsz, "%s", code);
    if (rc == LPG_OK || rc == LPG_ECODE_CASE) {
        snprintf(grai, graisz, "%s", parsed.grai);
        if (rc == LPG_ECODE_CASE &&
            lpg_code_format(&parsed, text, textsz) != LPG_OK)
            snprintf(text, textsz, "%s", code);
    }
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

/*  The refusal shown at once for a code that does not verify, before
 *  anything is sent: the service records the same reason. */
static void
s_print_forged(const s_args_t *a, int code_rc)
{
    const lpg_reason_t *why = lpg_reason_by_id(LPG_REASON_CODE_FORGED);
    if (a->json)
        return; /* one JSON object, once the event is recorded or queued */
    printf("REFUSED  %s: %s (%s)\n  - %s\n    %s\n    %s: %s\n", a->command,
           why->en, why->token, why->token, why->zh, why->en,
           lpg_strerror(code_rc));
}

/*  Queues the signed step of a forged code, then sends the queue: the
 *  refusal was shown already; this says whether it is recorded yet, and
 *  with which reasons (the service judges the rest of the step too). */
static int
s_forged(const s_args_t *a, lpg_config_t *cfg, lpg_key_t *key, Lpg__Event *ev,
         int code_rc)
{
    uint8_t id[LPG_EVENT_ID_LEN];
    uint8_t *data = NULL;
    size_t len = 0;
    int rc = lpg_client_sign(key, ev, NULL, id, &data, &len);
    if (rc == LPG_OK)
        rc = lpg_scan_queue_add(cfg, a->command, id, data, len);
    free(data);
    if (rc != LPG_OK)
        return s_fail("queue", "the refusal could not be kept for the "
                               "record: free space on the handheld and "
                               "scan again");
    char hex[33];
    lpg_hex(id, sizeof id, hex);
    lpg_scan_queue_result_t res;
    if (lpg_scan_queue_send(cfg, a->json, id, &res) != LPG_OK)
        res.watched = NULL; /* said on stderr; the step stays queued */
    const Lpg__Reply *r = res.watched;
    if (a->json) {
        json_t *o = r ? lpg_msg_reply_json(r) : json_object();
        if (o && !r) {
            const lpg_reason_t *why = lpg_reason_by_id(LPG_REASON_CODE_FORGED);
            json_t *one = json_object();
            json_t *list = json_array();
            json_object_set_new(one, "token", json_string(why->token));
            json_object_set_new(one, "zh", json_string(why->zh));
            json_object_set_new(one, "en", json_string(why->en));
            json_array_append_new(list, one);
            json_object_set_new(o, "status", json_string("DENIED"));
            json_object_set_new(o, "token", json_string(why->token));
            json_object_set_new(o, "message",
                                json_string(lpg_strerror(code_rc)));
            json_object_set_new(o, "reasons", list);
        }
        if (o) {
            json_object_set_new(o, "event_id", json_string(hex));
            json_object_set_new(o, "queued", json_boolean(r == NULL));
        }
        lpg_msg_emit_json(o);
    } else if (!r) {
        printf("  event id   %s\n  queued on this handheld: lpg-scan sync "
               "sends it when lpg-deliveryd can be reached\n",
               hex);
    } else if (r->has_seq) {
        printf("  event id   %s\n  recorded, seq %llu\n", hex,
               (unsigned long long)r->seq);
        for (size_t i = 0; i < r->n_reasons; i++)
            printf("    %s %s\n", r->reasons[i]->token,
                   r->reasons[i]->en ? r->reasons[i]->en : "");
    } else {
        printf("  event id   %s\n  not recorded: %s %s: %s\n", hex,
               lpg_msg_status_name(r->status), r->token, r->message);
    }
    if (res.watched)
        lpg__reply__free_unpacked(res.watched, NULL);
    return S_REFUSED;
}

/*  Builds, signs and sends the step; prints the answer. */
static int
s_step(const s_args_t *a, lpg_config_t *cfg, lpg_key_t *key, const char *grai,
       const char *code, int code_rc)
{
    Lpg__Event ev = LPG__EVENT__INIT;
    Lpg__Dispatch dis = LPG__DISPATCH__INIT;
    Lpg__Delivery del = LPG__DELIVERY__INIT;
    Lpg__Collection col = LPG__COLLECTION__INIT;
    Lpg__Return ret = LPG__RETURN__INIT;
    char *vehicle = (char *)s_cfg_or(cfg, a->vehicle, "device.vehicle");
    if (!vehicle)
        return s_fail("vehicle", "none given (--vehicle or device.vehicle)");
    ev.cylinder = *grai ? (char *)grai : NULL;
    ev.actor = (char *)s_cfg_or(cfg, a->driver, "device.operator");
    dis.code = del.code = col.code = ret.code = (char *)code;
    if (strcmp(a->command, "dispatch") == 0) {
        dis.vehicle = vehicle;
        ev.body_case = LPG__EVENT__BODY_DISPATCH;
        ev.dispatch = &dis;
        ev.site = (char *)s_cfg_or(cfg, a->site, "device.site");
    } else if (strcmp(a->command, "deliver") == 0) {
        del.vehicle = vehicle;
        del.gas_cert = (char *)a->gas_cert;
        del.order = (char *)a->order;
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
    if (code_rc != LPG_OK && code_rc != LPG_ECODE_CASE)
        return s_forged(a, cfg, key, &ev, code_rc);
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
    char text[LPG_CODE_MAX_TEXT + 1];
    int code_rc = LPG_OK;
    if (status == S_OK && strlen(a.code) > LPG_CODE_MAX_TEXT)
        status = s_fail("code", "longer than any cylinder code: scan "
                                "again");
    if (status == S_OK)
        status = s_code(cfg, a.code, &code_rc, grai, sizeof grai, text,
                        sizeof text);
    if (status == S_OK && code_rc != LPG_OK && code_rc != LPG_ECODE_CASE)
        s_print_forged(&a, code_rc); /* at once, before anything is sent */
    if (status == S_OK)
        status = s_step(&a, cfg, key, grai, text, code_rc);
    lpg_key_destroy(&key);
    lpg_config_destroy(&cfg);
    return status;
}
