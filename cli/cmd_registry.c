/*  cmd_registry.c - lpgtrace company|site|staff|vehicle add, and what
 *  every registry command shares (cli/registry.h). Users are in
 *  cmd_user.c, cylinders in cmd_cylinder.c, CSV import in import.c.
 *
 *  Every command talks to lpg-registryd and signs with the authority key
 *  (config authority.key), or with --as KEYPREFIX with a company admin
 *  device's key (KEYPREFIX.pem, enrolled with role company-admin);
 *  lib/domain/kind.c decides who may sign what, and a refusal comes back with
 *  its reason.
 */
#include "registry.h"
#include "base/clock.h"
#include "base/error.h"
#include "net/msg.h"
#include "domain/pii.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------- helpers */

bool
lpg_reg_opts(const char *cmd, int argc, char **argv, int first,
             lpg_opt_t *opts, const char **pos, size_t npos)
{
    size_t used = 0;
    for (size_t k = 0; k < npos; k++)
        pos[k] = NULL;
    for (int i = first; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2) != 0) {
            if (used == npos) {
                fprintf(stderr, "lpgtrace: %s: unexpected '%s'\n", cmd, a);
                return false;
            }
            pos[used++] = a;
            continue;
        }
        const char *name = a + 2, *eq = strchr(name, '=');
        size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
        lpg_opt_t *o = opts;
        while (o->name &&
               (strlen(o->name) != nlen || strncmp(o->name, name, nlen) != 0))
            o++;
        if (!o->name) {
            fprintf(stderr, "lpgtrace: %s: unknown option '%.*s'\n", cmd,
                    (int)nlen + 2, a);
            return false;
        }
        if (o->flag && !eq)
            o->value = "";
        else if (o->flag) {
            fprintf(stderr, "lpgtrace: %s: %.*s takes no value\n", cmd,
                    (int)nlen + 2, a);
            return false;
        } else if (eq)
            o->value = eq + 1;
        else if (i + 1 < argc)
            o->value = argv[++i];
        else {
            fprintf(stderr, "lpgtrace: %s: %s needs a value\n", cmd, a);
            return false;
        }
    }
    return true;
}

const char *
lpg_reg_opt(const lpg_opt_t *opts, const char *name)
{
    for (; opts->name; opts++)
        if (strcmp(opts->name, name) == 0)
            return opts->value;
    return NULL;
}

lpg_key_t *
lpg_reg_signer(lpg_cli_t *cli, const char *as)
{
    if (!as)
        return lpg_cli_key(cli, "authority.key", true);
    char path[4096];
    snprintf(path, sizeof path, "%s.pem", as);
    lpg_key_t *key = NULL;
    int rc = lpg_key_load_private(&key, path);
    if (rc != LPG_OK) {
        fprintf(stderr, "lpgtrace: %s (--as): %s\n", path, lpg_strerror(rc));
        return NULL;
    }
    return key;
}

bool
lpg_reg_pii_key(lpg_cli_t *cli, uint8_t key[32])
{
    lpg_config_t *cfg = lpg_cli_config(cli);
    char path[4096];
    if (!cfg ||
        lpg_config_path(cfg, "keys/pii.hmac", path, sizeof path) != LPG_OK)
        return false;
    int rc = lpg_pii_key_load(path, key);
    if (rc != LPG_OK) {
        fprintf(stderr,
                "lpgtrace: %s (the look-up key for personal data): "
                "%s\n",
                path, lpg_strerror(rc));
        return false;
    }
    return true;
}

int
lpg_reg_sign(Lpg__Event *ev, const lpg_key_t *signer, uint8_t **out,
             size_t *len)
{
    return lpg_client_sign(signer, ev, NULL, NULL, out, len);
}

lpg_client_t *
lpg_reg_client(lpg_cli_t *cli)
{
    return lpg_cli_client(cli, "registry");
}

