/*  inspection.c - see inspection.h. Like every family it reads only the
 *  entry and the tables, never the clock: the deadlines come from the
 *  inspection service's outcome, so a replay gives the same hazards.
 */
#include "domain/inspection.h"
#include "domain/cylinder.h"
#include "crypto/crypto.h"
#include "base/clock.h"
#include "base/error.h"
#include "domain/state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *s_items[] = {"flame_failure", "hose_metal", "hose_clamped",
                                "regulator_age", "valve",      "storage",
                                "ventilation",   "leak_alarm"};

bool
lpg_inspection_item_known(const char *item)
{
    for (size_t i = 0; item && i < sizeof s_items / sizeof *s_items; i++)
        if (strcmp(item, s_items[i]) == 0)
            return true;
    return false;
}

bool
lpg_inspection_major(const char *item, Lpg__UserKind kind)
{
    if (strcmp(item, "flame_failure") == 0 ||
        strcmp(item, "hose_metal") == 0 || strcmp(item, "storage") == 0)
        return true;
    return strcmp(item, "leak_alarm") == 0 &&
           kind == LPG__USER_KIND__USER_RESTAURANT;
}

int
lpg_hazard_key(char *out, size_t outsz, const char *user,
               const uint8_t event_id[LPG_EVENT_ID_LEN], const char *item)
{
    char hex[2 * LPG_EVENT_ID_LEN + 1];
    lpg_hex(event_id, LPG_EVENT_ID_LEN, hex);
    size_t cap = outsz < LPG_HAZARD_KEY_MAX ? outsz : LPG_HAZARD_KEY_MAX;
    int n = snprintf(out, cap, "hazard/%s/%s/%s", user, hex, item);
    return n > 0 && (size_t)n < cap ? LPG_OK : LPG_EINVAL;
}

void
lpg_hazard_escalation_id(uint8_t out[LPG_EVENT_ID_LEN], const char *key)
{
    lpg_iov_t parts[2] = {{"escalate", 9}, {key, strlen(key)}};
    uint8_t h[32];
    lpg_sha256v(parts, 2, h);
    memcpy(out, h, LPG_EVENT_ID_LEN);
}

/* ----------------------------------------------------------- records */

static int
s_put(lpg_txn_t *t, const char *key, const ProtobufCMessage *m)
{
    size_t len = protobuf_c_message_get_packed_size(m);
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf)
        return LPG_ENOMEM;
    protobuf_c_message_pack(m, buf);
    int rc = lpg_txn_put(t, LPG_TABLE_HAZARDS, key, strlen(key), buf, len);
    free(buf);
    return rc;
}

/*  The signer is an enrolled device with this role. */
static int
s_role(lpg_txn_t *t, const lpg_event_t *ev, bool signer_is_authority,
       Lpg__Role role, const char *text, char *why, size_t whysz,
       Lpg__DeviceState **dev_out)
{
    if (dev_out)
        *dev_out = NULL;
    if (signer_is_authority)
        return lpg_why_rc(why, whysz, LPG_EPERM, "%s", text);
    Lpg__DeviceState *dev = NULL;
    int rc = lpg_state_device(t, ev->signed_event->key_id.data, &dev);
    if (rc == LPG_ENOTFOUND)
        return lpg_why_rc(why, whysz, LPG_EPERM, "%s", text);
    if (rc != LPG_OK)
        return rc;
    if (dev->role != role) {
        lpg__device_state__free_unpacked(dev, NULL);
        return lpg_why_rc(why, whysz, LPG_EPERM, "%s", text);
    }
    if (dev_out)
        *dev_out = dev;
    else
        lpg__device_state__free_unpacked(dev, NULL);
    return LPG_OK;
}

