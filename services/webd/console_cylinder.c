/*  console_cylinder.c - the cylinder page: GET /console/cylinder?q=...
 *  (a code, a GRAI, a short id "0021-AB12CD[-R1]" or a steel-stamp
 *  serial), and ?format=csv for its timeline as CSV.
 *
 *  Read from the ledger of the home, read-only, in one read transaction.
 *  Scope: a company sees the cylinders it owns; a street office those
 *  whose place now is in its area (the area of the household holding
 *  it, else of the site it was last seen at: the area code users and
 *  sites carry in the registry); a regulator every one. Each timeline row
 *  is one ledger entry naming the cylinder, refused ones included: when
 *  (device time, in time.zone), the step and detail in the words of the
 *  kind's row (domain/kind.h), where (site), who (the signing device and
 *  the staff member), the household (a regulator: its id and masked name;
 *  a company: its own households' ids; a street office: only the area),
 *  and the outcome with each reason in Chinese and English from the one
 *  catalogue (domain/reasons.h). The "Now" line is the one projection's
 *  (domain/cylinder.h). No ✓ here: each row carries data-seq and an empty
 *  span.check that verify.js fills after checking the entry itself.
 */
#include "base/clock.h"
#include "base/csv.h"
#include "base/error.h"
#include "base/log.h"
#include "codes/code.h"
#include "console_int.h"
#include "domain/cylinder.h"
#include "domain/kind.h"
#include "domain/reasons.h"
#include "domain/state.h"
#include "domain/words.h"
#include "ledger/event.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_MATCHES_MAX 20 /* cylinders listed for one search */

/* ---- finding the cylinder ---- */

typedef struct {
    char serial[LPG_CODE_MAX_SERIAL + 1];
    char digits4[5]; /* short id: the last four of prefix + type; or "" */
    char found[S_MATCHES_MAX][LPG_CODE_GRAI_MAX + 1];
    size_t n;
} s_find_t;

static int
s_find_one(void *ctx, const void *key, size_t klen, const void *val,
           size_t vlen)
{
    s_find_t *f = ctx;
    const char *k = key;
    size_t sl = strlen(f->serial);
    if (klen != 14 + sl || memcmp(k + 14, f->serial, sl) != 0)
        return LPG_OK;
    if (*f->digits4 && memcmp(k + 9, f->digits4, 4) != 0)
        return LPG_OK;
    if (f->n < S_MATCHES_MAX) {
        memcpy(f->found[f->n], k, klen);
        f->found[f->n][klen] = '\0';
    }
    f->n++;
    return LPG_OK;
}

static bool
s_is_serial(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > LPG_CODE_MAX_SERIAL)
        return false;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s) && !isupper((unsigned char)*s))
            return false;
    return true;
}

/*  The cylinders q names: a code or GRAI names one (if on record); a
 *  short id or a serial may name several (serials are unique per
 *  company only). */
static void
s_find(lpg_txn_t *t, const char *q, s_find_t *f)
{
    memset(f, 0, sizeof *f);
    char grai[LPG_CODE_GRAI_MAX + 1] = "";
    lpg_code_t code;
    if (strncmp(q, "https://", 8) == 0 || strncmp(q, "HTTPS://", 8) == 0) {
        int rc = lpg_code_parse(q, strlen(q), NULL, &code);
        if (rc == LPG_OK || rc == LPG_ECODE_CASE)
            snprintf(grai, sizeof grai, "%s", code.grai);
    } else if (strlen(q) > 14 && strlen(q) < sizeof grai) {
        snprintf(grai, sizeof grai, "%s", q);
    }
    const void *v;
    size_t vlen;
    if (*grai && lpg_txn_get(t, LPG_TABLE_CYLINDERS, grai, strlen(grai), &v,
                             &vlen) == LPG_OK) {
        snprintf(f->found[0], sizeof f->found[0], "%s", grai);
        f->n = 1;
        return;
    }
    /* "0021-AB12CD-R1" or "0021-AB12CD": a short id; else a serial */
    char buf[64];
    snprintf(buf, sizeof buf, "%s", q);
    for (char *p = buf; *p; p++)
        *p = (char)toupper((unsigned char)*p);
    char *serial = buf;
    if (strlen(buf) > 5 && buf[4] == '-' && isdigit((unsigned char)buf[0]) &&
        isdigit((unsigned char)buf[1]) && isdigit((unsigned char)buf[2]) &&
        isdigit((unsigned char)buf[3])) {
        memcpy(f->digits4, buf, 4);
        serial = buf + 5;
        char *r = strstr(serial, "-R");
        if (r)
            *r = '\0';
    }
    if (!s_is_serial(serial))
        return;
    snprintf(f->serial, sizeof f->serial, "%s", serial);
    lpg_txn_foreach(t, LPG_TABLE_CYLINDERS, s_find_one, f);
}

