/*  cmd_report.c - lpgtrace report refused|overdue|hazards|anomalies|
 *  coverage [--csv]: the regulator's lists from the local ledger.
 *  refused: denied fill checks counted by station and reason; overdue:
 *  cylinders past their periodic inspection date; hazards: open household
 *  hazards past their deadline, or with --user ID every open hazard of
 *  that user, due or not (what an inspector looks up before a visit, to
 *  rectify them by id); anomalies, coverage and tips. Computed by
 *  lib/report/ (lpg-webd's console shows the same).
 *  "Today" is the local date in time.zone (of LPG_NOW_MS if it is set),
 *  or --today DATE.
 */
#include "cli.h"
#include "base/clock.h"
#include "base/error.h"
#include "domain/words.h"
#include "ledger/event.h"
#include "ledger/ledger.h"
#include "report/report.h"

#include <assert.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the command ------------------------------------------------------ */

static int
s_usage(void)
{
    fprintf(stderr,
            "usage: lpgtrace report refused|overdue|hazards|anomalies|tips "
            "[--json|--csv] [--today YYYY-MM-DD]\n"
            "       lpgtrace report hazards --user ID [--json|--csv]\n"
            "       lpgtrace report coverage [--period month|quarter|year] "
            "[--json|--csv]\n"
            "                [--today YYYY-MM-DD]\n"
            "  refused    denied fill checks by station and reason\n"
            "  overdue    cylinders past their periodic inspection date\n"
            "  hazards    open household hazards past their deadline;\n"
            "             --user: every open hazard of one user\n"
            "  anomalies  pocket, cloned and forged codes, broken custody, "
            "late events,\n"
            "             hoarding (report.hoard_* in lpgtrace.conf)\n"
            "  coverage   household inspection coverage by area and "
            "period\n"
            "  tips       reports from the public (lpg-webd), phone "
            "numbers masked\n");
    return 2;
}

/*  anomalies and coverage (report_anomalies.c, report_coverage.c). */
/*  Checks time.zone and, unless --today gave one, sets *today to the
 *  local date now (LPG_NOW_MS if set). 0, or 2 with the reason said. */
static int
s_today(const char *zone, uint32_t *today)
{
    char why[512];
    if (lpg_zone_check(zone, why, sizeof why) != LPG_OK) {
        fprintf(stderr, "lpgtrace: time.zone: %s\n", why);
        return 2;
    }
    if (!*today)
        *today = lpg_local_ymd(lpg_clock_now_ms(), zone);
    if (!*today) {
        fprintf(stderr, "lpgtrace: the clock is past year 9999\n");
        return 2;
    }
    return 0;
}

static int
s_more(lpg_cli_t *cli, const char *what, int argc, char **argv)
{
    bool coverage = strcmp(what, "coverage") == 0;
    lpg_report_in_t in = {
        .mode = cli->json ? LPG_REPORT_JSON : LPG_REPORT_PLAIN,
        .period = LPG_PERIOD_MONTH,
        .out = stdout,
    };
    for (int i = 2; i < argc; i++) {
        const char *next = i + 1 < argc ? argv[i + 1] : "";
        if (strcmp(argv[i], "--csv") == 0)
            in.mode = LPG_REPORT_CSV;
        else if (strcmp(argv[i], "--today") == 0 &&
                 lpg_cli_date(next, &in.today))
            i++;
        else if (coverage && strcmp(argv[i], "--period") == 0 &&
                 (strcmp(next, "month") == 0 || strcmp(next, "quarter") == 0 ||
                  strcmp(next, "year") == 0)) {
            in.period = next[0] == 'm'   ? LPG_PERIOD_MONTH
                        : next[0] == 'q' ? LPG_PERIOD_QUARTER
                                         : LPG_PERIOD_YEAR;
            i++;
        } else
            return s_usage();
    }
    lpg_config_t *cfg = lpg_cli_config(cli);
    if (!cfg)
        return 2;
    in.cfg = cfg;
    in.zone = lpg_config_get(cfg, "time.zone");
    if (s_today(in.zone, &in.today) != 0)
        return 2;
    lpg_ledger_t *l = lpg_cli_ledger(cli, LPG_LEDGER_RDONLY);
    if (!l)
        return 2;
    int rc = lpg_ledger_read(l, &in.t);
    if (rc == LPG_OK)
        rc = coverage                    ? lpg_report_coverage(&in)
             : strcmp(what, "tips") == 0 ? lpg_report_tips(&in)
                                         : lpg_report_anomalies(&in);
    lpg_txn_abort(&in.t);
    lpg_ledger_close(&l);
    if (rc == LPG_ECONFIG)
        return 2;
    if (rc != LPG_OK)
        return lpg_cli_fail(what, rc);
    return 0;
}

int
lpg_cmd_report(lpg_cli_t *cli, int argc, char **argv)
{
    if (argc < 2)
        return s_usage();
    const char *what = argv[1];
    if (strcmp(what, "anomalies") == 0 || strcmp(what, "coverage") == 0 ||
        strcmp(what, "tips") == 0)
        return s_more(cli, what, argc, argv);
    int (*fn)(const lpg_report_in_t *) = NULL;
    if (strcmp(what, "refused") == 0)
        fn = lpg_report_refused;
    else if (strcmp(what, "overdue") == 0)
        fn = lpg_report_overdue;
    else if (strcmp(what, "hazards") == 0)
        fn = lpg_report_hazards;
    else
        return s_usage();
    lpg_report_in_t in = {
        .mode = cli->json ? LPG_REPORT_JSON : LPG_REPORT_PLAIN,
        .out = stdout,
    };
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--csv") == 0)
            in.mode = LPG_REPORT_CSV;
        else if (strcmp(argv[i], "--today") == 0 && i + 1 < argc &&
                 lpg_cli_date(argv[i + 1], &in.today))
            i++;
        else if (strcmp(argv[i], "--user") == 0 && i + 1 < argc &&
                 fn == lpg_report_hazards && *argv[i + 1])
            in.user = argv[++i];
        else
            return s_usage();
    }
    lpg_config_t *cfg = lpg_cli_config(cli);
    if (!cfg)
        return 2;
    in.cfg = cfg;
    in.zone = lpg_config_get(cfg, "time.zone");
    if (s_today(in.zone, &in.today) != 0)
        return 2;
    lpg_ledger_t *l = lpg_cli_ledger(cli, LPG_LEDGER_RDONLY);
    if (!l)
        return 2;
    int rc = lpg_ledger_read(l, &in.t);
    if (rc == LPG_OK)
        rc = fn(&in);
    lpg_txn_abort(&in.t);
    lpg_ledger_close(&l);
    if (rc != LPG_OK)
        return lpg_cli_fail("report", rc);
    return 0;
}
