/*  rules.c - see rules.h. Each judgement adds reasons to a verdict in
 *  catalogue order; the verdict is sorted (stably) at the end anyway, so a
 *  reader may rely on the order whatever the order of the checks here.
 *  Dates are YYYYMMDD / YYYYMM integers, which compare as dates.
 */
#include "domain/fill_rules.h"
#include "domain/words.h"
#include "domain/cylinder.h"
#include "base/error.h"
#include "base/clock.h"
#include "domain/kind.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_EARTH_RADIUS_KM 6371.0088
#define S_PI 3.14159265358979323846
#define S_LIMIT_MAX 10000000
/*  Details are formatted here first, strings from events included (at
 *  most LPG_STRING_MAX bytes each), then cut to LPG_VERDICT_DETAIL_MAX on
 *  a character boundary by s_add. */
#define S_DETAIL_BUF (2 * LPG_STRING_MAX + 128)

/* ---------------------------------------------------------------------
 * Verdicts
 */

static void
s_verdict_init(lpg_verdict_t *v)
{
    v->allow = true;
    v->truncated = false;
    v->n = 0;
}

/*  Copies src into dst (dstsz bytes with the NUL), cutting at a UTF-8
 *  character boundary if it does not fit. */
static void
s_copy_utf8(char *dst, size_t dstsz, const char *src)
{
    size_t len = strlen(src);
    if (len >= dstsz) {
        len = dstsz - 1;
        while (len > 0 && ((unsigned char)src[len] & 0xC0) == 0x80)
            len--;
    }
    memcpy(dst, src, len);
    dst[len] = '\0';
}

static void
s_text(char *dst, size_t dstsz, const char *base, const char *sep,
       const char *detail)
{
    char buf[LPG_VERDICT_TEXT_MAX * 2];
    if (*detail)
        snprintf(buf, sizeof buf, "%s%s%s", base, sep, detail);
    else
        snprintf(buf, sizeof buf, "%s", base);
    s_copy_utf8(dst, dstsz, buf);
}

/*  Adds reason id with a detail in English (en, may be NULL) and Chinese
 *  (zh; NULL takes en). The same reason with the same detail is added
 *  once. */
static void
s_add(lpg_verdict_t *v, lpg_reason_id_t id, const char *en, const char *zh)
{
    const lpg_reason_t *r = lpg_reason_by_id(id);
    char detail[LPG_VERDICT_DETAIL_MAX + 1];
    s_copy_utf8(detail, sizeof detail, en ? en : "");
    if (r->kind == LPG_REASON_REFUSAL)
        v->allow = false;
    for (size_t i = 0; i < v->n; i++)
        if (v->reasons[i].id == id &&
            strcmp(v->reasons[i].detail, detail) == 0)
            return;
    if (v->n == LPG_VERDICT_MAX) {
        v->truncated = true;
        return;
    }
    lpg_verdict_reason_t *out = &v->reasons[v->n++];
    out->id = id;
    out->token = r->token;
    out->kind = r->kind;
    out->overridable = r->overridable;
    memcpy(out->detail, detail, sizeof detail);
    char zhd[LPG_VERDICT_DETAIL_MAX + 1];
    s_copy_utf8(zhd, sizeof zhd, zh ? zh : detail);
    s_text(out->zh, sizeof out->zh, r->zh, "：", zhd);
    s_text(out->en, sizeof out->en, r->en, ": ", detail);
}

/*  Stable insertion sort by catalogue id. */
static void
s_sort(lpg_verdict_t *v)
{
    for (size_t i = 1; i < v->n; i++) {
        lpg_verdict_reason_t tmp = v->reasons[i];
        size_t j = i;
        while (j > 0 && v->reasons[j - 1].id > tmp.id) {
            v->reasons[j] = v->reasons[j - 1];
            j--;
        }
        v->reasons[j] = tmp;
    }
}

void
lpg_verdict_add(lpg_verdict_t *v, lpg_reason_id_t id, const char *en,
                const char *zh)
{
    s_add(v, id, en, zh);
}

void
lpg_verdict_sort(lpg_verdict_t *v)
{
    s_sort(v);
}

int
lpg_verdict_reasons(const lpg_verdict_t *v, Lpg__Outcome *o)
{
    if (v->n == 0)
        return LPG_OK;
    o->reasons = calloc(v->n, sizeof *o->reasons);
    if (!o->reasons)
        return LPG_ENOMEM;
    for (size_t i = 0; i < v->n; i++) {
        Lpg__Reason *r = calloc(1, sizeof *r);
        if (!r)
            return LPG_ENOMEM;
        lpg__reason__init(r);
        o->reasons[o->n_reasons++] = r;
        r->token = strdup(v->reasons[i].token);
        r->zh = strdup(v->reasons[i].zh);
        r->en = strdup(v->reasons[i].en);
        if (!r->token || !r->zh || !r->en)
            return LPG_ENOMEM;
    }
    return LPG_OK;
}

