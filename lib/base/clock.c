/*  clock.c - see clock.h. */
#include "base/clock.h"
#include "base/error.h"
#include "base/log.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define S_SKEW_MAX_S 86400ULL    /* a day */
#define S_LATE_MAX_S 31622400ULL /* a year and a day */

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

/*  Read once: the clock then stands still for the whole process. */
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
                 "ignored, the wall clock is used",
                 text);
}

/*  Set by lpg_clock_set_now_ms; 0: not set. */
static _Atomic uint64_t s_set_ms;

void
lpg_clock_set_now_ms(uint64_t ms)
{
    atomic_store(&s_set_ms, ms);
}

uint64_t
lpg_clock_now_ms(void)
{
    uint64_t set = atomic_load(&s_set_ms);
    if (set)
        return set;
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
lpg_clock_bounds_from_config(lpg_clock_bounds_t *out, const lpg_config_t *cfg,
                             char *why, size_t whysz)
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

/* ---- the Gregorian calendar ------------------------------------------ */

#define S_DAY_S 86400
#define S_LAST_S 253402300799LL /* 9999-12-31T23:59:59Z */

/*  a / b rounded down (b > 0). */
static int64_t
s_floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && a < 0) ? q - 1 : q;
}

/*  Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's
 *  days_from_civil), and back. */
static int64_t
s_days(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void
s_civil(int64_t z, int64_t *year, unsigned *month, unsigned *day)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = (int64_t)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *day = doy - (153 * mp + 2) / 5 + 1;
    *month = mp < 10 ? mp + 3 : mp - 9;
    *year = y + (*month <= 2);
}

static uint32_t
s_ymd(int64_t z)
{
    int64_t y;
    unsigned m, d;
    s_civil(z, &y, &m, &d);
    return (uint32_t)(y * 10000 + m * 100 + d);
}

static bool
s_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned
s_month_days(int64_t y, unsigned m)
{
    static const unsigned days[12] = {31, 28, 31, 30, 31, 30,
                                      31, 31, 30, 31, 30, 31};
    return m == 2 && s_leap(y) ? 29 : days[m - 1];
}

bool
lpg_ymd_valid(uint32_t ymd)
{
    unsigned y = ymd / 10000, m = ymd / 100 % 100, d = ymd % 100;
    if (y < 1900 || y > 9999 || m < 1 || m > 12 || d < 1)
        return false;
    return d <= s_month_days(y, m);
}

uint32_t
lpg_ymd_add_days(uint32_t ymd, uint32_t days)
{
    if (!lpg_ymd_valid(ymd) || days > 3660000)
        return 0;
    uint32_t r = s_ymd(s_days(ymd / 10000, ymd / 100 % 100, ymd % 100) + days);
    return r <= 99991231 ? r : 0;
}

uint64_t
lpg_ymd_end_ms(uint32_t ymd)
{
    if (!lpg_ymd_valid(ymd) || ymd < 19700101)
        return 0;
    int64_t d = s_days(ymd / 10000, ymd / 100 % 100, ymd % 100) + 1;
    return (uint64_t)d * 86400000u;
}

/* ---- zones of the tz database ------------------------------------------
 *
 *  A TZif file (RFC 8536) lists the instants the zone's offset changed
 *  and, from version 2 on, ends with a POSIX TZ string ("EST5EDT,M3.2.0,
 *  M11.1.0") that rules every instant after the last one listed. Slim
 *  files list few or no changes and leave the rest to that rule.
 */

#define S_TZIF_MAX (1u << 20) /* bytes; the largest zone is about 4 KiB */
#define S_TYPES_MAX 256
#define S_TRANSITIONS_MAX 65536u

typedef struct {
    int32_t utoff; /* local minus UTC, s */
    bool dst;
} s_type_t;

