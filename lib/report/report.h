/*  report.h - the regulator's reports and the recall, computed from a
 *  read transaction over the ledger and written to a stream as text,
 *  JSON or CSV: what `lpgtrace report`, `lpgtrace recall` and lpg-webd's
 *  console print, the same bytes in each. refused, overdue and hazards
 *  live in report.c with the shared helpers, anomalies in anomalies.c,
 *  coverage in coverage.c, tips in tips.c, the looks at personal data
 *  in reveals.c, the recall in recall.c.
 */
#ifndef LPG_REPORT_REPORT_H
#define LPG_REPORT_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "base/config.h"
#include "ledger/event.h"
#include "ledger/ledger.h"

typedef enum {
    LPG_REPORT_PLAIN,
    LPG_REPORT_JSON,
    LPG_REPORT_CSV
} lpg_report_mode_t;

/*  The coverage report's period (--period). */
typedef enum {
    LPG_PERIOD_MONTH,
    LPG_PERIOD_QUARTER,
    LPG_PERIOD_YEAR
} lpg_report_period_t;

typedef struct {
    lpg_txn_t *t; /* a read transaction over the ledger */
    const lpg_config_t *cfg;
    const char *zone; /* time.zone, a known tz database name */
    lpg_report_mode_t mode;
    uint32_t today;             /* YYYYMMDD, local */
    lpg_report_period_t period; /* coverage only */
    const char *user;           /* hazards: only this user's open hazards,
                                 * due or not; NULL: every one past due */
    bool full;                  /* recall: read the station's whole
                                 * history, not only the entries recorded
                                 * around the window */
    FILE *out;                  /* where the report is written */
} lpg_report_in_t;

/*  Denied fill checks counted by station and reason. Errors: LPG_ENOMEM,
 *  or an error of the ledger read. */
int lpg_report_refused(const lpg_report_in_t *in);

/*  Cylinders past their periodic inspection date. Errors: LPG_ENOMEM, or
 *  an error of the ledger read. */
int lpg_report_overdue(const lpg_report_in_t *in);

/*  Open household hazards past their deadline (or in->user's, due or
 *  not). Errors: LPG_ENOMEM, or an error of the ledger read. */
int lpg_report_hazards(const lpg_report_in_t *in);

/*  The recall of site's gas: every accepted fill there with
 *  from <= time < to (ms), the households that got each one's gas, and
 *  where each cylinder is now (see recall.c). Reads only the station's
 *  entries recorded within time.max_skew_s / time.max_late_s (in->cfg)
 *  of the window, or its whole history if in->full. Uses in->t,
 *  in->cfg, in->zone, in->mode, in->full, in->out. Errors: LPG_ECONFIG
 *  for a bad time.max_skew_s or time.max_late_s (the reason on stderr),
 *  LPG_ENOMEM, or an error of the ledger read. */
int lpg_report_recall(const lpg_report_in_t *in, const char *site,
                      uint64_t from, uint64_t to);

/*  The anomalies report (see report_anomalies.c). Errors:
 *  LPG_ECONFIG for a bad report.hoard_* value (the reason on stderr),
 *  LPG_ENOMEM, or an error of the ledger read (LPG_EMALFORMED, ...). */
int lpg_report_anomalies(const lpg_report_in_t *in);

/*  The anomaly kinds of one entry (seq, decoded: e and ev), as the
 *  anomalies report would list them ("pocket_code,late"; "" for none),
 *  written to out. Hoarding is not one entry's: never listed here. Uses
 *  in->t. Errors: LPG_ETOOBIG (out too small), LPG_ENOMEM, or an error
 *  of the ledger read. */
int lpg_report_entry_anomalies(const lpg_report_in_t *in, uint64_t seq,
                               const Lpg__LedgerEntry *e,
                               const lpg_event_t *ev, char *out, size_t outsz);

/*  The ordering platform by company and day (see orders.c). Errors:
 *  LPG_ENOMEM, LPG_EINVAL (no end of --today), or an error of the ledger
 *  read. */
int lpg_report_orders(const lpg_report_in_t *in);

/*  The inspection coverage report (see report_coverage.c).
 *  Errors: LPG_ENOMEM, or an error of the ledger read. */
int lpg_report_coverage(const lpg_report_in_t *in);

/*  The tips from the public (see report_tips.c). Errors: an
 *  error of the ledger read. */
