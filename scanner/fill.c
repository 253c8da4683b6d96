/*  fill.c - see fill.h.
 *
 *  The device's home (lpgtrace.conf): device.key (keys/<name>: .pem signs,
 *  .curve connects), device.site (the station it is enrolled at),
 *  device.operator (the staff id on shift; --operator overrides),
 *  endpoint.filling and keys/filling.curve.pub. Each fill check (and
 *  override) is remembered in <home>/fill-allows ("EVENTID GRAI" lines)
 *  so `fill-done --allow ID` and `override --check ID` know which
 *  cylinder they are about.
 */
#include "fill.h"
#include "client.h"
#include "code.h"
#include "config.h"
#include "crypto.h"
#include "error.h"
#include "event.h"
#include "msg.h"

#include <fcntl.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define S_OK 0
#define S_DENIED 1
#define S_ERROR 2
#define S_MAX_CHECKS 16

static const char *s_items[] = {"corrosion", "dents", "fire", "valve",
                                "parts"};

typedef struct {
    lpg_config_t *cfg;
    bool json;
    lpg_key_t *key;       /* this device's signing key */
    lpg_key_t *authority; /* for checking codes locally; may be NULL */
} s_dev_t;

static int
s_fail(const char *what, const char *why)
{
    fprintf(stderr, "lpg-scan: %s: %s\n", what, why);
    return S_ERROR;
}

static int
s_open(s_dev_t *d, const char *home)
{
    memset(d, 0, sizeof *d);
    char why[512] = "";
    int rc = lpg_config_load(&d->cfg, home, why, sizeof why);
    if (rc != LPG_OK)
        return s_fail("configuration", *why ? why : lpg_strerror(rc));
    char rel[512], path[4096];
    snprintf(rel, sizeof rel, "%s.pem", lpg_config_get(d->cfg, "device.key"));
    lpg_config_path(d->cfg, rel, path, sizeof path);
    rc = lpg_key_load_private(&d->key, path);
    if (rc != LPG_OK)
        return s_fail(path, lpg_strerror(rc));
    lpg_config_path(d->cfg, lpg_config_get(d->cfg, "authority.public"), path,
                    sizeof path);
    if (access(path, R_OK) == 0)
        lpg_key_load_public(&d->authority, path);
    return S_OK;
}

static void
s_close(s_dev_t *d)
{
    lpg_key_destroy(&d->key);
    lpg_key_destroy(&d->authority);
    lpg_config_destroy(&d->cfg);
}

static uint64_t
s_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*  Signs and sends the event; *reply is the caller's. */
static int
s_send(s_dev_t *d, Lpg__Event *ev, uint8_t id[16], Lpg__Reply **reply)
{
    *reply = NULL;
    if (lpg_event_new_id(id) != LPG_OK)
        return s_fail("event id", "no randomness");
    ev->event_id.data = id;
    ev->event_id.len = 16;
    ev->device_time_ms = s_now_ms();
    uint8_t *data = NULL;
    size_t len = 0;
    int rc = lpg_event_sign(ev, d->key, &data, &len);
    if (rc != LPG_OK)
        return s_fail("sign", lpg_strerror(rc));
    lpg_client_t *c = NULL;
    rc = lpg_client_from_config(&c, d->cfg, "filling");
    if (rc == LPG_OK)
        rc = lpg_client_submit(c, data, len, reply);
    lpg_client_destroy(&c);
    free(data);
    if (rc == LPG_EUNAVAILABLE)
        return s_fail("filling service", "no answer: do not fill (the gate "
                                         "fails closed)");
    if (rc != LPG_OK)
        return s_fail("filling service", lpg_strerror(rc));
    return S_OK;
}

static void
s_print_reasons(const Lpg__Reply *r)
{
    for (size_t i = 0; i < r->n_reasons; i++)
        printf("  - %s\n    %s\n    %s\n", r->reasons[i]->token,
               r->reasons[i]->zh ? r->reasons[i]->zh : "",
               r->reasons[i]->en ? r->reasons[i]->en : "");
}

