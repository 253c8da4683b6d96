/*  report.h - what the reports of `lpgtrace report` share: the output
 *  mode, the read transaction and "today", and a plain-text table. The
 *  anomalies report lives in report_anomalies.c, coverage in
 *  report_coverage.c, the command and the other reports in cmd_report.c.
 */
#ifndef LPG_CLI_REPORT_H
#define LPG_CLI_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "base/config.h"
#include "cli.h"
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
} lpg_report_in_t;

/*  The anomalies report on stdout (see report_anomalies.c). Errors:
 *  LPG_ECONFIG for a bad report.hoard_* value (the reason on stderr),
 *  LPG_ENOMEM, or an error of the ledger read (LPG_EMALFORMED, ...). */
int lpg_report_anomalies(const lpg_report_in_t *in);

/*  The inspection coverage report on stdout (see report_coverage.c).
 *  Errors: LPG_ENOMEM, or an error of the ledger read. */
int lpg_report_coverage(const lpg_report_in_t *in);

/*  The ordering platform by company and day on stdout (see
 *  report_orders.c). Errors: LPG_ENOMEM, LPG_EINVAL (no end of --today),
 *  or an error of the ledger read. */
int lpg_report_orders(const lpg_report_in_t *in);

/*  The tips from the public on stdout (see report_tips.c). Errors: an
 *  error of the ledger read. */
int lpg_report_tips(const lpg_report_in_t *in);

/*  One tip's phone number in clear (report_tips.c): records a PiiReveal
 *  of the tip at entry seq with reason, signed by the authority key (or
 *  as's, which the registry refuses unless it is the authority), then asks
 *  the registry to open it, and prints the tip. Exit status: 0 shown, 1
 *  refused (not a tip with a phone, or the registry's no), 2 error. */
int lpg_report_tip_reveal(lpg_cli_t *cli, const lpg_report_in_t *in,
                          uint64_t seq, const char *reason, const char *as);

/*  Prints rows x cols cells (row-major; row 0 the heading) as a table
 *  with columns left-aligned, two spaces apart, each line indented two
 *  spaces. Widths count characters (UTF-8), not bytes. */
void lpg_report_table(const char *const *cells, size_t rows, size_t cols);

/*  ms as a local time in zone, "YYYY-MM-DD HH:MM:SS" ("?" if it cannot
 *  be converted). */
void lpg_report_time(const char *zone, uint64_t ms, char out[32]);

/*  Prints {"report": title, "today": "YYYY-MM-DD", <the fields of
 *  head>, "rows": rows} on stdout, the shape every report's --json has.
 *  Takes head (may be NULL) and rows: both are decref'd. flags: extra
 *  json_dumps flags. LPG_ENOMEM. */
int lpg_report_json(const char *title, uint32_t today, json_t *head,
                    json_t *rows, size_t flags);

#endif
