/*  test_rules.c - the fill gate's rules, as tables of cases: a clean fill
 *  check, each reason on its own, several together in catalogue order, the
 *  boundaries (tare, inspection and insurance dates, design life month,
 *  travel time); fill records (permission, weights, leak) and supervisor
 *  overrides; the reason catalogue; local dates in a named zone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/config.h"
#include "base/error.h"
#include "ledger/event.h"
#include "domain/reasons.h"
#include "base/clock.h"
#include "domain/fill_rules.h"

#define GRAI "06291041500213AB12CD"
#define TODAY 20260315u
#define NOW_MS 1773540000000ull /* 2026-03-15T02:00Z, 10:00 in Shanghai */
#define HOUR_MS 3600000ull

/* ---------------------------------------------------------------------
 * A station, a cylinder, an operator and a device where all is well
 */

typedef struct {
    lpg_code_t code;
    Lpg__CylinderRegister reg;
    Lpg__CylinderState cyl;
    Lpg__SiteAdd site_add;
    Lpg__SiteState site;
    Lpg__SiteAdd last_add;
    Lpg__SiteState last;
    Lpg__StaffAdd staff_add;
    Lpg__StaffState staff;
    Lpg__DeviceState dev;
    Lpg__CheckItem items[64];
    Lpg__CheckItem *item_ptrs[64];
    Lpg__FillCheck check;
    lpg_fill_input_t in;
} s_world_t;

static const lpg_rules_limits_t s_limits = {300, 150, 500, 500, 120};

static void
s_items(s_world_t *w, size_t n)
{
    static const char *names[] = {"corrosion", "dents", "fire", "valve",
                                  "parts"};
    for (size_t i = 0; i < n; i++) {
        lpg__check_item__init(&w->items[i]);
        w->items[i].item = (char *)(i < 5 ? names[i] : "extra");
        w->items[i].ok = 1;
        w->item_ptrs[i] = &w->items[i];
    }
    w->check.n_checks = n;
    w->check.checks = w->item_ptrs;
}

static void
s_world(s_world_t *w)
{
    memset(w, 0, sizeof *w);
    snprintf(w->code.grai, sizeof w->code.grai, "%s", GRAI);
    snprintf(w->code.serial, sizeof w->code.serial, "AB12CD");
    w->code.revision = 1;

    lpg__cylinder_register__init(&w->reg);
    w->reg.serial = "AB12CD";
    w->reg.owner = "C1";
    w->reg.has_made_ym = 1;
    w->reg.made_ym = 202001;
    w->reg.tare_g = 15000;
    w->reg.fill_g = 14500;
    w->reg.has_design_life_y = 1;
    w->reg.design_life_y = 8;
    w->reg.has_next_inspection_ymd = 1;
    w->reg.next_inspection_ymd = 20270101;
    w->reg.has_insurance_until_ymd = 1;
    w->reg.insurance_until_ymd = 20261231;
    w->reg.has_code_revision = 1;
    w->reg.code_revision = 1;

    lpg__cylinder_state__init(&w->cyl);
    w->cyl.grai = GRAI;
    w->cyl.reg = &w->reg;
    w->cyl.registered_seq = 1;
    w->cyl.has_status = 1;
    w->cyl.status = LPG__CYLINDER_STATUS__CYL_IN_SERVICE;
    w->cyl.has_custody = 1;
    w->cyl.custody = LPG__CUSTODY__CUSTODY_EMPTY_AT_STATION;

    lpg__site_add__init(&w->site_add);
    w->site_add.name = "Station one";
    w->site_add.kind = LPG__SITE_KIND__SITE_FILLING_STATION;
    w->site_add.company = "C1";
    w->site_add.has_lat_e6 = w->site_add.has_lon_e6 = 1;
    w->site_add.lat_e6 = 31230416;
    w->site_add.lon_e6 = 121473701;
    lpg__site_state__init(&w->site);
    w->site.add = &w->site_add;

    /* S2: one degree of latitude north of S1, 111.195 km */
    lpg__site_add__init(&w->last_add);
    w->last_add.name = "Station two";
    w->last_add.kind = LPG__SITE_KIND__SITE_FILLING_STATION;
    w->last_add.company = "C1";
    w->last_add.has_lat_e6 = w->last_add.has_lon_e6 = 1;
    w->last_add.lat_e6 = 32230416;
    w->last_add.lon_e6 = 121473701;
    lpg__site_state__init(&w->last);
    w->last.add = &w->last_add;

    lpg__staff_add__init(&w->staff_add);
    w->staff_add.company = "C1";
    w->staff_add.site = "S1";
    w->staff_add.role = LPG__STAFF_ROLE__STAFF_FILLING_OPERATOR;
    w->staff_add.name = "op";
    w->staff_add.cert_no = "N1";
    w->staff_add.cert_until_ymd = 20261231;
    lpg__staff_state__init(&w->staff);
    w->staff.add = &w->staff_add;

    lpg__device_state__init(&w->dev);
    w->dev.company = "C1";
    w->dev.site = "S1";
    w->dev.role = LPG__ROLE__ROLE_FILLING_SCANNER;

    lpg__fill_check__init(&w->check);
    w->check.code = "https://id.lpg.example/...";
    w->check.empty_g = 15100;
    s_items(w, 5);

    w->in.code_rc = LPG_OK;
    w->in.code = &w->code;
    w->in.cyl = &w->cyl;
    w->in.site_id = "S1";
    w->in.site = &w->site;
    w->in.staff = &w->staff;
    w->in.device = &w->dev;
    w->in.check = &w->check;
    w->in.time_ms = NOW_MS;
    w->in.now_ms = NOW_MS;
    w->in.today_ymd = TODAY;
    w->in.last_site_id = "S1";
    w->in.last_site = &w->site;
    w->in.last_time_ms = NOW_MS - 24 * HOUR_MS;
    w->in.limits = s_limits;
}

/*  Asserts the verdict's tokens are exactly want, and allow agrees. */
static void
s_expect(const lpg_verdict_t *v, const char *want, bool allow)
{
    char got[4096];
    assert_int_equal(lpg_verdict_tokens(v, got, sizeof got), LPG_OK);
    assert_string_equal(got, want);
    assert_int_equal(v->allow, allow);
    assert_false(v->truncated);
    for (size_t i = 0; i < v->n; i++) {
        const lpg_reason_t *r = lpg_reason(v->reasons[i].token);
        assert_non_null(r);
        assert_int_equal(r->id, v->reasons[i].id);
        assert_int_equal(r->overridable, v->reasons[i].overridable);
        /* the words are the catalogue's, then the detail */
        assert_memory_equal(v->reasons[i].en, r->en, strlen(r->en));
        assert_memory_equal(v->reasons[i].zh, r->zh, strlen(r->zh));
        assert_int_equal(lpg_string_check(v->reasons[i].en, 1000), LPG_OK);
        assert_int_equal(lpg_string_check(v->reasons[i].zh, 1000), LPG_OK);
    }
}

/* ---------------------------------------------------------------------
 * Fill check cases
 */

typedef struct {
    const char *name;
    void (*mod)(s_world_t *w);
    const char *want; /* tokens, in order; "" = ALLOW */
} s_check_case_t;

static void
m_none(s_world_t *w)
{
    (void)w;
}
static void
m_forged(s_world_t *w)
{
    w->in.code_rc = LPG_ECODE_FORGED;
}
static void
m_syntax(s_world_t *w)
{
    w->in.code_rc = LPG_ECODE_SYNTAX;
}
static void
m_truncated(s_world_t *w)
{
    w->in.code_rc = LPG_ECODE_TRUNCATED;
}
static void
m_caps(s_world_t *w)
{
    w->in.code_rc = LPG_ECODE_CASE;
}
static void
m_old_rev(s_world_t *w)
{
    w->code.revision = 0;
}
static void
m_new_rev(s_world_t *w)
{
    w->code.revision = 2;
}
static void
m_no_reg_rev(s_world_t *w)
{
    w->reg.has_code_revision = 0;
    w->code.revision = 0;
}
/*  Relabelled (a CylinderRelabel set the record's revision to 2): the
 *  label of revision 1 is superseded, 2 is the one, 3 was never issued. */
