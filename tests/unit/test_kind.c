/*  test_kind.c - the table of event kinds (domain/kind.h): every Event
 *  body case has exactly one row, named as in event.proto, with who may
 *  sign it and words for it; which service records each kind, against
 *  DESIGN.md §7 (the check's refusal names it, "init" counts as the
 *  registry, other writers are not services, the kind is read from
 *  SignedEvent bytes); and the cylinder's steps as a table: one cylinder
 *  walked through its life, its record after each step, and refused
 *  steps that change nothing but the counters.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "base/error.h"
#include "ledger/event.h"
#include "domain/kind.h"
#include "domain/cylinder.h"
#include "domain/fill_rules.h"

typedef struct {
    Lpg__Event__BodyCase kind;
    const char *owner;
} s_case_t;

/*  DESIGN.md §7, "Boundaries every service keeps". */
static const s_case_t s_cases[] = {
    {LPG__EVENT__BODY_DEVICE_ENROLL, "registry"},
    {LPG__EVENT__BODY_DEVICE_REVOKE, "registry"},
    {LPG__EVENT__BODY_COMPANY_ADD, "registry"},
    {LPG__EVENT__BODY_SITE_ADD, "registry"},
    {LPG__EVENT__BODY_STAFF_ADD, "registry"},
    {LPG__EVENT__BODY_VEHICLE_ADD, "registry"},
    {LPG__EVENT__BODY_USER_ADD, "registry"},
    {LPG__EVENT__BODY_PII_REVEAL, "registry"},
    {LPG__EVENT__BODY_USER_ERASE, "registry"},
    {LPG__EVENT__BODY_USER_PIN, "registry"},
    {LPG__EVENT__BODY_CYLINDER_REGISTER, "registry"},
    {LPG__EVENT__BODY_CYLINDER_UPDATE, "registry"},
    {LPG__EVENT__BODY_CYLINDER_RELABEL, "registry"},
    {LPG__EVENT__BODY_TIP, "registry"},
    {LPG__EVENT__BODY_ACCOUNT_ADD, "registry"},
    {LPG__EVENT__BODY_ACCOUNT_PASSWORD, "registry"},
    {LPG__EVENT__BODY_ACCOUNT_DISABLE, "registry"},
    {LPG__EVENT__BODY_FILL_CHECK, "filling"},
    {LPG__EVENT__BODY_FILL_RECORD, "filling"},
    {LPG__EVENT__BODY_FILL_OVERRIDE, "filling"},
    {LPG__EVENT__BODY_DISPATCH, "delivery"},
    {LPG__EVENT__BODY_DELIVERY, "delivery"},
    {LPG__EVENT__BODY_COLLECTION, "delivery"},
    {LPG__EVENT__BODY_STATION_RETURN, "delivery"},
    {LPG__EVENT__BODY_HOUSEHOLD_INSPECTION, "inspection"},
    {LPG__EVENT__BODY_HAZARD_ESCALATION, "inspection"},
    {LPG__EVENT__BODY_PERIODIC_INSPECTION, "inspection"},
    {LPG__EVENT__BODY_HAZARD_RECTIFIED, "inspection"},
    {LPG__EVENT__BODY_ORDER_PLACE, "order"},
    {LPG__EVENT__BODY_ORDER_ACCEPT, "order"},
    {LPG__EVENT__BODY_ORDER_ASSIGN, "order"},
    {LPG__EVENT__BODY_ORDER_OUT, "order"},
    {LPG__EVENT__BODY_ORDER_DELIVERED, "order"},
    {LPG__EVENT__BODY_ORDER_CANCEL, "order"},
    {LPG__EVENT__BODY_ORDER_REFUSE, "order"},
    /* a driver's look at an order's address: the registry holds the keys */
    {LPG__EVENT__BODY_ORDER_ADDRESS, "registry"},
};
#define S_N (sizeof s_cases / sizeof s_cases[0])

static const char *const s_services[] = {"registry",   "filling", "delivery",
                                         "inspection", "trace",   "order"};

/*  Every kind of the Event's oneof is in the table above: a new kind
 *  needs its owner written down here too. */