int
lpg_reg_call(lpg_cli_t *cli, lpg_client_t *c, Lpg__Request *req,
             Lpg__Reply **reply)
{
    int rc = lpg_client_call(c, req, reply);
    return rc == LPG_OK ? 0 : lpg_cli_unanswered(cli, "registry", rc);
}

int
lpg_reg_submit_signed(lpg_cli_t *cli, const uint8_t *data, size_t len,
                      const uint8_t *person_key, Lpg__Reply **reply_out)
{
    if (reply_out)
        *reply_out = NULL;
    lpg_client_t *c = lpg_reg_client(cli);
    if (!c)
        return 2;
    Lpg__Reply *r = NULL;
    int rc = lpg_client_submit_with(c, data, len, person_key,
                                    person_key ? 32 : 0, &r);
    lpg_client_destroy(&c);
    if (rc != LPG_OK)
        return lpg_cli_unanswered(cli, "registry", rc);
    return lpg_cli_answer(cli, r, reply_out);
}

int
lpg_reg_submit(lpg_cli_t *cli, Lpg__Event *ev, const lpg_key_t *signer,
               Lpg__Reply **reply_out)
{
    return lpg_cli_submit(cli, "registry", ev, signer, reply_out);
}

bool
lpg_reg_u32(const char *s, uint32_t *out)
{
    uint64_t v;
    if (!lpg_cli_u64(s, &v) || v > UINT32_MAX)
        return false;
    *out = (uint32_t)v;
    return true;
}

bool
lpg_reg_yes_no(const char *s, bool *out)
{
    static const char *yes[] = {"yes", "y", "1", "true"};
    static const char *no[] = {"no", "n", "0", "false"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            *out = true;
            return true;
        }
        if (strcasecmp(s, no[i]) == 0) {
            *out = false;
            return true;
        }
    }
    return false;
}

bool
lpg_reg_month(const char *s, uint32_t *out)
{
    unsigned y, m;
    char tail;
    if (sscanf(s, "%4u-%2u%c", &y, &m, &tail) == 2 ||
        (strlen(s) == 6 && sscanf(s, "%4u%2u%c", &y, &m, &tail) == 2)) {
        if (y >= 1900 && y <= 9999 && m >= 1 && m <= 12) {
            *out = y * 100 + m;
            return true;
        }
    }
    return false;
}

bool
lpg_reg_text(const char *s)
{
    return s && *s && lpg_string_check(s, LPG_STRING_MAX) == LPG_OK;
}

/* ------------------------------------------------------------- commands */

#define S_COMPANY_USAGE                                         \
    "company add ID --name N --gs1-prefix DIGITS --licence NO " \
    "[--licence-until DATE] [--as KEYPREFIX]"
#define S_SITE_USAGE                                          \
    "site add ID --company C --name N --kind filling|supply " \
    "[--lat DEG --lon DEG] [--area CODE] [--as KEYPREFIX]"
#define S_STAFF_USAGE                                          \
    "staff add ID --company C [--site S] --role "              \
    "operator|supervisor|driver|inspector --name N --cert NO " \
    "--cert-until DATE [--as KEYPREFIX]"
#define S_VEHICLE_USAGE                                              \
    "vehicle add PLATE --company C --permit NO --permit-until DATE " \
    "[--as KEYPREFIX]"

/*  Each value of names[] given and usable text; prints the first that
 *  is not. */
static bool
s_need_text(const char *cmd, const lpg_opt_t *opts, const char *const *names)
{
    for (; *names; names++) {
        const char *v = lpg_reg_opt(opts, *names);
        if (!v) {
            fprintf(stderr, "lpgtrace: %s: --%s is required\n", cmd, *names);
            return false;
        }
        if (!lpg_reg_text(v)) {
            fprintf(stderr,
                    "lpgtrace: %s: --%s must be text of 1 to %d "
                    "bytes without control characters\n",
                    cmd, *names, LPG_STRING_MAX);
            return false;
        }
    }
    return true;
}

