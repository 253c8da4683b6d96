/*  console_reports.c - the console's recall, reports, street hazard board
 *  and live feed (see console.h for the routes).
 *
 *  The numbers are lib/report/'s, the code `lpgtrace report` and
 *  `lpgtrace recall` run: /console/api/reports/<name> is byte for byte
 *  `lpgtrace report <name> --json` for a regulator; for a street office
 *  or a company the same document with the rows outside its scope taken
 *  out here, on the server (lpg_console_may_see), never in the page.
 *  The pages draw charts and tables from that JSON (reports.js, with
 *  ECharts from /console/vendor/).
 *
 *  Live (/console/live/events) is server-sent events read from the
 *  ledger, read-only: every answer carries the refusals and anomalies
 *  recorded after the Last-Event-ID the browser sends back (a ledger
 *  sequence number), and a retry time, then ends; the browser's
 *  EventSource comes back after it. The ledger rather than lpg-traced's
 *  PUB feed: a subscriber would need a thread and a queue of its own in
 *  the daemon, and whatever it missed while a browser was reconnecting
 *  would be lost, where the ledger's sequence numbers let a browser
 *  resume exactly where it stopped, and no serving thread waits.
 */
#include "base/clock.h"
#include "base/error.h"
#include "base/log.h"
#include "console.h"
#include "daemon.h"
#include "domain/kind.h"
#include "domain/state.h"
#include "ledger/event.h"
#include "report/report.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_LIVE_RETRY_MS 1000 /* the browser comes back after this */
#define S_LIVE_SCAN 2000     /* entries read per answer at most */

/* ---- the reports ---- */

typedef enum {
    S_REFUSED,
    S_OVERDUE,
    S_HAZARDS,
    S_ANOMALIES,
    S_COVERAGE,
    S_TIPS,
    S_ORDERS,
    S_NREPORTS
} s_report_id_t;

static const struct {
    const char *name, *zh, *en;
    int (*fn)(const lpg_report_in_t *);
} s_reports[S_NREPORTS] = {
    {"refused", "拒绝充装", "Refused fills by station and reason",
     lpg_report_refused},
    {"overdue", "逾期未检", "Overdue inspections by company",
     lpg_report_overdue},
    {"hazards", "隐患整改", "Open and escalated hazards by street",
     lpg_report_hazards},
    {"anomalies", "异常", "Anomalies over time", lpg_report_anomalies},
    {"coverage", "入户安检覆盖率", "Inspection coverage against 100 %",
     lpg_report_coverage},
    {"tips", "群众举报", "Tips from the public", lpg_report_tips},
    {"orders", "订购配送", "Orders by company and day", lpg_report_orders},
};

/*  A console page around body (lpg_console_page's chrome) as the answer. */
static void
s_page(lpg_webd_resp_t *resp, int status, const lpg_console_who_t *who,
       const char *zh, const char *en, lpg_webd_buf_t *body,
       const char *const *scripts)
{
    char *page =
        body->failed
            ? NULL
            : lpg_console_page(who, zh, en, body->p ? body->p : "", scripts);
    free(body->p);
    *body = (lpg_webd_buf_t){0};
    if (!page) {
        lpg_webd_problem(resp, 500, "internal", "Internal error",
                         "The page could not be built.");
        return;
    }
    free(resp->body);
    resp->status = status;
    resp->content_type = "text/html; charset=utf-8";
    resp->body = page;
    resp->body_len = strlen(page);
}

static int
s_report_find(const char *name)
{
    for (int i = 0; i < S_NREPORTS; i++)
        if (strcmp(s_reports[i].name, name) == 0)
            return i;
    return -1;
}

