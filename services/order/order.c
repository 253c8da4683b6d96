/*  order.c - see order.h. */
#include "order.h"
#include "base/error.h"
#include "domain/household.h"
#include "domain/delivery_rules.h"
#include "domain/kind.h"
#include "domain/order.h"
#include "domain/state.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_COUNT_MAX 100 /* cylinders in one order */
#define S_HELD_SEEN 256 /* distinct cylinders counted per household */
#define S_HOLDING_MAX 1000

int
lpg_order_init(lpg_order_t *o, const lpg_config_t *cfg, lpg_ledger_t *ledger,
               char *why, size_t whysz)
{
    memset(o, 0, sizeof *o);
    o->ledger = ledger;
    o->zone = lpg_config_get(cfg, "time.zone");
    o->resolver = lpg_config_get(cfg, "code.resolver");
    o->now_ms = lpg_clock_now_ms;
    if (lpg_local_ymd(lpg_clock_now_ms(), o->zone) == 0)
        return lpg_why_rc(why, whysz, LPG_ECONFIG,
                          "time.zone '%s' is not a known time zone", o->zone);
    const char *keys[2] = {"report.hoard_household_max",
                           "report.hoard_business_max"};
    uint32_t *vals[2] = {&o->household_max, &o->business_max};
    for (int i = 0; i < 2; i++) {
        long long v = lpg_config_get_int(cfg, keys[i], -1);
        if (v < 0 || v > S_HOLDING_MAX)
            return lpg_why_rc(why, whysz, LPG_ECONFIG,
                              "%s must be an integer in 0..%d", keys[i],
                              S_HOLDING_MAX);
        *vals[i] = (uint32_t)v;
    }
    return LPG_OK;
}

__attribute__((format(printf, 2, 3))) static int
s_invalid(Lpg__Outcome *o, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    free(o->message);
    o->message = strdup(msg);
    return LPG_EINVAL;
}

/*  The cylinders the household holds now: those its entries name whose
 *  record says they are with it. */
typedef struct {
    lpg_txn_t *t;
    const char *user;
    char *seen[S_HELD_SEEN];
    uint32_t n;
} s_held_t;

static int
s_held_one(void *ctx, uint64_t seq)
{
    s_held_t *h = ctx;
    const uint8_t *data;
    size_t len;
    if (h->n >= S_HELD_SEEN || lpg_txn_entry(h->t, seq, &data, &len) != LPG_OK)
        return LPG_OK;
    Lpg__LedgerEntry *le = lpg__ledger_entry__unpack(NULL, len, data);
    Lpg__SignedEvent *se =
        le ? lpg__signed_event__unpack(NULL, le->signed_event.len,
                                       le->signed_event.data)
           : NULL;
    Lpg__Event *e =
        se ? lpg__event__unpack(NULL, se->body.len, se->body.data) : NULL;
    const char *grai = e ? e->cylinder : NULL;
    bool dup = !grai || !*grai;
    for (uint32_t i = 0; !dup && i < h->n; i++)
        dup = strcmp(h->seen[i], grai) == 0;
    if (!dup) {
        Lpg__CylinderState *c = lpg_state_get(
            h->t, LPG_TABLE_CYLINDERS, grai, &lpg__cylinder_state__descriptor);
        if (c && c->has_custody &&
            c->custody == LPG__CUSTODY__CUSTODY_AT_USER && c->holder &&
            strcmp(c->holder, h->user) == 0) {
            char *g = strdup(grai);
            if (g)
                h->seen[h->n++] = g;
        }
        lpg_state_free(c);
    }
    if (e)
        lpg__event__free_unpacked(e, NULL);
    if (se)
        lpg__signed_event__free_unpacked(se, NULL);
    if (le)
        lpg__ledger_entry__free_unpacked(le, NULL);
    return LPG_OK;
}

static uint32_t
s_held(lpg_txn_t *t, const char *user)
{
    s_held_t h = {.t = t, .user = user};
    lpg_txn_seqs(t, LPG_TABLE_BY_USER, user, strlen(user), s_held_one, &h);
    for (uint32_t i = 0; i < h.n; i++)
        free(h.seen[i]);
    return h.n;
}

