/*  test_clock.c - the clock every program shares: LPG_NOW_MS, the bounds
 *  on a device's time (ahead, behind, their configuration, the words of
 *  a refusal), a device time bounded by the time of recording, the
 *  last-seen time the travel rule measures from; local civil time read
 *  from the tz database without TZ (tables, the footer's rule, files made
 *  here, and 10,000 random instants checked against the C library's
 *  localtime_r, for which this test sets TZ itself), and the calendar.
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
#include <sys/stat.h>
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
            fail_msg("'%s': %s, wanted %s", cases[i].text, lpg_errtoken(rc),
                     lpg_errtoken(cases[i].rc));
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
    /* A tool moves the clock (a ledger written as if over months); 0
     * gives LPG_NOW_MS back. */
    lpg_clock_set_now_ms(NOW_MS + 86400000);
    assert_true(lpg_clock_now_ms() == NOW_MS + 86400000);
    lpg_clock_set_now_ms(NOW_MS + 2 * 86400000);
    assert_true(lpg_clock_now_ms() == NOW_MS + 2 * 86400000);
    lpg_clock_set_now_ms(0);
    assert_true(lpg_clock_now_ms() == NOW_MS);
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
            fail_msg("%s: %s, wanted %s (%s)", cases[i].what, lpg_errtoken(rc),
                     lpg_errtoken(cases[i].rc), why);
        if (cases[i].why && !strstr(why, cases[i].why))
            fail_msg("%s: '%s' lacks '%s'", cases[i].what, why, cases[i].why);
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

/* ---- local civil time ------------------------------------------------ */

static void
s_text(const lpg_civil_t *c, char out[40])
{
    assert_int_equal(lpg_civil_text(c, 'T', true, out, 40), LPG_OK);
}

/*  Instants on each side of the changes, checked against the tz database
 *  by hand (zdump). dst -1: not checked. */
