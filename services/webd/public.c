/*  public.c - the public page behind every cylinder code, the GS1
 *  resolver's linkset and description, and the page's style sheet.
 *
 *  GET /8003/<GRAI>?r=<rev>&8030=<sig> checks the code's signature with
 *  the authority's public key (offline, codes/code.h), then reads the
 *  cylinder's record from the ledger of the home, read-only: a scan
 *  costs one signature check and one read transaction, with no round
 *  trip to a service, so public scans never queue behind the services'
 *  writes (LMDB readers do not wait for the writer). Without a ledger at
 *  the home the page says only what the code itself proves.
 *
 *  What the page shows is the cylinder's, never a person's: no holder,
 *  no user id, no staff. Words for status and custody come from
 *  domain/words.h, the one table every report uses.
 */
#include "base/clock.h"
#include "base/error.h"
#include "codes/code.h"
#include "daemon.h"
#include "domain/cylinder.h"
#include "domain/registry.h"
#include "domain/state.h"
#include "domain/words.h"
#include "ledger/event.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef enum {
    S_BAD = 0,    /* not a code in our form */
    S_FORGED,     /* well-formed, not signed by the authority */
    S_UNKNOWN,    /* signed, but no such cylinder on record */
    S_SUPERSEDED, /* an older label of the cylinder */
    S_SCRAPPED,
    S_QUARANTINED,
    S_OK,
    S_UNCHECKED, /* signed; no ledger here to say more */
} s_verdict_t;

typedef struct {
    s_verdict_t verdict;
    char text[LPG_CODE_MAX_TEXT + 1]; /* the code as rebuilt */
    char grai[LPG_CODE_GRAI_MAX + 1];
    char why[LPG_CODE_WHY_MAX + 1];
    lpg_code_t code;
    char short_id[LPG_CODE_SHORT_ID_MAX + 1];
    bool found;
    uint32_t current_rev;
    Lpg__CylinderStatus status;
    Lpg__Custody custody;
    char owner[LPG_STRING_MAX + 1], licence[LPG_STRING_MAX + 1];
    uint32_t licence_until;
    char fill_site[LPG_STRING_MAX + 1];
    uint32_t fill_ymd;
    uint32_t next_inspection, insurance_until, today;
} s_view_t;

/*  The GRAI in the path: "/8003/<GRAI>", digits and upper-case letters. */
static bool
s_path_grai(const char *path, char *out, size_t outsz)
{
    const char *g = path + strlen("/8003/");
    size_t n = strlen(g);
    if (n < 15 || n > LPG_CODE_GRAI_MAX || n >= outsz)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!(g[i] >= '0' && g[i] <= '9') && !(g[i] >= 'A' && g[i] <= 'Z'))
            return false;
    for (size_t i = 0; i < 14; i++)
        if (g[i] < '0' || g[i] > '9')
            return false;
    if (lpg_code_check_digit(g, 13) != g[13] - '0')
        return false;
    memcpy(out, g, n + 1);
    return true;
}

static void
s_ymd(uint32_t ymd, char *out, size_t outsz)
{
    if (!ymd)
        snprintf(out, outsz, "-");
    else
        snprintf(out, outsz, "%04u-%02u-%02u", ymd / 10000, ymd / 100 % 100,
                 ymd % 100);
}

