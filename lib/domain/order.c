/*  order.c - see order.h. Deterministic like every family: the rows read
 *  only the entry, its outcome and the tables.
 */
#include "domain/order.h"
#include "base/error.h"
#include "domain/state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *
lpg_order_id_of(const Lpg__Event *e)
{
    switch (e->body_case) {
    case LPG__EVENT__BODY_ORDER_PLACE:
        return e->order_place->order;
    case LPG__EVENT__BODY_ORDER_ACCEPT:
        return e->order_accept->order;
    case LPG__EVENT__BODY_ORDER_ASSIGN:
        return e->order_assign->order;
    case LPG__EVENT__BODY_ORDER_OUT:
        return e->order_out->order;
    case LPG__EVENT__BODY_ORDER_DELIVERED:
        return e->order_delivered->order;
    case LPG__EVENT__BODY_ORDER_CANCEL:
        return e->order_cancel->order;
    case LPG__EVENT__BODY_ORDER_REFUSE:
        return e->order_refuse->order;
    default:
        return NULL;
    }
}

const char *
lpg_order_status_word(Lpg__OrderStatus s)
{
    switch (s) {
    case LPG__ORDER_STATUS__ORDER_PLACED:
        return "placed";
    case LPG__ORDER_STATUS__ORDER_ACCEPTED:
        return "accepted";
    case LPG__ORDER_STATUS__ORDER_ASSIGNED:
        return "assigned";
    case LPG__ORDER_STATUS__ORDER_OUT:
        return "out";
    case LPG__ORDER_STATUS__ORDER_DELIVERED:
        return "delivered";
    case LPG__ORDER_STATUS__ORDER_CANCELLED:
        return "cancelled";
    case LPG__ORDER_STATUS__ORDER_REFUSED:
        return "refused";
    default:
        return "unknown";
    }
}

/*  An order a household placed itself on lpg-webd's ordering page,
 *  signed by the gateway after the household logged in with its PIN (a
 *  household has no device): a new order only (channel "household"),
 *  whose id is free, for a registered, not erased user of Event.company.
 *  Every later step is the company's. */
static int
s_authorize_household(lpg_txn_t *t, const Lpg__Event *e, char *why,
                      size_t whysz)
{
    const char *id = lpg_order_id_of(e);
    if (e->body_case != LPG__EVENT__BODY_ORDER_PLACE ||
        !e->order_place->channel ||
        strcmp(e->order_place->channel, "household") != 0)
        return lpg_why_rc(why, whysz, LPG_EPERM, "%s",
                          "a gateway signs only the orders households "
                          "place themselves (channel household)");
    if (!e->user || !*e->user)
        return lpg_why_rc(why, whysz, LPG_EINVAL, "%s",
                          "an order names its household (Event.user)");
    Lpg__UserState *u = lpg_state_get(t, LPG_TABLE_USERS, e->user,
                                      &lpg__user_state__descriptor);
    bool mine = u && u->add && u->add->company && !u->has_erased_seq &&
                strcmp(u->add->company, e->company) == 0;
    lpg_state_free(u);
    if (!mine)
        return lpg_why_rc(why, whysz, LPG_EPERM,
                          "user %s is no registered household of %s", e->user,
                          e->company);
    Lpg__OrderState *o =
        lpg_state_get(t, LPG_TABLE_ORDERS, id, &lpg__order_state__descriptor);
    int rc =
        o ? lpg_why_rc(why, whysz, LPG_EEXIST, "order %s exists already", id)
          : LPG_OK;
    lpg_state_free(o);
    return rc;
}

/*  The signer is an unrevoked company-admin device of Event.company (or,
 *  for a household's own order, the gateway); a new order's id is free,
 *  a later event's order is that company's. */