static void
m_relabelled_old(s_world_t *w)
{
    w->cyl.has_code_revision = 1;
    w->cyl.code_revision = 2;
}
static void
m_relabelled_new(s_world_t *w)
{
    m_relabelled_old(w);
    w->code.revision = 2;
}
static void
m_relabelled_newer(s_world_t *w)
{
    m_relabelled_old(w);
    w->code.revision = 3;
}
static void
m_relabelled_caps(s_world_t *w)
{
    m_relabelled_old(w);
    w->in.code_rc = LPG_ECODE_CASE;
}
static void
m_relabelled_scrapped(s_world_t *w)
{
    m_relabelled_old(w);
    w->cyl.status = LPG__CYLINDER_STATUS__CYL_SCRAPPED;
}
static void
m_relabelled_forged(s_world_t *w)
{
    m_relabelled_old(w);
    w->in.code_rc = LPG_ECODE_FORGED;
}
static void
m_no_cyl(s_world_t *w)
{
    w->in.cyl = NULL;
}
static void
m_no_site(s_world_t *w)
{
    w->in.site = NULL;
}
static void
m_supply_point(s_world_t *w)
{
    w->site_add.kind = LPG__SITE_KIND__SITE_SUPPLY_POINT;
}
static void
m_other_owner(s_world_t *w)
{
    w->reg.owner = "C2";
}
static void
m_fill_site_other(s_world_t *w)
{
    w->reg.fill_site = "S9";
}
static void
m_fill_site_here(s_world_t *w)
{
    w->reg.fill_site = "S1";
}
static void
m_fill_site_empty(s_world_t *w)
{
    w->reg.fill_site = "";
}
static void
m_scrapped(s_world_t *w)
{
    w->cyl.status = LPG__CYLINDER_STATUS__CYL_SCRAPPED;
}
static void
m_quarantined(s_world_t *w)
{
    w->cyl.status = LPG__CYLINDER_STATUS__CYL_QUARANTINED;
}
static void
m_no_status(s_world_t *w)
{
    w->cyl.has_status = 0;
}
static void
m_insp_today(s_world_t *w)
{
    w->reg.next_inspection_ymd = TODAY;
}
static void
m_insp_yesterday(s_world_t *w)
{
    w->reg.next_inspection_ymd = TODAY - 1;
}
static void
m_insp_none(s_world_t *w)
{
    w->reg.has_next_inspection_ymd = 0;
}
static void
m_insp_state_newer(s_world_t *w)
{
    w->reg.next_inspection_ymd = 20220101; /* renewed since */
    w->cyl.has_next_inspection_ymd = 1;
    w->cyl.next_inspection_ymd = 20300101;
}
static void
m_insp_state_older(s_world_t *w)
{
    w->cyl.has_next_inspection_ymd = 1;
    w->cyl.next_inspection_ymd = 20260301;
}
static void
m_life_last_month(s_world_t *w)
{
    w->reg.made_ym = 201803;
}
static void
m_life_past(s_world_t *w)
{
    w->reg.made_ym = 201802;
}
static void
m_life_none(s_world_t *w)
{
    w->reg.made_ym = 200001;
    w->reg.has_design_life_y = 0;
}
static void
m_life_no_made(s_world_t *w)
{
    w->reg.made_ym = 200001;
    w->reg.has_made_ym = 0;
}
static void
m_ins_today(s_world_t *w)
{
    w->reg.insurance_until_ymd = TODAY;
}
static void
m_ins_yesterday(s_world_t *w)
{
    w->reg.insurance_until_ymd = TODAY - 1;
}
static void
m_ins_none(s_world_t *w)
{
    w->reg.has_insurance_until_ymd = 0;
}
static void
m_ins_state_renewed(s_world_t *w)
{
    w->reg.insurance_until_ymd = 20250101;
    w->cyl.has_insurance_until_ymd = 1;
    w->cyl.insurance_until_ymd = 20270101;
}
static void
m_no_staff(s_world_t *w)
{
    w->in.staff = NULL;
}
static void
m_staff_elsewhere(s_world_t *w)
{
    w->staff_add.site = "S2";
}
static void
m_staff_no_site(s_world_t *w)
{
    w->staff_add.site = NULL;
}
static void
m_staff_other_co(s_world_t *w)
{
    w->staff_add.company = "C2";
}
static void
m_staff_driver(s_world_t *w)
{
    w->staff_add.role = LPG__STAFF_ROLE__STAFF_DRIVER;
}
static void
m_staff_supervisor(s_world_t *w)
{
    w->staff_add.role = LPG__STAFF_ROLE__STAFF_SUPERVISOR;
}
static void
m_cert_today(s_world_t *w)
{
    w->staff_add.cert_until_ymd = TODAY;
}
static void
m_cert_yesterday(s_world_t *w)
{
    w->staff_add.cert_until_ymd = TODAY - 1;
}
static void
m_no_dev(s_world_t *w)
{
    w->in.device = NULL;
}
static void
m_dev_revoked(s_world_t *w)
{
    w->dev.has_revoked_seq = 1;
    w->dev.revoked_seq = 9;
}
static void
m_dev_elsewhere(s_world_t *w)
{
    w->dev.site = "S2";
}
static void
m_dev_other_co(s_world_t *w)
{
    w->dev.company = "C2";
}
static void
m_dev_handheld(s_world_t *w)
{
    w->dev.role = LPG__ROLE__ROLE_HANDHELD;
}
static void
m_dev_scale(s_world_t *w)
{
    w->dev.role = LPG__ROLE__ROLE_SCALE;
}
static void
m_tare_exact(s_world_t *w)
{
    w->check.empty_g = 15000;
}
static void
m_tare_top(s_world_t *w)
{
    w->check.empty_g = 15300;
}
static void
m_tare_over(s_world_t *w)
{
    w->check.empty_g = 15301;
}
static void
m_tare_under(s_world_t *w)
{
    w->check.empty_g = 14999;
}
static void
m_tare_bottom(s_world_t *w)
{
    w->check.empty_g = 14850;
}
static void
m_tare_below(s_world_t *w)
{
    w->check.empty_g = 14849;
}
static void
m_tare_zero_below(s_world_t *w)
{
    w->in.limits.tare_below_g = 0;
    w->check.empty_g = 14999;
}
static void
m_tare_below_big(s_world_t *w)
{
    /* a tolerance larger than the tare: the window starts at 0 g */
    w->in.limits.tare_below_g = 20000;
    w->check.empty_g = 1;
}
static void
m_tare_zero_tol(s_world_t *w)
{
    w->in.limits.tare_tolerance_g = 0;
    w->check.empty_g = 15001;
}
static void
m_tare_unknown(s_world_t *w)
{
    w->reg.tare_g = 0;
}
static void
m_full_here(s_world_t *w)
{
    w->cyl.custody = LPG__CUSTODY__CUSTODY_FULL_AT_STATION;
}
static void
m_transit(s_world_t *w)
{
    w->cyl.custody = LPG__CUSTODY__CUSTODY_IN_TRANSIT;
}
static void
m_at_user(s_world_t *w)
{
    w->cyl.custody = LPG__CUSTODY__CUSTODY_AT_USER;
}
static void
m_collected(s_world_t *w)
{
    w->cyl.custody = LPG__CUSTODY__CUSTODY_COLLECTED;
}
static void
m_no_custody(s_world_t *w)
{
    w->cyl.has_custody = 0;
}
/* S2 is 111.19508 km away: at 120 km/h with 5 km of slack it takes
 * (111.19508 - 5) / 120 h = 3185852.4 ms */
static void
s_from_s2(s_world_t *w, uint64_t ms)
{
    w->in.last_site_id = "S2";
    w->in.last_site = &w->last;
    w->in.last_time_ms = NOW_MS - ms;
}
static void
m_travel_possible(s_world_t *w)
{
    s_from_s2(w, 3185853);
}
static void
m_travel_impossible(s_world_t *w)
{
    s_from_s2(w, 3185852);
}
static void
m_travel_now(s_world_t *w)
{
    s_from_s2(w, 0);
}
static void
m_travel_clock_back(s_world_t *w)
{
    s_from_s2(w, 0);
    w->in.last_time_ms = NOW_MS + HOUR_MS; /* the last event is "later" */
}
/* A device dated ahead of the service gains no time: from S2 a moment
 * ago, a check dated 10 h on is judged at the service's clock. */
static void
m_travel_device_ahead(s_world_t *w)
{
    s_from_s2(w, 0);
    w->in.time_ms = NOW_MS + 10 * HOUR_MS;
}
/* A device behind the service's clock is judged at its own time. */
static void
m_travel_device_behind(s_world_t *w)
{
    s_from_s2(w, 2 * HOUR_MS);
    w->in.time_ms = NOW_MS - 2 * HOUR_MS + 3185852;
}
static void
m_travel_no_coords(s_world_t *w)
{
    s_from_s2(w, 0);
    w->last_add.has_lat_e6 = 0;
}
static void
m_travel_here_no_coords(s_world_t *w)
{
    s_from_s2(w, 0);
    w->site_add.has_lon_e6 = 0;
}
static void
m_travel_unknown_site(s_world_t *w)
{
    s_from_s2(w, 0);
    w->in.last_site = NULL;
}
static void
m_travel_near(s_world_t *w)
{
    s_from_s2(w, 0);
    w->last_add.lat_e6 = 31230416 + 40000; /* 4.45 km: within the slack */
}
static void
m_travel_slow(s_world_t *w)
{
    s_from_s2(w, 3186000);
    w->in.limits.travel_speed_kmh = 60;
}
static void
m_travel_no_last(s_world_t *w)
{
    w->in.last_site_id = NULL;
    w->in.last_site = NULL;
}
static void
m_item_failed(s_world_t *w)
{
    w->items[0].ok = 0;
}
static void
m_item_missing(s_world_t *w)
{
    s_items(w, 4); /* no parts */
}
static void
m_items_none(s_world_t *w)
{
    s_items(w, 0);
}
static void
m_item_extra_ok(s_world_t *w)
{
    s_items(w, 6);
}
static void
m_item_extra_failed(s_world_t *w)
{
    s_items(w, 6);
    w->items[5].ok = 0;
}
static void
m_item_twice(s_world_t *w)
{
    s_items(w, 6);
    w->items[5].item = "valve";
    w->items[5].ok = 0;
    w->items[3].ok = 0;
}
static void
m_code_and_people(s_world_t *w)
{
    w->in.code_rc = LPG_ECODE_FORGED;
    w->in.staff = NULL;
    w->dev.site = "S2";
    w->items[1].ok = 0;
}
static void
m_everything(s_world_t *w)
{
    w->code.revision = 0;
    w->reg.owner = "C2";
    w->cyl.status = LPG__CYLINDER_STATUS__CYL_QUARANTINED;
    w->reg.next_inspection_ymd = 20200101;
    w->reg.made_ym = 200001;
    w->reg.has_insurance_until_ymd = 0;
    w->staff_add.role = LPG__STAFF_ROLE__STAFF_DRIVER;
    w->staff_add.cert_until_ymd = 20200101;
    w->dev.has_revoked_seq = 1;
    w->check.empty_g = 9000;
    w->cyl.custody = LPG__CUSTODY__CUSTODY_AT_USER;
    s_from_s2(w, 60000);
    s_items(w, 4);
    w->items[3].ok = 0; /* valve */
    w->items[0].ok = 0; /* corrosion */
}
static void
m_caps_and_scrapped(s_world_t *w)
{
    w->in.code_rc = LPG_ECODE_CASE;
    w->cyl.status = LPG__CYLINDER_STATUS__CYL_SCRAPPED;
}
static void
m_unknown_and_site(s_world_t *w)
{
    w->in.cyl = NULL;
    w->in.site = NULL;
    w->check.empty_g = 1; /* no tare to compare: not judged */
}

