/*  inspection.c - see inspection.h.
 *
 *  The device's home (lpgtrace.conf): device.key, device.operator (the
 *  inspector's staff id; --inspector overrides), device.site (for an
 *  inspection body: its id; --body overrides), endpoint.inspection and
 *  keys/inspection.curve.pub.
 *
 *  The answer for a person is one line, RECORDED (with the event id and
 *  sequence number) or REFUSED (the status, its token and the service's
 *  reason); with --json (rectify) one JSON object with the same facts.
 */
#include "inspection.h"
#include "net/client.h"
#include "codes/code.h"
#include "base/config.h"
#include "crypto/crypto.h"
#include "base/error.h"
#include "ledger/event.h"
#include "net/msg.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define S_OK 0
#define S_REFUSED 1
#define S_ERROR 2
#define S_MAX_ITEMS 16
#define S_MAX_PHOTOS 16

static int
s_fail(const char *what, const char *why)
{
    fprintf(stderr, "lpg-scan: %s: %s\n", what, why);
    return S_ERROR;
}

static bool
s_yes_no(const char *v, bool *out)
{
    if (strcmp(v, "yes") == 0)
        *out = true;
    else if (strcmp(v, "no") == 0)
        *out = false;
    else
        return false;
    return true;
}

/*  Prints the service's answer as one JSON object: status, token,
 *  message, event_id, seq (when recorded), reasons. */
static void
s_print_json(const Lpg__Reply *r, const char *id_hex)
{
    json_t *o = lpg_msg_reply_json(r);
    json_object_set_new(o, "event_id", json_string(id_hex));
    lpg_msg_emit_json(o); /* NULL-safe: says out of memory */
}

/*  Signs ev with the home's device key, sends it to lpg-inspectiond and
 *  prints the answer (as JSON if json). */
static int
s_submit(const char *home, Lpg__Event *ev, bool json)
{
    lpg_config_t *cfg = NULL;
    lpg_key_t *key = NULL;
    lpg_client_t *c = NULL;
    Lpg__Reply *r = NULL;
    char why[512] = "";
    int status = S_ERROR;
    int rc = lpg_config_load(&cfg, home, why, sizeof why);
    if (rc != LPG_OK) {
        s_fail("configuration", *why ? why : lpg_strerror(rc));
        goto cleanup;
    }
    char rel[512], path[4096];
    snprintf(rel, sizeof rel, "%s.pem", lpg_config_get(cfg, "device.key"));
    lpg_config_path(cfg, rel, path, sizeof path);
    rc = lpg_key_load_private(&key, path);
    if (rc != LPG_OK) {
        s_fail(path, lpg_strerror(rc));
        goto cleanup;
    }
    if (!ev->actor) {
        const char *op = lpg_config_get(cfg, "device.operator");
        ev->actor = op && *op ? (char *)op : NULL;
    }
    uint8_t id[LPG_EVENT_ID_LEN];
    rc = lpg_client_from_config(&c, cfg, "inspection");
    if (rc == LPG_OK)
        rc = lpg_client_sign_submit(c, key, ev, NULL, 0, NULL, id, &r);
    if (rc != LPG_OK) {
        s_fail("inspection service", lpg_strerror(rc));
        goto cleanup;
    }
    char hex[2 * LPG_EVENT_ID_LEN + 1];
    lpg_hex(id, sizeof id, hex);
    status = lpg_msg_exit(r); /* 0 S_OK, 1 S_REFUSED, 2 S_ERROR */
    if (json) {
        s_print_json(r, hex);
    } else if (status == S_OK) {
        printf("RECORDED  event %s", hex);
        if (r->has_seq)
            printf("  seq %llu", (unsigned long long)r->seq);
        printf("\n");
    } else {
        printf("%s  %s  %s: %s\n", status == S_ERROR ? "ERROR" : "REFUSED",
               lpg_msg_status_name(r->status), r->token ? r->token : "",
               r->message ? r->message : "");
        if (lpg_msg_advice(r))
            printf("  %s\n", lpg_msg_advice(r));
        for (size_t i = 0; i < r->n_reasons; i++)
            printf("  - %s: %s\n", r->reasons[i]->token,
                   r->reasons[i]->en ? r->reasons[i]->en : "");
    }
cleanup:
    if (r)
        lpg__reply__free_unpacked(r, NULL);
    lpg_client_destroy(&c);
    lpg_key_destroy(&key);
    lpg_config_destroy(&cfg);
    return status;
}