/*  The record behind a genuine code, from the ledger. */
static void
s_read_record(lpg_webd_t *w, s_view_t *v)
{
    lpg_ledger_t *l = lpg_webd_ledger(w);
    if (!l) {
        v->verdict = S_UNCHECKED;
        return;
    }
    lpg_txn_t *t = NULL;
    if (lpg_ledger_read(l, &t) != LPG_OK) {
        v->verdict = S_UNCHECKED;
        return;
    }
    Lpg__CylinderState *cyl = NULL;
    if (lpg_state_load(t, LPG_TABLE_CYLINDERS, v->code.grai,
                       &lpg__cylinder_state__descriptor,
                       (ProtobufCMessage **)&cyl) != LPG_OK) {
        v->verdict = S_UNKNOWN;
        lpg_txn_abort(&t);
        return;
    }
    v->found = true;
    lpg_cylinder_now_t now;
    lpg_cylinder_now(cyl, &now);
    v->status = now.status;
    v->custody = now.custody;
    v->current_rev = lpg_cylinder_code_revision(cyl);
    const Lpg__CylinderRegister *reg = cyl->reg;
    v->next_inspection =
        cyl->has_next_inspection_ymd   ? cyl->next_inspection_ymd
        : reg->has_next_inspection_ymd ? reg->next_inspection_ymd
                                       : 0;
    v->insurance_until =
        cyl->has_insurance_until_ymd   ? cyl->insurance_until_ymd
        : reg->has_insurance_until_ymd ? reg->insurance_until_ymd
                                       : 0;
    Lpg__CompanyState *co = NULL;
    if (lpg_state_load(t, LPG_TABLE_COMPANIES, reg->owner,
                       &lpg__company_state__descriptor,
                       (ProtobufCMessage **)&co) == LPG_OK) {
        snprintf(v->owner, sizeof v->owner, "%s", co->add->name);
        snprintf(v->licence, sizeof v->licence, "%s", co->add->licence_no);
        v->licence_until =
            co->add->has_licence_until_ymd ? co->add->licence_until_ymd : 0;
        lpg_state_free(co);
    } else {
        snprintf(v->owner, sizeof v->owner, "%s", reg->owner);
    }
    /* The last fill: where and on which local day. */
    const uint8_t *data;
    size_t len;
    if (cyl->has_last_fill_seq &&
        lpg_txn_entry(t, cyl->last_fill_seq, &data, &len) == LPG_OK) {
        Lpg__LedgerEntry *e = lpg__ledger_entry__unpack(NULL, len, data);
        lpg_event_t ev = {0};
        if (e && lpg_event_decode(&ev, e->signed_event.data,
                                  e->signed_event.len, NULL, 0) == LPG_OK) {
            const char *site = ev.event->site ? ev.event->site : "";
            Lpg__SiteState *st = NULL;
            if (*site && lpg_state_load(t, LPG_TABLE_SITES, site,
                                        &lpg__site_state__descriptor,
                                        (ProtobufCMessage **)&st) == LPG_OK) {
                snprintf(v->fill_site, sizeof v->fill_site, "%s",
                         st->add->name);
                lpg_state_free(st);
            } else {
                snprintf(v->fill_site, sizeof v->fill_site, "%s", site);
            }
            v->fill_ymd =
                lpg_local_ymd(e->recorded_at_ms,
                              lpg_config_get(lpg_webd_config(w), "time.zone"));
        }
        lpg_event_clear(&ev);
        if (e)
            lpg__ledger_entry__free_unpacked(e, NULL);
    }
    lpg_state_free(cyl);
    lpg_txn_abort(&t);
    if (v->code.revision < v->current_rev)
        v->verdict = S_SUPERSEDED;
    else if (v->status == LPG__CYLINDER_STATUS__CYL_SCRAPPED)
        v->verdict = S_SCRAPPED;
    else if (v->status == LPG__CYLINDER_STATUS__CYL_QUARANTINED)
        v->verdict = S_QUARANTINED;
    else
        v->verdict = S_OK;
}