static bool
s_id(const char *cmd, const char *what, const char *id)
{
    if (lpg_reg_text(id))
        return true;
    fprintf(stderr, "lpgtrace: %s: %s\n", cmd,
            id ? "the id must be text of 1 to 256 bytes without control "
                 "characters"
               : what);
    return false;
}

static bool
s_date_opt(const char *cmd, const lpg_opt_t *opts, const char *name,
           bool required, protobuf_c_boolean *has, uint32_t *out)
{
    const char *v = lpg_reg_opt(opts, name);
    if (!v) {
        if (required)
            fprintf(stderr, "lpgtrace: %s: --%s is required\n", cmd, name);
        return !required;
    }
    if (!lpg_cli_date(v, out)) {
        fprintf(stderr,
                "lpgtrace: %s: --%s '%s' is not a date "
                "(YYYY-MM-DD)\n",
                cmd, name, v);
        return false;
    }
    if (has)
        *has = 1;
    return true;
}

/*  Submits ev signed by the authority or --as, prints the answer. */
static int
s_submit(lpg_cli_t *cli, const lpg_opt_t *opts, Lpg__Event *ev)
{
    lpg_key_t *signer = lpg_reg_signer(cli, lpg_reg_opt(opts, "as"));
    if (!signer)
        return 2;
    int status = lpg_reg_submit(cli, ev, signer, NULL);
    lpg_key_destroy(&signer);
    return status;
}

static int
s_company(lpg_cli_t *cli, int argc, char **argv)
{
    const char *cmd = "company add";
    lpg_opt_t opts[] = {{"name"},          {"gs1-prefix"}, {"licence"},
                        {"licence-until"}, {"as"},         {NULL}};
    const char *id;
    if (!lpg_reg_opts(cmd, argc, argv, 2, opts, &id, 1) ||
        !s_id(cmd, "a company id is required", id) ||
        !s_need_text(cmd, opts,
                     (const char *[]){"name", "gs1-prefix", "licence", NULL}))
        goto usage;
    Lpg__CompanyAdd c = LPG__COMPANY_ADD__INIT;
    c.gs1_prefix = (char *)lpg_reg_opt(opts, "gs1-prefix");
    size_t plen = strlen(c.gs1_prefix);
    if (plen < 6 || plen > 12 || strspn(c.gs1_prefix, "0123456789") != plen) {
        fprintf(stderr,
                "lpgtrace: %s: --gs1-prefix must be a GS1 company "
                "prefix of 6 to 12 digits\n",
                cmd);
        return 2;
    }
    if (!s_date_opt(cmd, opts, "licence-until", false,
                    &c.has_licence_until_ymd, &c.licence_until_ymd))
        return 2;
    c.name = (char *)lpg_reg_opt(opts, "name");
    c.licence_no = (char *)lpg_reg_opt(opts, "licence");
    Lpg__Event ev = LPG__EVENT__INIT;
    ev.body_case = LPG__EVENT__BODY_COMPANY_ADD;
    ev.company_add = &c;
    ev.company = (char *)id;
    return s_submit(cli, opts, &ev);
usage:
    fprintf(stderr, "usage: lpgtrace %s\n", S_COMPANY_USAGE);
    return 2;
}

/*  Decimal degrees ("31.98", "-120.5") into degrees x 1e6, rounded at
 *  the seventh decimal; false if not a number within +-max. */
static bool
s_degrees(const char *s, int64_t max, int32_t *out)
{
    bool neg = *s == '-';
    if (*s == '-' || *s == '+')
        s++;
    if (*s < '0' || *s > '9')
        return false;
    int64_t whole = 0, frac = 0;
    int digits = 0;
    bool up = false;
    for (; *s >= '0' && *s <= '9'; s++) {
        whole = whole * 10 + (*s - '0');
        if (whole > max)
            return false;
    }
    if (*s == '.') {
        s++;
        if (*s < '0' || *s > '9')
            return false;
        for (; *s >= '0' && *s <= '9'; s++) {
            if (digits < 6)
                frac = frac * 10 + (*s - '0');
            else if (digits == 6)
                up = *s >= '5';
            digits++;
        }
    }
    if (*s)
        return false;
    for (; digits < 6; digits++)
        frac *= 10;
    int64_t v = whole * 1000000 + frac + up;
    if (v > max * 1000000)
        return false;
    *out = (int32_t)(neg ? -v : v);
    return true;
}

