/*  console_sign.c - the dispatch board's actions, signed in the
 *  dispatcher's browser with the company's own key.
 *
 *  lpg-webd holds no company key, and an order's every step stays signed
 *  by its signer: the company-admin key file (`lpgtrace keygen`, PEM
 *  PKCS#8 Ed25519) is loaded once on the page /console/key, where the
 *  browser keeps it as a non-extractable WebCrypto key in IndexedDB
 *  (www/sign.js). An action is two POSTs, as the handheld API's prepare
 *  and submit (session and CSRF token as every console POST):
 *
 *    POST /console/api/orders/prepare  {"step": "order_accept", ...}:
 *      the exact Event bytes to sign (domain/prepare.h's order desk
 *      steps), Event.company the account's; a placed order gets a fresh
 *      id and the channel "phone" unless the step names them; for
 *      order_delivered without delivery_seq, the accepted deliveries
 *      naming the order (from the household's entries)
 *    POST /console/api/orders/submit   {event_b64, signature_b64, key_id}:
 *      refused here unless the event is an order step of the account's
 *      company and its signer an enrolled, unrevoked company-admin key
 *      of that company; then relayed to lpg-orderd as the handheld API's
 *      submit relays (api.c), which checks the signature and its own
 *      rules; the answer is the service's, every reason in zh and en
 *    GET /console/api/orders/key?id=HEX  what the ledger knows of a key
 *    GET /console/key                    the page that loads the key
 *
 *  A company account only: a regulator reads the board and acts not.
 */
#include "api.h"
#include "console.h"
#include "console_int.h"

#include "base/clock.h"
#include "base/error.h"
#include "base/log.h"
#include "domain/kind.h"
#include "domain/order.h"
#include "domain/prepare.h"
#include "domain/state.h"
#include "ledger/event.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_SEQ_MAX 16 /* deliveries one order names, at most */

/*  A refusal a person reads: a problem document with its words in
 *  Chinese ("zh") beside the English detail. */
static void
s_refuse(lpg_webd_resp_t *resp, int status, const char *slug,
         const char *title, const char *zh, const char *en)
{
    lpg_webd_api_problem_ext(resp, status, slug, title, en, "zh", zh);
}

/* ---- the signer ---- */

typedef struct {
    bool known, ok;
    char zh[160], en[160];
} s_signer_t;

/*  Is kid an enrolled, unrevoked company-admin key of company? */
static int
s_signer(lpg_txn_t *t, const uint8_t kid[LPG_KEYID_LEN], const char *company,
         s_signer_t *out)
{
    memset(out, 0, sizeof *out);
    Lpg__DeviceState *dev = NULL;
    int rc = lpg_state_device(t, kid, &dev);
    if (rc == LPG_ENOTFOUND) {
        snprintf(out->zh, sizeof out->zh, "%s",
                 "账本中没有这把密钥：它未登记");
        snprintf(out->en, sizeof out->en, "%s",
                 "the ledger knows no such key: it is not enrolled");
        return LPG_OK;
    }
    if (rc != LPG_OK)
        return rc;
    out->known = true;
    bool admin = dev->role == LPG__ROLE__ROLE_COMPANY_ADMIN;
    bool ours = dev->company && strcmp(dev->company, company) == 0;
    if (dev->has_revoked_seq) {
        snprintf(out->zh, sizeof out->zh, "%s", "这把密钥已被吊销");
        snprintf(out->en, sizeof out->en, "%s", "this key is revoked");
    } else if (!ours) {
        snprintf(out->zh, sizeof out->zh, "这把密钥属于 %.60s，不属于 %.60s",
                 dev->company ? dev->company : "?", company);
        snprintf(out->en, sizeof out->en, "this key is %.60s's, not %.60s's",
                 dev->company ? dev->company : "?", company);
    } else if (!admin) {
        snprintf(out->zh, sizeof out->zh, "%s",
                 "这把密钥不是企业管理员密钥，不能签订单");
        snprintf(out->en, sizeof out->en, "%s",
                 "this key is no company-admin key: it signs no orders");
    } else {
        out->ok = true;
        snprintf(out->zh, sizeof out->zh, "已登记的 %.60s 企业管理员密钥",
                 company);
        snprintf(out->en, sizeof out->en,
                 "an enrolled company-admin key of %.60s", company);
    }
    lpg__device_state__free_unpacked(dev, NULL);
    return LPG_OK;
}