/*  Checks the code the request names and reads its cylinder. */
static void
s_view(lpg_webd_t *w, const lpg_webd_req_t *req, s_view_t *v)
{
    memset(v, 0, sizeof *v);
    v->verdict = S_BAD;
    v->today = lpg_local_ymd(lpg_clock_now_ms(),
                             lpg_config_get(lpg_webd_config(w), "time.zone"));
    if (!s_path_grai(req->path, v->grai, sizeof v->grai)) {
        snprintf(v->why, sizeof v->why, "not a GRAI with its check digit");
        return;
    }
    char r[16], sig[LPG_CODE_SIG_CHARS + 2];
    const char *rp = lpg_webd_query_param(req->query, "r", r, sizeof r);
    const char *sp = lpg_webd_query_param(req->query, "8030", sig, sizeof sig);
    const char *resolver = lpg_config_get(lpg_webd_config(w), "code.resolver");
    int n;
    if (rp && sp)
        n = snprintf(v->text, sizeof v->text,
                     "https://%s/8003/%s?r=%s&8030=%s", resolver, v->grai, rp,
                     sp);
    else
        n = snprintf(v->text, sizeof v->text, "https://%s/8003/%s", resolver,
                     v->grai);
    if (n < 0 || (size_t)n >= sizeof v->text) {
        snprintf(v->why, sizeof v->why, "the code is too long");
        return;
    }
    if (!w->authority) {
        snprintf(v->why, sizeof v->why, "the authority key is missing");
        v->verdict = S_UNCHECKED;
        return;
    }
    int rc = lpg_code_verify(v->text, strlen(v->text), resolver, w->authority,
                             &v->code);
    /* A signature missing, or one that is no Ed25519 signature at all
     * (an altered character), proves as little as a wrong one: to the
     * person holding the phone, all three are codes the authority did
     * not issue. */
    if (rc == LPG_ECODE_FORGED || rc == LPG_ECODE_SIGFORMAT ||
        rc == LPG_ECODE_NOSIG) {
        v->verdict = S_FORGED;
        snprintf(v->why, sizeof v->why, "%s", v->code.why);
        return;
    }
    if (rc != LPG_OK) {
        snprintf(v->why, sizeof v->why, "%s", v->code.why);
        return;
    }
    lpg_code_short_id(&v->code, v->short_id);
    s_read_record(w, v);
}

/* ------------------------------------------------------------- the page */

static void
s_head(lpg_webd_buf_t *b, const char *title)
{
    lpg_webd_puts(b, "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n"
                     "<meta charset=\"utf-8\">\n"
                     "<meta name=\"viewport\" content=\"width=device-width, "
                     "initial-scale=1\">\n"
                     "<meta name=\"referrer\" content=\"no-referrer\">\n"
                     "<title>");
    lpg_webd_html(b, title);
    lpg_webd_puts(b, "</title>\n<link rel=\"stylesheet\" "
                     "href=\"/static/style.css\">\n</head>\n<body>\n<main>\n");
}

static void
s_foot(lpg_webd_buf_t *b)
{
    lpg_webd_puts(b, "<footer>燃气气瓶追溯 · LPG cylinder trace</footer>\n"
                     "</main>\n</body>\n</html>\n");
}

/*  One row: Chinese label, English label, value (escaped). */
static void
s_row(lpg_webd_buf_t *b, const char *zh, const char *en, const char *value,
      const char *cls)
{
    lpg_webd_printf(b, "<div class=\"row%s%s\"><dt>", cls ? " " : "",
                    cls ? cls : "");
    lpg_webd_html(b, zh);
    lpg_webd_puts(b, " <span class=\"en\">");
    lpg_webd_html(b, en);
    lpg_webd_puts(b, "</span></dt><dd>");
    lpg_webd_html(b, value);
    lpg_webd_puts(b, "</dd></div>\n");
}

static void
s_banner(lpg_webd_buf_t *b, bool good, const char *zh, const char *en,
         const char *detail_zh, const char *detail_en)
{
    lpg_webd_printf(b,
                    "<section class=\"banner %s\" role=\"%s\" "
                    "id=\"verdict\" data-verdict=\"%s\">\n<h1>",
                    good ? "good" : "warn", good ? "status" : "alert",
                    good ? "genuine" : "warning");
    lpg_webd_puts(b, good ? "&#10004; " : "&#9888; ");
    lpg_webd_html(b, zh);
    lpg_webd_puts(b, "</h1>\n<p class=\"en-title\">");
    lpg_webd_html(b, en);
    lpg_webd_puts(b, "</p>\n");
    if (detail_zh) {
        lpg_webd_puts(b, "<p>");
        lpg_webd_html(b, detail_zh);
        lpg_webd_puts(b, "<br><span class=\"en\">");
        lpg_webd_html(b, detail_en);
        lpg_webd_puts(b, "</span></p>\n");
    }
    lpg_webd_puts(b, "</section>\n");
}