static int
s_usage_inspect(void)
{
    fprintf(stderr,
            "usage: lpg-scan inspect --user ID --check ITEM=ok|fail... "
            "[--photo FILE...] --ack yes|no [--inspector STAFF]\n"
            "items: flame_failure hose_metal hose_clamped regulator_age "
            "valve storage ventilation leak_alarm\n");
    return S_ERROR;
}

/*  SHA-256 of a file's bytes. */
static int
s_hash_file(const char *path, uint8_t out[32])
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return s_fail(path, "cannot open");
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    int status = buf ? S_OK : s_fail(path, "out of memory");
    while (status == S_OK) {
        if (n == cap) {
            if (cap >= (size_t)64 << 20) {
                status = s_fail(path, "photo larger than 64 MiB");
                break;
            }
            uint8_t *bigger = realloc(buf, cap * 2);
            if (!bigger) {
                status = s_fail(path, "out of memory");
                break;
            }
            buf = bigger;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            if (ferror(f))
                status = s_fail(path, "read error");
            break;
        }
    }
    if (status == S_OK)
        lpg_sha256(buf, n, out);
    free(buf);
    fclose(f);
    return status;
}

int
lpg_scan_inspect(const char *home, int argc, char **argv)
{
    const char *user = NULL, *inspector = NULL;
    Lpg__CheckItem items[S_MAX_ITEMS];
    Lpg__CheckItem *item_ptrs[S_MAX_ITEMS];
    char names[S_MAX_ITEMS][32];
    uint8_t hashes[S_MAX_PHOTOS][32];
    ProtobufCBinaryData photos[S_MAX_PHOTOS];
    size_t nitems = 0, nphotos = 0;
    bool ack = false, has_ack = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            return s_usage_inspect();
        i++;
        if (strcmp(a, "--user") == 0)
            user = v;
        else if (strcmp(a, "--inspector") == 0)
            inspector = v;
        else if (strcmp(a, "--ack") == 0) {
            if (!s_yes_no(v, &ack))
                return s_usage_inspect();
            has_ack = true;
        } else if (strcmp(a, "--photo") == 0) {
            if (nphotos == S_MAX_PHOTOS)
                return s_fail("--photo", "too many photos");
            if (s_hash_file(v, hashes[nphotos]) != S_OK)
                return S_ERROR;
            photos[nphotos].data = hashes[nphotos];
            photos[nphotos].len = 32;
            nphotos++;
        } else if (strcmp(a, "--check") == 0) {
            const char *eq = strchr(v, '=');
            if (!eq || eq == v || (size_t)(eq - v) >= sizeof names[0] ||
                nitems == S_MAX_ITEMS)
                return s_usage_inspect();
            bool ok;
            if (strcmp(eq + 1, "ok") == 0)
                ok = true;
            else if (strcmp(eq + 1, "fail") == 0)
                ok = false;
            else
                return s_usage_inspect();
            memcpy(names[nitems], v, (size_t)(eq - v));
            names[nitems][eq - v] = '\0';
            Lpg__CheckItem ci = LPG__CHECK_ITEM__INIT;
            ci.item = names[nitems];
            ci.ok = ok;
            items[nitems] = ci;
            item_ptrs[nitems] = &items[nitems];
            nitems++;
        } else
            return s_usage_inspect();
    }
    if (!user || !has_ack || nitems == 0)
        return s_usage_inspect();
    Lpg__HouseholdInspection hi = LPG__HOUSEHOLD_INSPECTION__INIT;
    hi.n_checks = nitems;
    hi.checks = item_ptrs;
    hi.n_photo_hashes = nphotos;
    hi.photo_hashes = photos;
    hi.acknowledged_by_user = ack;
    Lpg__Event ev = LPG__EVENT__INIT;
    ev.user = (char *)user;
    ev.actor = (char *)inspector;
    ev.body_case = LPG__EVENT__BODY_HOUSEHOLD_INSPECTION;
    ev.household_inspection = &hi;
    return s_submit(home, &ev, false);
}

