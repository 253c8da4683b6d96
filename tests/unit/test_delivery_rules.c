/*  test_delivery_rules.c - the delivery rules as tables of cases: each
 *  step clean, each refusal on its own, several together in catalogue
 *  order, date boundaries (certificate, permit, inspection), custody for
 *  every step, the LATE flag and its delay; the gas-use certificate
 *  (missing, malformed, signer unknown / not an admin / of another company
 *  / revoked, forged, another user's, another number, expired by the
 *  event's date); what a certificate whose signature does not verify
 *  claims (user, company, number, bytes that are no UTF-8) never copied
 *  into a reason; the cylinder's code carried by the step (verified,
 *  forged, Caps Lock, superseded, never registered, naming another
 *  cylinder); the hazard key, the late limit from configuration, the
 *  new catalogue entries.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/config.h"
#include "domain/delivery_rules.h"
#include "domain/household.h"
#include "base/error.h"
#include "ledger/event.h"
#include "codes/gascert.h"
#include "domain/reasons.h"

#define GRAI "06291041500213AB12CD"
#define TODAY 20260315u
#define NOW_MS 1773540000000ull
#define LIMIT_MS 600000ull
#define RESOLVER "id.lpg.example"

static lpg_key_t *s_admin; /* C1's company-admin key */
static lpg_key_t *s_other; /* a key that is no admin's */

typedef struct {
    Lpg__CylinderRegister reg;
    Lpg__CylinderState cyl;
    Lpg__DeviceState dev;
    Lpg__StaffAdd staff_add;
    Lpg__StaffState staff;
    Lpg__VehicleAdd veh_add;
    Lpg__VehicleState veh;
    Lpg__SiteAdd site_add;
    Lpg__SiteState site;
    Lpg__UserAdd user_add;
    Lpg__UserState user;
    Lpg__DeviceState admin; /* the certificate's signer */
    Lpg__OrderState order;  /* the order a delivery names */
    Lpg__OrderPlace place;  /* its placing: 2 x YSP15 */
    uint64_t handed[3];     /* the deliveries handed over on it */
    uint8_t admin_pub[LPG_ED25519_PUB_LEN];
    char cert[LPG_GASCERT_MAX_TEXT + 1]; /* U1's certificate */
    Lpg__CheckItem items[7]; /* the six of a full 随瓶安检, one spare */
    Lpg__CheckItem *item_ptrs[7];
    lpg_code_t code; /* the code scanned, if any */
    lpg_delivery_input_t in;
} s_world_t;

/*  A world where the step is clean; custody fits the step. */
static void
s_world(s_world_t *w, lpg_delivery_step_t step)
{
    memset(w, 0, sizeof *w);
    lpg__cylinder_register__init(&w->reg);
    w->reg.serial = "AB12CD";
    w->reg.spec = "YSP-15";
    w->reg.owner = "C1";
    w->reg.tare_g = 15000;
    w->reg.fill_g = 14500;
    w->reg.has_next_inspection_ymd = 1;
    w->reg.next_inspection_ymd = 20270101;
    lpg__cylinder_state__init(&w->cyl);
    w->cyl.grai = GRAI;
    w->cyl.reg = &w->reg;
    w->cyl.has_status = 1;
    w->cyl.status = LPG__CYLINDER_STATUS__CYL_IN_SERVICE;
    w->cyl.has_custody = 1;
    static const Lpg__Custody fit[] = {
        LPG__CUSTODY__CUSTODY_FULL_AT_STATION,
        LPG__CUSTODY__CUSTODY_IN_TRANSIT,
        LPG__CUSTODY__CUSTODY_AT_USER,
        LPG__CUSTODY__CUSTODY_COLLECTED,
    };
    w->cyl.custody = fit[step];
    if (step == LPG_DELIVERY_COLLECT)
        w->cyl.holder = "U1";

    lpg__device_state__init(&w->dev);
    w->dev.company = "C1";
    w->dev.role = LPG__ROLE__ROLE_HANDHELD;

    lpg__staff_add__init(&w->staff_add);
    w->staff_add.company = "C1";
    w->staff_add.role = LPG__STAFF_ROLE__STAFF_DRIVER;
    w->staff_add.name = "driver";
    w->staff_add.cert_no = "D1";
    w->staff_add.cert_until_ymd = TODAY;
    lpg__staff_state__init(&w->staff);
    w->staff.add = &w->staff_add;

    lpg__vehicle_add__init(&w->veh_add);
    w->veh_add.company = "C1";
    w->veh_add.plate = "SU-F12345";
    w->veh_add.permit_no = "P-1";
    w->veh_add.permit_until_ymd = TODAY;
    lpg__vehicle_state__init(&w->veh);
    w->veh.add = &w->veh_add;

    lpg__site_add__init(&w->site_add);
    w->site_add.name = "Station";
    w->site_add.kind = LPG__SITE_KIND__SITE_FILLING_STATION;
    w->site_add.company = "C1";
    lpg__site_state__init(&w->site);
    w->site.add = &w->site_add;

    lpg__user_add__init(&w->user_add);
    w->user_add.company = "C1";
    w->user_add.kind = LPG__USER_KIND__USER_HOUSEHOLD;
    w->user_add.gas_cert_no = "GC-001";
    lpg__user_state__init(&w->user);
    w->user.add = &w->user_add;

    static const char *names[] = {"hose",  "regulator", "valve",      "leak",
                                  "stove", "storage",   "ventilation"};
    for (size_t i = 0; i < 7; i++) {
        lpg__check_item__init(&w->items[i]);
        w->items[i].item = (char *)names[i];
        w->items[i].ok = 1;
        w->item_ptrs[i] = &w->items[i];
    }

    lpg_delivery_input_t *in = &w->in;
    in->step = step;
    in->cylinder_id = GRAI;
    in->cyl = &w->cyl;
    in->device = &w->dev;
    in->driver_id = "DRV1";
    in->driver = &w->staff;
    in->vehicle_id = "SU-F12345";
    in->vehicle = &w->veh;
    if (step == LPG_DELIVERY_DISPATCH || step == LPG_DELIVERY_RETURN) {
        in->site_id = "S1";
        in->site = &w->site;
    } else {
        in->user_id = "U1";
        in->user = &w->user;
    }
    lpg__device_state__init(&w->admin);
    w->admin.company = "C1";
    w->admin.role = LPG__ROLE__ROLE_COMPANY_ADMIN;
    lpg_key_raw_public(s_admin, w->admin_pub);
    w->admin.sign_pub.data = w->admin_pub;
    w->admin.sign_pub.len = sizeof w->admin_pub;
    assert_int_equal(lpg_gascert_issue(w->cert, sizeof w->cert, s_admin,
                                       RESOLVER, "C1", "U1", "GC-001", TODAY),
                     LPG_OK);
    if (step == LPG_DELIVERY_DELIVER) {
        /* Every delivery of the world fulfils its household's order,
         * assigned to its driver: the order's own reasons are t_order's. */
        lpg__order_state__init(&w->order);
        w->order.user = "U1";
        w->order.company = "C1";
        w->order.status = LPG__ORDER_STATUS__ORDER_ASSIGNED;
        w->order.driver = "DRV1";
        w->order.vehicle = "SU-F12345";
        lpg__order_place__init(&w->place);
        w->place.order = "O1";
        w->place.spec = "YSP15";
        w->place.count = 2;
        w->order.place = &w->place;
        w->order.handed_seq = w->handed;
        in->order_id = "O1";
        in->order = &w->order;
        in->gas_cert = w->cert;
        in->gas_cert_signer = &w->admin;
        in->resolver = RESOLVER;
        in->checks = w->item_ptrs;
        in->n_checks = 6;
    }
    in->time_ms = NOW_MS;
    in->now_ms = NOW_MS;
    in->late_limit_ms = LIMIT_MS;
    in->today_ymd = TODAY;
}

