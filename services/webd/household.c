/*  household.c - the households' ordering page (订气): /order/login and
 *  /order, a phone page in Chinese with English beside, no script.
 *
 *  A household logs in with its user id and the PIN its company set
 *  (`lpgtrace user pin`, an Argon2id hash in the secrets table), within
 *  the console's login rate limits (per user and per address); the
 *  session is a random id in an HttpOnly, SameSite=Strict cookie, with
 *  its own CSRF token in every form. A household has no device and
 *  lpg-webd holds no household key: the OrderPlace is signed by the
 *  gateway's key with channel "household" (the order kinds accept the
 *  gateway for that alone, for a user of the order's company) and goes
 *  to lpg-orderd, which judges it with the door's household rules; the
 *  page then lists the household's orders with their status and every
 *  reason of a refusal.
 */
#include "base/clock.h"
#include "base/error.h"
#include "base/log.h"
#include "console_int.h"
#include "crypto/crypto.h"
#include "domain/account.h"
#include "domain/order.h"
#include "domain/reasons.h"
#include "domain/state.h"
#include "net/msg.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define S_SESSIONS 1024
#define S_IDLE_MS (30 * 60 * 1000)
#define S_COOKIE "lpg_order"
#define S_LOGIN_COOKIE "lpg_order_login"
#define S_DAY_MS (24 * 3600 * 1000ULL)
#define S_LIST_MAX 50

typedef struct {
    bool used;
    char id[65];
    char user[64];
    char company[64];
    char csrf[49];
    uint64_t last_ms;
} s_session_t;

static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;
static s_session_t s_sessions[S_SESSIONS];

/* The cylinder specs a household may order. */
static const char *const s_specs[] = {"YSP15", "YSP5", "YSP50"};

/* The time slots of a day: hours from, to (local time of the server). */
static const struct {
    unsigned from, to;
} s_slots[] = {{8, 12}, {12, 18}};

/*  The session of the request's cookie, fresh: copied to out. */
static bool
s_session(const lpg_webd_req_t *req, s_session_t *out)
{
    char id[80];
    if (!lpg_console_cookie(req, S_COOKIE, id, sizeof id) || strlen(id) != 64)
        return false;
    uint64_t now = lpg_clock_mono_ms();
    bool found = false;
    pthread_mutex_lock(&s_lock);
    for (size_t i = 0; i < S_SESSIONS && !found; i++) {
        s_session_t *s = &s_sessions[i];
        if (!s->used || !lpg_console_same(s->id, id))
            continue;
        if (now - s->last_ms > S_IDLE_MS) {
            memset(s, 0, sizeof *s);
            break;
        }
        s->last_ms = now;
        *out = *s;
        found = true;
    }
    pthread_mutex_unlock(&s_lock);
    return found;
}

static bool
s_session_new(s_session_t *s)
{
    uint64_t now = lpg_clock_mono_ms();
    lpg_console_random_hex(s->id, 32);
    lpg_console_random_hex(s->csrf, 24);
    s->used = true;
    s->last_ms = now;
    bool ok = false;
    pthread_mutex_lock(&s_lock);
    for (size_t i = 0; i < S_SESSIONS && !ok; i++) {
        s_session_t *t = &s_sessions[i];
        if (t->used && now - t->last_ms <= S_IDLE_MS)
            continue;
        *t = *s;
        ok = true;
    }
    pthread_mutex_unlock(&s_lock);
    return ok;
}

static void
s_session_end(const char *id)
{
    pthread_mutex_lock(&s_lock);
    for (size_t i = 0; i < S_SESSIONS; i++)
        if (s_sessions[i].used && lpg_console_same(s_sessions[i].id, id))
            memset(&s_sessions[i], 0, sizeof s_sessions[i]);
    pthread_mutex_unlock(&s_lock);
}

/* ---- the page ---- */