static int
s_usage_periodic(void)
{
    fprintf(stderr, "usage: lpg-scan periodic --code T --pass yes|no "
                    "[--next YYYY-MM-DD] [--body ID]\n");
    return S_ERROR;
}

static bool
s_date(const char *v, uint32_t *out)
{
    unsigned y, m, d;
    char end;
    if (sscanf(v, "%4u-%2u-%2u%c", &y, &m, &d, &end) != 3 || m < 1 || m > 12 ||
        d < 1 || d > 31)
        return false;
    *out = y * 10000 + m * 100 + d;
    return true;
}

int
lpg_scan_periodic(const char *home, int argc, char **argv)
{
    const char *code = NULL, *body = NULL;
    bool pass = false, has_pass = false;
    uint32_t next = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            return s_usage_periodic();
        i++;
        if (strcmp(a, "--code") == 0)
            code = v;
        else if (strcmp(a, "--body") == 0)
            body = v;
        else if (strcmp(a, "--pass") == 0) {
            if (!s_yes_no(v, &pass))
                return s_usage_periodic();
            has_pass = true;
        } else if (strcmp(a, "--next") == 0) {
            if (!s_date(v, &next))
                return s_usage_periodic();
        } else
            return s_usage_periodic();
    }
    if (!code || !has_pass || (pass && !next))
        return s_usage_periodic();
    lpg_code_t parsed;
    memset(&parsed, 0, sizeof parsed);
    int rc = lpg_code_parse(code, strlen(code), NULL, &parsed);
    if (rc != LPG_OK)
        return s_fail("code", *parsed.why ? parsed.why : lpg_strerror(rc));
    lpg_config_t *cfg = NULL;
    char why[512] = "", bodybuf[128] = "";
    if (!body && lpg_config_load(&cfg, home, why, sizeof why) == LPG_OK) {
        snprintf(bodybuf, sizeof bodybuf, "%s",
                 lpg_config_get(cfg, "device.site"));
        body = bodybuf;
    }
    lpg_config_destroy(&cfg);
    if (!body || !*body)
        return s_fail("periodic", "no inspection body: --body or "
                                  "device.site");
    Lpg__PeriodicInspection pi = LPG__PERIODIC_INSPECTION__INIT;
    pi.pass = pass;
    pi.has_next_inspection_ymd = next != 0;
    pi.next_inspection_ymd = next;
    pi.body = (char *)body;
    Lpg__Event ev = LPG__EVENT__INIT;
    ev.cylinder = parsed.grai;
    ev.body_case = LPG__EVENT__BODY_PERIODIC_INSPECTION;
    ev.periodic_inspection = &pi;
    return s_submit(home, &ev, false);
}

static int
s_usage_rectify(void)
{
    fprintf(stderr, "usage: lpg-scan rectify --hazard ID [--inspector STAFF] "
                    "[--json]\n"
                    "ID: hazard/<user>/<inspection>/<item>, as listed by "
                    "lpgtrace report hazards --user USER\n");
    return S_ERROR;
}

int
lpg_scan_rectify(const char *home, int argc, char **argv)
{
    const char *hazard = NULL, *inspector = NULL;
    bool json = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--json") == 0) {
            json = true;
            continue;
        }
        if (i + 1 >= argc)
            return s_usage_rectify();
        const char *v = argv[++i];
        if (strcmp(a, "--hazard") == 0)
            hazard = v;
        else if (strcmp(a, "--inspector") == 0)
            inspector = v;
        else
            return s_usage_rectify();
    }
    if (!hazard || !*hazard)
        return s_usage_rectify();
    Lpg__HazardRectified hr = LPG__HAZARD_RECTIFIED__INIT;
    hr.hazard = (char *)hazard;
    Lpg__Event ev = LPG__EVENT__INIT;
    ev.actor = (char *)inspector;
    ev.body_case = LPG__EVENT__BODY_HAZARD_RECTIFIED;
    ev.hazard_rectified = &hr;
    return s_submit(home, &ev, json);
}