static void
s_expect(const lpg_verdict_t *v, const char *want, bool allow,
         const char *what)
{
    char got[512];
    assert_int_equal(lpg_verdict_tokens(v, got, sizeof got), LPG_OK);
    if (strcmp(got, want) != 0 || v->allow != allow)
        fail_msg("%s: got '%s' allow %d, wanted '%s' allow %d", what, got,
                 v->allow, want, allow);
    for (size_t i = 0; i < v->n; i++) {
        const lpg_reason_t *r = lpg_reason(v->reasons[i].token);
        assert_non_null(r);
        assert_int_equal(r->id, v->reasons[i].id);
        assert_memory_equal(v->reasons[i].en, r->en, strlen(r->en));
        assert_memory_equal(v->reasons[i].zh, r->zh, strlen(r->zh));
        assert_int_equal(lpg_string_check(v->reasons[i].zh, 1000), LPG_OK);
    }
}

typedef struct {
    const char *what;
    lpg_delivery_step_t step;
    void (*change)(s_world_t *w);
    const char *want;
    bool allow;
} s_case_t;

static void
c_none(s_world_t *w)
{
    (void)w;
}
static void
c_no_cyl(s_world_t *w)
{
    w->in.cyl = NULL;
}
static void
c_no_device(s_world_t *w)
{
    w->in.device = NULL;
}
static void
c_revoked(s_world_t *w)
{
    w->dev.has_revoked_seq = 1;
    w->dev.revoked_seq = 9;
}
static void
c_scanner(s_world_t *w)
{
    w->dev.role = LPG__ROLE__ROLE_FILLING_SCANNER;
}
static void
c_dev_other(s_world_t *w)
{
    w->dev.company = "C2";
}
static void
c_no_driver(s_world_t *w)
{
    w->in.driver = NULL;
}
static void
c_not_driver(s_world_t *w)
{
    w->staff_add.role = LPG__STAFF_ROLE__STAFF_FILLING_OPERATOR;
}
static void
c_driver_other(s_world_t *w)
{
    w->staff_add.company = "C2";
}
static void
c_cert(s_world_t *w)
{
    w->staff_add.cert_until_ymd = TODAY - 1;
}
static void
c_no_vehicle(s_world_t *w)
{
    w->in.vehicle = NULL;
}
static void
c_vehicle_other(s_world_t *w)
{
    w->veh_add.company = "C2";
}
static void
c_permit(s_world_t *w)
{
    w->veh_add.permit_until_ymd = TODAY - 1;
}
static void
c_no_site(s_world_t *w)
{
    w->in.site = NULL;
}
static void
c_site_other(s_world_t *w)
{
    w->site_add.company = "C2";
}
static void
c_scrapped(s_world_t *w)
{
    w->cyl.status = LPG__CYLINDER_STATUS__CYL_SCRAPPED;
}
static void
c_held(s_world_t *w)
{
    w->cyl.status = LPG__CYLINDER_STATUS__CYL_QUARANTINED;
}
static void
c_overdue(s_world_t *w)
{
    w->reg.next_inspection_ymd = TODAY - 1;
}
static void
c_due_today(s_world_t *w)
{
    w->reg.next_inspection_ymd = TODAY;
}
static void
c_overdue_update(s_world_t *w)
{
    w->cyl.has_next_inspection_ymd = 1;
    w->cyl.next_inspection_ymd = TODAY - 1;
}
static void
c_no_date(s_world_t *w)
{
    w->reg.has_next_inspection_ymd = 0;
}
static void
c_empty(s_world_t *w)
{
    w->cyl.custody = LPG__CUSTODY__CUSTODY_EMPTY_AT_STATION;
}
static void
c_at_user(s_world_t *w)
{
    w->cyl.custody = LPG__CUSTODY__CUSTODY_AT_USER;
}
static void
c_transit(s_world_t *w)
{
    w->cyl.custody = LPG__CUSTODY__CUSTODY_IN_TRANSIT;
}
static void
c_full(s_world_t *w)
{
    w->cyl.custody = LPG__CUSTODY__CUSTODY_FULL_AT_STATION;
}
static void
c_other_holder(s_world_t *w)
{
    w->cyl.holder = "U2";
}
static void
c_no_user(s_world_t *w)
{
    w->in.user = NULL;
}
static void
c_user_other(s_world_t *w)
{
    w->user_add.company = "C2";
}
static void
c_erased(s_world_t *w)
{
    w->user.has_erased_seq = 1;
    w->user.erased_seq = 7;
}
/*  U1's certificate issued anew by key with these fields. */
static void
s_reissue(s_world_t *w, const lpg_key_t *key, const char *resolver,
          const char *company, const char *user, const char *no,
          uint32_t until)
{
    assert_int_equal(lpg_gascert_issue(w->cert, sizeof w->cert, key, resolver,
                                       company, user, no, until),
                     LPG_OK);
}
static void
c_cert_wrong(s_world_t *w)
{
    s_reissue(w, s_admin, RESOLVER, "C1", "U1", "GC-002", TODAY);
}
static void
c_cert_none(s_world_t *w)
{
    w->in.gas_cert = "";
}
static void
c_cert_null(s_world_t *w)
{
    w->in.gas_cert = NULL;
}
static void
c_cert_unreg(s_world_t *w)
{
    w->user_add.gas_cert_no = NULL;
}
static void
c_cert_number(s_world_t *w)
{
    w->in.gas_cert = "GC-001";
}
static void
c_cert_host(s_world_t *w)
{
    s_reissue(w, s_admin, "qr.example.org", "C1", "U1", "GC-001", TODAY);
}
static void
c_cert_any_host(s_world_t *w)
{
    c_cert_host(w);
    w->in.resolver = NULL;
}
static void
c_signer_unknown(s_world_t *w)
{
    w->in.gas_cert_signer = NULL;
}
static void
c_signer_handheld(s_world_t *w)
{
    w->admin.role = LPG__ROLE__ROLE_HANDHELD;
}
static void
c_signer_other_company(s_world_t *w)
{
    w->admin.company = "C2";
}
static void
c_signer_revoked(s_world_t *w)
{
    w->admin.has_revoked_seq = 1;
    w->admin.revoked_seq = 12;
    w->admin.revoke_reason = "key lost";
}
static void
c_cert_flipped(s_world_t *w)
{
    /* A character in the middle of the signature changed. */
    char *p = w->cert + strlen(w->cert) - 40;
    *p = *p == 'A' ? 'B' : 'A';
}
static void
c_cert_other_key(s_world_t *w)
{
    /* Signed by a key that is not the admin's, the admin's looked up. */
    s_reissue(w, s_other, RESOLVER, "C1", "U1", "GC-001", TODAY);
}
static void
c_cert_other_user(s_world_t *w)
{
    s_reissue(w, s_admin, RESOLVER, "C1", "U2", "GC-001", TODAY);
}
static void
c_cert_other_company(s_world_t *w)
{
    s_reissue(w, s_admin, RESOLVER, "C2", "U1", "GC-001", TODAY);
}
static void
c_cert_expired(s_world_t *w)
{
    s_reissue(w, s_admin, RESOLVER, "C1", "U1", "GC-001", TODAY - 1);
}
static void
c_cert_expired_event_day(s_world_t *w)
{
    /* Delivered yesterday, reported today: judged by yesterday. */
    c_cert_expired(w);
    w->in.event_ymd = TODAY - 1;
}
static void
c_cert_expired_later(s_world_t *w)
{
    w->in.event_ymd = TODAY + 1;
}
static void
c_cert_other_user_number(s_world_t *w)
{
    s_reissue(w, s_admin, RESOLVER, "C1", "U2", "GC-002", TODAY);
}
static void
c_cert_all_wrong(s_world_t *w)
{
    s_reissue(w, s_admin, RESOLVER, "C1", "U1", "GC-002", TODAY - 1);
    c_cert_flipped(w);
    c_signer_revoked(w);
    c_signer_other_company(w);
}
static void
c_cert_other_all_wrong(s_world_t *w)
{
    s_reissue(w, s_admin, RESOLVER, "C1", "U2", "GC-002", TODAY - 1);
    c_cert_flipped(w);
}
static void
c_restaurant(s_world_t *w)
{
    w->user_add.kind = LPG__USER_KIND__USER_RESTAURANT;
}
static void
c_restaurant_alarm(s_world_t *w)
{
    c_restaurant(w);
    w->user_add.has_leak_alarm = 1;
    w->user_add.leak_alarm = 1;
}
static void
c_restaurant_alarm_off(s_world_t *w)
{
    c_restaurant(w);
    w->user_add.has_leak_alarm = 1;
    w->user_add.leak_alarm = 0;
}
static void
c_hazard(s_world_t *w)
{
    w->in.hazard = "H-9 basement storage";
}
static void
c_check_fail(s_world_t *w)
{
    w->items[0].ok = 0;
    w->items[3].ok = 0;
}
/*  Leaves item k (0..5: hose regulator valve leak stove storage) out. */
static void
s_drop_item(s_world_t *w, size_t k)
{
    for (size_t i = k; i + 1 < w->in.n_checks; i++)
        w->item_ptrs[i] = w->item_ptrs[i + 1];
    w->in.n_checks--;
}
static void
c_no_checklist(s_world_t *w)
{
    w->in.n_checks = 0;
}
static void
c_no_checks_at_all(s_world_t *w)
{
    w->in.checks = NULL;
    w->in.n_checks = 0;
}
static void
c_no_hose(s_world_t *w)
{
    s_drop_item(w, 0);
}
static void
c_no_leak(s_world_t *w)
{
    s_drop_item(w, 3);
}
static void
c_no_stove(s_world_t *w)
{
    s_drop_item(w, 4);
}
static void
c_no_storage(s_world_t *w)
{
    s_drop_item(w, 5);
}
static void
c_only_four(s_world_t *w)
{
    w->in.n_checks = 4;
}
static void
c_extra_item(s_world_t *w)
{
    w->in.n_checks = 7;
}
static void
c_business(s_world_t *w)
{
    w->user_add.kind = LPG__USER_KIND__USER_BUSINESS;
}
static void
c_business_no_stove(s_world_t *w)
{
    c_business(w);
    c_no_stove(w);
}
static void
c_business_no_storage(s_world_t *w)
{
    c_business(w);
    c_no_storage(w);
}
static void
c_restaurant_no_stove(s_world_t *w)
{
    c_restaurant_alarm(w);
    c_no_stove(w);
}
static void
c_kind_unknown_four(s_world_t *w)
{
    w->user_add.kind = LPG__USER_KIND__USER_UNKNOWN;
    c_only_four(w);
}
static void
c_no_user_four(s_world_t *w)
{
    w->in.user = NULL;
    c_only_four(w);
}
static void
c_failed_is_reported(s_world_t *w)
{
    w->items[4].ok = 0; /* stove: reported, failed */
}
static void
c_failed_and_missing(s_world_t *w)
{
    w->items[0].ok = 0;
    c_no_storage(w);
}
static void
c_late(s_world_t *w)
{
    w->in.time_ms = NOW_MS - LIMIT_MS - 1;
}
static void
c_just_in_time(s_world_t *w)
{
    w->in.time_ms = NOW_MS - LIMIT_MS;
}
static void
c_future(s_world_t *w)
{
    w->in.time_ms = NOW_MS + 3600000;
}
static void
c_late_refused(s_world_t *w)
{
    c_late(w);
    c_permit(w);
}
static void
c_many(s_world_t *w)
{
    c_cert(w);
    c_permit(w);
    c_cert_wrong(w);
    c_restaurant(w);
    c_hazard(w);
    c_empty(w);
}

