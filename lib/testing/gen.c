/*  gen.c - see gen.h. Names are "C<seed>-<n>" for companies and
 *  "S<seed>-<n>" for stations, so generators with different seeds can
 *  fill one ledger at once without colliding. A small xorshift PRNG makes
 *  weights and choices repeatable from the seed; keys and event ids still
 *  come from the system's random source.
 */
#include "testing/gen.h"
#include "codes/code.h"
#include "base/error.h"
#include "ledger/event.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    lpg_key_t *key;
    unsigned site;
} s_device_t;

typedef struct {
    char grai[LPG_CODE_GRAI_MAX + 1];
    char code[LPG_CODE_MAX_TEXT + 1];
    unsigned site;
    uint32_t tare_g;
} s_cylinder_t;

struct lpg_gen {
    lpg_gen_opts_t o;
    const lpg_key_t *authority;
    s_device_t *devices;
    s_cylinder_t *cylinders;
    uint64_t rng;
    uint64_t produced;
    uint64_t now_ms;
    uint8_t pending_allow[LPG_EVENT_ID_LEN]; /* last fill check's id */
    unsigned pending_cyl;
    unsigned pending_dev;
    uint32_t pending_empty;
};

static uint64_t
s_rand(lpg_gen_t *g)
{
    uint64_t x = g->rng;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    g->rng = x;
    return x;
}

static unsigned
s_below(lpg_gen_t *g, unsigned n)
{
    return n ? (unsigned)(s_rand(g) % n) : 0;
}

static void
s_site_name(const lpg_gen_t *g, unsigned site, char *out, size_t outsz)
{
    snprintf(out, outsz, "S%llu-%u", (unsigned long long)g->o.seed, site);
}

static void
s_company_name(const lpg_gen_t *g, unsigned company, char *out, size_t outsz)
{
    snprintf(out, outsz, "C%llu-%u", (unsigned long long)g->o.seed, company);
}

int
lpg_gen_new(lpg_gen_t **out, const lpg_key_t *authority,
            const lpg_gen_opts_t *opts)
{
    *out = NULL;
    lpg_gen_t *g = calloc(1, sizeof *g);
    if (!g)
        return LPG_ENOMEM;
    g->o = *opts;
    if (!g->o.companies)
        g->o.companies = 2;
    if (!g->o.sites)
        g->o.sites = 4;
    if (g->o.sites < g->o.companies)
        g->o.sites = g->o.companies;
    if (!g->o.devices)
        g->o.devices = 8;
    if (g->o.devices < g->o.sites)
        g->o.devices = g->o.sites;
    if (!g->o.cylinders)
        g->o.cylinders = 100;
    if (!g->o.resolver)
        g->o.resolver = "id.lpg.example";
    g->authority = authority;
    g->rng = (opts->seed * 0x9e3779b97f4a7c15ULL) | 1;
    g->now_ms = 1767225600000ULL + opts->seed * 1000; /* 2026-01-01 */
    g->devices = calloc(g->o.devices, sizeof *g->devices);
    g->cylinders = calloc(g->o.cylinders, sizeof *g->cylinders);
    if (!g->devices || !g->cylinders) {
        lpg_gen_destroy(&g);
        return LPG_ENOMEM;
    }
    for (unsigned i = 0; i < g->o.devices; i++) {
        int rc = lpg_key_generate(&g->devices[i].key);
        if (rc != LPG_OK) {
            lpg_gen_destroy(&g);
            return rc;
        }
        g->devices[i].site = i % g->o.sites;
    }
    for (unsigned i = 0; i < g->o.cylinders; i++) {
        s_cylinder_t *c = &g->cylinders[i];
        c->site = s_below(g, g->o.sites);
        c->tare_g = 14000 + s_below(g, 2000);
        /* Company prefix + asset type = 12 digits; the company of the
         * cylinder's filling station owns it. */
        char prefix[24], type[8], serial[40];
        unsigned company = c->site % g->o.companies;
        snprintf(prefix, sizeof prefix, "69%05u%02u",
                 (unsigned)(g->o.seed % 100000), company % 100);
        snprintf(type, sizeof type, "015");
        snprintf(serial, sizeof serial, "G%lluN%u",
                 (unsigned long long)(g->o.seed % 1000000), i);
        int rc = lpg_code_issue(authority, g->o.resolver, prefix, type, serial,
                                0, c->code, sizeof c->code);
        lpg_code_t parsed;
        if (rc == LPG_OK)
            rc = lpg_code_parse(c->code, strlen(c->code), NULL, &parsed);
        if (rc != LPG_OK) {
            lpg_gen_destroy(&g);
            return rc;
        }
        memcpy(c->grai, parsed.grai, sizeof c->grai);
    }
    *out = g;
    return LPG_OK;
}