/*  A day of the year in a TZ string, and the local time on it. */
typedef struct {
    char kind;    /* 'J': 1..365 without 29 Feb; 'N': 0..365; 'M' */
    int n;        /* J and N: the day */
    int m, w, d;  /* M: month 1..12, week 1..5 (5: the last), weekday 0..6 */
    int32_t time; /* s after local midnight, -167 h..167 h */
} s_day_t;

typedef struct {
    int32_t std_off; /* utoff of standard time */
    int32_t dst_off; /* utoff of daylight-saving time */
    bool has_dst;
    s_day_t start, end; /* into and out of daylight-saving time */
} s_rule_t;

typedef struct s_zone {
    struct s_zone *next;
    char name[LPG_ZONE_MAX + 1];
    size_t n;      /* transitions */
    int64_t *at;   /* when, s since the epoch, ascending */
    uint8_t *type; /* the type from then on, into types */
    size_t ntypes;
    s_type_t types[S_TYPES_MAX];
    bool has_rule; /* the footer's TZ string, after at[n - 1] */
    s_rule_t rule;
} s_zone_t;

static pthread_mutex_t s_zones_lock = PTHREAD_MUTEX_INITIALIZER;
static s_zone_t *s_zones; /* loaded zones, kept until exit */

/* -- the POSIX TZ string -- */

/*  Up to max_digits decimal digits into *out; the end, or NULL if none. */
static const char *
s_tz_num(const char *p, int max_digits, int *out)
{
    int v = 0, n = 0;
    for (; n < max_digits && *p >= '0' && *p <= '9'; n++, p++)
        v = v * 10 + (*p - '0');
    if (n == 0)
        return NULL;
    *out = v;
    return p;
}

/*  A zone abbreviation: three or more letters, or <...> of letters,
 *  digits, '+' and '-'. */
static const char *
s_tz_name(const char *p)
{
    const char *start;
    if (*p == '<') {
        start = ++p;
        for (; *p && *p != '>'; p++)
            if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
                  (*p >= '0' && *p <= '9') || *p == '+' || *p == '-'))
                return NULL;
        return *p == '>' && p - start >= 3 ? p + 1 : NULL;
    }
    start = p;
    while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'))
        p++;
    return p - start >= 3 ? p : NULL;
}

/*  [+-]hh[:mm[:ss]] with hh at most max_h, in seconds. */
static const char *
s_tz_hms(const char *p, int max_h, int32_t *out)
{
    int sign = 1, h, m = 0, s = 0;
    if (*p == '+' || *p == '-')
        sign = *p++ == '-' ? -1 : 1;
    if (!(p = s_tz_num(p, 3, &h)) || h > max_h)
        return NULL;
    if (*p == ':') {
        if (!(p = s_tz_num(p + 1, 2, &m)) || m > 59)
            return NULL;
        if (*p == ':' && (!(p = s_tz_num(p + 1, 2, &s)) || s > 59))
            return NULL;
    }
    *out = sign * (h * 3600 + m * 60 + s);
    return p;
}

/*  Jn, n or Mm.w.d, then an optional /time (02:00 if none). */
static const char *
s_tz_day(const char *p, s_day_t *d)
{
    memset(d, 0, sizeof *d);
    if (*p == 'J') {
        d->kind = 'J';
        if (!(p = s_tz_num(p + 1, 3, &d->n)) || d->n < 1 || d->n > 365)
            return NULL;
    } else if (*p == 'M') {
        d->kind = 'M';
        if (!(p = s_tz_num(p + 1, 2, &d->m)) || d->m < 1 || d->m > 12 ||
            *p != '.' || !(p = s_tz_num(p + 1, 1, &d->w)) || d->w < 1 ||
            d->w > 5 || *p != '.' || !(p = s_tz_num(p + 1, 1, &d->d)) ||
            d->d > 6)
            return NULL;
    } else {
        d->kind = 'N';
        if (!(p = s_tz_num(p, 3, &d->n)) || d->n > 365)
            return NULL;
    }
    d->time = 2 * 3600;
    if (*p == '/')
        p = s_tz_hms(p + 1, 167, &d->time);
    return p;
}