static int
s_authorize(lpg_txn_t *t, const lpg_event_t *ev, bool signer_is_authority,
            char *why, size_t whysz)
{
    const Lpg__Event *e = ev->event;
    const char *id = lpg_order_id_of(e);
    if (signer_is_authority)
        return lpg_why_rc(why, whysz, LPG_EPERM, "%s",
                          "the authority key does not sign orders");
    if (!e->company || !*e->company || !id || !*id)
        return lpg_why_rc(why, whysz, LPG_EINVAL, "%s",
                          "an order event names its company and order");
    Lpg__DeviceState *dev = NULL;
    int rc = lpg_state_device(t, ev->signed_event->key_id.data, &dev);
    if (rc == LPG_ENOTFOUND)
        return lpg_why_rc(why, whysz, LPG_EPERM, "%s",
                          "the signer is not an enrolled device");
    if (rc != LPG_OK)
        return rc;
    bool gateway =
        dev->role == LPG__ROLE__ROLE_GATEWAY && !dev->has_revoked_seq;
    bool ok = dev->role == LPG__ROLE__ROLE_COMPANY_ADMIN &&
              !dev->has_revoked_seq && dev->company &&
              strcmp(dev->company, e->company) == 0;
    lpg__device_state__free_unpacked(dev, NULL);
    if (gateway)
        return s_authorize_household(t, e, why, whysz);
    if (!ok)
        return lpg_why_rc(why, whysz, LPG_EPERM,
                          "only an unrevoked company-admin device of %s "
                          "signs its orders",
                          e->company);
    Lpg__OrderState *o =
        lpg_state_get(t, LPG_TABLE_ORDERS, id, &lpg__order_state__descriptor);
    if (e->body_case == LPG__EVENT__BODY_ORDER_PLACE) {
        rc = o ? lpg_why_rc(why, whysz, LPG_EEXIST, "order %s exists already",
                            id)
               : LPG_OK;
        if (rc == LPG_OK && (!e->user || !*e->user))
            rc = lpg_why_rc(why, whysz, LPG_EINVAL, "%s",
                            "an order names its household (Event.user)");
    } else if (!o) {
        rc = lpg_why_rc(why, whysz, LPG_ENOTFOUND, "no order %s", id);
    } else if (strcmp(o->company, e->company) != 0) {
        rc = lpg_why_rc(why, whysz, LPG_EPERM, "order %s is %s's", id,
                        o->company);
    }
    lpg_state_free(o);
    return rc;
}

/*  The orders table: a new record at placing (refused or not), the
 *  status and what goes with it at each later accepted event. */
static int
s_apply(lpg_txn_t *t, uint64_t seq, uint64_t recorded_at_ms,
        const lpg_event_t *ev, const uint8_t signer[LPG_KEYID_LEN],
        const Lpg__Outcome *outcome)
{
    (void)recorded_at_ms;
    (void)signer;
    const Lpg__Event *e = ev->event;
    const char *id = lpg_order_id_of(e);
    bool ok = !outcome || outcome->status == LPG__STATUS__STATUS_OK;
    if (e->body_case == LPG__EVENT__BODY_ORDER_PLACE) {
        Lpg__OrderState o = LPG__ORDER_STATE__INIT;
        o.place = e->order_place;
        o.user = e->user;
        o.company = e->company;
        o.status = ok ? LPG__ORDER_STATUS__ORDER_PLACED
                      : LPG__ORDER_STATUS__ORDER_REFUSED;
        o.placed_seq = seq;
        o.placed_ms = e->device_time_ms;
        o.has_status_seq = 1;
        o.status_seq = seq;
        char reasons[512] = "";
        size_t n = 0;
        for (size_t i = 0; !ok && outcome && i < outcome->n_reasons; i++) {
            int w = snprintf(reasons + n, sizeof reasons - n, "%s%s",
                             i ? " " : "", outcome->reasons[i]->token);
            if (w < 0 || (size_t)w >= sizeof reasons - n)
                break;
            n += (size_t)w;
        }
        if (!ok)
            o.reason = reasons;
        return lpg_state_put(t, LPG_TABLE_ORDERS, id, strlen(id), &o.base);
    }
    if (!ok)
        return LPG_OK;
    Lpg__OrderState *o = NULL;
    int rc =
        lpg_state_load(t, LPG_TABLE_ORDERS, id, &lpg__order_state__descriptor,
                       (ProtobufCMessage **)&o);
    if (rc != LPG_OK)
        return rc;
    /* Fields put in below are borrowed from e: reset them before free. */
    char *driver = o->driver, *vehicle = o->vehicle, *by = o->cancelled_by,
         *reason = o->reason;
    size_t n_seq = o->n_delivery_seq;
    uint64_t *seqs = o->delivery_seq;
    o->has_status_seq = 1;
    o->status_seq = seq;
    switch (e->body_case) {
    case LPG__EVENT__BODY_ORDER_ACCEPT:
        o->status = LPG__ORDER_STATUS__ORDER_ACCEPTED;
        break;
    case LPG__EVENT__BODY_ORDER_ASSIGN:
        o->status = LPG__ORDER_STATUS__ORDER_ASSIGNED;
        o->driver = e->order_assign->driver;
        o->vehicle = e->order_assign->vehicle;
        break;
    case LPG__EVENT__BODY_ORDER_OUT:
        o->status = LPG__ORDER_STATUS__ORDER_OUT;
        break;
    case LPG__EVENT__BODY_ORDER_DELIVERED:
        o->status = LPG__ORDER_STATUS__ORDER_DELIVERED;
        o->n_delivery_seq = e->order_delivered->n_delivery_seq;
        o->delivery_seq = e->order_delivered->delivery_seq;
        o->has_delivered_ms = 1;
        o->delivered_ms = e->device_time_ms;
        break;
    case LPG__EVENT__BODY_ORDER_CANCEL:
        o->status = LPG__ORDER_STATUS__ORDER_CANCELLED;
        o->cancelled_by = e->order_cancel->by;
        o->reason = e->order_cancel->reason;
        break;
    case LPG__EVENT__BODY_ORDER_REFUSE:
        o->status = LPG__ORDER_STATUS__ORDER_REFUSED;
        o->reason = e->order_refuse->reason;
        break;
    default:
        break;
    }
    rc = lpg_state_put(t, LPG_TABLE_ORDERS, id, strlen(id), &o->base);
    o->driver = driver;
    o->vehicle = vehicle;
    o->cancelled_by = by;
    o->reason = reason;
    o->n_delivery_seq = n_seq;
    o->delivery_seq = seqs;
    lpg_state_free(o);
    return rc;
}