static void
test_local_table(void **state)
{
    static const struct {
        const char *zone;
        uint64_t ms;
        const char *want;
        int dst;
    } t[] = {
        /* Shanghai: +08:00 since 1991; daylight saving 1986-1991 */
        {"Asia/Shanghai", 1767285000000ull, "2026-01-02T00:30:00+08:00", 0},
        {"Asia/Shanghai", 1767283199999ull, "2026-01-01T23:59:59+08:00", 0},
        {"Asia/Shanghai", 640115999000ull, "1990-04-15T01:59:59+08:00", 0},
        {"Asia/Shanghai", 640116000000ull, "1990-04-15T03:00:00+09:00", 1},
        {"Asia/Shanghai", 653417999000ull, "1990-09-16T01:59:59+09:00", 1},
        {"Asia/Shanghai", 653418000000ull, "1990-09-16T01:00:00+08:00", 0},
        {"Asia/Shanghai", 678326400000ull, "1991-07-01T09:00:00+09:00", 1},
        {"Asia/Shanghai", 709948800000ull, "1992-07-01T08:00:00+08:00", 0},
        /* UTC */
        {"UTC", 0, "1970-01-01T00:00:00+00:00", 0},
        {"UTC", 1767285000999ull, "2026-01-01T16:30:00+00:00", 0},
        {"UTC", 253402300799999ull, "9999-12-31T23:59:59+00:00", 0},
        /* New York 2026: forward 8 March 02:00 EST, back 1 November
         * 02:00 EDT */
        {"America/New_York", 1772953199000ull, "2026-03-08T01:59:59-05:00", 0},
        {"America/New_York", 1772953200000ull, "2026-03-08T03:00:00-04:00", 1},
        {"America/New_York", 1782876600000ull, "2026-06-30T23:30:00-04:00", 1},
        {"America/New_York", 1793512799000ull, "2026-11-01T01:59:59-04:00", 1},
        {"America/New_York", 1793512800000ull, "2026-11-01T01:00:00-05:00", 0},
        /* Lord Howe: +10:30, and half an hour more in summer */
        {"Australia/Lord_Howe", 1775314799000ull, "2026-04-05T01:59:59+11:00",
         1},
        {"Australia/Lord_Howe", 1775314800000ull, "2026-04-05T01:30:00+10:30",
         0},
        {"Australia/Lord_Howe", 1791041399000ull, "2026-10-04T01:59:59+10:30",
         0},
        {"Australia/Lord_Howe", 1791041400000ull, "2026-10-04T02:30:00+11:00",
         1},
        /* far future, after the last change the file lists: the footer's
         * rule */
        {"America/New_York", 4118400000000ull, "2100-07-04T12:00:00-04:00", 1},
        {"America/New_York", 4133437200000ull, "2100-12-25T12:00:00-05:00", 0},
        {"Australia/Lord_Howe", 7258118400000ull, "2200-01-01T11:00:00+11:00",
         1},
        {"Australia/Lord_Howe", 7273756800000ull, "2200-07-01T10:30:00+10:30",
         0},
        {"America/New_York", 253402300799000ull, "9999-12-31T18:59:59-05:00",
         0},
        /* Dublin: summer time is its standard time (a negative DST) */
        {"Europe/Dublin", 1768478400000ull, "2026-01-15T12:00:00+00:00", -1},
        {"Europe/Dublin", 1784116800000ull, "2026-07-15T13:00:00+01:00", -1},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        lpg_civil_t c;
        char got[40];
        int rc = lpg_clock_local(t[i].zone, t[i].ms, &c);
        if (rc != LPG_OK)
            fail_msg("%s %llu: %s", t[i].zone, (unsigned long long)t[i].ms,
                     lpg_errtoken(rc));
        s_text(&c, got);
        if (strcmp(got, t[i].want) != 0 ||
            (t[i].dst >= 0 && c.dst != (t[i].dst == 1)))
            fail_msg("%s %llu: %s dst %d, wanted %s dst %d", t[i].zone,
                     (unsigned long long)t[i].ms, got, c.dst, t[i].want,
                     t[i].dst);
        uint32_t ymd = (uint32_t)c.year * 10000 + (uint32_t)c.month * 100 +
                       (uint32_t)c.day;
        assert_int_equal(lpg_local_ymd(t[i].ms, t[i].zone), ymd);
    }
    lpg_civil_t c;
    char text[40];
    assert_int_equal(lpg_clock_local("UTC", 1767285000000ull, &c), LPG_OK);
    assert_int_equal(lpg_civil_text(&c, ' ', false, text, sizeof text),
                     LPG_OK);
    assert_string_equal(text, "2026-01-01 16:30:00");
    assert_int_equal(lpg_civil_text(&c, ' ', false, text, 19), LPG_ERANGE);
    assert_string_equal(text, "?");
    /* past 9999-12-31 (UTC, or local) */
    assert_int_equal(lpg_clock_local("UTC", 253402300800000ull, &c),
                     LPG_ERANGE);
    assert_int_equal(lpg_clock_local("Asia/Shanghai", 253402300799000ull, &c),
                     LPG_ERANGE);
    assert_int_equal(lpg_clock_local("UTC", UINT64_MAX, &c), LPG_ERANGE);
    assert_int_equal(lpg_local_ymd(UINT64_MAX, "UTC"), 0);
}