/*  std offset [dst [offset] [,start[/time],end[/time]]]. POSIX offsets
 *  are west of Greenwich, the negative of a utoff. */
static bool
s_tz_parse(const char *p, s_rule_t *r)
{
    memset(r, 0, sizeof *r);
    int32_t off;
    if (!(p = s_tz_name(p)) || !(p = s_tz_hms(p, 24, &off)))
        return false;
    r->std_off = -off;
    if (!*p)
        return true;
    if (!(p = s_tz_name(p)))
        return false;
    r->has_dst = true;
    r->dst_off = r->std_off + 3600;
    if (*p && *p != ',') {
        if (!(p = s_tz_hms(p, 24, &off)))
            return false;
        r->dst_off = -off;
    }
    if (!*p) { /* no rule given: the United States' since 2007 */
        r->start = (s_day_t){'M', 0, 3, 2, 0, 2 * 3600};
        r->end = (s_day_t){'M', 0, 11, 1, 0, 2 * 3600};
        return true;
    }
    if (*p != ',' || !(p = s_tz_day(p + 1, &r->start)) || *p != ',' ||
        !(p = s_tz_day(p + 1, &r->end)))
        return false;
    return *p == '\0';
}

/*  Days since the epoch of a rule's day in year y. */
static int64_t
s_rule_day(int64_t y, const s_day_t *d)
{
    int64_t jan1 = s_days(y, 1, 1);
    if (d->kind == 'J')
        return jan1 + d->n - 1 + (s_leap(y) && d->n >= 60);
    if (d->kind == 'N')
        return jan1 + d->n;
    int64_t first = s_days(y, (unsigned)d->m, 1);
    int wday = (int)((first % 7 + 7 + 4) % 7); /* 1970-01-01: Thursday */
    int64_t day = first + (d->d - wday + 7) % 7 + 7 * (d->w - 1);
    while (day >= first + s_month_days(y, (unsigned)d->m))
        day -= 7;
    return day;
}

static void
s_rule_at(const s_rule_t *r, int64_t t, int32_t *off, bool *dst)
{
    *off = r->std_off;
    *dst = false;
    if (!r->has_dst)
        return;
    /* the changes of the year of t (UTC), each in the time it ends */
    int64_t y;
    unsigned m, d;
    s_civil(s_floor_div(t, S_DAY_S), &y, &m, &d);
    int64_t start =
        s_rule_day(y, &r->start) * S_DAY_S + r->start.time - r->std_off;
    int64_t end = s_rule_day(y, &r->end) * S_DAY_S + r->end.time - r->dst_off;
    bool in = start < end ? t >= start && t < end : !(t >= end && t < start);
    if (in) {
        *off = r->dst_off;
        *dst = true;
    }
}

/*  The offset in force at t (s since the epoch, UTC). */
static void
s_zone_at(const s_zone_t *z, int64_t t, int32_t *off, bool *dst)
{
    const s_type_t *ty = &z->types[0];
    if (z->n == 0 || t >= z->at[z->n - 1]) {
        if (z->has_rule) {
            s_rule_at(&z->rule, t, off, dst);
            return;
        }
        if (z->n > 0)
            ty = &z->types[z->type[z->n - 1]];
    } else if (t >= z->at[0]) {
        size_t lo = 0, hi = z->n - 1; /* at[lo] <= t < at[hi] */
        while (hi - lo > 1) {
            size_t mid = lo + (hi - lo) / 2;
            if (z->at[mid] <= t)
                lo = mid;
            else
                hi = mid;
        }
        ty = &z->types[z->type[lo]];
    }
    *off = ty->utoff;
    *dst = ty->dst;
}

/* -- the TZif file -- */

typedef struct {
    uint8_t version;
    uint32_t isut, isstd, leap, time, type, chars;
} s_head_t;

static uint32_t
s_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           p[3];
}