static void
s_describe(const Lpg__Event *e, const Lpg__Outcome *outcome, bool ok,
           lpg_kind_words_t *w)
{
    (void)outcome;
    const char *id = lpg_order_id_of(e);
    switch (e->body_case) {
    case LPG__EVENT__BODY_ORDER_PLACE:
        snprintf(w->step, sizeof w->step, "order placed");
        snprintf(w->step_zh, sizeof w->step_zh, "%s",
                 ok ? "订单已下" : "下单被拒");
        snprintf(w->detail, sizeof w->detail, "%s: %u x %s for %s%s", id,
                 (unsigned)e->order_place->count, e->order_place->spec,
                 e->user ? e->user : "?", ok ? "" : ", refused");
        return;
    case LPG__EVENT__BODY_ORDER_ACCEPT:
        snprintf(w->step, sizeof w->step, "order accepted");
        snprintf(w->step_zh, sizeof w->step_zh, "订单已受理");
        snprintf(w->detail, sizeof w->detail, "%s", id);
        return;
    case LPG__EVENT__BODY_ORDER_ASSIGN:
        snprintf(w->step, sizeof w->step, "order assigned");
        snprintf(w->step_zh, sizeof w->step_zh, "订单已派送");
        snprintf(w->detail, sizeof w->detail, "%s: driver %s, vehicle %s%s",
                 id, e->order_assign->driver, e->order_assign->vehicle,
                 ok ? "" : ", refused");
        return;
    case LPG__EVENT__BODY_ORDER_OUT:
        snprintf(w->step, sizeof w->step, "order out for delivery");
        snprintf(w->step_zh, sizeof w->step_zh, "订单配送中");
        snprintf(w->detail, sizeof w->detail, "%s", id);
        return;
    case LPG__EVENT__BODY_ORDER_DELIVERED:
        snprintf(w->step, sizeof w->step, "order delivered");
        snprintf(w->step_zh, sizeof w->step_zh, "订单已送达");
        snprintf(w->detail, sizeof w->detail, "%s: %zu deliveries", id,
                 e->order_delivered->n_delivery_seq);
        return;
    case LPG__EVENT__BODY_ORDER_CANCEL:
        snprintf(w->step, sizeof w->step, "order cancelled");
        snprintf(w->step_zh, sizeof w->step_zh, "订单已取消");
        snprintf(w->detail, sizeof w->detail, "%s by %s: %s", id,
                 e->order_cancel->by, e->order_cancel->reason);
        return;
    default:
        snprintf(w->step, sizeof w->step, "order refused");
        snprintf(w->step_zh, sizeof w->step_zh, "订单被拒");
        snprintf(w->detail, sizeof w->detail, "%s: %s", id,
                 e->order_refuse->reason);
        return;
    }
}