/*  A zone that does not exist is a configuration error naming it. */
static void
test_unknown_zone(void **state)
{
    static const char *bad[] = {
        "Mars/Olympus_Mons", "",     "../../etc/passwd", "/etc/localtime",
        "zone.tab",          "Asia", "Asia/Shang hai",   "asia/shanghai",
        "America/New_York/", "UTC\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char why[512] = "";
        lpg_civil_t c;
        uint64_t ms;
        if (lpg_zone_check(bad[i], why, sizeof why) != LPG_ECONFIG)
            fail_msg("'%s' taken as a zone", bad[i]);
        if (!*bad[i] || strchr(bad[i], '\n'))
            assert_non_null(strstr(why, "not a zone name"));
        else if (!strstr(why, bad[i]))
            fail_msg("'%s': the reason does not name it: %s", bad[i], why);
        assert_int_equal(lpg_clock_local(bad[i], 0, &c), LPG_ECONFIG);
        lpg_civil_t in = {2026, 1, 1, 0, 0, 0, 0, false};
        assert_int_equal(lpg_clock_from_local(bad[i], &in, &ms), LPG_ECONFIG);
        assert_int_equal(lpg_local_ymd(0, bad[i]), 0);
    }
    char why[512];
    assert_int_equal(lpg_zone_check(NULL, why, sizeof why), LPG_ECONFIG);
    assert_int_equal(lpg_zone_check("Mars/Olympus_Mons", NULL, 0),
                     LPG_ECONFIG);
    assert_int_equal(lpg_zone_check("Asia/Shanghai", why, sizeof why), LPG_OK);
    assert_int_equal(lpg_zone_check("UTC", NULL, 0), LPG_OK);
    /* a zone counting leap seconds is refused, not read wrong */
    if (access("/usr/share/zoneinfo/right/UTC", R_OK) == 0) {
        assert_int_equal(lpg_zone_check("right/UTC", why, sizeof why),
                         LPG_ECONFIG);
        assert_non_null(strstr(why, "leap seconds"));
    }
}

/*  Local time back to an instant, through the changes. */
static void
test_from_local(void **state)
{
    static const struct {
        const char *zone;
        lpg_civil_t in;
        int rc;
        uint64_t want;
    } t[] = {
        {"Asia/Shanghai",
         {2026, 1, 2, 0, 30, 0, 0, 0},
         LPG_OK,
         1767285000000ull},
        {"UTC", {1970, 1, 1, 0, 0, 0, 0, 0}, LPG_OK, 0},
        {"UTC", {9999, 12, 31, 23, 59, 59, 0, 0}, LPG_OK, 253402300799000ull},
        {"America/New_York",
         {2026, 3, 8, 1, 59, 59, 0, 0},
         LPG_OK,
         1772953199000ull},
        /* skipped: read with the offset before, so 03:30 EDT */
        {"America/New_York",
         {2026, 3, 8, 2, 30, 0, 0, 0},
         LPG_OK,
         1772955000000ull},
        {"America/New_York",
         {2026, 3, 8, 3, 0, 0, 0, 0},
         LPG_OK,
         1772953200000ull},
        /* repeated: the first, EDT */
        {"America/New_York",
         {2026, 11, 1, 1, 30, 0, 0, 0},
         LPG_OK,
         1793511000000ull},
        {"America/New_York",
         {2026, 11, 1, 0, 30, 0, 0, 0},
         LPG_OK,
         1793507400000ull},
        {"America/New_York",
         {2026, 11, 1, 2, 0, 0, 0, 0},
         LPG_OK,
         1793516400000ull},
        {"Australia/Lord_Howe",
         {2026, 10, 4, 2, 15, 0, 0, 0},
         LPG_OK,
         1791042300000ull},
        {"Australia/Lord_Howe",
         {2026, 4, 5, 1, 45, 0, 0, 0},
         LPG_OK,
         1775313900000ull},
        {"Asia/Shanghai", {1970, 1, 1, 7, 59, 59, 0, 0}, LPG_ERANGE, 0},
        {"Asia/Shanghai", {1970, 1, 1, 8, 0, 0, 0, 0}, LPG_OK, 0},
        {"UTC", {2026, 2, 29, 0, 0, 0, 0, 0}, LPG_EINVAL, 0},
        {"UTC", {2024, 2, 29, 0, 0, 0, 0, 0}, LPG_OK, 1709164800000ull},
        {"UTC", {2026, 4, 31, 0, 0, 0, 0, 0}, LPG_EINVAL, 0},
        {"UTC", {2026, 13, 1, 0, 0, 0, 0, 0}, LPG_EINVAL, 0},
        {"UTC", {2026, 1, 1, 24, 0, 0, 0, 0}, LPG_EINVAL, 0},
        {"UTC", {2026, 1, 1, 0, 60, 0, 0, 0}, LPG_EINVAL, 0},
        {"UTC", {2026, 1, 1, 0, 0, -1, 0, 0}, LPG_EINVAL, 0},
        {"UTC", {10000, 1, 1, 0, 0, 0, 0, 0}, LPG_EINVAL, 0},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        uint64_t got = 42;
        int rc = lpg_clock_from_local(t[i].zone, &t[i].in, &got);
        if (rc != t[i].rc || (rc == LPG_OK && got != t[i].want))
            fail_msg("%s row %zu: %s %llu, wanted %s %llu", t[i].zone, i,
                     lpg_errtoken(rc), (unsigned long long)got,
                     lpg_errtoken(t[i].rc), (unsigned long long)t[i].want);
    }
}

