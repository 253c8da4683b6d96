/*  test_inspection_rules.c - the household checklist's severity table
 *  (domain/inspection.h) as a table: every item for every kind of user,
 *  major or minor, as DOMAIN.md's household check gives it; the items
 *  the checklist knows; the calendar arithmetic behind deadlines; the
 *  hazard key and the escalation id that make a restart escalate once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "base/error.h"
#include "base/clock.h"
#include "domain/inspection.h"

#define H LPG__USER_KIND__USER_HOUSEHOLD
#define R LPG__USER_KIND__USER_RESTAURANT
#define B LPG__USER_KIND__USER_BUSINESS
#define U LPG__USER_KIND__USER_UNKNOWN

/*  item, and whether its failure is major for a household, a restaurant,
 *  a business and a user of unknown kind. */
static const struct {
    const char *item;
    bool major[4];
} s_severity[] = {
    {"flame_failure", {true, true, true, true}},
    {"hose_metal", {true, true, true, true}},
    {"storage", {true, true, true, true}},
    {"leak_alarm", {false, true, false, false}},
    {"hose_clamped", {false, false, false, false}},
    {"regulator_age", {false, false, false, false}},
    {"valve", {false, false, false, false}},
    {"ventilation", {false, false, false, false}},
};

static void
test_severity_table(void **state)
{
    const Lpg__UserKind kinds[4] = {H, R, B, U};
    for (size_t i = 0; i < sizeof s_severity / sizeof *s_severity; i++) {
        assert_true(lpg_inspection_item_known(s_severity[i].item));
        for (int k = 0; k < 4; k++) {
            if (lpg_inspection_major(s_severity[i].item, kinds[k]) !=
                s_severity[i].major[k])
                fail_msg("%s for user kind %d: wanted %s", s_severity[i].item,
                         kinds[k], s_severity[i].major[k] ? "major" : "minor");
        }
    }
}

static void
test_unknown_items(void **state)
{
    const char *bad[] = {"",     "Flame_failure", "flame_failure ", "hose",
                         "leak", "stove",         "../storage",     NULL};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_false(lpg_inspection_item_known(bad[i]));
}

static void
test_ymd_add_days(void **state)
{
    static const struct {
        uint32_t ymd, days, want;
    } t[] = {
        {20260101, 0, 20260101},
        {20260101, 7, 20260108},
        {20260131, 1, 20260201},
        {20260228, 1, 20260301},
        {20240228, 1, 20240229},
        {20240229, 1, 20240301},
        {21000228, 1, 21000301},
        {20000228, 1, 20000229},
        {20261231, 1, 20270101},
        {20260315, 365, 20270315},
        {20240101, 366, 20250101},
        {20261206, 30, 20270105},
        {0, 5, 0},
        {20261301, 1, 0},
        {20260230, 1, 0},
        {20260100, 1, 0},
    };
    for (size_t i = 0; i < sizeof t / sizeof *t; i++)
        if (lpg_ymd_add_days(t[i].ymd, t[i].days) != t[i].want)
            fail_msg("%u + %u days: got %u, wanted %u", t[i].ymd, t[i].days,
                     lpg_ymd_add_days(t[i].ymd, t[i].days), t[i].want);
}

static void
test_ymd_end_ms(void **state)
{
    /* The end of 1970-01-01 is the start of the 2nd, UTC. */
    assert_int_equal(lpg_ymd_end_ms(19700101), 86400000ULL);
    assert_int_equal(lpg_ymd_end_ms(20260101), 1767312000000ULL);
    assert_int_equal(lpg_ymd_end_ms(0), 0);
}

static void
test_hazard_key_and_escalation(void **state)
{
    uint8_t id[LPG_EVENT_ID_LEN];
    for (int i = 0; i < LPG_EVENT_ID_LEN; i++)
        id[i] = (uint8_t)(0xa0 + i);
    char key[LPG_HAZARD_KEY_MAX];
    assert_int_equal(lpg_hazard_key(key, sizeof key, "U-1", id, "storage"),
                     LPG_OK);
    assert_string_equal(key, "hazard/U-1/a0a1a2a3a4a5a6a7a8a9aaabacadaeaf/"
                             "storage");
    char small[16];
    assert_int_equal(lpg_hazard_key(small, sizeof small, "U-1", id, "storage"),
                     LPG_EINVAL);
    /* The escalation id is a function of the key: the same twice, another
     * for another hazard. */
    uint8_t e1[LPG_EVENT_ID_LEN], e2[LPG_EVENT_ID_LEN], e3[LPG_EVENT_ID_LEN];
    lpg_hazard_escalation_id(e1, key);
    lpg_hazard_escalation_id(e2, key);
    assert_memory_equal(e1, e2, sizeof e1);
    assert_int_equal(lpg_hazard_key(key, sizeof key, "U-1", id, "valve"),
                     LPG_OK);
    lpg_hazard_escalation_id(e3, key);
    assert_memory_not_equal(e1, e3, sizeof e1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_severity_table),
        cmocka_unit_test(test_unknown_items),
        cmocka_unit_test(test_ymd_add_days),
        cmocka_unit_test(test_ymd_end_ms),
        cmocka_unit_test(test_hazard_key_and_escalation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