/*  GET /console/api/orders/key?id=HEX */
static void
s_key_status(lpg_webd_t *w, const lpg_webd_req_t *req, lpg_webd_resp_t *resp,
             const lpg_console_who_t *who)
{
    char hex[2 * LPG_KEYID_LEN + 2];
    uint8_t kid[LPG_KEYID_LEN];
    if (!lpg_webd_query_param(req->query, "id", hex, sizeof hex) ||
        !lpg_webd_api_unhex(hex, kid, sizeof kid)) {
        lpg_webd_problem(resp, 400, "bad-key-id", "Bad key id",
                         "id is a key id in 64 hex digits.");
        return;
    }
    lpg_txn_t *t = lpg_console_read(w, resp);
    if (!t)
        return;
    s_signer_t s;
    int rc = s_signer(t, kid, who->company, &s);
    lpg_txn_abort(&t);
    if (rc != LPG_OK) {
        lpg_webd_problem(resp, 503, "ledger-unavailable", "Ledger unavailable",
                         NULL);
        return;
    }
    json_t *o = json_object();
    json_object_set_new(o, "key_id", json_string(hex));
    json_object_set_new(o, "company", json_string(who->company));
    json_object_set_new(o, "known", json_boolean(s.known));
    json_object_set_new(o, "ok", json_boolean(s.ok));
    json_object_set_new(o, "zh", json_string(s.zh));
    json_object_set_new(o, "en", json_string(s.en));
    lpg_webd_api_json(resp, 200, o);
}

/* ---- prepare ---- */

/*  order_delivered without delivery_seq: the deliveries naming the
 *  order, found among its household's entries. false: a problem
 *  answered. */
static bool
s_find_deliveries(lpg_webd_t *w, lpg_webd_resp_t *resp, json_t *o,
                  const lpg_console_who_t *who)
{
    const char *id = json_string_value(json_object_get(o, "order"));
    if (!id)
        return true; /* lpg_prepare says what is missing */
    lpg_txn_t *t = lpg_console_read(w, resp);
    if (!t)
        return false;
    Lpg__OrderState *st =
        lpg_state_get(t, LPG_TABLE_ORDERS, id, &lpg__order_state__descriptor);
    uint64_t seqs[S_SEQ_MAX];
    size_t n = 0;
    int rc = LPG_OK;
    if (st && st->company && strcmp(st->company, who->company) == 0 &&
        st->user)
        rc = lpg_order_deliveries(t, id, st->user, seqs, S_SEQ_MAX, &n);
    lpg_state_free(st);
    lpg_txn_abort(&t);
    if (rc != LPG_OK) {
        lpg_webd_problem(resp, 503, "ledger-unavailable", "Ledger unavailable",
                         NULL);
        return false;
    }
    if (n == 0) {
        s_refuse(resp, 409, "no-delivery", "No delivery",
                 "还没有送气工交付这张订单的记录",
                 "no delivery names this order yet");
        return false;
    }
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_integer((json_int_t)seqs[i]));
    json_object_set_new(o, "delivery_seq", a);
    return true;
}

