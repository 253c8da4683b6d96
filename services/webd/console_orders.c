/*  console_orders.c - the dispatch board (统一订购配送服务平台), GET
 *  /console/orders and GET /console/orders/<id>.
 *
 *  A company account sees its own company's orders; a regulator every
 *  company's, read-only; a street office none (403). The board lists
 *  the orders not yet assigned, oldest first; an order still not
 *  accepted order.accept_within_min minutes (default 30) after it was
 *  placed is highlighted and counted. Beside them: the company's drivers
 *  and vehicles fit to be assigned today, judged by the door's own crew
 *  rules (lpg_delivery_check_crew: the driver's certificate, the
 *  vehicle's permit).
 *
 *  The board acts, and lpg-webd still holds no company key: every step
 *  of an order is a ledger event only the company's own company-admin
 *  key signs, and that key lives in the dispatcher's browser
 *  (/console/key, www/sign.js, console_sign.c). A company account's
 *  order page accepts, assigns (to a driver and vehicle of the lists
 *  below, fit ones first), refuses or cancels with a reason and records
 *  the delivery; the board places an order for a caller (the phone
 *  agent, channel "phone"). Each action is prepared here as the exact
 *  Event bytes, signed in the browser and relayed to lpg-orderd, whose
 *  answer (every reason in Chinese and English) the page shows. The
 *  order's page still gives the `lpgtrace order accept|assign ... --as
 *  KEY` commands for the driver and vehicle chosen in its form, for an
 *  admin who signs where the key file is.
 */
#include "console.h"
#include "console_int.h"

#include "base/clock.h"
#include "base/config.h"
#include "base/error.h"
#include "domain/delivery_rules.h"
#include "domain/order.h"
#include "domain/state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_ID_MAX 256

typedef struct {
    char *id;
    Lpg__OrderState *o;
} s_row_t;

typedef struct {
    const lpg_console_who_t *who;
    s_row_t *rows;
    size_t n, cap;
} s_rows_t;

static bool
s_mine(const lpg_console_who_t *who, const char *company)
{
    return who->role == LPG_CONSOLE_REGULATOR ||
           (who->role == LPG_CONSOLE_COMPANY && company &&
            strcmp(company, who->company) == 0);
}

static int
s_on_order(void *ctx, const void *key, size_t klen, const void *val,
           size_t vlen)
{
    s_rows_t *r = ctx;
    Lpg__OrderState *o = lpg__order_state__unpack(NULL, vlen, val);
    if (!o)
        return LPG_ECORRUPT;
    bool open = o->status == LPG__ORDER_STATUS__ORDER_PLACED ||
                o->status == LPG__ORDER_STATUS__ORDER_ACCEPTED;
    if (!open || !s_mine(r->who, o->company)) {
        lpg__order_state__free_unpacked(o, NULL);
        return LPG_OK;
    }
    if (r->n == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 32;
        s_row_t *p = realloc(r->rows, cap * sizeof *p);
        if (!p) {
            lpg__order_state__free_unpacked(o, NULL);
            return LPG_ENOMEM;
        }
        r->rows = p;
        r->cap = cap;
    }
    r->rows[r->n].id = strndup(key, klen);
    r->rows[r->n].o = o;
    if (!r->rows[r->n].id) {
        lpg__order_state__free_unpacked(o, NULL);
        return LPG_ENOMEM;
    }
    r->n++;
    return LPG_OK;
}

static int
s_oldest_first(const void *a, const void *b)
{
    const Lpg__OrderState *x = ((const s_row_t *)a)->o,
                          *y = ((const s_row_t *)b)->o;
    if (x->placed_ms != y->placed_ms)
        return x->placed_ms < y->placed_ms ? -1 : 1;
    return x->placed_seq < y->placed_seq ? -1 : x->placed_seq > y->placed_seq;
}

/*  order.accept_within_min, in ms (1..10080 minutes; else 30). */
static uint64_t
s_accept_within_ms(lpg_webd_t *w)
{
    const char *v =
        lpg_config_get(lpg_webd_config(w), "order.accept_within_min");
    char *end = NULL;
    unsigned long m = v && *v ? strtoul(v, &end, 10) : 0;
    if (!end || *end || m < 1 || m > 10080)
        m = 30;
    return (uint64_t)m * 60000u;
}