/*  A state table's row, decoded: the caller frees it with free_unpacked. */
#define S_GET(t, table, id, type)                      \
    s_get_row(t, table, id,                            \
              (void *(*)(ProtobufCAllocator *, size_t, \
                         const uint8_t *))type##__unpack)

static void *
s_get_row(lpg_txn_t *t, lpg_table_t table, const char *id,
          void *(*unpack)(ProtobufCAllocator *, size_t, const uint8_t *))
{
    const void *v;
    size_t vlen;
    if (!id || !*id || lpg_txn_get(t, table, id, strlen(id), &v, &vlen) != 0)
        return NULL;
    return unpack(NULL, vlen, v);
}

/*  Within who's scope: a site (its company and area). */
static bool
s_may_site(const lpg_console_who_t *who, lpg_txn_t *t, const char *site)
{
    if (who->role == LPG_CONSOLE_REGULATOR)
        return true;
    Lpg__SiteState *s = S_GET(t, LPG_TABLE_SITES, site, lpg__site_state);
    bool ok = s && lpg_console_may_see(who, t, s->add->company, s->add->area);
    if (s)
        lpg__site_state__free_unpacked(s, NULL);
    return ok;
}

/*  A user (household): its company and area. *area_out (may be NULL)
 *  gets the user's area. */
static bool
s_may_user(const lpg_console_who_t *who, lpg_txn_t *t, const char *user,
           char *area_out, size_t areasz)
{
    Lpg__UserState *u = S_GET(t, LPG_TABLE_USERS, user, lpg__user_state);
    if (area_out)
        snprintf(area_out, areasz, "%s",
                 u && u->add->area ? u->add->area : "");
    bool ok =
        who->role == LPG_CONSOLE_REGULATOR ||
        (u && lpg_console_may_see(who, t, u->add->company, u->add->area));
    if (u)
        lpg__user_state__free_unpacked(u, NULL);
    return ok;
}

/*  A cylinder: its owner, and the area where it is (its household's, or
 *  its last site's). */
static bool
s_may_cylinder(const lpg_console_who_t *who, lpg_txn_t *t, const char *grai)
{
    if (who->role == LPG_CONSOLE_REGULATOR)
        return true;
    Lpg__CylinderState *c = lpg_state_get(t, LPG_TABLE_CYLINDERS, grai,
                                          &lpg__cylinder_state__descriptor);
    if (!c)
        return false;
    char area[64] = "";
    Lpg__UserState *u = S_GET(t, LPG_TABLE_USERS, c->holder, lpg__user_state);
    if (u && u->add->area)
        snprintf(area, sizeof area, "%s", u->add->area);
    if (u)
        lpg__user_state__free_unpacked(u, NULL);
    if (!*area) {
        Lpg__SiteState *s =
            S_GET(t, LPG_TABLE_SITES, c->last_site, lpg__site_state);
        if (s && s->add->area)
            snprintf(area, sizeof area, "%s", s->add->area);
        if (s)
            lpg__site_state__free_unpacked(s, NULL);
    }
    bool ok = lpg_console_may_see(who, t, c->reg->owner, area);
    lpg__cylinder_state__free_unpacked(c, NULL);
    return ok;
}

static const char *
s_str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/*  Is one row of report id within who's scope? */
static bool
s_row_in_scope(s_report_id_t id, const lpg_console_who_t *who, lpg_txn_t *t,
               json_t *row)
{
    switch (id) {
    case S_REFUSED:
        return s_may_site(who, t, s_str(row, "site"));
    case S_OVERDUE:
        return s_may_cylinder(who, t, s_str(row, "cylinder"));
    case S_HAZARDS:
        return s_may_user(who, t, s_str(row, "user"), NULL, 0);
    case S_ANOMALIES:
        return s_may_site(who, t, s_str(row, "site")) ||
               s_may_cylinder(who, t, s_str(row, "cylinder"));
    case S_COVERAGE:
        return lpg_console_may_see(who, t, NULL, s_str(row, "area"));
    case S_TIPS:
        return s_may_cylinder(who, t, s_str(row, "cylinder"));
    case S_ORDERS:
        /* a row is one company's; a street office has none of its own */
        return lpg_console_may_see(who, t, s_str(row, "company"), NULL);
    case S_NREPORTS:
        break;
    }
    return false;
}

/*  Takes out of doc the rows outside who's scope (a regulator's are all
 *  in) and says whose view it is. */
static void
s_scope(s_report_id_t id, const lpg_console_who_t *who, lpg_txn_t *t,
        json_t *doc)
{
    json_t *rows = json_object_get(doc, id == S_TIPS ? "tips" : "rows");
    size_t i = 0;
    while (json_is_array(rows) && i < json_array_size(rows)) {
        if (s_row_in_scope(id, who, t, json_array_get(rows, i)))
            i++;
        else
            json_array_remove(rows, i);
    }
    if (id == S_REFUSED) {
        /* a check refused for two reasons is in two rows: the count of
         * checks cannot be summed from them, so it is left out */
        json_object_del(doc, "denied_checks");
    }
    if (id == S_ORDERS) {
        /* the totals are every company's, and their p50 and p90 cannot be
         * made again from the rows left */
        json_object_del(doc, "totals");
    }
    json_t *scope = json_object();
    json_object_set_new(
        scope, "role",
        json_string(who->role == LPG_CONSOLE_STREET ? "street" : "company"));
    json_object_set_new(
        scope, who->role == LPG_CONSOLE_STREET ? "area" : "company",
        json_string(who->role == LPG_CONSOLE_STREET ? who->area
                                                    : who->company));
    json_object_set_new(doc, "scope", scope);
}

/*  Fills in's zone and today (?today=YYYY-MM-DD or the local date now).
 *  false: a bad zone or date (resp answered). */
static bool
s_today(lpg_webd_t *w, const lpg_webd_req_t *req, lpg_webd_resp_t *resp,
        lpg_report_in_t *in)
{
    in->cfg = lpg_webd_config(w);
    in->zone = lpg_config_get(in->cfg, "time.zone");
    char why[256], v[16];
    if (lpg_zone_check(in->zone, why, sizeof why) != LPG_OK) {
        lpg_webd_problem(resp, 500, "config", "Configuration error",
                         "time.zone is not a known zone.");
        return false;
    }
    if (lpg_webd_query_param(req->query, "today", v, sizeof v) && *v) {
        if (!lpg_report_date(v, &in->today)) {
            lpg_webd_problem(resp, 400, "bad-date", "Bad date",
                             "today must be YYYY-MM-DD.");
            return false;
        }
    } else
        in->today = lpg_local_ymd(lpg_clock_now_ms(), in->zone);
    return true;
}

/*  Runs fn as JSON into a fresh string (caller frees); NULL on error
 *  (*rc says which). */
static char *
s_run_json(int (*fn)(const lpg_report_in_t *), lpg_report_in_t *in,
           size_t *len, int *rc)
{
    char *text = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&text, &n);
    if (!f) {
        *rc = LPG_ENOMEM;
        return NULL;
    }
    in->out = f;
    in->mode = LPG_REPORT_JSON;
    *rc = fn(in);
    if (fclose(f) != 0 && *rc == LPG_OK)
        *rc = LPG_ENOMEM;
    in->out = NULL;
    if (*rc != LPG_OK) {
        free(text);
        return NULL;
    }
    *len = n;
    return text;
}

