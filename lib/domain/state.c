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
    if (desc == &lpg__cylinder_state__descriptor)
        lpg_count(LPG_COUNT_CYLINDER_DECODE);
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