void *
lpg_order_precheck(void *ctx, const lpg_event_t *ev)
{
    lpg_order_t *o = ctx;
    const Lpg__Event *e = ev->event;
    if (e->body_case != LPG__EVENT__BODY_ORDER_PLACE || !o->ledger)
        return NULL;
    lpg_txn_t *t = NULL;
    if (lpg_ledger_read(o->ledger, &t) != LPG_OK)
        return NULL;
    lpg_cert_check_t *c = malloc(sizeof *c);
    if (c && !lpg_delivery_cert_check(t, e->order_place->gas_cert, o->resolver,
                                      c)) {
        free(c);
        c = NULL;
    }
    lpg_txn_abort(&t);
    return c;
}

static int
s_place(lpg_order_t *o, lpg_txn_t *txn, const Lpg__Event *e,
        const lpg_cert_check_t *ahead, Lpg__Outcome *outcome)
{
    const Lpg__OrderPlace *p = e->order_place;
    if (p->count < 1 || p->count > S_COUNT_MAX)
        return s_invalid(outcome, "OrderPlace.count: 1..%d", S_COUNT_MAX);
    if (!*p->spec)
        return s_invalid(outcome, "OrderPlace.spec: the cylinder spec");
    if (p->slot_to_ms < p->slot_from_ms)
        return s_invalid(outcome, "OrderPlace.slot_to_ms: before the start");
    lpg_delivery_input_t in = {0};
    in.step = LPG_DELIVERY_DELIVER;
    in.user_id = e->user;
    in.user = lpg_state_get(txn, LPG_TABLE_USERS, e->user,
                            &lpg__user_state__descriptor);
    in.gas_cert = p->gas_cert;
    Lpg__DeviceState *signer = lpg_delivery_cert_signer(txn, p->gas_cert);
    in.gas_cert_signer = signer;
    in.gas_cert_check = ahead;
    char *hazard = lpg_delivery_hazard(txn, e->user);
    in.hazard = hazard;
    in.resolver = o->resolver;
    uint64_t now = o->now_ms();
    in.today_ymd = lpg_today(&o->today, now, o->zone);
    in.event_ymd =
        lpg_local_ymd(lpg_clock_bounded(e->device_time_ms, now), o->zone);
    /* the limit is the one `report anomalies` calls hoarding above */
    uint32_t limit = (uint32_t)lpg_user_holding_max(in.user, o->household_max,
                                                    o->business_max);
    if (limit > 0) {
        in.holding_limit = limit;
        in.held = s_held(txn, e->user);
        in.wanted = p->count;
    }
    lpg_verdict_t v = {.allow = true};
    lpg_delivery_check_household(&v, &in, e->company);
    lpg_verdict_sort(&v);
    int rc = lpg_verdict_outcome(&v, "placed", "refused", outcome);
    lpg_state_free(in.user);
    free(hazard);
    if (signer)
        lpg__device_state__free_unpacked(signer, NULL);
    return rc;
}

static int
s_assign(lpg_order_t *o, lpg_txn_t *txn, const Lpg__Event *e,
         Lpg__Outcome *outcome)
{
    const Lpg__OrderAssign *a = e->order_assign;
    lpg_delivery_input_t in = {0};
    in.driver_id = a->driver;
    in.driver = lpg_state_get(txn, LPG_TABLE_STAFF, a->driver,
                              &lpg__staff_state__descriptor);
    in.vehicle_id = a->vehicle;
    in.vehicle = lpg_state_get(txn, LPG_TABLE_VEHICLES, a->vehicle,
                               &lpg__vehicle_state__descriptor);
    in.today_ymd = lpg_today(&o->today, o->now_ms(), o->zone);
    lpg_verdict_t v = {.allow = true};
    lpg_delivery_check_crew(&v, &in, e->company);
    lpg_verdict_sort(&v);
    int rc = lpg_verdict_outcome(&v, "assigned", "refused", outcome);
    lpg_state_free(in.driver);
    lpg_state_free(in.vehicle);
    return rc;
}

/*  Each delivery named is an accepted Delivery of this order, to its
 *  household. */