static void
s_head(lpg_webd_buf_t *b, const char *zh, const char *en)
{
    lpg_webd_puts(b, "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n"
                     "<meta charset=\"utf-8\">\n"
                     "<meta name=\"viewport\" content=\"width=device-width, "
                     "initial-scale=1\">\n"
                     "<meta name=\"referrer\" content=\"no-referrer\">\n"
                     "<title>");
    lpg_webd_html(b, zh);
    lpg_webd_puts(b, " · ");
    lpg_webd_html(b, en);
    lpg_webd_puts(b, "</title>\n<link rel=\"stylesheet\" "
                     "href=\"/static/style.css\">\n</head>\n<body>\n<main>\n"
                     "<div class=\"banner good\"><h1>");
    lpg_webd_html(b, zh);
    lpg_webd_puts(b, " <span class=\"en\" lang=\"en\">");
    lpg_webd_html(b, en);
    lpg_webd_puts(b, "</span></h1></div>\n");
}

static void
s_foot(lpg_webd_buf_t *b)
{
    lpg_webd_puts(b, "<footer>统一订购配送服务平台 · LPG ordering</footer>\n"
                     "</main>\n</body>\n</html>\n");
}

/*  A message in a box: zh, then en beside. */
static void
s_note(lpg_webd_buf_t *b, const char *cls, const char *zh, const char *en)
{
    lpg_webd_printf(b, "<p class=\"%s\" role=\"alert\">", cls);
    lpg_webd_html(b, zh);
    lpg_webd_puts(b, " <span class=\"en\" lang=\"en\">");
    lpg_webd_html(b, en);
    lpg_webd_puts(b, "</span></p>\n");
}

static void
s_send(lpg_webd_resp_t *resp, int status, lpg_webd_buf_t *b)
{
    lpg_webd_send_buf(resp, status, "text/html; charset=utf-8", b);
    snprintf(resp->extra_headers + strlen(resp->extra_headers),
             sizeof resp->extra_headers - strlen(resp->extra_headers),
             "Cache-Control: no-store\r\n");
}

static void
s_login_form(lpg_webd_resp_t *resp, int status, const char *msg_zh,
             const char *msg_en, bool https)
{
    char token[65];
    lpg_console_random_hex(token, 32);
    lpg_webd_buf_t b = {0};
    s_head(&b, "订气登录", "Log in to order gas");
    if (msg_zh)
        s_note(&b, "report urgent", msg_zh, msg_en);
    lpg_webd_puts(&b, "<form method=\"post\" action=\"/order/login\" "
                      "class=\"report\"><input type=\"hidden\" name=\"csrf\" "
                      "value=\"");
    lpg_webd_html(&b, token);
    lpg_webd_puts(
        &b, "\"><label>用户号 <span class=\"en\" lang=\"en\">User "
            "id</span><input name=\"user\" autocomplete=\"username\" "
            "required maxlength=\"63\"></label><label>密码（PIN） <span "
            "class=\"en\" lang=\"en\">PIN</span><input type=\"password\" "
            "name=\"pin\" inputmode=\"numeric\" "
            "autocomplete=\"current-password\" required "
            "maxlength=\"12\"></label><button type=\"submit\">登录 <span "
            "class=\"en\" lang=\"en\">Log in</span></button>"
            "<p class=\"note\">PIN 由燃气公司登记时设置。<span class=\"en\" "
            "lang=\"en\">Your gas company set the PIN when it registered "
            "you.</span></p></form>\n");
    s_foot(&b);
    s_send(resp, status, &b);
    size_t n = strlen(resp->extra_headers);
    snprintf(resp->extra_headers + n, sizeof resp->extra_headers - n,
             "Set-Cookie: " S_LOGIN_COOKIE "=%s; Path=/order/login; "
             "HttpOnly; SameSite=Strict%s\r\n",
             token, https ? "; Secure" : "");
}

static void
s_redirect(lpg_webd_resp_t *resp, const char *to)
{
    resp->status = 303;
    resp->content_type = "text/plain; charset=utf-8";
    size_t n = strlen(resp->extra_headers);
    snprintf(resp->extra_headers + n, sizeof resp->extra_headers - n,
             "Location: %s\r\n", to);
}