int
lpg_verdict_find(const lpg_verdict_t *v, const char *token)
{
    for (size_t i = 0; i < v->n; i++)
        if (strcmp(v->reasons[i].token, token) == 0)
            return (int)i;
    return -1;
}

int
lpg_verdict_tokens(const lpg_verdict_t *v, char *out, size_t outsz)
{
    assert(outsz > 0);
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < v->n; i++) {
        int n = snprintf(out + used, outsz - used, "%s%s", i ? " " : "",
                         v->reasons[i].token);
        if (n < 0 || (size_t)n >= outsz - used)
            return LPG_ERANGE;
        used += (size_t)n;
    }
    return LPG_OK;
}

/* ---------------------------------------------------------------------
 * Small helpers
 */

static bool
s_streq(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

static bool
s_blank(const char *s)
{
    if (!s)
        return true;
    for (; *s; s++)
        if (*s != ' ' && *s != '\t')
            return false;
    return true;
}

/*  What is wrong with the device that signed a station's event, or NULL
 *  if it is an unrevoked scanner or scale enrolled at site_id (and, when
 *  company is known, of that company). */
static const char *
s_device_problem(const Lpg__DeviceState *d, const char *site_id,
                 const char *company, const char **zh)
{
    if (!d) {
        *zh = "设备未登记";
        return "device not enrolled";
    }
    if (d->has_revoked_seq) {
        *zh = "设备已吊销";
        return "device revoked";
    }
    if (!s_streq(d->site, site_id) ||
        (company && !s_streq(d->company, company))) {
        *zh = "设备登记在别处";
        return "device enrolled elsewhere";
    }
    if (d->role != LPG__ROLE__ROLE_FILLING_SCANNER &&
        d->role != LPG__ROLE__ROLE_SCALE) {
        *zh = "设备不是充装扫码枪或秤";
        return "device is not a filling scanner or scale";
    }
    return NULL;
}

static void
s_check_device(lpg_verdict_t *v, const Lpg__DeviceState *d,
               const char *site_id, const char *company)
{
    const char *zh = NULL;
    const char *en = s_device_problem(d, site_id, company, &zh);
    if (en)
        s_add(v, LPG_REASON_DEVICE_NOT_HERE, en, zh);
}

static bool
s_is_station(const Lpg__SiteState *site, const char *site_id)
{
    return site && site->add && site_id && *site_id &&
           site->add->kind == LPG__SITE_KIND__SITE_FILLING_STATION;
}

/* ---------------------------------------------------------------------
 * Fill check
 */

void
lpg_rules_code_revision(lpg_verdict_t *v, const lpg_code_t *code,
                        const Lpg__CylinderState *cyl)
{
    uint32_t current = lpg_cylinder_code_revision(cyl);
    char en[S_DETAIL_BUF], zh[S_DETAIL_BUF];
    if (code->revision < current) {
        snprintf(en, sizeof en, "label revision %u, current %u",
                 (unsigned)code->revision, (unsigned)current);
        snprintf(zh, sizeof zh, "标签版本 %u，现行版本 %u",
                 (unsigned)code->revision, (unsigned)current);
        s_add(v, LPG_REASON_CODE_SUPERSEDED, en, zh);
    } else if (code->revision > current) {
        snprintf(en, sizeof en, "label revision %u, registered %u",
                 (unsigned)code->revision, (unsigned)current);
        snprintf(zh, sizeof zh, "标签版本 %u，登记版本 %u",
                 (unsigned)code->revision, (unsigned)current);
        s_add(v, LPG_REASON_CODE_UNREGISTERED, en, zh);
    }
}

static void
s_check_code(lpg_verdict_t *v, const lpg_fill_input_t *in,
             const Lpg__CylinderState *cyl)
{
    if (lpg_cylinder_scrapped(cyl))
        s_add(v, LPG_REASON_CODE_REVOKED, "cylinder scrapped", "气瓶已报废");
    lpg_rules_code_revision(v, in->code, cyl);
}

bool
lpg_rules_code(lpg_verdict_t *v, int code_rc, const lpg_code_t *code,
               const Lpg__CylinderState *cyl)
{
    if (code_rc == LPG_ECODE_CASE) {
        s_add(v, LPG_REASON_CODE_CAPSLOCK, NULL, NULL);
    } else if (code_rc != LPG_OK) {
        /* what exactly failed, for the record (words in English only) */
        s_add(v, LPG_REASON_CODE_FORGED, lpg_strerror(code_rc), "");
        return false;
    }
    assert(code);
    if (cyl && cyl->reg) {
        lpg_fill_input_t in = {.code_rc = code_rc, .code = code};
        s_check_code(v, &in, cyl);
    }
    return true; /* the corrected text of a Caps Lock swap verified too */
}

static void
s_check_cylinder(lpg_verdict_t *v, const lpg_fill_input_t *in,
                 const Lpg__CylinderState *cyl, const char *company)
{
    const Lpg__CylinderRegister *reg = cyl->reg;
    char en[S_DETAIL_BUF], zh[S_DETAIL_BUF];

    /* fixed filling: owner company, and the one station if named */
    if (company && !s_streq(reg->owner, company)) {
        snprintf(en, sizeof en, "owner %s", reg->owner);
        snprintf(zh, sizeof zh, "产权单位 %s", reg->owner);
        s_add(v, LPG_REASON_NOT_OWNER, en, zh);
    } else if (reg->fill_site && *reg->fill_site &&
               !s_streq(reg->fill_site, in->site_id)) {
        snprintf(en, sizeof en, "filled only at %s", reg->fill_site);
        snprintf(zh, sizeof zh, "固定充装站 %s", reg->fill_site);
        s_add(v, LPG_REASON_NOT_OWNER, en, zh);
    }

    lpg_rules_cylinder(v, cyl, in->today_ymd);
}

void
lpg_rules_cylinder(lpg_verdict_t *v, const Lpg__CylinderState *cyl,
                   uint32_t today)
{
    const Lpg__CylinderRegister *reg = cyl->reg;
    char en[S_DETAIL_BUF], zh[S_DETAIL_BUF];

    if (lpg_cylinder_scrapped(cyl))
        s_add(v, LPG_REASON_SCRAPPED, NULL, NULL);
    if (cyl->has_status &&
        cyl->status == LPG__CYLINDER_STATUS__CYL_QUARANTINED)
        s_add(v, LPG_REASON_QUARANTINED, NULL, NULL);

    /* inspection: due on next_inspection_ymd, overdue from the day after;
     * no date on record counts as overdue */
    uint32_t next = cyl->has_next_inspection_ymd   ? cyl->next_inspection_ymd
                    : reg->has_next_inspection_ymd ? reg->next_inspection_ymd
                                                   : 0;
    if (next == 0) {
        s_add(v, LPG_REASON_INSPECTION_OVERDUE, "no due date on record",
              "无检验日期");
    } else if (next < today) {
        snprintf(en, sizeof en, "was due %08u", (unsigned)next);
        snprintf(zh, sizeof zh, "应于 %08u 检验", (unsigned)next);
        s_add(v, LPG_REASON_INSPECTION_OVERDUE, en, zh);
    }

    /* design life: made_ym + design_life_y years is the last month of
     * service; from the next month on it is exceeded. Without both facts
     * there is nothing to judge (the registry should require them). */
    if (reg->has_made_ym && reg->made_ym > 0 && reg->has_design_life_y &&
        reg->design_life_y > 0) {
        uint64_t end =
            (uint64_t)reg->made_ym + (uint64_t)reg->design_life_y * 100;
        if ((uint64_t)(today / 100) > end) {
            snprintf(en, sizeof en, "made %06u, %u years: until %06llu",
                     (unsigned)reg->made_ym, (unsigned)reg->design_life_y,
                     (unsigned long long)end);
            snprintf(zh, sizeof zh, "制造 %06u，设计年限 %u 年，至 %06llu",
                     (unsigned)reg->made_ym, (unsigned)reg->design_life_y,
                     (unsigned long long)end);
            s_add(v, LPG_REASON_DESIGN_LIFE_EXCEEDED, en, zh);
        }
    }

    /* insurance: valid through insurance_until_ymd */
    uint32_t until = cyl->has_insurance_until_ymd   ? cyl->insurance_until_ymd
                     : reg->has_insurance_until_ymd ? reg->insurance_until_ymd
                                                    : 0;
    if (until == 0) {
        s_add(v, LPG_REASON_UNINSURED, "no insurance on record", "无保险记录");
    } else if (until < today) {
        snprintf(en, sizeof en, "expired after %08u", (unsigned)until);
        snprintf(zh, sizeof zh, "保险至 %08u", (unsigned)until);
        s_add(v, LPG_REASON_UNINSURED, en, zh);
    }
}

static void
s_check_staff(lpg_verdict_t *v, const lpg_fill_input_t *in,
              const char *company)
{
    const Lpg__StaffState *st = in->staff;
    char en[S_DETAIL_BUF], zh[S_DETAIL_BUF];
    if (!st || !st->add) {
        s_add(v, LPG_REASON_OPERATOR_UNKNOWN, "no such staff", "无此人员");
        return;
    }
    const Lpg__StaffAdd *a = st->add;
    if (!s_streq(a->site, in->site_id) ||
        (company && !s_streq(a->company, company)))
        s_add(v, LPG_REASON_OPERATOR_UNKNOWN, "staff of another site",
              "非本站人员");
    else if (a->role != LPG__STAFF_ROLE__STAFF_FILLING_OPERATOR &&
             a->role != LPG__STAFF_ROLE__STAFF_SUPERVISOR)
        s_add(v, LPG_REASON_OPERATOR_UNKNOWN, "not a filling operator",
              "不是充装工");
    if (a->cert_until_ymd < in->today_ymd) {
        snprintf(en, sizeof en, "expired after %08u",
                 (unsigned)a->cert_until_ymd);
        snprintf(zh, sizeof zh, "有效期至 %08u", (unsigned)a->cert_until_ymd);
        s_add(v, LPG_REASON_OPERATOR_CERT_EXPIRED, en, zh);
    }
}

static void
s_check_weight_and_custody(lpg_verdict_t *v, const lpg_fill_input_t *in,
                           const Lpg__CylinderState *cyl)
{
    char en[S_DETAIL_BUF], zh[S_DETAIL_BUF];
    uint32_t tare = cyl->reg->tare_g;
    uint32_t empty = in->check->empty_g;
    /* the tare window of lpg_rules_limits_t, both ends in */
    uint64_t least = tare > in->limits.tare_below_g
                         ? (uint64_t)tare - in->limits.tare_below_g
                         : 0;
    uint64_t most = (uint64_t)tare + in->limits.tare_tolerance_g;
    if (tare == 0) {
        s_add(v, LPG_REASON_TARE_UNKNOWN, NULL, NULL);
    } else if ((uint64_t)empty < least || (uint64_t)empty > most) {
        snprintf(en, sizeof en, "scale %u g, tare %u g, %llu..%llu g",
                 (unsigned)empty, (unsigned)tare, (unsigned long long)least,
                 (unsigned long long)most);
        snprintf(zh, sizeof zh, "称重 %u 克，皮重 %u 克，应在 %llu..%llu 克",
                 (unsigned)empty, (unsigned)tare, (unsigned long long)least,
                 (unsigned long long)most);
        s_add(v, LPG_REASON_TARE_MISMATCH, en, zh);
    }

    if (cyl->has_custody &&
        cyl->custody != LPG__CUSTODY__CUSTODY_EMPTY_AT_STATION) {
        const char *czh = NULL;
        const char *cen = lpg_custody_words(cyl->custody, &czh);
        s_add(v, LPG_REASON_NOT_EMPTY_AT_STATION, cen, czh);
    }

    /* impossible travel: only between two different sites that both have
     * coordinates; a device time before the last event's counts as no
     * time elapsed, one after the service clock as the service clock */
    const Lpg__SiteState *a = in->last_site;
    const Lpg__SiteState *b = in->site;
    if (!in->last_site_id || !*in->last_site_id || !in->site_id ||
        s_streq(in->last_site_id, in->site_id) || !a || !a->add || !b ||
        !b->add)
        return;
    if (!a->add->has_lat_e6 || !a->add->has_lon_e6 || !b->add->has_lat_e6 ||
        !b->add->has_lon_e6)
        return;
    double km = lpg_rules_distance_km(a->add->lat_e6, a->add->lon_e6,
                                      b->add->lat_e6, b->add->lon_e6);
    uint64_t t = lpg_clock_bounded(in->time_ms, in->now_ms);
    uint64_t ms = t > in->last_time_ms ? t - in->last_time_ms : 0;
    double hours = (double)ms / 3600000.0;
    double reach = (double)in->limits.travel_speed_kmh * hours +
                   LPG_RULES_TRAVEL_SLACK_KM;
    if (km > reach) {
        snprintf(en, sizeof en, "at %s, %.0f km away, %.0f min before",
                 in->last_site_id, km, hours * 60.0);
        snprintf(zh, sizeof zh, "%.0f 分钟前在 %s，相距 %.0f 公里",
                 hours * 60.0, in->last_site_id, km);
        s_add(v, LPG_REASON_IMPOSSIBLE_TRAVEL, en, zh);
    }
}

static const struct {
    const char *item;
    const char *zh;
} s_items[] = {
    {"corrosion", "腐蚀"},         {"dents", "凹陷或变形"},
    {"fire", "火烧或受热"},        {"valve", "瓶阀"},
    {"parts", "附件缺失或不合规"},
};

#define S_NITEMS (sizeof s_items / sizeof s_items[0])

static void
s_check_visual(lpg_verdict_t *v, const Lpg__FillCheck *fc)
{
    char zh[S_DETAIL_BUF];
    for (size_t i = 0; i < S_NITEMS; i++) {
        bool seen = false;
        for (size_t j = 0; j < fc->n_checks && !seen; j++)
            seen =
                fc->checks[j] && s_streq(fc->checks[j]->item, s_items[i].item);
        if (!seen) {
            snprintf(zh, sizeof zh, "%s（%s）", s_items[i].zh,
                     s_items[i].item);
            s_add(v, LPG_REASON_VISUAL_MISSING, s_items[i].item, zh);
        }
    }
    for (size_t j = 0; j < fc->n_checks; j++) {
        const Lpg__CheckItem *c = fc->checks[j];
        if (!c || c->ok)
            continue;
        const char *item = c->item ? c->item : "";
        const char *name = NULL;
        for (size_t i = 0; i < S_NITEMS && !name; i++)
            if (strcmp(item, s_items[i].item) == 0)
                name = s_items[i].zh;
        if (name) {
            snprintf(zh, sizeof zh, "%s（%s）", name, item);
            s_add(v, LPG_REASON_VISUAL_FAILED, item, zh);
        } else {
            s_add(v, LPG_REASON_VISUAL_FAILED, item, NULL);
        }
    }
}

int
lpg_rules_fill_check(const lpg_fill_input_t *in, lpg_verdict_t *out)
{
    assert(in && out && in->check);
    s_verdict_init(out);
    int rc = LPG_OK;

    bool code_ok = in->code_rc == LPG_OK || in->code_rc == LPG_ECODE_CASE;
    const Lpg__CylinderState *cyl = code_ok ? in->cyl : NULL;
    if (cyl && (!cyl->reg || !s_streq(cyl->grai, in->code->grai))) {
        rc = LPG_EINVAL; /* the caller looked up another cylinder */
        cyl = NULL;
    }
    lpg_rules_code(out, in->code_rc, in->code, cyl);
    if (code_ok && !cyl)
        s_add(out, LPG_REASON_CYL_UNKNOWN, in->code->grai, NULL);

    const char *company = NULL;
    if (s_is_station(in->site, in->site_id))
        company = in->site->add->company;
    else
        s_add(out, LPG_REASON_SITE_NOT_STATION, in->site_id, NULL);

    if (cyl)
        s_check_cylinder(out, in, cyl, company);
    s_check_staff(out, in, company);
    s_check_device(out, in->device, in->site_id, company);
    if (cyl)
        s_check_weight_and_custody(out, in, cyl);
    s_check_visual(out, in->check);

    if (in->today_ymd < 19000101) {
        rc = LPG_EINVAL; /* the caller could not tell the date */
        out->allow = false;
    }
    s_sort(out);
    return rc;
}

/* ---------------------------------------------------------------------
 * Fill record
 */

/*  The detail of a permission another service recorded. */
static void
s_not_filling(char en[S_DETAIL_BUF], char zh[S_DETAIL_BUF],
              const char *service)
{
    snprintf(en, S_DETAIL_BUF, "recorded by %s, not by the filling service",
             service ? service : "no service");
    snprintf(zh, S_DETAIL_BUF, "由 %s 记录，并非充装服务",
             service ? service : "未知服务");
}

static void
s_record_permit(lpg_verdict_t *v, const lpg_fill_record_input_t *in)
{
    const Lpg__Event *rec = in->record;
    const Lpg__Event *named = in->named;
    const Lpg__CylinderState *cyl = in->cyl;
    bool ok = in->named_outcome &&
              in->named_outcome->status == LPG__STATUS__STATUS_OK;
    const char *scale = NULL;
    uint64_t check_seq = 0;

    if (!named) {
        s_add(v, LPG_REASON_FILL_NO_ALLOW, "no event with that id",
              "无此事件");
        return;
    }
    /* Only the filling service records permissions to fill. */
    char en[S_DETAIL_BUF], zh[S_DETAIL_BUF];
    if (!lpg_kind_recorded_by_owner(in->named_service, named->body_case)) {
        s_not_filling(en, zh, in->named_service);
        s_add(v, LPG_REASON_FILL_NO_ALLOW, en, zh);
        return;
    }
    if (named->body_case == LPG__EVENT__BODY_FILL_CHECK) {
        if (!ok) {
            s_add(v, LPG_REASON_FILL_NO_ALLOW, "that fill check was refused",
                  "该次检查被拒绝");
            return;
        }
        scale = named->fill_check->scale;
        check_seq = in->named_seq;
    } else if (named->body_case == LPG__EVENT__BODY_FILL_OVERRIDE) {
        const Lpg__Event *oc = in->override_check;
        if (!ok) {
            s_add(v, LPG_REASON_FILL_NO_ALLOW, "that override was refused",
                  "该次放行被拒绝");
            return;
        }
        if (!oc || oc->body_case != LPG__EVENT__BODY_FILL_CHECK) {
            s_add(v, LPG_REASON_FILL_NO_ALLOW,
                  "the override's fill check is not found",
                  "找不到放行对应的检查");
            return;
        }
        if (!lpg_kind_recorded_by_owner(in->override_check_service,
                                        oc->body_case)) {
            s_not_filling(en, zh, in->override_check_service);
            s_add(v, LPG_REASON_FILL_NO_ALLOW, en, zh);
            return;
        }
        scale = oc->fill_check->scale;
        check_seq = in->override_check_seq;
    } else {
        s_add(v, LPG_REASON_FILL_NO_ALLOW, "that event is not a fill check",
              "该事件不是充装检查");
        return;
    }

    bool same_cyl = s_streq(named->cylinder, rec->cylinder);
    if (!same_cyl)
        s_add(v, LPG_REASON_FILL_OTHER_CYLINDER,
              named->cylinder ? named->cylinder : "", NULL);
    if (!s_streq(named->site, rec->site))
        s_add(v, LPG_REASON_FILL_OTHER_STATION, named->site ? named->site : "",
              NULL);
    const char *rscale = rec->fill_record->scale;
    if (scale && *scale && rscale && *rscale && strcmp(scale, rscale) != 0)
        s_add(v, LPG_REASON_FILL_OTHER_SCALE, scale, NULL);

    if (!cyl || !same_cyl)
        return;
    /* a fill recorded after the permission used it; a check after the
     * one that was allowed (or overridden) replaced it */
    if (cyl->has_last_fill_seq && cyl->last_fill_seq > in->named_seq)
        s_add(v, LPG_REASON_FILL_ALLOW_USED, NULL, NULL);
    else if (cyl->has_last_fill_check_seq &&
             cyl->last_fill_check_seq > check_seq)
        s_add(v, LPG_REASON_FILL_ALLOW_STALE, NULL, NULL);
}

int
lpg_rules_fill_record(const lpg_fill_record_input_t *in, lpg_verdict_t *out,
                      lpg_fill_result_t *result)
{
    assert(in && in->record && out && result);
    s_verdict_init(out);
    memset(result, 0, sizeof *result);
    const Lpg__Event *rec = in->record;
    if (rec->body_case != LPG__EVENT__BODY_FILL_RECORD) {
        s_add(out, LPG_REASON_FILL_NO_ALLOW, "not a fill record", NULL);
        return LPG_EINVAL;
    }
    const Lpg__FillRecord *fr = rec->fill_record;
    const Lpg__CylinderState *cyl = in->cyl;
    int rc = LPG_OK;
    if (cyl && (!cyl->reg || !s_streq(cyl->grai, rec->cylinder))) {
        rc = LPG_EINVAL;
        cyl = NULL;
    }
    if (!cyl)
        s_add(out, LPG_REASON_CYL_UNKNOWN, rec->cylinder, NULL);
    s_check_device(out, in->device, rec->site, NULL);

    lpg_fill_record_input_t copy = *in;
    copy.cyl = cyl;
    s_record_permit(out, &copy);
    /* Scrapped between its ALLOW and its record (a failed periodic
     * inspection): the ALLOW does not outlive that, and no override
     * reaches a scrapped cylinder. */
    if (cyl && lpg_cylinder_scrapped(cyl))
        s_add(out, LPG_REASON_SCRAPPED, NULL, NULL);

    char en[S_DETAIL_BUF], zh[S_DETAIL_BUF];
    if (cyl && cyl->reg->tare_g == 0) {
        s_add(out, LPG_REASON_TARE_UNKNOWN, NULL, NULL);
    } else if (cyl) {
        int64_t net = (int64_t)fr->full_g - (int64_t)cyl->reg->tare_g;
        if (net > INT32_MAX)
            net = INT32_MAX;
        if (net < INT32_MIN)
            net = INT32_MIN;
        result->has_net = true;
        result->net_g = (int32_t)net;
        int64_t fill = cyl->reg->fill_g;
        int64_t hi = fill + (int64_t)in->limits.over_tolerance_g;
        int64_t lo = fill - (int64_t)in->limits.under_tolerance_g;
        if (net > hi || net < lo) {
            snprintf(
                en, sizeof en, "net %lld g, permitted %lld g (%lld..%lld)",
                (long long)net, (long long)fill, (long long)lo, (long long)hi);
            snprintf(zh, sizeof zh,
                     "净重 %lld 克，允许充装 %lld 克"
                     "（%lld..%lld）",
                     (long long)net, (long long)fill, (long long)lo,
                     (long long)hi);
        }
        if (net > hi) {
            result->over = true;
            s_add(out, LPG_REASON_OVERFILL, en, zh);
        } else if (net < lo) {
            result->under = true;
            s_add(out, LPG_REASON_SHORT_WEIGHT, en, zh);
        }
    }
    if (!fr->leak_ok) {
        result->leak = true;
        s_add(out, LPG_REASON_LEAK, NULL, NULL);
    }
    result->quarantine = result->over || result->leak;
    s_sort(out);
    return rc;
}

/* ---------------------------------------------------------------------
 * Supervisor override
 */

/*  Is token among the reasons of the refused check? */
static bool
s_outcome_has(const Lpg__Outcome *o, const char *token)
{
    for (size_t i = 0; i < o->n_reasons; i++)
        if (o->reasons[i] && s_streq(o->reasons[i]->token, token))
            return true;
    return false;
}

static bool
s_tokens_have(const Lpg__FillOverride *fo, const char *token)
{
    for (size_t i = 0; i < fo->n_tokens; i++)
        if (s_streq(fo->tokens[i], token))
            return true;
    return false;
}

static void
s_override_check(lpg_verdict_t *v, const lpg_override_input_t *in)
{
    const Lpg__Event *ov = in->override;
    const Lpg__FillOverride *fo = ov->fill_override;
    const Lpg__Event *check = in->check;
    const Lpg__Outcome *o = in->check_outcome;
    const Lpg__CylinderState *cyl = in->cyl;
    char en[S_DETAIL_BUF];

    if (!check || check->body_case != LPG__EVENT__BODY_FILL_CHECK) {
        s_add(v, LPG_REASON_OVERRIDE_NO_CHECK, NULL, NULL);
        return;
    }
    if (!lpg_kind_recorded_by_owner(in->check_service, check->body_case)) {
        char zh[S_DETAIL_BUF];
        s_not_filling(en, zh, in->check_service);
        s_add(v, LPG_REASON_OVERRIDE_NO_CHECK, en, zh);
        return;
    }
    bool denied = o && o->status == LPG__STATUS__STATUS_DENIED;
    if (!denied)
        s_add(v, LPG_REASON_OVERRIDE_NOT_DENIED, NULL, NULL);
    if (!s_streq(check->site, ov->site))
        s_add(v, LPG_REASON_OVERRIDE_OTHER_STATION,
              check->site ? check->site : "", NULL);
    if (ov->cylinder && *ov->cylinder &&
        !s_streq(ov->cylinder, check->cylinder))
        s_add(v, LPG_REASON_OVERRIDE_OTHER_CYLINDER,
              check->cylinder ? check->cylinder : "", NULL);
    if (cyl &&
        ((cyl->has_last_fill_check_seq &&
          cyl->last_fill_check_seq > in->check_seq) ||
         (cyl->has_last_fill_seq && cyl->last_fill_seq > in->check_seq)))
        s_add(v, LPG_REASON_OVERRIDE_STALE, NULL, NULL);
    if (!denied)
        return;

    /* every reason of the refusal must be overridable */
    if (o->n_reasons == 0)
        s_add(v, LPG_REASON_OVERRIDE_NOT_ALLOWED, "the refusal lists none",
              "拒绝未列原因");
    for (size_t i = 0; i < o->n_reasons; i++) {
        const char *t = o->reasons[i] ? o->reasons[i]->token : NULL;
        const lpg_reason_t *r = lpg_reason(t);
        if (!r || !r->overridable || r->kind != LPG_REASON_REFUSAL)
            s_add(v, LPG_REASON_OVERRIDE_NOT_ALLOWED, t ? t : "", NULL);
    }
    /* and the supervisor names exactly those, so none goes unseen */
    for (size_t i = 0; i < o->n_reasons; i++) {
        const char *t = o->reasons[i] ? o->reasons[i]->token : NULL;
        if (t && !s_tokens_have(fo, t)) {
            snprintf(en, sizeof en, "not listed: %s", t);
            s_add(v, LPG_REASON_OVERRIDE_TOKENS_MISMATCH, en, NULL);
        }
    }
    for (size_t i = 0; i < fo->n_tokens; i++) {
        if (!s_outcome_has(o, fo->tokens[i])) {
            snprintf(en, sizeof en, "not refused: %s",
                     fo->tokens[i] ? fo->tokens[i] : "");
            s_add(v, LPG_REASON_OVERRIDE_TOKENS_MISMATCH, en, NULL);
        }
    }
}

int
lpg_rules_override(const lpg_override_input_t *in, lpg_verdict_t *out)
{
    assert(in && in->override && out);
    s_verdict_init(out);
    const Lpg__Event *ov = in->override;
    if (ov->body_case != LPG__EVENT__BODY_FILL_OVERRIDE) {
        s_add(out, LPG_REASON_OVERRIDE_NO_CHECK, "not an override", NULL);
        return LPG_EINVAL;
    }
    s_override_check(out, in);

    const char *company = NULL;
    if (s_is_station(in->site, ov->site))
        company = in->site->add->company;
    else
        s_add(out, LPG_REASON_SITE_NOT_STATION, ov->site, NULL);

    char en[S_DETAIL_BUF], zh[S_DETAIL_BUF];
    const Lpg__StaffState *st = in->staff;
    if (!st || !st->add) {
        s_add(out, LPG_REASON_OVERRIDE_NOT_SUPERVISOR, "no such staff",
              "无此人员");
    } else {
        const Lpg__StaffAdd *a = st->add;
        if (!s_streq(a->site, ov->site) ||
            (company && !s_streq(a->company, company)))
            s_add(out, LPG_REASON_OVERRIDE_NOT_SUPERVISOR,
                  "staff of another site", "非本站人员");
        else if (a->role != LPG__STAFF_ROLE__STAFF_SUPERVISOR)
            s_add(out, LPG_REASON_OVERRIDE_NOT_SUPERVISOR, "not a supervisor",
                  "不是主管");
        if (a->cert_until_ymd < in->today_ymd) {
            snprintf(en, sizeof en, "expired after %08u",
                     (unsigned)a->cert_until_ymd);
            snprintf(zh, sizeof zh, "有效期至 %08u",
                     (unsigned)a->cert_until_ymd);
            s_add(out, LPG_REASON_OVERRIDE_CERT_EXPIRED, en, zh);
        }
    }
    s_check_device(out, in->device, ov->site, company);
    if (s_blank(ov->fill_override->reason))
        s_add(out, LPG_REASON_OVERRIDE_NO_REASON, NULL, NULL);

    int rc = LPG_OK;
    if (in->today_ymd < 19000101) {
        rc = LPG_EINVAL;
        out->allow = false;
    }
    s_sort(out);
    return rc;
}

/* ---------------------------------------------------------------------
 * Thresholds, distance, local date
 */

static int
s_limit(uint32_t *out, const lpg_config_t *cfg, const char *key, char *why,
        size_t whysz)
{
    const char *v = lpg_config_get(cfg, key);
    char *end = NULL;
    errno = 0;
    long long n = v ? strtoll(v, &end, 10) : -1;
    if (!v || !*v || errno || *end || n < 0 || n > S_LIMIT_MAX) {
        if (why)
            snprintf(why, whysz, "%s: expected a whole number 0..%d", key,
                     S_LIMIT_MAX);
        return LPG_ECONFIG;
    }
    *out = (uint32_t)n;
    return LPG_OK;
}

int
lpg_rules_limits_from_config(lpg_rules_limits_t *out, const lpg_config_t *cfg,
                             char *why, size_t whysz)
{
    int rc = s_limit(&out->tare_tolerance_g, cfg, "fill.tare_tolerance_g", why,
                     whysz);
    if (rc == LPG_OK)
        rc = s_limit(&out->tare_below_g, cfg, "fill.tare_below_g", why, whysz);
    if (rc == LPG_OK)
        rc = s_limit(&out->over_tolerance_g, cfg, "fill.over_tolerance_g", why,
                     whysz);
    if (rc == LPG_OK)
        rc = s_limit(&out->under_tolerance_g, cfg, "fill.under_tolerance_g",
                     why, whysz);
    if (rc == LPG_OK)
        rc = s_limit(&out->travel_speed_kmh, cfg, "fill.travel_speed_kmh", why,
                     whysz);
    return rc;
}

double
lpg_rules_distance_km(int32_t lat1_e6, int32_t lon1_e6, int32_t lat2_e6,
                      int32_t lon2_e6)
{
    const double rad = S_PI / 180.0 / 1e6;
    double p1 = lat1_e6 * rad;
    double p2 = lat2_e6 * rad;
    double dp = (double)((int64_t)lat2_e6 - lat1_e6) * rad;
    double dl = (double)((int64_t)lon2_e6 - lon1_e6) * rad;
    double s1 = sin(dp / 2);
    double s2 = sin(dl / 2);
    double a = s1 * s1 + cos(p1) * cos(p2) * s2 * s2;
    if (a > 1.0)
        a = 1.0;
    if (a < 0.0)
        a = 0.0;
    return 2.0 * S_EARTH_RADIUS_KM * atan2(sqrt(a), sqrt(1.0 - a));
}

int
lpg_verdict_outcome(const lpg_verdict_t *v, const char *ok_message,
                    const char *deny_message, Lpg__Outcome *o)
{
    o->status = v->allow ? LPG__STATUS__STATUS_OK : LPG__STATUS__STATUS_DENIED;
    o->token = strdup(v->allow ? "OK" : "DENIED");
    char msg[96];
    if (v->allow)
        snprintf(msg, sizeof msg, "%s", ok_message);
    else
        snprintf(msg, sizeof msg, "%s: %zu reason%s%s", deny_message, v->n,
                 v->n == 1 ? "" : "s", v->truncated ? " (and more)" : "");
    o->message = strdup(msg);
    if (!o->token || !o->message)
        return LPG_ENOMEM;
    return lpg_verdict_reasons(v, o);
}