static uint32_t
s_today(lpg_webd_t *w)
{
    return lpg_local_ymd(lpg_clock_now_ms(),
                         lpg_config_get(lpg_webd_config(w), "time.zone"));
}

/* ---- the crew fit to be assigned ---- */

typedef struct {
    const char *company;
    uint32_t today;
    bool vehicles; /* false: drivers */
    lpg_webd_buf_t *b;
    const char *chosen; /* its id when it is the one chosen */
    bool chosen_ok;
    size_t n;
} s_crew_t;

/*  Fit by the crew rules: no reason about this half of the crew. */
static bool
s_fit(const lpg_verdict_t *v, bool vehicles)
{
    for (size_t i = 0; i < v->n; i++) {
        bool about_vehicle =
            v->reasons[i].id == LPG_REASON_VEHICLE_UNKNOWN ||
            v->reasons[i].id == LPG_REASON_VEHICLE_PERMIT_EXPIRED;
        if (about_vehicle == vehicles)
            return false;
    }
    return true;
}

static int
s_on_crew(void *ctx, const void *key, size_t klen, const void *val,
          size_t vlen)
{
    s_crew_t *c = ctx;
    char id[S_ID_MAX + 1];
    if (klen > S_ID_MAX)
        return LPG_OK;
    memcpy(id, key, klen);
    id[klen] = '\0';
    lpg_delivery_input_t in;
    memset(&in, 0, sizeof in);
    in.today_ymd = c->today;
    lpg_verdict_t v;
    memset(&v, 0, sizeof v);
    char until[16];
    Lpg__StaffState *st = NULL;
    Lpg__VehicleState *ve = NULL;
    if (c->vehicles) {
        ve = lpg__vehicle_state__unpack(NULL, vlen, val);
        if (!ve)
            return LPG_ECORRUPT;
        if (strcmp(ve->add->company, c->company) != 0) {
            lpg__vehicle_state__free_unpacked(ve, NULL);
            return LPG_OK;
        }
        in.vehicle_id = id;
        in.vehicle = ve;
        snprintf(until, sizeof until, "%08u",
                 (unsigned)ve->add->permit_until_ymd);
    } else {
        st = lpg__staff_state__unpack(NULL, vlen, val);
        if (!st)
            return LPG_ECORRUPT;
        if (strcmp(st->add->company, c->company) != 0 ||
            st->add->role != LPG__STAFF_ROLE__STAFF_DRIVER) {
            lpg__staff_state__free_unpacked(st, NULL);
            return LPG_OK;
        }
        in.driver_id = id;
        in.driver = st;
        snprintf(until, sizeof until, "%08u",
                 (unsigned)st->add->cert_until_ymd);
    }
    lpg_delivery_check_crew(&v, &in, c->company);
    bool fit = s_fit(&v, c->vehicles);
    if (c->chosen && strcmp(c->chosen, id) == 0)
        c->chosen_ok = fit;
    lpg_webd_printf(c->b, "<li class=\"%s\" data-%s=\"", fit ? "fit" : "unfit",
                    c->vehicles ? "vehicle" : "driver");
    lpg_webd_html(c->b, id);
    lpg_webd_puts(c->b, "\">");
    lpg_webd_html(c->b, id);
    lpg_webd_printf(c->b, " · %s %s", c->vehicles ? "许可至" : "证书至",
                    until);
    if (!fit)
        lpg_webd_puts(c->b, " <span class=\"bad\">不可派 <span "
                            "lang=\"en\">not fit</span></span>");
    lpg_webd_puts(c->b, "</li>");
    if (fit)
        c->n++;
    if (st)
        lpg__staff_state__free_unpacked(st, NULL);
    if (ve)
        lpg__vehicle_state__free_unpacked(ve, NULL);
    return LPG_OK;
}