/*  The label scanned at the step (Event.code): the cylinder was
 *  relabelled to revision 2 (its record says so). */
static lpg_code_t s_label;
static void
c_label(s_world_t *w, uint32_t rev, const char *grai)
{
    memset(&s_label, 0, sizeof s_label);
    snprintf(s_label.grai, sizeof s_label.grai, "%s", grai);
    s_label.revision = rev;
    w->cyl.has_code_revision = 1;
    w->cyl.code_revision = 2;
    w->in.code = &s_label;
}
static void
c_old_label(s_world_t *w)
{
    c_label(w, 1, GRAI);
}
static void
c_new_label(s_world_t *w)
{
    c_label(w, 2, GRAI);
}
static void
c_unissued_label(s_world_t *w)
{
    c_label(w, 3, GRAI);
}
static void
c_old_label_late(s_world_t *w)
{
    c_old_label(w);
    c_late(w);
}

#define D LPG_DELIVERY_DISPATCH
#define V LPG_DELIVERY_DELIVER
#define C LPG_DELIVERY_COLLECT
#define R LPG_DELIVERY_RETURN

/*  The step carries the cylinder's code: verified, forged (no cylinder
 *  named then), a Caps Lock swap, an old or a newer revision. */
static void
s_code(s_world_t *w, int rc, uint32_t revision)
{
    snprintf(w->code.grai, sizeof w->code.grai, "%s", GRAI);
    w->code.revision = revision;
    w->in.code = &w->code;
    w->in.code_rc = rc;
    if (rc != LPG_OK && rc != LPG_ECODE_CASE) {
        w->in.cylinder_id = NULL;
        w->in.cyl = NULL;
    }
}
static void
c_code_ok(s_world_t *w)
{
    s_code(w, LPG_OK, 0);
}
static void
c_code_forged(s_world_t *w)
{
    s_code(w, LPG_ECODE_FORGED, 0);
}
static void
c_code_caps(s_world_t *w)
{
    s_code(w, LPG_ECODE_CASE, 0);
}
static void
c_code_old(s_world_t *w)
{
    w->reg.has_code_revision = 1;
    w->reg.code_revision = 2;
    s_code(w, LPG_OK, 1);
}
static void
c_code_newer(s_world_t *w)
{
    s_code(w, LPG_OK, 3);
}
static void
c_code_forged_late(s_world_t *w)
{
    c_code_forged(w);
    w->in.time_ms = NOW_MS - LIMIT_MS - 1;
    w->staff_add.cert_until_ymd = TODAY - 1;
}

