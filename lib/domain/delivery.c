/*  state_delivery.c - see state_delivery.h. Deterministic like state.c:
 *  it reads only the entry and the cylinders table.
 */
#include "domain/delivery.h"
#include "base/error.h"
#include "domain/state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
lpg_state_delivery_authorize(lpg_txn_t *t, const lpg_event_t *ev,
                             bool signer_is_authority, char *why,
                             size_t whysz)
{
    (void)t;
    const Lpg__Event *e = ev->event;
    if (signer_is_authority) {
        if (why)
            snprintf(why, whysz, "the authority key does not sign "
                                 "delivery events");
        return LPG_EPERM;
    }
    if (!e->cylinder || !*e->cylinder) {
        if (why)
            snprintf(why, whysz, "a delivery event names no cylinder");
        return LPG_EINVAL;
    }
    return LPG_OK;
}

static const char *
s_vehicle(const Lpg__Event *e)
{
    switch (e->body_case) {
    case LPG__EVENT__BODY_DISPATCH:
        return e->dispatch->vehicle;
    case LPG__EVENT__BODY_DELIVERY:
        return e->delivery->vehicle;
    case LPG__EVENT__BODY_COLLECTION:
        return e->collection->vehicle;
    case LPG__EVENT__BODY_STATION_RETURN:
        return e->station_return->vehicle;
    default:
        return NULL;
    }
}

int
lpg_state_delivery_apply(lpg_txn_t *t, uint64_t seq, uint64_t recorded_at_ms,
                         const lpg_event_t *ev, const Lpg__Outcome *outcome)
{
    const Lpg__Event *e = ev->event;
    if (!e->cylinder || !*e->cylinder)
        return LPG_OK;
    const void *val;
    size_t vlen;
    int rc = lpg_txn_get(t, LPG_TABLE_CYLINDERS, e->cylinder,
                         strlen(e->cylinder), &val, &vlen);
    if (rc == LPG_ENOTFOUND)
        return LPG_OK; /* an unknown cylinder has no state to change */
    if (rc != LPG_OK)
        return rc;
    Lpg__CylinderState *cyl = lpg__cylinder_state__unpack(NULL, vlen, val);
    if (!cyl)
        return LPG_ECORRUPT;
    /* Borrowed strings go in; the decoded ones are put back before the
     * free. */
    char *old_holder = cyl->holder, *old_vehicle = cyl->vehicle;
    char *old_site = cyl->last_site;
    bool ok = !outcome || outcome->status == LPG__STATUS__STATUS_OK;
    if (ok) {
        cyl->has_custody = 1;
        cyl->vehicle = (char *)s_vehicle(e);
        switch (e->body_case) {
        case LPG__EVENT__BODY_DISPATCH:
            cyl->custody = LPG__CUSTODY__CUSTODY_IN_TRANSIT;
            cyl->holder = NULL;
            break;
        case LPG__EVENT__BODY_DELIVERY:
            cyl->custody = LPG__CUSTODY__CUSTODY_AT_USER;
            cyl->holder = e->user;
            break;
        case LPG__EVENT__BODY_COLLECTION:
            cyl->custody = LPG__CUSTODY__CUSTODY_COLLECTED;
            break;
        default: /* return */
            cyl->custody = LPG__CUSTODY__CUSTODY_EMPTY_AT_STATION;
            cyl->holder = NULL;
            cyl->vehicle = NULL;
            break;
        }
        if ((e->body_case == LPG__EVENT__BODY_DISPATCH ||
             e->body_case == LPG__EVENT__BODY_STATION_RETURN) &&
            e->site && *e->site) {
            /* seen at a station: what impossible travel measures from */
            lpg_state_seen(cyl, e->site, e->device_time_ms, recorded_at_ms);
        }
    }
    cyl->has_last_event_seq = 1;
    cyl->last_event_seq = seq;
    size_t len = lpg__cylinder_state__get_packed_size(cyl);
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf)
        rc = LPG_ENOMEM;
    else {
        lpg__cylinder_state__pack(cyl, buf);
        rc = lpg_txn_put(t, LPG_TABLE_CYLINDERS, e->cylinder,
                         strlen(e->cylinder), buf, len);
        free(buf);
    }
    cyl->holder = old_holder;
    cyl->vehicle = old_vehicle;
    cyl->last_site = old_site;
    lpg__cylinder_state__free_unpacked(cyl, NULL);
    return rc;
}