static void
s_login_post(lpg_webd_t *w, const lpg_webd_req_t *req, lpg_webd_resp_t *resp)
{
    bool https = lpg_console_https(req);
    char cookie[80], tok[80], user[64], pin[64];
    if (!lpg_console_cookie(req, S_LOGIN_COOKIE, cookie, sizeof cookie) ||
        !lpg_console_form(req, "csrf", tok, sizeof tok) ||
        !lpg_console_same(cookie, tok)) {
        lpg_webd_problem(resp, 403, "csrf", "Form token missing or wrong",
                         "Reload the login page and send the form again.");
        return;
    }
    if (!lpg_console_form(req, "user", user, sizeof user) || !*user ||
        !lpg_console_form(req, "pin", pin, sizeof pin)) {
        s_login_form(resp, 400, "请输入用户号和密码。",
                     "Give your user id and PIN.", https);
        return;
    }
    char ukey[80], ikey[80];
    snprintf(ukey, sizeof ukey, "u:%s", user);
    snprintf(ikey, sizeof ikey, "ip:%s", req->client_addr);
    if (lpg_console_login_limited(ukey, ikey)) {
        sodium_memzero(pin, sizeof pin);
        lpg_warn("order login: '%s' from %s refused unchecked: too many "
                 "failed PINs within a minute",
                 user, req->client_addr);
        lpg_webd_message_page(
            resp, 429, false, "密码错误次数过多，请一分钟后再试",
            "Too many wrong PINs: wait a minute", NULL, NULL);
        size_t n = strlen(resp->extra_headers);
        snprintf(resp->extra_headers + n, sizeof resp->extra_headers - n,
                 "Retry-After: 60\r\n");
        return;
    }
    s_session_t s = {0};
    char hash[crypto_pwhash_STRBYTES];
    bool have = false;
    lpg_ledger_t *l = lpg_webd_ledger(w);
    lpg_txn_t *t = NULL;
    if (l && lpg_ledger_read(l, &t) == LPG_OK) {
        Lpg__UserState *u = lpg_state_get(t, LPG_TABLE_USERS, user,
                                          &lpg__user_state__descriptor);
        have = u && u->add && !u->has_erased_seq &&
               lpg_account_pin(t, user, hash, sizeof hash) == LPG_OK;
        if (have) {
            snprintf(s.user, sizeof s.user, "%s", user);
            snprintf(s.company, sizeof s.company, "%s", u->add->company);
        }
        lpg_state_free(u);
        lpg_txn_abort(&t);
    }
    bool ok = lpg_console_hash_check(have ? hash : NULL, pin);
    sodium_memzero(pin, sizeof pin);
    sodium_memzero(hash, sizeof hash);
    lpg_info("order login: '%s' from %s: PIN checked: %s", user,
             req->client_addr, ok ? "right" : "wrong");
    if (!ok) {
        lpg_console_login_failed(ukey, ikey);
        s_login_form(resp, 401, "用户号或密码不对。", "Wrong user id or PIN.",
                     https);
        return;
    }
    lpg_console_login_succeeded(ukey);
    if (!s_session_new(&s)) {
        lpg_webd_problem(resp, 503, "busy", "Too many sessions", NULL);
        return;
    }
    s_redirect(resp, "/order");
    size_t n = strlen(resp->extra_headers);
    snprintf(resp->extra_headers + n, sizeof resp->extra_headers - n,
             "Set-Cookie: " S_COOKIE "=%s; Path=/order; HttpOnly; "
             "SameSite=Strict%s\r\n",
             s.id, https ? "; Secure" : "");
}

/* ---- the household's orders ---- */

typedef struct {
    const char *user;
    Lpg__OrderState **rows;
    size_t n, cap;
} s_mine_t;

static int
s_on_order(void *ctx, const void *key, size_t klen, const void *val,
           size_t vlen)
{
    s_mine_t *q = ctx;
    Lpg__OrderState *o = lpg__order_state__unpack(NULL, vlen, val);
    if (!o)
        return LPG_ECORRUPT;
    if (!o->user || strcmp(o->user, q->user) != 0) {
        lpg__order_state__free_unpacked(o, NULL);
        return LPG_OK;
    }
    if (q->n == q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 16;
        Lpg__OrderState **r = realloc(q->rows, cap * sizeof *r);
        if (!r) {
            lpg__order_state__free_unpacked(o, NULL);
            return LPG_ENOMEM;
        }
        q->rows = r;
        q->cap = cap;
    }
    q->rows[q->n++] = o;
    return LPG_OK;
}