static int
s_site(lpg_cli_t *cli, int argc, char **argv)
{
    const char *cmd = "site add";
    lpg_opt_t opts[] = {{"company"}, {"name"}, {"kind"}, {"lat"},
                        {"lon"},     {"area"}, {"as"},   {NULL}};
    const char *id;
    if (!lpg_reg_opts(cmd, argc, argv, 2, opts, &id, 1) ||
        !s_id(cmd, "a site id is required", id) ||
        !s_need_text(cmd, opts,
                     (const char *[]){"company", "name", "kind", NULL}))
        goto usage;
    Lpg__SiteAdd a = LPG__SITE_ADD__INIT;
    const char *kind = lpg_reg_opt(opts, "kind");
    if (strcmp(kind, "filling") == 0)
        a.kind = LPG__SITE_KIND__SITE_FILLING_STATION;
    else if (strcmp(kind, "supply") == 0)
        a.kind = LPG__SITE_KIND__SITE_SUPPLY_POINT;
    else {
        fprintf(stderr, "lpgtrace: %s: --kind is filling or supply\n", cmd);
        return 2;
    }
    const char *lat = lpg_reg_opt(opts, "lat"),
               *lon = lpg_reg_opt(opts, "lon");
    if (!lat != !lon) {
        fprintf(stderr, "lpgtrace: %s: give --lat and --lon together\n", cmd);
        return 2;
    }
    if (lat &&
        (!s_degrees(lat, 90, &a.lat_e6) || !s_degrees(lon, 180, &a.lon_e6))) {
        fprintf(stderr,
                "lpgtrace: %s: --lat is -90..90 and --lon "
                "-180..180 decimal degrees\n",
                cmd);
        return 2;
    }
    a.has_lat_e6 = a.has_lon_e6 = lat != NULL;
    const char *area = lpg_reg_opt(opts, "area");
    if (area && !lpg_reg_text(area)) {
        fprintf(stderr, "lpgtrace: %s: --area must be text\n", cmd);
        return 2;
    }
    a.name = (char *)lpg_reg_opt(opts, "name");
    a.company = (char *)lpg_reg_opt(opts, "company");
    a.area = (char *)area;
    Lpg__Event ev = LPG__EVENT__INIT;
    ev.body_case = LPG__EVENT__BODY_SITE_ADD;
    ev.site_add = &a;
    ev.site = (char *)id;
    ev.company = a.company;
    return s_submit(cli, opts, &ev);
usage:
    fprintf(stderr, "usage: lpgtrace %s\n", S_SITE_USAGE);
    return 2;
}