#define S_STAFF_PER_SITE 3

static uint64_t
s_setup_total(const lpg_gen_t *g)
{
    return (uint64_t)g->o.companies + g->o.sites +
           (uint64_t)g->o.sites * S_STAFF_PER_SITE;
}

uint64_t
lpg_gen_total(const lpg_gen_t *g)
{
    return s_setup_total(g) + g->o.devices + g->o.cylinders +
           2ULL * g->o.fills;
}

static int
s_company(lpg_gen_t *g, unsigned i, Lpg__Event *ev, uint8_t **data,
          size_t *len)
{
    char company[32], name[48], prefix[24], licence[32];
    s_company_name(g, i, company, sizeof company);
    snprintf(name, sizeof name, "Gas Company %u", i);
    snprintf(prefix, sizeof prefix, "69%05u%02u",
             (unsigned)(g->o.seed % 100000), i % 100);
    snprintf(licence, sizeof licence, "JS-%llu-%04u",
             (unsigned long long)g->o.seed, i);
    Lpg__CompanyAdd c = LPG__COMPANY_ADD__INIT;
    c.name = name;
    c.gs1_prefix = prefix;
    c.licence_no = licence;
    c.has_licence_until_ymd = 1;
    c.licence_until_ymd = 20301231;
    ev->body_case = LPG__EVENT__BODY_COMPANY_ADD;
    ev->company_add = &c;
    ev->company = company;
    return lpg_event_sign(ev, g->authority, data, len);
}

static int
s_site(lpg_gen_t *g, unsigned i, Lpg__Event *ev, uint8_t **data, size_t *len)
{
    char site[32], company[32], name[48];
    s_site_name(g, i, site, sizeof site);
    s_company_name(g, i % g->o.companies, company, sizeof company);
    snprintf(name, sizeof name, "Filling Station %u", i);
    Lpg__SiteAdd a = LPG__SITE_ADD__INIT;
    a.name = name;
    a.kind = LPG__SITE_KIND__SITE_FILLING_STATION;
    a.company = company;
    /* Around Nantong, a few km apart. */
    a.has_lat_e6 = 1;
    a.lat_e6 = 31980000 + (int32_t)s_below(g, 200000);
    a.has_lon_e6 = 1;
    a.lon_e6 = 120890000 + (int32_t)s_below(g, 200000);
    a.area = "320602";
    ev->body_case = LPG__EVENT__BODY_SITE_ADD;
    ev->site_add = &a;
    ev->site = site;
    ev->company = company;
    return lpg_event_sign(ev, g->authority, data, len);
}

static int
s_staff(lpg_gen_t *g, unsigned i, Lpg__Event *ev, uint8_t **data, size_t *len)
{
    unsigned site_i = i / S_STAFF_PER_SITE;
    char site[32], company[32], actor[48], name[32], cert[32];
    s_site_name(g, site_i, site, sizeof site);
    s_company_name(g, site_i % g->o.companies, company, sizeof company);
    snprintf(actor, sizeof actor, "staff-%s-%u", site, i % S_STAFF_PER_SITE);
    snprintf(name, sizeof name, "Operator %u", i);
    snprintf(cert, sizeof cert, "RQ-%06u", i);
    Lpg__StaffAdd a = LPG__STAFF_ADD__INIT;
    a.company = company;
    a.site = site;
    a.role = i % S_STAFF_PER_SITE == 2
                 ? LPG__STAFF_ROLE__STAFF_SUPERVISOR
                 : LPG__STAFF_ROLE__STAFF_FILLING_OPERATOR;
    a.name = name;
    a.cert_no = cert;
    a.cert_until_ymd = 20291231;
    ev->body_case = LPG__EVENT__BODY_STAFF_ADD;
    ev->staff_add = &a;
    ev->actor = actor;
    ev->site = site;
    ev->company = company;
    return lpg_event_sign(ev, g->authority, data, len);
}