/*  Newest first. */
static int
s_newest(const void *a, const void *b)
{
    const Lpg__OrderState *x = *(Lpg__OrderState *const *)a,
                          *y = *(Lpg__OrderState *const *)b;
    return x->placed_seq < y->placed_seq   ? 1
           : x->placed_seq > y->placed_seq ? -1
                                           : 0;
}

static const char *
s_status_zh(Lpg__OrderStatus s)
{
    switch (s) {
    case LPG__ORDER_STATUS__ORDER_PLACED:
        return "已下单";
    case LPG__ORDER_STATUS__ORDER_ACCEPTED:
        return "已受理";
    case LPG__ORDER_STATUS__ORDER_ASSIGNED:
        return "已安排送气工";
    case LPG__ORDER_STATUS__ORDER_OUT:
        return "配送中";
    case LPG__ORDER_STATUS__ORDER_DELIVERED:
        return "已送达";
    case LPG__ORDER_STATUS__ORDER_CANCELLED:
        return "已取消";
    case LPG__ORDER_STATUS__ORDER_REFUSED:
        return "被拒绝";
    default:
        return "未知";
    }
}

/*  The status as a person reads it in English (the token stays in
 *  data-status). */
static const char *
s_status_en(Lpg__OrderStatus s)
{
    switch (s) {
    case LPG__ORDER_STATUS__ORDER_PLACED:
        return "Placed";
    case LPG__ORDER_STATUS__ORDER_ACCEPTED:
        return "Accepted";
    case LPG__ORDER_STATUS__ORDER_ASSIGNED:
        return "Driver assigned";
    case LPG__ORDER_STATUS__ORDER_OUT:
        return "Out for delivery";
    case LPG__ORDER_STATUS__ORDER_DELIVERED:
        return "Delivered";
    case LPG__ORDER_STATUS__ORDER_CANCELLED:
        return "Cancelled";
    case LPG__ORDER_STATUS__ORDER_REFUSED:
        return "Refused";
    default:
        return "Unknown";
    }
}

/*  The reasons of a refusal (tokens separated by blanks), each in zh and
 *  en from the one catalogue; a reason written by a person as it is. */
static void
s_reasons(lpg_webd_buf_t *b, const char *reasons)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", reasons);
    bool tokens = strspn(buf, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_ ") == strlen(buf);
    lpg_webd_puts(b, "<ul class=\"reasons\">");
    if (!tokens) {
        lpg_webd_puts(b, "<li>");
        lpg_webd_html(b, reasons);
        lpg_webd_puts(b, "</li>");
    }
    for (char *p = buf, *next; tokens && p && *p; p = next) {
        next = strchr(p, ' ');
        if (next)
            *next++ = '\0';
        const lpg_reason_t *r = lpg_reason(p);
        lpg_webd_puts(b, "<li data-token=\"");
        lpg_webd_html(b, p);
        lpg_webd_puts(b, "\">");
        lpg_webd_html(b, r ? r->zh : p);
        lpg_webd_puts(b, " <span class=\"en\" lang=\"en\">");
        lpg_webd_html(b, r ? r->en : p);
        lpg_webd_puts(b, "</span></li>");
    }
    lpg_webd_puts(b, "</ul>");
}

static void
s_when(uint64_t ms, char *out, size_t outsz)
{
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    if (!localtime_r(&secs, &tm) ||
        strftime(out, outsz, "%m-%d %H:%M", &tm) == 0)
        snprintf(out, outsz, "?");
}

