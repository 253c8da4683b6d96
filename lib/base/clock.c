/*  clock.c - see clock.h. */
#include "base/clock.h"
#include "base/error.h"
#include "base/log.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define S_SKEW_MAX_S 86400ULL     /* a day */
#define S_LATE_MAX_S 31622400ULL  /* a year and a day */

int
lpg_clock_parse(const char *text, uint64_t *out)
{
    if (!text || !*text)
        return LPG_EINVAL;
    uint64_t v = 0;
    for (const char *p = text; *p; p++) {
        if (*p < '0' || *p > '9')
            return LPG_EINVAL;
        uint64_t d = (uint64_t)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return LPG_EINVAL;
        v = v * 10 + d;
    }
    *out = v;
    return LPG_OK;
}

static pthread_once_t s_once = PTHREAD_ONCE_INIT;
static bool s_fixed;
static uint64_t s_fixed_ms;

/*  Read once: getenv is not safe against the setenv of TZ that
 *  lpg_local_ymd does on other threads. */
static void
s_read_env(void)
{
    const char *text = getenv("LPG_NOW_MS");
    if (!text || !*text)
        return;
    if (lpg_clock_parse(text, &s_fixed_ms) == LPG_OK)
        s_fixed = true;
    else
        lpg_warn("LPG_NOW_MS='%s' is not a time in ms since the epoch: "
                 "ignored, the wall clock is used", text);
}

uint64_t
lpg_clock_now_ms(void)
{
    pthread_once(&s_once, s_read_env);
    if (s_fixed)
        return s_fixed_ms;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t
lpg_clock_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int
lpg_clock_bounds_from_config(lpg_clock_bounds_t *out,
                             const lpg_config_t *cfg, char *why,
                             size_t whysz)
{
    int64_t skew = lpg_config_get_int(cfg, "time.max_skew_s", -1);
    if (skew < 0 || (uint64_t)skew > S_SKEW_MAX_S)
        return lpg_why_rc(why, whysz, LPG_ECONFIG,
                          "time.max_skew_s must be an integer in 0..%llu",
                          S_SKEW_MAX_S);
    int64_t late = lpg_config_get_int(cfg, "time.max_late_s", -1);
    if (late < 0 || (uint64_t)late > S_LATE_MAX_S)
        return lpg_why_rc(why, whysz, LPG_ECONFIG,
                          "time.max_late_s must be an integer in 0..%llu",
                          S_LATE_MAX_S);
    out->ahead_ms = (uint64_t)skew * 1000;
    out->behind_ms = (uint64_t)late * 1000;
    return LPG_OK;
}

/*  "36000 s (10.0 h)": a distance in time a person can read. */
static void
s_span(char *out, size_t outsz, uint64_t ms)
{
    uint64_t s = ms / 1000;
    if (s >= 2 * 86400)
        snprintf(out, outsz, "%llu s (%.1f days)", (unsigned long long)s,
                 (double)s / 86400.0);
    else if (s >= 2 * 3600)
        snprintf(out, outsz, "%llu s (%.1f h)", (unsigned long long)s,
                 (double)s / 3600.0);
    else
        snprintf(out, outsz, "%llu s", (unsigned long long)s);
}

int
lpg_clock_judge(uint64_t device_ms, uint64_t now_ms,
                const lpg_clock_bounds_t *b, char *why, size_t whysz)
{
    char span[64];
    if (device_ms > now_ms && device_ms - now_ms > b->ahead_ms) {
        s_span(span, sizeof span, device_ms - now_ms);
        return lpg_why_rc(why, whysz, LPG_ECLOCK_AHEAD,
                          "device clock %s ahead of the service's (at most "
                          "%llu s: time.max_skew_s)",
                          span, (unsigned long long)(b->ahead_ms / 1000));
    }
    if (now_ms > device_ms && now_ms - device_ms > b->behind_ms) {
        s_span(span, sizeof span, now_ms - device_ms);
        return lpg_why_rc(why, whysz, LPG_ECLOCK_BEHIND,
                          "device time %s before the service's (at most "
                          "%llu s: time.max_late_s)",
                          span, (unsigned long long)(b->behind_ms / 1000));
    }
    return LPG_OK;
}

uint64_t
lpg_clock_bounded(uint64_t device_ms, uint64_t recorded_ms)
{
    return device_ms < recorded_ms ? device_ms : recorded_ms;
}
