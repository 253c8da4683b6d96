/*  state.c - see state.h. */
#include "domain/state.h"
#include "base/error.h"
#include "base/log.h"
#include "base/count.h"

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
    int rc =
        lpg_txn_get(t, LPG_TABLE_DEVICES, key_id, LPG_KEYID_LEN, &val, &vlen);
    if (rc != LPG_OK)
        return rc;
    lpg_count(LPG_COUNT_DEVICE_DECODE);
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
lpg_state_cylinder_reg(lpg_txn_t *t, Lpg__CylinderState *cyl)
{
    if (cyl->reg)
        return LPG_OK; /* an older projection's record carries it */
    if (!cyl->grai || !*cyl->grai)
        return LPG_ECORRUPT;
    const void *v;
    size_t vlen;
    int rc = lpg_txn_get(t, LPG_TABLE_CYLINDER_REGS, cyl->grai,
                         strlen(cyl->grai), &v, &vlen);
    if (rc == LPG_ENOTFOUND)
        return LPG_ECORRUPT; /* every registered cylinder has one */
    if (rc != LPG_OK)
        return rc;
    cyl->reg = lpg__cylinder_register__unpack(NULL, vlen, v);
    return cyl->reg ? LPG_OK : LPG_ECORRUPT;
}

static int
s_load(lpg_txn_t *t, lpg_table_t table, const char *key,
       const ProtobufCMessageDescriptor *desc, bool whole,
       ProtobufCMessage **out)
{
    *out = NULL;
    if (!key || !*key)
        return LPG_ENOTFOUND;
    const void *v;
    size_t vlen;
    int rc = lpg_txn_get(t, table, key, strlen(key), &v, &vlen);
    if (rc != LPG_OK)
        return rc;
    bool cylinder = desc == &lpg__cylinder_state__descriptor;
    if (cylinder)
        lpg_count(LPG_COUNT_CYLINDER_DECODE);
    *out = protobuf_c_message_unpack(desc, NULL, vlen, v);
    if (!*out)
        return LPG_ECORRUPT;
    rc = cylinder && whole && table == LPG_TABLE_CYLINDERS
             ? lpg_state_cylinder_reg(t, (Lpg__CylinderState *)*out)
             : LPG_OK;
    if (rc != LPG_OK) {
        protobuf_c_message_free_unpacked(*out, NULL);
        *out = NULL;
    }
    return rc;
}

int
lpg_state_load(lpg_txn_t *t, lpg_table_t table, const char *key,
               const ProtobufCMessageDescriptor *desc, ProtobufCMessage **out)
{
    return s_load(t, table, key, desc, true, out);
}

int
lpg_state_cylinder_moving(lpg_txn_t *t, const char *grai,
                          Lpg__CylinderState **out)
{
    return s_load(t, LPG_TABLE_CYLINDERS, grai,
                  &lpg__cylinder_state__descriptor, false,
                  (ProtobufCMessage **)out);
}

int
lpg_state_cylinder_new(lpg_txn_t *t, Lpg__CylinderState *cyl)
{
    if (!cyl->grai || !*cyl->grai || !cyl->reg)
        return LPG_EINVAL;
    size_t klen = strlen(cyl->grai);
    int rc = lpg_state_put(t, LPG_TABLE_CYLINDER_REGS, cyl->grai, klen,
                           &cyl->reg->base);
    if (rc != LPG_OK)
        return rc;
    Lpg__CylinderRegister *reg = cyl->reg;
    cyl->reg = NULL;
    rc = lpg_state_put(t, LPG_TABLE_CYLINDERS, cyl->grai, klen, &cyl->base);
    cyl->reg = reg;
    return rc;
}

int
lpg_state_cylinder_split(lpg_txn_t *t, const char *grai, bool *split)
{
    *split = false;
    Lpg__CylinderState *cyl = NULL;
    int rc = lpg_state_cylinder_moving(t, grai, &cyl);
    if (rc == LPG_OK && cyl->reg) {
        rc = lpg_state_cylinder_new(t, cyl);
        *split = rc == LPG_OK;
    }
    lpg_state_free(cyl);
    return rc;
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

int
lpg_state_put(lpg_txn_t *t, lpg_table_t table, const void *key, size_t klen,
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

int
lpg_state_fill_late(lpg_txn_t *t, const char *site, uint64_t *ms)
{
    *ms = 0;
    const void *v;
    size_t vlen;
    int rc = lpg_txn_get(t, LPG_TABLE_FILL_LATE, site, site ? strlen(site) : 0,
                         &v, &vlen);
    if (rc != LPG_OK)
        return rc;
    if (vlen != 8)
        return LPG_ECORRUPT;
    *ms = lpg_be64_get(v);
    return LPG_OK;
}

int
lpg_state_fill_late_note(lpg_txn_t *t, const char *site, uint64_t device_ms,
                         uint64_t recorded_ms)
{
    if (!site || !*site)
        return LPG_OK;
    uint64_t late = recorded_ms > device_ms ? recorded_ms - device_ms : 0;
    late = (late + LPG_FILL_LATE_STEP_MS - 1) / LPG_FILL_LATE_STEP_MS *
           LPG_FILL_LATE_STEP_MS;
    uint64_t had = 0;
    int rc = lpg_state_fill_late(t, site, &had);
    if (rc == LPG_OK && had >= late)
        return LPG_OK;
    if (rc != LPG_OK && rc != LPG_ENOTFOUND)
        return rc;
    uint8_t v[8];
    lpg_be64_put(v, late);
    return lpg_txn_put(t, LPG_TABLE_FILL_LATE, site, strlen(site), v,
                       sizeof v);
}
