/*  state.c - see state.h. The projection is deterministic: it reads only
 *  the entry (event, signer, outcome, seq) and the tables, never the
 *  clock, so replaying the log gives the same tables byte for byte.
 */
#include "domain/state.h"
#include "domain/owner.h"
#include "base/error.h"
#include "base/log.h"
#include "domain/inspection.h"
#include "domain/delivery.h"
#include "base/clock.h"
#include "base/csv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
lpg_state_device(lpg_txn_t *t, const uint8_t key_id[LPG_KEYID_LEN],
                 Lpg__DeviceState **out)
{
    *out = NULL;
    const void *val;
    size_t vlen;
    int rc = lpg_txn_get(t, LPG_TABLE_DEVICES, key_id, LPG_KEYID_LEN, &val,
                         &vlen);
    if (rc != LPG_OK)
        return rc;
    *out = lpg__device_state__unpack(NULL, vlen, val);
    if (!*out || (*out)->sign_pub.len != LPG_ED25519_PUB_LEN) {
        if (*out)
            lpg__device_state__free_unpacked(*out, NULL);
        *out = NULL;
        return LPG_ECORRUPT;
    }
    return LPG_OK;
}

int
lpg_state_load(lpg_txn_t *t, lpg_table_t table, const char *key,
               const ProtobufCMessageDescriptor *desc, ProtobufCMessage **out)
{
    *out = NULL;
    if (!key || !*key)
        return LPG_ENOTFOUND;
    const void *v;
    size_t vlen;
    int rc = lpg_txn_get(t, table, key, strlen(key), &v, &vlen);
    if (rc != LPG_OK)
        return rc;
    *out = protobuf_c_message_unpack(desc, NULL, vlen, v);
    return *out ? LPG_OK : LPG_ECORRUPT;
}

void *
lpg_state_get(lpg_txn_t *t, lpg_table_t table, const char *key,
              const ProtobufCMessageDescriptor *desc)
{
    ProtobufCMessage *m = NULL;
    int rc = lpg_state_load(t, table, key, desc, &m);
    if (rc != LPG_OK && rc != LPG_ENOTFOUND)
        lpg_error("state: %s record '%.64s' unreadable: %s (lpgtrace "
                  "rebuild restores the state from the log)",
                  desc->short_name, key, lpg_strerror(rc));
    return m;
}

void
lpg_state_free(const void *m)
{
    if (m)
        protobuf_c_message_free_unpacked((ProtobufCMessage *)m, NULL);
}

static int
s_cylinder(lpg_txn_t *t, const char *grai, Lpg__CylinderState **out)
{
    *out = NULL;
    const void *val;
    size_t vlen;
    int rc = lpg_txn_get(t, LPG_TABLE_CYLINDERS, grai, strlen(grai), &val,
                         &vlen);
    if (rc != LPG_OK)
        return rc;
    *out = lpg__cylinder_state__unpack(NULL, vlen, val);
    return *out ? LPG_OK : LPG_ECORRUPT;
}

static int
s_put_message(lpg_txn_t *t, lpg_table_t table, const void *key, size_t klen,
              const ProtobufCMessage *m)
{
    size_t len = protobuf_c_message_get_packed_size(m);
    uint8_t stackbuf[2048];
    uint8_t *buf = len <= sizeof stackbuf ? stackbuf : malloc(len);
    if (!buf)
        return LPG_ENOMEM;
    protobuf_c_message_pack(m, buf);
    int rc = lpg_txn_put(t, table, key, klen, buf, len);
    if (buf != stackbuf)
        free(buf);
    return rc;
}

/*  LPG_EINVAL naming the field if text begins as a spreadsheet formula
 *  would (csv.h): ids reach every --csv report, and an id such as
 *  =cmd|' /C calc'!A0 must never be registered. NULL passes. */
static int
s_csv_safe(const char *text, const char *field, char *why, size_t whysz)
{
    if (!lpg_csv_unsafe(text))
        return LPG_OK;
    const char *first = *text == '\t'   ? "a tab"
                        : *text == '\r' ? "a CR"
                        : *text == '='   ? "'='"
                        : *text == '+'   ? "'+'"
                        : *text == '-'   ? "'-'"
                                         : "'@'";
    return lpg_why_rc(why, whysz, LPG_EINVAL,
                      "the %s begins with %s: no id may begin with = + - "
                      "@, a tab or a CR (a spreadsheet would run it as a "
                      "formula)",
                      field, first);
}

