/*  cmd_report.c - lpgtrace report refused|overdue|hazards|anomalies|
 *  coverage|tips|orders [--csv]: the regulator's lists from the local ledger.
 *  refused: denied fill checks counted by station and reason; overdue:
 *  cylinders past their periodic inspection date; hazards: open household
 *  hazards past their deadline, or with --user ID every open hazard of
 *  that user, due or not (what an inspector looks up before a visit, to
 *  rectify them by id); anomalies, coverage, tips, orders: report_*.c.
 *  "Today" is the local date in time.zone (of LPG_NOW_MS if it is set),
 *  or --today DATE.
 */
#include "cli.h"
#include "base/clock.h"
#include "base/error.h"
#include "domain/words.h"
#include "ledger/event.h"
#include "ledger/ledger.h"
#include "recall.h"
#include "registry.h"
#include "report.h"

#include <assert.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { S_PLAIN, S_JSON, S_CSV } s_mode_t;

typedef struct {
    lpg_txn_t *t;
    s_mode_t mode;
    uint32_t today;
    const char *user; /* hazards --user: this user's open hazards */
    json_t *list;     /* S_JSON: the rows */
    size_t n;         /* rows listed */
} s_report_t;

static void
s_ymd_text(uint32_t ymd, char out[11])
{
    snprintf(out, 11, "%04u-%02u-%02u", ymd / 10000 % 10000, ymd / 100 % 100,
             ymd % 100);
}

/* ---- refused ---------------------------------------------------------- */

typedef struct {
    char *site;
    char *token;
    uint64_t count;
} s_count_t;

typedef struct {
    s_count_t *rows;
    size_t n, cap;
    uint64_t checks; /* denied fill checks */
} s_refused_t;

static int
s_count(s_refused_t *r, const char *site, const char *token)
{
    for (size_t i = 0; i < r->n; i++) {
        if (strcmp(r->rows[i].site, site) == 0 &&
            strcmp(r->rows[i].token, token) == 0) {
            r->rows[i].count++;
            return LPG_OK;
        }
    }
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 32;
        s_count_t *p = realloc(r->rows, cap * sizeof *p);
        if (!p)
            return LPG_ENOMEM;
        r->rows = p;
        r->cap = cap;
    }
    s_count_t *c = &r->rows[r->n];
    c->site = strdup(site);
    c->token = strdup(token);
    c->count = 1;
    if (!c->site || !c->token) {
        free(c->site);
        free(c->token);
        return LPG_ENOMEM;
    }
    r->n++;
    return LPG_OK;
}

static int
s_count_cmp(const void *a, const void *b)
{
    const s_count_t *x = a, *y = b;
    int c = strcmp(x->site, y->site);
    return c ? c : strcmp(x->token, y->token);
}

static int
s_refused(s_report_t *rep)
{
    s_refused_t r = {0};
    uint64_t size = 0;
    int rc = lpg_txn_size(rep->t, &size);
    for (uint64_t seq = 0; rc == LPG_OK && seq < size; seq++) {
        Lpg__LedgerEntry *e = NULL;
        lpg_event_t ev;
        rc = lpg_cli_entry(rep->t, seq, &e, &ev);
        if (rc != LPG_OK)
            break;
        const Lpg__Event *b = ev.event;
        if (b->body_case == LPG__EVENT__BODY_FILL_CHECK && e->outcome &&
            e->outcome->status == LPG__STATUS__STATUS_DENIED) {
            const char *site = b->site && *b->site ? b->site : "-";
            r.checks++;
            for (size_t i = 0; rc == LPG_OK && i < e->outcome->n_reasons; i++)
                rc = s_count(&r, site, e->outcome->reasons[i]->token);
            if (rc == LPG_OK && e->outcome->n_reasons == 0)
                rc = s_count(&r, site, "UNSPECIFIED");
        }
        lpg_event_clear(&ev);
        lpg__ledger_entry__free_unpacked(e, NULL);
    }
    if (rc == LPG_OK) {
        if (r.n > 1)
            qsort(r.rows, r.n, sizeof *r.rows, s_count_cmp);
        if (rep->mode == S_CSV)
            printf("site,reason,count\n");
        else if (rep->mode == S_PLAIN)
            printf("refused fill checks: %" PRIu64 "\n\n%-16s %-28s %s\n",
                   r.checks, "station", "reason", "count");
        for (size_t i = 0; i < r.n; i++) {
            const s_count_t *c = &r.rows[i];
            char num[24];
            snprintf(num, sizeof num, "%" PRIu64, c->count);
            if (rep->mode == S_CSV) {
                lpg_cli_csv_field(c->site, false);
                lpg_cli_csv_field(c->token, false);
                lpg_cli_csv_field(num, true);
            } else if (rep->mode == S_PLAIN)
                printf("%-16s %-28s %s\n", c->site, c->token, num);
            else {
                json_t *o = json_object();
                json_object_set_new(o, "site", json_string(c->site));
                json_object_set_new(o, "reason", json_string(c->token));
                json_object_set_new(o, "count",
                                    json_integer((json_int_t)c->count));
                json_array_append_new(rep->list, o);
            }
        }
        rep->n = (size_t)r.checks;
    }
    for (size_t i = 0; i < r.n; i++) {
        free(r.rows[i].site);
        free(r.rows[i].token);
    }
    free(r.rows);
    return rc;
}