int lpg_report_tips(const lpg_report_in_t *in);

/*  Every recorded look at personal data (see reveals.c): the
 *  regulator's reveals and the drivers' looks at an order's address;
 *  in->user set: those of that user only. Errors: LPG_ENOMEM, or the
 *  ledger's. */
int lpg_report_reveals(const lpg_report_in_t *in);

/*  One tip, the accepted Tip at entry seq, as the tips report shows it
 *  (the CSV heading, or {"tips": [it]}) but its number shown as phone:
 *  what the registry opened for the reveal recorded at reveal_seq (0:
 *  none). In plain text a last line names the reveal and its reason.
 *  Errors: LPG_ENOTFOUND (no such entry, or not an accepted tip),
 *  LPG_ENOMEM, or an error of the ledger read. */
int lpg_report_tip(const lpg_report_in_t *in, uint64_t seq, const char *phone,
                   uint64_t reveal_seq, const char *reason);

/*  Writes rows x cols cells (row-major; row 0 the heading) as a table
 *  with columns left-aligned, two spaces apart, each line indented two
 *  spaces. Widths count characters (UTF-8), not bytes. */
void lpg_report_table(FILE *out, const char *const *cells, size_t rows,
                      size_t cols);

/*  ms as a local time in zone, "YYYY-MM-DD HH:MM:SS" ("?" if it cannot
 *  be converted). */
void lpg_report_time(const char *zone, uint64_t ms, char out[32]);

/*  Writes {"report": title, "today": "YYYY-MM-DD", <the fields of
 *  head>, "rows": rows} to out, the shape every report's --json has.
 *  Takes head (may be NULL) and rows: both are decref'd. flags: extra
 *  json_dumps flags. LPG_ENOMEM. */
int lpg_report_json(FILE *out, const char *title, uint32_t today, json_t *head,
                    json_t *rows, size_t flags);

/*  YYYY-MM-DD or YYYYMMDD as YYYYMMDD; false if s is not a date. */
bool lpg_report_date(const char *s, uint32_t *out);

/*  YYYY-MM-DD or YYYY-MM-DDTHH:MM, a local time in the tz database zone
 *  `zone`, as ms since the epoch. false if the text or the zone is bad. */
bool lpg_report_zone_ms(const char *zone, const char *text, uint64_t *out);

/*  ms as a local time in zone, YYYY-MM-DDTHH:MM:SS ("?" if it cannot). */
void lpg_report_zone_time(const char *zone, uint64_t ms, char *out,
                          size_t outsz);

/*  Writes one CSV field to out with lpg_csv_write_cell (quoted when it
 *  holds a comma, quote or line break, and neutralised when a spreadsheet
 *  would take it for a formula), then a comma, or a newline if last.
 *  NULL: empty. */
void lpg_report_csv_field(FILE *out, const char *s, bool last);

/*  Decodes entry seq of t and its event. The caller frees *entry with
 *  lpg__ledger_entry__free_unpacked and ev with lpg_event_clear. Errors:
 *  LPG_ENOTFOUND past the end, LPG_EMALFORMED if it does not decode. */
int lpg_report_entry(lpg_txn_t *t, uint64_t seq, Lpg__LedgerEntry **entry,
                     lpg_event_t *ev);

/*  As lpg_report_entry, but the event is decoded only if it is of kind
 *  (an Lpg__Event__BodyCase, read off the wire first): *decoded says
 *  whether it was, and only then does ev need lpg_event_clear. *entry is
 *  always the caller's to free. For walks that skip most entries. */
int lpg_report_entry_if(lpg_txn_t *t, uint64_t seq, int kind,
                        Lpg__LedgerEntry **entry, lpg_event_t *ev,
                        bool *decoded);
/*  The same for an entry's bytes already read (lpg_txn_entry). */
int lpg_report_bytes_if(const uint8_t *data, size_t len, int kind,
                        Lpg__LedgerEntry **entry, lpg_event_t *ev,
                        bool *decoded);

/*  True when the service accepted the entry (status OK, or no outcome:
 *  an entry written without a service's verdict). */
bool lpg_report_accepted(const Lpg__LedgerEntry *e);

/*  The protobuf name of an enum value ("CUSTODY_AT_USER"), or "?". */
const char *lpg_report_enum_name(const ProtobufCEnumDescriptor *d, int value);

#endif