static int
s_staff(lpg_cli_t *cli, int argc, char **argv)
{
    static const struct {
        const char *name;
        Lpg__StaffRole role;
    } roles[] = {
        {"operator", LPG__STAFF_ROLE__STAFF_FILLING_OPERATOR},
        {"supervisor", LPG__STAFF_ROLE__STAFF_SUPERVISOR},
        {"driver", LPG__STAFF_ROLE__STAFF_DRIVER},
        {"inspector", LPG__STAFF_ROLE__STAFF_INSPECTOR},
    };
    const char *cmd = "staff add";
    lpg_opt_t opts[] = {{"company"}, {"site"},       {"role"}, {"name"},
                        {"cert"},    {"cert-until"}, {"as"},   {NULL}};
    const char *id;
    if (!lpg_reg_opts(cmd, argc, argv, 2, opts, &id, 1) ||
        !s_id(cmd, "a staff id is required", id) ||
        !s_need_text(
            cmd, opts,
            (const char *[]){"company", "role", "name", "cert", NULL}))
        goto usage;
    Lpg__StaffAdd a = LPG__STAFF_ADD__INIT;
    const char *role = lpg_reg_opt(opts, "role");
    for (size_t i = 0; i < sizeof roles / sizeof *roles; i++)
        if (strcmp(role, roles[i].name) == 0)
            a.role = roles[i].role;
    if (a.role == LPG__STAFF_ROLE__STAFF_UNKNOWN) {
        fprintf(stderr,
                "lpgtrace: %s: --role is operator, supervisor, "
                "driver or inspector\n",
                cmd);
        return 2;
    }
    if (!s_date_opt(cmd, opts, "cert-until", true, NULL, &a.cert_until_ymd))
        return 2;
    const char *site = lpg_reg_opt(opts, "site");
    if (site && !lpg_reg_text(site)) {
        fprintf(stderr, "lpgtrace: %s: --site must be text\n", cmd);
        return 2;
    }
    a.company = (char *)lpg_reg_opt(opts, "company");
    a.site = (char *)site;
    a.name = (char *)lpg_reg_opt(opts, "name");
    a.cert_no = (char *)lpg_reg_opt(opts, "cert");
    Lpg__Event ev = LPG__EVENT__INIT;
    ev.body_case = LPG__EVENT__BODY_STAFF_ADD;
    ev.staff_add = &a;
    ev.actor = (char *)id;
    ev.site = a.site;
    ev.company = a.company;
    return s_submit(cli, opts, &ev);
usage:
    fprintf(stderr, "usage: lpgtrace %s\n", S_STAFF_USAGE);
    return 2;
}

static int
s_vehicle(lpg_cli_t *cli, int argc, char **argv)
{
    const char *cmd = "vehicle add";
    lpg_opt_t opts[] = {
        {"company"}, {"permit"}, {"permit-until"}, {"as"}, {NULL}};
    const char *plate;
    if (!lpg_reg_opts(cmd, argc, argv, 2, opts, &plate, 1) ||
        !s_id(cmd, "a plate is required", plate) ||
        !s_need_text(cmd, opts, (const char *[]){"company", "permit", NULL}))
        goto usage;
    Lpg__VehicleAdd a = LPG__VEHICLE_ADD__INIT;
    if (!s_date_opt(cmd, opts, "permit-until", true, NULL,
                    &a.permit_until_ymd))
        return 2;
    a.company = (char *)lpg_reg_opt(opts, "company");
    a.plate = (char *)plate;
    a.permit_no = (char *)lpg_reg_opt(opts, "permit");
    Lpg__Event ev = LPG__EVENT__INIT;
    ev.body_case = LPG__EVENT__BODY_VEHICLE_ADD;
    ev.vehicle_add = &a;
    ev.company = a.company;
    return s_submit(cli, opts, &ev);
usage:
    fprintf(stderr, "usage: lpgtrace %s\n", S_VEHICLE_USAGE);
    return 2;
}

/*  "lpgtrace company add ...": one verb for each, for now. */
static int
s_add_only(lpg_cli_t *cli, int argc, char **argv,
           int (*add)(lpg_cli_t *, int, char **), const char *usage)
{
    if (argc >= 2 && strcmp(argv[1], "add") == 0)
        return add(cli, argc, argv);
    fprintf(stderr, "usage: lpgtrace %s\n", usage);
    return 2;
}

int
lpg_cmd_company(lpg_cli_t *cli, int argc, char **argv)
{
    return s_add_only(cli, argc, argv, s_company, S_COMPANY_USAGE);
}

int
lpg_cmd_site(lpg_cli_t *cli, int argc, char **argv)
{
    return s_add_only(cli, argc, argv, s_site, S_SITE_USAGE);
}

int
lpg_cmd_staff(lpg_cli_t *cli, int argc, char **argv)
{
    return s_add_only(cli, argc, argv, s_staff, S_STAFF_USAGE);
}

int
lpg_cmd_vehicle(lpg_cli_t *cli, int argc, char **argv)
{
    return s_add_only(cli, argc, argv, s_vehicle, S_VEHICLE_USAGE);
}