/*  The company's drivers and vehicles, each marked fit or not. */
static int
s_crew(lpg_txn_t *t, lpg_webd_buf_t *b, const char *company, uint32_t today,
       const char *driver, const char *vehicle, bool *driver_ok,
       bool *vehicle_ok)
{
    s_crew_t c = {company, today, false, b, driver, false, 0};
    lpg_webd_puts(b, "<section class=\"crew\"><h2>可派送气工 <span "
                     "lang=\"en\">Drivers</span></h2><ul id=\"drivers\">");
    int rc = lpg_txn_foreach(t, LPG_TABLE_STAFF, s_on_crew, &c);
    lpg_webd_printf(b, "</ul><p class=\"count\">%zu fit</p>", c.n);
    if (driver_ok)
        *driver_ok = c.chosen_ok;
    s_crew_t cv = {company, today, true, b, vehicle, false, 0};
    lpg_webd_puts(b, "<h2>可派车辆 <span lang=\"en\">Vehicles</span></h2>"
                     "<ul id=\"vehicles\">");
    if (rc == LPG_OK)
        rc = lpg_txn_foreach(t, LPG_TABLE_VEHICLES, s_on_crew, &cv);
    lpg_webd_printf(b, "</ul><p class=\"count\">%zu fit</p></section>", cv.n);
    if (vehicle_ok)
        *vehicle_ok = cv.chosen_ok;
    return rc;
}

/* ---- the actions (signed in the browser: console_sign.c, sign.js) ---- */

static const char *const s_scripts[] = {"sign.js", NULL};

/*  Which key will sign, filled in by sign.js from the browser's store. */
static void
s_signer_line(lpg_webd_buf_t *b)
{
    lpg_webd_puts(b, "<p class=\"signer\">签名密钥 <span lang=\"en\">Signing "
                     "key</span>: <span id=\"signer\">—</span> · <a "
                     "href=\"/console/key\">更换 <span lang=\"en\">Load a "
                     "key</span></a></p>");
}

/*  The company's phone agent places an order for a caller. */
static void
s_phone_form(lpg_webd_buf_t *b)
{
    lpg_webd_puts(
        b, "<section class=\"phone\"><h2>电话下单 <span lang=\"en\">Place an "
           "order for a caller</span></h2><form class=\"act\" "
           "data-step=\"order_place\" id=\"phoneform\"><label>用户 <span "
           "lang=\"en\">User id</span> <input name=\"user\" required "
           "maxlength=\"64\"></label> <label>规格 <span lang=\"en\">Spec"
           "</span> <select name=\"spec\"><option>YSP15</option><option>"
           "YSP5</option><option>YSP50</option></select></label> <label>"
           "数量 <span lang=\"en\">Count</span> <input name=\"count\" "
           "type=\"number\" min=\"1\" max=\"4\" value=\"1\"></label> <label>"
           "时段 <span lang=\"en\">Slot</span> <input name=\"slot\" "
           "type=\"datetime-local\" required></label> <label>小时 <span "
           "lang=\"en\">Hours</span> <input name=\"hours\" type=\"number\" "
           "min=\"1\" max=\"12\" value=\"4\"></label> <label>用气证（选填）"
           "<span lang=\"en\">Gas-use certificate (optional)</span> <input "
           "name=\"gas_cert\" maxlength=\"1024\" placeholder=\"留空：按该户"
           "最近一次送气时出示的凭证 / blank: the one last shown at the "
           "door\"></label> <button type=\"submit\">下单 <span "
           "lang=\"en\">Place</span></button></form><div id=\"answer\" "
           "role=\"status\"></div></section>");
}

/*  The actions on one order for the company's dispatcher; the answer of
 *  lpg-orderd is shown in #answer. */
