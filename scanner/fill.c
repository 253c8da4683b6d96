/*  fill.c - see fill.h.
 *
 *  The device's home (lpgtrace.conf): device.key (keys/<name>: .pem signs,
 *  .curve connects), device.site (the station it is enrolled at),
 *  device.operator (the staff id on shift; --operator overrides),
 *  endpoint.filling and keys/filling.curve.pub. Each fill check (and
 *  override) is remembered in <home>/fill-allows ("EVENTID GRAI" lines)
 *  so `fill-done --allow ID` and `override --check ID` know which
 *  cylinder they are about. The line is written and synced before the
 *  check is sent: a check this station cannot remember (its disk full)
 *  is never sent, so no ALLOW opens the valve for a fill that could not
 *  be recorded. Without the line (a lost or damaged file), `--code`
 *  names the cylinder by scanning it again; the service still checks
 *  that the ALLOW is this station's, for that cylinder, and unused.
 */
#include "fill.h"
#include "net/client.h"
#include "codes/code.h"
#include "base/config.h"
#include "crypto/crypto.h"
#include "base/error.h"
#include "ledger/event.h"
#include "net/msg.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

/*  A fresh event id, and its hex. */
static int
s_new_id(uint8_t id[16], char hex[33])
{
    if (lpg_event_new_id(id) != LPG_OK)
        return s_fail("event id", "no randomness");
    lpg_hex(id, 16, hex);
    return S_OK;
}

/*  Signs and sends the event under the event id id (NULL: a fresh one);
 *  *reply is the caller's. */
static int
s_send(s_dev_t *d, Lpg__Event *ev, const uint8_t *id, Lpg__Reply **reply)
{
    *reply = NULL;
    lpg_client_t *c = NULL;
    int rc = lpg_client_from_config(&c, d->cfg, "filling");
    if (rc == LPG_OK)
        rc = lpg_client_sign_submit(c, d->key, ev, NULL, 0, id, NULL, reply);
    lpg_client_destroy(&c);
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

/*  Prints an answer that is neither yes nor a refusal: the service
 *  failed, or could not judge the request; nothing was recorded. */
static void
s_print_error(const Lpg__Reply *r, const char *then)
{
    printf("ERROR  %s %s: %s\n", lpg_msg_status_name(r->status),
           r->token ? r->token : "", r->message ? r->message : "");
    const char *advice = lpg_msg_advice(r);
    printf("  %s%s\n", then, advice ? advice : "nothing was recorded");
}

/*  Appends "ID GRAI" to <home>/fill-allows and syncs it, before the
 *  event with that id is sent (see the banner). S_ERROR, having said
 *  why, if it cannot: the event must not be sent. */
static int
s_remember(s_dev_t *d, const char *id_hex, const char *grai)
{
    char path[4096];
    lpg_config_path(d->cfg, "fill-allows", path, sizeof path);
    char line[128];
    int n = snprintf(line, sizeof line, "%s %s\n", id_hex, grai);
    int err = 0;
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0)
        err = errno;
    else {
        struct stat st;
        off_t was = fstat(fd, &st) == 0 ? st.st_size : -1;
        errno = 0;
        ssize_t w = write(fd, line, (size_t)n);
        if (w != n) {
            err = w < 0 && errno ? errno : ENOSPC;
            if (w > 0 && was >= 0 && S_ISREG(st.st_mode) &&
                ftruncate(fd, was) != 0) /* no half line left behind */
                fprintf(stderr,
                        "lpg-scan: %s: a half line may be left "
                        "at the end\n",
                        path);
        } else if (fsync(fd) != 0 && errno != EINVAL)
            err = errno; /* EINVAL: a special file, nothing to sync */
        if (close(fd) != 0 && !err)
            err = errno;
    }
    if (!err)
        return S_OK;
    fprintf(stderr,
            "lpg-scan: %s: cannot save the check id: %s.\n"
            "lpg-scan: nothing was sent and nothing recorded: do not fill. "
            "Free space on this station's disk, then scan again.\n",
            path, err == ENOSPC ? lpg_strerror(LPG_ENOSPC) : strerror(err));
    return S_ERROR;
}