/*  LPG_OK if table has no record under id (and id is a usable id). */
static int
s_new_id(lpg_txn_t *t, lpg_table_t table, const char *id, const char *what,
         char *why, size_t whysz)
{
    if (!id || !*id) {
        return lpg_why_rc(why, whysz, LPG_EINVAL, "the %s has no id", what);
    }
    const void *v;
    size_t vlen;
    int rc = lpg_txn_get(t, table, id, strlen(id), &v, &vlen);
    if (rc == LPG_OK) {
        return lpg_why_rc(why, whysz, LPG_EEXIST,
                          "%s '%.40s' already exists", what, id);
    }
    return rc == LPG_ENOTFOUND ? LPG_OK : rc;
}

static int
s_exists(lpg_txn_t *t, lpg_table_t table, const char *id, const char *what,
         char *why, size_t whysz)
{
    const void *v;
    size_t vlen;
    int rc = id ? lpg_txn_get(t, table, id, strlen(id), &v, &vlen)
                : LPG_ENOTFOUND;
    if (rc == LPG_ENOTFOUND) {
        return lpg_why_rc(why, whysz, LPG_ENOTFOUND, "no %s '%.40s'", what,
                          id ? id : "");
    }
    return rc;
}

/*  The user's state (caller frees), or LPG_ENOTFOUND with the reason. */
static int
s_user(lpg_txn_t *t, const char *id, Lpg__UserState **out, char *why,
       size_t whysz)
{
    *out = NULL;
    const void *v;
    size_t vlen;
    int rc = s_exists(t, LPG_TABLE_USERS, id, "user", why, whysz);
    if (rc == LPG_OK)
        rc = lpg_txn_get(t, LPG_TABLE_USERS, id, strlen(id), &v, &vlen);
    if (rc != LPG_OK)
        return rc;
    *out = lpg__user_state__unpack(NULL, vlen, v);
    return *out ? LPG_OK : LPG_ECORRUPT;
}

/*  The site exists and belongs to company. */
static int
s_site_of(lpg_txn_t *t, const char *site, const char *company, char *why,
          size_t whysz)
{
    const void *v;
    size_t vlen;
    int rc = s_exists(t, LPG_TABLE_SITES, site, "site", why, whysz);
    if (rc == LPG_OK)
        rc = lpg_txn_get(t, LPG_TABLE_SITES, site, strlen(site), &v, &vlen);
    if (rc != LPG_OK)
        return rc;
    Lpg__SiteState *st = lpg__site_state__unpack(NULL, vlen, v);
    if (!st)
        return LPG_ECORRUPT;
    bool same = strcmp(st->add->company, company) == 0;
    lpg__site_state__free_unpacked(st, NULL);
    if (same)
        return LPG_OK;
    return lpg_why_rc(why, whysz, LPG_EBINDING,
                      "site '%.40s' belongs to another company", site);
}

/*  The authority, or a company-admin device of this company (which must
 *  exist). */
static int
s_company_signer(lpg_txn_t *t, const lpg_event_t *ev,
                 bool signer_is_authority, const char *company, char *why,
                 size_t whysz)
{
    int rc = s_exists(t, LPG_TABLE_COMPANIES, company, "company", why,
                      whysz);
    if (rc != LPG_OK || signer_is_authority)
        return rc;
    Lpg__DeviceState *dev = NULL;
    rc = lpg_state_device(t, ev->signed_event->key_id.data, &dev);
    if (rc != LPG_OK)
        return rc;
    bool ok = dev->role == LPG__ROLE__ROLE_COMPANY_ADMIN &&
              strcmp(dev->company, company) == 0;
    lpg__device_state__free_unpacked(dev, NULL);
    return ok ? LPG_OK
              : lpg_why_rc(why, whysz, LPG_EPERM, "%s",
                           "only the authority or this company's admin key may "
                           "change its records");
}