static void
s_order_row(lpg_webd_buf_t *b, const Lpg__OrderState *o)
{
    bool bad = o->status == LPG__ORDER_STATUS__ORDER_REFUSED ||
               o->status == LPG__ORDER_STATUS__ORDER_CANCELLED;
    char from[32], to[32];
    s_when(o->place->slot_from_ms, from, sizeof from);
    s_when(o->place->slot_to_ms, to, sizeof to);
    lpg_webd_puts(b, "<section class=\"report");
    lpg_webd_puts(b, bad ? " urgent" : "");
    lpg_webd_puts(b, "\" data-order=\"");
    lpg_webd_html(b, o->place->order);
    lpg_webd_printf(b, "\" data-status=\"%s\"><h2>",
                    lpg_order_status_word(o->status));
    lpg_webd_html(b, s_status_zh(o->status));
    lpg_webd_printf(b, " <span class=\"en\" lang=\"en\">%s</span></h2><dl>",
                    s_status_en(o->status));
    lpg_webd_puts(b, "<div class=\"row\"><dt>订单 <span class=\"en\" "
                     "lang=\"en\">Order</span></dt><dd>");
    lpg_webd_html(b, o->place->order);
    lpg_webd_puts(b, "</dd></div><div class=\"row\"><dt>气瓶 <span "
                     "class=\"en\" lang=\"en\">Cylinders</span></dt><dd>");
    lpg_webd_printf(b, "%u × ", (unsigned)o->place->count);
    lpg_webd_html(b, o->place->spec);
    lpg_webd_puts(b, "</dd></div><div class=\"row\"><dt>时段 <span "
                     "class=\"en\" lang=\"en\">Slot</span></dt><dd>");
    lpg_webd_html(b, from);
    lpg_webd_puts(b, " – ");
    lpg_webd_html(b, to + (strncmp(from, to, 6) == 0 ? 6 : 0));
    lpg_webd_puts(b, "</dd></div></dl>");
    if (o->reason && *o->reason &&
        o->status != LPG__ORDER_STATUS__ORDER_DELIVERED) {
        lpg_webd_puts(b, "<p class=\"note\">原因 <span class=\"en\" "
                         "lang=\"en\">Why</span></p>");
        s_reasons(b, o->reason);
    }
    lpg_webd_puts(b, "</section>\n");
}

static void
s_page(lpg_webd_t *w, const lpg_webd_req_t *req, lpg_webd_resp_t *resp,
       const s_session_t *s)
{
    lpg_webd_buf_t b = {0};
    s_head(&b, "我要订气", "Order gas");
    lpg_webd_puts(&b, "<p class=\"note\">用户 <span class=\"en\" "
                      "lang=\"en\">User</span> <strong id=\"who\">");
    lpg_webd_html(&b, s->user);
    lpg_webd_puts(&b, "</strong></p>\n");
    char placed[80];
    if (lpg_webd_query_param(req->query, "placed", placed, sizeof placed))
        s_note(&b, "note", "订单已提交，结果见下。",
               "Your order was sent: see below what became of it.");
    /* the form */
    lpg_webd_puts(&b, "<form method=\"post\" action=\"/order/place\" "
                      "class=\"report\"><h2>下单 <span class=\"en\" "
                      "lang=\"en\">Place an order</span></h2>"
                      "<input type=\"hidden\" name=\"csrf\" value=\"");
    lpg_webd_html(&b, s->csrf);
    lpg_webd_puts(&b, "\"><label>规格 <span class=\"en\" lang=\"en\">Cylinder "
                      "spec</span><select name=\"spec\">");
    for (size_t i = 0; i < sizeof s_specs / sizeof *s_specs; i++)
        lpg_webd_printf(&b, "<option>%s</option>", s_specs[i]);
    lpg_webd_puts(&b, "</select></label><label>数量 <span class=\"en\" "
                      "lang=\"en\">Count</span><select name=\"count\">");
    for (int i = 1; i <= 4; i++)
        lpg_webd_printf(&b, "<option>%d</option>", i);
    lpg_webd_puts(&b, "</select></label><label>送气时段 <span class=\"en\" "
                      "lang=\"en\">Time slot</span><select name=\"slot\">");
    for (int day = 0; day < 2; day++)
        for (size_t i = 0; i < sizeof s_slots / sizeof *s_slots; i++)
            lpg_webd_printf(&b,
                            "<option value=\"%d-%u\">%s %02u:00–%02u:00 "
                            "(%s)</option>",
                            day, s_slots[i].from, day ? "明天" : "今天",
                            s_slots[i].from, s_slots[i].to,
                            day ? "tomorrow" : "today");
    lpg_webd_puts(
        &b,
        "</select></label><label>供气使用凭证（选填） <span class=\"en\" "
        "lang=\"en\">Gas-use certificate (optional)</span><input "
        "name=\"gas_cert\" maxlength=\"1024\" autocomplete=\"off\" "
        "placeholder=\"https://…\"></label><p class=\"note\">"
        "扫描凭证上的二维码，把网址粘贴在这里；留空则按您最近一次收气时出示"
        "的凭证审核。<span class=\"en\" lang=\"en\">Scan the QR code on "
        "your certificate and paste its address here; left blank, the "
        "certificate you last showed at your door is checked.</span></p>"
        "<button type=\"submit\">提交订单 <span "
        "class=\"en\" lang=\"en\">Place order</span></button></form>\n");
    /* my orders */
    lpg_webd_puts(&b, "<h2>我的订单 <span class=\"en\" lang=\"en\">My "
                      "orders</span></h2>\n");
    s_mine_t q = {s->user, NULL, 0, 0};
    lpg_ledger_t *l = lpg_webd_ledger(w);
    lpg_txn_t *t = NULL;
    int rc = l ? lpg_ledger_read(l, &t) : LPG_EUNAVAILABLE;
    if (rc == LPG_OK) {
        rc = lpg_txn_foreach(t, LPG_TABLE_ORDERS, s_on_order, &q);
        lpg_txn_abort(&t);
    }
    if (rc != LPG_OK)
        s_note(&b, "report urgent", "暂时无法读取订单。",
               "Your orders cannot be read just now.");
    else if (q.n == 0)
        s_note(&b, "note", "还没有订单。", "No orders yet.");
    qsort(q.rows, q.n, sizeof *q.rows, s_newest);
    for (size_t i = 0; i < q.n; i++) {
        if (i < S_LIST_MAX)
            s_order_row(&b, q.rows[i]);
        lpg__order_state__free_unpacked(q.rows[i], NULL);
    }
    free(q.rows);
    lpg_webd_puts(&b, "<form method=\"post\" action=\"/order/logout\">"
                      "<input type=\"hidden\" name=\"csrf\" value=\"");
    lpg_webd_html(&b, s->csrf);
    lpg_webd_puts(&b, "\"><button type=\"submit\">退出 <span class=\"en\" "
                      "lang=\"en\">Log out</span></button></form>\n");
    s_foot(&b);
    s_send(resp, 200, &b);
}