static const s_case_t s_cases[] = {
    {"a verified code, dispatch", D, c_code_ok, "", true},
    {"a verified code, delivery", V, c_code_ok, "", true},
    {"a forged code at dispatch: no cylinder, no custody", D, c_code_forged,
     "CODE_FORGED", false},
    {"a forged code at the door", V, c_code_forged, "CODE_FORGED", false},
    {"a forged code at collection", C, c_code_forged, "CODE_FORGED", false},
    {"a forged code at return", R, c_code_forged, "CODE_FORGED", false},
    {"a forged code: the rest judged too", R, c_code_forged_late,
     "CODE_FORGED DRIVER_CERT_EXPIRED LATE", false},
    {"a Caps Lock swap, as at the fill gate", D, c_code_caps, "CODE_CAPSLOCK",
     false},
    {"a superseded label", V, c_code_old, "CODE_SUPERSEDED", false},
    {"a revision never registered", C, c_code_newer, "CODE_UNREGISTERED",
     false},
    {"dispatch clean", D, c_none, "", true},
    {"deliver clean", V, c_none, "", true},
    {"collect clean", C, c_none, "", true},
    {"return clean", R, c_none, "", true},
    {"return of an undelivered full", R, c_transit, "", true},
    {"the old label of a relabelled cylinder", D, c_old_label,
     "CODE_SUPERSEDED", false},
    {"the old label at the door", V, c_old_label, "CODE_SUPERSEDED", false},
    {"the old label, collected", C, c_old_label, "CODE_SUPERSEDED", false},
    {"the old label, late, returned", R, c_old_label_late,
     "CODE_SUPERSEDED LATE", false},
    {"the new label", D, c_new_label, "", true},
    {"a label never issued", V, c_unissued_label, "CODE_UNREGISTERED", false},
    {"unknown cylinder", D, c_no_cyl, "CYL_UNKNOWN", false},
    {"unknown cylinder, collect", C, c_no_cyl, "CYL_UNKNOWN", false},
    {"device not enrolled", V, c_no_device, "HANDHELD_UNKNOWN", false},
    {"device revoked", D, c_revoked, "HANDHELD_UNKNOWN", false},
    {"a station scanner", C, c_scanner, "HANDHELD_UNKNOWN", false},
    {"device of another company", R, c_dev_other, "HANDHELD_UNKNOWN", false},
    {"no such driver", D, c_no_driver, "DRIVER_UNKNOWN", false},
    {"an operator, not a driver", V, c_not_driver, "DRIVER_UNKNOWN", false},
    {"driver of another company", C, c_driver_other, "DRIVER_UNKNOWN", false},
    {"driver cert expired, dispatch", D, c_cert, "DRIVER_CERT_EXPIRED", false},
    {"driver cert expired, deliver", V, c_cert, "DRIVER_CERT_EXPIRED", false},
    {"driver cert expired, collect", C, c_cert, "DRIVER_CERT_EXPIRED", false},
    {"driver cert expired, return", R, c_cert, "DRIVER_CERT_EXPIRED", false},
    {"no such vehicle", V, c_no_vehicle, "VEHICLE_UNKNOWN", false},
    {"vehicle of another company", D, c_vehicle_other, "VEHICLE_UNKNOWN",
     false},
    {"permit expired, dispatch", D, c_permit, "VEHICLE_PERMIT_EXPIRED", false},
    {"permit expired, deliver", V, c_permit, "VEHICLE_PERMIT_EXPIRED", false},
    {"permit expired, collect", C, c_permit, "VEHICLE_PERMIT_EXPIRED", false},
    {"permit expired, return", R, c_permit, "VEHICLE_PERMIT_EXPIRED", false},
    {"no such station", D, c_no_site, "STATION_UNKNOWN", false},
    {"station of another company", R, c_site_other, "STATION_UNKNOWN", false},
    {"scrapped", D, c_scrapped, "SCRAPPED", false},
    {"quarantined", D, c_held, "QUARANTINED", false},
    {"inspection overdue", D, c_overdue, "INSPECTION_OVERDUE", false},
    {"inspection due today", D, c_due_today, "", true},
    {"inspection date updated past", D, c_overdue_update, "INSPECTION_OVERDUE",
     false},
    {"no inspection date", D, c_no_date, "INSPECTION_OVERDUE", false},
    {"dispatch of an empty", D, c_empty, "WRONG_CUSTODY", false},
    {"dispatch twice", D, c_transit, "WRONG_CUSTODY", false},
    {"deliver a full still at the station", V, c_full, "WRONG_CUSTODY", false},
    {"deliver twice", V, c_at_user, "WRONG_CUSTODY", false},
    {"collect one in transit", C, c_transit, "WRONG_CUSTODY", false},
    {"collect from the wrong user", C, c_other_holder, "WRONG_CUSTODY", false},
    {"return one at a user", R, c_at_user, "WRONG_CUSTODY", false},
    {"return an empty already back", R, c_empty, "WRONG_CUSTODY", false},
    {"no such user", V, c_no_user, "USER_UNKNOWN", false},
    {"user of another company", V, c_user_other, "USER_UNKNOWN", false},
    {"user erased", V, c_erased, "USER_UNKNOWN", false},
    {"collect from an erased user", C, c_erased, "", true},
    {"collect from no such user", C, c_no_user, "USER_UNKNOWN", false},
    {"certificate number differs", V, c_cert_wrong, "GAS_CERT_MISMATCH",
     false},
    {"no certificate scanned", V, c_cert_none, "GAS_CERT_MISSING", false},
    {"no certificate at all", V, c_cert_null, "GAS_CERT_MISSING", false},
    {"no certificate registered", V, c_cert_unreg, "GAS_CERT_MISMATCH", false},
    {"a bare certificate number", V, c_cert_number, "GAS_CERT_MALFORMED",
     false},
    {"a certificate of another resolver", V, c_cert_host, "GAS_CERT_MALFORMED",
     false},
    {"any resolver when none is set", V, c_cert_any_host, "", true},
    {"signer not enrolled", V, c_signer_unknown, "GAS_CERT_NOT_ISSUER", false},
    {"signer a handheld", V, c_signer_handheld, "GAS_CERT_NOT_ISSUER", false},
    {"signer of another company", V, c_signer_other_company,
     "GAS_CERT_NOT_ISSUER", false},
    {"signer revoked", V, c_signer_revoked, "GAS_CERT_REVOKED", false},
    {"a flipped signature character", V, c_cert_flipped, "GAS_CERT_FORGED",
     false},
    {"signed by another key", V, c_cert_other_key, "GAS_CERT_FORGED", false},
    {"another user's certificate", V, c_cert_other_user, "GAS_CERT_OTHER_USER",
     false},
    {"a certificate of another company's user", V, c_cert_other_company,
     "GAS_CERT_OTHER_USER", false},
    {"another user's, with that user's number", V, c_cert_other_user_number,
     "GAS_CERT_OTHER_USER", false},
    {"certificate expired", V, c_cert_expired, "GAS_CERT_EXPIRED", false},
    {"valid on the event's day", V, c_cert_expired_event_day, "", true},
    {"expired by the event's day", V, c_cert_expired_later, "GAS_CERT_EXPIRED",
     false},
    {"every certificate fault at once", V, c_cert_all_wrong,
     "GAS_CERT_NOT_ISSUER GAS_CERT_REVOKED GAS_CERT_FORGED "
     "GAS_CERT_MISMATCH GAS_CERT_EXPIRED",
     false},
    {"another user's, expired and forged", V, c_cert_other_all_wrong,
     "GAS_CERT_FORGED GAS_CERT_OTHER_USER GAS_CERT_EXPIRED", false},
    {"restaurant, alarm unknown", V, c_restaurant, "NO_LEAK_ALARM", false},
    {"restaurant, alarm off", V, c_restaurant_alarm_off, "NO_LEAK_ALARM",
     false},
    {"restaurant with a working alarm", V, c_restaurant_alarm, "", true},
    {"open major hazard", V, c_hazard, "USER_HAZARD", false},
    {"two failed safety checks", V, c_check_fail,
     "SAFETY_CHECK_FAILED SAFETY_CHECK_FAILED", false},
    {"the full 随瓶安检 with one more item", V, c_extra_item, "", true},
    {"no checklist: every item missing", V, c_no_checklist,
     "SAFETY_CHECK_MISSING SAFETY_CHECK_MISSING SAFETY_CHECK_MISSING "
     "SAFETY_CHECK_MISSING SAFETY_CHECK_MISSING SAFETY_CHECK_MISSING",
     false},
    {"no checklist sent at all", V, c_no_checks_at_all,
     "SAFETY_CHECK_MISSING SAFETY_CHECK_MISSING SAFETY_CHECK_MISSING "
     "SAFETY_CHECK_MISSING SAFETY_CHECK_MISSING SAFETY_CHECK_MISSING",
     false},
    {"hose not checked", V, c_no_hose, "SAFETY_CHECK_MISSING", false},
    {"no leak test", V, c_no_leak, "SAFETY_CHECK_MISSING", false},
    {"a household's stove not checked", V, c_no_stove, "SAFETY_CHECK_MISSING",
     false},
    {"a household's storage not checked", V, c_no_storage,
     "SAFETY_CHECK_MISSING", false},
    {"a household: the four of the cylinder are not enough", V, c_only_four,
     "SAFETY_CHECK_MISSING SAFETY_CHECK_MISSING", false},
    {"a restaurant's stove not checked", V, c_restaurant_no_stove,
     "SAFETY_CHECK_MISSING", false},
    {"a business has no stove to check", V, c_business_no_stove, "", true},
    {"a business's storage not checked", V, c_business_no_storage,
     "SAFETY_CHECK_MISSING", false},
    {"a user of no known kind: as a household", V, c_kind_unknown_four,
     "SAFETY_CHECK_MISSING SAFETY_CHECK_MISSING", false},
    {"no user on record: as a household", V, c_no_user_four,
     "USER_UNKNOWN SAFETY_CHECK_MISSING SAFETY_CHECK_MISSING", false},
    {"a failed item is reported, not missing", V, c_failed_is_reported,
     "SAFETY_CHECK_FAILED", false},
    {"one failed, one missing", V, c_failed_and_missing,
     "SAFETY_CHECK_MISSING SAFETY_CHECK_FAILED", false},
    {"a dispatch carries no checklist", D, c_no_checklist, "", true},
    {"late", V, c_late, "LATE", true},
    {"at the limit, not late", D, c_just_in_time, "", true},
    {"a device clock ahead", C, c_future, "", true},
    {"late and refused", R, c_late_refused, "VEHICLE_PERMIT_EXPIRED LATE",
     false},
    {"many at once, in catalogue order", V, c_many,
     "DRIVER_CERT_EXPIRED VEHICLE_PERMIT_EXPIRED GAS_CERT_MISMATCH "
     "NO_LEAK_ALARM USER_HAZARD WRONG_CUSTODY",
     false},
};