static void
s_actions(lpg_webd_buf_t *b, const char *id, const Lpg__OrderState *o)
{
    Lpg__OrderStatus st = o->status;
    bool placed = st == LPG__ORDER_STATUS__ORDER_PLACED,
         accepted = st == LPG__ORDER_STATUS__ORDER_ACCEPTED,
         assigned = st == LPG__ORDER_STATUS__ORDER_ASSIGNED ||
                    st == LPG__ORDER_STATUS__ORDER_OUT;
    if (!placed && !accepted && !assigned)
        return;
    lpg_webd_puts(b, "<section class=\"actions\" id=\"actions\" "
                     "data-order=\"");
    lpg_webd_html(b, id);
    lpg_webd_printf(b,
                    "\" data-status=\"%s\"><h2>处理 <span lang=\"en\">"
                    "Act</span></h2>",
                    lpg_order_status_word(st));
    s_signer_line(b);
    if (placed)
        lpg_webd_puts(b, "<form class=\"act\" data-step=\"order_accept\">"
                         "<button type=\"submit\">受理 <span lang=\"en\">"
                         "Accept</span></button></form>");
    if (accepted)
        lpg_webd_puts(b, "<form class=\"act\" data-step=\"order_assign\">"
                         "<label>送气工 <span lang=\"en\">Driver</span> "
                         "<select name=\"driver\" required></select></label> "
                         "<label>车辆 <span lang=\"en\">Vehicle</span> "
                         "<select name=\"vehicle\" required></select></label> "
                         "<button type=\"submit\">派单 <span lang=\"en\">"
                         "Assign</span></button></form>");
    if (assigned)
        lpg_webd_puts(b, "<form class=\"act\" data-step=\"order_delivered\">"
                         "<button type=\"submit\">确认送达 <span lang=\"en\">"
                         "Record delivered</span></button></form>");
    if (placed || accepted)
        lpg_webd_puts(b, "<form class=\"act\" data-step=\"order_refuse\">"
                         "<label>拒绝原因 <span lang=\"en\">Reason to "
                         "refuse</span> <input name=\"reason\" required "
                         "maxlength=\"200\"></label> <button "
                         "type=\"submit\">拒绝 <span lang=\"en\">Refuse"
                         "</span></button></form>");
    lpg_webd_puts(b, "<form class=\"act\" data-step=\"order_cancel\"><input "
                     "type=\"hidden\" name=\"by\" value=\"company\"><label>"
                     "取消原因 <span lang=\"en\">Reason to cancel</span> "
                     "<input name=\"reason\" required maxlength=\"200\">"
                     "</label> <button type=\"submit\">取消 <span "
                     "lang=\"en\">Cancel</span></button></form>"
                     "<div id=\"answer\" role=\"status\"></div></section>");
}

/* ---- pages ---- */

/*  Local time in time.zone, to the second. */
static void
s_time(lpg_webd_t *w, lpg_webd_buf_t *b, uint64_t ms)
{
    lpg_civil_t c;
    char t[40];
    if (lpg_clock_local(lpg_config_get(lpg_webd_config(w), "time.zone"), ms,
                        &c) == LPG_OK &&
        lpg_civil_text(&c, ' ', false, t, sizeof t) == LPG_OK)
        lpg_webd_html(b, t);
    else
        lpg_webd_printf(b, "%llu", (unsigned long long)ms);
}

static void
s_rows_free(s_rows_t *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->rows[i].id);
        lpg__order_state__free_unpacked(r->rows[i].o, NULL);
    }
    free(r->rows);
}

lpg_txn_t *
lpg_console_read(lpg_webd_t *w, lpg_webd_resp_t *resp)
{
    lpg_ledger_t *l = lpg_webd_ledger(w);
    lpg_txn_t *t = NULL;
    if (!l || lpg_ledger_read(l, &t) != LPG_OK) {
        lpg_webd_problem(resp, 503, "ledger-unavailable", "Ledger unavailable",
                         "The ledger cannot be read now.");
        return NULL;
    }
    return t;
}