static json_t *
s_reply_json(const Lpg__Reply *r)
{
    json_t *o = lpg_msg_reply_json(r);
    if (!o)
        return NULL;
    if (r->cylinder) {
        json_t *c = json_object();
        json_object_set_new(c, "grai", json_string(r->cylinder->grai));
        json_object_set_new(c, "serial", json_string(r->cylinder->serial));
        if (r->cylinder->short_id)
            json_object_set_new(c, "short_id",
                                json_string(r->cylinder->short_id));
        json_object_set_new(o, "cylinder", c);
    }
    if (r->fill) {
        json_object_set_new(o, "net_g", json_integer(r->fill->net_g));
        json_object_set_new(o, "over", json_boolean(r->fill->over));
        json_object_set_new(o, "under", json_boolean(r->fill->under));
    }
    return o;
}

static bool
s_u32(const char *s, uint32_t *out)
{
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (!*s || *end || v > 100000000UL)
        return false;
    *out = (uint32_t)v;
    return true;
}

static void
s_hex(const uint8_t id[16], char out[33])
{
    lpg_hex(id, 16, out);
}

static void
s_remember(s_dev_t *d, const char *allow_hex, const char *grai)
{
    char path[4096];
    lpg_config_path(d->cfg, "fill-allows", path, sizeof path);
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd < 0)
        return;
    char line[128];
    int n = snprintf(line, sizeof line, "%s %s\n", allow_hex, grai);
    if (n > 0 && write(fd, line, (size_t)n) != n)
        fprintf(stderr, "lpg-scan: could not remember the allow id\n");
    close(fd);
}

static bool
s_recall(s_dev_t *d, const char *allow_hex, char *grai, size_t graisz)
{
    char path[4096];
    lpg_config_path(d->cfg, "fill-allows", path, sizeof path);
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    char line[256];
    bool found = false;
    while (fgets(line, sizeof line, f)) {
        char id[64], g[64];
        if (sscanf(line, "%63s %63s", id, g) == 2 &&
            strcmp(id, allow_hex) == 0) {
            snprintf(grai, graisz, "%s", g);
            found = true;
        }
    }
    fclose(f);
    return found;
}

static bool
s_unhex(const char *hex, uint8_t out[16])
{
    if (strlen(hex) != 32)
        return false;
    for (int i = 0; i < 16; i++) {
        unsigned v;
        if (sscanf(hex + 2 * i, "%2x", &v) != 1)
            return false;
        out[i] = (uint8_t)v;
    }
    return true;
}

static int
s_usage_check(void)
{
    fprintf(stderr,
            "usage: lpg-scan [--home DIR] fill-check (--image FILE | --code "
            "TEXT | -) --tare-g G\n"
            "           [--check ITEM=ok|fail ...] [--check all=ok] "
            "[--operator STAFF] [--json]\n"
            "items: corrosion dents fire valve parts (others may be added)\n");
    return S_ERROR;
}

/*  The code text: from --code, an image, or one line of stdin (a
 *  keyboard-wedge scanner types the code and Enter). */
static int
s_code_text(const char *home, const char *code, const char *image,
            char *out, size_t outsz)
{
    if (code) {
        snprintf(out, outsz, "%s", code);
        return S_OK;
    }
    if (image) {
        char why[256] = "";
        int rc = lpg_scan_image_text(home, image, out, outsz, why,
                                     sizeof why);
        if (rc == 1)
            return s_fail(image, "no code found: scan again");
        if (rc != 0)
            return s_fail(image, why);
        return S_OK;
    }
    if (!fgets(out, (int)outsz, stdin))
        return s_fail("stdin", "no code was scanned");
    out[strcspn(out, "\r\n")] = '\0';
    return S_OK;
}