bool
lpg_order_delivery_of(lpg_txn_t *t, uint64_t seq, const char *order,
                      const char *user)
{
    const uint8_t *data;
    size_t len;
    if (lpg_txn_entry(t, seq, &data, &len) != LPG_OK)
        return false;
    Lpg__LedgerEntry *le = lpg__ledger_entry__unpack(NULL, len, data);
    Lpg__SignedEvent *se =
        le ? lpg__signed_event__unpack(NULL, le->signed_event.len,
                                       le->signed_event.data)
           : NULL;
    Lpg__Event *e =
        se ? lpg__event__unpack(NULL, se->body.len, se->body.data) : NULL;
    bool ok = e && e->body_case == LPG__EVENT__BODY_DELIVERY && le->outcome &&
              le->outcome->status == LPG__STATUS__STATUS_OK &&
              e->delivery->order && strcmp(e->delivery->order, order) == 0 &&
              e->user && strcmp(e->user, user) == 0;
    if (e)
        lpg__event__free_unpacked(e, NULL);
    if (se)
        lpg__signed_event__free_unpacked(se, NULL);
    if (le)
        lpg__ledger_entry__free_unpacked(le, NULL);
    return ok;
}

typedef struct {
    lpg_txn_t *t;
    const char *order, *user;
    uint64_t *seqs;
    size_t max, n;
} s_found_t;

static int
s_on_user_seq(void *ctx, uint64_t seq)
{
    s_found_t *f = ctx;
    if (f->n < f->max && lpg_order_delivery_of(f->t, seq, f->order, f->user))
        f->seqs[f->n++] = seq;
    return LPG_OK;
}

int
lpg_order_deliveries(lpg_txn_t *t, const char *order, const char *user,
                     uint64_t *seqs, size_t max, size_t *n)
{
    s_found_t f = {t, order, user, seqs, max, 0};
    int rc = lpg_txn_seqs(t, LPG_TABLE_BY_USER, user, strlen(user),
                          s_on_user_seq, &f);
    *n = f.n;
    return rc;
}

/* ------------------------------------------- a driver's look at an address */

const char *
lpg_order_address_of(const Lpg__Event *e)
{
    return e->body_case == LPG__EVENT__BODY_ORDER_ADDRESS
               ? e->order_address->order
               : NULL;
}

bool
lpg_order_is_open(const Lpg__OrderState *o)
{
    return o && (o->status == LPG__ORDER_STATUS__ORDER_ASSIGNED ||
                 o->status == LPG__ORDER_STATUS__ORDER_OUT);
}

/*  Signed by an unrevoked handheld enrolled for a driver, naming that
 *  driver as the actor (the binding check in kind.c sees to the name):
 *  the look is that person's. The event names the order only; the
 *  household is found from the order. */