static const s_check_case_t s_check_cases[] = {
    {"clean cylinder: ALLOW", m_none, ""},
    /* each reason on its own */
    {"forged code", m_forged, "CODE_FORGED"},
    {"malformed code", m_syntax, "CODE_FORGED"},
    {"truncated code", m_truncated, "CODE_FORGED"},
    {"Caps Lock", m_caps, "CODE_CAPSLOCK"},
    {"old label revision", m_old_rev, "CODE_SUPERSEDED"},
    {"relabelled: the old label", m_relabelled_old, "CODE_SUPERSEDED"},
    {"relabelled: the new label", m_relabelled_new, ""},
    {"relabelled: a label never issued", m_relabelled_newer,
     "CODE_UNREGISTERED"},
    {"relabelled: the old label with Caps Lock", m_relabelled_caps,
     "CODE_CAPSLOCK CODE_SUPERSEDED"},
    {"relabelled, then scrapped: the old label", m_relabelled_scrapped,
     "CODE_REVOKED CODE_SUPERSEDED SCRAPPED"},
    {"relabelled: a forged code is only forged", m_relabelled_forged,
     "CODE_FORGED"},
    {"label newer than registered", m_new_rev, "CODE_UNREGISTERED"},
    {"no registered revision, label 0", m_no_reg_rev, ""},
    {"unknown cylinder", m_no_cyl, "CYL_UNKNOWN"},
    {"unknown site", m_no_site, "SITE_NOT_STATION"},
    {"supply point, not a station", m_supply_point, "SITE_NOT_STATION"},
    {"other owner company", m_other_owner, "NOT_OWNER"},
    {"bound to another station", m_fill_site_other, "NOT_OWNER"},
    {"bound to this station", m_fill_site_here, ""},
    {"empty fill_site", m_fill_site_empty, ""},
    {"scrapped", m_scrapped, "CODE_REVOKED SCRAPPED"},
    {"quarantined", m_quarantined, "QUARANTINED"},
    {"no status: in service", m_no_status, ""},
    {"inspection due today", m_insp_today, ""},
    {"inspection due yesterday", m_insp_yesterday, "INSPECTION_OVERDUE"},
    {"no inspection date", m_insp_none, "INSPECTION_OVERDUE"},
    {"inspection renewed in state", m_insp_state_newer, ""},
    {"state's date overrides register", m_insp_state_older,
     "INSPECTION_OVERDUE"},
    {"design life ends this month", m_life_last_month, ""},
    {"design life ended last month", m_life_past, "DESIGN_LIFE_EXCEEDED"},
    {"no design life on record", m_life_none, ""},
    {"no making date on record", m_life_no_made, ""},
    {"insured through today", m_ins_today, ""},
    {"insurance ended yesterday", m_ins_yesterday, "UNINSURED"},
    {"no insurance", m_ins_none, "UNINSURED"},
    {"insurance renewed in state", m_ins_state_renewed, ""},
    {"unknown operator", m_no_staff, "OPERATOR_UNKNOWN"},
    {"operator of another station", m_staff_elsewhere, "OPERATOR_UNKNOWN"},
    {"operator with no station", m_staff_no_site, "OPERATOR_UNKNOWN"},
    {"operator of another company", m_staff_other_co, "OPERATOR_UNKNOWN"},
    {"a driver is no filler", m_staff_driver, "OPERATOR_UNKNOWN"},
    {"a supervisor may fill", m_staff_supervisor, ""},
    {"certificate valid through today", m_cert_today, ""},
    {"certificate expired yesterday", m_cert_yesterday,
     "OPERATOR_CERT_EXPIRED"},
    {"device not enrolled", m_no_dev, "DEVICE_NOT_HERE"},
    {"device revoked", m_dev_revoked, "DEVICE_NOT_HERE"},
    {"device of another station", m_dev_elsewhere, "DEVICE_NOT_HERE"},
    {"device of another company", m_dev_other_co, "DEVICE_NOT_HERE"},
    {"handheld is no station device", m_dev_handheld, "DEVICE_NOT_HERE"},
    {"a scale may ask", m_dev_scale, ""},
    {"empty weight exactly the tare", m_tare_exact, ""},
    {"empty weight tare + tolerance", m_tare_top, ""},
    {"empty weight 1 g over", m_tare_over, "TARE_MISMATCH"},
    {"empty weight 1 g under tare", m_tare_under, ""},
    {"empty weight tare - tolerance below", m_tare_bottom, ""},
    {"empty weight 1 g under tare - tolerance", m_tare_below, "TARE_MISMATCH"},
    {"zero tolerance below, 1 g under", m_tare_zero_below, "TARE_MISMATCH"},
    {"tolerance below larger than the tare", m_tare_below_big, ""},
    {"zero tolerance, 1 g over", m_tare_zero_tol, "TARE_MISMATCH"},
    {"tare unknown", m_tare_unknown, "TARE_UNKNOWN"},
    {"full at a station", m_full_here, "NOT_EMPTY_AT_STATION"},
    {"in transit", m_transit, "NOT_EMPTY_AT_STATION"},
    {"at a user", m_at_user, "NOT_EMPTY_AT_STATION"},
    {"collected, not returned", m_collected, "NOT_EMPTY_AT_STATION"},
    {"no custody yet: new", m_no_custody, ""},
    {"travel just possible", m_travel_possible, ""},
    {"travel just impossible", m_travel_impossible, "IMPOSSIBLE_TRAVEL"},
    {"two sites at once", m_travel_now, "IMPOSSIBLE_TRAVEL"},
    {"last event later than this", m_travel_clock_back, "IMPOSSIBLE_TRAVEL"},
    {"device dated 10 h ahead gains no time", m_travel_device_ahead,
     "IMPOSSIBLE_TRAVEL"},
    {"device behind: its own time counts", m_travel_device_behind,
     "IMPOSSIBLE_TRAVEL"},
    {"last site has no coordinates", m_travel_no_coords, ""},
    {"this site has no coordinates", m_travel_here_no_coords, ""},
    {"last site unknown", m_travel_unknown_site, ""},
    {"neighbouring site within slack", m_travel_near, ""},
    {"slower limit makes it impossible", m_travel_slow, "IMPOSSIBLE_TRAVEL"},
    {"no last site", m_travel_no_last, ""},
    {"corrosion found", m_item_failed, "VISUAL_FAILED"},
    {"parts not checked", m_item_missing, "VISUAL_MISSING"},
    {"no checklist at all", m_items_none,
     "VISUAL_MISSING VISUAL_MISSING VISUAL_MISSING VISUAL_MISSING "
     "VISUAL_MISSING"},
    {"extra item passed", m_item_extra_ok, ""},
    {"extra item failed", m_item_extra_failed, "VISUAL_FAILED"},
    {"same item failed twice: once", m_item_twice, "VISUAL_FAILED"},
    /* several together, in catalogue order */
    {"forged code, unknown operator, device, dents", m_code_and_people,
     "CODE_FORGED OPERATOR_UNKNOWN DEVICE_NOT_HERE VISUAL_FAILED"},
    {"everything wrong", m_everything,
     "CODE_SUPERSEDED NOT_OWNER QUARANTINED INSPECTION_OVERDUE "
     "DESIGN_LIFE_EXCEEDED UNINSURED OPERATOR_UNKNOWN "
     "OPERATOR_CERT_EXPIRED DEVICE_NOT_HERE TARE_MISMATCH "
     "NOT_EMPTY_AT_STATION IMPOSSIBLE_TRAVEL VISUAL_MISSING VISUAL_FAILED "
     "VISUAL_FAILED"},
    {"Caps Lock on a scrapped cylinder", m_caps_and_scrapped,
     "CODE_CAPSLOCK CODE_REVOKED SCRAPPED"},
    {"unknown cylinder at an unknown site", m_unknown_and_site,
     "CYL_UNKNOWN SITE_NOT_STATION"},
};

#define S_NCHECK (sizeof s_check_cases / sizeof s_check_cases[0])

static void
t_check_case(void **state)
{
    const s_check_case_t *c = *state;
    s_world_t w;
    s_world(&w);
    c->mod(&w);
    lpg_verdict_t v;
    assert_int_equal(lpg_rules_fill_check(&w.in, &v), LPG_OK);
    s_expect(&v, c->want, c->want[0] == '\0');
}

/* ---------------------------------------------------------------------
 * Fill check: details, text, limits of the verdict
 */