static bool
s_head(const uint8_t *b, size_t len, size_t off, s_head_t *h)
{
    if (off > len || len - off < 44 || memcmp(b + off, "TZif", 4) != 0)
        return false;
    const uint8_t *c = b + off + 20;
    h->version = b[off + 4];
    h->isut = s_be32(c);
    h->isstd = s_be32(c + 4);
    h->leap = s_be32(c + 8);
    h->time = s_be32(c + 12);
    h->type = s_be32(c + 16);
    h->chars = s_be32(c + 20);
    return h->type >= 1 && h->type <= S_TYPES_MAX && h->chars >= 1 &&
           h->time <= S_TRANSITIONS_MAX && h->chars <= 65536 &&
           h->leap <= 65536 && (h->isstd == 0 || h->isstd == h->type) &&
           (h->isut == 0 || h->isut == h->type);
}

/*  Bytes of the data block after a header, times tsz bytes wide. */
static uint64_t
s_block_len(const s_head_t *h, unsigned tsz)
{
    return (uint64_t)h->time * (tsz + 1) + (uint64_t)h->type * 6 + h->chars +
           (uint64_t)h->leap * (tsz + 4) + h->isstd + h->isut;
}

/*  Reads the data block at b (its length checked by the caller) into z.
 *  NULL, or what is wrong. */
static const char *
s_block(const uint8_t *b, const s_head_t *h, unsigned tsz, s_zone_t *z)
{
    if (h->leap > 0)
        return "a zone counting leap seconds (right/...) is not supported";
    z->n = h->time;
    z->ntypes = h->type;
    if (z->n > 0) {
        z->at = malloc(z->n * sizeof *z->at);
        z->type = malloc(z->n);
        if (!z->at || !z->type)
            return "out of memory";
    }
    const uint8_t *p = b;
    for (size_t i = 0; i < z->n; i++, p += tsz) {
        uint64_t v = s_be32(p);
        if (tsz == 8)
            v = v << 32 | s_be32(p + 4);
        z->at[i] = tsz == 8 ? (int64_t)v : (int64_t)(int32_t)(uint32_t)v;
        if (i > 0 && z->at[i] <= z->at[i - 1])
            return "transition times out of order";
    }
    for (size_t i = 0; i < z->n; i++, p++) {
        if (*p >= h->type)
            return "a transition names no type";
        z->type[i] = *p;
    }
    for (size_t i = 0; i < z->ntypes; i++, p += 6) {
        int32_t utoff = (int32_t)s_be32(p);
        if (utoff < -89999 || utoff > 93599 || p[4] > 1 || p[5] >= h->chars)
            return "a time type out of range";
        z->types[i] = (s_type_t){utoff, p[4] == 1};
    }
    return NULL;
}

/*  Parses a TZif file of len bytes into z. NULL, or what is wrong. */
static const char *
s_tzif(const uint8_t *b, size_t len, s_zone_t *z)
{
    s_head_t h1, h2;
    if (!s_head(b, len, 0, &h1))
        return "not a TZif file";
    uint64_t off = 44 + s_block_len(&h1, 4);
    if (off > len)
        return "the file is cut short";
    if (h1.version == 0)
        return s_block(b + 44, &h1, 4, z);
    if (!s_head(b, len, (size_t)off, &h2))
        return "no version 2 header";
    const uint8_t *block = b + off + 44;
    off += 44 + s_block_len(&h2, 8);
    if (off + 2 > len || b[off] != '\n')
        return "no footer";
    const char *err = s_block(block, &h2, 8, z);
    if (err)
        return err;
    const uint8_t *tz = b + off + 1;
    const uint8_t *nl = memchr(tz, '\n', len - (size_t)off - 1);
    if (!nl || nl - tz > 255)
        return "no footer";
    if (nl == tz)
        return NULL; /* no rule: the last type stays */
    char text[256];
    memcpy(text, tz, (size_t)(nl - tz));
    text[nl - tz] = '\0';
    if (!s_tz_parse(text, &z->rule))
        return "a footer TZ string this reader does not know";
    z->has_rule = true;
    return NULL;
}