/*  The slot "D-H" (D days from today, from hour H) as times. */
static bool
s_slot(const char *v, uint64_t now_ms, uint64_t *from, uint64_t *to)
{
    int day;
    unsigned hour;
    char end;
    if (sscanf(v, "%d-%u%c", &day, &hour, &end) != 2 || day < 0 || day > 1)
        return false;
    for (size_t i = 0; i < sizeof s_slots / sizeof *s_slots; i++) {
        if (s_slots[i].from != hour)
            continue;
        time_t secs = (time_t)(now_ms / 1000) + (time_t)day * 86400;
        struct tm tm;
        if (!localtime_r(&secs, &tm))
            return false;
        tm.tm_hour = (int)hour;
        tm.tm_min = tm.tm_sec = 0;
        tm.tm_isdst = -1;
        time_t start = mktime(&tm);
        if (start == (time_t)-1)
            return false;
        *from = (uint64_t)start * 1000;
        *to = *from + (uint64_t)(s_slots[i].to - s_slots[i].from) * 3600000;
        return true;
    }
    return false;
}

static void
s_place(lpg_webd_t *w, const lpg_webd_req_t *req, lpg_webd_resp_t *resp,
        const s_session_t *s)
{
    char spec[16], count[8], slot[16], cert[1100];
    bool spec_ok = false;
    if (lpg_console_form(req, "spec", spec, sizeof spec))
        for (size_t i = 0; i < sizeof s_specs / sizeof *s_specs; i++)
            spec_ok = spec_ok || strcmp(spec, s_specs[i]) == 0;
    uint64_t from = 0, to = 0;
    long n = 0;
    char *end = NULL;
    if (!spec_ok || !lpg_console_form(req, "count", count, sizeof count) ||
        (n = strtol(count, &end, 10)) < 1 || n > 4 || *end ||
        !lpg_console_form(req, "slot", slot, sizeof slot) ||
        !s_slot(slot, lpg_clock_now_ms(), &from, &to)) {
        lpg_webd_message_page_back(resp, 400, false, "订单内容不完整",
                                   "The order is incomplete", NULL, NULL,
                                   "/order");
        return;
    }
    if (!lpg_console_form(req, "gas_cert", cert, sizeof cert))
        cert[0] = '\0';
    if (!w->key) {
        lpg_webd_message_page_back(resp, 503, false, "暂时无法下单",
                                   "Orders cannot be taken just now", NULL,
                                   NULL, "/order");
        return;
    }
    char id[32];
    uint8_t r[6];
    randombytes_buf(r, sizeof r);
    snprintf(id, sizeof id, "H");
    lpg_hex(r, sizeof r, id + 1);
    Lpg__OrderPlace p = LPG__ORDER_PLACE__INIT;
    p.order = id;
    p.spec = spec;
    p.count = (uint32_t)n;
    p.slot_from_ms = from;
    p.slot_to_ms = to;
    p.gas_cert = *cert ? cert : NULL;
    p.channel = "household";
    Lpg__Event ev = LPG__EVENT__INIT;
    ev.body_case = LPG__EVENT__BODY_ORDER_PLACE;
    ev.order_place = &p;
    ev.user = (char *)s->user;
    ev.company = (char *)s->company;
    Lpg__Reply *reply = NULL;
    lpg_client_t *cl = lpg_webd_client(w, "order");
    int rc = cl ? lpg_client_sign_submit(cl, w->key, &ev, NULL, 0, NULL, NULL,
                                         &reply)
                : LPG_EUNAVAILABLE;
    /* a refused order is recorded too (with its reasons): both are shown */
    bool recorded = rc == LPG_OK && reply &&
                    (reply->status == LPG__STATUS__STATUS_OK ||
                     reply->status == LPG__STATUS__STATUS_DENIED);
    lpg_info("order %s from household %s: %s%s%s", id, s->user,
             recorded ? "recorded" : lpg_strerror(rc),
             reply && reply->message ? ": " : "",
             reply && reply->message ? reply->message : "");
    if (reply)
        lpg__reply__free_unpacked(reply, NULL);
    if (!recorded) {
        lpg_webd_message_page_back(resp, 503, false,
                                   "暂时无法下单，请稍后再试",
                                   "The order could not be placed: try again "
                                   "later",
                                   NULL, NULL, "/order");
        return;
    }
    char to_url[64];
    snprintf(to_url, sizeof to_url, "/order?placed=%s", id);
    s_redirect(resp, to_url);
}