static int
s_household_authorize(lpg_txn_t *t, const lpg_event_t *ev,
                      bool signer_is_authority, char *why, size_t whysz)
{
    const Lpg__Event *e = ev->event;
    const Lpg__HouseholdInspection *hi = e->household_inspection;
    Lpg__DeviceState *dev = NULL;
    int rc = s_role(t, ev, signer_is_authority, LPG__ROLE__ROLE_INSPECTOR,
                    "only an enrolled inspector device signs household "
                    "inspections",
                    why, whysz, &dev);
    if (rc != LPG_OK)
        return rc;
    Lpg__StaffState *staff = NULL;
    Lpg__UserState *user = NULL;
    rc = lpg_state_load(t, LPG_TABLE_STAFF, e->actor,
                        &lpg__staff_state__descriptor,
                        (ProtobufCMessage **)&staff);
    if (rc == LPG_ENOTFOUND) {
        rc = lpg_why_rc(why, whysz, LPG_ENOTFOUND,
                        "the inspector is not staff");
        goto cleanup;
    }
    if (rc != LPG_OK)
        goto cleanup;
    if (staff->add->role != LPG__STAFF_ROLE__STAFF_INSPECTOR ||
        strcmp(staff->add->company, dev->company) != 0) {
        rc = lpg_why_rc(why, whysz, LPG_EPERM,
                        "the actor is not an inspector of this device's "
                        "company");
        goto cleanup;
    }
    rc = lpg_state_load(t, LPG_TABLE_USERS, e->user,
                        &lpg__user_state__descriptor,
                        (ProtobufCMessage **)&user);
    if (rc == LPG_ENOTFOUND) {
        rc = lpg_why_rc(why, whysz, LPG_ENOTFOUND, "no such user");
        goto cleanup;
    }
    if (rc != LPG_OK)
        goto cleanup;
    if (user->has_erased_seq) {
        rc = lpg_why_rc(why, whysz, LPG_ENOTFOUND, "this user was erased");
        goto cleanup;
    }
    for (size_t i = 0; i < hi->n_checks; i++)
        if (!lpg_inspection_item_known(hi->checks[i]->item)) {
            rc = lpg_why_rc(why, whysz, LPG_EINVAL, "unknown check item");
            goto cleanup;
        }
    for (size_t i = 0; i < hi->n_photo_hashes; i++)
        if (hi->photo_hashes[i].len != 32) {
            rc = lpg_why_rc(why, whysz, LPG_EINVAL, "%s",
                            "a photo hash is not 32 bytes");
            goto cleanup;
        }
    char key[LPG_HAZARD_KEY_MAX];
    if (lpg_hazard_key(key, sizeof key, e->user, e->event_id.data,
                       "regulator_age") != LPG_OK)
        rc = lpg_why_rc(why, whysz, LPG_EINVAL, "user id too long");
cleanup:
    lpg_state_free(user);
    lpg_state_free(staff);
    lpg_state_free(dev);
    return rc;
}

/*  The named hazard, open (not rectified). */
static int
s_open_hazard(lpg_txn_t *t, const char *key, Lpg__HazardState **out, char *why,
              size_t whysz)
{
    int rc = lpg_state_load(t, LPG_TABLE_HAZARDS, key,
                            &lpg__hazard_state__descriptor,
                            (ProtobufCMessage **)out);
    if (rc == LPG_ENOTFOUND || (rc == LPG_OK && strncmp(key, "hazard/", 7)))
        rc = lpg_why_rc(why, whysz, LPG_ENOTFOUND, "no such hazard");
    else if (rc == LPG_OK && (*out)->has_rectified_seq)
        rc = lpg_why_rc(why, whysz, LPG_EEXIST, "this hazard was rectified");
    if (rc != LPG_OK) {
        lpg_state_free(*out);
        *out = NULL;
    }
    return rc;
}