/*  A name like "Asia/Shanghai": no absolute path, no "..". */
static bool
s_name_ok(const char *zone)
{
    if (!zone || !*zone || strlen(zone) > LPG_ZONE_MAX || zone[0] == '/' ||
        strstr(zone, ".."))
        return false;
    for (const char *p = zone; *p; p++) {
        char c = *p;
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              (c >= '0' && c <= '9') || c == '/' || c == '_' || c == '-' ||
              c == '+' || c == '.'))
            return false;
    }
    return true;
}

static void
s_zone_free(s_zone_t *z)
{
    if (z) {
        free(z->at);
        free(z->type);
        free(z);
    }
}

/*  Reads and parses the zone's file; the caller holds s_zones_lock.
 *  NULL with why filled on failure. */
static s_zone_t *
s_load(const char *zone, char *why, size_t whysz)
{
    const char *dir = getenv("TZDIR");
    if (!dir || !*dir)
        dir = "/usr/share/zoneinfo";
    char path[4096];
    int n = snprintf(path, sizeof path, "%s/%s", dir, zone);
    if (n < 0 || (size_t)n >= sizeof path) {
        lpg_why(why, whysz, "time zone '%s': path too long", zone);
        return NULL;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        lpg_why(why, whysz,
                "time zone '%s' is not in the tz database "
                "(no %s)",
                zone, path);
        return NULL;
    }
    uint8_t *buf = malloc(S_TZIF_MAX + 1);
    s_zone_t *z = calloc(1, sizeof *z);
    size_t len = buf ? fread(buf, 1, S_TZIF_MAX + 1, f) : 0;
    bool read_ok = buf && !ferror(f);
    fclose(f);
    const char *err = !buf || !z         ? "out of memory"
                      : !read_ok         ? "unreadable (a directory?)"
                      : len > S_TZIF_MAX ? "too large for a TZif file"
                                         : s_tzif(buf, len, z);
    free(buf);
    if (err) {
        lpg_why(why, whysz,
                "time zone '%s' is not a zone of the tz "
                "database (%s: %s)",
                zone, path, err);
        s_zone_free(z);
        return NULL;
    }
    snprintf(z->name, sizeof z->name, "%s", zone);
    return z;
}

/*  The zone, loaded on first use; NULL (why filled) if unknown. */
static const s_zone_t *
s_zone(const char *zone, char *why, size_t whysz)
{
    if (!s_name_ok(zone)) {
        lpg_why(why, whysz,
                "time zone '%s' is not a zone name of the tz "
                "database (like Asia/Shanghai or UTC)",
                zone ? zone : "");
        return NULL;
    }
    pthread_mutex_lock(&s_zones_lock);
    s_zone_t *z = s_zones;
    while (z && strcmp(z->name, zone) != 0)
        z = z->next;
    if (!z && (z = s_load(zone, why, whysz)) != NULL) {
        z->next = s_zones;
        s_zones = z;
    }
    pthread_mutex_unlock(&s_zones_lock);
    return z;
}

int
lpg_zone_check(const char *zone, char *why, size_t whysz)
{
    return s_zone(zone, why, whysz) ? LPG_OK : LPG_ECONFIG;
}

/*  The civil time of local seconds (the UTC time plus the offset). */
static int
s_civil_time(int64_t local, int32_t off, bool dst, lpg_civil_t *out)
{
    int64_t days = s_floor_div(local, S_DAY_S);
    int64_t sod = local - days * S_DAY_S;
    int64_t y;
    unsigned m, d;
    s_civil(days, &y, &m, &d);
    if (y < 1900 || y > 9999)
        return LPG_ERANGE;
    out->year = (int)y;
    out->month = (int)m;
    out->day = (int)d;
    out->hour = (int)(sod / 3600);
    out->min = (int)(sod / 60 % 60);
    out->sec = (int)(sod % 60);
    out->offset_s = off;
    out->dst = dst;
    return LPG_OK;
}