void
lpg_webd_household(lpg_webd_t *w, const lpg_webd_req_t *req,
                   lpg_webd_resp_t *resp)
{
    bool post = strcmp(req->method, "POST") == 0;
    const char *p = req->path;
    if (strcmp(p, "/order/login") == 0) {
        if (post)
            s_login_post(w, req, resp);
        else
            s_login_form(resp, 200, NULL, NULL, lpg_console_https(req));
        return;
    }
    s_session_t s;
    if (!s_session(req, &s)) {
        if (post)
            lpg_webd_problem(resp, 401, "login", "Log in first",
                             "Log in at /order/login.");
        else
            s_redirect(resp, "/order/login");
        return;
    }
    if (post) {
        char tok[80];
        const char *h = req->header(req->hctx, "X-CSRF-Token");
        if (!(h ? lpg_console_same(h, s.csrf)
                : lpg_console_form(req, "csrf", tok, sizeof tok) &&
                      lpg_console_same(tok, s.csrf))) {
            lpg_webd_problem(resp, 403, "csrf", "Form token missing or wrong",
                             "Reload the page and send the form again.");
            return;
        }
    }
    if (strcmp(p, "/order") == 0 && !post) {
        s_page(w, req, resp, &s);
    } else if (strcmp(p, "/order/place") == 0 && post) {
        s_place(w, req, resp, &s);
    } else if (strcmp(p, "/order/logout") == 0 && post) {
        s_session_end(s.id);
        s_redirect(resp, "/order/login");
        size_t n = strlen(resp->extra_headers);
        snprintf(resp->extra_headers + n, sizeof resp->extra_headers - n,
                 "Set-Cookie: " S_COOKIE "=; Path=/order; HttpOnly; "
                 "SameSite=Strict; Max-Age=0%s\r\n",
                 lpg_console_https(req) ? "; Secure" : "");
    } else {
        lpg_webd_problem(resp, 404, "not-found", "Not found",
                         "Nothing is served at this address.");
    }
}
