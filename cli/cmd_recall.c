/*  cmd_recall.c - lpgtrace recall --site S --from T1 --to T2 [--csv]
 *  [--full]: for
 *  a recall of one station's gas, every fill it made in [T1, T2), the
 *  households that received that fill's gas, and where the cylinder is
 *  now (lib/report/recall.c computes it, reading only the station's
 *  entries recorded around the window unless --full; lpg-webd's console
 *  shows the same).
 */
#include "cli.h"
#include "base/clock.h"
#include "base/error.h"
#include "ledger/ledger.h"
#include "report/report.h"

#include <stdio.h>
#include <string.h>

static int
s_usage(void)
{
    fprintf(stderr, "usage: lpgtrace recall --site S --from T1 --to T2 "
                    "[--json|--csv] [--full]\n"
                    "  T: YYYY-MM-DD or YYYY-MM-DDTHH:MM in time.zone (the "
                    "start of that day or minute);\n"
                    "  fills with T1 <= time < T2, and the households that "
                    "got each one's gas;\n"
                    "  --full: read the station's whole history, not only "
                    "the entries recorded\n"
                    "  within time.max_skew_s / time.max_late_s of the "
                    "window\n");
    return 2;
}

int
lpg_cmd_recall(lpg_cli_t *cli, int argc, char **argv)
{
    const char *site = NULL, *from = NULL, *to = NULL;
    const char *mode = cli->json ? "json" : "plain";
    bool full = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--site") == 0 && i + 1 < argc)
            site = argv[++i];
        else if (strcmp(argv[i], "--from") == 0 && i + 1 < argc)
            from = argv[++i];
        else if (strcmp(argv[i], "--to") == 0 && i + 1 < argc)
            to = argv[++i];
        else if (strcmp(argv[i], "--csv") == 0)
            mode = "csv";
        else if (strcmp(argv[i], "--full") == 0)
            full = true;
        else
            return s_usage();
    }
    if (!site || !from || !to)
        return s_usage();
    lpg_config_t *cfg = lpg_cli_config(cli);
    if (!cfg)
        return 2;
    const char *zone = lpg_config_get(cfg, "time.zone");
    uint64_t from_ms = 0, to_ms = 0;
    char why[512];
    if (lpg_zone_check(zone, why, sizeof why) != LPG_OK) {
        fprintf(stderr, "lpgtrace: time.zone: %s\n", why);
        return 2;
    }
    if (!lpg_report_zone_ms(zone, from, &from_ms) ||
        !lpg_report_zone_ms(zone, to, &to_ms)) {
        fprintf(stderr, "lpgtrace: recall: a time is not YYYY-MM-DD or "
                        "YYYY-MM-DDTHH:MM\n");
        return s_usage();
    }
    if (to_ms <= from_ms) {
        fprintf(stderr, "lpgtrace: recall: --to must be after --from\n");
        return 2;
    }
    lpg_ledger_t *l = lpg_cli_ledger(cli, LPG_LEDGER_RDONLY);
    if (!l)
        return 2;
    lpg_report_in_t in = {
        .cfg = cfg,
        .zone = zone,
        .mode = strcmp(mode, "json") == 0  ? LPG_REPORT_JSON
                : strcmp(mode, "csv") == 0 ? LPG_REPORT_CSV
                                           : LPG_REPORT_PLAIN,
        .full = full,
        .out = stdout,
    };
    int rc = lpg_ledger_read(l, &in.t);
    if (rc == LPG_OK)
        rc = lpg_report_recall(&in, site, from_ms, to_ms);
    lpg_txn_abort(&in.t);
    lpg_ledger_close(&l);
    if (rc == LPG_ECONFIG)
        return 2;
    if (rc != LPG_OK)
        return lpg_cli_fail("recall", rc);
    return 0;
}