static uint64_t s_seed = 0x9e3779b97f4a7c15ull;

static uint64_t
s_rand(void)
{
    s_seed ^= s_seed << 13;
    s_seed ^= s_seed >> 7;
    s_seed ^= s_seed << 17;
    return s_seed;
}

static const char *s_zones[5] = {"Asia/Shanghai", "America/New_York",
                                 "Australia/Lord_Howe", "Europe/Dublin",
                                 "America/Nuuk"};

/*  Compares one instant with localtime_r (TZ already the zone). */
static void
s_against_libc(const char *zone, uint64_t ms)
{
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    lpg_civil_t c;
    assert_non_null(localtime_r(&secs, &tm));
    int rc = lpg_clock_local(zone, ms, &c);
    if (rc != LPG_OK || c.year != tm.tm_year + 1900 ||
        c.month != tm.tm_mon + 1 || c.day != tm.tm_mday ||
        c.hour != tm.tm_hour || c.min != tm.tm_min || c.sec != tm.tm_sec ||
        c.offset_s != tm.tm_gmtoff)
        fail_msg("%s at %llu: libc %04d-%02d-%02d %02d:%02d:%02d %+ld, "
                 "here %s %04d-%02d-%02d %02d:%02d:%02d %+d",
                 zone, (unsigned long long)ms, tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                 (long)tm.tm_gmtoff, lpg_errtoken(rc), c.year, c.month, c.day,
                 c.hour, c.min, c.sec, (int)c.offset_s);
    /* and back: the same civil time (the first of two, if repeated) */
    uint64_t back;
    lpg_civil_t again;
    assert_int_equal(lpg_clock_from_local(zone, &c, &back), LPG_OK);
    assert_int_equal(lpg_clock_local(zone, back, &again), LPG_OK);
    if (back > ms / 1000 * 1000 || again.year != c.year ||
        again.month != c.month || again.day != c.day || again.hour != c.hour ||
        again.min != c.min || again.sec != c.sec)
        fail_msg("%s at %llu: back to %llu", zone, (unsigned long long)ms,
                 (unsigned long long)back);
}

/*  10,000 random instants from 1970 to 2100 in 5 zones, and every half
 *  hour (and the second before it) of 2026-2040 in each, checked against
 *  the C library. Only this test sets TZ, for localtime_r. */
static void
test_against_libc(void **state)
{
    const char *old = getenv("TZ");
    char *saved = old ? strdup(old) : NULL;
    size_t n = 0;
    for (size_t z = 0; z < 5; z++) {
        assert_int_equal(setenv("TZ", s_zones[z], 1), 0);
        tzset();
        for (int i = 0; i < 2000; i++, n++)
            s_against_libc(s_zones[z], s_rand() % 4102444800000ull);
        for (uint64_t t = 1767225600ull; t < 2240611200ull; t += 1800) {
            s_against_libc(s_zones[z], t * 1000);
            s_against_libc(s_zones[z], t * 1000 - 1);
        }
    }
    assert_int_equal(n, 10000);
    if (saved)
        setenv("TZ", saved, 1);
    else
        unsetenv("TZ");
    tzset();
    free(saved);
}

/*  The library never sets TZ: the variable stays where it was, the same
 *  string at the same address. */
