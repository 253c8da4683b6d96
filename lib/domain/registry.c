/*  registry.c - see registry.h. Deterministic like every family: the
 *  rows read only the entry and the tables, never the clock.
 */
#include "domain/registry.h"
#include "base/csv.h"
#include "base/error.h"
#include "codes/code.h"
#include "domain/cylinder.h"
#include "domain/state.h"
#include "domain/words.h"
#include "ledger/event.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*  The cylinder's record (caller frees): LPG_ENOTFOUND, LPG_ECORRUPT. */
static int
s_cylinder(lpg_txn_t *t, const char *grai, Lpg__CylinderState **out)
{
    return lpg_state_load(t, LPG_TABLE_CYLINDERS, grai,
                          &lpg__cylinder_state__descriptor,
                          (ProtobufCMessage **)out);
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
                        : *text == '='  ? "'='"
                        : *text == '+'  ? "'+'"
                        : *text == '-'  ? "'-'"
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
        return lpg_why_rc(why, whysz, LPG_EEXIST, "%s '%.40s' already exists",
                          what, id);
    }
    return rc == LPG_ENOTFOUND ? LPG_OK : rc;
}

static int
s_exists(lpg_txn_t *t, lpg_table_t table, const char *id, const char *what,
         char *why, size_t whysz)
{
    const void *v;
    size_t vlen;
    int rc =
        id ? lpg_txn_get(t, table, id, strlen(id), &v, &vlen) : LPG_ENOTFOUND;
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
s_company_signer(lpg_txn_t *t, const lpg_event_t *ev, bool signer_is_authority,
                 const char *company, char *why, size_t whysz)
{
    int rc = s_exists(t, LPG_TABLE_COMPANIES, company, "company", why, whysz);
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
              : lpg_why_rc(
                    why, whysz, LPG_EPERM, "%s",
                    "only the authority or this company's admin key may "
                    "change its records");
}

/* ------------------------------------------------------------ authorize */

static int
s_auth_enroll(lpg_txn_t *t, const lpg_event_t *ev, bool signer_is_authority,
              char *why, size_t whysz)
{
    const Lpg__Event *e = ev->event;
    if (!signer_is_authority)
        return lpg_why_rc(why, whysz, LPG_EPERM, "%s",
                          "only the authority key enrols devices");
    const Lpg__DeviceEnroll *de = e->device_enroll;
    if (de->role != LPG__ROLE__ROLE_ADMIN &&
        de->role != LPG__ROLE__ROLE_SERVICE &&
        de->role != LPG__ROLE__ROLE_GATEWAY) {
        int rc = s_exists(t, LPG_TABLE_COMPANIES, de->company, "company", why,
                          whysz);
        if (rc == LPG_OK && de->site && *de->site)
            rc = s_exists(t, LPG_TABLE_SITES, de->site, "site", why, whysz);
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

static int
s_auth_revoke(lpg_txn_t *t, const lpg_event_t *ev, bool signer_is_authority,
              char *why, size_t whysz)
{
    const Lpg__Event *e = ev->event;
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

static int
s_auth_register(lpg_txn_t *t, const lpg_event_t *ev, bool signer_is_authority,
                char *why, size_t whysz)
{
    const Lpg__Event *e = ev->event;
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
        rc = s_exists(t, LPG_TABLE_COMPANIES, reg->owner, "company", why,
                      whysz);
    if (rc == LPG_OK && reg->fill_site && *reg->fill_site)
        rc = s_exists(t, LPG_TABLE_SITES, reg->fill_site, "site", why, whysz);
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

static int
s_auth_company(lpg_txn_t *t, const lpg_event_t *ev, bool signer_is_authority,
               char *why, size_t whysz)
{
    const Lpg__Event *e = ev->event;
    if (!signer_is_authority)
        return lpg_why_rc(why, whysz, LPG_EPERM, "%s",
                          "only the authority key adds companies");
    if (s_csv_safe(e->company, "company id", why, whysz) != LPG_OK)
        return LPG_EINVAL;
    return s_new_id(t, LPG_TABLE_COMPANIES, e->company, "company", why, whysz);
}

static int
s_auth_site(lpg_txn_t *t, const lpg_event_t *ev, bool signer_is_authority,
            char *why, size_t whysz)
{
    const Lpg__Event *e = ev->event;
    if (!signer_is_authority)
        return lpg_why_rc(why, whysz, LPG_EPERM, "%s",
                          "only the authority key adds sites");
    int rc = s_csv_safe(e->site, "site id", why, whysz);
    if (rc != LPG_OK)
        return rc;
    rc = s_exists(t, LPG_TABLE_COMPANIES, e->site_add->company, "company", why,
                  whysz);
    if (rc != LPG_OK)
        return rc;
    return s_new_id(t, LPG_TABLE_SITES, e->site, "site", why, whysz);
}

static int
s_auth_staff(lpg_txn_t *t, const lpg_event_t *ev, bool signer_is_authority,
             char *why, size_t whysz)
{
    const Lpg__Event *e = ev->event;
    const Lpg__StaffAdd *sa = e->staff_add;
    int rc = s_csv_safe(e->actor, "staff id", why, whysz);
    if (rc == LPG_OK)
        rc = s_company_signer(t, ev, signer_is_authority, sa->company, why,
                              whysz);
    if (rc == LPG_OK && sa->site && *sa->site)
        rc = s_site_of(t, sa->site, sa->company, why, whysz);
    if (rc != LPG_OK)
        return rc;
    return s_new_id(t, LPG_TABLE_STAFF, e->actor, "staff member", why, whysz);
}

static int
s_auth_vehicle(lpg_txn_t *t, const lpg_event_t *ev, bool signer_is_authority,
               char *why, size_t whysz)
{
    const Lpg__Event *e = ev->event;
    int rc = s_csv_safe(e->vehicle_add->plate, "vehicle plate", why, whysz);
    if (rc == LPG_OK)
        rc = s_company_signer(t, ev, signer_is_authority,
                              e->vehicle_add->company, why, whysz);
    if (rc != LPG_OK)
        return rc;
    return s_new_id(t, LPG_TABLE_VEHICLES, e->vehicle_add->plate, "vehicle",
                    why, whysz);
}

static int
s_auth_user(lpg_txn_t *t, const lpg_event_t *ev, bool signer_is_authority,
            char *why, size_t whysz)
{
    const Lpg__Event *e = ev->event;
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
        rc = s_csv_safe(ua->gas_cert_no, "gas-use certificate number", why,
                        whysz);
    if (rc == LPG_OK)
        rc = s_company_signer(t, ev, signer_is_authority, ua->company, why,
                              whysz);
    if (rc != LPG_OK)
        return rc;
    return s_new_id(t, LPG_TABLE_USERS, e->user, "user", why, whysz);
}

static int
s_auth_reveal(lpg_txn_t *t, const lpg_event_t *ev, bool signer_is_authority,
              char *why, size_t whysz)
{
    const Lpg__Event *e = ev->event;
    if (!signer_is_authority)
        return lpg_why_rc(why, whysz, LPG_EPERM, "%s",
                          "only the authority key reveals personal data");
    if (e->pii_reveal->has_tip_seq) {
        /* A tip's phone: user is the tip's id. Whether entry tip_seq is
         * that tip with a number is the registry's check when it opens
         * the number (and lpgtrace's before it records the reveal): the
         * rules see the state tables alone, where tips leave nothing. */
        const char *id = e->pii_reveal->user;
        bool ok = strncmp(id, "tip/", 4) == 0 && strlen(id) == 4 + 32;
        for (size_t i = 4; ok && id[i]; i++)
            ok = (id[i] >= '0' && id[i] <= '9') ||
                 (id[i] >= 'a' && id[i] <= 'f');
        return ok ? LPG_OK
                  : lpg_why_rc(why, whysz, LPG_EINVAL, "%s",
                               "a tip's reveal names the tip's id, "
                               "tip/<its event id in hex>");
    }
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

static int
s_auth_erase(lpg_txn_t *t, const lpg_event_t *ev, bool signer_is_authority,
             char *why, size_t whysz)
{
    const Lpg__Event *e = ev->event;
    Lpg__UserState *u = NULL;
    int rc = s_user(t, e->user_erase->user, &u, why, whysz);
    if (rc != LPG_OK)
        return rc;
    bool erased = u->has_erased_seq;
    if (!erased)
        rc = s_company_signer(t, ev, signer_is_authority, u->add->company, why,
                              whysz);
    lpg__user_state__free_unpacked(u, NULL);
    if (erased)
        return lpg_why_rc(why, whysz, LPG_EEXIST, "%s",
                          "this user is already erased");
    return rc;
}

/*  A household's PIN (UserPin): the user exists and is not erased, and
 *  the authority or an admin key of the user's company signs. */
static int
s_auth_pin(lpg_txn_t *t, const lpg_event_t *ev, bool signer_is_authority,
           char *why, size_t whysz)
{
    Lpg__UserState *u = NULL;
    int rc = s_user(t, ev->event->user_pin->user, &u, why, whysz);
    if (rc != LPG_OK)
        return rc;
    bool erased = u->has_erased_seq;
    if (!erased)
        rc = s_company_signer(t, ev, signer_is_authority, u->add->company, why,
                              whysz);
    lpg__user_state__free_unpacked(u, NULL);
    if (erased)
        return lpg_why_rc(why, whysz, LPG_EEXIST, "%s", "this user is erased");
    return rc;
}

static int
s_auth_update(lpg_txn_t *t, const lpg_event_t *ev, bool signer_is_authority,
              char *why, size_t whysz)
{
    const Lpg__Event *e = ev->event;
    Lpg__CylinderState *cyl = NULL;
    if (!e->cylinder)
        return lpg_why_rc(why, whysz, LPG_EINVAL, "no cylinder named");
    int rc = s_cylinder(t, e->cylinder, &cyl);
    if (rc == LPG_ENOTFOUND)
        return lpg_why_rc(why, whysz, LPG_ENOTFOUND, "no such cylinder");
    if (rc != LPG_OK)
        return rc;
    bool scrapped = lpg_cylinder_scrapped(cyl);
    rc = s_company_signer(t, ev, signer_is_authority, cyl->reg->owner, why,
                          whysz);
    lpg__cylinder_state__free_unpacked(cyl, NULL);
    if (rc == LPG_OK && scrapped)
        return lpg_why_rc(why, whysz, LPG_EPERM, "%s",
                          "a scrapped cylinder never returns to service");
    return rc;
}

/*  A new label (CylinderRelabel): codes are the authority's, so only the
 *  authority key; a registered cylinder that is not scrapped (its code is
 *  revoked for good); the next revision, whose code names this cylinder
 *  and that revision; a reason written. */
static int
s_auth_relabel(lpg_txn_t *t, const lpg_event_t *ev, bool signer_is_authority,
               char *why, size_t whysz)
{
    const Lpg__Event *e = ev->event;
    const Lpg__CylinderRelabel *r = e->cylinder_relabel;
    if (!signer_is_authority)
        return lpg_why_rc(why, whysz, LPG_EPERM, "%s",
                          "only the authority key issues a cylinder's "
                          "codes, and so its new labels");
    if (!e->cylinder || !*e->cylinder)
        return lpg_why_rc(why, whysz, LPG_EINVAL, "no cylinder named");
    bool blank = true;
    for (const char *p = r->reason; p && *p && blank; p++)
        blank = *p == ' ' || *p == '\t';
    if (blank)
        return lpg_why_rc(why, whysz, LPG_EINVAL, "%s",
                          "a new label needs a reason");
    Lpg__CylinderState *cyl = NULL;
    int rc = s_cylinder(t, e->cylinder, &cyl);
    if (rc == LPG_ENOTFOUND)
        return lpg_why_rc(why, whysz, LPG_ENOTFOUND, "no such cylinder");
    if (rc != LPG_OK)
        return rc;
    bool scrapped = lpg_cylinder_scrapped(cyl);
    uint32_t current = lpg_cylinder_code_revision(cyl);
    lpg__cylinder_state__free_unpacked(cyl, NULL);
    if (scrapped)
        return lpg_why_rc(why, whysz, LPG_EPERM, "%s",
                          "a scrapped cylinder's code is revoked for good: "
                          "it gets no new label");
    if (current == UINT32_MAX || r->code_revision != current + 1)
        return lpg_why_rc(why, whysz, LPG_EINVAL,
                          "the new label must be revision %u (the current "
                          "one is %u), not %u",
                          (unsigned)(current + 1), (unsigned)current,
                          (unsigned)r->code_revision);
    lpg_code_t code;
    if (lpg_code_parse(r->code, strlen(r->code), NULL, &code) != LPG_OK)
        return lpg_why_rc(why, whysz, LPG_EINVAL,
                          "the new code is no code: %s", code.why);
    if (strcmp(code.grai, e->cylinder) != 0 ||
        code.revision != r->code_revision)
        return lpg_why_rc(why, whysz, LPG_EINVAL, "%s",
                          "the new code names another cylinder or "
                          "revision");
    return LPG_OK;
}

static int
s_apply_enroll(lpg_txn_t *t, uint64_t seq, uint64_t recorded_at_ms,
               const lpg_event_t *ev, const uint8_t signer[LPG_KEYID_LEN],
               const Lpg__Outcome *outcome)
{
    const Lpg__DeviceEnroll *d = ev->event->device_enroll;
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
    return lpg_state_put(t, LPG_TABLE_DEVICES, id, sizeof id, &st.base);
}

static int
s_apply_revoke(lpg_txn_t *t, uint64_t seq, uint64_t recorded_at_ms,
               const lpg_event_t *ev, const uint8_t signer[LPG_KEYID_LEN],
               const Lpg__Outcome *outcome)
{
    const Lpg__DeviceRevoke *r = ev->event->device_revoke;
    Lpg__DeviceState *dev = NULL;
    int rc = lpg_state_device(t, r->key_id.data, &dev);
    if (rc != LPG_OK)
        return rc;
    dev->has_revoked_seq = 1;
    dev->revoked_seq = seq;
    char *old = dev->revoke_reason;
    dev->revoke_reason = r->reason;
    rc = lpg_state_put(t, LPG_TABLE_DEVICES, r->key_id.data, LPG_KEYID_LEN,
                       &dev->base);
    dev->revoke_reason = old;
    lpg__device_state__free_unpacked(dev, NULL);
    return rc;
}

/*  Marks the user erased (the registry destroys the data key itself). */
static int
s_apply_erase(lpg_txn_t *t, uint64_t seq, uint64_t recorded_at_ms,
              const lpg_event_t *ev, const uint8_t signer[LPG_KEYID_LEN],
              const Lpg__Outcome *outcome)
{
    const Lpg__UserErase *x = ev->event->user_erase;
    int rc =
        lpg_txn_index(t, LPG_TABLE_BY_USER, x->user, strlen(x->user), seq);
    Lpg__UserState *u = NULL;
    if (rc == LPG_OK)
        rc = s_user(t, x->user, &u, NULL, 0);
    if (rc != LPG_OK)
        return rc;
    u->has_erased_seq = 1;
    u->erased_seq = seq;
    rc = lpg_state_put(t, LPG_TABLE_USERS, x->user, strlen(x->user), &u->base);
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
    return lpg_txn_index(t, LPG_TABLE_BY_ID_HMAC, ua->id_hmac.data, 32, seq);
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
lpg_registry_backfill(lpg_txn_t *t, lpg_table_t table, bool *done)
{
    *done = false;
    if (table == LPG_TABLE_ACCOUNTS) {
        *done = true; /* no ledger older than the table has accounts */
        return LPG_OK;
    }
    if (table != LPG_TABLE_BY_ID_HMAC)
        return LPG_OK;
    int rc = lpg_txn_foreach(t, LPG_TABLE_USERS, s_backfill_user, t);
    *done = rc == LPG_OK;
    return rc;
}

/* ------------------------------------------------------------ apply */

/*  The records that are their add and the entry that made it: a
 *  company, a site, a staff member, a vehicle, each under its id. */
#define S_ADD_APPLY(fn, State, init, field, table, key)                       \
    static int fn(lpg_txn_t *t, uint64_t seq, uint64_t recorded_at_ms,        \
                  const lpg_event_t *ev, const uint8_t signer[LPG_KEYID_LEN], \
                  const Lpg__Outcome *outcome)                                \
    {                                                                         \
        const Lpg__Event *e = ev->event;                                      \
        State st = init;                                                      \
        st.add = e->field;                                                    \
        st.seq = seq;                                                         \
        return lpg_state_put(t, table, key, strlen(key), &st.base);           \
    }

S_ADD_APPLY(s_apply_company, Lpg__CompanyState, LPG__COMPANY_STATE__INIT,
            company_add, LPG_TABLE_COMPANIES, e->company)
S_ADD_APPLY(s_apply_site, Lpg__SiteState, LPG__SITE_STATE__INIT, site_add,
            LPG_TABLE_SITES, e->site)
S_ADD_APPLY(s_apply_staff, Lpg__StaffState, LPG__STAFF_STATE__INIT, staff_add,
            LPG_TABLE_STAFF, e->actor)
S_ADD_APPLY(s_apply_vehicle, Lpg__VehicleState, LPG__VEHICLE_STATE__INIT,
            vehicle_add, LPG_TABLE_VEHICLES, e->vehicle_add->plate)

static int
s_apply_user(lpg_txn_t *t, uint64_t seq, uint64_t recorded_at_ms,
             const lpg_event_t *ev, const uint8_t signer[LPG_KEYID_LEN],
             const Lpg__Outcome *outcome)
{
    const Lpg__Event *e = ev->event;
    Lpg__UserState st = LPG__USER_STATE__INIT;
    st.add = e->user_add;
    st.seq = seq;
    int rc = s_index_id_hmac(t, e->user_add, seq);
    if (rc != LPG_OK)
        return rc;
    return lpg_state_put(t, LPG_TABLE_USERS, e->user, strlen(e->user),
                         &st.base);
}

static int
s_apply_reveal(lpg_txn_t *t, uint64_t seq, uint64_t recorded_at_ms,
               const lpg_event_t *ev, const uint8_t signer[LPG_KEYID_LEN],
               const Lpg__Outcome *outcome)
{
    const char *u = ev->event->pii_reveal->user;
    if (ev->event->pii_reveal->has_tip_seq)
        return LPG_OK; /* a tip's reporter is no user */
    return lpg_txn_index(t, LPG_TABLE_BY_USER, u, strlen(u), seq);
}

/* ------------------------------------------------------- cylinder steps */

static void
s_step_register(Lpg__CylinderState *st, uint64_t seq, uint64_t recorded_at_ms,
                const Lpg__Event *e, const Lpg__Outcome *outcome)
{
    st->grai = e->cylinder;
    st->reg = e->cylinder_register;
    st->registered_seq = seq;
    st->has_status = 1;
    st->status = LPG__CYLINDER_STATUS__CYL_IN_SERVICE;
    st->has_custody = 1;
    st->custody = LPG__CUSTODY__CUSTODY_EMPTY_AT_STATION;
    const Lpg__CylinderRegister *r = e->cylinder_register;
    st->has_next_inspection_ymd = r->has_next_inspection_ymd;
    st->next_inspection_ymd = r->next_inspection_ymd;
    st->has_insurance_until_ymd = r->has_insurance_until_ymd;
    st->insurance_until_ymd = r->insurance_until_ymd;
}

static void
s_step_update(Lpg__CylinderState *cyl, uint64_t seq, uint64_t recorded_at_ms,
              const Lpg__Event *e, const Lpg__Outcome *outcome)
{
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
}

/*  The current label is the new one: every lower revision is
 *  superseded. */
static void
s_step_relabel(Lpg__CylinderState *cyl, uint64_t seq, uint64_t recorded_at_ms,
               const Lpg__Event *e, const Lpg__Outcome *outcome)
{
    const Lpg__CylinderRelabel *r = e->cylinder_relabel;
    cyl->has_code_revision = 1;
    cyl->code_revision = r->code_revision;
    cyl->code = r->code;
}

/* ---------------------------------------------------------------- words */

static void
s_say_register(const Lpg__Event *e, const Lpg__Outcome *o, bool ok,
               lpg_kind_words_t *w)
{
    const Lpg__CylinderRegister *r = e->cylinder_register;
    snprintf(w->step, sizeof w->step, "registered");
    snprintf(w->step_zh, sizeof w->step_zh, "登记建档");
    snprintf(w->detail, sizeof w->detail,
             "serial %s, %s, owner %s, tare %u g, fill %u g%s%s", r->serial,
             r->spec ? r->spec : "spec ?", r->owner, r->tare_g, r->fill_g,
             r->fill_site ? ", filled only at " : "",
             r->fill_site ? r->fill_site : "");
}

static void
s_say_update(const Lpg__Event *e, const Lpg__Outcome *o, bool ok,
             lpg_kind_words_t *w)
{
    const Lpg__CylinderUpdate *u = e->cylinder_update;
    snprintf(w->step, sizeof w->step, "updated");
    snprintf(w->step_zh, sizeof w->step_zh, "信息变更");
    char due[40] = "";
    if (u->has_next_inspection_ymd)
        snprintf(due, sizeof due, "next inspection %u ",
                 u->next_inspection_ymd);
    snprintf(w->detail, sizeof w->detail, "%s%s%s%s",
             u->has_status ? lpg_status_words(u->status, NULL) : "",
             u->has_status ? " " : "", due, u->reason ? u->reason : "");
}

static void
s_say_relabel(const Lpg__Event *e, const Lpg__Outcome *o, bool ok,
              lpg_kind_words_t *w)
{
    const Lpg__CylinderRelabel *r = e->cylinder_relabel;
    snprintf(w->step, sizeof w->step, "relabelled");
    snprintf(w->step_zh, sizeof w->step_zh, "换码");
    if (r->code_revision > 1)
        snprintf(w->detail, sizeof w->detail,
                 "new label, code revision %u (revision %u and before "
                 "void): %s",
                 (unsigned)r->code_revision, (unsigned)(r->code_revision - 1),
                 r->reason ? r->reason : "-");
    else
        snprintf(w->detail, sizeof w->detail,
                 "new label, code revision %u: "
                 "%s",
                 (unsigned)r->code_revision, r->reason ? r->reason : "-");
}

static void
s_say_enroll(const Lpg__Event *e, const Lpg__Outcome *o, bool ok,
             lpg_kind_words_t *w)
{
    const Lpg__DeviceEnroll *d = e->device_enroll;
    snprintf(w->step, sizeof w->step, "device enrolled");
    snprintf(w->step_zh, sizeof w->step_zh, "设备登记");
    snprintf(w->detail, sizeof w->detail, "%s%s%s%s%s",
             d->name ? d->name : "a device", d->company ? ", " : "",
             d->company ? d->company : "", d->site ? " at " : "",
             d->site ? d->site : "");
}

static void
s_say_revoke(const Lpg__Event *e, const Lpg__Outcome *o, bool ok,
             lpg_kind_words_t *w)
{
    snprintf(w->step, sizeof w->step, "device revoked");
    snprintf(w->step_zh, sizeof w->step_zh, "设备吊销");
    snprintf(w->detail, sizeof w->detail, "reason: %s",
             e->device_revoke->reason ? e->device_revoke->reason : "-");
}

static void
s_say_plain(const char *step, const char *step_zh, const char *what,
            const char *id, lpg_kind_words_t *w)
{
    snprintf(w->step, sizeof w->step, "%s", step);
    snprintf(w->step_zh, sizeof w->step_zh, "%s", step_zh);
    snprintf(w->detail, sizeof w->detail, "%s %s", what, id ? id : "?");
}

/*  Words for the records that are named by one id. */
#define S_SAY(fn, step, step_zh, what, id)                              \
    static void fn(const Lpg__Event *e, const Lpg__Outcome *o, bool ok, \
                   lpg_kind_words_t *w)                                 \
    {                                                                   \
        s_say_plain(step, step_zh, what, id, w);                        \
    }

S_SAY(s_say_company, "company added", "新增企业", "company", e->company)
S_SAY(s_say_site, "site added", "新增站点", "site", e->site)
S_SAY(s_say_staff, "staff added", "新增人员", "staff member", e->actor)
S_SAY(s_say_vehicle, "vehicle added", "新增车辆", "vehicle",
      e->vehicle_add->plate)
S_SAY(s_say_user, "user added", "新增用户", "user", e->user)
S_SAY(s_say_pin, "ordering PIN set", "设置订气密码", "user", e->user_pin->user)
S_SAY(s_say_reveal, "personal data revealed", "查看实名信息", "user",
      e->pii_reveal->user)
S_SAY(s_say_erase, "user erased", "删除用户信息", "user", e->user_erase->user)

/* ------------------------------------------------------------------ tips */

static const struct {
    const char *id, *zh, *en;
} s_tip_categories[] = {
    {"no_code", "气瓶无码", "no code on the cylinder"},
    {"code_fails", "码验证不通过", "code fails check"},
    {"black_market", "黑气点 / 非法经营", "black-market seller"},
    {"other", "其他", "other"},
};

static int
s_tip_category(const char *category)
{
    for (size_t i = 0;
         category && i < sizeof s_tip_categories / sizeof *s_tip_categories;
         i++)
        if (strcmp(category, s_tip_categories[i].id) == 0)
            return (int)i;
    return -1;
}

void
lpg_tip_pii_id(const uint8_t event_id[16], char *out, size_t outsz)
{
    char hex[33];
    lpg_hex(event_id, 16, hex);
    snprintf(out, outsz, "tip/%s", hex);
}

int
lpg_tip_at(lpg_txn_t *t, uint64_t seq, char *id, size_t idsz, uint8_t **sealed,
           size_t *sealed_len)
{
    if (sealed) {
        *sealed = NULL;
        *sealed_len = 0;
    }
    const uint8_t *data;
    size_t len;
    int rc = lpg_txn_entry(t, seq, &data, &len);
    if (rc != LPG_OK)
        return rc;
    Lpg__LedgerEntry *e = lpg__ledger_entry__unpack(NULL, len, data);
    if (!e)
        return LPG_ECORRUPT;
    lpg_event_t ev = {0};
    rc = lpg_event_decode(&ev, e->signed_event.data, e->signed_event.len, NULL,
                          0);
    if (rc == LPG_OK &&
        (ev.event->body_case != LPG__EVENT__BODY_TIP ||
         (e->outcome && e->outcome->status != LPG__STATUS__STATUS_OK) ||
         !ev.event->tip->has_phone_sealed ||
         ev.event->event_id.len != LPG_EVENT_ID_LEN))
        rc = LPG_ENOTFOUND;
    if (rc == LPG_OK) {
        lpg_tip_pii_id(ev.event->event_id.data, id, idsz);
        const ProtobufCBinaryData *ps = &ev.event->tip->phone_sealed;
        if (sealed && !(*sealed = malloc(ps->len ? ps->len : 1)))
            rc = LPG_ENOMEM;
        else if (sealed) {
            memcpy(*sealed, ps->data, ps->len);
            *sealed_len = ps->len;
        }
    } else if (rc != LPG_ENOTFOUND)
        rc = LPG_ECORRUPT;
    lpg_event_clear(&ev);
    lpg__ledger_entry__free_unpacked(e, NULL);
    return rc;
}

bool
lpg_tip_category_known(const char *category)
{
    return s_tip_category(category) >= 0;
}

const char *
lpg_tip_category_zh(const char *category)
{
    int i = s_tip_category(category);
    return i < 0 ? NULL : s_tip_categories[i].zh;
}

const char *
lpg_tip_category_en(const char *category)
{
    int i = s_tip_category(category);
    return i < 0 ? NULL : s_tip_categories[i].en;
}

/*  A tip is signed by an enrolled gateway (lpg-webd), never by the
 *  authority nor any other device; its category is one we know; a
 *  sealed phone is as long as a seal of a phone number can be. */
static int
s_auth_tip(lpg_txn_t *t, const lpg_event_t *ev, bool signer_is_authority,
           char *why, size_t whysz)
{
    const Lpg__Tip *tip = ev->event->tip;
    if (signer_is_authority)
        return lpg_why_rc(why, whysz, LPG_EPERM, "%s",
                          "only a gateway (lpg-webd) records tips");
    Lpg__DeviceState *dev = NULL;
    int rc = lpg_state_device(t, ev->signed_event->key_id.data, &dev);
    if (rc == LPG_ENOTFOUND)
        return lpg_why_rc(why, whysz, LPG_EPERM, "%s",
                          "only a gateway (lpg-webd) records tips");
    if (rc != LPG_OK)
        return rc;
    bool gateway = dev->role == LPG__ROLE__ROLE_GATEWAY;
    lpg__device_state__free_unpacked(dev, NULL);
    if (!gateway)
        return lpg_why_rc(why, whysz, LPG_EPERM, "%s",
                          "only a gateway (lpg-webd) records tips");
    if (!lpg_tip_category_known(tip->category))
        return lpg_why_rc(why, whysz, LPG_EINVAL, "%s",
                          "Event.tip.category: not a known category");
    if (tip->has_phone_sealed &&
        (tip->phone_sealed.len < 16 || tip->phone_sealed.len > 512))
        return lpg_why_rc(why, whysz, LPG_EINVAL, "%s",
                          "Event.tip.phone_sealed: not a sealed phone");
    return LPG_OK;
}

static void
s_say_tip(const Lpg__Event *e, const Lpg__Outcome *o, bool ok,
          lpg_kind_words_t *w)
{
    const Lpg__Tip *tip = e->tip;
    const char *en = lpg_tip_category_en(tip->category);
    snprintf(w->step, sizeof w->step, "tip from the public");
    snprintf(w->step_zh, sizeof w->step_zh, "群众举报");
    snprintf(w->detail, sizeof w->detail, "%s%s%s", en ? en : tip->category,
             tip->has_phone_sealed ? ", with a phone number (sealed)" : "",
             tip->code && !tip->code_verified ? ", code NOT verified" : "");
}

/* -------------------------------------------------------------- accounts */

/*  An account name: 1 to 63 letters, digits, '.', '_', '-', '@', not
 *  beginning with a sign a spreadsheet would run (csv.h). */
static int
s_account_name(const char *name, char *why, size_t whysz)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > 63)
        return lpg_why_rc(why, whysz, LPG_EINVAL, "%s",
                          "an account name is 1 to 63 characters");
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' ||
              c == '@'))
            return lpg_why_rc(why, whysz, LPG_EINVAL, "%s",
                              "an account name has only letters, digits and "
                              ". _ - @");
    }
    return s_csv_safe(name, "account name", why, whysz);
}

/*  The account's record (caller frees), or LPG_ENOTFOUND with why. */
static int
s_account(lpg_txn_t *t, const char *name, Lpg__AccountState **out, char *why,
          size_t whysz)
{
    int rc = lpg_state_load(t, LPG_TABLE_ACCOUNTS, name ? name : "",
                            &lpg__account_state__descriptor,
                            (ProtobufCMessage **)out);
    if (rc == LPG_ENOTFOUND)
        return lpg_why_rc(why, whysz, LPG_ENOTFOUND, "no account '%.40s'",
                          name ? name : "");
    return rc;
}

static int
s_auth_account_add(lpg_txn_t *t, const lpg_event_t *ev,
                   bool signer_is_authority, char *why, size_t whysz)
{
    const Lpg__AccountAdd *a = ev->event->account_add;
    if (!signer_is_authority)
        return lpg_why_rc(why, whysz, LPG_EPERM, "%s",
                          "only the authority key grants console accounts");
    int rc = s_account_name(a->name, why, whysz);
    if (rc != LPG_OK)
        return rc;
    bool area = a->area && *a->area, company = a->company && *a->company;
    switch (a->role) {
    case LPG__ACCOUNT_ROLE__ACCOUNT_REGULATOR:
        if (area || company)
            return lpg_why_rc(why, whysz, LPG_EINVAL, "%s",
                              "a regulator's account sees the whole city: "
                              "no area, no company");
        break;
    case LPG__ACCOUNT_ROLE__ACCOUNT_STREET:
        if (!area || company)
            return lpg_why_rc(why, whysz, LPG_EINVAL, "%s",
                              "a street office's account names its area "
                              "and no company");
        rc = s_csv_safe(a->area, "area", why, whysz);
        break;
    case LPG__ACCOUNT_ROLE__ACCOUNT_COMPANY:
        if (!company || area)
            return lpg_why_rc(why, whysz, LPG_EINVAL, "%s",
                              "a company's account names its company and "
                              "no area");
        rc = s_exists(t, LPG_TABLE_COMPANIES, a->company, "company", why,
                      whysz);
        break;
    default:
        return lpg_why_rc(why, whysz, LPG_EINVAL, "%s",
                          "Event.account_add.role: regulator, street or "
                          "company");
    }
    if (rc != LPG_OK)
        return rc;
    return s_new_id(t, LPG_TABLE_ACCOUNTS, a->name, "account", why, whysz);
}

/*  An enabled account exists under name, and the authority signs. */
static int
s_auth_account_change(lpg_txn_t *t, const char *name, bool signer_is_authority,
                      char *why, size_t whysz)
{
    if (!signer_is_authority)
        return lpg_why_rc(why, whysz, LPG_EPERM, "%s",
                          "only the authority key changes console accounts");
    Lpg__AccountState *a = NULL;
    int rc = s_account(t, name, &a, why, whysz);
    if (rc != LPG_OK)
        return rc;
    bool disabled = a->has_disabled_seq;
    lpg__account_state__free_unpacked(a, NULL);
    return disabled ? lpg_why_rc(why, whysz, LPG_EEXIST,
                                 "account '%.40s' "
                                 "is disabled",
                                 name)
                    : LPG_OK;
}

static int
s_auth_account_password(lpg_txn_t *t, const lpg_event_t *ev,
                        bool signer_is_authority, char *why, size_t whysz)
{
    return s_auth_account_change(t, ev->event->account_password->name,
                                 signer_is_authority, why, whysz);
}

static int
s_auth_account_disable(lpg_txn_t *t, const lpg_event_t *ev,
                       bool signer_is_authority, char *why, size_t whysz)
{
    return s_auth_account_change(t, ev->event->account_disable->name,
                                 signer_is_authority, why, whysz);
}

static int
s_apply_account_add(lpg_txn_t *t, uint64_t seq, uint64_t recorded_at_ms,
                    const lpg_event_t *ev, const uint8_t signer[LPG_KEYID_LEN],
                    const Lpg__Outcome *outcome)
{
    const Lpg__AccountAdd *a = ev->event->account_add;
    Lpg__AccountState st = LPG__ACCOUNT_STATE__INIT;
    st.add = (Lpg__AccountAdd *)a;
    st.seq = seq;
    return lpg_state_put(t, LPG_TABLE_ACCOUNTS, a->name, strlen(a->name),
                         &st.base);
}

/*  Marks the account's password set (password) or the account disabled. */
static int
s_account_mark(lpg_txn_t *t, const char *name, uint64_t seq, bool password)
{
    Lpg__AccountState *a = NULL;
    int rc = s_account(t, name, &a, NULL, 0);
    if (rc != LPG_OK)
        return rc;
    if (password) {
        a->has_password_seq = 1;
        a->password_seq = seq;
    } else {
        a->has_disabled_seq = 1;
        a->disabled_seq = seq;
    }
    rc = lpg_state_put(t, LPG_TABLE_ACCOUNTS, name, strlen(name), &a->base);
    lpg__account_state__free_unpacked(a, NULL);
    return rc;
}

static int
s_apply_account_password(lpg_txn_t *t, uint64_t seq, uint64_t recorded_at_ms,
                         const lpg_event_t *ev,
                         const uint8_t signer[LPG_KEYID_LEN],
                         const Lpg__Outcome *outcome)
{
    return s_account_mark(t, ev->event->account_password->name, seq, true);
}

static int
s_apply_account_disable(lpg_txn_t *t, uint64_t seq, uint64_t recorded_at_ms,
                        const lpg_event_t *ev,
                        const uint8_t signer[LPG_KEYID_LEN],
                        const Lpg__Outcome *outcome)
{
    return s_account_mark(t, ev->event->account_disable->name, seq, false);
}

static const char *
s_account_role_words(Lpg__AccountRole r)
{
    switch (r) {
    case LPG__ACCOUNT_ROLE__ACCOUNT_REGULATOR:
        return "regulator";
    case LPG__ACCOUNT_ROLE__ACCOUNT_STREET:
        return "street office";
    case LPG__ACCOUNT_ROLE__ACCOUNT_COMPANY:
        return "company";
    default:
        return "unknown role";
    }
}

static void
s_say_account_add(const Lpg__Event *e, const Lpg__Outcome *o, bool ok,
                  lpg_kind_words_t *w)
{
    const Lpg__AccountAdd *a = e->account_add;
    snprintf(w->step, sizeof w->step, "console account granted");
    snprintf(w->step_zh, sizeof w->step_zh, "开通控制台账户");
    snprintf(w->detail, sizeof w->detail, "account %s, %s%s%s", a->name,
             s_account_role_words(a->role),
             a->area && *a->area         ? " of area "
             : a->company && *a->company ? " of company "
                                         : "",
             a->area && *a->area         ? a->area
             : a->company && *a->company ? a->company
                                         : "");
}

S_SAY(s_say_account_password, "console password set", "设置控制台密码",
      "account", e->account_password->name)

static void
s_say_account_disable(const Lpg__Event *e, const Lpg__Outcome *o, bool ok,
                      lpg_kind_words_t *w)
{
    const Lpg__AccountDisable *d = e->account_disable;
    snprintf(w->step, sizeof w->step, "console account disabled");
    snprintf(w->step_zh, sizeof w->step_zh, "停用控制台账户");
    snprintf(w->detail, sizeof w->detail, "account %s%s%s", d->name,
             d->reason ? ", reason: " : "", d->reason ? d->reason : "");
}

/* ----------------------------------------------------------------- rows */

#define S_ROW(body, name, auth, apply, step, creates, say)            \
    {                                                                 \
        LPG__EVENT__BODY_##body, name, "registry", auth, apply, step, \
            creates, say                                              \
    }

const lpg_kind_t lpg_registry_kinds[] = {
    S_ROW(DEVICE_ENROLL, "device_enroll", s_auth_enroll, s_apply_enroll, NULL,
          false, s_say_enroll),
    S_ROW(DEVICE_REVOKE, "device_revoke", s_auth_revoke, s_apply_revoke, NULL,
          false, s_say_revoke),
    S_ROW(COMPANY_ADD, "company_add", s_auth_company, s_apply_company, NULL,
          false, s_say_company),
    S_ROW(SITE_ADD, "site_add", s_auth_site, s_apply_site, NULL, false,
          s_say_site),
    S_ROW(STAFF_ADD, "staff_add", s_auth_staff, s_apply_staff, NULL, false,
          s_say_staff),
    S_ROW(VEHICLE_ADD, "vehicle_add", s_auth_vehicle, s_apply_vehicle, NULL,
          false, s_say_vehicle),
    S_ROW(USER_ADD, "user_add", s_auth_user, s_apply_user, NULL, false,
          s_say_user),
    S_ROW(PII_REVEAL, "pii_reveal", s_auth_reveal, s_apply_reveal, NULL, false,
          s_say_reveal),
    S_ROW(USER_ERASE, "user_erase", s_auth_erase, s_apply_erase, NULL, false,
          s_say_erase),
    S_ROW(USER_PIN, "user_pin", s_auth_pin, NULL, NULL, false, s_say_pin),
    S_ROW(CYLINDER_REGISTER, "cylinder_register", s_auth_register, NULL,
          s_step_register, true, s_say_register),
    S_ROW(CYLINDER_UPDATE, "cylinder_update", s_auth_update, NULL,
          s_step_update, false, s_say_update),
    S_ROW(CYLINDER_RELABEL, "cylinder_relabel", s_auth_relabel, NULL,
          s_step_relabel, false, s_say_relabel),
    S_ROW(TIP, "tip", s_auth_tip, NULL, NULL, false, s_say_tip),
    S_ROW(ACCOUNT_ADD, "account_add", s_auth_account_add, s_apply_account_add,
          NULL, false, s_say_account_add),
    S_ROW(ACCOUNT_PASSWORD, "account_password", s_auth_account_password,
          s_apply_account_password, NULL, false, s_say_account_password),
    S_ROW(ACCOUNT_DISABLE, "account_disable", s_auth_account_disable,
          s_apply_account_disable, NULL, false, s_say_account_disable),
};
const size_t lpg_registry_nkinds =
    sizeof lpg_registry_kinds / sizeof *lpg_registry_kinds;
