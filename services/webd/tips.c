/*  tips.c - reports from the public (举报): POST /report from the form on
 *  a code's page (application/x-www-form-urlencoded: code, category,
 *  text, phone).
 *
 *  A tip becomes a Tip event signed by the gateway's own key and
 *  recorded by lpg-registryd, which keeps the data keys of personal data:
 *  the optional phone number is sealed (domain/pii.h) under a fresh data
 *  key bound to "tip/<event id>", and the key travels beside the event
 *  for the registry to wrap under its master key, as a user's does. The
 *  number is never logged nor echoed. Each client address may send
 *  webd.tips_per_hour well-formed tips an hour (429 beyond); the text is
 *  refused over webd.tip_text_max bytes (413), never cut.
 */
#include "base/clock.h"
#include "base/error.h"
#include "base/log.h"
#include "codes/code.h"
#include "daemon.h"
#include "domain/pii.h"
#include "domain/registry.h"
#include "ledger/event.h"
#include "net/msg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_HOUR_MS (3600 * 1000LL)

/*  May this address send one more tip now? Counts it if so. */
static bool
s_rate_ok(lpg_webd_t *w, const char *addr)
{
    if (w->tips_per_hour == 0)
        return false;
    int64_t now = (int64_t)lpg_clock_now_ms();
    uint32_t h = 2166136261u;
    for (const char *p = addr; *p; p++)
        h = (h ^ (uint8_t)*p) * 16777619u;
    bool ok = false;
    pthread_mutex_lock(&w->rate_lock);
    /* a slot per hash: a collision can only make a limit stricter */
    lpg_webd_rate_t *r = &w->rate[h % S_WEBD_RATE_SLOTS];
    if (strcmp(r->addr, addr) != 0 || now - r->window_start_ms >= S_HOUR_MS) {
        snprintf(r->addr, sizeof r->addr, "%s", addr);
        r->window_start_ms = now;
        r->count = 0;
    }
    if (r->count < w->tips_per_hour) {
        r->count++;
        ok = true;
    }
    pthread_mutex_unlock(&w->rate_lock);
    return ok;
}

/*  Form text made fit for the log: line breaks and tabs become blanks,
 *  other control characters are refused (false). */
static bool
s_clean_text(char *s)
{
    for (char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '\r' || c == '\n' || c == '\t')
            *p = ' ';
        else if (c < 0x20 || c == 0x7f)
            return false;
    }
    return true;
}

static void
s_fail(lpg_webd_resp_t *resp, int status, const char *slug, const char *zh,
       const char *en)
{
    lpg_webd_message_page(resp, status, false, zh, en, NULL, NULL);
    (void)slug;
}