static void
test_tz_untouched(void **state)
{
    assert_int_equal(setenv("TZ", "Pacific/Chatham", 1), 0);
    const char *before = getenv("TZ");
    lpg_civil_t c;
    assert_int_equal(lpg_clock_local("Asia/Tokyo", 1767285000000ull, &c),
                     LPG_OK);
    assert_int_equal(c.hour, 1);
    assert_int_equal(lpg_local_ymd(1767285000000ull, "Asia/Shanghai"),
                     20260102);
    uint64_t ms;
    assert_int_equal(lpg_clock_from_local("Europe/Paris", &c, &ms), LPG_OK);
    assert_int_equal(lpg_zone_check("Mars/Olympus_Mons", NULL, 0),
                     LPG_ECONFIG);
    assert_true(getenv("TZ") == before);
    assert_string_equal(getenv("TZ"), "Pacific/Chatham");
    assert_int_equal(unsetenv("TZ"), 0);
    assert_int_equal(lpg_local_ymd(1767285000000ull, "Asia/Kolkata"),
                     20260101);
    assert_null(getenv("TZ"));
}

/*  Threads loading and reading zones at once. */
static const char *s_thread_zones[6] = {"Europe/Berlin",    "Asia/Kathmandu",
                                        "America/Santiago", "Africa/Cairo",
                                        "Pacific/Auckland", "America/Denver"};

static void *
s_zone_thread(void *arg)
{
    const uint32_t *want = arg;
    for (int i = 0; i < 2000; i++) {
        size_t z = (size_t)i % 6;
        if (lpg_local_ymd(1767285000000ull + (uint64_t)(i / 6) * 3600000,
                          s_thread_zones[z]) != want[i])
            return (void *)1;
    }
    return NULL;
}

static void
test_zone_threads(void **state)
{
    static uint32_t want[2000];
    /* what one thread gets, converting by hand with the offsets known on
     * 2026-01-01: Berlin +1, Kathmandu +5:45, Santiago -3, Cairo +2,
     * Auckland +13, Denver -7 (none changes in the next 14 days) */
    static const int32_t off[6] = {3600, 20700, -10800, 7200, 46800, -25200};
    for (int i = 0; i < 2000; i++) {
        lpg_civil_t c;
        uint64_t ms = 1767285000000ull + (uint64_t)(i / 6) * 3600000 +
                      (uint64_t)((int64_t)off[i % 6] * 1000);
        assert_int_equal(lpg_clock_local("UTC", ms, &c), LPG_OK);
        want[i] = (uint32_t)(c.year * 10000 + c.month * 100 + c.day);
    }
    pthread_t th[8];
    for (int i = 0; i < 8; i++)
        assert_int_equal(pthread_create(&th[i], NULL, s_zone_thread, want), 0);
    for (int i = 0; i < 8; i++) {
        void *rv = (void *)2;
        assert_int_equal(pthread_join(th[i], &rv), 0);
        assert_null(rv);
    }
}

/* -- TZif files made here, read through $TZDIR -- */

static void
s_put(FILE *f, uint64_t v, unsigned bytes)
{
    for (unsigned i = bytes; i-- > 0;)
        fputc((int)(v >> (8 * i)) & 0xff, f);
}

/*  A TZif file: version '\0' (32-bit data only) or '2' (both, and the
 *  footer); n transitions at[] to types idx[]; types utoff[] (dst odd). */
static void
s_tzif(const char *path, char version, size_t n, const int64_t *at,
       const uint8_t *idx, size_t ntypes, const int32_t *utoff, uint32_t leap,
       const char *footer)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    for (int pass = 0; pass < (version ? 2 : 1); pass++) {
        unsigned tsz = pass ? 8 : 4;
        fwrite("TZif", 1, 4, f);
        fputc(version, f);
        for (int i = 0; i < 15; i++)
            fputc(0, f);
        s_put(f, 0, 4); /* isut */
        s_put(f, 0, 4); /* isstd */
        s_put(f, leap, 4);
        s_put(f, n, 4);
        s_put(f, ntypes, 4);
        s_put(f, 4, 4); /* chars */
        for (size_t i = 0; i < n; i++)
            s_put(f, (uint64_t)at[i], tsz);
        for (size_t i = 0; i < n; i++)
            fputc(idx[i], f);
        for (size_t i = 0; i < ntypes; i++) {
            s_put(f, (uint32_t)utoff[i], 4);
            fputc(utoff[i] % 3600 == 0 && (utoff[i] / 3600) % 2 != 0, f);
            fputc(0, f);
        }
        fwrite("ABC", 1, 4, f);
        for (uint32_t i = 0; i < leap; i++)
            s_put(f, 0, tsz + 4);
    }
    if (version)
        fprintf(f, "\n%s\n", footer);
    assert_int_equal(fclose(f), 0);
}

