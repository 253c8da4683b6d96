/*  test_owner.c - the table of which service records which kind of
 *  event, against DESIGN.md §7: every kind has one owner, the check's
 *  refusal names it, "init" counts as the registry, other writers are not
 *  services, and the kind is read from SignedEvent bytes.
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
#include "domain/owner.h"

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
    {LPG__EVENT__BODY_CYLINDER_REGISTER, "registry"},
    {LPG__EVENT__BODY_CYLINDER_UPDATE, "registry"},
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
};
#define S_N (sizeof s_cases / sizeof s_cases[0])

static const char *const s_services[] = {"registry", "filling", "delivery",
                                         "inspection", "trace"};

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
        assert_string_equal(lpg_owner_of(s_cases[k].kind), s_cases[k].owner);
    assert_null(lpg_owner_of(LPG__EVENT__BODY__NOT_SET));
}

/*  Each service: only its own kinds; the refusal names the owner. */
static void
t_check(void **state)
{
    for (size_t k = 0; k < S_N; k++) {
        for (size_t s = 0; s < 5; s++) {
            char why[256] = "";
            int rc = lpg_owner_check(s_services[s], s_cases[k].kind, why,
                                     sizeof why);
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
    assert_int_equal(lpg_owner_check("inspection", LPG__EVENT__BODY_FILL_CHECK,
                                     why, sizeof why),
                     LPG_EWRONGSERVICE);
    assert_string_equal(why, "a fill_check event is recorded by "
                             "lpg-fillingd, not by lpg-inspectiond: send it "
                             "there");
    assert_int_equal(lpg_owner_check("registry", LPG__EVENT__BODY__NOT_SET,
                                     why, sizeof why),
                     LPG_EWRONGSERVICE);
    assert_string_equal(lpg_errtoken(LPG_EWRONGSERVICE), "EWRONGSERVICE");
}

static void
t_recorded_by(void **state)
{
    assert_true(lpg_owner_recorded_by_owner("filling",
                                            LPG__EVENT__BODY_FILL_CHECK));
    assert_false(lpg_owner_recorded_by_owner("inspection",
                                             LPG__EVENT__BODY_FILL_CHECK));
    assert_false(lpg_owner_recorded_by_owner("gen",
                                             LPG__EVENT__BODY_FILL_CHECK));
    assert_false(lpg_owner_recorded_by_owner(NULL,
                                             LPG__EVENT__BODY_FILL_CHECK));
    /* lpgtrace init enrols the first keys: the registry's kind */
    assert_true(lpg_owner_recorded_by_owner("init",
                                            LPG__EVENT__BODY_DEVICE_ENROLL));
    assert_false(lpg_owner_recorded_by_owner("init",
                                             LPG__EVENT__BODY_FILL_CHECK));
    assert_false(lpg_owner_recorded_by_owner("trace",
                                             LPG__EVENT__BODY_FILL_CHECK));
    for (size_t s = 0; s < 5; s++)
        assert_true(lpg_owner_is_service(s_services[s]));
    assert_true(lpg_owner_is_service("init"));
    assert_false(lpg_owner_is_service("gen"));
    assert_false(lpg_owner_is_service(NULL));
    assert_false(lpg_owner_is_service("fillingd"));
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
    assert_int_equal(lpg_owner_peek(data, len, &kind), LPG_OK);
    assert_int_equal(kind, LPG__EVENT__BODY_HAZARD_RECTIFIED);
    assert_int_equal(lpg_owner_peek(data, len / 2, &kind), LPG_EMALFORMED);
    assert_int_equal(kind, LPG__EVENT__BODY__NOT_SET);
    assert_int_equal(lpg_owner_peek((const uint8_t *)"junk", 4, &kind),
                     LPG_EMALFORMED);
    free(data);
    lpg_key_destroy(&key);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_every_kind_listed),
        cmocka_unit_test(t_owner_of),
        cmocka_unit_test(t_check),
        cmocka_unit_test(t_recorded_by),
        cmocka_unit_test(t_peek),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
