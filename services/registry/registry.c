/*  registry.c - see registry.h. */
#include "registry.h"
#include "code.h"
#include "error.h"
#include "state.h"

#include <stdio.h>
#include <string.h>

int
lpg_registry_rules(void *ctx, lpg_txn_t *txn, uint64_t seq,
                   const lpg_event_t *ev,
                   const uint8_t signer_id[LPG_KEYID_LEN],
                   const lpg_append_in_t *in, const void *pre,
                       Lpg__Outcome *outcome)
{
    switch (ev->event->body_case) {
    case LPG__EVENT__BODY_DEVICE_ENROLL:
    case LPG__EVENT__BODY_DEVICE_REVOKE:
    case LPG__EVENT__BODY_COMPANY_ADD:
    case LPG__EVENT__BODY_SITE_ADD:
    case LPG__EVENT__BODY_STAFF_ADD:
    case LPG__EVENT__BODY_VEHICLE_ADD:
    case LPG__EVENT__BODY_USER_ADD:
    case LPG__EVENT__BODY_CYLINDER_REGISTER:
    case LPG__EVENT__BODY_CYLINDER_UPDATE:
        return LPG_OK;
    default:
        return LPG_EINVAL; /* another service's event */
    }
}

int
lpg_registry_query(void *ctx, lpg_service_t *svc, const Lpg__Request *req,
                   const lpg_sender_t *sender, lpg_reply_t *reply)
{
    if (req->body_case != LPG__REQUEST__BODY_GET_CYLINDER)
        return lpg_reply_set(reply, LPG__STATUS__STATUS_INVALID,
                             "EUNSUPPORTED",
                             "the registry does not answer that request");
    const char *name = req->get_cylinder->cylinder;
    char grai[LPG_CODE_GRAI_MAX + 1];
    lpg_code_t code;
    if (strncmp(name, "https://", 8) == 0) {
        if (lpg_code_parse(name, strlen(name), NULL, &code) != LPG_OK)
            return lpg_reply_set(reply, LPG__STATUS__STATUS_INVALID,
                                 "ECODE", code.why);
        snprintf(grai, sizeof grai, "%s", code.grai);
    } else
        snprintf(grai, sizeof grai, "%s", name);
    lpg_txn_t *t = NULL;
    int rc = lpg_ledger_read(lpg_service_ledger(svc), &t);
    if (rc != LPG_OK)
        return rc;
    const void *v;
    size_t vlen;
    rc = lpg_txn_get(t, LPG_TABLE_CYLINDERS, grai, strlen(grai), &v, &vlen);
    Lpg__CylinderState *cyl = rc == LPG_OK
                                  ? lpg__cylinder_state__unpack(NULL, vlen, v)
                                  : NULL;
    lpg_txn_abort(&t);
    if (!cyl)
        return lpg_reply_set(reply, LPG__STATUS__STATUS_NOT_FOUND,
                             "CYL_UNKNOWN", "no cylinder with this code");
    Lpg__CylinderInfo *ci = &reply->cylinder;
    ci->grai = lpg_reply_strdup(reply, cyl->grai);
    ci->serial = lpg_reply_strdup(reply, cyl->reg->serial);
    ci->owner = lpg_reply_strdup(reply, cyl->reg->owner);
    ci->spec = cyl->reg->spec ? lpg_reply_strdup(reply, cyl->reg->spec)
                              : NULL;
    ci->has_tare_g = 1;
    ci->tare_g = cyl->reg->tare_g;
    ci->has_fill_g = 1;
    ci->fill_g = cyl->reg->fill_g;
    ci->has_status = cyl->has_status;
    ci->status = cyl->status;
    ci->has_custody = cyl->has_custody;
    ci->custody = cyl->custody;
    ci->has_next_inspection_ymd = cyl->has_next_inspection_ymd;
    ci->next_inspection_ymd = cyl->next_inspection_ymd;
    ci->fill_site = cyl->reg->fill_site
                        ? lpg_reply_strdup(reply, cyl->reg->fill_site)
                        : NULL;
    ci->has_last_seq = cyl->has_last_event_seq;
    ci->last_seq = cyl->last_event_seq;
    reply->reply.cylinder = ci;
    lpg__cylinder_state__free_unpacked(cyl, NULL);
    return lpg_reply_set(reply, LPG__STATUS__STATUS_OK, "OK", "found");
}
