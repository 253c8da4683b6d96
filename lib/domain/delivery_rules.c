/*  delivery_rules.c - see delivery_rules.h. Each check adds its reasons
 *  to the verdict; the verdict is sorted into catalogue order at the end.
 *  Dates are YYYYMMDD integers, which compare as dates; a certificate or
 *  permit is valid through its last day.
 */
#include "domain/delivery_rules.h"
#include "domain/cylinder.h"
#include "domain/words.h"
#include "base/error.h"
#include "codes/gascert.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_LATE_MAX_MS 86400000
#define S_DETAIL (2 * LPG_STRING_MAX + 128)
/* The detail in place of names an unverified certificate claims. */
#define S_UNVERIFIED_EN "not shown: the signature does not verify"
#define S_UNVERIFIED_ZH "不予显示：签名未通过验证"

static bool
s_streq(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

static const char *
s_or(const char *s)
{
    return s && *s ? s : "-";
}

int
lpg_delivery_hazard_key(char *out, size_t outsz, const char *user)
{
    assert(out && outsz > 0);
    out[0] = '\0';
    if (!user || !*user)
        return LPG_EINVAL;
    int n = snprintf(out, outsz, "%s%s", LPG_DELIVERY_HAZARD_PREFIX, user);
    if (n < 0 || (size_t)n >= outsz) {
        out[0] = '\0';
        return LPG_ERANGE;
    }
    return LPG_OK;
}

int
lpg_delivery_late_from_config(uint64_t *out, const lpg_config_t *cfg,
                              char *why, size_t whysz)
{
    long long v = lpg_config_get_int(cfg, "delivery.late_ms", -1);
    if (v < 0 || v > S_LATE_MAX_MS) {
        if (why)
            snprintf(why, whysz,
                     "delivery.late_ms must be an integer in "
                     "0..%d",
                     S_LATE_MAX_MS);
        return LPG_ECONFIG;
    }
    *out = (uint64_t)v;
    return LPG_OK;
}

int
lpg_delivery_step_of(const Lpg__Event *e)
{
    switch (e->body_case) {
    case LPG__EVENT__BODY_DISPATCH:
        return LPG_DELIVERY_DISPATCH;
    case LPG__EVENT__BODY_DELIVERY:
        return LPG_DELIVERY_DELIVER;
    case LPG__EVENT__BODY_COLLECTION:
        return LPG_DELIVERY_COLLECT;
    case LPG__EVENT__BODY_STATION_RETURN:
        return LPG_DELIVERY_RETURN;
    default:
        return -1;
    }
}

bool
lpg_delivery_spec_same(const char *a, const char *b)
{
    if (!a || !b)
        return false;
    for (;;) {
        while (*a == '-' || *a == ' ' || *a == '_')
            a++;
        while (*b == '-' || *b == ' ' || *b == '_')
            b++;
        char x = *a >= 'a' && *a <= 'z' ? (char)(*a - 'a' + 'A') : *a;
        char y = *b >= 'a' && *b <= 'z' ? (char)(*b - 'a' + 'A') : *b;
        if (x != y)
            return false;
        if (!x)
            return true;
        a++;
        b++;
    }
}

static void
s_check_device(lpg_verdict_t *v, const Lpg__DeviceState *d,
               const char *company)
{
    if (!d)
        lpg_verdict_add(v, LPG_REASON_HANDHELD_UNKNOWN, "device not enrolled",
                        "设备未登记");
    else if (d->has_revoked_seq)
        lpg_verdict_add(v, LPG_REASON_HANDHELD_UNKNOWN, "device revoked",
                        "设备已吊销");
    else if (d->role != LPG__ROLE__ROLE_HANDHELD)
        lpg_verdict_add(v, LPG_REASON_HANDHELD_UNKNOWN,
                        "device is not a handheld", "设备不是送气手持终端");
    else if (company && !s_streq(d->company, company))
        lpg_verdict_add(v, LPG_REASON_HANDHELD_UNKNOWN,
                        "device of another company", "设备属其他单位");
}

static void
s_check_driver(lpg_verdict_t *v, const lpg_delivery_input_t *in,
               const char *company)
{
    char en[S_DETAIL], zh[S_DETAIL];
    const Lpg__StaffState *st = in->driver;
    if (!st || !st->add) {
        snprintf(en, sizeof en, "no staff %s", s_or(in->driver_id));
        snprintf(zh, sizeof zh, "无此人员 %s", s_or(in->driver_id));
        lpg_verdict_add(v, LPG_REASON_DRIVER_UNKNOWN, en, zh);
        return;
    }
    const Lpg__StaffAdd *a = st->add;
    if (company && !s_streq(a->company, company))
        lpg_verdict_add(v, LPG_REASON_DRIVER_UNKNOWN,
                        "staff of another company", "非本单位人员");
    else if (a->role != LPG__STAFF_ROLE__STAFF_DRIVER)
        lpg_verdict_add(v, LPG_REASON_DRIVER_UNKNOWN, "not a driver",
                        "不是送气工");
    if (a->cert_until_ymd < in->today_ymd) {
        snprintf(en, sizeof en, "expired after %08u",
                 (unsigned)a->cert_until_ymd);
        snprintf(zh, sizeof zh, "有效期至 %08u", (unsigned)a->cert_until_ymd);
        lpg_verdict_add(v, LPG_REASON_DRIVER_CERT_EXPIRED, en, zh);
    }
}

static void
s_check_vehicle(lpg_verdict_t *v, const lpg_delivery_input_t *in,
                const char *company)
{
    char en[S_DETAIL], zh[S_DETAIL];
    const Lpg__VehicleState *vs = in->vehicle;
    if (!vs || !vs->add) {
        snprintf(en, sizeof en, "no vehicle %s", s_or(in->vehicle_id));
        snprintf(zh, sizeof zh, "无此车辆 %s", s_or(in->vehicle_id));
        lpg_verdict_add(v, LPG_REASON_VEHICLE_UNKNOWN, en, zh);
        return;
    }
    if (company && !s_streq(vs->add->company, company))
        lpg_verdict_add(v, LPG_REASON_VEHICLE_UNKNOWN,
                        "vehicle of another company", "非本单位车辆");
    if (vs->add->permit_until_ymd < in->today_ymd) {
        snprintf(en, sizeof en, "permit %s expired after %08u",
                 vs->add->permit_no, (unsigned)vs->add->permit_until_ymd);
        snprintf(zh, sizeof zh, "许可证 %s 有效期至 %08u", vs->add->permit_no,
                 (unsigned)vs->add->permit_until_ymd);
        lpg_verdict_add(v, LPG_REASON_VEHICLE_PERMIT_EXPIRED, en, zh);
    }
}

static void
s_check_site(lpg_verdict_t *v, const lpg_delivery_input_t *in,
             const char *company)
{
    char en[S_DETAIL], zh[S_DETAIL];
    if (!in->site || !in->site->add) {
        snprintf(en, sizeof en, "no site %s", s_or(in->site_id));
        snprintf(zh, sizeof zh, "无此站点 %s", s_or(in->site_id));
        lpg_verdict_add(v, LPG_REASON_STATION_UNKNOWN, en, zh);
    } else if (company && !s_streq(in->site->add->company, company)) {
        snprintf(en, sizeof en, "%s belongs to %s", s_or(in->site_id),
                 in->site->add->company);
        snprintf(zh, sizeof zh, "%s 属于 %s", s_or(in->site_id),
                 in->site->add->company);
        lpg_verdict_add(v, LPG_REASON_STATION_UNKNOWN, en, zh);
    }
}

/*  The cylinder itself may leave the station. */
static void
s_check_dispatchable(lpg_verdict_t *v, const Lpg__CylinderState *cyl,
                     uint32_t today)
{
    char en[S_DETAIL], zh[S_DETAIL];
    if (lpg_cylinder_scrapped(cyl))
        lpg_verdict_add(v, LPG_REASON_SCRAPPED, NULL, NULL);
    if (cyl->has_status &&
        cyl->status == LPG__CYLINDER_STATUS__CYL_QUARANTINED)
        lpg_verdict_add(v, LPG_REASON_QUARANTINED, NULL, NULL);
    const Lpg__CylinderRegister *reg = cyl->reg;
    uint32_t next = cyl->has_next_inspection_ymd   ? cyl->next_inspection_ymd
                    : reg->has_next_inspection_ymd ? reg->next_inspection_ymd
                                                   : 0;
    if (next == 0) {
        lpg_verdict_add(v, LPG_REASON_INSPECTION_OVERDUE,
                        "no due date on record", "无检验日期");
    } else if (next < today) {
        snprintf(en, sizeof en, "was due %08u", (unsigned)next);
        snprintf(zh, sizeof zh, "应于 %08u 检验", (unsigned)next);
        lpg_verdict_add(v, LPG_REASON_INSPECTION_OVERDUE, en, zh);
    }
}

/*  The user is a registered, not erased, user of company. */
static bool
s_check_user(lpg_verdict_t *v, const lpg_delivery_input_t *in,
             const char *company, bool erased_ok)
{
    char en[S_DETAIL], zh[S_DETAIL];
    const Lpg__UserState *u = in->user;
    if (!u || !u->add) {
        snprintf(en, sizeof en, "no user %s", s_or(in->user_id));
        snprintf(zh, sizeof zh, "无此用户 %s", s_or(in->user_id));
        lpg_verdict_add(v, LPG_REASON_USER_UNKNOWN, en, zh);
        return false;
    }
    if (u->has_erased_seq && !erased_ok) {
        lpg_verdict_add(v, LPG_REASON_USER_UNKNOWN, "user erased",
                        "用户已注销");
        return false;
    }
    if (company && !s_streq(u->add->company, company)) {
        lpg_verdict_add(v, LPG_REASON_USER_UNKNOWN, "user of another company",
                        "非本单位用户");
        return false;
    }
    return true;
}

/*  The gas-use certificate scanned at the door: every fault listed. */
static void
s_check_gas_cert(lpg_verdict_t *v, const lpg_delivery_input_t *in,
                 const Lpg__UserAdd *u)
{
    char en[S_DETAIL], zh[S_DETAIL];
    if (!in->gas_cert || !*in->gas_cert) {
        if (in->gas_cert_door)
            lpg_verdict_add(v, LPG_REASON_GAS_CERT_MISSING,
                            "no certificate given and none presented at "
                            "this household's door",
                            "未提供凭证，且此户送气时从未出示过凭证");
        else
            lpg_verdict_add(v, LPG_REASON_GAS_CERT_MISSING, NULL, NULL);
        return;
    }
    const char *text = in->gas_cert;
    size_t len = strlen(text);
    lpg_gascert_t c;
    int rc = lpg_gascert_parse(&c, text, len, in->resolver);
    if (rc != LPG_OK) {
        lpg_verdict_add(v, LPG_REASON_GAS_CERT_MALFORMED, c.why, NULL);
        return;
    }
    const Lpg__DeviceState *d = in->gas_cert_signer;
    bool verified = false; /* by the key the certificate names */
    if (!d) {
        lpg_verdict_add(v, LPG_REASON_GAS_CERT_NOT_ISSUER,
                        "its key is not enrolled", "签发密钥未登记");
    } else {
        if (d->role != LPG__ROLE__ROLE_COMPANY_ADMIN) {
            lpg_verdict_add(v, LPG_REASON_GAS_CERT_NOT_ISSUER,
                            "its key is no company-admin key",
                            "签发密钥不是公司管理密钥");
        } else if (!s_streq(d->company, u->company)) {
            snprintf(en, sizeof en, "signed by %s", s_or(d->company));
            snprintf(zh, sizeof zh, "由 %s 签发", s_or(d->company));
            lpg_verdict_add(v, LPG_REASON_GAS_CERT_NOT_ISSUER, en, zh);
        }
        if (d->has_revoked_seq)
            lpg_verdict_add(v, LPG_REASON_GAS_CERT_REVOKED, d->revoke_reason,
                            NULL);
        const lpg_cert_check_t *ahead = in->gas_cert_check;
        lpg_key_t *key = NULL;
        if (d->sign_pub.len != LPG_ED25519_PUB_LEN)
            lpg_verdict_add(v, LPG_REASON_GAS_CERT_FORGED,
                            "the key on record is unreadable", NULL);
        else if (ahead && memcmp(ahead->pub, d->sign_pub.data,
                                 LPG_ED25519_PUB_LEN) == 0) {
            if (ahead->rc != LPG_OK)
                lpg_verdict_add(v, LPG_REASON_GAS_CERT_FORGED, NULL, NULL);
            else
                verified = true;
        } else if (lpg_key_from_raw_public(&key, d->sign_pub.data) != LPG_OK)
            lpg_verdict_add(v, LPG_REASON_GAS_CERT_FORGED,
                            "the key on record is unreadable", NULL);
        else if (lpg_gascert_verify(&c, text, len, in->resolver, key) !=
                 LPG_OK)
            lpg_verdict_add(v, LPG_REASON_GAS_CERT_FORGED, NULL, NULL);
        else
            verified = true;
        lpg_key_destroy(&key);
    }
    /* Another user's certificate: its number is that user's, so it is
     * not compared with this one's. What an unverified certificate says
     * is anyone's text: it is judged but never copied into the record. */
    if (!s_streq(c.user, in->user_id) || !s_streq(c.company, u->company)) {
        if (verified) {
            snprintf(en, sizeof en, "issued to %s of %s", c.user, c.company);
            snprintf(zh, sizeof zh, "凭证用户 %s（%s）", c.user, c.company);
        } else {
            snprintf(en, sizeof en, "%s", S_UNVERIFIED_EN);
            snprintf(zh, sizeof zh, "%s", S_UNVERIFIED_ZH);
        }
        lpg_verdict_add(v, LPG_REASON_GAS_CERT_OTHER_USER, en, zh);
    } else if (!u->gas_cert_no || !*u->gas_cert_no) {
        lpg_verdict_add(v, LPG_REASON_GAS_CERT_MISMATCH,
                        "no certificate on record", "无登记凭证");
    } else if (strcmp(c.cert_no, u->gas_cert_no) != 0) {
        if (verified) {
            snprintf(en, sizeof en, "No. %s, on record %s", c.cert_no,
                     u->gas_cert_no);
            snprintf(zh, sizeof zh, "凭证编号 %s，登记为 %s", c.cert_no,
                     u->gas_cert_no);
        } else {
            snprintf(en, sizeof en, "on record %s; its number %s",
                     u->gas_cert_no, S_UNVERIFIED_EN);
            snprintf(zh, sizeof zh, "登记为 %s；凭证编号%s", u->gas_cert_no,
                     S_UNVERIFIED_ZH);
        }
        lpg_verdict_add(v, LPG_REASON_GAS_CERT_MISMATCH, en, zh);
    }
    uint32_t day = in->event_ymd ? in->event_ymd : in->today_ymd;
    if (c.until_ymd < day) {
        snprintf(en, sizeof en, "valid until %08u", (unsigned)c.until_ymd);
        snprintf(zh, sizeof zh, "有效期至 %08u", (unsigned)c.until_ymd);
        lpg_verdict_add(v, LPG_REASON_GAS_CERT_EXPIRED, en, zh);
    }
}

/*  The 随瓶安检 items (delivery_rules.h), each with the kinds of user
 *  that require it. */
#define S_HOUSEHOLD (1u << LPG__USER_KIND__USER_HOUSEHOLD)
#define S_RESTAURANT (1u << LPG__USER_KIND__USER_RESTAURANT)
#define S_BUSINESS (1u << LPG__USER_KIND__USER_BUSINESS)
#define S_EVERY (S_HOUSEHOLD | S_RESTAURANT | S_BUSINESS)

static const struct {
    const char *item;
    const char *zh;
    unsigned kinds;
} s_safety_items[] = {
    {"hose", "胶管", S_EVERY},
    {"regulator", "减压阀", S_EVERY},
    {"valve", "瓶阀", S_EVERY},
    {"leak", "漏气检查", S_EVERY},
    {"stove", "灶具熄火保护", S_HOUSEHOLD | S_RESTAURANT},
    {"storage", "气瓶存放位置", S_EVERY},
};

/*  Every item the user's kind requires that the record does not report;
 *  a user of no known kind (or none on record) counts as a household. */
static void
s_check_safety_items(lpg_verdict_t *v, const lpg_delivery_input_t *in)
{
    Lpg__UserKind kind = in->user && in->user->add
                             ? in->user->add->kind
                             : LPG__USER_KIND__USER_UNKNOWN;
    if (kind != LPG__USER_KIND__USER_RESTAURANT &&
        kind != LPG__USER_KIND__USER_BUSINESS)
        kind = LPG__USER_KIND__USER_HOUSEHOLD;
    char zh[S_DETAIL];
    for (size_t i = 0; i < sizeof s_safety_items / sizeof *s_safety_items;
         i++) {
        if (!(s_safety_items[i].kinds & (1u << kind)))
            continue;
        bool seen = false;
        for (size_t j = 0; j < in->n_checks && !seen; j++)
            seen = in->checks[j] &&
                   s_streq(in->checks[j]->item, s_safety_items[i].item);
        if (!seen) {
            snprintf(zh, sizeof zh, "%s（%s）", s_safety_items[i].zh,
                     s_safety_items[i].item);
            lpg_verdict_add(v, LPG_REASON_SAFETY_CHECK_MISSING,
                            s_safety_items[i].item, zh);
        }
    }
}

void
lpg_delivery_check_household(lpg_verdict_t *v, const lpg_delivery_input_t *in,
                             const char *company)
{
    if (s_check_user(v, in, company, false)) {
        const Lpg__UserAdd *u = in->user->add;
        s_check_gas_cert(v, in, u);
        if (u->kind == LPG__USER_KIND__USER_RESTAURANT &&
            !(u->has_leak_alarm && u->leak_alarm))
            lpg_verdict_add(v, LPG_REASON_NO_LEAK_ALARM, NULL, NULL);
    }
    if (in->hazard)
        lpg_verdict_add(v, LPG_REASON_USER_HAZARD, in->hazard, NULL);
    if (in->holding_limit > 0 && in->held + in->wanted > in->holding_limit) {
        char en[S_DETAIL], zh[S_DETAIL];
        snprintf(en, sizeof en, "holds %u, wants %u, limit %u",
                 (unsigned)in->held, (unsigned)in->wanted,
                 (unsigned)in->holding_limit);
        snprintf(zh, sizeof zh, "已持有 %u 瓶，再订 %u 瓶，限额 %u 瓶",
                 (unsigned)in->held, (unsigned)in->wanted,
                 (unsigned)in->holding_limit);
        lpg_verdict_add(v, LPG_REASON_OVER_HOLDING_LIMIT, en, zh);
    }
}

void
lpg_delivery_check_crew(lpg_verdict_t *v, const lpg_delivery_input_t *in,
                        const char *company)
{
    s_check_driver(v, in, company);
    s_check_vehicle(v, in, company);
}

/*  The order a delivery names, as lpg-orderd recorded it. */
static void
s_check_order(lpg_verdict_t *v, const lpg_delivery_input_t *in)
{
    char en[S_DETAIL], zh[S_DETAIL];
    const Lpg__OrderState *o = in->order;
    if (!in->order_id || !*in->order_id) {
        lpg_verdict_add(v, LPG_REASON_NO_ORDER, NULL, NULL);
        return;
    }
    if (!o) {
        snprintf(en, sizeof en, "no order %s", in->order_id);
        snprintf(zh, sizeof zh, "无此订单 %s", in->order_id);
        lpg_verdict_add(v, LPG_REASON_ORDER_UNKNOWN, en, zh);
        return;
    }
    if (o->status == LPG__ORDER_STATUS__ORDER_CANCELLED ||
        o->status == LPG__ORDER_STATUS__ORDER_REFUSED)
        lpg_verdict_add(v, LPG_REASON_ORDER_CANCELLED,
                        o->reason ? o->reason : NULL, NULL);
    if (!s_streq(o->driver, in->driver_id)) {
        snprintf(en, sizeof en, "assigned to %s", s_or(o->driver));
        snprintf(zh, sizeof zh, "派给 %s", s_or(o->driver));
        lpg_verdict_add(v, LPG_REASON_ORDER_OTHER_DRIVER, en, zh);
    }
    if (!s_streq(o->user, in->user_id)) {
        snprintf(en, sizeof en, "ordered by %s", s_or(o->user));
        snprintf(zh, sizeof zh, "订购用户 %s", s_or(o->user));
        lpg_verdict_add(v, LPG_REASON_ORDER_OTHER_USER, en, zh);
    }
    uint32_t count = o->place ? o->place->count : 0;
    if ((o->place && o->n_handed_seq >= count) ||
        o->status == LPG__ORDER_STATUS__ORDER_DELIVERED) {
        snprintf(en, sizeof en, "%zu of %u handed over already",
                 o->n_handed_seq, (unsigned)count);
        snprintf(zh, sizeof zh, "已送达 %zu 瓶，订购 %u 瓶", o->n_handed_seq,
                 (unsigned)count);
        lpg_verdict_add(v, LPG_REASON_ORDER_COUNT_REACHED, en, zh);
    }
    const char *spec = in->cyl && in->cyl->reg ? in->cyl->reg->spec : NULL;
    const char *want = o->place ? o->place->spec : NULL;
    if (spec && *spec && !lpg_delivery_spec_same(spec, want)) {
        snprintf(en, sizeof en, "cylinder %s, ordered %s", spec, s_or(want));
        snprintf(zh, sizeof zh, "气瓶规格 %s，订购 %s", spec, s_or(want));
        lpg_verdict_add(v, LPG_REASON_ORDER_SPEC_MISMATCH, en, zh);
    }
}

static void
s_check_delivery(lpg_verdict_t *v, const lpg_delivery_input_t *in,
                 const char *company)
{
    lpg_delivery_check_household(v, in, company);
    s_check_order(v, in);
    s_check_safety_items(v, in);
    for (size_t i = 0; i < in->n_checks; i++) {
        const Lpg__CheckItem *c = in->checks[i];
        if (c && !c->ok)
            lpg_verdict_add(v, LPG_REASON_SAFETY_CHECK_FAILED,
                            c->item ? c->item : "", NULL);
    }
}

static void
s_check_custody(lpg_verdict_t *v, const lpg_delivery_input_t *in,
                const Lpg__CylinderState *cyl)
{
    Lpg__Custody c = cyl->has_custody ? cyl->custody
                                      : LPG__CUSTODY__CUSTODY_EMPTY_AT_STATION;
    bool fits = false;
    const char *zh = NULL;
    const char *en = lpg_custody_words(
        cyl->has_custody ? cyl->custody
                         : LPG__CUSTODY__CUSTODY_EMPTY_AT_STATION,
        &zh);
    switch (in->step) {
    case LPG_DELIVERY_DISPATCH:
        fits = c == LPG__CUSTODY__CUSTODY_FULL_AT_STATION;
        break;
    case LPG_DELIVERY_DELIVER:
        fits = c == LPG__CUSTODY__CUSTODY_IN_TRANSIT;
        break;
    case LPG_DELIVERY_COLLECT:
        fits = c == LPG__CUSTODY__CUSTODY_AT_USER &&
               s_streq(cyl->holder, in->user_id);
        if (c == LPG__CUSTODY__CUSTODY_AT_USER && !fits) {
            en = "at another user";
            zh = "在其他用户处";
        }
        break;
    case LPG_DELIVERY_RETURN:
        fits = c == LPG__CUSTODY__CUSTODY_COLLECTED ||
               c == LPG__CUSTODY__CUSTODY_IN_TRANSIT;
        break;
    }
    if (!fits)
        lpg_verdict_add(v, LPG_REASON_WRONG_CUSTODY, en, zh);
}

int
lpg_delivery_judge(const lpg_delivery_input_t *in, lpg_verdict_t *out,
                   uint64_t *late_ms)
{
    assert(in && out);
    out->allow = true;
    out->truncated = false;
    out->n = 0;
    if (late_ms)
        *late_ms = 0;
    int rc = LPG_OK;

    const Lpg__CylinderState *cyl = in->cyl;
    if (cyl && (!cyl->reg || !s_streq(cyl->grai, in->cylinder_id))) {
        rc = LPG_EINVAL; /* the caller looked up another cylinder */
        cyl = NULL;
    }
    bool identified = true;
    if (in->code) {
        bool verified = in->code_rc == LPG_OK || in->code_rc == LPG_ECODE_CASE;
        if (verified ? !s_streq(in->code->grai, in->cylinder_id)
                     : in->cylinder_id != NULL) {
            rc = LPG_EINVAL; /* the caller named another cylinder */
            cyl = NULL;
        }
        identified = lpg_rules_code(out, in->code_rc, in->code, cyl);
    }
    if (!cyl && identified)
        lpg_verdict_add(out, LPG_REASON_CYL_UNKNOWN, s_or(in->cylinder_id),
                        NULL);
    const char *company = cyl          ? cyl->reg->owner
                          : in->device ? in->device->company
                                       : NULL;

    s_check_device(out, in->device, company);
    lpg_delivery_check_crew(out, in, company);
    switch (in->step) {
    case LPG_DELIVERY_DISPATCH:
        s_check_site(out, in, company);
        if (cyl)
            s_check_dispatchable(out, cyl, in->today_ymd);
        break;
    case LPG_DELIVERY_DELIVER:
        s_check_delivery(out, in, company);
        break;
    case LPG_DELIVERY_COLLECT:
        s_check_user(out, in, company, true);
        break;
    case LPG_DELIVERY_RETURN:
        s_check_site(out, in, company);
        break;
    }
    if (cyl)
        s_check_custody(out, in, cyl);

    if (in->now_ms > in->time_ms &&
        in->now_ms - in->time_ms > in->late_limit_ms) {
        uint64_t d = in->now_ms - in->time_ms;
        char en[S_DETAIL], zh[S_DETAIL];
        snprintf(en, sizeof en, "%llu s after the event",
                 (unsigned long long)(d / 1000));
        snprintf(zh, sizeof zh, "迟到 %llu 秒",
                 (unsigned long long)(d / 1000));
        lpg_verdict_add(out, LPG_REASON_LATE, en, zh);
        if (late_ms)
            *late_ms = d;
    }

    if (in->today_ymd < 19000101 || rc == LPG_EINVAL) {
        rc = LPG_EINVAL;
        out->allow = false;
    }
    lpg_verdict_sort(out);
    return rc;
}