static int
s_authorize(lpg_txn_t *t, const lpg_event_t *ev, bool signer_is_authority,
            char *why, size_t whysz)
{
    const Lpg__Event *e = ev->event;
    Lpg__HazardState *hz = NULL;
    int rc;
    switch (e->body_case) {
    case LPG__EVENT__BODY_HOUSEHOLD_INSPECTION:
        return s_household_authorize(t, ev, signer_is_authority, why, whysz);
    case LPG__EVENT__BODY_HAZARD_ESCALATION:
        rc = s_role(t, ev, signer_is_authority, LPG__ROLE__ROLE_SERVICE,
                    "only a service key escalates hazards", why, whysz, NULL);
        if (rc == LPG_OK)
            rc = s_open_hazard(t, e->hazard_escalation->hazard, &hz, why,
                               whysz);
        if (rc == LPG_OK && hz->has_escalated_seq)
            rc = lpg_why_rc(why, whysz, LPG_EEXIST, "%s",
                            "this hazard was already escalated");
        lpg_state_free(hz);
        return rc;
    case LPG__EVENT__BODY_HAZARD_RECTIFIED:
        rc = s_role(t, ev, signer_is_authority, LPG__ROLE__ROLE_INSPECTOR,
                    "only an enrolled inspector device records a "
                    "rectification",
                    why, whysz, NULL);
        if (rc == LPG_OK)
            rc =
                s_open_hazard(t, e->hazard_rectified->hazard, &hz, why, whysz);
        lpg_state_free(hz);
        return rc;
    case LPG__EVENT__BODY_PERIODIC_INSPECTION: {
        rc =
            s_role(t, ev, signer_is_authority, LPG__ROLE__ROLE_INSPECTION_BODY,
                   "only an inspection-body device signs periodic "
                   "inspections",
                   why, whysz, NULL);
        if (rc != LPG_OK)
            return rc;
        const Lpg__PeriodicInspection *pi = e->periodic_inspection;
        if (pi->pass && (!pi->has_next_inspection_ymd ||
                         !lpg_ymd_valid(pi->next_inspection_ymd)))
            return lpg_why_rc(why, whysz, LPG_EINVAL, "%s",
                              "a pass needs the next inspection date");
        Lpg__CylinderState *cyl = NULL;
        rc = lpg_state_load(t, LPG_TABLE_CYLINDERS, e->cylinder,
                            &lpg__cylinder_state__descriptor,
                            (ProtobufCMessage **)&cyl);
        if (rc == LPG_ENOTFOUND)
            return lpg_why_rc(why, whysz, LPG_ENOTFOUND, "no such cylinder");
        if (rc != LPG_OK)
            return rc;
        bool scrapped = lpg_cylinder_scrapped(cyl);
        lpg_state_free(cyl);
        return scrapped ? lpg_why_rc(why, whysz, LPG_EPERM, "%s",
                                     "a scrapped cylinder is not inspected")
                        : LPG_OK;
    }
    default:
        return lpg_why_rc(why, whysz, LPG_EINVAL, "not an inspection event");
    }
}

/*  Adds (delta +1) or removes (-1) an open hazard from "user/<user>". */
static int
s_user_count(lpg_txn_t *t, uint64_t seq, const char *user, bool major,
             int delta)
{
    char key[LPG_HAZARD_KEY_MAX];
    int n = snprintf(key, sizeof key, "user/%s", user);
    if (n <= 0 || (size_t)n >= sizeof key)
        return LPG_EINVAL;
    Lpg__UserHazards *old = NULL;
    int rc = lpg_state_load(t, LPG_TABLE_HAZARDS, key,
                            &lpg__user_hazards__descriptor,
                            (ProtobufCMessage **)&old);
    if (rc != LPG_OK && rc != LPG_ENOTFOUND)
        return rc;
    Lpg__UserHazards uh = LPG__USER_HAZARDS__INIT;
    if (old) {
        uh.open_major = old->open_major;
        uh.open_minor = old->open_minor;
    }
    uint32_t *c = major ? &uh.open_major : &uh.open_minor;
    if (delta > 0)
        (*c)++;
    else if (*c > 0)
        (*c)--;
    uh.last_seq = seq;
    lpg_state_free(old);
    return s_put(t, key, &uh.base);
}