/*  POST /console/api/orders/prepare */
static void
s_prepare(lpg_webd_t *w, const lpg_webd_req_t *req, lpg_webd_resp_t *resp,
          const lpg_console_who_t *who)
{
    json_t *o = lpg_webd_api_body(req, resp);
    if (!o)
        return;
    char *text = NULL;
    lpg_prepared_t p;
    memset(&p, 0, sizeof p);
    const char *step = json_string_value(json_object_get(o, "step"));
    if (!step || strncmp(step, "order_", 6) != 0) {
        lpg_webd_api_problem(resp, 422, "invalid-step", "Invalid step",
                             "the console prepares order steps only: "
                             "order_place, order_accept, order_assign, "
                             "order_cancel, order_refuse, order_delivered",
                             "step");
        goto cleanup;
    }
    const char *company = json_string_value(json_object_get(o, "company"));
    if (json_object_get(o, "company") &&
        (!company || strcmp(company, who->company) != 0)) {
        s_refuse(resp, 403, "not-your-company", "Not your company",
                 "只能为本企业的订单签名", "an order of another company");
        goto cleanup;
    }
    json_object_set_new(o, "company", json_string(who->company));
    char order_id[32];
    if (strcmp(step, "order_place") == 0) {
        if (!json_object_get(o, "order")) {
            uint8_t r[6];
            randombytes_buf(r, sizeof r);
            order_id[0] = 'P';
            lpg_hex(r, sizeof r, order_id + 1);
            json_object_set_new(o, "order", json_string(order_id));
        }
        if (!json_object_get(o, "channel"))
            json_object_set_new(o, "channel", json_string("phone"));
    }
    if (strcmp(step, "order_delivered") == 0 &&
        !json_object_get(o, "delivery_seq") &&
        !s_find_deliveries(w, resp, o, who))
        goto cleanup;
    text = json_dumps(o, JSON_COMPACT);
    if (!text) {
        lpg_webd_problem(resp, 500, "internal", "Internal error", NULL);
        goto cleanup;
    }
    lpg_prepare_opts_t opts = {NULL, NULL, lpg_clock_now_ms(), NULL, true};
    int rc = lpg_prepare(&p, text, strlen(text), &opts);
    if (rc == LPG_EMALFORMED || rc == LPG_EINVAL) {
        lpg_webd_api_problem(resp, 422, "invalid-step", "Invalid step", p.why,
                             p.field);
        goto cleanup;
    }
    if (rc != LPG_OK) {
        lpg_webd_problem(resp, 500, "internal", "Internal error", NULL);
        goto cleanup;
    }
    /* the browser signs sign_context's bytes, then the event's */
    json_t *out = lpg_webd_api_prepared(&p);
    if (out)
        json_object_set_new(out, "order",
                            json_incref(json_object_get(o, "order")));
    lpg_webd_api_json(resp, 200, out);
cleanup:
    lpg_prepared_clear(&p);
    free(text);
    json_decref(o);
}

/* ---- submit ---- */

static bool
s_order_step(Lpg__Event__BodyCase k)
{
    return k == LPG__EVENT__BODY_ORDER_PLACE ||
           k == LPG__EVENT__BODY_ORDER_ACCEPT ||
           k == LPG__EVENT__BODY_ORDER_ASSIGN ||
           k == LPG__EVENT__BODY_ORDER_CANCEL ||
           k == LPG__EVENT__BODY_ORDER_REFUSE ||
           k == LPG__EVENT__BODY_ORDER_DELIVERED;
}

/*  POST /console/api/orders/submit */
static void
s_submit(lpg_webd_t *w, const lpg_webd_req_t *req, lpg_webd_resp_t *resp,
         const lpg_console_who_t *who)
{
    json_t *o = lpg_webd_api_body(req, resp);
    if (!o)
        return;
    lpg_webd_signed_t s;
    Lpg__Event *e = NULL;
    if (!lpg_webd_api_signed(o, NULL, resp, &s))
        goto cleanup;
    e = lpg__event__unpack(NULL, s.len, s.body);
    if (!e || !s_order_step(e->body_case)) {
        s_refuse(resp, 422, "not-an-order-step", "Not an order step",
                 "这不是订单的一步", "not an order step the console relays");
        goto cleanup;
    }
    if (!e->company || strcmp(e->company, who->company) != 0) {
        s_refuse(resp, 403, "not-your-company", "Not your company",
                 "只能为本企业的订单签名", "an order of another company");
        goto cleanup;
    }
    lpg_txn_t *t = lpg_console_read(w, resp);
    if (!t)
        goto cleanup;
    s_signer_t sg;
    int rc = s_signer(t, s.key_id, who->company, &sg);
    lpg_txn_abort(&t);
    if (rc != LPG_OK) {
        lpg_webd_problem(resp, 503, "ledger-unavailable", "Ledger unavailable",
                         NULL);
        goto cleanup;
    }
    char hex[2 * LPG_KEYID_LEN + 1];
    lpg_hex(s.key_id, LPG_KEYID_LEN, hex);
    if (!sg.ok) {
        lpg_warn("console: '%s' (%s) sent %s signed by key %.16s: %s",
                 who->account, who->company, lpg_kind_name(e->body_case), hex,
                 sg.en);
        s_refuse(resp, 403, "signer-not-company",
                 "The signer is no key of your company", sg.zh, sg.en);
        goto cleanup;
    }
    lpg_info("console: '%s' (%s) relays %s of order %s signed by key %.16s",
             who->account, who->company, lpg_kind_name(e->body_case),
             lpg_order_id_of(e) ? lpg_order_id_of(e) : "?", hex);
    lpg_webd_api_relay(w, resp, &s, NULL);
cleanup:
    if (e)
        lpg__event__free_unpacked(e, NULL);
    lpg_webd_signed_clear(&s);
    json_decref(o);
}