/*  GET /console/api/reports/<name>: the report's JSON, in who's scope. */
static void
s_api_report(lpg_webd_t *w, const lpg_webd_req_t *req, lpg_webd_resp_t *resp,
             const lpg_console_who_t *who, s_report_id_t id)
{
    lpg_report_in_t in = {.period = LPG_PERIOD_MONTH};
    char v[16];
    if (!s_today(w, req, resp, &in))
        return;
    if (id == S_COVERAGE &&
        lpg_webd_query_param(req->query, "period", v, sizeof v)) {
        if (strcmp(v, "quarter") == 0)
            in.period = LPG_PERIOD_QUARTER;
        else if (strcmp(v, "year") == 0)
            in.period = LPG_PERIOD_YEAR;
        else if (strcmp(v, "month") != 0) {
            lpg_webd_problem(resp, 400, "bad-period", "Bad period",
                             "period is month, quarter or year.");
            return;
        }
    }
    lpg_ledger_t *l = lpg_webd_ledger(w);
    if (!l || lpg_ledger_read(l, &in.t) != LPG_OK) {
        lpg_webd_problem(resp, 503, "no-ledger", "Ledger unavailable", NULL);
        return;
    }
    int rc;
    size_t len = 0;
    char *text = s_run_json(s_reports[id].fn, &in, &len, &rc);
    if (text && who->role != LPG_CONSOLE_REGULATOR) {
        json_t *doc = json_loadb(text, len, 0, NULL);
        free(text);
        text = NULL;
        if (doc) {
            s_scope(id, who, in.t, doc);
            text = json_dumps(doc, JSON_INDENT(2));
            len = text ? strlen(text) : 0;
            json_decref(doc);
        }
        if (!text)
            rc = LPG_ENOMEM;
    }
    lpg_txn_abort(&in.t);
    if (!text) {
        lpg_warn("console: report %s: %s", s_reports[id].name,
                 lpg_strerror(rc));
        lpg_webd_problem(resp, 500, "internal", "Internal error",
                         "The report could not be made.");
        return;
    }
    resp->status = 200;
    resp->content_type = "application/json";
    resp->body = text;
    resp->body_len = len;
}