int
lpg_state_authorize(lpg_txn_t *t, const lpg_event_t *ev,
                    bool signer_is_authority, char *why, size_t whysz)
{
    const Lpg__Event *e = ev->event;
    switch (e->body_case) {
    case LPG__EVENT__BODY_DEVICE_ENROLL: {
        if (!signer_is_authority)
            return lpg_why_rc(why, whysz, LPG_EPERM, "%s",
                              "only the authority key enrols devices");
        const Lpg__DeviceEnroll *de = e->device_enroll;
        if (de->role != LPG__ROLE__ROLE_ADMIN &&
            de->role != LPG__ROLE__ROLE_SERVICE) {
            int rc = s_exists(t, LPG_TABLE_COMPANIES, de->company,
                              "company", why, whysz);
            if (rc == LPG_OK && de->site && *de->site)
                rc = s_exists(t, LPG_TABLE_SITES, de->site, "site", why,
                              whysz);
            if (rc != LPG_OK)
                return rc;
        }
        uint8_t id[LPG_KEYID_LEN];
        lpg_sha256(e->device_enroll->sign_pub.data, LPG_ED25519_PUB_LEN, id);
        if (e->device_enroll->has_curve_pub) {
            const void *v;
            size_t vlen;
            if (lpg_txn_get(t, LPG_TABLE_CURVE_KEYS,
                            e->device_enroll->curve_pub.data, 32, &v,
                            &vlen) == LPG_OK)
                return lpg_why_rc(why, whysz, LPG_EEXIST, "%s",
                                  "this transport key is already enrolled");
        }
        Lpg__DeviceState *dev = NULL;
        int rc = lpg_state_device(t, id, &dev);
        if (rc == LPG_OK) {
            bool revoked = dev->has_revoked_seq;
            lpg__device_state__free_unpacked(dev, NULL);
            return revoked ? lpg_why_rc(why, whysz, LPG_EREVOKED, "%s",
                                        "this key was revoked for good")
                           : lpg_why_rc(why, whysz, LPG_EEXIST, "%s",
                                        "this key is already enrolled");
        }
        return rc == LPG_ENOTFOUND ? LPG_OK : rc;
    }
    case LPG__EVENT__BODY_DEVICE_REVOKE: {
        if (!signer_is_authority)
            return lpg_why_rc(why, whysz, LPG_EPERM, "%s",
                              "only the authority key revokes devices");
        Lpg__DeviceState *dev = NULL;
        int rc = lpg_state_device(t, e->device_revoke->key_id.data, &dev);
        if (rc == LPG_ENOTFOUND)
            return lpg_why_rc(why, whysz, LPG_ENOTFOUND, "%s",
                              "no device enrolled with this key");
        if (rc != LPG_OK)
            return rc;
        bool revoked = dev->has_revoked_seq;
        lpg__device_state__free_unpacked(dev, NULL);
        return revoked ? lpg_why_rc(why, whysz, LPG_EREVOKED, "%s",
                                    "this key is already revoked")
                       : LPG_OK;
    }
    case LPG__EVENT__BODY_CYLINDER_REGISTER: {
        if (!signer_is_authority)
            return lpg_why_rc(why, whysz, LPG_EPERM, "%s",
                              "only the authority key registers cylinders");
        if (!e->cylinder || !*e->cylinder)
            return lpg_why_rc(why, whysz, LPG_EINVAL, "%s",
                              "cylinder registration names no cylinder");
        const Lpg__CylinderRegister *reg = e->cylinder_register;
        int rc = s_csv_safe(e->cylinder, "cylinder GRAI", why, whysz);
        if (rc == LPG_OK)
            rc = s_csv_safe(reg->serial, "cylinder serial", why, whysz);
        if (rc == LPG_OK)
            rc = s_exists(t, LPG_TABLE_COMPANIES, reg->owner, "company",
                          why, whysz);
        if (rc == LPG_OK && reg->fill_site && *reg->fill_site)
            rc = s_exists(t, LPG_TABLE_SITES, reg->fill_site, "site", why,
                          whysz);
        if (rc != LPG_OK)
            return rc;
        Lpg__CylinderState *cyl = NULL;
        rc = s_cylinder(t, e->cylinder, &cyl);
        if (rc == LPG_OK) {
            lpg__cylinder_state__free_unpacked(cyl, NULL);
            return lpg_why_rc(why, whysz, LPG_EEXIST, "%s",
                              "cylinder already registered");
        }
        return rc == LPG_ENOTFOUND ? LPG_OK : rc;
    }
    case LPG__EVENT__BODY_COMPANY_ADD:
        if (!signer_is_authority)
            return lpg_why_rc(why, whysz, LPG_EPERM, "%s",
                              "only the authority key adds companies");
        if (s_csv_safe(e->company, "company id", why, whysz) != LPG_OK)
            return LPG_EINVAL;
        return s_new_id(t, LPG_TABLE_COMPANIES, e->company, "company", why,
                        whysz);
    case LPG__EVENT__BODY_SITE_ADD: {
        if (!signer_is_authority)
            return lpg_why_rc(why, whysz, LPG_EPERM, "%s",
                              "only the authority key adds sites");
        int rc = s_csv_safe(e->site, "site id", why, whysz);
        if (rc != LPG_OK)
            return rc;
        rc = s_exists(t, LPG_TABLE_COMPANIES, e->site_add->company,
                          "company", why, whysz);
        if (rc != LPG_OK)
            return rc;
        return s_new_id(t, LPG_TABLE_SITES, e->site, "site", why, whysz);
    }
    case LPG__EVENT__BODY_STAFF_ADD: {
        const Lpg__StaffAdd *sa = e->staff_add;
        int rc = s_csv_safe(e->actor, "staff id", why, whysz);
        if (rc == LPG_OK)
            rc = s_company_signer(t, ev, signer_is_authority, sa->company,
                                  why, whysz);
        if (rc == LPG_OK && sa->site && *sa->site)
            rc = s_site_of(t, sa->site, sa->company, why, whysz);
        if (rc != LPG_OK)
            return rc;
        return s_new_id(t, LPG_TABLE_STAFF, e->actor, "staff member", why,
                        whysz);
    }
    case LPG__EVENT__BODY_VEHICLE_ADD: {
        int rc = s_csv_safe(e->vehicle_add->plate, "vehicle plate", why,
                            whysz);
        if (rc == LPG_OK)
            rc = s_company_signer(t, ev, signer_is_authority,
                                  e->vehicle_add->company, why, whysz);
        if (rc != LPG_OK)
            return rc;
        return s_new_id(t, LPG_TABLE_VEHICLES, e->vehicle_add->plate,
                        "vehicle", why, whysz);
    }
    case LPG__EVENT__BODY_USER_ADD: {
        const Lpg__UserAdd *ua = e->user_add;
        if (ua->id_hmac.len != 32 ||
            (ua->has_name_hmac && ua->name_hmac.len != 32) ||
            (ua->has_phone_hmac && ua->phone_hmac.len != 32))
            return lpg_why_rc(why, whysz, LPG_EINVAL, "%s",
                              "a look-up HMAC is not 32 bytes");
        int rc = s_csv_safe(e->user, "user id", why, whysz);
        if (rc == LPG_OK)
            rc = s_csv_safe(ua->area, "user's area", why, whysz);
        if (rc == LPG_OK)
            rc = s_csv_safe(ua->gas_cert_no, "gas-use certificate number",
                            why, whysz);
        if (rc == LPG_OK)
            rc = s_company_signer(t, ev, signer_is_authority, ua->company,
                                  why, whysz);
        if (rc != LPG_OK)
            return rc;
        return s_new_id(t, LPG_TABLE_USERS, e->user, "user", why, whysz);
    }
    case LPG__EVENT__BODY_PII_REVEAL: {
        if (!signer_is_authority)
            return lpg_why_rc(why, whysz, LPG_EPERM, "%s",
                              "only the authority key reveals personal data");
        Lpg__UserState *u = NULL;
        int rc = s_user(t, e->pii_reveal->user, &u, why, whysz);
        if (rc != LPG_OK)
            return rc;
        bool erased = u->has_erased_seq;
        lpg__user_state__free_unpacked(u, NULL);
        return erased ? lpg_why_rc(why, whysz, LPG_ENOTFOUND, "%s",
                                   "this user was erased: there is nothing to "
                                   "reveal")
                      : LPG_OK;
    }
    case LPG__EVENT__BODY_USER_ERASE: {
        Lpg__UserState *u = NULL;
        int rc = s_user(t, e->user_erase->user, &u, why, whysz);
        if (rc != LPG_OK)
            return rc;
        bool erased = u->has_erased_seq;
        if (!erased)
            rc = s_company_signer(t, ev, signer_is_authority,
                                  u->add->company, why, whysz);
        lpg__user_state__free_unpacked(u, NULL);
        if (erased)
            return lpg_why_rc(why, whysz, LPG_EEXIST, "%s",
                              "this user is already erased");
        return rc;
    }
    case LPG__EVENT__BODY_CYLINDER_UPDATE: {
        Lpg__CylinderState *cyl = NULL;
        if (!e->cylinder)
            return lpg_why_rc(why, whysz, LPG_EINVAL, "no cylinder named");
        int rc = s_cylinder(t, e->cylinder, &cyl);
        if (rc == LPG_ENOTFOUND)
            return lpg_why_rc(why, whysz, LPG_ENOTFOUND, "no such cylinder");
        if (rc != LPG_OK)
            return rc;
        bool scrapped = cyl->has_status &&
                        cyl->status == LPG__CYLINDER_STATUS__CYL_SCRAPPED;
        rc = s_company_signer(t, ev, signer_is_authority, cyl->reg->owner,
                              why, whysz);
        lpg__cylinder_state__free_unpacked(cyl, NULL);
        if (rc == LPG_OK && scrapped)
            return lpg_why_rc(why, whysz, LPG_EPERM, "%s",
                              "a scrapped cylinder never returns to service");
        return rc;
    }
    case LPG__EVENT__BODY_FILL_CHECK:
    case LPG__EVENT__BODY_FILL_RECORD:
    case LPG__EVENT__BODY_FILL_OVERRIDE: {
        if (signer_is_authority)
            return lpg_why_rc(why, whysz, LPG_EPERM, "%s",
                              "the authority key does not sign station events");
        /* Where the device may act is judged by the filling rules
         * (DEVICE_NOT_HERE), so the refusal is recorded for audit. */
        return LPG_OK;
    }
    case LPG__EVENT__BODY_HOUSEHOLD_INSPECTION:
    case LPG__EVENT__BODY_HAZARD_ESCALATION:
    case LPG__EVENT__BODY_PERIODIC_INSPECTION:
    case LPG__EVENT__BODY_HAZARD_RECTIFIED:
        return lpg_state_inspection_authorize(t, ev, signer_is_authority,
                                              why, whysz);
    case LPG__EVENT__BODY_DISPATCH:
    case LPG__EVENT__BODY_DELIVERY:
    case LPG__EVENT__BODY_COLLECTION:
    case LPG__EVENT__BODY_STATION_RETURN:
        return lpg_state_delivery_authorize(t, ev, signer_is_authority, why,
                                            whysz);
    case LPG__EVENT__BODY__NOT_SET:
    default:
        return lpg_why_rc(why, whysz, LPG_EINVAL, "event has no body");
    }
}