/*  The "report a problem" form: a plain POST, no script. */
static void
s_report_form(lpg_webd_t *w, lpg_webd_buf_t *b, const char *code,
              const char *category, bool open)
{
    lpg_webd_printf(b, "<section class=\"report%s\" id=\"report\">\n",
                    open ? " urgent" : "");
    lpg_webd_puts(b, "<h2>举报问题 <span class=\"en\">Report a problem</span>"
                     "</h2>\n<form method=\"post\" action=\"/report\">\n");
    if (code && *code) {
        lpg_webd_puts(b, "<input type=\"hidden\" name=\"code\" value=\"");
        lpg_webd_html(b, code);
        lpg_webd_puts(b, "\">\n");
    }
    lpg_webd_puts(b, "<label for=\"category\">类别 <span class=\"en\">What"
                     "</span></label>\n<select id=\"category\" "
                     "name=\"category\">\n");
    static const char *const cats[] = {"code_fails", "no_code", "black_market",
                                       "other"};
    for (size_t i = 0; i < sizeof cats / sizeof *cats; i++) {
        lpg_webd_printf(
            b, "<option value=\"%s\"%s>", cats[i],
            category && strcmp(category, cats[i]) == 0 ? " selected" : "");
        lpg_webd_html(b, lpg_tip_category_zh(cats[i]));
        lpg_webd_puts(b, " / ");
        lpg_webd_html(b, lpg_tip_category_en(cats[i]));
        lpg_webd_puts(b, "</option>\n");
    }
    lpg_webd_printf(
        b,
        "</select>\n<label for=\"text\">说明 <span class=\"en\">What you "
        "saw</span></label>\n<textarea id=\"text\" name=\"text\" rows=\"4\" "
        "maxlength=\"%zu\"></textarea>\n"
        "<label for=\"phone\">电话（可不填）<span class=\"en\">Phone "
        "(optional)</span></label>\n<input id=\"phone\" name=\"phone\" "
        "type=\"tel\" maxlength=\"20\" autocomplete=\"tel\">\n"
        "<p class=\"note\">电话号码加密保存，仅监管部门可查看。"
        "<span class=\"en\">Your number is sealed; only the regulator can "
        "read it.</span></p>\n"
        "<button type=\"submit\">提交举报 <span class=\"en\">Send</span>"
        "</button>\n</form>\n</section>\n",
        w->tip_text_max / 3);
}