static int
s_enroll(lpg_gen_t *g, unsigned i, Lpg__Event *ev, uint8_t **data, size_t *len)
{
    s_device_t *d = &g->devices[i];
    uint8_t pub[32];
    lpg_key_raw_public(d->key, pub);
    char site[32], company[32], name[64];
    s_site_name(g, d->site, site, sizeof site);
    s_company_name(g, d->site % g->o.companies, company, sizeof company);
    snprintf(name, sizeof name, "scanner %u at %s", i, site);
    Lpg__DeviceEnroll en = LPG__DEVICE_ENROLL__INIT;
    en.sign_pub.data = pub;
    en.sign_pub.len = 32;
    en.company = company;
    en.site = site;
    en.role = LPG__ROLE__ROLE_FILLING_SCANNER;
    en.name = name;
    ev->body_case = LPG__EVENT__BODY_DEVICE_ENROLL;
    ev->device_enroll = &en;
    ev->company = company;
    ev->site = site;
    return lpg_event_sign(ev, g->authority, data, len);
}

static int
s_register(lpg_gen_t *g, unsigned i, Lpg__Event *ev, uint8_t **data,
           size_t *len)
{
    s_cylinder_t *c = &g->cylinders[i];
    char site[32], company[32];
    s_site_name(g, c->site, site, sizeof site);
    s_company_name(g, c->site % g->o.companies, company, sizeof company);
    Lpg__CylinderRegister r = LPG__CYLINDER_REGISTER__INIT;
    char serial[LPG_CODE_MAX_SERIAL + 1];
    lpg_code_t parsed;
    lpg_code_parse(c->code, strlen(c->code), NULL, &parsed);
    memcpy(serial, parsed.serial, sizeof serial);
    r.serial = serial;
    r.owner = company;
    r.maker = "Maker-A";
    r.has_made_ym = 1;
    r.made_ym = 202001 + s_below(g, 6) * 100 + s_below(g, 12);
    r.spec = "YSP-15";
    r.has_water_volume_ml = 1;
    r.water_volume_ml = 35500;
    r.tare_g = c->tare_g;
    r.fill_g = 14500;
    r.has_design_life_y = 1;
    r.design_life_y = 8;
    r.has_next_inspection_ymd = 1;
    r.next_inspection_ymd = 20270101 + s_below(g, 3) * 10000;
    r.fill_site = site;
    r.has_insurance_until_ymd = 1;
    r.insurance_until_ymd = 20271231;
    r.has_code_revision = 1;
    r.code_revision = 0;
    r.code = c->code; /* as `lpgtrace cylinder add` records it */
    ev->body_case = LPG__EVENT__BODY_CYLINDER_REGISTER;
    ev->cylinder_register = &r;
    ev->cylinder = c->grai;
    ev->company = company;
    return lpg_event_sign(ev, g->authority, data, len);
}

/*  The cylinder of fill number f: with hot_fills, cylinder 0 takes
 *  exactly that many fills at even intervals and the others share the
 *  rest at random. */
static unsigned
s_fill_cylinder(lpg_gen_t *g, uint64_t f)
{
    uint64_t hot = g->o.hot_fills, all = g->o.fills;
    if (hot == 0 || g->o.cylinders < 2)
        return s_below(g, g->o.cylinders);
    if (hot >= all || (f * hot) / all != ((f + 1) * hot) / all)
        return 0;
    return 1 + s_below(g, g->o.cylinders - 1);
}

static int
s_fill_check(lpg_gen_t *g, uint64_t f, Lpg__Event *ev, uint8_t **data,
             size_t *len)
{
    unsigned ci = s_fill_cylinder(g, f);
    s_cylinder_t *c = &g->cylinders[ci];
    /* A scanner of the cylinder's own station. */
    unsigned per_site = g->o.devices / g->o.sites;
    unsigned di = c->site + g->o.sites * s_below(g, per_site);
    if (di >= g->o.devices)
        di = c->site;
    char site[32], actor[48];
    s_site_name(g, c->site, site, sizeof site);
    snprintf(actor, sizeof actor, "staff-%s-%u", site, s_below(g, 2));
    static const char *items[] = {"corrosion", "dents", "fire", "valve",
                                  "parts"};
    Lpg__CheckItem check[5];
    Lpg__CheckItem *checks[5];
    for (int k = 0; k < 5; k++) {
        lpg__check_item__init(&check[k]);
        check[k].item = (char *)items[k];
        check[k].ok = 1;
        checks[k] = &check[k];
    }
    Lpg__FillCheck fc = LPG__FILL_CHECK__INIT;
    fc.code = c->code;
    fc.empty_g = c->tare_g + s_below(g, 400); /* residual gas */
    fc.n_checks = 5;
    fc.checks = checks;
    ev->body_case = LPG__EVENT__BODY_FILL_CHECK;
    ev->fill_check = &fc;
    ev->cylinder = c->grai;
    ev->site = site;
    ev->actor = actor;
    g->pending_cyl = ci;
    g->pending_dev = di;
    g->pending_empty = fc.empty_g;
    memcpy(g->pending_allow, ev->event_id.data, LPG_EVENT_ID_LEN);
    return lpg_event_sign(ev, g->devices[di].key, data, len);
}