static int
s_index_all(lpg_txn_t *t, uint64_t seq, const Lpg__Event *e)
{
    struct {
        lpg_table_t table;
        const char *key;
    } idx[] = {
        {LPG_TABLE_BY_CYLINDER, e->cylinder},
        {LPG_TABLE_BY_SITE, e->site},
        {LPG_TABLE_BY_USER, e->user},
        {LPG_TABLE_BY_ACTOR, e->actor},
    };
    for (size_t i = 0; i < sizeof idx / sizeof idx[0]; i++) {
        if (!idx[i].key || !*idx[i].key)
            continue;
        int rc = lpg_txn_index(t, idx[i].table, idx[i].key,
                               strlen(idx[i].key), seq);
        if (rc != LPG_OK)
            return rc;
    }
    return LPG_OK;
}

static int
s_apply_enroll(lpg_txn_t *t, uint64_t seq, const Lpg__DeviceEnroll *d)
{
    Lpg__DeviceState st = LPG__DEVICE_STATE__INIT;
    st.sign_pub = d->sign_pub;
    st.has_curve_pub = d->has_curve_pub;
    st.curve_pub = d->curve_pub;
    st.company = d->company;
    st.site = d->site;
    st.role = d->role;
    st.vehicle = d->vehicle;
    st.person = d->person;
    st.name = d->name;
    st.enrolled_seq = seq;
    uint8_t id[LPG_KEYID_LEN];
    lpg_sha256(d->sign_pub.data, LPG_ED25519_PUB_LEN, id);
    if (d->has_curve_pub) {
        int rc = lpg_txn_put(t, LPG_TABLE_CURVE_KEYS, d->curve_pub.data, 32,
                             id, sizeof id);
        if (rc != LPG_OK)
            return rc;
    }
    return s_put_message(t, LPG_TABLE_DEVICES, id, sizeof id, &st.base);
}

