/*  delivery.c - see delivery.h. Deterministic like every family: the
 *  rows read only the entry, its outcome and the records they change.
 */
#include "domain/delivery.h"
#include "base/error.h"
#include "domain/cylinder.h"
#include "domain/state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*  The code text the step carries, or NULL. A step with a code but no
 *  cylinder is a code that did not verify: it is recorded (refused)
 *  under no cylinder. */
static const char *
s_code(const Lpg__Event *e)
{
    switch (e->body_case) {
    case LPG__EVENT__BODY_DISPATCH:
        return e->dispatch->code;
    case LPG__EVENT__BODY_DELIVERY:
        return e->delivery->code;
    case LPG__EVENT__BODY_COLLECTION:
        return e->collection->code;
    case LPG__EVENT__BODY_STATION_RETURN:
        return e->station_return->code;
    default:
        return NULL;
    }
}

static int
s_authorize(lpg_txn_t *t, const lpg_event_t *ev, bool signer_is_authority,
            char *why, size_t whysz)
{
    (void)t;
    const Lpg__Event *e = ev->event;
    if (signer_is_authority) {
        if (why)
            snprintf(why, whysz,
                     "the authority key does not sign "
                     "delivery events");
        return LPG_EPERM;
    }
    if ((!e->cylinder || !*e->cylinder) && !s_code(e)) {
        if (why)
            snprintf(why, whysz,
                     "a delivery event names no cylinder "
                     "and carries no code");
        return LPG_EINVAL;
    }
    return LPG_OK;
}

const char *
lpg_delivery_vehicle(const Lpg__Event *e)
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

/*  An accepted step moves custody, and remembers the user the cylinder
 *  is with and the vehicle it rode on; a refused one changes nothing. */
static void
s_step(Lpg__CylinderState *cyl, uint64_t seq, uint64_t recorded_at_ms,
       const Lpg__Event *e, const Lpg__Outcome *outcome)
{
    bool ok = !outcome || outcome->status == LPG__STATUS__STATUS_OK;
    if (!ok)
        return;
    cyl->has_custody = 1;
    cyl->vehicle = (char *)lpg_delivery_vehicle(e);
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
        lpg_cylinder_seen(cyl, e->site, e->device_time_ms, recorded_at_ms);
    }
}

/*  What an accepted Delivery changes besides its cylinder: the order it
 *  names counts one more cylinder handed over (OrderState.handed_seq,
 *  which the door judges the order's count on), and the certificate
 *  scanned becomes the one last presented at the user's door
 *  (UserState.door_gas_cert, which an order placed without one is
 *  judged on). A refused delivery changes neither. */
static int
s_apply_delivery(lpg_txn_t *t, uint64_t seq, uint64_t recorded_at_ms,
                 const lpg_event_t *ev, const uint8_t signer[LPG_KEYID_LEN],
                 const Lpg__Outcome *outcome)
{
    (void)recorded_at_ms;
    (void)signer;
    const Lpg__Event *e = ev->event;
    const Lpg__Delivery *d = e->delivery;
    if (outcome && outcome->status != LPG__STATUS__STATUS_OK)
        return LPG_OK;
    int rc = LPG_OK;
    Lpg__OrderState *o = d->order && *d->order
                             ? lpg_state_get(t, LPG_TABLE_ORDERS, d->order,
                                             &lpg__order_state__descriptor)
                             : NULL;
    if (o) {
        uint64_t *seqs =
            realloc(o->handed_seq, (o->n_handed_seq + 1) * sizeof *seqs);
        if (!seqs) {
            rc = LPG_ENOMEM;
        } else {
            seqs[o->n_handed_seq++] = seq;
            o->handed_seq = seqs;
            rc = lpg_state_put(t, LPG_TABLE_ORDERS, d->order, strlen(d->order),
                               &o->base);
        }
        lpg_state_free(o);
    }
    if (rc != LPG_OK || !d->gas_cert || !*d->gas_cert || !e->user || !*e->user)
        return rc;
    Lpg__UserState *u = lpg_state_get(t, LPG_TABLE_USERS, e->user,
                                      &lpg__user_state__descriptor);
    if (!u)
        return LPG_OK;
    char *old = u->door_gas_cert; /* the new text is borrowed from e */
    u->door_gas_cert = d->gas_cert;
    u->has_door_gas_cert_seq = 1;
    u->door_gas_cert_seq = seq;
    rc = lpg_state_put(t, LPG_TABLE_USERS, e->user, strlen(e->user), &u->base);
    u->door_gas_cert = old;
    lpg_state_free(u);
    return rc;
}