int
lpg_scan_fill_check(const char *home, int argc, char **argv)
{
    const char *code = NULL, *image = NULL, *operator_id = NULL;
    uint32_t tare = 0;
    bool has_tare = false, json = false, from_stdin = false;
    Lpg__CheckItem items[S_MAX_CHECKS];
    Lpg__CheckItem *item_ptrs[S_MAX_CHECKS];
    size_t nitems = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--json") == 0)
            json = true;
        else if (strcmp(a, "-") == 0)
            from_stdin = true;
        else if (i + 1 >= argc)
            return s_usage_check();
        else if (strcmp(a, "--code") == 0)
            code = argv[++i];
        else if (strcmp(a, "--image") == 0)
            image = argv[++i];
        else if (strcmp(a, "--operator") == 0)
            operator_id = argv[++i];
        else if (strcmp(a, "--tare-g") == 0) {
            if (!s_u32(argv[++i], &tare))
                return s_usage_check();
            has_tare = true;
        } else if (strcmp(a, "--check") == 0) {
            char *spec = argv[++i];
            char *eq = strchr(spec, '=');
            if (!eq || (strcmp(eq + 1, "ok") && strcmp(eq + 1, "fail")))
                return s_usage_check();
            bool ok = strcmp(eq + 1, "ok") == 0;
            *eq = '\0';
            size_t k0 = nitems;
            if (strcmp(spec, "all") == 0) {
                for (size_t k = 0; k < 5 && nitems < S_MAX_CHECKS; k++) {
                    lpg__check_item__init(&items[nitems]);
                    items[nitems].item = (char *)s_items[k];
                    items[nitems++].ok = ok;
                }
            } else if (nitems < S_MAX_CHECKS) {
                lpg__check_item__init(&items[nitems]);
                items[nitems].item = spec;
                items[nitems++].ok = ok;
            }
            /* A later ITEM=... replaces an earlier one of the same item. */
            for (size_t k = k0; k < nitems; k++)
                for (size_t j = 0; j < k0; j++)
                    if (strcmp(items[j].item, items[k].item) == 0) {
                        items[j].ok = items[k].ok;
                        items[k].item = NULL;
                        break;
                    }
            size_t w = 0;
            for (size_t k = 0; k < nitems; k++)
                if (items[k].item)
                    items[w++] = items[k];
            nitems = w;
        } else
            return s_usage_check();
    }
    if (!has_tare || (!!code + !!image + from_stdin) > 1)
        return s_usage_check();
    for (size_t k = 0; k < nitems; k++)
        item_ptrs[k] = &items[k];
    s_dev_t d;
    int status = s_open(&d, home);
    if (status != S_OK) {
        s_close(&d);
        return status;
    }
    d.json = json;
    char text[LPG_CODE_MAX_TEXT * 2 + 2];
    status = s_code_text(home, code, image, text, sizeof text);
    lpg_code_t parsed;
    memset(&parsed, 0, sizeof parsed);
    bool capslock = false;
    if (status == S_OK) {
        /* Checked here too when this station has the authority key: a
         * Caps Lock swap is corrected before it is sent. */
        int rc = d.authority
                     ? lpg_code_verify(text, strlen(text),
                                       lpg_config_get(d.cfg, "code.resolver"),
                                       d.authority, &parsed)
                     : lpg_code_parse(text, strlen(text), NULL, &parsed);
        if (rc == LPG_ECODE_CASE) {
            capslock = true;
            lpg_code_format(&parsed, text, sizeof text);
        } else if (rc != LPG_OK)
            memset(parsed.grai, 0, sizeof parsed.grai);
    }
    Lpg__Reply *r = NULL;
    uint8_t id[16];
    if (status == S_OK) {
        Lpg__FillCheck fc = LPG__FILL_CHECK__INIT;
        fc.code = text;
        fc.empty_g = tare;
        fc.n_checks = nitems;
        fc.checks = item_ptrs;
        Lpg__Event ev = LPG__EVENT__INIT;
        ev.body_case = LPG__EVENT__BODY_FILL_CHECK;
        ev.fill_check = &fc;
        ev.cylinder = parsed.grai[0] ? parsed.grai : NULL;
        ev.site = (char *)lpg_config_get(d.cfg, "device.site");
        ev.actor = (char *)(operator_id ? operator_id
                                        : lpg_config_get(d.cfg,
                                                         "device.operator"));
        if (ev.site && !*ev.site)
            ev.site = NULL;
        if (ev.actor && !*ev.actor)
            ev.actor = NULL;
        status = s_send(&d, &ev, id, &r);
    }
    if (status == S_OK) {
        char hex[33];
        s_hex(id, hex);
        bool allow = r->status == LPG__STATUS__STATUS_OK;
        /* Every check is remembered: fill-done follows an ALLOW, and a
         * supervisor may override a DENY. */
        if (parsed.grai[0])
            s_remember(&d, hex, parsed.grai);
        if (json) {
            json_t *o = s_reply_json(r);
            json_object_set_new(o, "verdict",
                                json_string(allow ? "ALLOW" : "DENY"));
            json_object_set_new(o, "check_id", json_string(hex));
            if (capslock)
                json_object_set_new(o, "capslock", json_true());
            lpg_msg_emit_json(o);
        } else {
            if (capslock)
                printf("Caps Lock? The scanner typed the code with letter "
                       "case swapped; corrected.\n");
            if (allow)
                printf("ALLOW  可以充装 / fill allowed\n");
            else if (r->status == LPG__STATUS__STATUS_DENIED)
                printf("DENY  禁止充装 / do not fill (%zu reason%s)\n",
                       r->n_reasons, r->n_reasons == 1 ? "" : "s");
            else
                printf("DENY  %s %s: %s\n", lpg_msg_status_name(r->status),
                       r->token, r->message);
            s_print_reasons(r);
            if (r->cylinder)
                printf("  cylinder   %s  (short id %s)\n"
                       "  compare the steel stamp (钢印): %s\n",
                       r->cylinder->grai,
                       r->cylinder->short_id ? r->cylinder->short_id : "-",
                       r->cylinder->serial);
            printf("  %s id   %s\n", allow ? "allow" : "check", hex);
        }
        status = allow ? S_OK : S_DENIED;
    }
    if (r)
        lpg__reply__free_unpacked(r, NULL);
    s_close(&d);
    return status;
}