/*  The GRAI of a code scanned again (--code): checked with the
 *  authority key when this station has it, a Caps Lock swap accepted. */
static int
s_code_grai(s_dev_t *d, const char *text, char *grai, size_t graisz)
{
    lpg_code_t parsed;
    memset(&parsed, 0, sizeof parsed);
    int rc = d->authority
                 ? lpg_code_verify(text, strlen(text),
                                   lpg_config_get(d->cfg, "code.resolver"),
                                   d->authority, &parsed)
                 : lpg_code_parse(text, strlen(text), NULL, &parsed);
    if (rc != LPG_OK && rc != LPG_ECODE_CASE)
        return s_fail("--code", lpg_strerror(rc));
    snprintf(grai, graisz, "%s", parsed.grai);
    return S_OK;
}

static bool s_recall(s_dev_t *d, const char *allow_hex, char *grai,
                     size_t graisz);

/*  The cylinder an earlier check or override (id_hex) is about: from
 *  fill-allows, or from the code scanned again when given. Both: they
 *  must agree. */
static int
s_cylinder_of(s_dev_t *d, const char *id_hex, const char *code, char *grai,
              size_t graisz)
{
    char kept[64] = "", scanned[64] = "";
    bool known = s_recall(d, id_hex, kept, sizeof kept);
    if (code && s_code_grai(d, code, scanned, sizeof scanned) != S_OK)
        return S_ERROR;
    if (!known && !code) {
        fprintf(stderr,
                "lpg-scan: %s: this station has no record of that "
                "id (fill-check first; if its record was lost, "
                "scan the cylinder again with --code)\n",
                id_hex);
        return S_ERROR;
    }
    if (known && code && strcmp(kept, scanned) != 0) {
        fprintf(stderr,
                "lpg-scan: %s was for cylinder %s, not for the one "
                "scanned (%s): nothing was sent\n",
                id_hex, kept, scanned);
        return S_ERROR;
    }
    snprintf(grai, graisz, "%s", known ? kept : scanned);
    return S_OK;
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
s_code_text(const char *home, const char *code, const char *image, char *out,
            size_t outsz)
{
    if (code) {
        snprintf(out, outsz, "%s", code);
        return S_OK;
    }
    if (image) {
        char why[256] = "";
        int rc = lpg_scan_image_text(home, image, out, outsz, why, sizeof why);
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
    char hex[33];
    if (status == S_OK)
        status = s_new_id(id, hex);
    /* Every check is remembered, before it is sent: fill-done follows an
     * ALLOW, and a supervisor may override a DENY. */
    if (status == S_OK && parsed.grai[0])
        status = s_remember(&d, hex, parsed.grai);
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
        ev.actor =
            (char *)(operator_id ? operator_id
                                 : lpg_config_get(d.cfg, "device.operator"));
        if (ev.site && !*ev.site)
            ev.site = NULL;
        if (ev.actor && !*ev.actor)
            ev.actor = NULL;
        status = s_send(&d, &ev, id, &r);
    }
    if (status == S_OK) {
        bool allow = r->status == LPG__STATUS__STATUS_OK;
        /* A DENY is a recorded refusal, with its reasons; any other
         * answer recorded nothing: an error, never shown as a DENY. */
        bool deny = r->status == LPG__STATUS__STATUS_DENIED;
        if (json) {
            json_t *o = s_reply_json(r);
            json_object_set_new(o, "verdict",
                                json_string(allow  ? "ALLOW"
                                            : deny ? "DENY"
                                                   : "ERROR"));
            if (allow || deny)
                json_object_set_new(o, "check_id", json_string(hex));
            if (capslock)
                json_object_set_new(o, "capslock", json_true());
            lpg_msg_emit_json(o);
        } else if (!allow && !deny) {
            s_print_error(r, "do not fill: ");
        } else {
            if (capslock)
                printf("Caps Lock? The scanner typed the code with letter "
                       "case swapped; corrected.\n");
            if (allow)
                printf("ALLOW  可以充装 / fill allowed\n");
            else
                printf("DENY  禁止充装 / do not fill (%zu reason%s)\n",
                       r->n_reasons, r->n_reasons == 1 ? "" : "s");
            s_print_reasons(r);
            if (r->cylinder)
                printf("  cylinder   %s  (short id %s)\n"
                       "  compare the steel stamp (钢印): %s\n",
                       r->cylinder->grai,
                       r->cylinder->short_id ? r->cylinder->short_id : "-",
                       r->cylinder->serial);
            printf("  %s id   %s\n", allow ? "allow" : "check", hex);
        }
        status = allow ? S_OK : deny ? S_DENIED : S_ERROR;
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
                    "--full-g G --leak ok|fail [--code TEXT] "
                    "[--operator STAFF] [--json]\n"
                    "--code: the cylinder scanned again, when this station "
                    "lost its record of the ALLOW\n");
    return S_ERROR;
}

int
lpg_scan_fill_done(const char *home, int argc, char **argv)
{
    const char *allow = NULL, *leak = NULL, *operator_id = NULL;
    const char *code = NULL;
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
        else if (strcmp(argv[i], "--code") == 0)
            code = argv[++i];
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
    if (status == S_OK)
        status = s_cylinder_of(&d, allow, code, grai, sizeof grai);
    Lpg__Reply *r = NULL;
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
        ev.actor =
            (char *)(operator_id ? operator_id
                                 : lpg_config_get(d.cfg, "device.operator"));
        if (ev.site && !*ev.site)
            ev.site = NULL;
        if (ev.actor && !*ev.actor)
            ev.actor = NULL;
        status = s_send(&d, &ev, NULL, &r);
    }
    if (status == S_OK) {
        bool ok = r->status == LPG__STATUS__STATUS_OK;
        status = lpg_msg_exit(r);
        if (json)
            lpg_msg_emit_json(s_reply_json(r));
        else if (status == S_ERROR)
            s_print_error(r, "");
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
    const char *code = NULL;
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
        else if (strcmp(argv[i], "--code") == 0)
            code = argv[++i];
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
                        "           [--code TEXT] [--json]\n"
                        "(name every reason of the refused check; --code: "
                        "the cylinder scanned again,\n"
                        "when this station lost its record of the check)\n");
        return S_ERROR;
    }
    s_dev_t d;
    int status = s_open(&d, home);
    char grai[64] = "";
    Lpg__Reply *r = NULL;
    uint8_t id[16];
    char hex[33];
    if (status == S_OK)
        status = s_cylinder_of(&d, check, code, grai, sizeof grai);
    if (status == S_OK)
        status = s_new_id(id, hex);
    /* The override is an ALLOW: remembered before it is sent. */
    if (status == S_OK)
        status = s_remember(&d, hex, grai);
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
        bool ok = r->status == LPG__STATUS__STATUS_OK;
        status = lpg_msg_exit(r);
        if (json) {
            json_t *o = s_reply_json(r);
            if (ok)
                json_object_set_new(o, "allow_id", json_string(hex));
            lpg_msg_emit_json(o);
        } else if (status == S_ERROR)
            s_print_error(r, "");
        else {
            printf("%s  %s\n", ok ? "OVERRIDDEN" : "REFUSED", r->message);
            s_print_reasons(r);
            if (ok)
                printf("  allow id   %s (for fill-done; the override is "
                       "recorded and reported)\n",
                       hex);
        }
    }
    if (r)
        lpg__reply__free_unpacked(r, NULL);
    s_close(&d);
    return status;
}