static int
s_apply_revoke(lpg_txn_t *t, uint64_t seq, const Lpg__DeviceRevoke *r)
{
    Lpg__DeviceState *dev = NULL;
    int rc = lpg_state_device(t, r->key_id.data, &dev);
    if (rc != LPG_OK)
        return rc;
    dev->has_revoked_seq = 1;
    dev->revoked_seq = seq;
    char *old = dev->revoke_reason;
    dev->revoke_reason = r->reason;
    rc = s_put_message(t, LPG_TABLE_DEVICES, r->key_id.data, LPG_KEYID_LEN,
                       &dev->base);
    dev->revoke_reason = old;
    lpg__device_state__free_unpacked(dev, NULL);
    return rc;
}

static int
s_apply_register(lpg_txn_t *t, uint64_t seq, const Lpg__Event *e)
{
    Lpg__CylinderState st = LPG__CYLINDER_STATE__INIT;
    st.grai = e->cylinder;
    st.reg = e->cylinder_register;
    st.registered_seq = seq;
    st.has_last_event_seq = 1;
    st.last_event_seq = seq;
    st.has_status = 1;
    st.status = LPG__CYLINDER_STATUS__CYL_IN_SERVICE;
    st.has_custody = 1;
    st.custody = LPG__CUSTODY__CUSTODY_EMPTY_AT_STATION;
    const Lpg__CylinderRegister *r = e->cylinder_register;
    st.has_next_inspection_ymd = r->has_next_inspection_ymd;
    st.next_inspection_ymd = r->next_inspection_ymd;
    st.has_insurance_until_ymd = r->has_insurance_until_ymd;
    st.insurance_until_ymd = r->insurance_until_ymd;
    return s_put_message(t, LPG_TABLE_CYLINDERS, e->cylinder,
                         strlen(e->cylinder), &st.base);
}