static int
s_usage_done(void)
{
    fprintf(stderr, "usage: lpg-scan [--home DIR] fill-done --allow ID "
                    "--full-g G --leak ok|fail [--operator STAFF] "
                    "[--json]\n");
    return S_ERROR;
}

int
lpg_scan_fill_done(const char *home, int argc, char **argv)
{
    const char *allow = NULL, *leak = NULL, *operator_id = NULL;
    uint32_t full = 0;
    bool has_full = false, json = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = true;
        else if (i + 1 >= argc)
            return s_usage_done();
        else if (strcmp(argv[i], "--allow") == 0)
            allow = argv[++i];
        else if (strcmp(argv[i], "--leak") == 0)
            leak = argv[++i];
        else if (strcmp(argv[i], "--operator") == 0)
            operator_id = argv[++i];
        else if (strcmp(argv[i], "--full-g") == 0) {
            if (!s_u32(argv[++i], &full))
                return s_usage_done();
            has_full = true;
        } else
            return s_usage_done();
    }
    uint8_t allow_id[16];
    if (!allow || !has_full || !leak ||
        (strcmp(leak, "ok") && strcmp(leak, "fail")) ||
        !s_unhex(allow, allow_id))
        return s_usage_done();
    s_dev_t d;
    int status = s_open(&d, home);
    char grai[64] = "";
    if (status == S_OK && !s_recall(&d, allow, grai, sizeof grai))
        status = s_fail(allow, "this station has no ALLOW with that id "
                               "(fill-check first)");
    Lpg__Reply *r = NULL;
    uint8_t id[16];
    if (status == S_OK) {
        Lpg__FillRecord fr = LPG__FILL_RECORD__INIT;
        fr.allow_event_id.data = allow_id;
        fr.allow_event_id.len = 16;
        fr.full_g = full;
        fr.leak_ok = strcmp(leak, "ok") == 0;
        Lpg__Event ev = LPG__EVENT__INIT;
        ev.body_case = LPG__EVENT__BODY_FILL_RECORD;
        ev.fill_record = &fr;
        ev.cylinder = grai;
        ev.site = (char *)lpg_config_get(d.cfg, "device.site");
        ev.actor = (char *)(operator_id ? operator_id
                                        : lpg_config_get(d.cfg,
                                                         "device.operator"));
        if (ev.site && !*ev.site)
            ev.site = NULL;
        if (ev.actor && !*ev.actor)
            ev.actor = NULL;
        status = s_send(&d, &ev, id, &r);
    }
    if (status == S_OK) {
        bool ok = r->status == LPG__STATUS__STATUS_OK;
        if (json)
            lpg_msg_emit_json(s_reply_json(r));
        else {
            printf("%s  %s\n", ok ? "RECORDED" : "REFUSED", r->message);
            if (r->fill)
                printf("  net %d g%s%s\n", r->fill->net_g,
                       r->fill->over ? "  OVER-FILLED: cylinder held until "
                                       "decanted"
                                     : "",
                       r->fill->under ? "  SHORT WEIGHT: flagged" : "");
            s_print_reasons(r);
        }
        status = ok ? S_OK : S_DENIED;
    }
    if (r)
        lpg__reply__free_unpacked(r, NULL);
    s_close(&d);
    return status;
}