/* ---- scope ---- */

/*  The area code of a user or a site ("" if none). */
static void
s_user_area(lpg_txn_t *t, const char *user, char *area, size_t areasz,
            char *company, size_t companysz, char *masked, size_t maskedsz)
{
    *area = '\0';
    if (company)
        *company = '\0';
    if (masked)
        *masked = '\0';
    Lpg__UserState *u = NULL;
    if (!user ||
        lpg_state_load(t, LPG_TABLE_USERS, user, &lpg__user_state__descriptor,
                       (ProtobufCMessage **)&u) != LPG_OK)
        return;
    snprintf(area, areasz, "%s", u->add->area ? u->add->area : "");
    if (company)
        snprintf(company, companysz, "%s", u->add->company);
    if (masked)
        snprintf(masked, maskedsz, "%s",
                 u->add->masked_name && !u->has_erased_seq
                     ? u->add->masked_name
                     : "");
    lpg_state_free(u);
}

static void
s_site(lpg_txn_t *t, const char *site, char *area, size_t areasz, char *name,
       size_t namesz)
{
    *area = '\0';
    if (name)
        *name = '\0';
    Lpg__SiteState *s = NULL;
    if (!site ||
        lpg_state_load(t, LPG_TABLE_SITES, site, &lpg__site_state__descriptor,
                       (ProtobufCMessage **)&s) != LPG_OK)
        return;
    snprintf(area, areasz, "%s", s->add->area ? s->add->area : "");
    if (name)
        snprintf(name, namesz, "%s", s->add->name);
    lpg_state_free(s);
}

/*  The area a cylinder is in now: its household's when a household holds
 *  it (delivered, or collected and not yet back), else the last site's. */
static void
s_cylinder_area(lpg_txn_t *t, const lpg_cylinder_now_t *now, char *area,
                size_t areasz)
{
    *area = '\0';
    bool at_user = now->custody == LPG__CUSTODY__CUSTODY_AT_USER ||
                   now->custody == LPG__CUSTODY__CUSTODY_COLLECTED;
    if (at_user && now->holder)
        s_user_area(t, now->holder, area, areasz, NULL, 0, NULL, 0);
    if (!*area && now->site)
        s_site(t, now->site, area, areasz, NULL, 0);
}

/*  May who see this household's id? A regulator; a company its own. */
static bool
s_may_name_user(const lpg_console_who_t *who, const char *user_company)
{
    return who->role == LPG_CONSOLE_REGULATOR ||
           (who->role == LPG_CONSOLE_COMPANY && user_company &&
            strcmp(user_company, who->company) == 0);
}

/* ---- the page ---- */

static void
s_local(const char *zone, uint64_t ms, char *out, size_t outsz)
{
    lpg_civil_t c;
    if (lpg_clock_local(zone, ms, &c) != LPG_OK ||
        lpg_civil_text(&c, ' ', false, out, outsz) != LPG_OK)
        snprintf(out, outsz, "?");
}

/*  One timeline row, as text cells (for HTML and CSV alike). */
typedef struct {
    uint64_t seq;
    char when[40], recorded[40];
    char step[64], step_zh[64], detail[512];
    char where[640];
    char device[640], staff[LPG_STRING_MAX + 1];
    char household[640];
    char user[LPG_STRING_MAX + 1]; /* the household's id, when who may */
    bool ok;
    char result_zh[512], result_en[1024];
} s_row_t;

/*  Replaces every occurrence of what in s (size sz) by with. */
static void
s_redact(char *s, size_t sz, const char *what, const char *with)
{
    if (!what || !*what)
        return;
    char out[512];
    size_t o = 0, wl = strlen(what);
    for (const char *p = s; *p && o + 1 < sizeof out;) {
        if (strncmp(p, what, wl) == 0) {
            int n = snprintf(out + o, sizeof out - o, "%s", with);
            o += n < 0 ? 0 : (size_t)n;
            if (o >= sizeof out)
                o = sizeof out - 1;
            p += wl;
        } else {
            out[o++] = *p++;
        }
    }
    out[o] = '\0';
    snprintf(s, sz, "%s", out);
}

