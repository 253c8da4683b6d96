/*  state.c - see state.h. The projection is deterministic: it reads only
 *  the entry (event, signer, outcome, seq) and the tables, never the
 *  clock, so replaying the log gives the same tables byte for byte.
 */
#include "state.h"
#include "error.h"

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

static int
s_why(char *why, size_t whysz, int rc, const char *text)
{
    if (why)
        snprintf(why, whysz, "%s", text);
    return rc;
}

int
lpg_state_authorize(lpg_txn_t *t, const lpg_event_t *ev,
                    bool signer_is_authority, char *why, size_t whysz)
{
    const Lpg__Event *e = ev->event;
    switch (e->body_case) {
    case LPG__EVENT__BODY_DEVICE_ENROLL: {
        if (!signer_is_authority)
            return s_why(why, whysz, LPG_EPERM,
                         "only the authority key enrols devices");
        uint8_t id[LPG_KEYID_LEN];
        lpg_sha256(e->device_enroll->sign_pub.data, LPG_ED25519_PUB_LEN, id);
        Lpg__DeviceState *dev = NULL;
        int rc = lpg_state_device(t, id, &dev);
        if (rc == LPG_OK) {
            bool revoked = dev->has_revoked_seq;
            lpg__device_state__free_unpacked(dev, NULL);
            return revoked ? s_why(why, whysz, LPG_EREVOKED,
                                   "this key was revoked for good")
                           : s_why(why, whysz, LPG_EEXIST,
                                   "this key is already enrolled");
        }
        return rc == LPG_ENOTFOUND ? LPG_OK : rc;
    }
    case LPG__EVENT__BODY_DEVICE_REVOKE: {
        if (!signer_is_authority)
            return s_why(why, whysz, LPG_EPERM,
                         "only the authority key revokes devices");
        Lpg__DeviceState *dev = NULL;
        int rc = lpg_state_device(t, e->device_revoke->key_id.data, &dev);
        if (rc == LPG_ENOTFOUND)
            return s_why(why, whysz, LPG_ENOTFOUND,
                         "no device enrolled with this key");
        if (rc != LPG_OK)
            return rc;
        bool revoked = dev->has_revoked_seq;
        lpg__device_state__free_unpacked(dev, NULL);
        return revoked ? s_why(why, whysz, LPG_EREVOKED,
                               "this key is already revoked")
                       : LPG_OK;
    }
    case LPG__EVENT__BODY_CYLINDER_REGISTER: {
        if (!signer_is_authority)
            return s_why(why, whysz, LPG_EPERM,
                         "only the authority key registers cylinders");
        if (!e->cylinder || !*e->cylinder)
            return s_why(why, whysz, LPG_EINVAL,
                         "cylinder registration names no cylinder");
        Lpg__CylinderState *cyl = NULL;
        int rc = s_cylinder(t, e->cylinder, &cyl);
        if (rc == LPG_OK) {
            lpg__cylinder_state__free_unpacked(cyl, NULL);
            return s_why(why, whysz, LPG_EEXIST,
                         "cylinder already registered");
        }
        return rc == LPG_ENOTFOUND ? LPG_OK : rc;
    }
    case LPG__EVENT__BODY_FILL_CHECK:
    case LPG__EVENT__BODY_FILL_RECORD: {
        if (signer_is_authority)
            return s_why(why, whysz, LPG_EPERM,
                         "the authority key does not sign station events");
        Lpg__DeviceState *dev = NULL;
        int rc = lpg_state_device(t, ev->signed_event->key_id.data, &dev);
        if (rc != LPG_OK)
            return rc;
        bool outside = dev->site && *dev->site && e->site &&
                       strcmp(dev->site, e->site) != 0;
        lpg__device_state__free_unpacked(dev, NULL);
        if (outside)
            return s_why(why, whysz, LPG_EBINDING,
                         "device is enrolled at another site");
        return LPG_OK;
    }
    case LPG__EVENT__BODY__NOT_SET:
    default:
        return s_why(why, whysz, LPG_EINVAL, "event has no body");
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
    return s_put_message(t, LPG_TABLE_CYLINDERS, e->cylinder,
                         strlen(e->cylinder), &st.base);
}

static int
s_apply_fill(lpg_txn_t *t, uint64_t seq, const Lpg__Event *e,
             const Lpg__Outcome *outcome)
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
    if (e->body_case == LPG__EVENT__BODY_FILL_CHECK) {
        cyl->has_last_fill_check_seq = 1;
        cyl->last_fill_check_seq = seq;
        if (ok) {
            cyl->has_last_allow_event_id = 1;
            cyl->last_allow_event_id = e->event_id;
        } else {
            cyl->has_denied_checks = 1;
            cyl->denied_checks++;
        }
    } else if (ok) {
        cyl->has_last_fill_seq = 1;
        cyl->last_fill_seq = seq;
        cyl->has_last_full_g = 1;
        cyl->last_full_g = e->fill_record->full_g;
        cyl->has_fills = 1;
        cyl->fills++;
    }
    cyl->has_last_event_seq = 1;
    cyl->last_event_seq = seq;
    cyl->has_last_time_ms = 1;
    cyl->last_time_ms = e->device_time_ms;
    if (e->site && *e->site)
        cyl->last_site = e->site;
    rc = s_put_message(t, LPG_TABLE_CYLINDERS, e->cylinder,
                       strlen(e->cylinder), &cyl->base);
    cyl->last_allow_event_id.data = old_allow;
    cyl->last_site = old_site;
    lpg__cylinder_state__free_unpacked(cyl, NULL);
    return rc;
}

int
lpg_state_apply(lpg_txn_t *t, uint64_t seq, const lpg_event_t *ev,
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
    case LPG__EVENT__BODY_FILL_CHECK:
    case LPG__EVENT__BODY_FILL_RECORD:
        return s_apply_fill(t, seq, e, outcome);
    case LPG__EVENT__BODY__NOT_SET:
    default:
        return LPG_OK;
    }
}