static void
t_check_details(void **state)
{
    s_world_t w;
    s_world(&w);
    m_everything(&w);
    lpg_verdict_t v;
    assert_int_equal(lpg_rules_fill_check(&w.in, &v), LPG_OK);

    int i = lpg_verdict_find(&v, "TARE_MISMATCH");
    assert_true(i >= 0);
    assert_string_equal(v.reasons[i].detail,
                        "scale 9000 g, tare 15000 g, 14850..15300 g");
    assert_true(v.reasons[i].overridable);
    assert_string_equal(
        v.reasons[i].en,
        "empty weight on the scale does not match the registered tare "
        "(pocket code?): scale 9000 g, tare 15000 g, 14850..15300 g");
    assert_string_equal(v.reasons[i].zh,
                        "空瓶称重与登记皮重不符（疑似口袋码）：称重 9000 克，"
                        "皮重 15000 克，应在 14850..15300 克");

    i = lpg_verdict_find(&v, "CODE_SUPERSEDED");
    assert_true(i >= 0);
    assert_string_equal(v.reasons[i].detail, "label revision 0, current 1");
    assert_false(v.reasons[i].overridable);
    assert_string_equal(v.reasons[i].en,
                        "this label was replaced by a newer one: an old "
                        "label met again may be a clone: label revision 0, "
                        "current 1");
    assert_string_equal(v.reasons[i].zh,
                        "此码已被新标签取代，旧标签再次出现，疑似克隆码："
                        "标签版本 0，现行版本 1");
    assert_int_equal(lpg_verdict_find(&v, "CODE_REVOKED"), -1);
    i = lpg_verdict_find(&v, "NOT_OWNER");
    assert_string_equal(v.reasons[i].detail, "owner C2");
    i = lpg_verdict_find(&v, "INSPECTION_OVERDUE");
    assert_string_equal(v.reasons[i].detail, "was due 20200101");
    i = lpg_verdict_find(&v, "DESIGN_LIFE_EXCEEDED");
    assert_string_equal(v.reasons[i].detail,
                        "made 200001, 8 years: until 200801");
    i = lpg_verdict_find(&v, "UNINSURED");
    assert_string_equal(v.reasons[i].detail, "no insurance on record");
    i = lpg_verdict_find(&v, "DEVICE_NOT_HERE");
    assert_string_equal(v.reasons[i].detail, "device revoked");
    i = lpg_verdict_find(&v, "NOT_EMPTY_AT_STATION");
    assert_string_equal(v.reasons[i].detail, "at a user");
    assert_true(v.reasons[i].overridable);
    i = lpg_verdict_find(&v, "IMPOSSIBLE_TRAVEL");
    assert_string_equal(v.reasons[i].detail,
                        "at S2, 111 km away, 1 min before");
    assert_true(v.reasons[i].overridable);
    i = lpg_verdict_find(&v, "VISUAL_MISSING");
    assert_string_equal(v.reasons[i].detail, "parts");
    assert_string_equal(v.reasons[i].zh,
                        "充装前检查项目未做：附件缺失或不合规（parts）");
    /* failed items in the order the station sent them */
    assert_string_equal(v.reasons[i + 1].token, "VISUAL_FAILED");
    assert_string_equal(v.reasons[i + 1].detail, "corrosion");
    assert_string_equal(v.reasons[i + 1].zh,
                        "充装前检查不合格：腐蚀（corrosion）");
    assert_string_equal(v.reasons[i + 2].detail, "valve");
    assert_false(v.reasons[i + 2].overridable);
    assert_int_equal(lpg_verdict_find(&v, "SCRAPPED"), -1);
}

static void
t_check_capslock_and_forged_text(void **state)
{
    s_world_t w;
    s_world(&w);
    m_caps(&w);
    lpg_verdict_t v;
    assert_int_equal(lpg_rules_fill_check(&w.in, &v), LPG_OK);
    assert_string_equal(
        v.reasons[0].en,
        "scanner typed with Caps Lock on: turn it off and scan again");
    m_forged(&w);
    assert_int_equal(lpg_rules_fill_check(&w.in, &v), LPG_OK);
    assert_string_equal(v.reasons[0].token, "CODE_FORGED");
    assert_string_equal(v.reasons[0].zh, "码无效或伪造");
    assert_string_equal(v.reasons[0].detail, lpg_strerror(LPG_ECODE_FORGED));
}

static void
t_check_inconsistent(void **state)
{
    s_world_t w;
    s_world(&w);
    w.cyl.grai = "06291041500213OTHER";
    lpg_verdict_t v;
    assert_int_equal(lpg_rules_fill_check(&w.in, &v), LPG_EINVAL);
    s_expect(&v, "CYL_UNKNOWN", false);

    s_world(&w);
    w.in.today_ymd = 0;
    assert_int_equal(lpg_rules_fill_check(&w.in, &v), LPG_EINVAL);
    assert_false(v.allow);
}

static void
t_check_truncated(void **state)
{
    s_world_t w;
    s_world(&w);
    static char names[64][8];
    s_items(&w, 64);
    for (size_t i = 0; i < 64; i++) {
        snprintf(names[i], sizeof names[i], "x%zu", i);
        w.items[i].item = names[i];
        w.items[i].ok = 0;
    }
    w.in.staff = NULL; /* a reason before the checklist is kept */
    lpg_verdict_t v;
    assert_int_equal(lpg_rules_fill_check(&w.in, &v), LPG_OK);
    assert_false(v.allow);
    assert_true(v.truncated);
    assert_int_equal(v.n, LPG_VERDICT_MAX);
    assert_string_equal(v.reasons[0].token, "OPERATOR_UNKNOWN");
    /* none of the required items was sent: five are missing */
    assert_string_equal(v.reasons[1].token, "VISUAL_MISSING");
    assert_string_equal(v.reasons[6].token, "VISUAL_FAILED");
    assert_string_equal(v.reasons[6].detail, "x0");
    assert_string_equal(v.reasons[LPG_VERDICT_MAX - 1].detail, "x41");
}

static void
t_check_long_detail(void **state)
{
    /* a failed item with a long Chinese name: the detail is cut on a
     * character boundary and stays valid UTF-8 */
    char name[301];
    for (size_t i = 0; i < 100; i++)
        memcpy(name + 3 * i, "锈", 3);
    name[300] = '\0';
    s_world_t w;
    s_world(&w);
    s_items(&w, 6);
    w.items[5].item = name;
    w.items[5].ok = 0;
    lpg_verdict_t v;
    assert_int_equal(lpg_rules_fill_check(&w.in, &v), LPG_OK);
    s_expect(&v, "VISUAL_FAILED", false);
    assert_int_equal(strlen(v.reasons[0].detail), 117); /* 39 x 3 bytes */
    assert_int_equal(lpg_string_check(v.reasons[0].detail, 200), LPG_OK);

    /* the same through a formatted detail: "owner " + 37 characters */
    s_world(&w);
    w.reg.owner = name;
    assert_int_equal(lpg_rules_fill_check(&w.in, &v), LPG_OK);
    s_expect(&v, "NOT_OWNER", false);
    assert_int_equal(strlen(v.reasons[0].detail), 6 + 37 * 3);
    assert_memory_equal(v.reasons[0].detail, "owner 锈锈", 12);
}

static void
t_verdict_tokens_range(void **state)
{
    s_world_t w;
    s_world(&w);
    m_code_and_people(&w);
    lpg_verdict_t v;
    assert_int_equal(lpg_rules_fill_check(&w.in, &v), LPG_OK);
    char small[16];
    assert_int_equal(lpg_verdict_tokens(&v, small, sizeof small), LPG_ERANGE);
    assert_int_equal(lpg_verdict_find(&v, "NOPE"), -1);
    assert_int_equal(lpg_verdict_find(&v, "DEVICE_NOT_HERE"), 2);
}

/* ---------------------------------------------------------------------
 * Fill records
 */

typedef struct {
    Lpg__CylinderRegister reg;
    Lpg__CylinderState cyl;
    Lpg__DeviceState dev;
    Lpg__FillRecord fr;
    Lpg__Event rec;
    Lpg__FillCheck fc;
    Lpg__Event check; /* the allowed (or refused) check */
    Lpg__Outcome check_outcome;
    Lpg__FillOverride fo;
    Lpg__Event ov; /* an override of check */
    Lpg__Outcome ov_outcome;
    lpg_fill_record_input_t in;
} s_rec_world_t;

static void
s_rec_world(s_rec_world_t *w)
{
    memset(w, 0, sizeof *w);
    s_world_t base;
    s_world(&base);
    w->reg = base.reg;
    w->cyl = base.cyl;
    w->cyl.reg = &w->reg;
    w->cyl.has_last_fill_check_seq = 1;
    w->cyl.last_fill_check_seq = 10;
    w->cyl.has_last_fill_seq = 1;
    w->cyl.last_fill_seq = 5;

    lpg__device_state__init(&w->dev);
    w->dev.company = "C1";
    w->dev.site = "S1";
    w->dev.role = LPG__ROLE__ROLE_SCALE;

    lpg__fill_check__init(&w->fc);
    w->fc.code = "code";
    w->fc.empty_g = 15100;
    w->fc.scale = "SC1";
    lpg__event__init(&w->check);
    w->check.cylinder = GRAI;
    w->check.site = "S1";
    w->check.body_case = LPG__EVENT__BODY_FILL_CHECK;
    w->check.fill_check = &w->fc;
    lpg__outcome__init(&w->check_outcome);
    w->check_outcome.status = LPG__STATUS__STATUS_OK;

    lpg__fill_override__init(&w->fo);
    w->fo.reason = "stamp compared";
    lpg__event__init(&w->ov);
    w->ov.cylinder = GRAI;
    w->ov.site = "S1";
    w->ov.body_case = LPG__EVENT__BODY_FILL_OVERRIDE;
    w->ov.fill_override = &w->fo;
    lpg__outcome__init(&w->ov_outcome);
    w->ov_outcome.status = LPG__STATUS__STATUS_OK;

    lpg__fill_record__init(&w->fr);
    w->fr.full_g = 15000 + 14500;
    w->fr.leak_ok = 1;
    w->fr.scale = "SC1";
    lpg__event__init(&w->rec);
    w->rec.cylinder = GRAI;
    w->rec.site = "S1";
    w->rec.body_case = LPG__EVENT__BODY_FILL_RECORD;
    w->rec.fill_record = &w->fr;

    w->in.record = &w->rec;
    w->in.cyl = &w->cyl;
    w->in.device = &w->dev;
    w->in.named = &w->check;
    w->in.named_outcome = &w->check_outcome;
    w->in.named_seq = 10;
    w->in.named_service = "filling";
    w->in.limits = s_limits;
}