/*  GET /console/reports: the list; /console/reports/<name>: one. */
static void
s_report_page(lpg_webd_resp_t *resp, const lpg_console_who_t *who, int id)
{
    static const char *const scripts[] = {"reports.js", NULL};
    lpg_webd_buf_t b = {0};
    if (id < 0) {
        lpg_webd_puts(&b, "<ul class=\"reports\">");
        for (int i = 0; i < S_NREPORTS; i++)
            lpg_webd_printf(&b,
                            "<li><a href=\"/console/reports/%s\">%s "
                            "<span lang=\"en\">%s</span></a></li>",
                            s_reports[i].name, s_reports[i].zh,
                            s_reports[i].en);
        lpg_webd_puts(&b, "</ul>");
        s_page(resp, 200, who, "报表", "Reports", &b, NULL);
        return;
    }
    lpg_webd_printf(
        &b,
        "<link rel=\"stylesheet\" href=\"/console/static/reports.css\">"
        "<section class=\"report\" id=\"report\" data-report=\"%s\">"
        "<p class=\"tools\">"
        "<a id=\"csv\" href=\"#\" download=\"%s.csv\">下载 CSV "
        "<span lang=\"en\">Download CSV</span></a> "
        "<button type=\"button\" id=\"print\">打印 "
        "<span lang=\"en\">Print</span></button></p>"
        "<p id=\"summary\" class=\"summary\"></p>"
        "<div id=\"chart\" class=\"chart\"></div>"
        "<table id=\"table\" class=\"data\"><thead></thead><tbody></tbody>"
        "</table><p id=\"status\" class=\"status\">加载中… "
        "<span lang=\"en\">Loading…</span></p></section>"
        "<script src=\"/console/vendor/echarts/dist/echarts.min.js\">"
        "</script>",
        s_reports[id].name, s_reports[id].name);
    s_page(resp, 200, who, s_reports[id].zh, s_reports[id].en, &b, scripts);
}

/* ---- recall ---- */

/*  The recall document of ?site=&from=&to=[&full=1] in who's scope
 *  (caller decrefs), or NULL with resp answered. full=1 reads the
 *  station's whole history, as `lpgtrace recall --full`. Households show
 *  their area, not their names (revealing a name is a signed step of its
 *  own); a station outside the scope shows only the households inside
 *  it. */
static json_t *
s_recall_doc(lpg_webd_t *w, const lpg_webd_req_t *req, lpg_webd_resp_t *resp,
             const lpg_console_who_t *who)
{
    char site[128], from[32], to[32];
    if (!lpg_webd_query_param(req->query, "site", site, sizeof site) ||
        !*site ||
        !lpg_webd_query_param(req->query, "from", from, sizeof from) ||
        !lpg_webd_query_param(req->query, "to", to, sizeof to)) {
        lpg_webd_problem(resp, 400, "bad-request", "Missing parameters",
                         "site, from and to are needed.");
        return NULL;
    }
    lpg_report_in_t in = {0};
    if (!s_today(w, req, resp, &in))
        return NULL;
    char full[8];
    in.full = lpg_webd_query_param(req->query, "full", full, sizeof full) &&
              strcmp(full, "1") == 0; /* `lpgtrace recall --full` */
    uint64_t f = 0, t = 0;
    if (!lpg_report_zone_ms(in.zone, from, &f) ||
        !lpg_report_zone_ms(in.zone, to, &t) || t <= f) {
        lpg_webd_problem(resp, 400, "bad-time", "Bad time window",
                         "from and to are YYYY-MM-DD or YYYY-MM-DDTHH:MM, "
                         "from before to.");
        return NULL;
    }
    lpg_ledger_t *l = lpg_webd_ledger(w);
    if (!l || lpg_ledger_read(l, &in.t) != LPG_OK) {
        lpg_webd_problem(resp, 503, "no-ledger", "Ledger unavailable", NULL);
        return NULL;
    }
    char *text = NULL;
    size_t n = 0;
    int rc = LPG_ENOMEM;
    FILE *out = open_memstream(&text, &n);
    if (out) {
        in.out = out;
        in.mode = LPG_REPORT_JSON;
        rc = lpg_report_recall(&in, site, f, t);
        if (fclose(out) != 0 && rc == LPG_OK)
            rc = LPG_ENOMEM;
    }
    json_t *doc = rc == LPG_OK ? json_loadb(text, n, 0, NULL) : NULL;
    free(text);
    bool whole = doc && s_may_site(who, in.t, site);
    json_t *cyls = json_object_get(doc, "cylinders");
    for (size_t i = 0; json_is_array(cyls) && i < json_array_size(cyls);) {
        json_t *fills = json_object_get(json_array_get(cyls, i), "fills");
        size_t left = 0;
        for (size_t k = 0; k < json_array_size(fills); k++) {
            json_t *hh =
                json_object_get(json_array_get(fills, k), "households");
            for (size_t j = 0; json_is_array(hh) && j < json_array_size(hh);) {
                json_t *h = json_array_get(hh, j);
                json_object_del(h, "name");
                if (whole || s_may_user(who, in.t, s_str(h, "user"), NULL, 0))
                    j++;
                else
                    json_array_remove(hh, j);
            }
            left += json_array_size(hh);
        }
        if (whole || left)
            i++;
        else
            json_array_remove(cyls, i);
    }
    lpg_txn_abort(&in.t);
    if (!doc) {
        lpg_warn("console: recall: %s", lpg_strerror(rc));
        lpg_webd_problem(resp, 500, "internal", "Internal error",
                         "The recall could not be made.");
    }
    return doc;
}