static void
t_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof s_cases / sizeof s_cases[0]; i++) {
        const s_case_t *c = &s_cases[i];
        s_world_t w;
        s_world(&w, c->step);
        c->change(&w);
        lpg_verdict_t v;
        uint64_t late = 12345;
        assert_int_equal(lpg_delivery_judge(&w.in, &v, &late), LPG_OK);
        s_expect(&v, c->want, c->allow, c->what);
        if (lpg_verdict_find(&v, "LATE") >= 0)
            assert_int_equal(late, NOW_MS - w.in.time_ms);
        else
            assert_int_equal(late, 0);
    }
}

/*  A code that verified names its cylinder, one that did not names none:
 *  anything else is the caller's mistake (LPG_EINVAL, a refusal). */
static void
t_code_names(void **state)
{
    (void)state;
    s_world_t w;
    lpg_verdict_t v;
    s_world(&w, LPG_DELIVERY_DISPATCH);
    s_code(&w, LPG_OK, 0);
    snprintf(w.code.grai, sizeof w.code.grai, "06291041500213OTHER");
    assert_int_equal(lpg_delivery_judge(&w.in, &v, NULL), LPG_EINVAL);
    assert_false(v.allow);
    s_world(&w, LPG_DELIVERY_DISPATCH);
    s_code(&w, LPG_ECODE_FORGED, 0);
    w.in.cylinder_id = GRAI;
    assert_int_equal(lpg_delivery_judge(&w.in, &v, NULL), LPG_EINVAL);
    assert_false(v.allow);
    assert_true(lpg_verdict_find(&v, "CODE_FORGED") >= 0);
}

/*  The order a delivery names: none (a flag, still allowed), unknown,
 *  cancelled, another driver's, another household's: each its reason. */
static void
t_order(void **state)
{
    (void)state;
    s_world_t w;
    lpg_verdict_t v;
    s_world(&w, LPG_DELIVERY_DELIVER);
    assert_int_equal(lpg_delivery_judge(&w.in, &v, NULL), LPG_OK);
    s_expect(&v, "", true, "the household's own order");

    w.in.order_id = NULL;
    w.in.order = NULL;
    assert_int_equal(lpg_delivery_judge(&w.in, &v, NULL), LPG_OK);
    s_expect(&v, "NO_ORDER", true, "no order named");

    w.in.order_id = "O9";
    assert_int_equal(lpg_delivery_judge(&w.in, &v, NULL), LPG_OK);
    s_expect(&v, "ORDER_UNKNOWN", false, "an order nobody placed");

    s_world(&w, LPG_DELIVERY_DELIVER);
    w.order.status = LPG__ORDER_STATUS__ORDER_CANCELLED;
    w.order.driver = "DRV2";
    w.order.user = "U2";
    assert_int_equal(lpg_delivery_judge(&w.in, &v, NULL), LPG_OK);
    s_expect(&v, "ORDER_OTHER_DRIVER ORDER_OTHER_USER ORDER_CANCELLED", false,
             "a cancelled order of another driver and household");
}

/*  What the order asks for: one more cylinder than its count is
 *  ORDER_COUNT_REACHED (so is any on a delivered order), a cylinder of
 *  another spec ORDER_SPEC_MISMATCH; a cylinder registered without a
 *  spec is not judged on it. */