void
lpg_webd_tip_post(lpg_webd_t *w, const lpg_webd_req_t *req,
                  lpg_webd_resp_t *resp)
{
    const char *ct = req->header(req->hctx, "Content-Type");
    if (!ct || strncmp(ct, "application/x-www-form-urlencoded", 33) != 0) {
        lpg_webd_problem(resp, 415, "unsupported-media-type",
                         "Unsupported media type",
                         "Send the form as application/"
                         "x-www-form-urlencoded.");
        return;
    }
    char *form = malloc(req->body_len + 1);
    size_t fsz = w->tip_text_max * 3 + 1; /* percent-escapes triple it */
    char *text = malloc(fsz);
    if (!form || !text) {
        free(form);
        free(text);
        lpg_webd_problem(resp, 503, "busy", "Busy", NULL);
        return;
    }
    if (req->body_len)
        memcpy(form, req->body, req->body_len);
    form[req->body_len] = '\0';
    char code[LPG_CODE_MAX_TEXT + 1], category[32], phone[64];
    const char *c = lpg_webd_query_param(form, "code", code, sizeof code);
    const char *cat =
        lpg_webd_query_param(form, "category", category, sizeof category);
    const char *tx = lpg_webd_query_param(form, "text", text, fsz);
    const char *ph = lpg_webd_query_param(form, "phone", phone, sizeof phone);
    bool has_text_field = strstr(form, "text=") != NULL;
    free(form);
    if (!cat || !lpg_tip_category_known(cat)) {
        free(text);
        s_fail(resp, 400, "bad-category", "请选择举报类别",
               "Choose what the report is about");
        return;
    }
    if ((has_text_field && !tx) || (tx && strlen(tx) > w->tip_text_max)) {
        free(text);
        s_fail(resp, 413, "too-long", "说明太长", "The text is too long");
        return;
    }
    if ((tx && (!s_clean_text(text) ||
                lpg_string_check(tx, LPG_TIP_TEXT_MAX) != LPG_OK)) ||
        (c && *c && lpg_string_check(c, LPG_STRING_MAX) != LPG_OK)) {
        free(text);
        s_fail(resp, 400, "bad-text", "说明含有无效字符",
               "The text holds characters that are not allowed");
        return;
    }
    char phone_norm[64] = "";
    if (ph && *ph) {
        bool digits = lpg_pii_normalise(LPG_PII_PHONE, ph, phone_norm,
                                        sizeof phone_norm) == LPG_OK;
        size_t n = strlen(phone_norm);
        for (size_t i = 0; digits && i < n; i++)
            digits = (phone_norm[i] >= '0' && phone_norm[i] <= '9') ||
                     (i == 0 && phone_norm[i] == '+');
        if (!digits || n < 5 || n > 20) {
            free(text);
            lpg_pii_wipe(phone, sizeof phone);
            lpg_pii_wipe(phone_norm, sizeof phone_norm);
            s_fail(resp, 400, "bad-phone", "电话号码格式不对",
                   "That is not a phone number");
            return;
        }
    }
    lpg_pii_wipe(phone, sizeof phone);
    if (!s_rate_ok(w, req->client_addr)) {
        free(text);
        lpg_pii_wipe(phone_norm, sizeof phone_norm);
        s_fail(resp, 429, "too-many", "举报过于频繁，请稍后再试",
               "Too many reports from this address: try again later");
        snprintf(resp->extra_headers, sizeof resp->extra_headers,
                 "Retry-After: 3600\r\n");
        return;
    }
    if (!w->key) {
        free(text);
        lpg_pii_wipe(phone_norm, sizeof phone_norm);
        s_fail(resp, 503, "unavailable", "暂时无法受理举报",
               "Reports cannot be taken now");
        return;
    }
    /* The event. */
    uint8_t id[LPG_EVENT_ID_LEN];
    lpg_event_new_id(id);
    Lpg__Tip tip = LPG__TIP__INIT;
    tip.category = (char *)cat;
    tip.code = c && *c ? (char *)c : NULL;
    tip.text = tx && *tx ? text : NULL;
    Lpg__Event ev = LPG__EVENT__INIT;
    ev.body_case = LPG__EVENT__BODY_TIP;
    ev.tip = &tip;
    lpg_code_t parsed;
    char grai[LPG_CODE_GRAI_MAX + 1] = "";
    if (tip.code) {
        /* the cylinder it names, if the code checks (with the
         * authority's key the daemon loaded at start) */
        const lpg_config_t *cfg = lpg_webd_config(w);
        if (w->authority &&
            lpg_code_verify(tip.code, strlen(tip.code),
                            lpg_config_get(cfg, "code.resolver"), w->authority,
                            &parsed) == LPG_OK) {
            snprintf(grai, sizeof grai, "%s", parsed.grai);
            ev.cylinder = grai;
            tip.has_code_verified = 1;
            tip.code_verified = 1;
        } else {
            tip.has_code_verified = 1;
            tip.code_verified = 0;
        }
    }
    uint8_t data_key[LPG_PII_KEY_LEN];
    uint8_t *sealed = NULL;
    size_t sealed_len = 0;
    int rc = LPG_OK;
    if (*phone_norm) {
        char pid[64];
        lpg_tip_pii_id(id, pid, sizeof pid);
        Lpg__PersonalData pd = LPG__PERSONAL_DATA__INIT;
        pd.name = "";
        pd.id_card = "";
        pd.phone = phone_norm;
        rc = lpg_random(data_key, sizeof data_key);
        if (rc == LPG_OK)
            rc = lpg_pii_seal(data_key, pid, &pd, &sealed, &sealed_len);
        lpg_pii_wipe(phone_norm, sizeof phone_norm);
        tip.has_phone_sealed = 1;
        tip.phone_sealed.data = sealed;
        tip.phone_sealed.len = sealed_len;
    }
    Lpg__Reply *reply = NULL;
    lpg_client_t *cl = rc == LPG_OK ? lpg_webd_client(w, "registry") : NULL;
    if (cl)
        rc = lpg_client_sign_submit(cl, w->key, &ev, sealed ? data_key : NULL,
                                    sealed ? sizeof data_key : 0, id, NULL,
                                    &reply);
    else if (rc == LPG_OK)
        rc = LPG_EUNAVAILABLE;
    lpg_pii_wipe(data_key, sizeof data_key);
    free(sealed);
    free(text);
    bool recorded =
        rc == LPG_OK && reply && reply->status == LPG__STATUS__STATUS_OK;
    if (!recorded)
        lpg_warn("tip not recorded: %s%s%s", lpg_strerror(rc),
                 reply && reply->message ? ": " : "",
                 reply && reply->message ? reply->message : "");
    if (reply)
        lpg__reply__free_unpacked(reply, NULL);
    if (!recorded) {
        s_fail(resp, 503, "unavailable", "暂时无法受理举报，请稍后再试",
               "The report could not be recorded: try again later");
        return;
    }
    /* Back to the page of the code the tip came with, when the code is
     * one of ours in form (forged or not: its page says which): the
     * path of its canonical text, never the text as sent. */
    char back[LPG_CODE_MAX_TEXT + 1] = "";
    lpg_code_t inform;
    memset(&inform, 0, sizeof inform);
    if (c && *c) {
        int prc = lpg_code_parse(
            c, strlen(c), lpg_config_get(lpg_webd_config(w), "code.resolver"),
            &inform);
        char canon[LPG_CODE_MAX_TEXT + 1];
        const char *path;
        if ((prc == LPG_OK || prc == LPG_ECODE_CASE) &&
            lpg_code_format(&inform, canon, sizeof canon) == LPG_OK &&
            (path = strstr(canon, "/8003/")) != NULL)
            snprintf(back, sizeof back, "%s", path);
    }
    char hex[2 * LPG_EVENT_ID_LEN + 1];
    lpg_hex(id, sizeof id, hex);
    char ref[64];
    snprintf(ref, sizeof ref, "受理编号 %.12s", hex);
    char ref_en[64];
    snprintf(ref_en, sizeof ref_en, "Reference %.12s", hex);
    lpg_webd_message_page_back(resp, 201, true, "举报已受理，谢谢！",
                               "Report received: thank you", ref, ref_en,
                               back[0] ? back : NULL);
}
