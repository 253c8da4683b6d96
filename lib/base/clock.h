/*  clock.h - the one clock of every lpgtrace program, and how far a
 *  device's clock is trusted.
 *
 *  "Now" is the wall clock, or the time in the environment variable
 *  LPG_NOW_MS (ms since the epoch, UTC) when it is set, so a daemon or a
 *  device can be run with its clock moved (tests, demonstrations). A
 *  device time is a claim: a service refuses one ahead of its clock by
 *  more than time.max_skew_s or behind it by more than time.max_late_s,
 *  and its rules compare times only after bounding them by the time of
 *  recording (lpg_clock_bounded). DESIGN.md §7.
 */
#ifndef LPG_CLOCK_H
#define LPG_CLOCK_H

#include <stddef.h>
#include <stdint.h>

#include "base/config.h"

/*  The wall clock in ms since the epoch, or LPG_NOW_MS when that is set
 *  (read once per process; a value that is not a decimal number of ms
 *  is reported once and ignored). */
uint64_t lpg_clock_now_ms(void);

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

#endif