int
lpg_clock_local(const char *zone, uint64_t ms, lpg_civil_t *out)
{
    const s_zone_t *z = s_zone(zone, NULL, 0);
    if (!z)
        return LPG_ECONFIG;
    if (ms / 1000 > (uint64_t)S_LAST_S)
        return LPG_ERANGE;
    int64_t t = (int64_t)(ms / 1000);
    int32_t off;
    bool dst;
    s_zone_at(z, t, &off, &dst);
    return s_civil_time(t + off, off, dst, out);
}

static int32_t
s_off(const s_zone_t *z, int64_t t)
{
    int32_t off;
    bool dst;
    s_zone_at(z, t, &off, &dst);
    return off;
}

int
lpg_clock_from_local(const char *zone, const lpg_civil_t *in, uint64_t *out)
{
    const s_zone_t *z = s_zone(zone, NULL, 0);
    if (!z)
        return LPG_ECONFIG;
    if (in->year < 1900 || in->year > 9999 || in->month < 1 ||
        in->month > 12 || in->day < 1 ||
        (unsigned)in->day > s_month_days(in->year, (unsigned)in->month) ||
        in->hour < 0 || in->hour > 23 || in->min < 0 || in->min > 59 ||
        in->sec < 0 || in->sec > 59)
        return LPG_EINVAL;
    int64_t day = s_days(in->year, (unsigned)in->month, (unsigned)in->day);
    int64_t local = day * S_DAY_S + in->hour * 3600 + in->min * 60 + in->sec;
    /* The offsets a day before and a day after (no zone changes twice in
     * two days): the local time is either offset's if that offset is in
     * force at the instant it gives. */
    int32_t before = s_off(z, local - S_DAY_S);
    int32_t after = s_off(z, local + S_DAY_S);
    int64_t tb = local - before, ta = local - after;
    bool vb = s_off(z, tb) == before, va = s_off(z, ta) == after;
    int64_t t = vb && va ? (tb < ta ? tb : ta) : va && !vb ? ta : tb;
    if (t < 0 || t > S_LAST_S)
        return LPG_ERANGE;
    *out = (uint64_t)t * 1000;
    return LPG_OK;
}

int
lpg_civil_text(const lpg_civil_t *c, char sep, bool offset, char *out,
               size_t outsz)
{
    int n = snprintf(out, outsz, "%04d-%02d-%02d%c%02d:%02d:%02d", c->year,
                     c->month, c->day, sep, c->hour, c->min, c->sec);
    if (n >= 0 && offset && (size_t)n < outsz) {
        int32_t a = c->offset_s < 0 ? -c->offset_s : c->offset_s;
        n += snprintf(out + n, outsz - (size_t)n, "%c%02d:%02d",
                      c->offset_s < 0 ? '-' : '+', (int)(a / 3600),
                      (int)(a / 60 % 60));
    }
    if (n < 0 || (size_t)n >= outsz) {
        if (outsz >= 2)
            snprintf(out, outsz, "?");
        return LPG_ERANGE;
    }
    return LPG_OK;
}

uint32_t
lpg_local_ymd(uint64_t ms, const char *zone)
{
    lpg_civil_t c;
    if (lpg_clock_local(zone, ms, &c) != LPG_OK)
        return 0;
    return (uint32_t)c.year * 10000 + (uint32_t)c.month * 100 +
           (uint32_t)c.day;
}

uint32_t
lpg_today(lpg_today_t *c, uint64_t now_ms, const char *zone)
{
    if (c->ymd == 0 || now_ms / 60000 != c->minute) {
        c->ymd = lpg_local_ymd(now_ms, zone);
        c->minute = now_ms / 60000;
    }
    return c->ymd;
}