/* ---- the key page ---- */

static void
s_key_page(lpg_webd_resp_t *resp, const lpg_console_who_t *who)
{
    lpg_webd_buf_t b = {0};
    lpg_webd_puts(&b,
                  "<section class=\"signkey\" id=\"signkey\" data-company=\"");
    lpg_webd_html(&b, who->company);
    lpg_webd_puts(
        &b,
        "\"><p class=\"note\">派单的每一步都由本企业的企业管理员密钥签名。"
        "密钥文件只在本浏览器中导入，保存为不可导出的密钥；控制台服务器"
        "从不接触它。<span lang=\"en\">Every dispatch step is signed with "
        "your company's company-admin key. The key file is imported in this "
        "browser only and kept as a non-extractable key; the console's "
        "server never sees it.</span></p>"
        "<form id=\"keyform\"><label>密钥文件 <span lang=\"en\">Key "
        "file</span> <input type=\"file\" id=\"keyfile\" "
        "accept=\".pem,.key,text/plain\"></label> <button type=\"submit\">"
        "导入 <span lang=\"en\">Import</span></button> <button "
        "type=\"button\" id=\"keyforget\">删除 <span "
        "lang=\"en\">Forget</span></button></form>"
        "<dl class=\"key\"><dt>密钥编号 <span lang=\"en\">Key id</span></dt>"
        "<dd id=\"keyid\">—</dd><dt>账本 <span lang=\"en\">Ledger</span></dt>"
        "<dd id=\"keystate\">—</dd></dl><p id=\"keymsg\" "
        "role=\"status\"></p>"
        "<p><a href=\"/console/orders\">派单 <span lang=\"en\">Dispatch "
        "board</span></a></p></section>");
    if (b.failed) {
        free(b.p);
        lpg_webd_problem(resp, 500, "internal", "Internal error", NULL);
        return;
    }
    static const char *const scripts[] = {"sign.js", NULL};
    lpg_console_send_page(resp, 200, who, "签名密钥", "Signing key", b.p,
                          scripts);
    free(b.p);
}

void
lpg_console_sign(lpg_webd_t *w, const lpg_webd_req_t *req,
                 lpg_webd_resp_t *resp, const lpg_console_who_t *who)
{
    if (who->role != LPG_CONSOLE_COMPANY) {
        lpg_console_forbidden(req, resp, who);
        return;
    }
    bool post = strcmp(req->method, "POST") == 0;
    const char *p = req->path;
    if (strcmp(p, "/console/key") == 0 && !post)
        s_key_page(resp, who);
    else if (strcmp(p, "/console/api/orders/key") == 0 && !post)
        s_key_status(w, req, resp, who);
    else if (strcmp(p, "/console/api/orders/prepare") == 0 && post)
        s_prepare(w, req, resp, who);
    else if (strcmp(p, "/console/api/orders/submit") == 0 && post)
        s_submit(w, req, resp, who);
    else
        lpg_webd_problem(resp, 404, "not-found", "Not found",
                         "Nothing is served at this address.");
}