static void
t_order_count(void **state)
{
    (void)state;
    s_world_t w;
    lpg_verdict_t v;
    s_world(&w, LPG_DELIVERY_DELIVER);
    w.order.n_handed_seq = 1;
    assert_int_equal(lpg_delivery_judge(&w.in, &v, NULL), LPG_OK);
    s_expect(&v, "", true, "the second of two");

    w.order.n_handed_seq = 2;
    assert_int_equal(lpg_delivery_judge(&w.in, &v, NULL), LPG_OK);
    s_expect(&v, "ORDER_COUNT_REACHED", false, "a third of two");
    int i = lpg_verdict_find(&v, "ORDER_COUNT_REACHED");
    assert_true(i >= 0);
    assert_non_null(strstr(v.reasons[i].en, "2 of 2 handed over already"));
    assert_non_null(strstr(v.reasons[i].zh, "已送达 2 瓶，订购 2 瓶"));

    w.order.n_handed_seq = 0;
    w.order.status = LPG__ORDER_STATUS__ORDER_DELIVERED;
    assert_int_equal(lpg_delivery_judge(&w.in, &v, NULL), LPG_OK);
    s_expect(&v, "ORDER_COUNT_REACHED", false, "any on a delivered order");

    s_world(&w, LPG_DELIVERY_DELIVER);
    w.reg.spec = "YSP-50";
    assert_int_equal(lpg_delivery_judge(&w.in, &v, NULL), LPG_OK);
    s_expect(&v, "ORDER_SPEC_MISMATCH", false, "a YSP-50 for a YSP15 order");
    i = lpg_verdict_find(&v, "ORDER_SPEC_MISMATCH");
    assert_true(i >= 0);
    assert_non_null(strstr(v.reasons[i].en, "cylinder YSP-50, ordered YSP15"));

    w.reg.spec = NULL;
    assert_int_equal(lpg_delivery_judge(&w.in, &v, NULL), LPG_OK);
    s_expect(&v, "", true, "no spec on record: not judged on it");

    w.reg.spec = "YSP-50";
    w.order.n_handed_seq = 2;
    assert_int_equal(lpg_delivery_judge(&w.in, &v, NULL), LPG_OK);
    s_expect(&v, "ORDER_COUNT_REACHED ORDER_SPEC_MISMATCH", false,
             "both, in catalogue order");

    static const struct {
        const char *a, *b;
        bool same;
    } specs[] = {
        {"YSP-15", "YSP15", true},     {"ysp 15", "YSP-15", true},
        {"YSP_5", "ysp5", true},       {"YSP-15", "YSP-150", false},
        {"YSP-5", "YSP-50", false},    {"YSP-15", "", false},
        {"YSP-35.5", "YSP35.5", true},
    };
    for (size_t k = 0; k < sizeof specs / sizeof *specs; k++)
        assert_int_equal(lpg_delivery_spec_same(specs[k].a, specs[k].b),
                         specs[k].same);
    assert_false(lpg_delivery_spec_same(NULL, "YSP15"));
    assert_false(lpg_delivery_spec_same("YSP15", NULL));
}

/*  An order given no certificate is judged on the one last presented at
 *  the door (gas_cert_door): when there is none, GAS_CERT_MISSING says
 *  so; when there is one, it is judged like any other. */
static void
t_door_cert(void **state)
{
    (void)state;
    s_world_t w;
    lpg_verdict_t v = {.allow = true};
    s_world(&w, LPG_DELIVERY_DELIVER);
    w.in.gas_cert_door = true;
    lpg_delivery_check_household(&v, &w.in, "C1");
    lpg_verdict_sort(&v);
    s_expect(&v, "", true, "the door's certificate, good");

    w.in.gas_cert = NULL;
    v = (lpg_verdict_t){.allow = true};
    lpg_delivery_check_household(&v, &w.in, "C1");
    lpg_verdict_sort(&v);
    s_expect(&v, "GAS_CERT_MISSING", false, "none given, none at the door");
    assert_non_null(strstr(v.reasons[0].en, "none presented at this "
                                            "household's door"));
    assert_non_null(strstr(v.reasons[0].zh, "从未出示过凭证"));

    w.in.gas_cert_door = false;
    v = (lpg_verdict_t){.allow = true};
    lpg_delivery_check_household(&v, &w.in, "C1");
    lpg_verdict_sort(&v);
    s_expect(&v, "GAS_CERT_MISSING", false, "none scanned at the door");
    assert_null(strstr(v.reasons[0].en, "door"));
}

static void
t_details(void **state)
{
    (void)state;
    s_world_t w;
    lpg_verdict_t v;
    s_world(&w, LPG_DELIVERY_DELIVER);
    c_cert_wrong(&w);
    c_late(&w);
    c_check_fail(&w);
    c_hazard(&w);
    assert_int_equal(lpg_delivery_judge(&w.in, &v, NULL), LPG_OK);
    int i = lpg_verdict_find(&v, "GAS_CERT_MISMATCH");
    assert_true(i >= 0);
    assert_string_equal(v.reasons[i].detail, "No. GC-002, on record GC-001");
    i = lpg_verdict_find(&v, "LATE");
    assert_true(i >= 0);
    assert_string_equal(v.reasons[i].detail, "600 s after the event");
    i = lpg_verdict_find(&v, "SAFETY_CHECK_FAILED");
    assert_string_equal(v.reasons[i].detail, "hose");
    assert_string_equal(v.reasons[i + 1].detail, "leak");
    i = lpg_verdict_find(&v, "USER_HAZARD");
    assert_string_equal(v.reasons[i].detail, "H-9 basement storage");

    /* what is missing, by name, in both languages */
    s_world(&w, LPG_DELIVERY_DELIVER);
    c_only_four(&w);
    assert_int_equal(lpg_delivery_judge(&w.in, &v, NULL), LPG_OK);
    assert_int_equal(v.n, 2);
    assert_string_equal(v.reasons[0].token, "SAFETY_CHECK_MISSING");
    assert_string_equal(v.reasons[0].detail, "stove");
    assert_string_equal(v.reasons[0].en,
                        "safety check at delivery not done: no supply: "
                        "stove");
    assert_string_equal(v.reasons[0].zh,
                        "随瓶安检项目未检查，不得供气：灶具熄火保护（stove）");
    assert_string_equal(v.reasons[1].detail, "storage");
    assert_string_equal(
        v.reasons[1].zh,
        "随瓶安检项目未检查，不得供气：气瓶存放位置（storage）");

    s_world(&w, LPG_DELIVERY_COLLECT);
    c_other_holder(&w);
    assert_int_equal(lpg_delivery_judge(&w.in, &v, NULL), LPG_OK);
    assert_string_equal(v.reasons[0].detail, "at another user");
}

static void
t_cert_details(void **state)
{
    (void)state;
    s_world_t w;
    lpg_verdict_t v;
    s_world(&w, LPG_DELIVERY_DELIVER);
    c_cert_all_wrong(&w);
    assert_int_equal(lpg_delivery_judge(&w.in, &v, NULL), LPG_OK);
    static const char *const want[][2] = {
        {"GAS_CERT_NOT_ISSUER", "signed by C2"},
        {"GAS_CERT_REVOKED", "key lost"},
        {"GAS_CERT_MISMATCH",
         "on record GC-001; its number not shown: the signature does not "
         "verify"},
        {"GAS_CERT_EXPIRED", "valid until 20260314"},
    };
    for (size_t k = 0; k < sizeof want / sizeof *want; k++) {
        int i = lpg_verdict_find(&v, want[k][0]);
        assert_true(i >= 0);
        assert_string_equal(v.reasons[i].detail, want[k][1]);
    }
    int i = lpg_verdict_find(&v, "GAS_CERT_FORGED");
    assert_true(i >= 0);
    assert_string_equal(v.reasons[i].detail, "");
    assert_non_null(strstr(v.reasons[i].zh, "伪造"));

    s_world(&w, LPG_DELIVERY_DELIVER);
    c_cert_other_user_number(&w);
    assert_int_equal(lpg_delivery_judge(&w.in, &v, NULL), LPG_OK);
    assert_string_equal(v.reasons[0].detail, "issued to U2 of C1");
    s_world(&w, LPG_DELIVERY_DELIVER);
    c_cert_host(&w);
    assert_int_equal(lpg_delivery_judge(&w.in, &v, NULL), LPG_OK);
    assert_non_null(strstr(v.reasons[0].detail, "qr.example.org"));
    s_world(&w, LPG_DELIVERY_DELIVER);
    c_signer_unknown(&w);
    assert_int_equal(lpg_delivery_judge(&w.in, &v, NULL), LPG_OK);
    assert_string_equal(v.reasons[0].detail, "its key is not enrolled");
}