static void
s_api_recall(lpg_webd_t *w, const lpg_webd_req_t *req, lpg_webd_resp_t *resp,
             const lpg_console_who_t *who)
{
    json_t *doc = s_recall_doc(w, req, resp, who);
    if (!doc)
        return;
    char *text = json_dumps(doc, JSON_INDENT(2));
    json_decref(doc);
    if (!text) {
        lpg_webd_problem(resp, 500, "internal", "Internal error", NULL);
        return;
    }
    resp->status = 200;
    resp->content_type = "application/json";
    resp->body = text;
    resp->body_len = strlen(text);
}

static void
s_cell(lpg_webd_buf_t *b, const char *s)
{
    lpg_webd_puts(b, "<td>");
    lpg_webd_html(b, s);
    lpg_webd_puts(b, "</td>");
}

static void
s_recall_page(lpg_webd_t *w, const lpg_webd_req_t *req, lpg_webd_resp_t *resp,
              const lpg_console_who_t *who)
{
    static const char *const scripts[] = {"recall.js", NULL};
    char site[128] = "", from[32] = "", to[32] = "";
    lpg_webd_query_param(req->query, "site", site, sizeof site);
    lpg_webd_query_param(req->query, "from", from, sizeof from);
    lpg_webd_query_param(req->query, "to", to, sizeof to);
    lpg_webd_buf_t b = {0};
    lpg_webd_puts(&b, "<link rel=\"stylesheet\" "
                      "href=\"/console/static/reports.css\">"
                      "<form method=\"get\" action=\"/console/recall\" "
                      "class=\"recall\"><label>充装站 <span lang=\"en\">"
                      "Station</span> <input name=\"site\" required value=\"");
    lpg_webd_html(&b, site);
    lpg_webd_puts(&b, "\"></label> <label>自 <span lang=\"en\">From</span> "
                      "<input name=\"from\" required "
                      "placeholder=\"YYYY-MM-DD\" value=\"");
    lpg_webd_html(&b, from);
    lpg_webd_puts(&b, "\"></label> <label>至 <span lang=\"en\">To</span> "
                      "<input name=\"to\" required placeholder=\"YYYY-MM-DD\" "
                      "value=\"");
    lpg_webd_html(&b, to);
    lpg_webd_puts(&b, "\"></label> <button>查询 <span lang=\"en\">Recall"
                      "</span></button></form>");
    if (!*site) {
        s_page(resp, 200, who, "召回", "Recall", &b, scripts);
        return;
    }
    json_t *doc = s_recall_doc(w, req, resp, who);
    if (!doc) {
        free(b.p);
        return; /* resp holds the problem */
    }
    json_t *cyls = json_object_get(doc, "cylinders");
    size_t nh = 0;
    lpg_webd_printf(&b,
                    "<p class=\"tools\"><a id=\"csv\" href=\"#\" "
                    "download=\"recall.csv\">下载 CSV <span lang=\"en\">"
                    "Download CSV</span></a></p><p class=\"summary\">"
                    "<span id=\"ncyl\">%zu</span> 只气瓶 "
                    "<span lang=\"en\">cylinders</span></p>"
                    "<table id=\"table\" class=\"data\"><thead><tr>"
                    "<th>气瓶 Cylinder</th><th>钢印号 Serial</th>"
                    "<th>充装时间 Filled</th><th>用户 Household</th>"
                    "<th>区域 Area</th><th>送达 Delivered</th>"
                    "<th>现状 Now</th><th>持有 Holder</th>"
                    "<th>最后地点 Last site</th><th>状态 Status</th>"
                    "</tr></thead><tbody>",
                    json_array_size(cyls));
    for (size_t i = 0; i < json_array_size(cyls); i++) {
        json_t *c = json_array_get(cyls, i);
        json_t *now = json_object_get(c, "now");
        json_t *fills = json_object_get(c, "fills");
        for (size_t k = 0; k < json_array_size(fills); k++) {
            json_t *fl = json_array_get(fills, k);
            json_t *hh = json_object_get(fl, "households");
            size_t rows = json_array_size(hh) ? json_array_size(hh) : 1;
            for (size_t j = 0; j < rows; j++) {
                json_t *h = json_array_get(hh, j);
                lpg_webd_puts(&b, "<tr>");
                s_cell(&b, s_str(c, "cylinder"));
                s_cell(&b, s_str(c, "serial"));
                s_cell(&b, s_str(fl, "filled_at"));
                s_cell(&b, h ? s_str(h, "user") : "");
                s_cell(&b, h ? s_str(h, "area") : "");
                s_cell(&b, h ? s_str(h, "delivered_at") : "");
                s_cell(&b, s_str(now, "custody"));
                s_cell(&b, s_str(now, "holder"));
                s_cell(&b, s_str(now, "last_site"));
                s_cell(&b, s_str(now, "status"));
                lpg_webd_puts(&b, "</tr>");
                nh += h != NULL;
            }
        }
    }
    lpg_webd_printf(&b,
                    "</tbody></table><p class=\"summary\">"
                    "<span id=\"nhh\">%zu</span> 户次 "
                    "<span lang=\"en\">household deliveries</span></p>",
                    nh);
    json_decref(doc);
    s_page(resp, 200, who, "召回", "Recall", &b, scripts);
}