static int
s_apply_household(lpg_txn_t *t, uint64_t seq, const Lpg__Event *e,
                  const Lpg__Outcome *outcome)
{
    Lpg__UserState *user = NULL;
    int rc = lpg_state_load(t, LPG_TABLE_USERS, e->user,
                            &lpg__user_state__descriptor,
                            (ProtobufCMessage **)&user);
    if (rc != LPG_OK)
        return rc;
    Lpg__UserKind kind = user->add->kind;
    lpg_state_free(user);
    const Lpg__InspectionResult *res = outcome ? outcome->inspection : NULL;
    const Lpg__HouseholdInspection *hi = e->household_inspection;
    for (size_t i = 0; i < hi->n_checks && rc == LPG_OK; i++) {
        const Lpg__CheckItem *c = hi->checks[i];
        if (c->ok)
            continue;
        char key[LPG_HAZARD_KEY_MAX];
        rc = lpg_hazard_key(key, sizeof key, e->user, e->event_id.data,
                            c->item);
        const void *v;
        size_t vlen;
        if (rc == LPG_OK && lpg_txn_get(t, LPG_TABLE_HAZARDS, key, strlen(key),
                                        &v, &vlen) == LPG_OK)
            continue; /* the same item twice in one inspection */
        if (rc != LPG_OK)
            return rc;
        Lpg__HazardState hz = LPG__HAZARD_STATE__INIT;
        hz.user = e->user;
        hz.item = c->item;
        hz.major = lpg_inspection_major(c->item, kind);
        /* No deadline given (0): escalated at the next look. */
        hz.deadline_ymd = !res       ? 0
                          : hz.major ? res->major_deadline_ymd
                                     : res->minor_deadline_ymd;
        hz.found_seq = seq;
        rc = s_put(t, key, &hz.base);
        if (rc == LPG_OK)
            rc = s_user_count(t, seq, e->user, hz.major, +1);
    }
    return rc;
}

static int
s_apply_hazard(lpg_txn_t *t, uint64_t seq, const Lpg__Event *e)
{
    bool esc = e->body_case == LPG__EVENT__BODY_HAZARD_ESCALATION;
    const char *key =
        esc ? e->hazard_escalation->hazard : e->hazard_rectified->hazard;
    Lpg__HazardState *hz = NULL;
    int rc = lpg_state_load(t, LPG_TABLE_HAZARDS, key,
                            &lpg__hazard_state__descriptor,
                            (ProtobufCMessage **)&hz);
    if (rc != LPG_OK)
        return rc;
    rc = lpg_txn_index(t, LPG_TABLE_BY_USER, hz->user, strlen(hz->user), seq);
    char *old_to = hz->escalated_to;
    if (esc) {
        hz->has_escalated_seq = 1;
        hz->escalated_seq = seq;
        hz->escalated_to = e->hazard_escalation->to;
    } else {
        hz->has_rectified_seq = 1;
        hz->rectified_seq = seq;
    }
    if (rc == LPG_OK)
        rc = s_put(t, key, &hz->base);
    hz->escalated_to = old_to;
    if (rc == LPG_OK && !esc)
        rc = s_user_count(t, seq, hz->user, hz->major, -1);
    lpg_state_free(hz);
    return rc;
}

/*  A pass sets the next inspection date; a fail scraps the cylinder
 *  (its code is refused from then on). A refused one changes nothing. */
static void
s_step_periodic(Lpg__CylinderState *cyl, uint64_t seq, uint64_t recorded_at_ms,
                const Lpg__Event *e, const Lpg__Outcome *outcome)
{
    const Lpg__PeriodicInspection *pi = e->periodic_inspection;
    if (outcome && outcome->status != LPG__STATUS__STATUS_OK)
        return;
    if (pi->pass) {
        cyl->has_next_inspection_ymd = 1;
        cyl->next_inspection_ymd = pi->next_inspection_ymd;
    } else {
        cyl->has_status = 1;
        cyl->status = LPG__CYLINDER_STATUS__CYL_SCRAPPED;
    }
}

static int
s_apply_inspection(lpg_txn_t *t, uint64_t seq, uint64_t recorded_at_ms,
                   const lpg_event_t *ev, const uint8_t signer[LPG_KEYID_LEN],
                   const Lpg__Outcome *outcome)
{
    return s_apply_household(t, seq, ev->event, outcome);
}

static int
s_apply_hazard_event(lpg_txn_t *t, uint64_t seq, uint64_t recorded_at_ms,
                     const lpg_event_t *ev,
                     const uint8_t signer[LPG_KEYID_LEN],
                     const Lpg__Outcome *outcome)
{
    return s_apply_hazard(t, seq, ev->event);
}

