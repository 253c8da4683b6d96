/*  cmd_report.c - lpgtrace report refused|overdue|hazards|anomalies|
 *  coverage|tips|orders [--csv]: the regulator's lists from the local ledger.
 *  refused: denied fill checks counted by station and reason; overdue:
 *  cylinders past their periodic inspection date; hazards: open household
 *  hazards past their deadline, or with --user ID every open hazard of
 *  that user, due or not (what an inspector looks up before a visit, to
 *  rectify them by id); anomalies, coverage, tips and orders. Computed by
 *  lib/report/ (lpg-webd's console shows the same). `tips --reveal SEQ
 *  --reason TEXT` shows one tip's phone number in clear to the regulator,
 *  as `user show --reveal` does a user's data: a PiiReveal naming the tip
 *  (tip_seq, and the tip's id as user), signed by the authority key, is
 *  recorded with its reason first, then the registry opens the number for
 *  a request naming that entry (here: lib/report talks to no service),
 *  and lib/report prints the tip with it.
 *  "Today" is the local date in time.zone (of LPG_NOW_MS if it is set),
 *  or --today DATE.
 */
#include "cli.h"
#include "base/clock.h"
#include "base/error.h"
#include "domain/words.h"
#include "ledger/event.h"
#include "ledger/ledger.h"
#include "domain/registry.h"
#include "net/msg.h"
#include "registry.h"
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
            "usage: lpgtrace report "
            "refused|overdue|hazards|anomalies|tips|orders|reveals "
            "[--json|--csv] [--today YYYY-MM-DD]\n"
            "       lpgtrace report tips --reveal SEQ --reason TEXT "
            "[--as KEYPREFIX] [--json|--csv]\n"
            "       lpgtrace report hazards --user ID [--json|--csv]\n"
            "       lpgtrace report reveals [--user ID] [--json|--csv]\n"
            "       lpgtrace report coverage [--period month|quarter|year] "
            "[--json|--csv]\n"
            "                [--today YYYY-MM-DD]\n"
            "  refused    denied fill checks by station and reason\n"
            "  overdue    cylinders past their periodic inspection date\n"
            "  hazards    open household hazards past their deadline;\n"
            "             --user: every open hazard of one user\n"
            "  anomalies  pocket, cloned and forged codes, broken custody, "
            "late events,\n"
            "             deliveries without an order, hoarding "
            "(report.hoard_*)\n"
            "  orders     orders by company and day: delivered, refused by "
            "reason,\n"
            "             not fulfilled, p50/p90 time to delivery, deliveries "
            "without one\n"
            "  reveals    every recorded look at personal data: the "
            "regulator's\n"
            "             reveals and drivers' looks at an order's address "
            "(who,\n"
            "             which order, when, shown or refused); --user: one "
            "user's\n"
            "  coverage   household inspection coverage by area and "
            "period\n"
            "  tips       reports from the public (lpg-webd), phone "
            "numbers masked;\n"
            "             --reveal SEQ --reason TEXT: that tip's number in "
            "clear, the\n"
            "             reveal recorded in the log first (authority "
            "key)\n");
    return 2;
}

/*  One tip's phone number in clear: records a PiiReveal of the tip at
 *  entry seq with reason, signed by the authority key (or as's, which the
 *  registry refuses unless it is the authority), then asks the registry
 *  to open it, and prints the tip (lpg_report_tip). Exit status: 0 shown,
 *  1 refused (not a tip with a phone, or the registry's no), 2 error. */