/* ---- the street hazard board ---- */

typedef struct {
    uint64_t escalated_seq;
    char *item, *area, *to, *deadline;
    bool major, rectified;
} s_hazard_t;

typedef struct {
    lpg_txn_t *t;
    const lpg_console_who_t *who;
    s_hazard_t *rows;
    size_t n, cap;
    bool failed;
} s_board_t;

static int
s_on_hazard(void *ctx, const void *key, size_t klen, const void *val,
            size_t vlen)
{
    s_board_t *bd = ctx;
    if (klen < 7 || memcmp(key, "hazard/", 7) != 0)
        return LPG_OK;
    Lpg__HazardState *h = lpg__hazard_state__unpack(NULL, vlen, val);
    if (!h)
        return LPG_EMALFORMED;
    char area[64];
    bool mine = s_may_user(bd->who, bd->t, h->user, area, sizeof area);
    if (bd->who->role == LPG_CONSOLE_STREET)
        mine = h->escalated_to && strcmp(h->escalated_to, bd->who->area) == 0;
    if (h->has_escalated_seq && mine) {
        if (bd->n == bd->cap) {
            size_t cap = bd->cap ? bd->cap * 2 : 32;
            s_hazard_t *p = realloc(bd->rows, cap * sizeof *p);
            if (!p) {
                lpg__hazard_state__free_unpacked(h, NULL);
                return LPG_ENOMEM;
            }
            bd->rows = p;
            bd->cap = cap;
        }
        char due[16];
        snprintf(due, sizeof due, "%04u-%02u-%02u", h->deadline_ymd / 10000,
                 h->deadline_ymd / 100 % 100, h->deadline_ymd % 100);
        s_hazard_t *r = &bd->rows[bd->n++];
        *r = (s_hazard_t){.escalated_seq = h->escalated_seq,
                          .item = strdup(h->item),
                          .area = strdup(area),
                          .to = strdup(h->escalated_to ? h->escalated_to : ""),
                          .deadline = strdup(due),
                          .major = h->major,
                          .rectified = h->has_rectified_seq};
        if (!r->item || !r->area || !r->to || !r->deadline)
            bd->failed = true;
    }
    lpg__hazard_state__free_unpacked(h, NULL);
    return LPG_OK;
}

static int
s_by_escalation(const void *a, const void *b)
{
    const s_hazard_t *x = a, *y = b;
    return x->escalated_seq < y->escalated_seq   ? -1
           : x->escalated_seq > y->escalated_seq ? 1
                                                 : 0;
}