static void
s_device_words(lpg_txn_t *t, const uint8_t *key_id, const uint8_t *authority,
               char *out, size_t outsz)
{
    if (authority && memcmp(key_id, authority, LPG_KEYID_LEN) == 0) {
        snprintf(out, outsz, "主管部门 authority");
        return;
    }
    Lpg__DeviceState *d = NULL;
    char hex[17];
    lpg_hex(key_id, 8, hex);
    if (lpg_state_device(t, key_id, &d) != LPG_OK) {
        snprintf(out, outsz, "device %s…", hex);
        return;
    }
    snprintf(out, outsz, "%s (%s)", d->name && *d->name ? d->name : hex,
             d->company);
    lpg__device_state__free_unpacked(d, NULL);
}

static bool
s_row(lpg_txn_t *t, const lpg_console_who_t *who, const char *zone,
      const uint8_t *authority_id, uint64_t seq, s_row_t *r)
{
    memset(r, 0, sizeof *r);
    r->seq = seq;
    const uint8_t *data;
    size_t len;
    if (lpg_txn_entry(t, seq, &data, &len) != LPG_OK)
        return false;
    Lpg__LedgerEntry *en = lpg__ledger_entry__unpack(NULL, len, data);
    lpg_event_t ev = {0};
    if (!en || lpg_event_decode(&ev, en->signed_event.data,
                                en->signed_event.len, NULL, 0) != LPG_OK) {
        if (en)
            lpg__ledger_entry__free_unpacked(en, NULL);
        snprintf(r->step, sizeof r->step, "?");
        snprintf(r->detail, sizeof r->detail, "entry does not decode");
        return true;
    }
    const Lpg__Event *e = ev.event;
    const Lpg__Outcome *o = en->outcome;
    r->ok = !o || o->status == LPG__STATUS__STATUS_OK;
    s_local(zone, e->device_time_ms, r->when, sizeof r->when);
    s_local(zone, en->recorded_at_ms, r->recorded, sizeof r->recorded);
    lpg_kind_words_t words;
    lpg_kind_describe(e, o, r->ok, &words);
    snprintf(r->step, sizeof r->step, "%s", words.step);
    snprintf(r->step_zh, sizeof r->step_zh, "%s", words.step_zh);
    snprintf(r->detail, sizeof r->detail, "%s", words.detail);
    if (e->site) {
        char area[64], name[LPG_STRING_MAX + 1];
        s_site(t, e->site, area, sizeof area, name, sizeof name);
        snprintf(r->where, sizeof r->where, "%s%s%s%s%s", e->site,
                 *name ? " " : "", name, *area ? " · 辖区 area " : "", area);
    }
    s_device_words(t, ev.signed_event->key_id.data, authority_id, r->device,
                   sizeof r->device);
    snprintf(r->staff, sizeof r->staff, "%s", e->actor ? e->actor : "");
    if (e->user) {
        char area[64], company[LPG_STRING_MAX + 1], masked[64];
        s_user_area(t, e->user, area, sizeof area, company, sizeof company,
                    masked, sizeof masked);
        if (s_may_name_user(who, company)) {
            snprintf(r->user, sizeof r->user, "%s", e->user);
            snprintf(r->household, sizeof r->household, "%s%s%s%s%s", e->user,
                     *masked ? " " : "", masked, *area ? " · 辖区 area " : "",
                     area);
        } else {
            snprintf(r->household, sizeof r->household,
                     "住户 household · 辖区 area %s", *area ? area : "-");
            s_redact(r->detail, sizeof r->detail, e->user, "a household");
        }
    }
    if (o) {
        size_t az = 0, ae = 0;
        const char *st = r->ok ? "已记录" : "拒绝";
        const char *st_en = r->ok ? "recorded" : "refused";
        int n = snprintf(r->result_zh, sizeof r->result_zh, "%s", st);
        az = n < 0 ? 0 : (size_t)n;
        n = snprintf(r->result_en, sizeof r->result_en, "%s", st_en);
        ae = n < 0 ? 0 : (size_t)n;
        if (!r->ok && o->token && o->n_reasons == 0) {
            const lpg_reason_t *cat = lpg_reason(o->token);
            n = snprintf(r->result_zh + az, sizeof r->result_zh - az, "：%s",
                         cat ? cat->zh : o->token);
            az += n < 0 ? 0 : (size_t)n;
            n = snprintf(r->result_en + ae, sizeof r->result_en - ae, ": %s",
                         cat ? cat->en : (o->message ? o->message : o->token));
            ae += n < 0 ? 0 : (size_t)n;
        }
        for (size_t k = 0; k < o->n_reasons; k++) {
            const Lpg__Reason *rs = o->reasons[k];
            const lpg_reason_t *cat = lpg_reason(rs->token);
            const char *rzh = cat ? cat->zh : rs->zh ? rs->zh : rs->token;
            const char *ren = cat ? cat->en : rs->en ? rs->en : rs->token;
            if (az < sizeof r->result_zh) {
                n = snprintf(r->result_zh + az, sizeof r->result_zh - az,
                             "%s%s（%s）", k ? "；" : "：", rzh, rs->token);
                az += n < 0 ? 0 : (size_t)n;
            }
            if (ae < sizeof r->result_en) {
                n = snprintf(r->result_en + ae, sizeof r->result_en - ae,
                             "%s%s", k ? "; " : ": ", ren);
                ae += n < 0 ? 0 : (size_t)n;
            }
        }
    }
    lpg_event_clear(&ev);
    lpg__ledger_entry__free_unpacked(en, NULL);
    return true;
}