static void
s_page(lpg_webd_t *w, const lpg_webd_req_t *req, const s_view_t *v,
       lpg_webd_resp_t *resp)
{
    lpg_webd_buf_t b = {0};
    s_head(&b, "气瓶信息 Cylinder information");
    int status = 200;
    bool warn = true;
    const char *category = "code_fails";
    switch (v->verdict) {
    case S_BAD:
        status = 400;
        s_banner(&b, false, "无效码：不是气瓶码",
                 "INVALID code: not a cylinder code",
                 "此码格式错误，可能被篡改。请勿使用该气瓶，并举报。",
                 "The code is malformed and may have been altered. Do not "
                 "use this cylinder; please report it.");
        break;
    case S_FORGED:
        s_banner(&b, false, "假码！非监管部门签发",
                 "FORGED code: not issued "
                 "by the authority",
                 "此码的签名验证失败。该气瓶来源不明，请勿使用，并立即举报。",
                 "Its signature does not verify. The cylinder's origin is "
                 "unknown: do not use it, and report it now.");
        break;
    case S_UNKNOWN:
        s_banner(&b, false, "未登记的气瓶", "Cylinder not on record",
                 "签名有效，但系统中没有该气瓶的登记。请举报。",
                 "The signature is valid but no such cylinder is "
                 "registered. Please report it.");
        break;
    case S_SUPERSEDED:
        s_banner(
            &b, false, "旧码已作废", "SUPERSEDED code: an old label",
            "该气瓶已换新标签，此码已作废。旧码仍在使用可能是冒用，请举报。",
            "This cylinder was relabelled and this code is void. An "
            "old label in use may be misuse: please report it.");
        break;
    case S_SCRAPPED:
        s_banner(&b, false, "已报废气瓶！禁止使用",
                 "SCRAPPED cylinder: do "
                 "not use",
                 "该气瓶已报废，不得充装或使用。请立即举报。",
                 "This cylinder was scrapped: it must not be filled or "
                 "used. Please report it now.");
        break;
    case S_QUARANTINED:
        s_banner(&b, false, "气瓶被暂停使用", "Cylinder QUARANTINED",
                 "该气瓶暂停充装，等待处理。",
                 "This cylinder is held: no "
                 "fill until it is released.");
        warn = false; /* a held cylinder is not a fraud */
        category = "other";
        break;
    case S_OK:
        s_banner(&b, true, "正规气瓶码：监管部门签发，当前有效",
                 "Genuine code: issued by the authority, current label", NULL,
                 NULL);
        warn = false;
        category = "other";
        break;
    case S_UNCHECKED:
        s_banner(&b, false, "暂时无法核验", "Cannot be checked now",
                 "请稍后再试。", "Please try again later.");
        category = "other";
        break;
    }
    char s[640];
    /* A serial only a verified code vouches for: a forged code's would
     * be the forger's word. */
    bool vouched =
        v->verdict != S_BAD && v->verdict != S_FORGED && v->code.serial[0];
    if (vouched || v->found)
        lpg_webd_puts(&b, "<dl>\n");
    if (vouched) {
        s_row(&b, "钢印编号", "Steel-stamp serial", v->code.serial, "serial");
        if (v->short_id[0])
            s_row(&b, "简码", "Short id", v->short_id, "short-id");
    }
    if (v->found) {
        const char *zh = NULL;
        const char *en = lpg_status_words(v->status, &zh);
        snprintf(s, sizeof s, "%s / %s", zh ? zh : "", en);
        s_row(&b, "状态", "Status", s,
              v->status == LPG__CYLINDER_STATUS__CYL_IN_SERVICE ? "ok"
                                                                : "bad");
        en = lpg_custody_words(v->custody, &zh);
        snprintf(s, sizeof s, "%s / %s", zh ? zh : "", en);
        s_row(&b, "位置", "Where", s, NULL);
        s_row(&b, "产权单位", "Owner", v->owner, "owner");
        char until[16];
        s_ymd(v->licence_until, until, sizeof until);
        snprintf(s, sizeof s, "%s%s%s", v->licence[0] ? v->licence : "-",
                 v->licence_until ? " · 至 until " : "",
                 v->licence_until ? until : "");
        s_row(&b, "经营许可证", "Licence", s, NULL);
        char d[16];
        s_ymd(v->fill_ymd, d, sizeof d);
        if (v->fill_ymd)
            snprintf(s, sizeof s, "%s · %s", v->fill_site, d);
        else
            snprintf(s, sizeof s, "无记录 / none on record");
        s_row(&b, "最近充装", "Last fill", s, NULL);
        s_ymd(v->next_inspection, d, sizeof d);
        bool overdue = v->next_inspection && v->today > v->next_inspection;
        snprintf(s, sizeof s, "%s · %s", d,
                 !v->next_inspection ? "未知 / unknown"
                 : overdue           ? "已超期 / OVERDUE"
                                     : "未超期 / not due");
        s_row(&b, "下次定期检验", "Next periodic inspection", s,
              overdue || !v->next_inspection ? "bad" : "ok");
        bool insured = v->insurance_until && v->today <= v->insurance_until;
        s_ymd(v->insurance_until, d, sizeof d);
        snprintf(s, sizeof s, "%s%s%s",
                 insured ? "有效 / valid" : "无效 / NOT valid",
                 v->insurance_until ? " · 至 until " : "",
                 v->insurance_until ? d : "");
        s_row(&b, "保险", "Insurance", s, insured ? "ok" : "bad");
    }
    if (vouched || v->found)
        lpg_webd_puts(&b, "</dl>\n");
    if (vouched)
        lpg_webd_puts(&b, "<p class=\"check\">请核对钢印编号与瓶身一致。"
                          "<span class=\"en\">Check that the serial matches "
                          "the one stamped on the cylinder.</span></p>\n");
    s_report_form(w, &b, v->verdict == S_BAD ? NULL : v->text, category, warn);
    s_foot(&b);
    lpg_webd_send_buf(resp, status, "text/html; charset=utf-8", &b);
    snprintf(resp->extra_headers, sizeof resp->extra_headers,
             "Link: </8003/%s?linkType=linkset>; rel=\"linkset\"; "
             "type=\"application/linkset+json\"\r\n"
             "Vary: Accept\r\n",
             v->grai[0] ? v->grai : "0");
}