static void
s_hazard_board(lpg_webd_t *w, lpg_webd_resp_t *resp,
               const lpg_console_who_t *who)
{
    static const char *const scripts[] = {"recall.js", NULL};
    s_board_t bd = {.who = who};
    lpg_ledger_t *l = lpg_webd_ledger(w);
    if (!l || lpg_ledger_read(l, &bd.t) != LPG_OK) {
        lpg_webd_problem(resp, 503, "no-ledger", "Ledger unavailable", NULL);
        return;
    }
    int rc = lpg_txn_foreach(bd.t, LPG_TABLE_HAZARDS, s_on_hazard, &bd);
    lpg_txn_abort(&bd.t);
    lpg_webd_buf_t b = {0};
    if (rc == LPG_OK && !bd.failed) {
        if (bd.n > 1)
            qsort(bd.rows, bd.n, sizeof *bd.rows, s_by_escalation);
        lpg_webd_printf(
            &b,
            "<link rel=\"stylesheet\" href=\"/console/static/reports.css\">"
            "<p class=\"summary\">上报到%s的隐患，最早的在前。 "
            "<span lang=\"en\">Hazards escalated to %s, oldest first.</span>"
            "</p><p class=\"tools\"><a id=\"csv\" href=\"#\" "
            "download=\"hazards.csv\">下载 CSV <span lang=\"en\">Download "
            "CSV</span></a></p><table id=\"table\" class=\"data\"><thead>"
            "<tr><th>上报 Escalated (entry)</th><th>隐患 Item</th>"
            "<th>等级 Severity</th><th>期限 Deadline</th>"
            "<th>用户区域 Household area</th><th>上报至 Escalated to</th>"
            "<th>已整改 Put right</th></tr></thead><tbody>",
            who->role == LPG_CONSOLE_STREET ? "本街道" : "街道",
            who->role == LPG_CONSOLE_STREET ? "this street" : "the streets");
        for (size_t i = 0; i < bd.n; i++) {
            const s_hazard_t *r = &bd.rows[i];
            lpg_webd_printf(&b, "<tr class=\"%s\"><td>%" PRIu64 "</td>",
                            r->rectified ? "done" : "open", r->escalated_seq);
            s_cell(&b, r->item);
            s_cell(&b, r->major ? "重大 major" : "一般 minor");
            s_cell(&b, r->deadline);
            s_cell(&b, r->area);
            s_cell(&b, r->to);
            s_cell(&b, r->rectified ? "是 yes" : "否 no");
            lpg_webd_puts(&b, "</tr>");
        }
        lpg_webd_printf(&b,
                        "</tbody></table><p class=\"summary\">"
                        "<span id=\"nrows\">%zu</span> 项 <span "
                        "lang=\"en\">listed</span></p>",
                        bd.n);
    }
    for (size_t i = 0; i < bd.n; i++) {
        free(bd.rows[i].item);
        free(bd.rows[i].area);
        free(bd.rows[i].to);
        free(bd.rows[i].deadline);
    }
    free(bd.rows);
    if (rc != LPG_OK || bd.failed) {
        free(b.p);
        lpg_webd_problem(resp, 500, "internal", "Internal error",
                         "The hazard board could not be made.");
        return;
    }
    s_page(resp, 200, who, "隐患督办", "Street hazard board", &b, scripts);
}

/* ---- live ---- */

static void
s_live_page(lpg_webd_resp_t *resp, const lpg_console_who_t *who)
{
    static const char *const scripts[] = {"live.js", NULL};
    lpg_webd_buf_t b = {0};
    lpg_webd_puts(
        &b, "<link rel=\"stylesheet\" href=\"/console/static/reports.css\">"
            "<p class=\"summary\">新的拒绝和异常，即时显示。 "
            "<span lang=\"en\">New refusals and anomalies, as they "
            "are recorded.</span> <span id=\"state\" class=\"state\">"
            "</span></p><table id=\"table\" class=\"data live\"><thead>"
            "<tr><th>条目 Entry</th><th>时间 Time</th><th>类型 Type</th>"
            "<th>步骤 Step</th><th>站点 Site</th><th>气瓶 Cylinder</th>"
            "<th>原因 Reasons</th></tr></thead><tbody></tbody></table>");
    s_page(resp, 200, who, "实时", "Live", &b, scripts);
}

/*  The event for one entry, if it is a refusal or an anomaly within
 *  who's scope. */
static int
s_live_entry(lpg_report_in_t *in, const lpg_console_who_t *who, uint64_t seq,
             lpg_webd_buf_t *b)
{
    Lpg__LedgerEntry *e = NULL;
    lpg_event_t ev;
    int rc = lpg_report_entry(in->t, seq, &e, &ev);
    if (rc != LPG_OK)
        return rc;
    const Lpg__Event *x = ev.event;
    bool refused = !lpg_report_accepted(e);
    char kinds[128] = "";
    rc = lpg_report_entry_anomalies(in, seq, e, &ev, kinds, sizeof kinds);
    if (rc == LPG_OK && (refused || *kinds) &&
        (s_may_site(who, in->t, x->site) ||
         s_may_cylinder(who, in->t, x->cylinder))) {
        char when[32];
        lpg_report_zone_time(in->zone, x->device_time_ms, when, sizeof when);
        json_t *o = json_object();
        json_t *reasons = json_array();
        for (size_t i = 0; e->outcome && i < e->outcome->n_reasons; i++)
            json_array_append_new(reasons,
                                  json_string(e->outcome->reasons[i]->token));
        json_object_set_new(o, "seq", json_integer((json_int_t)seq));
        json_object_set_new(o, "time", json_string(when));
        json_object_set_new(o, "refused", json_boolean(refused));
        json_object_set_new(o, "anomalies", json_string(kinds));
        json_object_set_new(o, "step",
                            json_string(lpg_kind_name(x->body_case)));
        json_object_set_new(o, "site", json_string(x->site ? x->site : ""));
        json_object_set_new(o, "cylinder",
                            json_string(x->cylinder ? x->cylinder : ""));
        json_object_set_new(o, "reasons", reasons);
        char *text = json_dumps(o, JSON_COMPACT);
        json_decref(o);
        if (text)
            lpg_webd_printf(b, "event: %s\nid: %" PRIu64 "\ndata: %s\n\n",
                            refused ? "refusal" : "anomaly", seq + 1, text);
        else
            rc = LPG_ENOMEM;
        free(text);
    }
    lpg_event_clear(&ev);
    lpg__ledger_entry__free_unpacked(e, NULL);
    return rc;
}