/*  The fill follows an override (seq 13) of a refused check (seq 11). */
static void
s_use_override(s_rec_world_t *w)
{
    w->check_outcome.status = LPG__STATUS__STATUS_DENIED;
    w->cyl.last_fill_check_seq = 11;
    w->in.named = &w->ov;
    w->in.named_outcome = &w->ov_outcome;
    w->in.named_seq = 13;
    w->in.override_check = &w->check;
    w->in.override_check_seq = 11;
    w->in.override_check_service = "filling";
}

typedef struct {
    const char *name;
    void (*mod)(s_rec_world_t *w);
    const char *want;
    bool allow;
    bool has_net;
    int32_t net_g;
    bool over, under, leak, quarantine;
} s_rec_case_t;

static void
r_none(s_rec_world_t *w)
{
    (void)w;
}
static void
r_no_named(s_rec_world_t *w)
{
    w->in.named = NULL;
}
static void
r_refused(s_rec_world_t *w)
{
    w->check_outcome.status = LPG__STATUS__STATUS_DENIED;
}
static void
r_no_outcome(s_rec_world_t *w)
{
    w->in.named_outcome = NULL;
}
static void
r_named_record(s_rec_world_t *w)
{
    w->in.named = &w->rec;
}
static void
r_other_cyl(s_rec_world_t *w)
{
    w->check.cylinder = "06291041500213ZZ99";
}
static void
r_other_site(s_rec_world_t *w)
{
    w->check.site = "S2";
}
static void
r_other_scale(s_rec_world_t *w)
{
    w->fr.scale = "SC2";
}
static void
r_no_scale(s_rec_world_t *w)
{
    w->fr.scale = NULL;
}
static void
r_used(s_rec_world_t *w)
{
    w->cyl.last_fill_seq = 11;
}
static void
r_stale(s_rec_world_t *w)
{
    w->cyl.last_fill_check_seq = 11;
}
static void
r_never_filled(s_rec_world_t *w)
{
    w->cyl.has_last_fill_seq = 0;
}
static void
r_no_cyl(s_rec_world_t *w)
{
    w->in.cyl = NULL;
}
static void
r_no_dev(s_rec_world_t *w)
{
    w->in.device = NULL;
}
static void
r_dev_elsewhere(s_rec_world_t *w)
{
    w->dev.site = "S2";
}
static void
r_over_top(s_rec_world_t *w)
{
    w->fr.full_g += 500;
}
static void
r_over(s_rec_world_t *w)
{
    w->fr.full_g += 501;
}
static void
r_under_bottom(s_rec_world_t *w)
{
    w->fr.full_g -= 500;
}
static void
r_under(s_rec_world_t *w)
{
    w->fr.full_g -= 501;
}
static void
r_below_tare(s_rec_world_t *w)
{
    w->fr.full_g = 14000;
}
static void
r_leak(s_rec_world_t *w)
{
    w->fr.leak_ok = 0;
}
static void
r_tare_unknown(s_rec_world_t *w)
{
    w->reg.tare_g = 0;
}
static void
r_ov(s_rec_world_t *w)
{
    s_use_override(w);
}
static void
r_ov_stale(s_rec_world_t *w)
{
    s_use_override(w);
    w->cyl.last_fill_check_seq = 12;
}
static void
r_ov_used(s_rec_world_t *w)
{
    s_use_override(w);
    w->cyl.last_fill_seq = 14;
}
static void
r_ov_refused(s_rec_world_t *w)
{
    s_use_override(w);
    w->ov_outcome.status = LPG__STATUS__STATUS_DENIED;
}
static void
r_ov_no_check(s_rec_world_t *w)
{
    s_use_override(w);
    w->in.override_check = NULL;
}
static void
r_ov_other_scale(s_rec_world_t *w)
{
    s_use_override(w);
    w->fc.scale = "SC7";
}
/*  An ALLOW recorded by another service (lpg-inspectiond before it
 *  refused other services' kinds) or by no known one. */
static void
r_by_inspection(s_rec_world_t *w)
{
    w->in.named_service = "inspection";
}
static void
r_by_nobody(s_rec_world_t *w)
{
    w->in.named_service = NULL;
}
static void
r_by_init(s_rec_world_t *w)
{
    w->in.named_service = "init";
}
static void
r_ov_by_inspection(s_rec_world_t *w)
{
    s_use_override(w);
    w->in.named_service = "inspection";
}
static void
r_ov_check_by_inspection(s_rec_world_t *w)
{
    s_use_override(w);
    w->in.override_check_service = "inspection";
}
static void
r_several(s_rec_world_t *w)
{
    w->in.named = NULL;
    w->fr.full_g += 900;
    w->fr.leak_ok = 0;
}
static void
r_mismatch_all(s_rec_world_t *w)
{
    w->check.cylinder = "06291041500213ZZ99";
    w->check.site = "S2";
    w->fr.scale = "SC2";
    w->fr.full_g -= 700;
}

static void
r_scrapped(s_rec_world_t *w)
{
    w->cyl.has_status = 1;
    w->cyl.status = LPG__CYLINDER_STATUS__CYL_SCRAPPED;
}
static void
r_scrapped_leaking(s_rec_world_t *w)
{
    r_scrapped(w);
    w->fr.leak_ok = 0;
}

#define NET 14500
static const s_rec_case_t s_rec_cases[] = {
    {"scrapped since its ALLOW", r_scrapped, "SCRAPPED", false, true, NET, 0,
     0, 0, 0},
    {"scrapped since its ALLOW, and leaking", r_scrapped_leaking,
     "SCRAPPED LEAK", false, true, NET, 0, 0, 1, 1},
    {"clean fill", r_none, "", true, true, NET, 0, 0, 0, 0},
    {"no such event", r_no_named, "FILL_NO_ALLOW", false, true, NET, 0, 0, 0,
     0},
    {"the check was refused", r_refused, "FILL_NO_ALLOW", false, true, NET, 0,
     0, 0, 0},
    {"the check has no outcome", r_no_outcome, "FILL_NO_ALLOW", false, true,
     NET, 0, 0, 0, 0},
    {"names a fill record", r_named_record, "FILL_NO_ALLOW", false, true, NET,
     0, 0, 0, 0},
    {"allowed for another cylinder", r_other_cyl, "FILL_OTHER_CYLINDER", false,
     true, NET, 0, 0, 0, 0},
    {"allowed at another station", r_other_site, "FILL_OTHER_STATION", false,
     true, NET, 0, 0, 0, 0},
    {"allowed on another scale", r_other_scale, "FILL_OTHER_SCALE", false,
     true, NET, 0, 0, 0, 0},
    {"record names no scale", r_no_scale, "", true, true, NET, 0, 0, 0, 0},
    {"allow already used", r_used, "FILL_ALLOW_USED", false, true, NET, 0, 0,
     0, 0},
    {"allow replaced by a later check", r_stale, "FILL_ALLOW_STALE", false,
     true, NET, 0, 0, 0, 0},
    {"first fill ever", r_never_filled, "", true, true, NET, 0, 0, 0, 0},
    {"unknown cylinder", r_no_cyl, "CYL_UNKNOWN", false, false, 0, 0, 0, 0, 0},
    {"device not enrolled", r_no_dev, "DEVICE_NOT_HERE", false, true, NET, 0,
     0, 0, 0},
    {"device of another station", r_dev_elsewhere, "DEVICE_NOT_HERE", false,
     true, NET, 0, 0, 0, 0},
    {"net at permitted + tolerance", r_over_top, "", true, true, NET + 500, 0,
     0, 0, 0},
    {"net 1 g over the tolerance", r_over, "OVERFILL", true, true, NET + 501,
     1, 0, 0, 1},
    {"net at permitted - tolerance", r_under_bottom, "", true, true, NET - 500,
     0, 0, 0, 0},
    {"net 1 g under the tolerance", r_under, "SHORT_WEIGHT", true, true,
     NET - 501, 0, 1, 0, 0},
    {"full below the tare", r_below_tare, "SHORT_WEIGHT", true, true, -1000, 0,
     1, 0, 0},
    {"leak after filling", r_leak, "LEAK", true, true, NET, 0, 0, 1, 1},
    {"tare unknown", r_tare_unknown, "TARE_UNKNOWN", false, false, 0, 0, 0, 0,
     0},
    {"follows an override", r_ov, "", true, true, NET, 0, 0, 0, 0},
    {"override replaced by a later check", r_ov_stale, "FILL_ALLOW_STALE",
     false, true, NET, 0, 0, 0, 0},
    {"override already used", r_ov_used, "FILL_ALLOW_USED", false, true, NET,
     0, 0, 0, 0},
    {"override was refused", r_ov_refused, "FILL_NO_ALLOW", false, true, NET,
     0, 0, 0, 0},
    {"override's check not found", r_ov_no_check, "FILL_NO_ALLOW", false, true,
     NET, 0, 0, 0, 0},
    {"override's check on another scale", r_ov_other_scale, "FILL_OTHER_SCALE",
     false, true, NET, 0, 0, 0, 0},
    {"ALLOW recorded by the inspection service", r_by_inspection,
     "FILL_NO_ALLOW", false, true, NET, 0, 0, 0, 0},
    {"ALLOW recorded by no known service", r_by_nobody, "FILL_NO_ALLOW", false,
     true, NET, 0, 0, 0, 0},
    {"ALLOW recorded by init", r_by_init, "FILL_NO_ALLOW", false, true, NET, 0,
     0, 0, 0},
    {"override recorded by the inspection service", r_ov_by_inspection,
     "FILL_NO_ALLOW", false, true, NET, 0, 0, 0, 0},
    {"override's check recorded by the inspection service",
     r_ov_check_by_inspection, "FILL_NO_ALLOW", false, true, NET, 0, 0, 0, 0},
    {"no allow, over-filled and leaking", r_several,
     "FILL_NO_ALLOW OVERFILL LEAK", false, true, NET + 900, 1, 0, 1, 1},
    {"other cylinder, station, scale, short", r_mismatch_all,
     "FILL_OTHER_CYLINDER FILL_OTHER_STATION FILL_OTHER_SCALE SHORT_WEIGHT",
     false, true, NET - 700, 0, 1, 0, 0},
};