void
lpg_state_seen(Lpg__CylinderState *cyl, const char *site,
               uint64_t device_ms, uint64_t recorded_at_ms)
{
    uint64_t at = lpg_clock_bounded(device_ms, recorded_at_ms);
    if (cyl->has_last_time_ms && at < cyl->last_time_ms)
        return;
    cyl->has_last_time_ms = 1;
    cyl->last_time_ms = at;
    if (site && *site)
        cyl->last_site = (char *)site;
}

static int
s_apply_fill(lpg_txn_t *t, uint64_t seq, uint64_t recorded_at_ms,
             const Lpg__Event *e, const Lpg__Outcome *outcome)
{
    if (!e->cylinder || !*e->cylinder)
        return LPG_OK;
    Lpg__CylinderState *cyl = NULL;
    int rc = s_cylinder(t, e->cylinder, &cyl);
    if (rc == LPG_ENOTFOUND)
        return LPG_OK; /* an unknown cylinder has no state to change */
    if (rc != LPG_OK)
        return rc;
    bool ok = !outcome || outcome->status == LPG__STATUS__STATUS_OK;
    uint8_t *old_allow = cyl->last_allow_event_id.data;
    char *old_site = cyl->last_site;
    uint8_t *old_override = cyl->last_override_event_id.data;
    if (e->body_case == LPG__EVENT__BODY_FILL_CHECK) {
        cyl->has_last_fill_check_seq = 1;
        cyl->last_fill_check_seq = seq;
        if (ok) {
            cyl->has_last_allow_event_id = 1;
            cyl->last_allow_event_id = e->event_id;
            cyl->has_last_allow_seq = 1;
            cyl->last_allow_seq = seq;
        } else {
            cyl->has_denied_checks = 1;
            cyl->denied_checks++;
        }
    } else if (e->body_case == LPG__EVENT__BODY_FILL_OVERRIDE) {
        if (ok) {
            cyl->has_last_override_event_id = 1;
            cyl->last_override_event_id = e->event_id;
            cyl->has_last_override_seq = 1;
            cyl->last_override_seq = seq;
        }
    } else if (ok) {
        cyl->has_last_fill_seq = 1;
        cyl->last_fill_seq = seq;
        cyl->has_last_full_g = 1;
        cyl->last_full_g = e->fill_record->full_g;
        cyl->has_fills = 1;
        cyl->fills++;
        cyl->has_custody = 1;
        cyl->custody = LPG__CUSTODY__CUSTODY_FULL_AT_STATION;
        /* The ALLOW (or override) is used up. */
        cyl->has_last_allow_event_id = 0;
        cyl->last_allow_event_id.data = NULL;
        cyl->last_allow_event_id.len = 0;
        cyl->has_last_override_event_id = 0;
        cyl->last_override_event_id.data = NULL;
        cyl->last_override_event_id.len = 0;
    }
    if (e->body_case == LPG__EVENT__BODY_FILL_RECORD) {
        /* Over-filled or leaking: held until decanted or repaired, even
         * when the record itself was refused (the gas is in it). */
        bool over = outcome && outcome->fill && outcome->fill->has_over &&
                    outcome->fill->over;
        if (over || !e->fill_record->leak_ok) {
            cyl->has_status = 1;
            cyl->status = LPG__CYLINDER_STATUS__CYL_QUARANTINED;
        }
    }
    cyl->has_last_event_seq = 1;
    cyl->last_event_seq = seq;
    if (ok) {
        /* Where it was last seen, for impossible travel: only what was
         * accepted (a forged code names a cylinder that was not there). */
        lpg_state_seen(cyl, e->site, e->device_time_ms, recorded_at_ms);
    }
    rc = s_put_message(t, LPG_TABLE_CYLINDERS, e->cylinder,
                       strlen(e->cylinder), &cyl->base);
    cyl->last_allow_event_id.data = old_allow;
    cyl->last_override_event_id.data = old_override;
    cyl->last_site = old_site;
    lpg__cylinder_state__free_unpacked(cyl, NULL);
    return rc;
}