static void
s_board(lpg_webd_t *w, lpg_webd_resp_t *resp, const lpg_console_who_t *who)
{
    lpg_txn_t *t = lpg_console_read(w, resp);
    if (!t)
        return;
    s_rows_t r = {who, NULL, 0, 0};
    int rc = lpg_txn_foreach(t, LPG_TABLE_ORDERS, s_on_order, &r);
    if (rc != LPG_OK) {
        s_rows_free(&r);
        lpg_txn_abort(&t);
        lpg_webd_problem(resp, 503, "ledger-unavailable", "Ledger unavailable",
                         NULL);
        return;
    }
    if (r.n > 1)
        qsort(r.rows, r.n, sizeof *r.rows, s_oldest_first);
    uint64_t now = lpg_clock_now_ms(), within = s_accept_within_ms(w);
    size_t late = 0;
    for (size_t i = 0; i < r.n; i++)
        if (r.rows[i].o->status == LPG__ORDER_STATUS__ORDER_PLACED &&
            now > r.rows[i].o->placed_ms &&
            now - r.rows[i].o->placed_ms > within)
            late++;
    lpg_webd_buf_t b = {0};
    lpg_webd_printf(&b,
                    "<p class=\"summary\"><span id=\"open\">%zu</span> "
                    "待派订单 <span lang=\"en\">open orders</span> · <span "
                    "id=\"late\" class=\"%s\">%zu</span> 超过 %llu 分钟未受理 "
                    "<span lang=\"en\">not accepted within %llu min</span>"
                    "</p>",
                    r.n, late ? "bad" : "", late,
                    (unsigned long long)(within / 60000),
                    (unsigned long long)(within / 60000));
    if (who->role == LPG_CONSOLE_REGULATOR)
        lpg_webd_puts(&b, "<p class=\"note\">监管只读，所有企业 <span "
                          "lang=\"en\">Regulator: every company, "
                          "read-only</span></p>");
    lpg_webd_puts(&b, "<table class=\"orders\"><thead><tr><th>订单 <span "
                      "lang=\"en\">Order</span></th><th>企业 <span "
                      "lang=\"en\">Company</span></th><th>用户 <span "
                      "lang=\"en\">Household</span></th><th>规格 <span "
                      "lang=\"en\">Spec</span></th><th>下单 <span "
                      "lang=\"en\">Placed</span></th><th>状态 <span "
                      "lang=\"en\">Status</span></th></tr></thead><tbody>");
    for (size_t i = 0; i < r.n; i++) {
        const Lpg__OrderState *o = r.rows[i].o;
        bool is_late = o->status == LPG__ORDER_STATUS__ORDER_PLACED &&
                       now > o->placed_ms && now - o->placed_ms > within;
        lpg_webd_printf(&b, "<tr class=\"order%s\" data-order=\"",
                        is_late ? " late" : "");
        lpg_webd_html(&b, r.rows[i].id);
        lpg_webd_puts(&b, "\"><td><a href=\"/console/orders/");
        lpg_webd_html(&b, r.rows[i].id);
        lpg_webd_puts(&b, "\">");
        lpg_webd_html(&b, r.rows[i].id);
        lpg_webd_puts(&b, "</a></td><td>");
        lpg_webd_html(&b, o->company);
        lpg_webd_puts(&b, "</td><td>");
        lpg_webd_html(&b, o->user);
        lpg_webd_printf(&b, "</td><td>%u × ", (unsigned)o->place->count);
        lpg_webd_html(&b, o->place->spec);
        lpg_webd_puts(&b, "</td><td>");
        s_time(w, &b, o->placed_ms);
        lpg_webd_puts(&b, "</td><td>");
        lpg_webd_html(&b, lpg_order_status_word(o->status));
        if (is_late)
            lpg_webd_printf(
                &b,
                " <strong class=\"bad\">超时 %llu 分钟 <span "
                "lang=\"en\">late</span></strong>",
                (unsigned long long)((now - o->placed_ms) / 60000));
        lpg_webd_puts(&b, "</td></tr>");
    }
    lpg_webd_puts(&b, "</tbody></table>");
    if (who->role == LPG_CONSOLE_COMPANY) {
        s_signer_line(&b);
        s_phone_form(&b);
        rc = s_crew(t, &b, who->company, s_today(w), NULL, NULL, NULL, NULL);
    }
    s_rows_free(&r);
    lpg_txn_abort(&t);
    if (b.failed || rc != LPG_OK) {
        free(b.p);
        lpg_webd_problem(resp, 500, "internal", "Internal error", NULL);
        return;
    }
    lpg_console_send_page(resp, 200, who, "派单", "Dispatch board", b.p,
                          who->role == LPG_CONSOLE_COMPANY ? s_scripts : NULL);
    free(b.p);
}