#define S_NREC (sizeof s_rec_cases / sizeof s_rec_cases[0])

static void
t_rec_case(void **state)
{
    const s_rec_case_t *c = *state;
    s_rec_world_t w;
    s_rec_world(&w);
    c->mod(&w);
    lpg_verdict_t v;
    lpg_fill_result_t res;
    assert_int_equal(lpg_rules_fill_record(&w.in, &v, &res), LPG_OK);
    s_expect(&v, c->want, c->allow);
    assert_int_equal(res.has_net, c->has_net);
    assert_int_equal(res.net_g, c->net_g);
    assert_int_equal(res.over, c->over);
    assert_int_equal(res.under, c->under);
    assert_int_equal(res.leak, c->leak);
    assert_int_equal(res.quarantine, c->quarantine);
}

static void
t_rec_details(void **state)
{
    s_rec_world_t w;
    s_rec_world(&w);
    r_over(&w);
    lpg_verdict_t v;
    lpg_fill_result_t res;
    assert_int_equal(lpg_rules_fill_record(&w.in, &v, &res), LPG_OK);
    assert_int_equal(v.reasons[0].kind, LPG_REASON_FLAG);
    assert_string_equal(v.reasons[0].detail,
                        "net 15001 g, permitted 14500 g (14000..15000)");
    assert_string_equal(v.reasons[0].en,
                        "over-filled: cylinder held until decanted: net "
                        "15001 g, permitted 14500 g (14000..15000)");

    s_rec_world(&w);
    w.rec.body_case = LPG__EVENT__BODY_FILL_CHECK;
    assert_int_equal(lpg_rules_fill_record(&w.in, &v, &res), LPG_EINVAL);
    assert_false(v.allow);

    s_rec_world(&w);
    w.cyl.grai = "06291041500213OTHER";
    assert_int_equal(lpg_rules_fill_record(&w.in, &v, &res), LPG_EINVAL);
    s_expect(&v, "CYL_UNKNOWN", false);
}

/*  An ALLOW that lpg-inspectiond recorded (it once recorded any kind)
 *  is named as such: the station sees why the fill is refused. */
static void
t_rec_other_service(void **state)
{
    s_rec_world_t w;
    s_rec_world(&w);
    r_by_inspection(&w);
    lpg_verdict_t v;
    lpg_fill_result_t res;
    assert_int_equal(lpg_rules_fill_record(&w.in, &v, &res), LPG_OK);
    assert_false(v.allow);
    assert_int_equal(v.n, 1);
    assert_string_equal(v.reasons[0].token, "FILL_NO_ALLOW");
    assert_string_equal(v.reasons[0].detail,
                        "recorded by inspection, not by the filling service");
}

/* ---------------------------------------------------------------------
 * Supervisor overrides
 */

typedef struct {
    Lpg__SiteAdd site_add;
    Lpg__SiteState site;
    Lpg__StaffAdd staff_add;
    Lpg__StaffState staff;
    Lpg__DeviceState dev;
    Lpg__CylinderRegister reg;
    Lpg__CylinderState cyl;
    Lpg__FillCheck fc;
    Lpg__Event check;
    Lpg__Reason reasons[8];
    Lpg__Reason *reason_ptrs[8];
    Lpg__Outcome outcome;
    char *tokens[8];
    Lpg__FillOverride fo;
    Lpg__Event ov;
    lpg_override_input_t in;
} s_ov_world_t;

/*  The check was refused for the space-separated tokens; the override
 *  lists list (space-separated too). */
static void
s_ov_tokens(s_ov_world_t *w, const char *refused, const char *listed)
{
    static char rbuf[256], lbuf[256];
    snprintf(rbuf, sizeof rbuf, "%s", refused);
    snprintf(lbuf, sizeof lbuf, "%s", listed);
    w->outcome.n_reasons = 0;
    for (char *p = rbuf; *p;) {
        char *sp = strchr(p, ' ');
        if (sp)
            *sp = '\0';
        size_t i = w->outcome.n_reasons++;
        lpg__reason__init(&w->reasons[i]);
        w->reasons[i].token = p;
        w->reason_ptrs[i] = &w->reasons[i];
        p = sp ? sp + 1 : p + strlen(p);
    }
    w->outcome.reasons = w->reason_ptrs;
    w->fo.n_tokens = 0;
    for (char *p = lbuf; *p;) {
        char *sp = strchr(p, ' ');
        if (sp)
            *sp = '\0';
        w->tokens[w->fo.n_tokens++] = p;
        p = sp ? sp + 1 : p + strlen(p);
    }
    w->fo.tokens = w->tokens;
}

static void
s_ov_world(s_ov_world_t *w)
{
    memset(w, 0, sizeof *w);
    s_world_t base;
    s_world(&base);
    w->site_add = base.site_add;
    lpg__site_state__init(&w->site);
    w->site.add = &w->site_add;
    w->staff_add = base.staff_add;
    w->staff_add.role = LPG__STAFF_ROLE__STAFF_SUPERVISOR;
    lpg__staff_state__init(&w->staff);
    w->staff.add = &w->staff_add;
    w->dev = base.dev;
    w->reg = base.reg;
    w->cyl = base.cyl;
    w->cyl.reg = &w->reg;
    w->cyl.has_last_fill_check_seq = 1;
    w->cyl.last_fill_check_seq = 20;
    w->cyl.has_last_fill_seq = 1;
    w->cyl.last_fill_seq = 5;

    lpg__fill_check__init(&w->fc);
    w->fc.code = "code";
    w->fc.empty_g = 16000;
    lpg__event__init(&w->check);
    w->check.cylinder = GRAI;
    w->check.site = "S1";
    w->check.body_case = LPG__EVENT__BODY_FILL_CHECK;
    w->check.fill_check = &w->fc;
    lpg__outcome__init(&w->outcome);
    w->outcome.status = LPG__STATUS__STATUS_DENIED;

    lpg__fill_override__init(&w->fo);
    w->fo.reason = "residual gas: weighed again, stamp matches";
    lpg__event__init(&w->ov);
    w->ov.cylinder = GRAI;
    w->ov.site = "S1";
    w->ov.actor = "sup";
    w->ov.body_case = LPG__EVENT__BODY_FILL_OVERRIDE;
    w->ov.fill_override = &w->fo;
    s_ov_tokens(w, "TARE_MISMATCH", "TARE_MISMATCH");

    w->in.override = &w->ov;
    w->in.site = &w->site;
    w->in.staff = &w->staff;
    w->in.device = &w->dev;
    w->in.check = &w->check;
    w->in.check_outcome = &w->outcome;
    w->in.check_seq = 20;
    w->in.check_service = "filling";
    w->in.cyl = &w->cyl;
    w->in.today_ymd = TODAY;
}

typedef struct {
    const char *name;
    void (*mod)(s_ov_world_t *w);
    const char *want;
    const char *details; /* of the reasons, joined by '|'; NULL: unchecked */
} s_ov_case_t;

static void
o_none(s_ov_world_t *w)
{
    (void)w;
}
static void
o_three(s_ov_world_t *w)
{
    s_ov_tokens(w, "TARE_MISMATCH NOT_EMPTY_AT_STATION IMPOSSIBLE_TRAVEL",
                "IMPOSSIBLE_TRAVEL TARE_MISMATCH NOT_EMPTY_AT_STATION");
}
static void
o_scrapped(s_ov_world_t *w)
{
    s_ov_tokens(w, "CODE_REVOKED SCRAPPED", "CODE_REVOKED SCRAPPED");
}
static void
o_overdue(s_ov_world_t *w)
{
    s_ov_tokens(w, "TARE_MISMATCH INSPECTION_OVERDUE VISUAL_FAILED",
                "TARE_MISMATCH INSPECTION_OVERDUE VISUAL_FAILED");
}
static void
o_forged(s_ov_world_t *w)
{
    s_ov_tokens(w, "CODE_FORGED", "CODE_FORGED");
}
static void
o_unknown_cyl(s_ov_world_t *w)
{
    s_ov_tokens(w, "CYL_UNKNOWN", "CYL_UNKNOWN");
    w->in.cyl = NULL;
}
static void
o_bogus(s_ov_world_t *w)
{
    s_ov_tokens(w, "BOGUS", "BOGUS");
}
static void
o_none_listed_refused(s_ov_world_t *w)
{
    s_ov_tokens(w, "", "");
}
static void
o_missing_token(s_ov_world_t *w)
{
    s_ov_tokens(w, "TARE_MISMATCH IMPOSSIBLE_TRAVEL", "TARE_MISMATCH");
}
static void
o_extra_token(s_ov_world_t *w)
{
    s_ov_tokens(w, "TARE_MISMATCH", "TARE_MISMATCH IMPOSSIBLE_TRAVEL");
}
static void
o_no_tokens(s_ov_world_t *w)
{
    s_ov_tokens(w, "TARE_MISMATCH", "");
}
static void
o_no_check(s_ov_world_t *w)
{
    w->in.check = NULL;
}
static void
o_check_is_override(s_ov_world_t *w)
{
    w->in.check = &w->ov;
}
static void
o_allowed(s_ov_world_t *w)
{
    w->outcome.status = LPG__STATUS__STATUS_OK;
    s_ov_tokens(w, "", "");
}
static void
o_no_outcome(s_ov_world_t *w)
{
    w->in.check_outcome = NULL;
}
static void
o_check_by_inspection(s_ov_world_t *w)
{
    w->in.check_service = "inspection";
}
static void
o_other_station(s_ov_world_t *w)
{
    w->check.site = "S2";
}
static void
o_other_cyl(s_ov_world_t *w)
{
    w->ov.cylinder = "06291041500213ZZ99";
}
static void
o_no_cyl_named(s_ov_world_t *w)
{
    w->ov.cylinder = NULL;
}
static void
o_checked_since(s_ov_world_t *w)
{
    w->cyl.last_fill_check_seq = 21;
}
static void
o_filled_since(s_ov_world_t *w)
{
    w->cyl.last_fill_seq = 21;
}
static void
o_no_staff(s_ov_world_t *w)
{
    w->in.staff = NULL;
}
static void
o_operator(s_ov_world_t *w)
{
    w->staff_add.role = LPG__STAFF_ROLE__STAFF_FILLING_OPERATOR;
}
static void
o_staff_elsewhere(s_ov_world_t *w)
{
    w->staff_add.site = "S2";
}
static void
o_staff_other_co(s_ov_world_t *w)
{
    w->staff_add.company = "C2";
}
static void
o_cert_today(s_ov_world_t *w)
{
    w->staff_add.cert_until_ymd = TODAY;
}
static void
o_cert_expired(s_ov_world_t *w)
{
    w->staff_add.cert_until_ymd = TODAY - 1;
}
static void
o_no_dev(s_ov_world_t *w)
{
    w->in.device = NULL;
}
static void
o_dev_elsewhere(s_ov_world_t *w)
{
    w->dev.site = "S2";
}
static void
o_blank_reason(s_ov_world_t *w)
{
    w->fo.reason = " \t ";
}
static void
o_empty_reason(s_ov_world_t *w)
{
    w->fo.reason = "";
}
static void
o_no_site(s_ov_world_t *w)
{
    w->in.site = NULL;
}
static void
o_several(s_ov_world_t *w)
{
    s_ov_tokens(w, "SCRAPPED TARE_MISMATCH", "TARE_MISMATCH");
    w->staff_add.role = LPG__STAFF_ROLE__STAFF_FILLING_OPERATOR;
    w->fo.reason = "";
    w->cyl.last_fill_check_seq = 30;
}