static void
t_every_kind_listed(void **state)
{
    const ProtobufCMessageDescriptor *d = &lpg__event__descriptor;
    size_t kinds = 0;
    for (unsigned i = 0; i < d->n_fields; i++) {
        if (!(d->fields[i].flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
            continue;
        kinds++;
        bool found = false;
        for (size_t k = 0; k < S_N; k++)
            found |= (unsigned)s_cases[k].kind == d->fields[i].id;
        if (!found)
            fail_msg("kind %s has no owner in this test", d->fields[i].name);
    }
    assert_int_equal(kinds, S_N);
}

static void
t_owner_of(void **state)
{
    for (size_t k = 0; k < S_N; k++)
        assert_string_equal(lpg_kind_service(s_cases[k].kind),
                            s_cases[k].owner);
    assert_null(lpg_kind_service(LPG__EVENT__BODY__NOT_SET));
}

/*  Each service: only its own kinds; the refusal names the owner. */
static void
t_check(void **state)
{
    for (size_t k = 0; k < S_N; k++) {
        for (size_t s = 0; s < 5; s++) {
            char why[256] = "";
            int rc = lpg_kind_check_service(s_services[s], s_cases[k].kind,
                                            why, sizeof why);
            if (strcmp(s_services[s], s_cases[k].owner) == 0) {
                assert_int_equal(rc, LPG_OK);
                continue;
            }
            assert_int_equal(rc, LPG_EWRONGSERVICE);
            char want[128];
            snprintf(want, sizeof want, "recorded by lpg-%sd, not by lpg-%sd",
                     s_cases[k].owner, s_services[s]);
            assert_non_null(strstr(why, want));
        }
    }
    char why[256] = "";
    assert_int_equal(lpg_kind_check_service("inspection",
                                            LPG__EVENT__BODY_FILL_CHECK, why,
                                            sizeof why),
                     LPG_EWRONGSERVICE);
    assert_string_equal(why, "a fill_check event is recorded by "
                             "lpg-fillingd, not by lpg-inspectiond: send it "
                             "there");
    assert_int_equal(lpg_kind_check_service("registry",
                                            LPG__EVENT__BODY__NOT_SET, why,
                                            sizeof why),
                     LPG_EWRONGSERVICE);
    assert_string_equal(lpg_errtoken(LPG_EWRONGSERVICE), "EWRONGSERVICE");
}

static void
t_recorded_by(void **state)
{
    assert_true(
        lpg_kind_recorded_by_owner("filling", LPG__EVENT__BODY_FILL_CHECK));
    assert_false(
        lpg_kind_recorded_by_owner("inspection", LPG__EVENT__BODY_FILL_CHECK));
    assert_false(
        lpg_kind_recorded_by_owner("gen", LPG__EVENT__BODY_FILL_CHECK));
    assert_false(
        lpg_kind_recorded_by_owner(NULL, LPG__EVENT__BODY_FILL_CHECK));
    /* lpgtrace init enrols the first keys: the registry's kind */
    assert_true(
        lpg_kind_recorded_by_owner("init", LPG__EVENT__BODY_DEVICE_ENROLL));
    assert_false(
        lpg_kind_recorded_by_owner("init", LPG__EVENT__BODY_FILL_CHECK));
    assert_false(
        lpg_kind_recorded_by_owner("trace", LPG__EVENT__BODY_FILL_CHECK));
    for (size_t s = 0; s < 5; s++)
        assert_true(lpg_kind_is_service(s_services[s]));
    assert_true(lpg_kind_is_service("init"));
    assert_false(lpg_kind_is_service("gen"));
    assert_false(lpg_kind_is_service(NULL));
    assert_false(lpg_kind_is_service("fillingd"));
}

static void
t_peek(void **state)
{
    lpg_key_t *key = NULL;
    assert_int_equal(lpg_key_generate(&key), LPG_OK);
    uint8_t id[LPG_EVENT_ID_LEN] = {1};
    Lpg__HazardRectified hr = LPG__HAZARD_RECTIFIED__INIT;
    hr.hazard = "hazard/U1/x/valve";
    Lpg__Event ev = LPG__EVENT__INIT;
    ev.event_id.data = id;
    ev.event_id.len = sizeof id;
    ev.device_time_ms = 1;
    ev.body_case = LPG__EVENT__BODY_HAZARD_RECTIFIED;
    ev.hazard_rectified = &hr;
    uint8_t *data = NULL;
    size_t len = 0;
    assert_int_equal(lpg_event_sign(&ev, key, &data, &len), LPG_OK);
    Lpg__Event__BodyCase kind;
    assert_int_equal(lpg_kind_peek(data, len, &kind), LPG_OK);
    assert_int_equal(kind, LPG__EVENT__BODY_HAZARD_RECTIFIED);
    assert_int_equal(lpg_kind_peek(data, len / 2, &kind), LPG_EMALFORMED);
    assert_int_equal(kind, LPG__EVENT__BODY__NOT_SET);
    assert_int_equal(lpg_kind_peek((const uint8_t *)"junk", 4, &kind),
                     LPG_EMALFORMED);
    free(data);
    lpg_key_destroy(&key);
}

/*  One row per oneof case, named as its proto field (the return is
 *  "return", as the scanner and the reports have always said). */
static void
t_one_row_per_kind(void **state)
{
    const ProtobufCMessageDescriptor *d = &lpg__event__descriptor;
    size_t oneof = 0, rows = 0;
    for (unsigned i = 0; i < d->n_fields; i++) {
        if (!(d->fields[i].flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
            continue;
        oneof++;
        const lpg_kind_t *k = lpg_kind_of(d->fields[i].id);
        if (!k)
            fail_msg("kind %s has no row", d->fields[i].name);
        const char *want = strcmp(d->fields[i].name, "station_return") == 0
                               ? "return"
                               : d->fields[i].name;
        assert_string_equal(k->name, want);
        assert_non_null(k->authorize);
        assert_non_null(k->describe);
        assert_non_null(k->service);
    }
    for (const lpg_kind_t *k; (k = lpg_kind_at(rows)) != NULL; rows++)
        for (size_t j = 0; j < rows; j++)
            assert_int_not_equal(lpg_kind_at(j)->body, k->body);
    assert_int_equal(rows, oneof);
    assert_null(lpg_kind_of(LPG__EVENT__BODY__NOT_SET));
    assert_string_equal(lpg_kind_name(LPG__EVENT__BODY__NOT_SET), "unknown");
}

/*  Has s a CJK character (U+4E00..U+9FFF: E4 B8 80 .. E9 BE BF)? */
static bool
s_has_chinese(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; p[0]; p++)
        if (p[0] >= 0xE4 && p[0] <= 0xE9 && p[1] >= 0x80 && p[1] <= 0xBF &&
            p[2] >= 0x80 && p[2] <= 0xBF)
            return true;
    return false;
}

/*  Every row describes its kind in words a person reads. */
static void
t_every_kind_described(void **state)
{
    Lpg__Event e = LPG__EVENT__INIT;
    Lpg__CylinderRegister reg = LPG__CYLINDER_REGISTER__INIT;
    reg.serial = "A1";
    reg.owner = "C1";
    Lpg__CylinderUpdate up = LPG__CYLINDER_UPDATE__INIT;
    Lpg__CylinderRelabel rl = LPG__CYLINDER_RELABEL__INIT;
    rl.code_revision = 2;
    rl.code = "https://x/8003/06900000000150A1?8030=x";
    rl.reason = "label worn off";
    Lpg__FillCheck fc = LPG__FILL_CHECK__INIT;
    Lpg__FillRecord fr = LPG__FILL_RECORD__INIT;
    Lpg__FillOverride fo = LPG__FILL_OVERRIDE__INIT;
    fo.reason = "r";
    Lpg__Dispatch di = LPG__DISPATCH__INIT;
    Lpg__Delivery de = LPG__DELIVERY__INIT;
    Lpg__Collection co = LPG__COLLECTION__INIT;
    Lpg__Return sr = LPG__RETURN__INIT;
    Lpg__HouseholdInspection hi = LPG__HOUSEHOLD_INSPECTION__INIT;
    Lpg__HazardEscalation he = LPG__HAZARD_ESCALATION__INIT;
    he.hazard = "hazard/U1/x/storage";
    he.to = "ST-1";
    Lpg__HazardRectified hr = LPG__HAZARD_RECTIFIED__INIT;
    hr.hazard = "hazard/U1/x/storage";
    Lpg__PeriodicInspection pi = LPG__PERIODIC_INSPECTION__INIT;
    pi.body = "IB-1";
    Lpg__DeviceEnroll en = LPG__DEVICE_ENROLL__INIT;
    Lpg__DeviceRevoke rv = LPG__DEVICE_REVOKE__INIT;
    Lpg__CompanyAdd ca = LPG__COMPANY_ADD__INIT;
    Lpg__SiteAdd sa = LPG__SITE_ADD__INIT;
    Lpg__StaffAdd st = LPG__STAFF_ADD__INIT;
    Lpg__VehicleAdd va = LPG__VEHICLE_ADD__INIT;
    va.plate = "P1";
    Lpg__UserAdd ua = LPG__USER_ADD__INIT;
    Lpg__PiiReveal pr = LPG__PII_REVEAL__INIT;
    pr.user = "U1";
    Lpg__UserErase ue = LPG__USER_ERASE__INIT;
    ue.user = "U1";
    Lpg__UserPin upin = LPG__USER_PIN__INIT;
    upin.user = "U1";
    Lpg__Tip tp = LPG__TIP__INIT;
    tp.category = "black_market";
    Lpg__AccountAdd aa = LPG__ACCOUNT_ADD__INIT;
    aa.name = "street1";
    aa.role = LPG__ACCOUNT_ROLE__ACCOUNT_STREET;
    aa.area = "ST-1";
    Lpg__AccountPassword ap = LPG__ACCOUNT_PASSWORD__INIT;
    ap.name = "street1";
    Lpg__AccountDisable ad = LPG__ACCOUNT_DISABLE__INIT;
    ad.name = "street1";
    Lpg__OrderPlace op = LPG__ORDER_PLACE__INIT;
    op.order = "O1";
    op.spec = "YSP15";
    op.count = 1;
    Lpg__OrderAccept oa = LPG__ORDER_ACCEPT__INIT;
    oa.order = "O1";
    Lpg__OrderAssign os = LPG__ORDER_ASSIGN__INIT;
    os.order = "O1";
    os.driver = "D1";
    os.vehicle = "P1";
    Lpg__OrderOut oo = LPG__ORDER_OUT__INIT;
    oo.order = "O1";
    Lpg__OrderDelivered od = LPG__ORDER_DELIVERED__INIT;
    od.order = "O1";
    Lpg__OrderCancel oc = LPG__ORDER_CANCEL__INIT;
    oc.order = "O1";
    oc.by = "household";
    oc.reason = "away";
    Lpg__OrderRefuse orf = LPG__ORDER_REFUSE__INIT;
    orf.order = "O1";
    orf.reason = "no stock";
    Lpg__OrderAddress oad = LPG__ORDER_ADDRESS__INIT;
    oad.order = "O1";
    for (size_t i = 0; lpg_kind_at(i); i++) {
        const lpg_kind_t *k = lpg_kind_at(i);
        e.body_case = k->body;
        /* every body pointer of the oneof shares one union slot */
        switch (k->body) {
        case LPG__EVENT__BODY_CYLINDER_REGISTER:
            e.cylinder_register = &reg;
            break;
        case LPG__EVENT__BODY_CYLINDER_UPDATE:
            e.cylinder_update = &up;
            break;
        case LPG__EVENT__BODY_CYLINDER_RELABEL:
            e.cylinder_relabel = &rl;
            break;
        case LPG__EVENT__BODY_FILL_CHECK:
            e.fill_check = &fc;
            break;
        case LPG__EVENT__BODY_FILL_RECORD:
            e.fill_record = &fr;
            break;
        case LPG__EVENT__BODY_FILL_OVERRIDE:
            e.fill_override = &fo;
            break;
        case LPG__EVENT__BODY_DISPATCH:
            e.dispatch = &di;
            break;
        case LPG__EVENT__BODY_DELIVERY:
            e.delivery = &de;
            break;
        case LPG__EVENT__BODY_COLLECTION:
            e.collection = &co;
            break;
        case LPG__EVENT__BODY_STATION_RETURN:
            e.station_return = &sr;
            break;
        case LPG__EVENT__BODY_HOUSEHOLD_INSPECTION:
            e.household_inspection = &hi;
            break;
        case LPG__EVENT__BODY_HAZARD_ESCALATION:
            e.hazard_escalation = &he;
            break;
        case LPG__EVENT__BODY_HAZARD_RECTIFIED:
            e.hazard_rectified = &hr;
            break;
        case LPG__EVENT__BODY_PERIODIC_INSPECTION:
            e.periodic_inspection = &pi;
            break;
        case LPG__EVENT__BODY_DEVICE_ENROLL:
            e.device_enroll = &en;
            break;
        case LPG__EVENT__BODY_DEVICE_REVOKE:
            e.device_revoke = &rv;
            break;
        case LPG__EVENT__BODY_COMPANY_ADD:
            e.company_add = &ca;
            break;
        case LPG__EVENT__BODY_SITE_ADD:
            e.site_add = &sa;
            break;
        case LPG__EVENT__BODY_STAFF_ADD:
            e.staff_add = &st;
            break;
        case LPG__EVENT__BODY_VEHICLE_ADD:
            e.vehicle_add = &va;
            break;
        case LPG__EVENT__BODY_USER_ADD:
            e.user_add = &ua;
            break;
        case LPG__EVENT__BODY_PII_REVEAL:
            e.pii_reveal = &pr;
            break;
        case LPG__EVENT__BODY_USER_ERASE:
            e.user_erase = &ue;
            break;
        case LPG__EVENT__BODY_USER_PIN:
            e.user_pin = &upin;
            break;
        case LPG__EVENT__BODY_TIP:
            e.tip = &tp;
            break;
        case LPG__EVENT__BODY_ACCOUNT_ADD:
            e.account_add = &aa;
            break;
        case LPG__EVENT__BODY_ACCOUNT_PASSWORD:
            e.account_password = &ap;
            break;
        case LPG__EVENT__BODY_ACCOUNT_DISABLE:
            e.account_disable = &ad;
            break;
        case LPG__EVENT__BODY_ORDER_PLACE:
            e.order_place = &op;
            break;
        case LPG__EVENT__BODY_ORDER_ACCEPT:
            e.order_accept = &oa;
            break;
        case LPG__EVENT__BODY_ORDER_ASSIGN:
            e.order_assign = &os;
            break;
        case LPG__EVENT__BODY_ORDER_OUT:
            e.order_out = &oo;
            break;
        case LPG__EVENT__BODY_ORDER_DELIVERED:
            e.order_delivered = &od;
            break;
        case LPG__EVENT__BODY_ORDER_CANCEL:
            e.order_cancel = &oc;
            break;
        case LPG__EVENT__BODY_ORDER_REFUSE:
            e.order_refuse = &orf;
            break;
        case LPG__EVENT__BODY_ORDER_ADDRESS:
            e.order_address = &oad;
            break;
        default:
            fail_msg("no body for %s in this test", k->name);
        }
        /* Every row says its step in English and in Chinese, accepted
         * and refused alike: the console shows both. */
        for (int ok = 0; ok < 2; ok++) {
            lpg_kind_words_t w;
            lpg_kind_describe(&e, NULL, ok, &w);
            if (!*w.step)
                fail_msg("%s says nothing", k->name);
            if (!s_has_chinese(w.step_zh))
                fail_msg("%s (%s) has no Chinese step words", k->name,
                         ok ? "accepted" : "refused");
        }
    }
    /* A relabel says which revision is the label now, and why. */
    e.body_case = LPG__EVENT__BODY_CYLINDER_RELABEL;
    e.cylinder_relabel = &rl;
    lpg_kind_words_t rw;
    lpg_kind_describe(&e, NULL, true, &rw);
    assert_string_equal(rw.step, "relabelled");
    assert_string_equal(rw.detail, "new label, code revision 2 (revision 1 "
                                   "and before void): label worn off");
    /* A failed periodic inspection says so, and what it means. */
    e.body_case = LPG__EVENT__BODY_PERIODIC_INSPECTION;
    e.periodic_inspection = &pi;
    pi.pass = false;
    lpg_kind_words_t w;
    lpg_kind_describe(&e, NULL, true, &w);
    assert_string_equal(w.step, "periodic inspection FAILED");
    assert_non_null(strstr(w.detail, "scrapped"));
    pi.pass = true;
    pi.has_next_inspection_ymd = 1;
    pi.next_inspection_ymd = 20300101;
    lpg_kind_describe(&e, NULL, true, &w);
    assert_string_equal(w.step, "periodic inspection PASSED");
    assert_non_null(strstr(w.detail, "next inspection due 2030-01-01"));
    /* a refused one is no verdict */
    lpg_kind_describe(&e, NULL, false, &w);
    assert_string_equal(w.step, "periodic inspection refused");
    assert_non_null(strstr(w.detail, "unchanged"));
}

/*  The cylinder's steps as a table: after each entry, the record's
 *  status, custody, holder, last site, fills and refused checks. */
typedef struct {
    const char *what;
    Lpg__Event__BodyCase body;
    bool accepted;
    const char *site, *user;
    Lpg__CylinderStatus status;
    Lpg__Custody custody;
    const char *holder, *last_site;
    unsigned fills, denied;
} s_step_t;

#define IN LPG__CYLINDER_STATUS__CYL_IN_SERVICE
#define SCRAP LPG__CYLINDER_STATUS__CYL_SCRAPPED
#define QUAR LPG__CYLINDER_STATUS__CYL_QUARANTINED
#define EMPTY LPG__CUSTODY__CUSTODY_EMPTY_AT_STATION
#define FULL LPG__CUSTODY__CUSTODY_FULL_AT_STATION
#define TRANSIT LPG__CUSTODY__CUSTODY_IN_TRANSIT
#define AT_USER LPG__CUSTODY__CUSTODY_AT_USER
#define COLLECTED LPG__CUSTODY__CUSTODY_COLLECTED

static const s_step_t s_life[] = {
    {"register", LPG__EVENT__BODY_CYLINDER_REGISTER, true, NULL, NULL, IN,
     EMPTY, NULL, NULL, 0, 0},
    {"refused check", LPG__EVENT__BODY_FILL_CHECK, false, "S1", NULL, IN,
     EMPTY, NULL, NULL, 0, 1},
    {"check ALLOW", LPG__EVENT__BODY_FILL_CHECK, true, "S1", NULL, IN, EMPTY,
     NULL, "S1", 0, 1},
    {"fill", LPG__EVENT__BODY_FILL_RECORD, true, "S1", NULL, IN, FULL, NULL,
     "S1", 1, 1},
    {"refused dispatch", LPG__EVENT__BODY_DISPATCH, false, "S1", NULL, IN,
     FULL, NULL, "S1", 1, 1},
    {"dispatch", LPG__EVENT__BODY_DISPATCH, true, "S1", NULL, IN, TRANSIT,
     NULL, "S1", 1, 1},
    {"refused delivery", LPG__EVENT__BODY_DELIVERY, false, NULL, "U9", IN,
     TRANSIT, NULL, "S1", 1, 1},
    {"delivery", LPG__EVENT__BODY_DELIVERY, true, NULL, "U1", IN, AT_USER,
     "U1", "S1", 1, 1},
    {"collection", LPG__EVENT__BODY_COLLECTION, true, NULL, "U1", IN,
     COLLECTED, "U1", "S1", 1, 1},
    {"return", LPG__EVENT__BODY_STATION_RETURN, true, "S2", NULL, IN, EMPTY,
     NULL, "S2", 1, 1},
    {"relabel", LPG__EVENT__BODY_CYLINDER_RELABEL, true, NULL, NULL, IN, EMPTY,
     NULL, "S2", 1, 1},
    {"update", LPG__EVENT__BODY_CYLINDER_UPDATE, true, NULL, NULL, QUAR, EMPTY,
     NULL, "S2", 1, 1},
    {"refused periodic fail", LPG__EVENT__BODY_PERIODIC_INSPECTION, false,
     NULL, NULL, QUAR, EMPTY, NULL, "S2", 1, 1},
    {"periodic fail", LPG__EVENT__BODY_PERIODIC_INSPECTION, true, NULL, NULL,
     SCRAP, EMPTY, NULL, "S2", 1, 1},
};

/*  One fill check of cylinder "06900000000150A1" at site, as seq. */
static void
s_check_step(Lpg__CylinderState *cyl, bool *started, uint64_t seq,
             const char *site, bool allowed, uint8_t id_byte)
{
    static uint8_t ids[256][16];
    Lpg__FillCheck fc = LPG__FILL_CHECK__INIT;
    fc.empty_g = 15000;
    Lpg__Event e = LPG__EVENT__INIT;
    e.cylinder = "06900000000150A1";
    ids[id_byte][0] = id_byte;
    e.event_id.data = ids[id_byte];
    e.event_id.len = 16;
    e.device_time_ms = 1767225600000ULL + seq * 1000;
    e.site = (char *)site;
    e.body_case = LPG__EVENT__BODY_FILL_CHECK;
    e.fill_check = &fc;
    Lpg__Outcome o = LPG__OUTCOME__INIT;
    o.status = allowed ? LPG__STATUS__STATUS_OK : LPG__STATUS__STATUS_DENIED;
    assert_true(lpg_kind_step(cyl, started, seq, e.device_time_ms, &e, &o));
}

/*  A refused check changes no pending ALLOW (DESIGN.md §7): after an
 *  ALLOW at S1, a DENY of the same cylinder at S2 leaves the ALLOW, the
 *  last site and the custody as they were, only counted; S1's fill record
 *  on that ALLOW is judged without FILL_ALLOW_STALE. A later ALLOW does
 *  replace it. */
static void
t_refused_check_keeps_allow(void **state)
{
    Lpg__CylinderRegister reg = LPG__CYLINDER_REGISTER__INIT;
    reg.serial = "A1";
    reg.owner = "C1";
    reg.tare_g = 15000;
    reg.fill_g = 14500;
    Lpg__Event r = LPG__EVENT__INIT;
    uint8_t rid[16] = {9};
    r.cylinder = "06900000000150A1";
    r.event_id.data = rid;
    r.event_id.len = sizeof rid;
    r.body_case = LPG__EVENT__BODY_CYLINDER_REGISTER;
    r.cylinder_register = &reg;
    Lpg__CylinderState cyl = LPG__CYLINDER_STATE__INIT;
    bool started = false;
    assert_true(lpg_kind_step(&cyl, &started, 1, 1, &r, NULL));

    s_check_step(&cyl, &started, 10, "S1", true, 1);
    s_check_step(&cyl, &started, 11, "S2", false, 2);
    assert_int_equal(cyl.last_fill_check_seq, 10);
    assert_int_equal(cyl.last_allow_seq, 10);
    assert_int_equal(cyl.last_allow_event_id.data[0], 1);
    assert_string_equal(cyl.last_site, "S1");
    assert_int_equal(cyl.custody, EMPTY);
    assert_int_equal(cyl.denied_checks, 1);

    /* S1's fill on its ALLOW (seq 10) */
    Lpg__FillCheck fc = LPG__FILL_CHECK__INIT;
    Lpg__Event check = LPG__EVENT__INIT;
    check.cylinder = "06900000000150A1";
    check.site = "S1";
    check.body_case = LPG__EVENT__BODY_FILL_CHECK;
    check.fill_check = &fc;
    Lpg__Outcome ok = LPG__OUTCOME__INIT;
    ok.status = LPG__STATUS__STATUS_OK;
    Lpg__FillRecord fr = LPG__FILL_RECORD__INIT;
    fr.full_g = 29500;
    fr.leak_ok = 1;
    Lpg__Event rec = LPG__EVENT__INIT;
    rec.cylinder = "06900000000150A1";
    rec.site = "S1";
    rec.body_case = LPG__EVENT__BODY_FILL_RECORD;
    rec.fill_record = &fr;
    Lpg__DeviceState dev = LPG__DEVICE_STATE__INIT;
    dev.company = "C1";
    dev.site = "S1";
    dev.role = LPG__ROLE__ROLE_SCALE;
    cyl.grai = "06900000000150A1";
    cyl.reg = &reg;
    lpg_fill_record_input_t in = {0};
    in.record = &rec;
    in.cyl = &cyl;
    in.device = &dev;
    in.named = &check;
    in.named_outcome = &ok;
    in.named_seq = 10;
    in.named_service = "filling";
    in.limits.over_tolerance_g = 500;
    in.limits.under_tolerance_g = 500;
    lpg_verdict_t v;
    lpg_fill_result_t res;
    assert_int_equal(lpg_rules_fill_record(&in, &v, &res), LPG_OK);
    char tokens[256];
    assert_int_equal(lpg_verdict_tokens(&v, tokens, sizeof tokens), LPG_OK);
    assert_string_equal(tokens, "");
    assert_true(v.allow);

    /* another ALLOW replaces it */
    s_check_step(&cyl, &started, 12, "S1", true, 3);
    assert_int_equal(lpg_rules_fill_record(&in, &v, &res), LPG_OK);
    assert_int_equal(lpg_verdict_tokens(&v, tokens, sizeof tokens), LPG_OK);
    assert_string_equal(tokens, "FILL_ALLOW_STALE");
}

static void
t_cylinder_life(void **state)
{
    Lpg__CylinderRegister reg = LPG__CYLINDER_REGISTER__INIT;
    reg.serial = "A1";
    reg.owner = "C1";
    reg.tare_g = 15000;
    reg.fill_g = 14500;
    Lpg__FillCheck fc = LPG__FILL_CHECK__INIT;
    Lpg__FillRecord fr = LPG__FILL_RECORD__INIT;
    fr.full_g = 29500;
    fr.leak_ok = true;
    Lpg__Dispatch di = LPG__DISPATCH__INIT;
    di.vehicle = "V1";
    Lpg__Delivery de = LPG__DELIVERY__INIT;
    de.vehicle = "V1";
    Lpg__Collection co = LPG__COLLECTION__INIT;
    co.vehicle = "V1";
    Lpg__Return sr = LPG__RETURN__INIT;
    sr.vehicle = "V1";
    Lpg__CylinderUpdate up = LPG__CYLINDER_UPDATE__INIT;
    up.has_status = 1;
    up.status = QUAR;
    Lpg__CylinderRelabel rl = LPG__CYLINDER_RELABEL__INIT;
    rl.code_revision = 2;
    rl.code = "https://x/8003/06900000000150A1?8030=x";
    rl.reason = "label worn off";
    Lpg__PeriodicInspection pi = LPG__PERIODIC_INSPECTION__INIT;
    pi.body = "IB-1";
    uint8_t id[16] = {1};
    Lpg__CylinderState cyl = LPG__CYLINDER_STATE__INIT;
    bool started = false;
    for (size_t i = 0; i < sizeof s_life / sizeof *s_life; i++) {
        const s_step_t *s = &s_life[i];
        Lpg__Event e = LPG__EVENT__INIT;
        e.cylinder = "06900000000150A1";
        e.event_id.data = id;
        e.event_id.len = sizeof id;
        e.device_time_ms = 1767225600000ULL + i * 60000;
        e.site = (char *)s->site;
        e.user = (char *)s->user;
        e.body_case = s->body;
        switch (s->body) {
        case LPG__EVENT__BODY_CYLINDER_REGISTER:
            e.cylinder_register = &reg;
            break;
        case LPG__EVENT__BODY_FILL_CHECK:
            e.fill_check = &fc;
            break;
        case LPG__EVENT__BODY_FILL_RECORD:
            e.fill_record = &fr;
            break;
        case LPG__EVENT__BODY_DISPATCH:
            e.dispatch = &di;
            break;
        case LPG__EVENT__BODY_DELIVERY:
            e.delivery = &de;
            break;
        case LPG__EVENT__BODY_COLLECTION:
            e.collection = &co;
            break;
        case LPG__EVENT__BODY_STATION_RETURN:
            e.station_return = &sr;
            break;
        case LPG__EVENT__BODY_CYLINDER_UPDATE:
            e.cylinder_update = &up;
            break;
        case LPG__EVENT__BODY_CYLINDER_RELABEL:
            e.cylinder_relabel = &rl;
            break;
        case LPG__EVENT__BODY_PERIODIC_INSPECTION:
            e.periodic_inspection = &pi;
            break;
        default:
            fail_msg("step %s: no body", s->what);
        }
        Lpg__Outcome o = LPG__OUTCOME__INIT;
        o.status =
            s->accepted ? LPG__STATUS__STATUS_OK : LPG__STATUS__STATUS_DENIED;
        assert_true(lpg_kind_step(&cyl, &started, 100 + i,
                                  e.device_time_ms + 500, &e, &o));
        assert_true(started);
        if (cyl.status != s->status || cyl.custody != s->custody)
            fail_msg("after %s: status %d custody %d, wanted %d %d", s->what,
                     cyl.status, cyl.custody, s->status, s->custody);
        if ((cyl.holder == NULL) != (s->holder == NULL) ||
            (s->holder && strcmp(cyl.holder, s->holder) != 0))
            fail_msg("after %s: holder %s, wanted %s", s->what,
                     cyl.holder ? cyl.holder : "(none)",
                     s->holder ? s->holder : "(none)");
        if ((cyl.last_site == NULL) != (s->last_site == NULL) ||
            (s->last_site && strcmp(cyl.last_site, s->last_site) != 0))
            fail_msg("after %s: last site %s, wanted %s", s->what,
                     cyl.last_site ? cyl.last_site : "(none)",
                     s->last_site ? s->last_site : "(none)");
        assert_int_equal(cyl.fills, s->fills);
        assert_int_equal(cyl.denied_checks, s->denied);
        assert_int_equal(cyl.last_event_seq, 100 + i);
        /* the label: revision 1 (the registration's, none named here:
         * 0) until the relabel, 2 from then on */
        bool relabelled = i >= 10;
        assert_int_equal(lpg_cylinder_code_revision(&cyl), relabelled ? 2 : 0);
        if (relabelled)
            assert_string_equal(lpg_cylinder_code(&cyl), rl.code);
        else
            assert_null(lpg_cylinder_code(&cyl));
    }
    /* A refused, leaking fill record on the scrapped cylinder does not
     * turn it into a held one. */
    {
        Lpg__FillRecord leak = LPG__FILL_RECORD__INIT;
        leak.full_g = 29500;
        leak.leak_ok = false;
        Lpg__Event e = LPG__EVENT__INIT;
        e.cylinder = "06900000000150A1";
        e.body_case = LPG__EVENT__BODY_FILL_RECORD;
        e.fill_record = &leak;
        Lpg__Outcome o = LPG__OUTCOME__INIT;
        o.status = LPG__STATUS__STATUS_DENIED;
        assert_true(lpg_kind_step(&cyl, &started, 999, 1, &e, &o));
        assert_int_equal(cyl.status, SCRAP);
    }
    /* A step before the registration changes nothing. */
    Lpg__CylinderState fresh = LPG__CYLINDER_STATE__INIT;
    bool none = false;
    Lpg__Event e = LPG__EVENT__INIT;
    e.body_case = LPG__EVENT__BODY_DISPATCH;
    e.dispatch = &di;
    assert_false(lpg_kind_step(&fresh, &none, 1, 1, &e, NULL));
    assert_false(none);
    /* The "Now" words of the scrapped cylinder. */
    lpg_cylinder_now_t now;
    lpg_cylinder_now(&cyl, &now);
    char words[128], zh[128];
    lpg_cylinder_now_words(&now, words, sizeof words, zh, sizeof zh);
    assert_string_equal(words, "scrapped, empty at a station S2");
    assert_string_equal(zh, "已报废，站内空瓶 S2");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_every_kind_listed),
        cmocka_unit_test(t_one_row_per_kind),
        cmocka_unit_test(t_every_kind_described),
        cmocka_unit_test(t_cylinder_life),
        cmocka_unit_test(t_refused_check_keeps_allow),
        cmocka_unit_test(t_owner_of),
        cmocka_unit_test(t_check),
        cmocka_unit_test(t_recorded_by),
        cmocka_unit_test(t_peek),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