/*  A command line word, shell-quoted: 'it''s' style. */
static void
s_shq(lpg_webd_buf_t *b, const char *s)
{
    lpg_webd_puts(b, "'");
    for (; *s; s++) {
        char c[2] = {*s, '\0'};
        if (*s == '\'')
            lpg_webd_puts(b, "'\\''");
        else
            lpg_webd_html(b, c);
    }
    lpg_webd_puts(b, "'");
}

static void
s_order_page(lpg_webd_t *w, const lpg_webd_req_t *req, lpg_webd_resp_t *resp,
             const lpg_console_who_t *who, const char *id)
{
    lpg_txn_t *t = lpg_console_read(w, resp);
    if (!t)
        return;
    Lpg__OrderState *o =
        lpg_state_get(t, LPG_TABLE_ORDERS, id, &lpg__order_state__descriptor);
    if (!o) {
        lpg_txn_abort(&t);
        lpg_webd_problem(resp, 404, "no-such-order", "No such order",
                         "No order has this id.");
        return;
    }
    if (!s_mine(who, o->company)) {
        lpg_state_free(o);
        lpg_txn_abort(&t);
        lpg_console_forbidden(req, resp, who);
        return;
    }
    char driver[S_ID_MAX + 1], vehicle[S_ID_MAX + 1];
    const char *dq = lpg_webd_query_param(req->query, "driver", driver,
                                          sizeof driver),
               *vq = lpg_webd_query_param(req->query, "vehicle", vehicle,
                                          sizeof vehicle);
    if (dq && !*dq)
        dq = NULL;
    if (vq && !*vq)
        vq = NULL;
    lpg_webd_buf_t b = {0};
    lpg_webd_puts(&b, "<dl class=\"order\"><dt>订单 <span "
                      "lang=\"en\">Order</span></dt><dd id=\"order\">");
    lpg_webd_html(&b, id);
    lpg_webd_puts(&b,
                  "</dd><dt>企业 <span lang=\"en\">Company</span></dt><dd>");
    lpg_webd_html(&b, o->company);
    lpg_webd_puts(&b, "</dd><dt>用户 <span lang=\"en\">Household</span></dt>"
                      "<dd>");
    lpg_webd_html(&b, o->user);
    lpg_webd_printf(&b,
                    "</dd><dt>规格 <span lang=\"en\">Spec</span></dt>"
                    "<dd>%u × ",
                    (unsigned)o->place->count);
    lpg_webd_html(&b, o->place->spec);
    lpg_webd_puts(&b,
                  "</dd><dt>下单 <span lang=\"en\">Placed</span></dt><dd>");
    s_time(w, &b, o->placed_ms);
    lpg_webd_puts(&b, "</dd><dt>状态 <span lang=\"en\">Status</span></dt>"
                      "<dd id=\"status\">");
    lpg_webd_html(&b, lpg_order_status_word(o->status));
    lpg_webd_puts(&b, "</dd>");
    if (o->driver) {
        lpg_webd_puts(&b, "<dt>送气工 / 车辆 <span lang=\"en\">Driver / "
                          "vehicle</span></dt><dd>");
        lpg_webd_html(&b, o->driver);
        lpg_webd_puts(&b, " / ");
        lpg_webd_html(&b, o->vehicle ? o->vehicle : "");
        lpg_webd_puts(&b, "</dd>");
    }
    if (o->reason) {
        lpg_webd_puts(&b, "<dt>原因 <span lang=\"en\">Reason</span></dt><dd>");
        lpg_webd_html(&b, o->reason);
        lpg_webd_puts(&b, "</dd>");
    }
    lpg_webd_puts(&b, "</dl>");
    int rc = LPG_OK;
    bool open = o->status == LPG__ORDER_STATUS__ORDER_PLACED ||
                o->status == LPG__ORDER_STATUS__ORDER_ACCEPTED;
    if (who->role == LPG_CONSOLE_COMPANY)
        s_actions(&b, id, o);
    if (who->role == LPG_CONSOLE_COMPANY && open) {
        bool dok = false, vok = false;
        rc = s_crew(t, &b, who->company, s_today(w), dq, vq, &dok, &vok);
        lpg_webd_puts(&b,
                      "<form method=\"get\" class=\"assign\"><label>送气工 "
                      "<span lang=\"en\">Driver</span> <input "
                      "name=\"driver\" value=\"");
        lpg_webd_html(&b, dq ? dq : "");
        lpg_webd_puts(&b, "\"></label> <label>车辆 <span lang=\"en\">Vehicle"
                          "</span> <input name=\"vehicle\" value=\"");
        lpg_webd_html(&b, vq ? vq : "");
        lpg_webd_puts(&b, "\"></label> <button type=\"submit\">生成签名命令 "
                          "<span lang=\"en\">Prepare the command</span>"
                          "</button></form>");
        lpg_webd_puts(&b, "<p class=\"note\">或者在企业管理员密钥所在的"
                          "计算机上执行以下命令。<span lang=\"en\">Or run "
                          "these where the company-admin key file is.</span>"
                          "</p><pre id=\"commands\">");
        if (o->status == LPG__ORDER_STATUS__ORDER_PLACED) {
            lpg_webd_puts(&b, "lpgtrace order accept ");
            s_shq(&b, id);
            lpg_webd_puts(&b, " --company ");
            s_shq(&b, o->company);
            lpg_webd_puts(&b, " --as KEY\n");
        }
        if (dq && vq && dok && vok) {
            lpg_webd_puts(&b, "lpgtrace order assign ");
            s_shq(&b, id);
            lpg_webd_puts(&b, " --company ");
            s_shq(&b, o->company);
            lpg_webd_puts(&b, " --driver ");
            s_shq(&b, dq);
            lpg_webd_puts(&b, " --vehicle ");
            s_shq(&b, vq);
            lpg_webd_puts(&b, " --as KEY\n");
        }
        lpg_webd_puts(&b, "</pre>");
        if ((dq && !dok) || (vq && !vok)) {
            lpg_webd_puts(&b, "<p class=\"bad\" id=\"unfit\">");
            if (dq && !dok) {
                lpg_webd_html(&b, dq);
                lpg_webd_puts(&b, " 不可派 <span lang=\"en\">is no driver "
                                  "fit to be assigned</span> ");
            }
            if (vq && !vok) {
                lpg_webd_html(&b, vq);
                lpg_webd_puts(&b, " 不可派 <span lang=\"en\">is no vehicle "
                                  "fit to be assigned</span>");
            }
            lpg_webd_puts(&b, "</p>");
        }
    }
    lpg_webd_puts(&b, "<p><a href=\"/console/orders\">派单 <span "
                      "lang=\"en\">Dispatch board</span></a></p>");
    lpg_state_free(o);
    lpg_txn_abort(&t);
    if (b.failed || rc != LPG_OK) {
        free(b.p);
        lpg_webd_problem(resp, 500, "internal", "Internal error", NULL);
        return;
    }
    lpg_console_send_page(resp, 200, who, "订单", "Order", b.p,
                          who->role == LPG_CONSOLE_COMPANY ? s_scripts : NULL);
    free(b.p);
}

void
lpg_console_orders(lpg_webd_t *w, const lpg_webd_req_t *req,
                   lpg_webd_resp_t *resp, const lpg_console_who_t *who)
{
    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
        lpg_webd_problem(resp, 405, "method-not-allowed", "Method not allowed",
                         "The dispatch board takes GET only: its actions "
                         "are POSTed, signed, to /console/api/orders/.");
        return;
    }
    if (who->role != LPG_CONSOLE_COMPANY &&
        who->role != LPG_CONSOLE_REGULATOR) {
        lpg_console_forbidden(req, resp, who);
        return;
    }
    const char *p = req->path + strlen("/console/orders");
    if (*p == '\0' || strcmp(p, "/") == 0) {
        s_board(w, resp, who);
        return;
    }
    p++;
    if (strlen(p) > S_ID_MAX || strchr(p, '/')) {
        lpg_webd_problem(resp, 404, "no-such-order", "No such order", NULL);
        return;
    }
    s_order_page(w, req, resp, who, p);
}