static const s_ov_case_t s_ov_cases[] = {
    {"tare mismatch overridden", o_none, "", ""},
    {"three overridable reasons", o_three, "", ""},
    {"scrapped: never", o_scrapped,
     "OVERRIDE_NOT_ALLOWED OVERRIDE_NOT_ALLOWED", "CODE_REVOKED|SCRAPPED"},
    {"overdue and visual among them", o_overdue,
     "OVERRIDE_NOT_ALLOWED OVERRIDE_NOT_ALLOWED",
     "INSPECTION_OVERDUE|VISUAL_FAILED"},
    {"forged code: never", o_forged, "OVERRIDE_NOT_ALLOWED", "CODE_FORGED"},
    {"unknown cylinder: never", o_unknown_cyl, "OVERRIDE_NOT_ALLOWED",
     "CYL_UNKNOWN"},
    {"unknown token", o_bogus, "OVERRIDE_NOT_ALLOWED", "BOGUS"},
    {"refusal without reasons", o_none_listed_refused, "OVERRIDE_NOT_ALLOWED",
     "the refusal lists none"},
    {"a reason not listed", o_missing_token, "OVERRIDE_TOKENS_MISMATCH",
     "not listed: IMPOSSIBLE_TRAVEL"},
    {"a token that was no reason", o_extra_token, "OVERRIDE_TOKENS_MISMATCH",
     "not refused: IMPOSSIBLE_TRAVEL"},
    {"no tokens listed", o_no_tokens, "OVERRIDE_TOKENS_MISMATCH",
     "not listed: TARE_MISMATCH"},
    {"no such check", o_no_check, "OVERRIDE_NO_CHECK", ""},
    {"names an override, not a check", o_check_is_override,
     "OVERRIDE_NO_CHECK", ""},
    {"the check was allowed", o_allowed, "OVERRIDE_NOT_DENIED", ""},
    {"the check has no outcome", o_no_outcome, "OVERRIDE_NOT_DENIED", ""},
    {"check recorded by the inspection service", o_check_by_inspection,
     "OVERRIDE_NO_CHECK",
     "recorded by inspection, not by the filling "
     "service"},
    {"check at another station", o_other_station, "OVERRIDE_OTHER_STATION",
     "S2"},
    {"override names another cylinder", o_other_cyl, "OVERRIDE_OTHER_CYLINDER",
     GRAI},
    {"override names no cylinder", o_no_cyl_named, "", ""},
    {"checked again since", o_checked_since, "OVERRIDE_STALE", ""},
    {"filled since", o_filled_since, "OVERRIDE_STALE", ""},
    {"unknown staff", o_no_staff, "OVERRIDE_NOT_SUPERVISOR", "no such staff"},
    {"an operator may not", o_operator, "OVERRIDE_NOT_SUPERVISOR",
     "not a supervisor"},
    {"supervisor of another station", o_staff_elsewhere,
     "OVERRIDE_NOT_SUPERVISOR", "staff of another site"},
    {"supervisor of another company", o_staff_other_co,
     "OVERRIDE_NOT_SUPERVISOR", "staff of another site"},
    {"certificate valid through today", o_cert_today, "", ""},
    {"certificate expired yesterday", o_cert_expired, "OVERRIDE_CERT_EXPIRED",
     "expired after 20260314"},
    {"device not enrolled", o_no_dev, "DEVICE_NOT_HERE",
     "device not enrolled"},
    {"device of another station", o_dev_elsewhere, "DEVICE_NOT_HERE",
     "device enrolled elsewhere"},
    {"blank reason", o_blank_reason, "OVERRIDE_NO_REASON", ""},
    {"empty reason", o_empty_reason, "OVERRIDE_NO_REASON", ""},
    {"not at a station", o_no_site, "SITE_NOT_STATION", "S1"},
    {"several at once", o_several,
     "OVERRIDE_STALE OVERRIDE_NOT_SUPERVISOR OVERRIDE_NO_REASON "
     "OVERRIDE_TOKENS_MISMATCH OVERRIDE_NOT_ALLOWED",
     "|not a supervisor||not listed: SCRAPPED|SCRAPPED"},
};

#define S_NOV (sizeof s_ov_cases / sizeof s_ov_cases[0])

static void
t_ov_case(void **state)
{
    const s_ov_case_t *c = *state;
    s_ov_world_t w;
    s_ov_world(&w);
    c->mod(&w);
    lpg_verdict_t v;
    assert_int_equal(lpg_rules_override(&w.in, &v), LPG_OK);
    s_expect(&v, c->want, c->want[0] == '\0');
    char details[1024] = "";
    size_t used = 0;
    for (size_t i = 0; i < v.n; i++)
        used += (size_t)snprintf(details + used, sizeof details - used, "%s%s",
                                 i ? "|" : "", v.reasons[i].detail);
    assert_string_equal(details, c->details);
}

static void
t_ov_invalid(void **state)
{
    s_ov_world_t w;
    s_ov_world(&w);
    w.ov.body_case = LPG__EVENT__BODY_FILL_CHECK;
    lpg_verdict_t v;
    assert_int_equal(lpg_rules_override(&w.in, &v), LPG_EINVAL);
    assert_false(v.allow);
    s_ov_world(&w);
    w.in.today_ymd = 0;
    assert_int_equal(lpg_rules_override(&w.in, &v), LPG_EINVAL);
    assert_false(v.allow);
}

/* ---------------------------------------------------------------------
 * The catalogue
 */

static void
t_catalogue(void **state)
{
    for (int i = 0; i < LPG_REASON_COUNT; i++) {
        const lpg_reason_t *r = lpg_reason_by_id((lpg_reason_id_t)i);
        assert_int_equal(r->id, i);
        assert_non_null(r->token);
        assert_ptr_equal(lpg_reason(r->token), r);
        for (const char *p = r->token; *p; p++)
            assert_true((*p >= 'A' && *p <= 'Z') || *p == '_');
        assert_true(r->zh[0] && r->en[0]);
        /* room for the detail in a verdict's text */
        assert_true(strlen(r->zh) + 3 + LPG_VERDICT_DETAIL_MAX <=
                    LPG_VERDICT_TEXT_MAX);
        assert_true(strlen(r->en) + 2 + LPG_VERDICT_DETAIL_MAX <=
                    LPG_VERDICT_TEXT_MAX);
        assert_int_equal(lpg_string_check(r->zh, 1000), LPG_OK);
        assert_int_equal(lpg_string_check(r->en, 1000), LPG_OK);
        /* the Chinese text is Chinese */
        assert_true((unsigned char)r->zh[0] >= 0xE0);
    }
    assert_null(lpg_reason("NOPE"));
    assert_null(lpg_reason(""));
    assert_null(lpg_reason(NULL));
    assert_null(lpg_reason("tare_mismatch"));
    assert_string_equal(lpg_reason("CODE_FORGED")->zh, "码无效或伪造");
    assert_string_equal(lpg_reason("CODE_FORGED")->en,
                        "code is forged or not issued by the authority");
}

static void
t_catalogue_policy(void **state)
{
    char over[512] = "", flags[512] = "";
    for (int i = 0; i < LPG_REASON_COUNT; i++) {
        const lpg_reason_t *r = lpg_reason_by_id((lpg_reason_id_t)i);
        if (r->overridable) {
            strncat(over, " ", sizeof over - strlen(over) - 1);
            strncat(over, r->token, sizeof over - strlen(over) - 1);
        }
        if (r->kind == LPG_REASON_FLAG) {
            strncat(flags, " ", sizeof flags - strlen(flags) - 1);
            strncat(flags, r->token, sizeof flags - strlen(flags) - 1);
        }
    }
    assert_string_equal(
        over, " TARE_MISMATCH NOT_EMPTY_AT_STATION IMPOSSIBLE_TRAVEL");
    assert_string_equal(flags, " OVERFILL SHORT_WEIGHT LEAK LATE NO_ORDER");
    static const char *never[] = {
        "CODE_FORGED", "CODE_REVOKED",       "CODE_SUPERSEDED", "CYL_UNKNOWN",
        "SCRAPPED",    "INSPECTION_OVERDUE", "VISUAL_FAILED"};
    for (size_t i = 0; i < sizeof never / sizeof never[0]; i++)
        assert_false(lpg_reason(never[i])->overridable);
}