static int
s_fill_record(lpg_gen_t *g, Lpg__Event *ev, uint8_t **data, size_t *len)
{
    s_cylinder_t *c = &g->cylinders[g->pending_cyl];
    char site[32], actor[48];
    s_site_name(g, c->site, site, sizeof site);
    snprintf(actor, sizeof actor, "staff-%s-0", site);
    Lpg__FillRecord fr = LPG__FILL_RECORD__INIT;
    fr.allow_event_id.data = g->pending_allow;
    fr.allow_event_id.len = LPG_EVENT_ID_LEN;
    fr.full_g = c->tare_g + 14500 - 300 + s_below(g, 600);
    fr.leak_ok = 1;
    ev->body_case = LPG__EVENT__BODY_FILL_RECORD;
    ev->fill_record = &fr;
    ev->cylinder = c->grai;
    ev->site = site;
    ev->actor = actor;
    return lpg_event_sign(ev, g->devices[g->pending_dev].key, data, len);
}

int
lpg_gen_next(lpg_gen_t *g, uint8_t **data, size_t *len)
{
    *data = NULL;
    *len = 0;
    if (g->produced >= lpg_gen_total(g))
        return LPG_ENOTFOUND;
    uint8_t id[LPG_EVENT_ID_LEN];
    int rc = lpg_event_new_id(id);
    if (rc != LPG_OK)
        return rc;
    g->now_ms += 1000 + s_below(g, 60000);
    Lpg__Event ev = LPG__EVENT__INIT;
    ev.event_id.data = id;
    ev.event_id.len = sizeof id;
    ev.device_time_ms = g->now_ms;
    uint64_t i = g->produced;
    uint64_t staff = (uint64_t)g->o.sites * S_STAFF_PER_SITE;
    if (i < g->o.companies)
        rc = s_company(g, (unsigned)i, &ev, data, len);
    else if ((i -= g->o.companies) < g->o.sites)
        rc = s_site(g, (unsigned)i, &ev, data, len);
    else if ((i -= g->o.sites) < staff)
        rc = s_staff(g, (unsigned)i, &ev, data, len);
    else if ((i -= staff) < g->o.devices)
        rc = s_enroll(g, (unsigned)i, &ev, data, len);
    else if ((i -= g->o.devices) < g->o.cylinders)
        rc = s_register(g, (unsigned)i, &ev, data, len);
    else if (((i -= g->o.cylinders) & 1) == 0)
        rc = s_fill_check(g, i / 2, &ev, data, len);
    else
        rc = s_fill_record(g, &ev, data, len);
    if (rc == LPG_OK)
        g->produced++;
    return rc;
}

const char *
lpg_gen_cylinder(const lpg_gen_t *g, unsigned i, uint32_t *tare_g, char *site,
                 size_t sitesz)
{
    if (i >= g->o.cylinders)
        return NULL;
    if (tare_g)
        *tare_g = g->cylinders[i].tare_g;
    if (site)
        s_site_name(g, g->cylinders[i].site, site, sitesz);
    return g->cylinders[i].code;
}

const lpg_key_t *
lpg_gen_device(const lpg_gen_t *g, unsigned i, char *site, size_t sitesz)
{
    if (i >= g->o.devices)
        return NULL;
    if (site)
        s_site_name(g, g->devices[i].site, site, sitesz);
    return g->devices[i].key;
}

void
lpg_gen_destroy(lpg_gen_t **p)
{
    if (!p || !*p)
        return;
    lpg_gen_t *g = *p;
    for (unsigned i = 0; g->devices && i < g->o.devices; i++)
        lpg_key_destroy(&g->devices[i].key);
    free(g->devices);
    free(g->cylinders);
    free(g);
    *p = NULL;
}