typedef struct {
    uint64_t *seqs;
    size_t n, cap;
} s_seqs_t;

static int
s_collect(void *ctx, uint64_t seq)
{
    s_seqs_t *s = ctx;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        uint64_t *p = realloc(s->seqs, cap * sizeof *p);
        if (!p)
            return LPG_ENOMEM;
        s->seqs = p;
        s->cap = cap;
    }
    s->seqs[s->n++] = seq;
    return LPG_OK;
}

static void
s_search_form(lpg_webd_buf_t *b, const char *q)
{
    lpg_webd_puts(b, "<form method=\"get\" action=\"/console/cylinder\" "
                     "class=\"find\" role=\"search\"><label for=\"q\">"
                     "瓶码、GRAI、短号或钢印号 <span lang=\"en\">Code, GRAI, "
                     "short id or steel-stamp serial</span></label>"
                     "<input type=\"search\" id=\"q\" name=\"q\" "
                     "maxlength=\"200\" value=\"");
    lpg_webd_html(b, q ? q : "");
    lpg_webd_puts(b, "\"><button type=\"submit\">查找 <span lang=\"en\">Find"
                     "</span></button></form>\n");
}

static void
s_cell(lpg_webd_buf_t *b, const char *text)
{
    lpg_webd_puts(b, "<td>");
    lpg_webd_html(b, text);
    lpg_webd_puts(b, "</td>");
}

/*  The timeline as CSV (every cell through the one safe writer). */
static void
s_csv(lpg_webd_resp_t *resp, const char *grai, const s_row_t *rows, size_t n)
{
    char *p = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&p, &len);
    if (!f) {
        lpg_webd_problem(resp, 500, "internal", "Internal error", NULL);
        return;
    }
    static const char *const head[] = {
        "seq",   "time",   "recorded", "step",      "step_zh",   "detail",
        "where", "device", "staff",    "household", "result_zh", "result_en"};
    for (size_t i = 0; i < 12; i++)
        lpg_csv_write_cell(f, head[i], i == 11);
    for (size_t k = 0; k < n; k++) {
        const s_row_t *r = &rows[k];
        char seq[24];
        snprintf(seq, sizeof seq, "%llu", (unsigned long long)r->seq);
        const char *cells[] = {seq,          r->when,      r->recorded,
                               r->step,      r->step_zh,   r->detail,
                               r->where,     r->device,    r->staff,
                               r->household, r->result_zh, r->result_en};
        for (size_t i = 0; i < 12; i++)
            lpg_csv_write_cell(f, cells[i], i == 11);
    }
    if (fclose(f) != 0 || !p) {
        free(p);
        lpg_webd_problem(resp, 500, "internal", "Internal error", NULL);
        return;
    }
    resp->status = 200;
    resp->content_type = "text/csv; charset=utf-8";
    resp->body = p;
    resp->body_len = len;
    snprintf(resp->extra_headers, sizeof resp->extra_headers,
             "Content-Disposition: attachment; "
             "filename=\"cylinder-%s.csv\"\r\n",
             grai);
}

/* ---- revealing a household's personal data ----
 *
 *  A reveal is a PiiReveal entry signed by the authority key, recorded
 *  before the registry opens the sealed data, which it then sends only
 *  to the regulator's workstation (proto/protocol.proto GetUser).
 *  lpg-webd holds no authority key and is no such workstation, and a
 *  console account has a password, not a key: so the console does not
 *  reveal. It offers the regulator the form, takes the reason, and
 *  answers with the exact command to run on the regulator's
 *  workstation, which records the reveal and shows the data. Street
 *  offices and companies get neither the form nor an answer (403). */

/*  The households named on this timeline, the holder first. */
static size_t
s_households(const char *holder, const s_row_t *rows, size_t n,
             const char **out, size_t max)
{
    size_t k = 0;
    if (holder && *holder)
        out[k++] = holder;
    for (size_t i = n; i-- > 0 && k < max;) {
        if (!*rows[i].user)
            continue;
        bool seen = false;
        for (size_t j = 0; j < k && !seen; j++)
            seen = strcmp(out[j], rows[i].user) == 0;
        if (!seen)
            out[k++] = rows[i].user;
    }
    return k;
}