/* ---------------------------------------------------------------------
 * Distance, limits, local dates
 */

static void
t_distance(void **state)
{
    double d = lpg_rules_distance_km(31230416, 121473701, 32230416, 121473701);
    assert_true(d > 111.1950 && d < 111.1952);
    d = lpg_rules_distance_km(39904200, 116407400, 31230400, 121473700);
    assert_true(d > 1067.30 && d < 1067.32); /* Beijing - Shanghai */
    d = lpg_rules_distance_km(0, 0, 0, 180000000);
    assert_true(d > 20015.11 && d < 20015.12); /* half the equator */
    d = lpg_rules_distance_km(-90000000, 0, 90000000, 0);
    assert_true(d > 20015.11 && d < 20015.12); /* pole to pole */
    assert_true(lpg_rules_distance_km(1, 2, 1, 2) == 0.0);
    /* symmetric */
    assert_true(lpg_rules_distance_km(10, 20, 30000000, 40000000) ==
                lpg_rules_distance_km(30000000, 40000000, 10, 20));
}

static void
t_limits(void **state)
{
    lpg_config_t *cfg = NULL;
    assert_int_equal(
        lpg_config_load(&cfg, "/nonexistent-lpgtrace-home", NULL, 0), LPG_OK);
    lpg_rules_limits_t l;
    char why[128] = "";
    assert_int_equal(lpg_rules_limits_from_config(&l, cfg, why, sizeof why),
                     LPG_OK);
    assert_int_equal(l.tare_tolerance_g, 300);
    assert_int_equal(l.tare_below_g, 150);
    assert_int_equal(l.over_tolerance_g, 500);
    assert_int_equal(l.under_tolerance_g, 500);
    assert_int_equal(l.travel_speed_kmh, 120);

    assert_int_equal(lpg_config_set(cfg, "fill.travel_speed_kmh", "80"),
                     LPG_OK);
    assert_int_equal(lpg_rules_limits_from_config(&l, cfg, why, sizeof why),
                     LPG_OK);
    assert_int_equal(l.travel_speed_kmh, 80);
    assert_int_equal(lpg_config_set(cfg, "fill.tare_below_g", "40"), LPG_OK);
    assert_int_equal(lpg_rules_limits_from_config(&l, cfg, why, sizeof why),
                     LPG_OK);
    assert_int_equal(l.tare_below_g, 40);
    assert_int_equal(lpg_config_set(cfg, "fill.tare_below_g", "-5"), LPG_OK);
    assert_int_equal(lpg_rules_limits_from_config(&l, cfg, why, sizeof why),
                     LPG_ECONFIG);
    assert_non_null(strstr(why, "fill.tare_below_g"));
    assert_int_equal(lpg_config_set(cfg, "fill.tare_below_g", "150"), LPG_OK);

    assert_int_equal(lpg_config_set(cfg, "fill.under_tolerance_g", "-1"),
                     LPG_OK);
    assert_int_equal(lpg_rules_limits_from_config(&l, cfg, why, sizeof why),
                     LPG_ECONFIG);
    assert_non_null(strstr(why, "fill.under_tolerance_g"));
    assert_int_equal(lpg_config_set(cfg, "fill.under_tolerance_g", "5kg"),
                     LPG_OK);
    assert_int_equal(lpg_rules_limits_from_config(&l, cfg, NULL, 0),
                     LPG_ECONFIG);
    assert_int_equal(lpg_config_set(cfg, "fill.under_tolerance_g", ""),
                     LPG_OK);
    assert_int_equal(lpg_rules_limits_from_config(&l, cfg, NULL, 0),
                     LPG_ECONFIG);
    lpg_config_destroy(&cfg);
}

static void
t_local_ymd(void **state)
{
    /* 2026-01-01T16:30Z is 00:30 on the 2nd in Shanghai (+8 h) */
    assert_int_equal(lpg_local_ymd(1767285000000ull, "Asia/Shanghai"),
                     20260102);
    assert_int_equal(lpg_local_ymd(1767285000000ull, "UTC"), 20260101);
    /* midnight in Shanghai: 16:00Z exactly, and one ms before */
    assert_int_equal(lpg_local_ymd(1767283200000ull, "Asia/Shanghai"),
                     20260102);
    assert_int_equal(lpg_local_ymd(1767283199999ull, "Asia/Shanghai"),
                     20260101);
    /* daylight saving: 2026-07-01T03:30Z is 23:30 on 30 June in New York */
    assert_int_equal(lpg_local_ymd(1782876600000ull, "America/New_York"),
                     20260630);
    assert_int_equal(lpg_local_ymd(0, "UTC"), 19700101);
    assert_int_equal(lpg_local_ymd(NOW_MS, "Asia/Shanghai"), TODAY);
    /* unknown or unsafe zone names */
    assert_int_equal(lpg_local_ymd(NOW_MS, "Mars/Olympus_Mons"), 0);
    assert_int_equal(lpg_local_ymd(NOW_MS, ""), 0);
    assert_int_equal(lpg_local_ymd(NOW_MS, NULL), 0);
    assert_int_equal(lpg_local_ymd(NOW_MS, "../../etc/passwd"), 0);
    assert_int_equal(lpg_local_ymd(NOW_MS, "/etc/localtime"), 0);
    assert_int_equal(lpg_local_ymd(NOW_MS, "zone.tab"), 0);
    assert_int_equal(lpg_local_ymd(NOW_MS, "Asia"), 0); /* a directory */
    /* past year 9999 */
    assert_int_equal(lpg_local_ymd(UINT64_MAX, "UTC"), 0);
}

static void
t_local_ymd_keeps_tz(void **state)
{
    const char *old = getenv("TZ");
    char *saved = old ? strdup(old) : NULL;
    assert_int_equal(setenv("TZ", "America/New_York", 1), 0);
    assert_int_equal(lpg_local_ymd(1767285000000ull, "Asia/Shanghai"),
                     20260102);
    assert_string_equal(getenv("TZ"), "America/New_York");
    assert_int_equal(unsetenv("TZ"), 0);
    assert_int_equal(lpg_local_ymd(1767285000000ull, "Asia/Shanghai"),
                     20260102);
    assert_null(getenv("TZ"));
    if (saved)
        setenv("TZ", saved, 1);
    free(saved);
}

static void *
s_ymd_thread(void *arg)
{
    const char *zone = arg;
    uint32_t want = strcmp(zone, "UTC") == 0 ? 20260101 : 20260102;
    for (int i = 0; i < 300; i++)
        if (lpg_local_ymd(1767285000000ull, zone) != want)
            return (void *)1;
    return NULL;
}

static void
t_local_ymd_threads(void **state)
{
    pthread_t th[4];
    const char *zones[4] = {"UTC", "Asia/Shanghai", "UTC", "Asia/Shanghai"};
    for (int i = 0; i < 4; i++)
        assert_int_equal(
            pthread_create(&th[i], NULL, s_ymd_thread, (void *)zones[i]), 0);
    for (int i = 0; i < 4; i++) {
        void *rv = (void *)2;
        assert_int_equal(pthread_join(th[i], &rv), 0);
        assert_null(rv);
    }
}

/* ---------------------------------------------------------------------
 * One TAP line per table case
 */

static int
s_run_table(const char *group, const void *cases, size_t n, size_t size,
            const char *(*name)(const void *), CMUnitTestFunction fn)
{
    struct CMUnitTest *tests = calloc(n, sizeof *tests);
    if (!tests)
        return 1;
    for (size_t i = 0; i < n; i++) {
        const void *c = (const char *)cases + i * size;
        tests[i].name = name(c);
        tests[i].test_func = fn;
        tests[i].initial_state = (void *)c;
    }
    int rc = _cmocka_run_group_tests(group, tests, n, NULL, NULL);
    free(tests);
    return rc;
}

static const char *
s_check_name(const void *c)
{
    return ((const s_check_case_t *)c)->name;
}

static const char *
s_rec_name(const void *c)
{
    return ((const s_rec_case_t *)c)->name;
}

static const char *
s_ov_name(const void *c)
{
    return ((const s_ov_case_t *)c)->name;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_check_details),
        cmocka_unit_test(t_check_capslock_and_forged_text),
        cmocka_unit_test(t_check_inconsistent),
        cmocka_unit_test(t_check_truncated),
        cmocka_unit_test(t_check_long_detail),
        cmocka_unit_test(t_verdict_tokens_range),
        cmocka_unit_test(t_rec_details),
        cmocka_unit_test(t_rec_other_service),
        cmocka_unit_test(t_ov_invalid),
        cmocka_unit_test(t_catalogue),
        cmocka_unit_test(t_catalogue_policy),
        cmocka_unit_test(t_distance),
        cmocka_unit_test(t_limits),
        cmocka_unit_test(t_local_ymd),
        cmocka_unit_test(t_local_ymd_keeps_tz),
        cmocka_unit_test(t_local_ymd_threads),
    };
    int failed = 0;
    failed += s_run_table("fill_check", s_check_cases, S_NCHECK,
                          sizeof s_check_cases[0], s_check_name, t_check_case);
    failed += s_run_table("fill_record", s_rec_cases, S_NREC,
                          sizeof s_rec_cases[0], s_rec_name, t_rec_case);
    failed += s_run_table("override", s_ov_cases, S_NOV, sizeof s_ov_cases[0],
                          s_ov_name, t_ov_case);
    failed += cmocka_run_group_tests(tests, NULL, NULL);
    return failed ? 1 : 0;
}