static int
s_delivered(lpg_txn_t *txn, const Lpg__Event *e, const Lpg__OrderState *st,
            Lpg__Outcome *outcome)
{
    const Lpg__OrderDelivered *d = e->order_delivered;
    if (d->n_delivery_seq == 0)
        return s_invalid(outcome, "OrderDelivered.delivery_seq: the "
                                  "deliveries that fulfilled it");
    for (size_t i = 0; i < d->n_delivery_seq; i++) {
        const uint8_t *data;
        size_t len;
        uint64_t seq = d->delivery_seq[i];
        if (lpg_txn_entry(txn, seq, &data, &len) != LPG_OK)
            return s_invalid(outcome, "no entry %llu",
                             (unsigned long long)seq);
        Lpg__LedgerEntry *le = lpg__ledger_entry__unpack(NULL, len, data);
        Lpg__SignedEvent *se =
            le ? lpg__signed_event__unpack(NULL, le->signed_event.len,
                                           le->signed_event.data)
               : NULL;
        Lpg__Event *de =
            se ? lpg__event__unpack(NULL, se->body.len, se->body.data) : NULL;
        bool ok = de && de->body_case == LPG__EVENT__BODY_DELIVERY &&
                  le->outcome &&
                  le->outcome->status == LPG__STATUS__STATUS_OK &&
                  de->delivery->order &&
                  strcmp(de->delivery->order, d->order) == 0 && de->user &&
                  strcmp(de->user, st->user) == 0;
        if (de)
            lpg__event__free_unpacked(de, NULL);
        if (se)
            lpg__signed_event__free_unpacked(se, NULL);
        if (le)
            lpg__ledger_entry__free_unpacked(le, NULL);
        if (!ok)
            return s_invalid(outcome,
                             "entry %llu is no accepted delivery of order %s",
                             (unsigned long long)seq, d->order);
    }
    free(outcome->message);
    outcome->message = strdup("delivered");
    return LPG_OK;
}

int
lpg_order_rules(void *ctx, lpg_txn_t *txn, uint64_t seq, const lpg_event_t *ev,
                const lpg_signer_t *who, const lpg_append_in_t *in, void *pre,
                Lpg__Outcome *outcome)
{
    (void)seq;
    (void)who;
    (void)in;
    lpg_order_t *o = ctx;
    const Lpg__Event *e = ev->event;
    const char *id = lpg_order_id_of(e);
    if (!id)
        return s_invalid(outcome, "not an order event: lpg-orderd records "
                                  "only the order kinds");
    if (e->body_case == LPG__EVENT__BODY_ORDER_PLACE)
        return s_place(o, txn, e, pre, outcome);
    Lpg__OrderState *st = lpg_state_get(txn, LPG_TABLE_ORDERS, id,
                                        &lpg__order_state__descriptor);
    if (!st)
        return s_invalid(outcome, "no order %s", id);
    Lpg__OrderStatus s = st->status;
    const char *now = lpg_order_status_word(s);
    int rc = LPG_OK;
    bool fits = true;
    const char *done = "recorded";
    switch (e->body_case) {
    case LPG__EVENT__BODY_ORDER_ACCEPT:
        fits = s == LPG__ORDER_STATUS__ORDER_PLACED;
        done = "accepted";
        break;
    case LPG__EVENT__BODY_ORDER_ASSIGN:
        fits = s == LPG__ORDER_STATUS__ORDER_ACCEPTED ||
               s == LPG__ORDER_STATUS__ORDER_ASSIGNED;
        break;
    case LPG__EVENT__BODY_ORDER_OUT:
        fits = s == LPG__ORDER_STATUS__ORDER_ASSIGNED;
        done = "out for delivery";
        break;
    case LPG__EVENT__BODY_ORDER_DELIVERED:
        fits = s == LPG__ORDER_STATUS__ORDER_ASSIGNED ||
               s == LPG__ORDER_STATUS__ORDER_OUT;
        break;
    case LPG__EVENT__BODY_ORDER_CANCEL:
        fits = s != LPG__ORDER_STATUS__ORDER_DELIVERED &&
               s != LPG__ORDER_STATUS__ORDER_CANCELLED &&
               s != LPG__ORDER_STATUS__ORDER_REFUSED;
        done = "cancelled";
        break;
    default: /* refuse */
        fits = s == LPG__ORDER_STATUS__ORDER_PLACED ||
               s == LPG__ORDER_STATUS__ORDER_ACCEPTED;
        done = "refused by the company";
        break;
    }
    if (!fits)
        rc = s_invalid(outcome, "order %s is %s: no %s now", id, now,
                       lpg_kind_name(e->body_case));
    else if (e->body_case == LPG__EVENT__BODY_ORDER_ASSIGN)
        rc = s_assign(o, txn, e, outcome);
    else if (e->body_case == LPG__EVENT__BODY_ORDER_DELIVERED)
        rc = s_delivered(txn, e, st, outcome);
    else {
        outcome->status = LPG__STATUS__STATUS_OK;
        free(outcome->message);
        outcome->message = strdup(done);
    }
    lpg_state_free(st);
    return rc;
}