int
lpg_scan_override(const char *home, int argc, char **argv)
{
    const char *check = NULL, *reason = NULL, *supervisor = NULL;
    bool json = false;
    const char *tokens[32];
    size_t ntokens = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = true;
        else if (i + 1 >= argc)
            break;
        else if (strcmp(argv[i], "--check") == 0)
            check = argv[++i];
        else if (strcmp(argv[i], "--reason") == 0)
            reason = argv[++i];
        else if (strcmp(argv[i], "--supervisor") == 0)
            supervisor = argv[++i];
        else if (strcmp(argv[i], "--token") == 0 && ntokens < 32)
            tokens[ntokens++] = argv[++i];
    }
    uint8_t check_id[16];
    if (!check || !reason || !supervisor || ntokens == 0 ||
        !s_unhex(check, check_id)) {
        fprintf(stderr, "usage: lpg-scan [--home DIR] override --check ID "
                        "--supervisor STAFF --reason TEXT --token TOKEN...\n"
                        "(name every reason of the refused check)\n");
        return S_ERROR;
    }
    s_dev_t d;
    int status = s_open(&d, home);
    char grai[64] = "";
    Lpg__Reply *r = NULL;
    uint8_t id[16];
    if (status == S_OK && !s_recall(&d, check, grai, sizeof grai))
        status = s_fail(check, "this station has no fill check with that "
                               "id");
    if (status == S_OK) {
        Lpg__FillOverride fo = LPG__FILL_OVERRIDE__INIT;
        fo.check_event_id.data = check_id;
        fo.check_event_id.len = 16;
        fo.reason = (char *)reason;
        fo.n_tokens = ntokens;
        fo.tokens = (char **)tokens;
        Lpg__Event ev = LPG__EVENT__INIT;
        ev.body_case = LPG__EVENT__BODY_FILL_OVERRIDE;
        ev.fill_override = &fo;
        ev.cylinder = grai;
        ev.site = (char *)lpg_config_get(d.cfg, "device.site");
        ev.actor = (char *)supervisor;
        status = s_send(&d, &ev, id, &r);
    }
    if (status == S_OK) {
        char hex[33];
        s_hex(id, hex);
        bool ok = r->status == LPG__STATUS__STATUS_OK;
        if (ok)
            s_remember(&d, hex, grai);
        if (json) {
            json_t *o = s_reply_json(r);
            json_object_set_new(o, "allow_id", json_string(hex));
            lpg_msg_emit_json(o);
        } else {
            printf("%s  %s\n", ok ? "OVERRIDDEN" : "REFUSED", r->message);
            s_print_reasons(r);
            if (ok)
                printf("  allow id   %s (for fill-done; the override is "
                       "recorded and reported)\n", hex);
        }
        status = ok ? S_OK : S_DENIED;
    }
    if (r)
        lpg__reply__free_unpacked(r, NULL);
    s_close(&d);
    return status;
}