/*  "to U-1001, vehicle 苏F12345, 随瓶安检 hose ok, leak FAILED" (prep and
 *  user, when there is a user; the checklist, when there is one). */
static void
s_detail(char *out, size_t outsz, const char *prep, const char *user,
         const char *vehicle, Lpg__CheckItem *const *checks, size_t nchecks)
{
    int w =
        snprintf(out, outsz, "%s%s%svehicle %s", user ? prep : "",
                 user ? user : "", user ? ", " : "", vehicle ? vehicle : "?");
    size_t n = w < 0 ? 0 : (size_t)w;
    for (size_t i = 0; i < nchecks && n + 1 < outsz; i++) {
        w = snprintf(out + n, outsz - n, "%s%s %s",
                     i == 0 ? ", 随瓶安检 " : ", ", checks[i]->item,
                     checks[i]->ok ? "ok" : "FAILED");
        n += w < 0 ? 0 : (size_t)w;
    }
}

static void
s_say_dispatch(const Lpg__Event *e, const Lpg__Outcome *o, bool ok,
               lpg_kind_words_t *w)
{
    snprintf(w->step, sizeof w->step, "dispatch");
    snprintf(w->step_zh, sizeof w->step_zh, "出站配送");
    s_detail(w->detail, sizeof w->detail, "", NULL, e->dispatch->vehicle, NULL,
             0);
}

static void
s_say_delivery(const Lpg__Event *e, const Lpg__Outcome *o, bool ok,
               lpg_kind_words_t *w)
{
    snprintf(w->step, sizeof w->step, "delivery");
    snprintf(w->step_zh, sizeof w->step_zh, "入户送达");
    s_detail(w->detail, sizeof w->detail, "to ", e->user, e->delivery->vehicle,
             e->delivery->checks, e->delivery->n_checks);
}

static void
s_say_collection(const Lpg__Event *e, const Lpg__Outcome *o, bool ok,
                 lpg_kind_words_t *w)
{
    snprintf(w->step, sizeof w->step, "collection");
    snprintf(w->step_zh, sizeof w->step_zh, "回收空瓶");
    s_detail(w->detail, sizeof w->detail, "from ", e->user,
             e->collection->vehicle, NULL, 0);
}

static void
s_say_return(const Lpg__Event *e, const Lpg__Outcome *o, bool ok,
             lpg_kind_words_t *w)
{
    snprintf(w->step, sizeof w->step, "return");
    snprintf(w->step_zh, sizeof w->step_zh, "回站");
    s_detail(w->detail, sizeof w->detail, "", NULL, e->station_return->vehicle,
             NULL, 0);
}

const lpg_kind_t lpg_delivery_kinds[] = {
    {LPG__EVENT__BODY_DISPATCH, "dispatch", "delivery", s_authorize, NULL,
     s_step, false, s_say_dispatch},
    {LPG__EVENT__BODY_DELIVERY, "delivery", "delivery", s_authorize,
     s_apply_delivery, s_step, false, s_say_delivery},
    {LPG__EVENT__BODY_COLLECTION, "collection", "delivery", s_authorize, NULL,
     s_step, false, s_say_collection},
    {LPG__EVENT__BODY_STATION_RETURN, "return", "delivery", s_authorize, NULL,
     s_step, false, s_say_return},
};
const size_t lpg_delivery_nkinds =
    sizeof lpg_delivery_kinds / sizeof *lpg_delivery_kinds;