static void
s_say_household(const Lpg__Event *e, const Lpg__Outcome *o, bool ok,
                lpg_kind_words_t *w)
{
    const Lpg__HouseholdInspection *h = e->household_inspection;
    snprintf(w->step, sizeof w->step, "household inspection");
    snprintf(w->step_zh, sizeof w->step_zh, "入户安检");
    size_t failed = 0;
    for (size_t i = 0; i < h->n_checks; i++)
        failed += !h->checks[i]->ok;
    int n = snprintf(w->detail, sizeof w->detail, "of %s: %zu item%s, ",
                     e->user ? e->user : "?", h->n_checks,
                     h->n_checks == 1 ? "" : "s");
    size_t at = n < 0 ? 0 : (size_t)n;
    if (failed == 0 && at < sizeof w->detail)
        snprintf(w->detail + at, sizeof w->detail - at, "all ok");
    for (size_t i = 0, k = 0; i < h->n_checks && at + 1 < sizeof w->detail;
         i++) {
        if (h->checks[i]->ok)
            continue;
        n = snprintf(w->detail + at, sizeof w->detail - at, "%s%s FAILED",
                     k++ ? ", " : "", h->checks[i]->item);
        at += n < 0 ? 0 : (size_t)n;
    }
}

static void
s_say_escalation(const Lpg__Event *e, const Lpg__Outcome *o, bool ok,
                 lpg_kind_words_t *w)
{
    snprintf(w->step, sizeof w->step, "hazard escalated");
    snprintf(w->step_zh, sizeof w->step_zh, "隐患上报");
    snprintf(w->detail, sizeof w->detail, "%s to %s",
             e->hazard_escalation->hazard, e->hazard_escalation->to);
}

static void
s_say_rectified(const Lpg__Event *e, const Lpg__Outcome *o, bool ok,
                lpg_kind_words_t *w)
{
    snprintf(w->step, sizeof w->step, "hazard rectified");
    snprintf(w->step_zh, sizeof w->step_zh, "隐患已整改");
    snprintf(w->detail, sizeof w->detail, "%s", e->hazard_rectified->hazard);
}

static void
s_say_periodic(const Lpg__Event *e, const Lpg__Outcome *o, bool ok,
               lpg_kind_words_t *w)
{
    const Lpg__PeriodicInspection *pi = e->periodic_inspection;
    uint32_t d = pi->next_inspection_ymd;
    if (!ok) {
        snprintf(w->step, sizeof w->step, "periodic inspection refused");
        snprintf(w->step_zh, sizeof w->step_zh, "定期检验记录被拒");
        snprintf(w->detail, sizeof w->detail,
                 "by %s, saying %s: the cylinder is unchanged", pi->body,
                 pi->pass ? "passed" : "failed");
    } else if (pi->pass) {
        snprintf(w->step, sizeof w->step, "periodic inspection PASSED");
        snprintf(w->step_zh, sizeof w->step_zh, "定期检验合格");
        snprintf(w->detail, sizeof w->detail,
                 "by %s, next inspection due %04u-%02u-%02u", pi->body,
                 d / 10000 % 10000, d / 100 % 100, d % 100);
    } else {
        snprintf(w->step, sizeof w->step, "periodic inspection FAILED");
        snprintf(w->step_zh, sizeof w->step_zh, "定期检验不合格（报废）");
        snprintf(w->detail, sizeof w->detail,
                 "by %s: scrapped, its code refused from now on", pi->body);
    }
}

const lpg_kind_t lpg_inspection_kinds[] = {
    {LPG__EVENT__BODY_HOUSEHOLD_INSPECTION, "household_inspection",
     "inspection", s_authorize, s_apply_inspection, NULL, false,
     s_say_household},
    {LPG__EVENT__BODY_HAZARD_ESCALATION, "hazard_escalation", "inspection",
     s_authorize, s_apply_hazard_event, NULL, false, s_say_escalation},
    {LPG__EVENT__BODY_PERIODIC_INSPECTION, "periodic_inspection", "inspection",
     s_authorize, NULL, s_step_periodic, false, s_say_periodic},
    {LPG__EVENT__BODY_HAZARD_RECTIFIED, "hazard_rectified", "inspection",
     s_authorize, s_apply_hazard_event, NULL, false, s_say_rectified},
};
const size_t lpg_inspection_nkinds =
    sizeof lpg_inspection_kinds / sizeof *lpg_inspection_kinds;