/* ---- overdue ---------------------------------------------------------- */

static int
s_on_cylinder(void *ctx, const void *key, size_t klen, const void *val,
              size_t vlen)
{
    s_report_t *rep = ctx;
    Lpg__CylinderState *c = lpg__cylinder_state__unpack(NULL, vlen, val);
    if (!c)
        return LPG_EMALFORMED;
    uint32_t next = c->has_next_inspection_ymd ? c->next_inspection_ymd
                    : c->reg->has_next_inspection_ymd
                        ? c->reg->next_inspection_ymd
                        : 0;
    Lpg__CylinderStatus st =
        c->has_status ? c->status : LPG__CYLINDER_STATUS__CYL_IN_SERVICE;
    if (next && next < rep->today &&
        st != LPG__CYLINDER_STATUS__CYL_SCRAPPED) {
        char due[11];
        s_ymd_text(next, due);
        Lpg__Custody cu = c->has_custody
                              ? c->custody
                              : LPG__CUSTODY__CUSTODY_EMPTY_AT_STATION;
        const char *custody =
            lpg_cli_enum_name(&lpg__custody__descriptor, (int)cu);
        const char *status =
            lpg_cli_enum_name(&lpg__cylinder_status__descriptor, st);
        rep->n++;
        if (rep->mode == S_CSV) {
            lpg_cli_csv_field(c->grai, false);
            lpg_cli_csv_field(c->reg->serial, false);
            lpg_cli_csv_field(c->reg->owner, false);
            lpg_cli_csv_field(due, false);
            lpg_cli_csv_field(custody, false);
            lpg_cli_csv_field(c->holder, false);
            lpg_cli_csv_field(c->last_site, false);
            lpg_cli_csv_field(status, true);
        } else if (rep->mode == S_PLAIN) {
            printf("%s  serial %s  due %s  %s%s%s%s%s%s\n", c->grai,
                   c->reg->serial, due, lpg_custody_words(cu, NULL),
                   c->holder ? " (" : "", c->holder ? c->holder : "",
                   c->holder ? ")" : "", c->last_site ? ", last at " : "",
                   c->last_site ? c->last_site : "");
        } else {
            json_t *o = json_object();
            json_object_set_new(o, "cylinder", json_string(c->grai));
            json_object_set_new(o, "serial", json_string(c->reg->serial));
            json_object_set_new(o, "owner", json_string(c->reg->owner));
            json_object_set_new(o, "next_inspection", json_string(due));
            json_object_set_new(o, "custody", json_string(custody));
            json_object_set_new(
                o, "holder", c->holder ? json_string(c->holder) : json_null());
            json_object_set_new(o, "last_site",
                                c->last_site ? json_string(c->last_site)
                                             : json_null());
            json_object_set_new(o, "status", json_string(status));
            json_array_append_new(rep->list, o);
        }
    }
    lpg__cylinder_state__free_unpacked(c, NULL);
    (void)key;
    (void)klen;
    return LPG_OK;
}