static int
s_apply_update(lpg_txn_t *t, uint64_t seq, const Lpg__Event *e)
{
    Lpg__CylinderState *cyl = NULL;
    int rc = s_cylinder(t, e->cylinder, &cyl);
    if (rc != LPG_OK)
        return rc;
    const Lpg__CylinderUpdate *u = e->cylinder_update;
    if (u->has_status) {
        cyl->has_status = 1;
        cyl->status = u->status;
    }
    if (u->has_next_inspection_ymd) {
        cyl->has_next_inspection_ymd = 1;
        cyl->next_inspection_ymd = u->next_inspection_ymd;
    }
    if (u->has_insurance_until_ymd) {
        cyl->has_insurance_until_ymd = 1;
        cyl->insurance_until_ymd = u->insurance_until_ymd;
    }
    cyl->has_last_event_seq = 1;
    cyl->last_event_seq = seq;
    rc = s_put_message(t, LPG_TABLE_CYLINDERS, e->cylinder,
                       strlen(e->cylinder), &cyl->base);
    lpg__cylinder_state__free_unpacked(cyl, NULL);
    return rc;
}

/*  Marks the user erased (the registry destroys the data key itself). */
static int
s_apply_erase(lpg_txn_t *t, uint64_t seq, const Lpg__UserErase *x)
{
    int rc = lpg_txn_index(t, LPG_TABLE_BY_USER, x->user, strlen(x->user),
                           seq);
    Lpg__UserState *u = NULL;
    if (rc == LPG_OK)
        rc = s_user(t, x->user, &u, NULL, 0);
    if (rc != LPG_OK)
        return rc;
    u->has_erased_seq = 1;
    u->erased_seq = seq;
    rc = s_put_message(t, LPG_TABLE_USERS, x->user, strlen(x->user),
                       &u->base);
    lpg__user_state__free_unpacked(u, NULL);
    return rc;
}

/*  The ID-card look-up index: HMAC -> the UserAdd's seq (an erased user
 *  stays indexed, as it stays in the users table, marked erased). */
static int
s_index_id_hmac(lpg_txn_t *t, const Lpg__UserAdd *ua, uint64_t seq)
{
    if (ua->id_hmac.len != 32)
        return LPG_OK; /* refused when recorded; nothing to index */
    return lpg_txn_index(t, LPG_TABLE_BY_ID_HMAC, ua->id_hmac.data, 32,
                         seq);
}

static int
s_backfill_user(void *ctx, const void *key, size_t klen, const void *val,
                size_t vlen)
{
    Lpg__UserState *u = lpg__user_state__unpack(NULL, vlen, val);
    if (!u || !u->add)
        return LPG_ECORRUPT;
    int rc = s_index_id_hmac(ctx, u->add, u->seq);
    lpg__user_state__free_unpacked(u, NULL);
    return rc;
}

int
lpg_state_backfill(lpg_txn_t *t, lpg_table_t table, bool *done)
{
    *done = false;
    if (table != LPG_TABLE_BY_ID_HMAC)
        return LPG_OK;
    int rc = lpg_txn_foreach(t, LPG_TABLE_USERS, s_backfill_user, t);
    *done = rc == LPG_OK;
    return rc;
}

