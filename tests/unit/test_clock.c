/*  test_clock.c - the clock every program shares: LPG_NOW_MS, the bounds
 *  on a device's time (ahead, behind, their configuration, the words of
 *  a refusal), a device time bounded by the time of recording, and the
 *  last-seen time the travel rule measures from.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "domain/cylinder.h"
#include "base/config.h"
#include "base/error.h"
#include "domain/state.h"

#define NOW_MS 1773540000000ull /* 2026-03-15T02:00Z */
#define MIN_MS 60000ull
#define HOUR_MS 3600000ull
#define DAY_MS 86400000ull

static const lpg_clock_bounds_t s_bounds = {5 * MIN_MS, 7 * DAY_MS};

static void
test_parse(void **state)
{
    static const struct {
        const char *text;
        int rc;
        uint64_t want;
    } cases[] = {
        {"0", LPG_OK, 0},
        {"1773540000000", LPG_OK, NOW_MS},
        {"18446744073709551615", LPG_OK, UINT64_MAX},
        {"18446744073709551616", LPG_EINVAL, 0}, /* one past */
        {"99999999999999999999", LPG_EINVAL, 0},
        {"", LPG_EINVAL, 0},
        {"-1", LPG_EINVAL, 0},
        {"+1", LPG_EINVAL, 0},
        {" 1", LPG_EINVAL, 0},
        {"1 ", LPG_EINVAL, 0},
        {"1e3", LPG_EINVAL, 0},
        {"0x10", LPG_EINVAL, 0},
        {"2026-03-15", LPG_EINVAL, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint64_t got = 12345;
        int rc = lpg_clock_parse(cases[i].text, &got);
        if (rc != cases[i].rc)
            fail_msg("'%s': %s, wanted %s", cases[i].text,
                     lpg_errtoken(rc), lpg_errtoken(cases[i].rc));
        if (rc == LPG_OK && got != cases[i].want)
            fail_msg("'%s': %llu", cases[i].text, (unsigned long long)got);
    }
    uint64_t got;
    assert_int_equal(lpg_clock_parse(NULL, &got), LPG_EINVAL);
}

/*  The first call reads LPG_NOW_MS; the clock then stands there. */
static void
test_now_from_env(void **state)
{
    assert_int_equal(setenv("LPG_NOW_MS", "1773540000000", 1), 0);
    assert_true(lpg_clock_now_ms() == NOW_MS);
    assert_true(lpg_clock_now_ms() == NOW_MS);
    /* the monotonic clock is not moved */
    uint64_t a = lpg_clock_mono_ms();
    usleep(20000);
    uint64_t b = lpg_clock_mono_ms();
    assert_true(b >= a + 15 && b < a + 5000);
}

static void
test_judge(void **state)
{
    static const struct {
        const char *what;
        uint64_t device_ms;
        int rc;
        const char *why; /* a part of the words, or NULL */
    } cases[] = {
        {"on time", NOW_MS, LPG_OK, NULL},
        {"ahead by the skew exactly", NOW_MS + 5 * MIN_MS, LPG_OK, NULL},
        {"ahead by 1 ms more", NOW_MS + 5 * MIN_MS + 1, LPG_ECLOCK_AHEAD,
         "device clock 300 s ahead of the service's (at most 300 s: "
         "time.max_skew_s)"},
        {"10 h ahead", NOW_MS + 10 * HOUR_MS, LPG_ECLOCK_AHEAD,
         "36000 s (10.0 h) ahead"},
        {"3 days ahead", NOW_MS + 3 * DAY_MS, LPG_ECLOCK_AHEAD,
         "259200 s (3.0 days) ahead"},
        {"365 days ahead", NOW_MS + 365 * DAY_MS, LPG_ECLOCK_AHEAD,
         "(365.0 days) ahead"},
        {"the end of time", UINT64_MAX, LPG_ECLOCK_AHEAD, " ahead of "},
        {"20 minutes late", NOW_MS - 20 * MIN_MS, LPG_OK, NULL},
        {"late by the window exactly", NOW_MS - 7 * DAY_MS, LPG_OK, NULL},
        {"late by 1 s more", NOW_MS - 7 * DAY_MS - 1000, LPG_ECLOCK_BEHIND,
         "device time 604801 s (7.0 days) before the service's (at most "
         "604800 s: time.max_late_s)"},
        {"a clock never set: 1970", 86400000, LPG_ECLOCK_BEHIND,
         " before the service's"},
        {"zero", 0, LPG_ECLOCK_BEHIND, "1773540000 s"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char why[128] = "";
        int rc = lpg_clock_judge(cases[i].device_ms, NOW_MS, &s_bounds, why,
                                 sizeof why);
        if (rc != cases[i].rc)
            fail_msg("%s: %s, wanted %s (%s)", cases[i].what,
                     lpg_errtoken(rc), lpg_errtoken(cases[i].rc), why);
        if (cases[i].why && !strstr(why, cases[i].why))
            fail_msg("%s: '%s' lacks '%s'", cases[i].what, why,
                     cases[i].why);
        if (!cases[i].why && *why)
            fail_msg("%s: words '%s' for no refusal", cases[i].what, why);
    }
    assert_string_equal(lpg_errtoken(LPG_ECLOCK_AHEAD), "DEVICE_CLOCK_AHEAD");
    assert_string_equal(lpg_errtoken(LPG_ECLOCK_BEHIND),
                        "DEVICE_CLOCK_BEHIND");
    /* no room for words: the verdict all the same */
    assert_int_equal(lpg_clock_judge(UINT64_MAX, NOW_MS, &s_bounds, NULL, 0),
                     LPG_ECLOCK_AHEAD);
    /* no skew at all: one ms ahead is too much, the same ms is not */
    lpg_clock_bounds_t strict = {0, 0};
    assert_int_equal(lpg_clock_judge(NOW_MS + 1, NOW_MS, &strict, NULL, 0),
                     LPG_ECLOCK_AHEAD);
    assert_int_equal(lpg_clock_judge(NOW_MS - 1, NOW_MS, &strict, NULL, 0),
                     LPG_ECLOCK_BEHIND);
    assert_int_equal(lpg_clock_judge(NOW_MS, NOW_MS, &strict, NULL, 0),
                     LPG_OK);
}

static void
test_bounded(void **state)
{
    assert_true(lpg_clock_bounded(NOW_MS, NOW_MS) == NOW_MS);
    assert_true(lpg_clock_bounded(NOW_MS + 3 * DAY_MS, NOW_MS) == NOW_MS);
    assert_true(lpg_clock_bounded(UINT64_MAX, NOW_MS) == NOW_MS);
    assert_true(lpg_clock_bounded(NOW_MS - HOUR_MS, NOW_MS) ==
                NOW_MS - HOUR_MS);
    assert_true(lpg_clock_bounded(0, NOW_MS) == 0);
}

/*  Where a cylinder was last seen (lpg_cylinder_seen): at the device time
 *  bounded by the recording, never moved back by a step synced late. */
static void
test_seen(void **state)
{
    Lpg__CylinderState c = LPG__CYLINDER_STATE__INIT;
    lpg_cylinder_seen(&c, "S1", NOW_MS, NOW_MS + 500);
    assert_true(c.has_last_time_ms && c.last_time_ms == NOW_MS);
    assert_string_equal(c.last_site, "S1");
    /* dated 3 days ahead: counts as when it was recorded */
    lpg_cylinder_seen(&c, "S2", NOW_MS + 3 * DAY_MS, NOW_MS + HOUR_MS);
    assert_true(c.last_time_ms == NOW_MS + HOUR_MS);
    assert_string_equal(c.last_site, "S2");
    /* dated before the last sighting (synced late): no change */
    lpg_cylinder_seen(&c, "S3", NOW_MS + HOUR_MS - 1, NOW_MS + 2 * HOUR_MS);
    assert_true(c.last_time_ms == NOW_MS + HOUR_MS);
    assert_string_equal(c.last_site, "S2");
    /* no site named: the time moves, the site stays */
    lpg_cylinder_seen(&c, NULL, NOW_MS + 2 * HOUR_MS, UINT64_MAX);
    assert_true(c.last_time_ms == NOW_MS + 2 * HOUR_MS);
    assert_string_equal(c.last_site, "S2");
}

static char s_dir[] = "/tmp/lpgtest-clock-XXXXXX";

static int
s_bounds_of(const char *conf, lpg_clock_bounds_t *b, char *why, size_t whysz)
{
    char path[256];
    snprintf(path, sizeof path, "%s/lpgtrace.conf", s_dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(conf, f);
    fclose(f);
    lpg_config_t *cfg = NULL;
    int rc = lpg_config_load(&cfg, s_dir, why, whysz);
    assert_int_equal(rc, LPG_OK);
    rc = lpg_clock_bounds_from_config(b, cfg, why, whysz);
    lpg_config_destroy(&cfg);
    return rc;
}

static void
test_bounds_from_config(void **state)
{
    lpg_clock_bounds_t b;
    char why[128] = "";
    assert_int_equal(s_bounds_of("", &b, why, sizeof why), LPG_OK);
    assert_true(b.ahead_ms == 300000 && b.behind_ms == 604800000);
    assert_int_equal(s_bounds_of("time.max_skew_s = 0\n"
                                 "time.max_late_s = 3600\n",
                                 &b, why, sizeof why),
                     LPG_OK);
    assert_true(b.ahead_ms == 0 && b.behind_ms == HOUR_MS);
    static const char *bad[] = {
        "time.max_skew_s = -1\n",       "time.max_skew_s = 86401\n",
        "time.max_skew_s = 5 min\n",    "time.max_late_s = -5\n",
        "time.max_late_s = 31622401\n", "time.max_late_s = forever\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        why[0] = '\0';
        if (s_bounds_of(bad[i], &b, why, sizeof why) != LPG_ECONFIG)
            fail_msg("'%s' accepted", bad[i]);
        char key[32];
        snprintf(key, sizeof key, "%.15s", bad[i]);
        if (!strstr(why, key))
            fail_msg("'%s': the reason '%s' names no key", bad[i], why);
    }
}

int
main(void)
{
    assert_non_null(mkdtemp(s_dir));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_now_from_env),
        cmocka_unit_test(test_judge),
        cmocka_unit_test(test_bounded),
        cmocka_unit_test(test_seen),
        cmocka_unit_test(test_bounds_from_config),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", s_dir);
    if (system(cmd) != 0)
        return 1;
    return rc;
}