static int
s_overdue(s_report_t *rep)
{
    if (rep->mode == S_CSV)
        printf("cylinder,serial,owner,next_inspection,custody,holder,"
               "last_site,status\n");
    return lpg_txn_foreach(rep->t, LPG_TABLE_CYLINDERS, s_on_cylinder, rep);
}

/* ---- hazards ---------------------------------------------------------- */

static int
s_on_hazard(void *ctx, const void *key, size_t klen, const void *val,
            size_t vlen)
{
    s_report_t *rep = ctx;
    if (klen < 7 || memcmp(key, "hazard/", 7) != 0)
        return LPG_OK;
    Lpg__HazardState *h = lpg__hazard_state__unpack(NULL, vlen, val);
    if (!h)
        return LPG_EMALFORMED;
    bool listed = rep->user ? strcmp(h->user, rep->user) == 0
                            : rep->today > h->deadline_ymd;
    if (!h->has_rectified_seq && listed) {
        char *id = strndup(key, klen);
        if (!id) {
            lpg__hazard_state__free_unpacked(h, NULL);
            return LPG_ENOMEM;
        }
        char due[11];
        s_ymd_text(h->deadline_ymd, due);
        const char *sev = h->major ? "major" : "minor";
        bool esc = h->has_escalated_seq;
        rep->n++;
        if (rep->mode == S_CSV) {
            lpg_cli_csv_field(id, false);
            lpg_cli_csv_field(h->user, false);
            lpg_cli_csv_field(h->item, false);
            lpg_cli_csv_field(sev, false);
            lpg_cli_csv_field(due, false);
            lpg_cli_csv_field(esc ? "yes" : "no", false);
            lpg_cli_csv_field(esc ? h->escalated_to : "", true);
        } else if (rep->mode == S_PLAIN) {
            printf("%-8s %-16s %-6s due %s  %s%s\n    %s\n", h->user, h->item,
                   sev, due, esc ? "escalated to " : "not escalated",
                   esc && h->escalated_to ? h->escalated_to : "", id);
        } else {
            json_t *o = json_object();
            json_object_set_new(o, "hazard", json_string(id));
            json_object_set_new(o, "user", json_string(h->user));
            json_object_set_new(o, "item", json_string(h->item));
            json_object_set_new(o, "severity", json_string(sev));
            json_object_set_new(o, "deadline", json_string(due));
            json_object_set_new(o, "escalated", json_boolean(esc));
            json_object_set_new(o, "escalated_to",
                                esc && h->escalated_to
                                    ? json_string(h->escalated_to)
                                    : json_null());
            json_array_append_new(rep->list, o);
        }
        free(id);
    }
    lpg__hazard_state__free_unpacked(h, NULL);
    return LPG_OK;
}

static int
s_hazards(s_report_t *rep)
{
    if (rep->mode == S_CSV)
        printf("hazard,user,item,severity,deadline,escalated,"
               "escalated_to\n");
    return lpg_txn_foreach(rep->t, LPG_TABLE_HAZARDS, s_on_hazard, rep);
}

/* ---- shared with report_*.c ------------------------------------------ */

/*  Characters in a UTF-8 string (continuation bytes not counted). */
static size_t
s_width(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

void
lpg_report_table(const char *const *cells, size_t rows, size_t cols)
{
    size_t width[16] = {0};
    assert(cols <= sizeof width / sizeof width[0]);
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < cols; c++) {
            size_t w = s_width(cells[r * cols + c]);
            if (w > width[c])
                width[c] = w;
        }
    for (size_t r = 0; r < rows; r++) {
        fputs(" ", stdout);
        for (size_t c = 0; c < cols; c++) {
            const char *cell = cells[r * cols + c];
            fputs(" ", stdout);
            fputs(cell, stdout);
            if (c + 1 < cols)
                for (size_t w = s_width(cell); w <= width[c]; w++)
                    putchar(' ');
        }
        putchar('\n');
    }
}

