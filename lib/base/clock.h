/*  clock.h - the one clock of every lpgtrace program, how far a
 *  device's clock is trusted, local civil time in a zone of the tz
 *  database, and the Gregorian calendar.
 *
 *  "Now" is the wall clock, or the time in the environment variable
 *  LPG_NOW_MS (ms since the epoch, UTC) when it is set, so a daemon or a
 *  device can be run with its clock moved (tests, demonstrations). A
 *  device time is a claim: a service refuses one ahead of its clock by
 *  more than time.max_skew_s or behind it by more than time.max_late_s,
 *  and its rules compare times only after bounding them by the time of
 *  recording (lpg_clock_bounded). DESIGN.md §7.
 *
 *  Local time is read from the zone's TZif file in /usr/share/zoneinfo
 *  (or $TZDIR) by this module, never through the TZ variable or any other
 *  process-wide state, so any thread may convert in any zone at any time.
 *  A zone is read once and kept for the life of the process.
 */
#ifndef LPG_CLOCK_H
#define LPG_CLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/config.h"

/*  The wall clock in ms since the epoch, or LPG_NOW_MS when that is set
 *  (read once per process; a value that is not a decimal number of ms
 *  is reported once and ignored). */
uint64_t lpg_clock_now_ms(void);

/*  For tools that build a ledger as if it had been written over months
 *  (the generator's benchmarks and tests): from now on, in this process,
 *  lpg_clock_now_ms returns ms (0: the wall clock or LPG_NOW_MS again),
 *  so the ledger records each batch at the time the tool says. Any
 *  thread; never called by a service. */
void lpg_clock_set_now_ms(uint64_t ms);

/*  A monotonic clock in ms, for intervals (never moved by LPG_NOW_MS). */
uint64_t lpg_clock_mono_ms(void);

/*  Parses an LPG_NOW_MS value: decimal digits only, at most UINT64_MAX.
 *  LPG_OK, or LPG_EINVAL (NULL, empty, or anything else). */
int lpg_clock_parse(const char *text, uint64_t *out);

/*  How far a device time may be from the service's clock. */
typedef struct {
    uint64_t ahead_ms;  /* time.max_skew_s: a device clock running fast */
    uint64_t behind_ms; /* time.max_late_s: an offline device, synced late */
} lpg_clock_bounds_t;

/*  Reads time.max_skew_s (0..86,400) and time.max_late_s (0..31,622,400,
 *  a year and a day). LPG_ECONFIG otherwise, with the key named in why
 *  if given. */
int lpg_clock_bounds_from_config(lpg_clock_bounds_t *out,
                                 const lpg_config_t *cfg, char *why,
                                 size_t whysz);

/*  Judges a device time against now. LPG_OK within the bounds;
 *  LPG_ECLOCK_AHEAD or LPG_ECLOCK_BEHIND otherwise, with why (if given)
 *  saying by how much and what the bound is. */
int lpg_clock_judge(uint64_t device_ms, uint64_t now_ms,
                    const lpg_clock_bounds_t *b, char *why, size_t whysz);

/*  A device time bounded by the time it was recorded (or judged): the
 *  earlier of the two. What rules compare, so a device dated ahead
 *  cannot move a later verdict. */
uint64_t lpg_clock_bounded(uint64_t device_ms, uint64_t recorded_ms);

/*  Longest zone name taken ("America/Argentina/ComodRivadavia" is 32). */
#define LPG_ZONE_MAX 64

/*  A civil (wall-clock) time in a zone. */
typedef struct {
    int year;         /* 1900..9999 */
    int month;        /* 1..12 */
    int day;          /* 1..31 */
    int hour;         /* 0..23 */
    int min;          /* 0..59 */
    int sec;          /* 0..59 */
    int32_t offset_s; /* local time minus UTC, in seconds */
    bool dst;         /* the zone's daylight-saving (or "summer") time */
} lpg_civil_t;

/*  Is zone a zone of the tz database (a name like "Asia/Shanghai" or
 *  "UTC" whose file is a TZif file this module reads)? LPG_OK, or
 *  LPG_ECONFIG with why (if given) naming the zone. Loads the zone. */
int lpg_zone_check(const char *zone, char *why, size_t whysz);

/*  The civil time of ms (since the epoch, UTC) in zone. LPG_OK;
 *  LPG_ECONFIG if zone is not a known zone (lpg_zone_check); LPG_ERANGE
 *  past the end of year 9999. */
int lpg_clock_local(const char *zone, uint64_t ms, lpg_civil_t *out);

/*  The time in ms since the epoch of the civil time in zone (year to sec
 *  of in; offset_s and dst are not read). A time that occurs twice (the
 *  hour repeated when clocks go back) is the first of the two; a time
 *  that never occurs (the hour skipped when they go forward) is read
 *  with the offset before the change, so it lands after it (02:30 on the
 *  day New York goes forward is 03:30 EDT). LPG_OK; LPG_ECONFIG as
 *  above; LPG_EINVAL if in is no date and time; LPG_ERANGE before the
 *  epoch. */
int lpg_clock_from_local(const char *zone, const lpg_civil_t *in,
                         uint64_t *out);

/*  "YYYY-MM-DD<sep>hh:mm:ss", and "+hh:mm" (or "-hh:mm") after it if
 *  offset. LPG_OK, or LPG_ERANGE if it does not fit in outsz (out is
 *  then "?" if it has room). */
int lpg_civil_text(const lpg_civil_t *c, char sep, bool offset, char *out,
                   size_t outsz);

/*  The local calendar date YYYYMMDD of ms in zone; 0 if the zone is not
 *  a known zone (lpg_zone_check) or the date is past year 9999. */
uint32_t lpg_local_ymd(uint64_t ms, const char *zone);

/*  A service's "today": lpg_local_ymd of now, converted again only when
 *  the minute changes. Zeroed to start; one per thread that asks. */
typedef struct {
    uint32_t ymd;
    uint64_t minute;
} lpg_today_t;

uint32_t lpg_today(lpg_today_t *c, uint64_t now_ms, const char *zone);

/*  Is ymd (YYYYMMDD) a date of the Gregorian calendar in 1900..9999? */
bool lpg_ymd_valid(uint32_t ymd);

/*  ymd (YYYYMMDD) plus days, on the Gregorian calendar; 0 if ymd is no
 *  date. */
uint32_t lpg_ymd_add_days(uint32_t ymd, uint32_t days);

/*  Milliseconds since the epoch at the end of day ymd, UTC (the start of
 *  the next day); 0 if ymd is no date. */
uint64_t lpg_ymd_end_ms(uint32_t ymd);

#endif