/*  Replaces the first occurrence of from in the world's certificate. */
static void
s_edit_cert(s_world_t *w, const char *from, const char *to)
{
    char *p = strstr(w->cert, from);
    assert_non_null(p);
    char rest[sizeof w->cert];
    snprintf(rest, sizeof rest, "%s", p + strlen(from));
    snprintf(p, sizeof w->cert - (size_t)(p - w->cert), "%s%s", to, rest);
}

/*  True if any text of v holds s. */
static bool
s_verdict_says(const lpg_verdict_t *v, const char *s)
{
    for (size_t i = 0; i < v->n; i++)
        if (strstr(v->reasons[i].detail, s) || strstr(v->reasons[i].en, s) ||
            strstr(v->reasons[i].zh, s))
            return true;
    return false;
}

/*  Every text of v is UTF-8 without control characters. */
static void
s_verdict_text(const lpg_verdict_t *v)
{
    for (size_t i = 0; i < v->n; i++) {
        assert_int_equal(lpg_string_check(v->reasons[i].detail, 1000), LPG_OK);
        assert_int_equal(lpg_string_check(v->reasons[i].en, 1000), LPG_OK);
        assert_int_equal(lpg_string_check(v->reasons[i].zh, 1000), LPG_OK);
    }
}

/*  Whatever names a certificate that does not verify claims is anyone's
 *  text: it is judged, but never copied into a reason (the reasons are
 *  signed into the ledger). */
static void
t_cert_unverified(void **state)
{
    (void)state;
    static const char unshown[] = "not shown: the signature does not verify";
    s_world_t w;
    lpg_verdict_t v;
    /* Another user's, forged: the names it claims are not shown. */
    s_world(&w, LPG_DELIVERY_DELIVER);
    s_reissue(&w, s_admin, RESOLVER, "C1", "INJECTED", "GC-001", TODAY);
    c_cert_flipped(&w);
    assert_int_equal(lpg_delivery_judge(&w.in, &v, NULL), LPG_OK);
    s_expect(&v, "GAS_CERT_FORGED GAS_CERT_OTHER_USER", false, "forged");
    int i = lpg_verdict_find(&v, "GAS_CERT_OTHER_USER");
    assert_string_equal(v.reasons[i].detail, unshown);
    assert_non_null(strstr(v.reasons[i].zh, "签名未通过验证"));
    assert_false(s_verdict_says(&v, "INJECTED"));
    /* Signed by a key that is not the one it names: the same. */
    s_world(&w, LPG_DELIVERY_DELIVER);
    s_reissue(&w, s_other, RESOLVER, "INJECTED-CO", "U1", "GC-001", TODAY);
    assert_int_equal(lpg_delivery_judge(&w.in, &v, NULL), LPG_OK);
    s_expect(&v, "GAS_CERT_FORGED GAS_CERT_OTHER_USER", false, "other key");
    assert_false(s_verdict_says(&v, "INJECTED"));
    /* Another number, forged: the number on record only. */
    s_world(&w, LPG_DELIVERY_DELIVER);
    s_reissue(&w, s_admin, RESOLVER, "C1", "U1", "INJECTED-NO", TODAY);
    c_cert_flipped(&w);
    assert_int_equal(lpg_delivery_judge(&w.in, &v, NULL), LPG_OK);
    s_expect(&v, "GAS_CERT_FORGED GAS_CERT_MISMATCH", false, "number");
    i = lpg_verdict_find(&v, "GAS_CERT_MISMATCH");
    assert_string_equal(v.reasons[i].detail,
                        "on record GC-001; its number not shown: the "
                        "signature does not verify");
    assert_false(s_verdict_says(&v, "INJECTED"));
    /* With a signer that is no admin's and verifies, names are shown. */
    s_world(&w, LPG_DELIVERY_DELIVER);
    c_cert_other_user(&w);
    c_signer_handheld(&w);
    assert_int_equal(lpg_delivery_judge(&w.in, &v, NULL), LPG_OK);
    i = lpg_verdict_find(&v, "GAS_CERT_OTHER_USER");
    assert_string_equal(v.reasons[i].detail, "issued to U2 of C1");
    /* Escapes that decode to no UTF-8, in each field, with or without a
     * signature that could verify: malformed, and the bytes go nowhere. */
    static const char *const edits[][2] = {
        {"/gc/C1/", "/gc/%FF%FE/"},
        {"/U1?", "/%FF%FE?"},
        {"n=GC-001", "n=%C3%28"},
        {"n=GC-001", "n=GC%C2%85"},
    };
    for (size_t k = 0; k < sizeof edits / sizeof *edits; k++) {
        s_world(&w, LPG_DELIVERY_DELIVER);
        s_edit_cert(&w, edits[k][0], edits[k][1]);
        assert_int_equal(lpg_delivery_judge(&w.in, &v, NULL), LPG_OK);
        s_expect(&v, "GAS_CERT_MALFORMED", false, edits[k][1]);
        s_verdict_text(&v);
        assert_non_null(strstr(v.reasons[0].detail, "UTF-8"));
        w.in.gas_cert_signer = NULL;
        assert_int_equal(lpg_delivery_judge(&w.in, &v, NULL), LPG_OK);
        s_expect(&v, "GAS_CERT_MALFORMED", false, edits[k][1]);
        s_verdict_text(&v);
    }
}

/*  A certificate's signature checked ahead (off the write transaction,
 *  lpg_delivery_cert_check) is taken as checked when it was checked with
 *  the key the signer has on record, and checked again otherwise. */
static void
t_cert_checked_ahead(void **state)
{
    (void)state;
    s_world_t w;
    lpg_verdict_t v;
    lpg_cert_check_t ahead;
    /* Checked ahead with the admin's key and good: not checked again
     * (a signature spoiled since would otherwise be caught). */
    s_world(&w, LPG_DELIVERY_DELIVER);
    memcpy(ahead.pub, w.admin_pub, sizeof ahead.pub);
    ahead.rc = LPG_OK;
    w.in.gas_cert_check = &ahead;
    c_cert_flipped(&w);
    assert_int_equal(lpg_delivery_judge(&w.in, &v, NULL), LPG_OK);
    s_expect(&v, "", true, "checked ahead, good");
    /* Checked ahead and forged: refused as forged, its names unshown. */
    s_world(&w, LPG_DELIVERY_DELIVER);
    s_reissue(&w, s_admin, RESOLVER, "C1", "INJECTED", "GC-001", TODAY);
    memcpy(ahead.pub, w.admin_pub, sizeof ahead.pub);
    ahead.rc = LPG_ECERT_FORGED;
    w.in.gas_cert_check = &ahead;
    assert_int_equal(lpg_delivery_judge(&w.in, &v, NULL), LPG_OK);
    s_expect(&v, "GAS_CERT_FORGED GAS_CERT_OTHER_USER", false,
             "checked ahead, forged");
    assert_false(s_verdict_says(&v, "INJECTED"));
    /* Checked ahead with another key than the one on record: checked
     * here, with the key on record. */
    s_world(&w, LPG_DELIVERY_DELIVER);
    lpg_key_raw_public(s_other, ahead.pub);
    ahead.rc = LPG_OK;
    w.in.gas_cert_check = &ahead;
    c_cert_flipped(&w);
    assert_int_equal(lpg_delivery_judge(&w.in, &v, NULL), LPG_OK);
    s_expect(&v, "GAS_CERT_FORGED", false, "checked ahead, another key");
    s_world(&w, LPG_DELIVERY_DELIVER);
    w.in.gas_cert_check = &ahead;
    assert_int_equal(lpg_delivery_judge(&w.in, &v, NULL), LPG_OK);
    s_expect(&v, "", true, "checked ahead with another key, good here");
    /* The signer's own faults are judged either way. */
    s_world(&w, LPG_DELIVERY_DELIVER);
    memcpy(ahead.pub, w.admin_pub, sizeof ahead.pub);
    ahead.rc = LPG_OK;
    w.in.gas_cert_check = &ahead;
    c_signer_revoked(&w);
    assert_int_equal(lpg_delivery_judge(&w.in, &v, NULL), LPG_OK);
    s_expect(&v, "GAS_CERT_REVOKED", false, "checked ahead, signer revoked");
}