int
lpg_report_json(const char *title, uint32_t today, json_t *head, json_t *rows,
                size_t flags)
{
    char day[11];
    s_ymd_text(today, day);
    json_t *doc = json_object();
    if (doc) {
        json_object_set_new(doc, "report", json_string(title));
        json_object_set_new(doc, "today", json_string(day));
        if (head)
            json_object_update(doc, head);
        json_object_set_new(doc, "rows", rows);
    } else
        json_decref(rows);
    json_decref(head);
    char *text = doc ? json_dumps(doc, JSON_INDENT(2) | flags) : NULL;
    if (text)
        puts(text);
    free(text);
    json_decref(doc);
    return text ? LPG_OK : LPG_ENOMEM;
}

void
lpg_report_time(const char *zone, uint64_t ms, char out[32])
{
    lpg_cli_zone_time(zone, ms, out, 32);
    if (strlen(out) == 19 && out[10] == 'T')
        out[10] = ' ';
}

/* ---- the command ------------------------------------------------------ */

static int
s_usage(void)
{
    fprintf(stderr,
            "usage: lpgtrace report "
            "refused|overdue|hazards|anomalies|tips|orders "
            "[--json|--csv] [--today YYYY-MM-DD]\n"
            "       lpgtrace report tips --reveal SEQ --reason TEXT "
            "[--as KEYPREFIX] [--json|--csv]\n"
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
            "             deliveries without an order, hoarding "
            "(report.hoard_*)\n"
            "  orders     orders by company and day: delivered, refused by "
            "reason,\n"
            "             not fulfilled, p50/p90 time to delivery, deliveries "
            "without one\n"
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
        int status = lpg_report_tip_reveal(cli, &in, reveal_seq, reason, as);
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
    int (*fn)(s_report_t *) = NULL;
    const char *title = NULL;
    if (strcmp(what, "refused") == 0) {
        fn = s_refused;
        title = "refused";
    } else if (strcmp(what, "overdue") == 0) {
        fn = s_overdue;
        title = "overdue";
    } else if (strcmp(what, "hazards") == 0) {
        fn = s_hazards;
        title = "hazards";
    } else
        return s_usage();
    s_report_t rep = {.mode = cli->json ? S_JSON : S_PLAIN};
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--csv") == 0)
            rep.mode = S_CSV;
        else if (strcmp(argv[i], "--today") == 0 && i + 1 < argc &&
                 lpg_cli_date(argv[i + 1], &rep.today))
            i++;
        else if (strcmp(argv[i], "--user") == 0 && i + 1 < argc &&
                 fn == s_hazards && *argv[i + 1])
            rep.user = argv[++i];
        else
            return s_usage();
    }
    lpg_config_t *cfg = lpg_cli_config(cli);
    if (!cfg)
        return 2;
    if (s_today(lpg_config_get(cfg, "time.zone"), &rep.today) != 0)
        return 2;
    lpg_ledger_t *l = lpg_cli_ledger(cli, LPG_LEDGER_RDONLY);
    if (!l)
        return 2;
    if (rep.mode == S_JSON)
        rep.list = json_array();
    char today[11];
    s_ymd_text(rep.today, today);
    if (rep.mode == S_PLAIN && rep.user)
        printf("open hazards of %s on %s\n\n", rep.user, today);
    else if (rep.mode == S_PLAIN && fn != s_refused)
        printf("%s on %s\n\n", title, today);
    int rc = rep.mode == S_JSON && !rep.list ? LPG_ENOMEM : LPG_OK;
    if (rc == LPG_OK)
        rc = lpg_ledger_read(l, &rep.t);
    if (rc == LPG_OK)
        rc = fn(&rep);
    if (rc == LPG_OK && rep.mode == S_PLAIN && fn != s_refused)
        printf("\n%zu listed\n", rep.n);
    if (rc == LPG_OK && rep.mode == S_JSON) {
        json_t *head = json_object();
        if (rep.user)
            json_object_set_new(head, "user", json_string(rep.user));
        if (fn == s_refused)
            json_object_set_new(head, "denied_checks",
                                json_integer((json_int_t)rep.n));
        rc = lpg_report_json(title, rep.today, head, rep.list, 0);
        rep.list = NULL;
    }
    json_decref(rep.list);
    lpg_txn_abort(&rep.t);
    lpg_ledger_close(&l);
    if (rc != LPG_OK)
        return lpg_cli_fail("report", rc);
    return 0;
}