int
lpg_state_apply(lpg_txn_t *t, uint64_t seq, uint64_t recorded_at_ms,
                const lpg_event_t *ev,
                const uint8_t signer_id[LPG_KEYID_LEN],
                const Lpg__Outcome *outcome)
{
    const Lpg__Event *e = ev->event;
    int rc = s_index_all(t, seq, e);
    if (rc != LPG_OK)
        return rc;
    switch (e->body_case) {
    case LPG__EVENT__BODY_DEVICE_ENROLL:
        return s_apply_enroll(t, seq, e->device_enroll);
    case LPG__EVENT__BODY_DEVICE_REVOKE:
        return s_apply_revoke(t, seq, e->device_revoke);
    case LPG__EVENT__BODY_CYLINDER_REGISTER:
        return s_apply_register(t, seq, e);
    case LPG__EVENT__BODY_COMPANY_ADD: {
        Lpg__CompanyState st = LPG__COMPANY_STATE__INIT;
        st.add = e->company_add;
        st.seq = seq;
        return s_put_message(t, LPG_TABLE_COMPANIES, e->company,
                             strlen(e->company), &st.base);
    }
    case LPG__EVENT__BODY_SITE_ADD: {
        Lpg__SiteState st = LPG__SITE_STATE__INIT;
        st.add = e->site_add;
        st.seq = seq;
        return s_put_message(t, LPG_TABLE_SITES, e->site, strlen(e->site),
                             &st.base);
    }
    case LPG__EVENT__BODY_STAFF_ADD: {
        Lpg__StaffState st = LPG__STAFF_STATE__INIT;
        st.add = e->staff_add;
        st.seq = seq;
        return s_put_message(t, LPG_TABLE_STAFF, e->actor, strlen(e->actor),
                             &st.base);
    }
    case LPG__EVENT__BODY_VEHICLE_ADD: {
        Lpg__VehicleState st = LPG__VEHICLE_STATE__INIT;
        st.add = e->vehicle_add;
        st.seq = seq;
        return s_put_message(t, LPG_TABLE_VEHICLES, e->vehicle_add->plate,
                             strlen(e->vehicle_add->plate), &st.base);
    }
    case LPG__EVENT__BODY_USER_ADD: {
        Lpg__UserState st = LPG__USER_STATE__INIT;
        st.add = e->user_add;
        st.seq = seq;
        rc = s_index_id_hmac(t, e->user_add, seq);
        if (rc != LPG_OK)
            return rc;
        return s_put_message(t, LPG_TABLE_USERS, e->user, strlen(e->user),
                             &st.base);
    }
    case LPG__EVENT__BODY_PII_REVEAL: {
        const char *u = e->pii_reveal->user;
        return lpg_txn_index(t, LPG_TABLE_BY_USER, u, strlen(u), seq);
    }
    case LPG__EVENT__BODY_USER_ERASE:
        return s_apply_erase(t, seq, e->user_erase);
    case LPG__EVENT__BODY_CYLINDER_UPDATE:
        return s_apply_update(t, seq, e);
    case LPG__EVENT__BODY_FILL_CHECK:
    case LPG__EVENT__BODY_FILL_RECORD:
    case LPG__EVENT__BODY_FILL_OVERRIDE:
        return s_apply_fill(t, seq, recorded_at_ms, e, outcome);
    case LPG__EVENT__BODY_HOUSEHOLD_INSPECTION:
    case LPG__EVENT__BODY_HAZARD_ESCALATION:
    case LPG__EVENT__BODY_PERIODIC_INSPECTION:
    case LPG__EVENT__BODY_HAZARD_RECTIFIED:
        return lpg_state_inspection_apply(t, seq, ev, outcome);
    case LPG__EVENT__BODY_DISPATCH:
    case LPG__EVENT__BODY_DELIVERY:
    case LPG__EVENT__BODY_COLLECTION:
    case LPG__EVENT__BODY_STATION_RETURN:
        return lpg_state_delivery_apply(t, seq, recorded_at_ms, ev,
                                        outcome);
    case LPG__EVENT__BODY__NOT_SET:
    default:
        return LPG_OK;
    }
}

static int
s_signer(lpg_txn_t *t, const uint8_t kid[LPG_KEYID_LEN], lpg_signer_t *out)
{
    Lpg__DeviceState *dev = NULL;
    int rc = lpg_state_device(t, kid, &dev);
    if (rc != LPG_OK)
        return rc;
    if (!dev->sign_pub.data || dev->sign_pub.len != 32) {
        lpg__device_state__free_unpacked(dev, NULL);
        return LPG_ECORRUPT;
    }
    memcpy(out->sign_pub, dev->sign_pub.data, 32);
    out->enrolled_seq = dev->enrolled_seq;
    out->revoked = dev->has_revoked_seq;
    out->revoked_seq = dev->revoked_seq;
    lpg__device_state__free_unpacked(dev, NULL);
    return LPG_OK;
}

/*  Entries written by a service must be of its kinds (domain/owner.h);
 *  other writers (`lpgtrace gen`, test tools) are not judged. */
static int
s_backfill(lpg_txn_t *t, int table, bool *done)
{
    return lpg_state_backfill(t, (lpg_table_t)table, done);
}

static int
s_recorder(const lpg_event_t *ev, const char *writer, char *why,
           size_t whysz)
{
    Lpg__Event__BodyCase kind = ev->event->body_case;
    if (!lpg_owner_is_service(writer) ||
        lpg_owner_recorded_by_owner(writer, kind))
        return LPG_OK;
    const char *owner = lpg_owner_of(kind);
    return lpg_why_rc(why, whysz, LPG_EWRONGSERVICE,
                      "a %s event recorded by the %s service; only %s "
                      "records that kind",
                      lpg_event_kind(ev->event), writer,
                      owner ? owner : "no service");
}

const lpg_projection_t lpg_state_projection = {
    .signer = s_signer,
    .authorize = lpg_state_authorize,
    .apply = lpg_state_apply,
    .recorder = s_recorder,
    .backfill = s_backfill,
};