/* ----------------------------------------------------- GS1 linkset */

/*  The link objects of one relation. */
static json_t *
s_link(const char *href, const char *title, const char *type)
{
    json_t *o = json_object();
    json_object_set_new(o, "href", json_string(href));
    json_object_set_new(o, "title", json_string(title));
    json_object_set_new(o, "type", json_string(type));
    json_t *langs = json_array();
    json_array_append_new(langs, json_string("zh"));
    json_array_append_new(langs, json_string("en"));
    json_object_set_new(o, "hreflang", langs);
    json_t *a = json_array();
    json_array_append_new(a, o);
    return a;
}

static void
s_send_json(lpg_webd_resp_t *resp, int status, const char *type, json_t *j)
{
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (!text) {
        lpg_webd_problem(resp, 500, "internal", "Internal error", NULL);
        return;
    }
    resp->status = status;
    resp->content_type = type;
    resp->body = text;
    resp->body_len = strlen(text);
}

static void
s_linkset(lpg_webd_t *w, const lpg_webd_req_t *req, const char *grai,
          lpg_webd_resp_t *resp)
{
    char base[320], anchor[512], pip[1024], trace[512];
    lpg_webd_base(w, req, base, sizeof base);
    snprintf(anchor, sizeof anchor, "%s/8003/%s", base, grai);
    /* the page of this very code: its revision and signature kept */
    char r[16], sig[LPG_CODE_SIG_CHARS + 2];
    const char *rp = lpg_webd_query_param(req->query, "r", r, sizeof r);
    const char *sp = lpg_webd_query_param(req->query, "8030", sig, sizeof sig);
    bool plain = true;
    for (const char *p = sp; p && *p; p++)
        plain &= (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
                 (*p >= 'A' && *p <= 'Z') || *p == '-' || *p == '_';
    for (const char *p = rp; p && *p; p++)
        plain &= *p >= '0' && *p <= '9';
    if (rp && sp && plain)
        snprintf(pip, sizeof pip, "%s?r=%s&8030=%s", anchor, rp, sp);
    else
        snprintf(pip, sizeof pip, "%s", anchor);
    snprintf(trace, sizeof trace, "%s/trace/8003/%s", base, grai);
    json_t *set = json_object();
    json_object_set_new(set, "anchor", json_string(anchor));
    json_object_set_new(
        set, "https://gs1.org/voc/pip",
        s_link(pip, "气瓶信息 Cylinder information", "text/html"));
    json_object_set_new(
        set, "https://gs1.org/voc/traceability",
        s_link(trace, "气瓶追溯（需登录） Cylinder trace (login needed)",
               "text/html"));
    json_object_set_new(
        set, "https://gs1.org/voc/defaultLink",
        s_link(pip, "气瓶信息 Cylinder information", "text/html"));
    json_t *arr = json_array();
    json_array_append_new(arr, set);
    json_t *root = json_object();
    json_object_set_new(root, "linkset", arr);
    s_send_json(resp, 200, "application/linkset+json", root);
    snprintf(resp->extra_headers, sizeof resp->extra_headers,
             "Vary: Accept\r\nAccess-Control-Allow-Origin: *\r\n");
}

static bool
s_wants_linkset(const lpg_webd_req_t *req)
{
    char lt[32];
    const char *v =
        lpg_webd_query_param(req->query, "linkType", lt, sizeof lt);
    if (v && (strcmp(v, "linkset") == 0 || strcmp(v, "all") == 0))
        return true;
    const char *accept = req->header(req->hctx, "Accept");
    return accept && strstr(accept, "application/linkset+json") != NULL;
}

void
lpg_webd_public(lpg_webd_t *w, const lpg_webd_req_t *req,
                lpg_webd_resp_t *resp)
{
    if (s_wants_linkset(req)) {
        char grai[LPG_CODE_GRAI_MAX + 1];
        if (!s_path_grai(req->path, grai, sizeof grai)) {
            lpg_webd_problem(resp, 400, "bad-identifier", "Bad identifier",
                             "The path is not /8003/ and a GRAI with its "
                             "check digit.");
            return;
        }
        s_linkset(w, req, grai, resp);
        return;
    }
    s_view_t *v = calloc(1, sizeof *v);
    if (!v) {
        lpg_webd_problem(resp, 503, "busy", "Busy", NULL);
        return;
    }
    s_view(w, req, v);
    s_page(w, req, v, resp);
    free(v);
}

void
lpg_webd_resolver(lpg_webd_t *w, const lpg_webd_req_t *req,
                  lpg_webd_resp_t *resp)
{
    char base[320];
    lpg_webd_base(w, req, base, sizeof base);
    json_t *root = json_object();
    json_object_set_new(root, "name",
                        json_string("lpgtrace cylinder resolver"));
    json_object_set_new(root, "resolverRoot", json_string(base));
    json_t *lt = json_array();
    json_t *gs1 = json_object();
    json_object_set_new(gs1, "namespace", json_string("https://gs1.org/voc/"));
    json_object_set_new(gs1, "prefix", json_string("gs1:"));
    json_object_set_new(gs1, "profile",
                        json_string("https://gs1.org/voc/?show=linktypes"));
    json_array_append_new(lt, gs1);
    json_object_set_new(root, "supportedLinkType", lt);
    json_t *keys = json_array();
    json_array_append_new(keys, json_string("8003"));
    json_object_set_new(root, "supportedPrimaryKeys", keys);
    json_object_set_new(root, "linkTypeDefaultCanBeLinkset", json_false());
    json_object_set_new(root, "linkTypeDefaultCanBeAll", json_false());
    s_send_json(resp, 200, "application/json", root);
    snprintf(resp->extra_headers, sizeof resp->extra_headers,
             "Access-Control-Allow-Origin: *\r\n");
}

/*  The regulator's trace of a cylinder needs a login (the console). */
void
lpg_webd_trace_login(lpg_webd_t *w, const lpg_webd_req_t *req,
                     lpg_webd_resp_t *resp)
{
    lpg_webd_problem(resp, 401, "login-needed", "Login needed",
                     "A cylinder's trace is for the regulator's staff.");
}

static const char s_css[] =
    "*{box-sizing:border-box}\n"
    "body{margin:0;font:16px/1.5 \"Noto Sans CJK SC\",\"WenQuanYi Micro "
    "Hei\",\"PingFang SC\",sans-serif;color:#111;background:#f4f4f4}\n"
    "main{max-width:40rem;margin:0 auto;padding:.75rem}\n"
    ".en{color:#555;font-size:.85em;margin-left:.3em}\n"
    ".banner{border-radius:.5rem;padding:.75rem 1rem;margin-bottom:1rem;"
    "color:#fff}\n"
    ".banner h1{font-size:1.3rem;margin:0}\n"
    ".banner p{margin:.3rem 0 0}.banner .en{color:#fff;margin-left:0}\n"
    ".en-title{font-weight:bold}\n"
    ".good{background:#1b7a36}\n"
    ".warn{background:#b00020;border:4px solid #000}\n"
    "dl{background:#fff;border-radius:.5rem;padding:.25rem 1rem;margin:0}\n"
    ".row{display:flex;flex-wrap:wrap;justify-content:space-between;"
    "border-bottom:1px solid #ddd;padding:.5rem 0}\n"
    ".row:last-child{border-bottom:0}\n"
    "dt{font-weight:bold;margin-right:1rem}dd{margin:0;text-align:right;"
    "overflow-wrap:anywhere}\n"
    ".row.bad dd{color:#b00020;font-weight:bold}\n"
    ".row.ok dd{color:#1b7a36}\n"
    ".serial dd,.short-id dd{font-family:monospace;font-size:1.1em}\n"
    ".check{font-size:.9rem}\n"
    ".report{background:#fff;border-radius:.5rem;padding:.75rem 1rem;"
    "margin-top:1rem}\n"
    ".report.urgent{border:3px solid #b00020}\n"
    ".report h2{font-size:1.1rem;margin:0 0 .5rem}\n"
    "label{display:block;margin-top:.5rem;font-weight:bold}\n"
    "select,textarea,input,button{width:100%;font:inherit;padding:.5rem;"
    "margin-top:.25rem}\n"
    "button{background:#b00020;color:#fff;border:0;border-radius:.4rem;"
    "margin-top:.75rem;font-weight:bold}\n"
    ".note{font-size:.85rem;color:#555}.note .en{font-size:1em}\n"
    "button .en{color:inherit}\n"
    "footer{text-align:center;color:#777;font-size:.8rem;margin:1rem 0}\n";

void
lpg_webd_style(lpg_webd_resp_t *resp)
{
    resp->body = malloc(sizeof s_css);
    if (!resp->body) {
        lpg_webd_problem(resp, 503, "busy", "Busy", NULL);
        return;
    }
    memcpy(resp->body, s_css, sizeof s_css);
    resp->body_len = sizeof s_css - 1;
    resp->status = 200;
    resp->content_type = "text/css; charset=utf-8";
    snprintf(resp->extra_headers, sizeof resp->extra_headers,
             "Cache-Control: public, max-age=3600\r\n");
}

/*  Shared by tips.c: the page around a short message. */
void
lpg_webd_message_page(lpg_webd_resp_t *resp, int status, bool good,
                      const char *zh, const char *en, const char *detail_zh,
                      const char *detail_en)
{
    lpg_webd_message_page_back(resp, status, good, zh, en, detail_zh,
                               detail_en, NULL);
}

void
lpg_webd_message_page_back(lpg_webd_resp_t *resp, int status, bool good,
                           const char *zh, const char *en,
                           const char *detail_zh, const char *detail_en,
                           const char *back)
{
    lpg_webd_buf_t b = {0};
    s_head(&b, "气瓶信息 Cylinder information");
    s_banner(&b, good, zh, en, detail_zh, detail_en);
    if (back) {
        lpg_webd_puts(&b, "<p class=\"back\"><a id=\"back\" href=\"");
        lpg_webd_html(&b, back);
        lpg_webd_puts(&b, "\">&larr; 返回气瓶信息 <span class=\"en\">Back to "
                          "the cylinder's page</span></a></p>\n");
    }
    s_foot(&b);
    lpg_webd_send_buf(resp, status, "text/html; charset=utf-8", &b);
}

/*  Shared by tips.c: the form alone (GET /report?code=...). */
void
lpg_webd_tip_form(lpg_webd_t *w, const lpg_webd_req_t *req,
                  lpg_webd_resp_t *resp)
{
    char code[LPG_CODE_MAX_TEXT + 1];
    const char *c =
        lpg_webd_query_param(req->query, "code", code, sizeof code);
    lpg_webd_buf_t b = {0};
    s_head(&b, "举报 Report a problem");
    s_report_form(w, &b, c, "no_code", false);
    s_foot(&b);
    lpg_webd_send_buf(resp, 200, "text/html; charset=utf-8", &b);
}