static int32_t
s_offset(const char *zone, uint64_t ms)
{
    lpg_civil_t c;
    int rc = lpg_clock_local(zone, ms, &c);
    if (rc != LPG_OK)
        fail_msg("%s: %s", zone, lpg_errtoken(rc));
    return c.offset_s;
}

static void
test_tzif_files(void **state)
{
    char dir[] = "/tmp/lpg-tzif-XXXXXX", path[256], sub[256];
    assert_non_null(mkdtemp(dir));
    snprintf(sub, sizeof sub, "%s/T", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    const char *old = getenv("TZDIR");
    char *saved = old ? strdup(old) : NULL;
    assert_int_equal(setenv("TZDIR", dir, 1), 0);

    /* version 1: +1 h before 2000-01-01, +2 h after, nothing more */
    const int64_t at[2] = {0, 946684800};
    const uint8_t idx[2] = {0, 1};
    const int32_t off[2] = {3600, 7200};
    snprintf(path, sizeof path, "%s/T/V1", dir);
    s_tzif(path, '\0', 2, at, idx, 2, off, 0, NULL);
    assert_int_equal(s_offset("T/V1", 946684799000ull), 3600);
    assert_int_equal(s_offset("T/V1", 946684800000ull), 7200);
    assert_int_equal(s_offset("T/V1", 4102444800000ull), 7200);

    /* no transitions: the footer's fixed offset rules every instant */
    snprintf(path, sizeof path, "%s/T/Fixed", dir);
    s_tzif(path, '2', 0, NULL, NULL, 1, off, 0, "<+0530>-5:30");
    assert_int_equal(s_offset("T/Fixed", 0), 19800);
    assert_int_equal(s_offset("T/Fixed", 4102444800000ull), 19800);

    /* the types until the last transition, then the footer: Jn never
     * counts 29 February, n does (2028 is a leap year) */
    snprintf(path, sizeof path, "%s/T/Julian", dir);
    s_tzif(path, '2', 2, at, idx, 2, off, 0, "XST-2XDT,J60/0,J300/0");
    snprintf(path, sizeof path, "%s/T/Zero", dir);
    s_tzif(path, '2', 2, at, idx, 2, off, 0, "XST-2XDT,59/0,299/0");
    assert_int_equal(s_offset("T/Julian", 946684799000ull), 3600);
    assert_int_equal(s_offset("T/Julian", 1835474399000ull), 7200);
    assert_int_equal(s_offset("T/Julian", 1835474400000ull), 10800);
    assert_int_equal(s_offset("T/Zero", 1835387999000ull), 7200);
    assert_int_equal(s_offset("T/Zero", 1835388000000ull), 10800);
    lpg_civil_t c;
    assert_int_equal(lpg_clock_local("T/Zero", 1835388000000ull, &c), LPG_OK);
    assert_true(c.dst && c.month == 2 && c.day == 29 && c.hour == 1);

    /* what is refused, each a configuration error naming the zone */
    static const struct {
        const char *name;
        char version;
        size_t n;
        uint32_t leap;
        const char *footer;
        const char *why;
    } bad[] = {
        {"Footer", '2', 2, 0, "garbage", "footer"},
        {"Footer2", '2', 2, 0, "XST-2XDT,M13.1.0,M10.5.0", "footer"},
        {"Footer3", '2', 2, 0, "XST-2XDT,M3.5.0", "footer"},
        {"Footer4", '2', 2, 0, "XS-2", "footer"},
        {"Leap", '2', 2, 1, "XST-2", "leap seconds"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char name[64], why[512] = "";
        snprintf(name, sizeof name, "T/%s", bad[i].name);
        snprintf(path, sizeof path, "%s/%s", dir, name);
        s_tzif(path, bad[i].version, bad[i].n, at, idx, 2, off, bad[i].leap,
               bad[i].footer);
        assert_int_equal(lpg_zone_check(name, why, sizeof why), LPG_ECONFIG);
        if (!strstr(why, name) || !strstr(why, bad[i].why))
            fail_msg("%s: %s", name, why);
    }
    /* out of order */
    const int64_t back[2] = {946684800, 0};
    snprintf(path, sizeof path, "%s/T/Order", dir);
    s_tzif(path, '2', 2, back, idx, 2, off, 0, "XST-2");
    assert_int_equal(lpg_zone_check("T/Order", NULL, 0), LPG_ECONFIG);
    /* not a TZif file */
    snprintf(path, sizeof path, "%s/T/Text", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("# zone.tab\nCN\t+3114+12128\tAsia/Shanghai\n", f);
    fclose(f);
    assert_int_equal(lpg_zone_check("T/Text", NULL, 0), LPG_ECONFIG);

    /* every cut of a good file is refused, none read past its end */
    snprintf(path, sizeof path, "%s/T/Julian", dir);
    f = fopen(path, "rb");
    assert_non_null(f);
    uint8_t whole[1024];
    size_t len = fread(whole, 1, sizeof whole, f);
    fclose(f);
    assert_true(len > 100 && len < sizeof whole);
    snprintf(path, sizeof path, "%s/T/Cut", dir);
    for (size_t cut = 0; cut < len; cut++) {
        f = fopen(path, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(whole, 1, cut, f), cut);
        fclose(f);
        if (lpg_zone_check("T/Cut", NULL, 0) != LPG_ECONFIG)
            fail_msg("cut at %zu of %zu bytes taken", cut, len);
    }
    f = fopen(path, "wb");
    assert_non_null(f);
    fwrite(whole, 1, len, f);
    fclose(f);
    assert_int_equal(lpg_zone_check("T/Cut", NULL, 0), LPG_OK);

    if (saved)
        setenv("TZDIR", saved, 1);
    else
        unsetenv("TZDIR");
    free(saved);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* ---- the calendar ----------------------------------------------------- */

static void
test_ymd(void **state)
{
    assert_true(lpg_ymd_valid(20240229));
    assert_false(lpg_ymd_valid(20260229));
    assert_false(lpg_ymd_valid(21000229));
    assert_true(lpg_ymd_valid(20000229));
    assert_false(lpg_ymd_valid(20260431));
    assert_false(lpg_ymd_valid(20261301));
    assert_false(lpg_ymd_valid(20260100));
    assert_false(lpg_ymd_valid(18991231));
    assert_true(lpg_ymd_valid(99991231));
    assert_false(lpg_ymd_valid(0));
    assert_int_equal(lpg_ymd_add_days(20260228, 1), 20260301);
    assert_int_equal(lpg_ymd_add_days(20240228, 1), 20240229);
    assert_int_equal(lpg_ymd_add_days(20261231, 1), 20270101);
    assert_int_equal(lpg_ymd_add_days(99991231, 1), 0);
    assert_int_equal(lpg_ymd_add_days(20260229, 1), 0);
    assert_true(lpg_ymd_end_ms(19700101) == 86400000ull);
    assert_true(lpg_ymd_end_ms(20260101) == 1767312000000ull);
    assert_true(lpg_ymd_end_ms(19691231) == 0);
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
        cmocka_unit_test(test_zone_threads),
        cmocka_unit_test(test_local_table),
        cmocka_unit_test(test_unknown_zone),
        cmocka_unit_test(test_from_local),
        cmocka_unit_test(test_against_libc),
        cmocka_unit_test(test_tz_untouched),
        cmocka_unit_test(test_tzif_files),
        cmocka_unit_test(test_ymd),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", s_dir);
    if (system(cmd) != 0)
        return 1;
    return rc;
}