static int
s_authorize_address(lpg_txn_t *t, const lpg_event_t *ev,
                    bool signer_is_authority, char *why, size_t whysz)
{
    const Lpg__Event *e = ev->event;
    if (signer_is_authority)
        return lpg_why_rc(why, whysz, LPG_EPERM, "%s",
                          "the authority reveals with a PiiReveal, not an "
                          "order's address");
    if (!*e->order_address->order)
        return lpg_why_rc(why, whysz, LPG_EINVAL, "%s",
                          "OrderAddress.order: the order whose address");
    if ((e->user && *e->user) || (e->cylinder && *e->cylinder))
        return lpg_why_rc(why, whysz, LPG_EINVAL, "%s",
                          "an order's address names the order only (no "
                          "Event.user, no Event.cylinder)");
    Lpg__DeviceState *dev = NULL;
    int rc = lpg_state_device(t, ev->signed_event->key_id.data, &dev);
    if (rc == LPG_ENOTFOUND)
        return lpg_why_rc(why, whysz, LPG_EPERM, "%s",
                          "the signer is not an enrolled device");
    if (rc != LPG_OK)
        return rc;
    bool handheld =
        dev->role == LPG__ROLE__ROLE_HANDHELD && !dev->has_revoked_seq;
    bool person = dev->person && *dev->person;
    bool actor = person && e->actor && strcmp(e->actor, dev->person) == 0;
    lpg__device_state__free_unpacked(dev, NULL);
    if (!handheld)
        return lpg_why_rc(why, whysz, LPG_EPERM, "%s",
                          "only a driver's handheld asks for an order's "
                          "address");
    if (!person)
        return lpg_why_rc(why, whysz, LPG_EPERM, "%s",
                          "this handheld is enrolled for no driver (device "
                          "enroll --person): it sees no address");
    if (!actor)
        return lpg_why_rc(why, whysz, LPG_EINVAL, "%s",
                          "Event.actor: the driver the handheld is "
                          "enrolled for");
    return LPG_OK;
}

/*  Found under the order's household, whatever the verdict: the user's
 *  entries show every look at their address (the driver's are found
 *  under Event.actor already). */
static int
s_apply_address(lpg_txn_t *t, uint64_t seq, uint64_t recorded_at_ms,
                const lpg_event_t *ev, const uint8_t signer[LPG_KEYID_LEN],
                const Lpg__Outcome *outcome)
{
    (void)recorded_at_ms;
    (void)signer;
    (void)outcome;
    Lpg__OrderState *o =
        lpg_state_get(t, LPG_TABLE_ORDERS, ev->event->order_address->order,
                      &lpg__order_state__descriptor);
    int rc = o && o->user && *o->user
                 ? lpg_txn_index(t, LPG_TABLE_BY_USER, o->user,
                                 strlen(o->user), seq)
                 : LPG_OK;
    lpg_state_free(o);
    return rc;
}

static void
s_describe_address(const Lpg__Event *e, const Lpg__Outcome *outcome, bool ok,
                   lpg_kind_words_t *w)
{
    snprintf(w->step, sizeof w->step, "%s",
             ok ? "order address shown to its driver"
                : "order address refused");
    snprintf(w->step_zh, sizeof w->step_zh, "%s",
             ok ? "送气工查看订单地址" : "查看订单地址被拒");
    char why[96] = "";
    for (size_t i = 0; !ok && outcome && i < outcome->n_reasons; i++) {
        size_t n = strlen(why);
        snprintf(why + n, sizeof why - n, "%s%s", i ? " " : ": ",
                 outcome->reasons[i]->token);
    }
    snprintf(w->detail, sizeof w->detail, "order %s, driver %s%s",
             e->order_address->order, e->actor ? e->actor : "?", why);
}

const lpg_kind_t lpg_order_kinds[] = {
    {LPG__EVENT__BODY_ORDER_PLACE, "order_place", "order", s_authorize,
     s_apply, NULL, false, s_describe},
    {LPG__EVENT__BODY_ORDER_ACCEPT, "order_accept", "order", s_authorize,
     s_apply, NULL, false, s_describe},
    {LPG__EVENT__BODY_ORDER_ASSIGN, "order_assign", "order", s_authorize,
     s_apply, NULL, false, s_describe},
    {LPG__EVENT__BODY_ORDER_OUT, "order_out", "order", s_authorize, s_apply,
     NULL, false, s_describe},
    {LPG__EVENT__BODY_ORDER_DELIVERED, "order_delivered", "order", s_authorize,
     s_apply, NULL, false, s_describe},
    {LPG__EVENT__BODY_ORDER_CANCEL, "order_cancel", "order", s_authorize,
     s_apply, NULL, false, s_describe},
    {LPG__EVENT__BODY_ORDER_REFUSE, "order_refuse", "order", s_authorize,
     s_apply, NULL, false, s_describe},
    /* recorded by the registry: it alone opens the household's data */
    {LPG__EVENT__BODY_ORDER_ADDRESS, "order_address", "registry",
     s_authorize_address, s_apply_address, NULL, false, s_describe_address},
};
const size_t lpg_order_nkinds =
    sizeof lpg_order_kinds / sizeof *lpg_order_kinds;