static void
s_reveal_form(lpg_webd_buf_t *b, const lpg_console_who_t *who,
              const char *grai, const char *holder, const s_row_t *rows,
              size_t n)
{
    const char *users[8];
    size_t k = s_households(holder, rows, n, users, 8);
    if (k == 0)
        return;
    lpg_webd_puts(b,
                  "<section class=\"reveal\" id=\"reveal\"><h2>实名信息 "
                  "<span lang=\"en\">Personal data</span></h2><p>"
                  "查看住户姓名、电话须说明理由，并先由主管部门密钥签名记入"
                  "账本。<span lang=\"en\">A household's name and phone are "
                  "shown only for a reason, signed by the authority key "
                  "and recorded in the ledger first.</span></p><form "
                  "method=\"post\" action=\"/console/reveal\" "
                  "class=\"reveal\"><input type=\"hidden\" name=\"csrf\" "
                  "value=\"");
    lpg_webd_html(b, who->csrf);
    lpg_webd_puts(b, "\"><input type=\"hidden\" name=\"q\" value=\"");
    lpg_webd_html(b, grai);
    lpg_webd_puts(b, "\"><label for=\"reveal-user\">住户 <span lang=\"en\">"
                     "Household</span></label><select id=\"reveal-user\" "
                     "name=\"user\">");
    for (size_t i = 0; i < k; i++) {
        lpg_webd_puts(b, "<option value=\"");
        lpg_webd_html(b, users[i]);
        lpg_webd_puts(b, "\">");
        lpg_webd_html(b, users[i]);
        if (holder && strcmp(users[i], holder) == 0)
            lpg_webd_puts(b, "（现持有 holder now）");
        lpg_webd_puts(b, "</option>");
    }
    lpg_webd_puts(b, "</select><label for=\"reveal-reason\">理由 <span "
                     "lang=\"en\">Reason</span></label><input "
                     "id=\"reveal-reason\" name=\"reason\" required "
                     "maxlength=\"200\"><button type=\"submit\">查看实名 "
                     "<span lang=\"en\">Reveal</span></button></form>"
                     "</section>\n");
}

/*  s in single quotes for a POSIX shell. */
static void
s_shell_quote(lpg_webd_buf_t *b, const char *s)
{
    lpg_webd_puts(b, "'");
    for (const char *p = s; *p; p++) {
        if (*p == '\'')
            lpg_webd_puts(b, "'\\''");
        else {
            char c[2] = {*p, '\0'};
            lpg_webd_html(b, c);
        }
    }
    lpg_webd_puts(b, "'");
}