static int
s_tip_reveal(lpg_cli_t *cli, const lpg_report_in_t *in, uint64_t seq,
             const char *reason, const char *as)
{
    char id[64];
    int rc = lpg_tip_at(in->t, seq, id, sizeof id, NULL, NULL);
    if (rc == LPG_ENOTFOUND) {
        fprintf(stderr,
                "lpgtrace: report tips: entry %llu is not a tip with a "
                "phone number\n",
                (unsigned long long)seq);
        return 1;
    }
    if (rc != LPG_OK)
        return lpg_cli_fail("report tips", rc);
    /* The reveal is on the record before anything is shown. */
    lpg_key_t *authority = lpg_reg_signer(cli, as);
    if (!authority)
        return 2;
    Lpg__PiiReveal pr = LPG__PII_REVEAL__INIT;
    pr.user = id;
    pr.reason = (char *)reason;
    pr.has_tip_seq = 1;
    pr.tip_seq = seq;
    Lpg__Event ev = LPG__EVENT__INIT;
    ev.body_case = LPG__EVENT__BODY_PII_REVEAL;
    ev.pii_reveal = &pr;
    Lpg__Reply *r = NULL;
    int status = lpg_reg_submit(cli, &ev, authority, &r);
    lpg_key_destroy(&authority);
    if (status != 0) {
        if (r) {
            fprintf(stderr, "lpgtrace: the reveal was not recorded: %s: %s\n",
                    r->token, r->message);
            lpg__reply__free_unpacked(r, NULL);
        }
        return status;
    }
    uint64_t reveal_seq = r->seq;
    lpg__reply__free_unpacked(r, NULL);
    r = NULL;
    lpg_client_t *c = lpg_reg_client(cli);
    if (!c)
        return 2;
    Lpg__Request req = LPG__REQUEST__INIT;
    Lpg__GetUser q = LPG__GET_USER__INIT;
    q.user = id;
    q.has_reveal_seq = 1;
    q.reveal_seq = reveal_seq;
    req.body_case = LPG__REQUEST__BODY_GET_USER;
    req.get_user = &q;
    status = lpg_reg_call(cli, c, &req, &r);
    lpg_client_destroy(&c);
    if (status != 0)
        return status;
    if (r->status != LPG__STATUS__STATUS_OK || r->n_users != 1 ||
        !r->users[0]->personal || !r->users[0]->personal->phone) {
        fprintf(stderr, "lpgtrace: reveal refused: %s: %s\n", r->token,
                r->message);
        status = r->status == LPG__STATUS__STATUS_OK ? 1 : lpg_msg_exit(r);
        lpg__reply__free_unpacked(r, NULL);
        return status;
    }
    /* The tip again, its number in clear. */
    rc = lpg_report_tip(in, seq, r->users[0]->personal->phone, reveal_seq,
                        reason);
    lpg__reply__free_unpacked(r, NULL);
    return rc == LPG_OK ? 0 : lpg_cli_fail("report tips", rc);
}

/*  anomalies, coverage and tips (lib/report/anomalies.c, coverage.c,
 *  tips.c). */
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
    bool tips = strcmp(what, "tips") == 0;
    const char *reveal = NULL, *reason = NULL, *as = NULL;
    uint64_t reveal_seq = 0;
    for (int i = 2; i < argc; i++) {
        const char *next = i + 1 < argc ? argv[i + 1] : "";
        if (strcmp(argv[i], "--csv") == 0)
            in.mode = LPG_REPORT_CSV;
        else if (tips && strcmp(argv[i], "--reveal") == 0 && i + 1 < argc) {
            reveal = next;
            i++;
        } else if (tips && strcmp(argv[i], "--reason") == 0 && i + 1 < argc) {
            reason = next;
            i++;
        } else if (tips && strcmp(argv[i], "--as") == 0 && i + 1 < argc) {
            as = next;
            i++;
        } else if (strcmp(argv[i], "--today") == 0 &&
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
    if (reveal || reason || as) {
        char *end = NULL;
        unsigned long long v = reveal ? strtoull(reveal, &end, 10) : 0;
        if (!reveal || !reason || !lpg_reg_text(reason) || !*reveal || *end ||
            reveal[0] == '-') {
            fprintf(stderr, "lpgtrace: report tips: --reveal SEQ needs "
                            "--reason TEXT (it is recorded in the log)\n");
            return 2;
        }
        reveal_seq = v;
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
    if (rc == LPG_OK && reveal) {
        int status = s_tip_reveal(cli, &in, reveal_seq, reason, as);
        lpg_txn_abort(&in.t);
        lpg_ledger_close(&l);
        return status;
    }
    if (rc == LPG_OK)
        rc = coverage                      ? lpg_report_coverage(&in)
             : strcmp(what, "tips") == 0   ? lpg_report_tips(&in)
             : strcmp(what, "orders") == 0 ? lpg_report_orders(&in)
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
        strcmp(what, "tips") == 0 || strcmp(what, "orders") == 0)
        return s_more(cli, what, argc, argv);
    int (*fn)(const lpg_report_in_t *) = NULL;
    if (strcmp(what, "refused") == 0)
        fn = lpg_report_refused;
    else if (strcmp(what, "overdue") == 0)
        fn = lpg_report_overdue;
    else if (strcmp(what, "hazards") == 0)
        fn = lpg_report_hazards;
    else if (strcmp(what, "reveals") == 0)
        fn = lpg_report_reveals;
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
                 (fn == lpg_report_hazards || fn == lpg_report_reveals) &&
                 *argv[i + 1])
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