/*  GET /console/live/events: what was recorded after Last-Event-ID (or
 *  ?since=N; neither: from now on), then "come back in a second". */
static void
s_live_events(lpg_webd_t *w, const lpg_webd_req_t *req, lpg_webd_resp_t *resp,
              const lpg_console_who_t *who)
{
    lpg_report_in_t in = {0};
    if (!s_today(w, req, resp, &in))
        return;
    lpg_ledger_t *l = lpg_webd_ledger(w);
    uint64_t size = 0;
    if (!l || lpg_ledger_read(l, &in.t) != LPG_OK ||
        lpg_txn_size(in.t, &size) != LPG_OK) {
        lpg_txn_abort(&in.t);
        lpg_webd_problem(resp, 503, "no-ledger", "Ledger unavailable", NULL);
        return;
    }
    const char *last = req->header(req->hctx, "Last-Event-ID");
    char since_q[24];
    if (!last || !*last)
        last =
            lpg_webd_query_param(req->query, "since", since_q, sizeof since_q);
    uint64_t from = size;
    if (last && *last) {
        char *end;
        unsigned long long v = strtoull(last, &end, 10);
        if (*end == '\0' && v <= size)
            from = v;
    }
    uint64_t to = size - from > S_LIVE_SCAN ? from + S_LIVE_SCAN : size;
    lpg_webd_buf_t b = {0};
    lpg_webd_printf(&b, "retry: %d\n\n", S_LIVE_RETRY_MS);
    int rc = LPG_OK;
    for (uint64_t seq = from; rc == LPG_OK && seq < to; seq++)
        rc = s_live_entry(&in, who, seq, &b);
    lpg_txn_abort(&in.t);
    if (rc != LPG_OK) {
        free(b.p);
        lpg_warn("console: live: %s", lpg_strerror(rc));
        lpg_webd_problem(resp, 500, "internal", "Internal error", NULL);
        return;
    }
    /* where to start next time, even when nothing above was ours */
    lpg_webd_printf(&b, "event: mark\nid: %" PRIu64 "\ndata: %" PRIu64 "\n\n",
                    to, to);
    lpg_webd_send_buf(resp, 200, "text/event-stream; charset=utf-8", &b);
}

/* ---- dispatch ---- */

void
lpg_console_reports(lpg_webd_t *w, const lpg_webd_req_t *req,
                    lpg_webd_resp_t *resp, const lpg_console_who_t *who)
{
    const char *p = req->path;
    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
        lpg_webd_problem(resp, 405, "method-not-allowed", "Method not allowed",
                         "This address takes GET only.");
        return;
    }
    if (strcmp(p, "/console/api/reports/recall") == 0) {
        s_api_recall(w, req, resp, who);
        return;
    }
    if (strncmp(p, "/console/api/reports/", 21) == 0) {
        int id = s_report_find(p + 21);
        if (id >= 0)
            s_api_report(w, req, resp, who, (s_report_id_t)id);
        else
            lpg_webd_problem(resp, 404, "not-found", "No such report", NULL);
        return;
    }
    if (strcmp(p, "/console/reports") == 0 ||
        strcmp(p, "/console/reports/") == 0) {
        s_report_page(resp, who, -1);
        return;
    }
    if (strncmp(p, "/console/reports/", 17) == 0) {
        int id = s_report_find(p + 17);
        if (id >= 0)
            s_report_page(resp, who, id);
        else
            lpg_webd_problem(resp, 404, "not-found", "No such report", NULL);
        return;
    }
    if (strcmp(p, "/console/recall") == 0) {
        s_recall_page(w, req, resp, who);
        return;
    }
    if (strcmp(p, "/console/hazards") == 0) {
        s_hazard_board(w, resp, who);
        return;
    }
    if (strcmp(p, "/console/live") == 0) {
        s_live_page(resp, who);
        return;
    }
    if (strcmp(p, "/console/live/events") == 0) {
        s_live_events(w, req, resp, who);
        return;
    }
    lpg_webd_problem(resp, 404, "not-found", "Not found",
                     "Nothing is served at this address.");
}