/*  A reason: 1 to 200 bytes, no control characters. */
static bool
s_reason_ok(const char *r)
{
    size_t n = r ? strlen(r) : 0;
    if (n == 0 || n > 200)
        return false;
    for (const unsigned char *p = (const unsigned char *)r; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return false;
    return true;
}

void
lpg_console_reveal(lpg_webd_t *w, const lpg_webd_req_t *req,
                   lpg_webd_resp_t *resp, const lpg_console_who_t *who)
{
    if (who->role != LPG_CONSOLE_REGULATOR) {
        lpg_warn("console: '%s' (%s) may not reveal personal data",
                 who->account, lpg_console_role_en(who->role));
        lpg_console_forbidden(req, resp, who);
        return;
    }
    char user[LPG_STRING_MAX + 1], reason[256], q[LPG_CODE_MAX_TEXT + 1];
    const char *u = lpg_console_form(req, "user", user, sizeof user);
    const char *r = lpg_console_form(req, "reason", reason, sizeof reason);
    const char *qq = lpg_console_form(req, "q", q, sizeof q);
    while (r && *r == ' ')
        r++;
    bool known = false;
    lpg_ledger_t *l = lpg_webd_ledger(w);
    lpg_txn_t *t = NULL;
    if (u && *u && l && lpg_ledger_read(l, &t) == LPG_OK) {
        const void *v;
        size_t vlen;
        known =
            lpg_txn_get(t, LPG_TABLE_USERS, u, strlen(u), &v, &vlen) == LPG_OK;
        lpg_txn_abort(&t);
    }
    lpg_webd_buf_t b = {0};
    int status = 200;
    if (!known) {
        status = 404;
        lpg_webd_puts(&b,
                      "<p class=\"bad\">没有这个住户。<span lang=\"en\">No "
                      "such household.</span></p>");
    } else if (!s_reason_ok(r)) {
        status = 400;
        lpg_webd_puts(&b,
                      "<p class=\"bad\">请写明理由（1 至 200 字节，不含控制"
                      "字符）。<span lang=\"en\">Give a reason (1 to 200 "
                      "bytes, no control characters).</span></p>");
    } else {
        lpg_info("console: '%s' asked to reveal user %s (reason: %s): not "
                 "revealed here, sent to the command line",
                 who->account, u, r);
        lpg_webd_puts(&b,
                      "<div class=\"reveal-refused\" id=\"reveal-refused\">"
                      "<p class=\"bad\"><strong>控制台不能查看实名信息，"
                      "本次未查看、未记录。</strong><span lang=\"en\">"
                      "Personal data is not revealed from the console: "
                      "nothing was revealed or recorded.</span></p><p>"
                      "查看实名信息要先记录一条由主管部门密钥签名的查看记录"
                      "（PiiReveal，含理由），登记服务随后只把实名数据发给"
                      "监管部门的工作站。本服务（lpg-webd）不持有主管部门"
                      "密钥，控制台账户也只有密码、没有签名密钥。请在监管"
                      "部门的工作站上运行：<span lang=\"en\">A reveal is "
                      "first recorded as an entry signed by the authority "
                      "key (a PiiReveal, with its reason); the registry "
                      "then sends the data only to the regulator's "
                      "workstation. lpg-webd holds no authority key, and a "
                      "console account has a password, not a signing key. "
                      "On the regulator's workstation, run:</span></p>"
                      "<pre class=\"command\"><code>lpgtrace user show ");
        s_shell_quote(&b, u);
        lpg_webd_puts(&b, " --reveal --reason ");
        s_shell_quote(&b, r);
        lpg_webd_puts(&b,
                      "</code></pre><p>该记录之后出现在此住户的账本记录中。"
                      "<span lang=\"en\">The reveal then appears in the "
                      "ledger, with the account that signed it and its "
                      "reason.</span></p></div>");
    }
    if (qq && *qq) {
        lpg_webd_puts(&b, "<p><a href=\"/console/cylinder?q=");
        lpg_webd_html(&b, qq);
        lpg_webd_puts(&b, "\">← 返回气瓶 <span lang=\"en\">Back to the "
                          "cylinder</span></a></p>");
    }
    if (b.failed) {
        free(b.p);
        lpg_webd_problem(resp, 500, "internal", "Internal error", NULL);
        return;
    }
    lpg_console_send_page(resp, status, who, "实名信息", "Personal data", b.p,
                          NULL);
    free(b.p);
}

static void
s_page_cylinder(lpg_webd_t *w, const lpg_webd_req_t *req,
                lpg_webd_resp_t *resp, const lpg_console_who_t *who,
                lpg_txn_t *t, const char *q, const char *grai, bool csv)
{
    Lpg__CylinderState *cyl = NULL;
    if (lpg_state_load(t, LPG_TABLE_CYLINDERS, grai,
                       &lpg__cylinder_state__descriptor,
                       (ProtobufCMessage **)&cyl) != LPG_OK) {
        lpg_webd_problem(resp, 500, "internal", "Internal error", NULL);
        return;
    }
    lpg_cylinder_now_t now;
    lpg_cylinder_now(cyl, &now);
    char area[64];
    s_cylinder_area(t, &now, area, sizeof area);
    if (!lpg_console_may_see(who, t, cyl->reg->owner, area)) {
        lpg_warn("console: '%s' refused cylinder %s (owner %s, area %s)",
                 who->account, grai, cyl->reg->owner, *area ? area : "-");
        lpg_state_free(cyl);
        lpg_console_forbidden(req, resp, who);
        return;
    }
    const char *zone = lpg_config_get(lpg_webd_config(w), "time.zone");
    const lpg_key_t *auth = lpg_ledger_authority(lpg_webd_ledger(w));
    uint8_t auth_id[LPG_KEYID_LEN];
    bool have_auth = auth != NULL;
    if (auth)
        lpg_key_id(auth, auth_id);
    s_seqs_t seqs = {0};
    int rc = lpg_txn_seqs(t, LPG_TABLE_BY_CYLINDER, grai, strlen(grai),
                          s_collect, &seqs);
    s_row_t *rows =
        rc == LPG_OK && seqs.n ? calloc(seqs.n, sizeof *rows) : NULL;
    if (rc != LPG_OK || (seqs.n && !rows)) {
        free(seqs.seqs);
        lpg_state_free(cyl);
        lpg_webd_problem(resp, 500, "internal", "Internal error", NULL);
        return;
    }
    size_t nrows = 0;
    for (size_t i = 0; i < seqs.n; i++)
        if (s_row(t, who, zone, have_auth ? auth_id : NULL, seqs.seqs[i],
                  &rows[nrows]))
            nrows++;
    free(seqs.seqs);
    if (csv) {
        s_csv(resp, grai, rows, nrows);
        free(rows);
        lpg_state_free(cyl);
        return;
    }
    /* The Now line: a street office or another company's account sees
     * the household's area, not its id. */
    char holder_company[LPG_STRING_MAX + 1] = "", harea[64] = "";
    if (now.holder)
        s_user_area(t, now.holder, harea, sizeof harea, holder_company,
                    sizeof holder_company, NULL, 0);
    bool hide_holder = now.holder && !s_may_name_user(who, holder_company);
    if (hide_holder)
        now.holder = NULL;
    char now_en[512], now_zh[512];
    lpg_cylinder_now_words(&now, now_en, sizeof now_en, now_zh, sizeof now_zh);
    lpg_webd_buf_t b = {0};
    s_search_form(&b, q);
    const Lpg__CylinderRegister *reg = cyl->reg;
    lpg_webd_puts(&b, "<p class=\"now\" id=\"now\"><strong>现在 <span "
                      "lang=\"en\">Now</span>：</strong>");
    lpg_webd_html(&b, now_zh);
    if (hide_holder) {
        lpg_webd_puts(&b, "（辖区 ");
        lpg_webd_html(&b, *harea ? harea : "-");
        lpg_webd_puts(&b, "）");
    }
    lpg_webd_puts(&b, " <span lang=\"en\">");
    lpg_webd_html(&b, now_en);
    if (hide_holder) {
        lpg_webd_puts(&b, " (area ");
        lpg_webd_html(&b, *harea ? harea : "-");
        lpg_webd_puts(&b, ")");
    }
    lpg_webd_puts(&b, "</span></p>\n<dl class=\"facts\">");
    const char *code = lpg_cylinder_code(cyl);
    lpg_code_t parsed;
    char short_id[LPG_CODE_SHORT_ID_MAX + 1] = "";
    if (code && lpg_code_parse(code, strlen(code), NULL, &parsed) == LPG_OK)
        lpg_code_short_id(&parsed, short_id);
    struct {
        const char *zh, *en, *v;
    } facts[] = {
        {"GRAI", "", cyl->grai},
        {"短号", "short id", short_id},
        {"钢印号", "serial", reg->serial},
        {"产权单位", "owner", reg->owner},
        {"规格", "spec", reg->spec ? reg->spec : ""},
        {"辖区", "area now", area},
    };
    for (size_t i = 0; i < sizeof facts / sizeof *facts; i++) {
        lpg_webd_printf(&b, "<dt>%s <span lang=\"en\">%s</span></dt><dd>",
                        facts[i].zh, facts[i].en);
        lpg_webd_html(&b, facts[i].v && *facts[i].v ? facts[i].v : "-");
        lpg_webd_puts(&b, "</dd>");
    }
    lpg_webd_printf(&b,
                    "<dt>下次检验 <span lang=\"en\">next inspection</span>"
                    "</dt><dd>%04u-%02u-%02u</dd></dl>\n",
                    cyl->next_inspection_ymd / 10000,
                    cyl->next_inspection_ymd / 100 % 100,
                    cyl->next_inspection_ymd % 100);
    if (who->role == LPG_CONSOLE_REGULATOR)
        s_reveal_form(&b, who, cyl->grai, now.holder, rows, nrows);
    lpg_webd_printf(&b,
                    "<h2>记录 <span lang=\"en\">Timeline</span> (%zu)</h2>"
                    "<a class=\"csv\" href=\"/console/cylinder?q=",
                    nrows);
    lpg_webd_html(&b, cyl->grai);
    lpg_webd_puts(
        &b, "&amp;format=csv\" download>下载 CSV <span lang=\"en\">Download "
            "CSV</span></a>\n<div class=\"table-wrap\"><table "
            "id=\"timeline\"><thead><tr><th>#</th><th>时间 <span "
            "lang=\"en\">When</span></th><th>步骤 <span "
            "lang=\"en\">Step</span></th><th>地点 <span "
            "lang=\"en\">Where</span></th><th>设备 / 人员 <span "
            "lang=\"en\">Who</span></th><th>住户 <span "
            "lang=\"en\">Household</span></th><th>结果 <span "
            "lang=\"en\">Outcome</span></th><th>校验 <span "
            "lang=\"en\">Check</span></th></tr></thead><tbody>\n");
    for (size_t k = 0; k < nrows; k++) {
        const s_row_t *r = &rows[k];
        lpg_webd_printf(&b, "<tr data-seq=\"%llu\" class=\"%s\"><td>%llu</td>",
                        (unsigned long long)r->seq,
                        r->ok ? "recorded" : "refused",
                        (unsigned long long)r->seq);
        s_cell(&b, r->when);
        /* "中文 / English" */
        lpg_webd_puts(&b, "<td><span class=\"step\">");
        if (*r->step_zh) {
            lpg_webd_html(&b, r->step_zh);
            lpg_webd_puts(&b, " / ");
        }
        lpg_webd_puts(&b, "<span lang=\"en\">");
        lpg_webd_html(&b, r->step);
        lpg_webd_puts(&b, "</span></span><br><small>");
        lpg_webd_html(&b, r->detail);
        lpg_webd_puts(&b, "</small></td>");
        s_cell(&b, r->where);
        lpg_webd_puts(&b, "<td>");
        lpg_webd_html(&b, r->device);
        if (*r->staff) {
            lpg_webd_puts(&b, "<br>");
            lpg_webd_html(&b, r->staff);
        }
        lpg_webd_puts(&b, "</td>");
        s_cell(&b, r->household);
        lpg_webd_printf(&b, "<td class=\"%s\">", r->ok ? "good" : "bad");
        lpg_webd_html(&b, r->result_zh);
        lpg_webd_puts(&b, "<br><span lang=\"en\">");
        lpg_webd_html(&b, r->result_en);
        lpg_webd_printf(&b,
                        "</span></td><td><span class=\"check\" "
                        "data-seq=\"%llu\"></span></td></tr>\n",
                        (unsigned long long)r->seq);
    }
    lpg_webd_puts(&b, "</tbody></table></div>\n");
    free(rows);
    lpg_state_free(cyl);
    if (b.failed) {
        free(b.p);
        lpg_webd_problem(resp, 500, "internal", "Internal error", NULL);
        return;
    }
    static const char *const scripts[] = {"verify.js", "scan.js", NULL};
    lpg_console_send_page(resp, 200, who, "气瓶", "Cylinder", b.p, scripts);
    free(b.p);
}

void
lpg_console_cylinder(lpg_webd_t *w, const lpg_webd_req_t *req,
                     lpg_webd_resp_t *resp, const lpg_console_who_t *who)
{
    char q[LPG_CODE_MAX_TEXT + 1], fmt[16];
    const char *qq = lpg_webd_query_param(req->query, "q", q, sizeof q);
    bool csv = lpg_webd_query_param(req->query, "format", fmt, sizeof fmt) &&
               strcmp(fmt, "csv") == 0;
    while (qq && *qq == ' ')
        qq++;
    lpg_webd_buf_t b = {0};
    static const char *const scan[] = {"scan.js", NULL};
    if (!qq || !*qq) {
        s_search_form(&b, "");
        lpg_console_send_page(resp, 200, who, "气瓶", "Cylinder",
                              b.p ? b.p : "", scan);
        free(b.p);
        return;
    }
    lpg_ledger_t *l = lpg_webd_ledger(w);
    lpg_txn_t *t = NULL;
    if (!l || lpg_ledger_read(l, &t) != LPG_OK) {
        lpg_webd_problem(resp, 503, "no-ledger", "No ledger here",
                         "This lpg-webd has no ledger to read.");
        return;
    }
    s_find_t f;
    s_find(t, qq, &f);
    if (f.n == 1) {
        s_page_cylinder(w, req, resp, who, t, qq, f.found[0], csv);
        lpg_txn_abort(&t);
        return;
    }
    s_search_form(&b, qq);
    if (f.n == 0) {
        lpg_webd_puts(&b, "<p class=\"bad\">没有找到这个气瓶。<span "
                          "lang=\"en\">No cylinder found.</span></p>");
    } else {
        lpg_webd_printf(&b,
                        "<p>%zu 个气瓶符合 <span lang=\"en\">cylinders "
                        "match</span>:</p><ul>",
                        f.n);
        for (size_t i = 0; i < f.n && i < S_MATCHES_MAX; i++) {
            lpg_webd_puts(&b, "<li><a href=\"/console/cylinder?q=");
            lpg_webd_html(&b, f.found[i]);
            lpg_webd_puts(&b, "\">");
            lpg_webd_html(&b, f.found[i]);
            lpg_webd_puts(&b, "</a></li>");
        }
        lpg_webd_puts(&b, "</ul>");
    }
    lpg_txn_abort(&t);
    lpg_console_send_page(resp, f.n == 0 ? 404 : 200, who, "气瓶", "Cylinder",
                          b.p ? b.p : "", scan);
    free(b.p);
}