/*  The holding limit by the user's kind: one rule for an order and for
 *  report anomalies. */
static void
t_holding_max(void **state)
{
    (void)state;
    s_world_t w;
    s_world(&w, LPG_DELIVERY_DELIVER);
    assert_int_equal(lpg_user_holding_max(&w.user, 2, 10), 2);
    w.user_add.kind = LPG__USER_KIND__USER_UNKNOWN;
    assert_int_equal(lpg_user_holding_max(&w.user, 2, 10), 2);
    w.user_add.kind = LPG__USER_KIND__USER_RESTAURANT;
    assert_int_equal(lpg_user_holding_max(&w.user, 2, 10), 10);
    w.user_add.kind = LPG__USER_KIND__USER_BUSINESS;
    assert_int_equal(lpg_user_holding_max(&w.user, 2, 10), 10);
    w.user.add = NULL;
    assert_int_equal(lpg_user_holding_max(&w.user, 2, 10), 2);
    assert_int_equal(lpg_user_holding_max(NULL, 2, 10), 2);
}

static void
t_bad_input(void **state)
{
    (void)state;
    s_world_t w;
    lpg_verdict_t v;
    s_world(&w, LPG_DELIVERY_DISPATCH);
    w.in.cylinder_id = "06291041500213OTHER";
    assert_int_equal(lpg_delivery_judge(&w.in, &v, NULL), LPG_EINVAL);
    s_expect(&v, "CYL_UNKNOWN", false, "another cylinder looked up");
    s_world(&w, LPG_DELIVERY_DISPATCH);
    w.in.today_ymd = 0;
    assert_int_equal(lpg_delivery_judge(&w.in, &v, NULL), LPG_EINVAL);
    assert_false(v.allow);
}

static void
t_unknown_cylinder_uses_device_company(void **state)
{
    (void)state;
    s_world_t w;
    lpg_verdict_t v;
    s_world(&w, LPG_DELIVERY_DISPATCH);
    w.in.cyl = NULL;
    w.staff_add.company = "C2";
    assert_int_equal(lpg_delivery_judge(&w.in, &v, NULL), LPG_OK);
    s_expect(&v, "CYL_UNKNOWN DRIVER_UNKNOWN", false, "driver of C2");
}

static void
t_steps_and_keys(void **state)
{
    (void)state;
    Lpg__Event e = LPG__EVENT__INIT;
    e.body_case = LPG__EVENT__BODY_DISPATCH;
    assert_int_equal(lpg_delivery_step_of(&e), LPG_DELIVERY_DISPATCH);
    e.body_case = LPG__EVENT__BODY_DELIVERY;
    assert_int_equal(lpg_delivery_step_of(&e), LPG_DELIVERY_DELIVER);
    e.body_case = LPG__EVENT__BODY_COLLECTION;
    assert_int_equal(lpg_delivery_step_of(&e), LPG_DELIVERY_COLLECT);
    e.body_case = LPG__EVENT__BODY_STATION_RETURN;
    assert_int_equal(lpg_delivery_step_of(&e), LPG_DELIVERY_RETURN);
    e.body_case = LPG__EVENT__BODY_FILL_CHECK;
    assert_int_equal(lpg_delivery_step_of(&e), -1);

    char key[16];
    assert_int_equal(lpg_delivery_hazard_key(key, sizeof key, "U-42"), LPG_OK);
    assert_string_equal(key, "user/U-42");
    assert_int_equal(lpg_delivery_hazard_key(key, sizeof key, ""), LPG_EINVAL);
    assert_int_equal(lpg_delivery_hazard_key(key, 8, "U-42"), LPG_ERANGE);
    assert_string_equal(key, "");

    const lpg_reason_t *r = lpg_reason("LATE");
    assert_non_null(r);
    assert_int_equal(r->kind, LPG_REASON_FLAG);
    r = lpg_reason("GAS_CERT_MISMATCH");
    assert_non_null(r);
    assert_int_equal(r->kind, LPG_REASON_REFUSAL);
    assert_false(r->overridable);
}

static void
t_late_config(void **state)
{
    (void)state;
    char dir[] = "/tmp/lpgtest-delivery-XXXXXX";
    assert_non_null(mkdtemp(dir));
    lpg_config_t *cfg = NULL;
    assert_int_equal(lpg_config_load(&cfg, dir, NULL, 0), LPG_OK);
    uint64_t ms = 0;
    assert_int_equal(lpg_delivery_late_from_config(&ms, cfg, NULL, 0), LPG_OK);
    assert_int_equal(ms, 600000);
    assert_int_equal(lpg_config_set(cfg, "delivery.late_ms", "-5"), LPG_OK);
    char why[128] = "";
    assert_int_equal(lpg_delivery_late_from_config(&ms, cfg, why, sizeof why),
                     LPG_ECONFIG);
    assert_non_null(strstr(why, "delivery.late_ms"));
    assert_int_equal(lpg_config_set(cfg, "delivery.late_ms", "1000"), LPG_OK);
    assert_int_equal(lpg_delivery_late_from_config(&ms, cfg, NULL, 0), LPG_OK);
    assert_int_equal(ms, 1000);
    lpg_config_destroy(&cfg);
    rmdir(dir);
}

static int
s_setup(void **state)
{
    uint8_t seed[32];
    memset(seed, 0x55, sizeof seed);
    if (lpg_key_from_raw_private(&s_admin, seed) != LPG_OK)
        return -1;
    memset(seed, 0x66, sizeof seed);
    return lpg_key_from_raw_private(&s_other, seed) == LPG_OK ? 0 : -1;
}

static int
s_teardown(void **state)
{
    lpg_key_destroy(&s_admin);
    lpg_key_destroy(&s_other);
    return 0;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_table),
        cmocka_unit_test(t_code_names),
        cmocka_unit_test(t_details),
        cmocka_unit_test(t_order),
        cmocka_unit_test(t_order_count),
        cmocka_unit_test(t_door_cert),
        cmocka_unit_test(t_cert_details),
        cmocka_unit_test(t_cert_unverified),
        cmocka_unit_test(t_cert_checked_ahead),
        cmocka_unit_test(t_holding_max),
        cmocka_unit_test(t_bad_input),
        cmocka_unit_test(t_unknown_cylinder_uses_device_company),
        cmocka_unit_test(t_steps_and_keys),
        cmocka_unit_test(t_late_config),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
