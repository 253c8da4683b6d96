/*  order.c - see order.h. */
#include "order.h"
#include "base/count.h"
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
    if (lpg_cert_memo_new(&o->certs) != LPG_OK)
        return lpg_why_rc(why, whysz, LPG_ENOMEM, "out of memory");
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

/*  The cylinders a household holds now: those its entries name whose
 *  record says they are with it. Only a delivery, an entry filed under
 *  the household, puts a cylinder with it, so what its entries named up
 *  to some seq is remembered (the cylinders still with it when last
 *  looked at) and only its newer entries are read: the cost of an order
 *  follows what happened since the household's last order, not its whole
 *  history. Remembered for up to S_HELD_USERS households at a time (a
 *  household pushed out is read in full again); only from the rules,
 *  which run one at a time. */
#define S_HELD_USERS 4096
#define S_HELD_NAMED 1024 /* cylinders remembered for one household */

typedef struct {
    char *user;    /* NULL: a free slot */
    uint64_t next; /* its entries below this seq have been read */
    char **cyl;    /* the cylinders they named that may be with it */
    uint32_t n, cap;
} s_holder_t;

struct lpg_order_held {
    s_holder_t slot[S_HELD_USERS];
};

/*  What the precheck hands to the rules of an OrderPlace. */
typedef struct {
    lpg_cert_check_t cert;
    bool cert_checked; /* cert is the certificate's check */
    bool door;         /* of the household's door certificate (none
                         * given), as of its door_gas_cert_seq door_seq */
    uint64_t door_seq;
    uint64_t committed; /* entries below this seq are committed */
} s_pre_t;

static void
s_holder_clear(s_holder_t *h)
{
    for (uint32_t i = 0; i < h->n; i++)
        free(h->cyl[i]);
    free(h->cyl);
    free(h->user);
    memset(h, 0, sizeof *h);
}

/*  The slot of user, claimed (and emptied) if another household had it;
 *  NULL when memory runs out. */
static s_holder_t *
s_holder(lpg_order_t *o, const char *user)
{
    if (!o->held && !(o->held = calloc(1, sizeof *o->held)))
        return NULL;
    uint32_t hash = 2166136261u; /* FNV-1a */
    for (const char *c = user; *c; c++)
        hash = (hash ^ (uint8_t)*c) * 16777619u;
    s_holder_t *h = &o->held->slot[hash % S_HELD_USERS];
    if (h->user && strcmp(h->user, user) == 0)
        return h;
    s_holder_clear(h);
    h->user = strdup(user);
    return h->user ? h : NULL;
}

typedef struct {
    lpg_txn_t *t;
    s_holder_t *h;
    bool lost; /* a cylinder named could not be remembered */
} s_scan_t;

/*  One newer entry of the household: the cylinder it names, if any, is
 *  remembered (once). */
static int
s_scan_one(void *ctx, uint64_t seq)
{
    s_scan_t *sc = ctx;
    s_holder_t *h = sc->h;
    const uint8_t *data;
    size_t len;
    if (lpg_txn_entry(sc->t, seq, &data, &len) != LPG_OK)
        return LPG_OK;
    lpg_count(LPG_COUNT_ENTRY_DECODE);
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
        dup = strcmp(h->cyl[i], grai) == 0;
    if (!dup && h->n == h->cap) {
        uint32_t cap = h->cap ? h->cap * 2 : 8;
        char **p =
            cap <= S_HELD_NAMED ? realloc(h->cyl, cap * sizeof *p) : NULL;
        if (p) {
            h->cyl = p;
            h->cap = cap;
        }
    }
    char *g = !dup && h->n < h->cap ? strdup(grai) : NULL;
    if (g)
        h->cyl[h->n++] = g;
    else if (!dup)
        sc->lost = true;
    if (e)
        lpg__event__free_unpacked(e, NULL);
    if (se)
        lpg__signed_event__free_unpacked(se, NULL);
    if (le)
        lpg__ledger_entry__free_unpacked(le, NULL);
    return LPG_OK;
}

/*  How many cylinders user holds now (at most S_HELD_SEEN). Its entries
 *  from the remembered seq on are read; the mark moves up to committed
 *  only (entries of this write transaction, which may yet be undone,
 *  are read again next time). The cylinders remembered that are no
 *  longer with it are forgotten: only a newer entry of its can bring one
 *  back. */
static uint32_t
s_held(lpg_order_t *o, lpg_txn_t *t, const char *user, uint64_t committed)
{
    s_holder_t lone = {0}; /* when no slot can be had: read in full */
    s_holder_t *h = s_holder(o, user);
    s_scan_t sc = {.t = t, .h = h ? h : &lone};
    lpg_txn_seqs_from(t, LPG_TABLE_BY_USER, user, strlen(user), sc.h->next,
                      s_scan_one, &sc);
    if (!sc.lost && committed > sc.h->next)
        sc.h->next = committed;
    uint32_t held = 0, kept = 0;
    for (uint32_t i = 0; i < sc.h->n; i++) {
        char *g = sc.h->cyl[i];
        Lpg__CylinderState *c = lpg_state_get(
            t, LPG_TABLE_CYLINDERS, g, &lpg__cylinder_state__descriptor);
        bool with = c && c->has_custody &&
                    c->custody == LPG__CUSTODY__CUSTODY_AT_USER && c->holder &&
                    strcmp(c->holder, user) == 0;
        lpg_state_free(c);
        if (with) {
            sc.h->cyl[kept++] = g;
            held += held < S_HELD_SEEN;
        } else {
            free(g);
        }
    }
    sc.h->n = kept;
    s_holder_clear(&lone);
    return held;
}

void
lpg_order_stop(lpg_order_t *o)
{
    lpg_cert_memo_destroy(&o->certs);
    if (!o->held)
        return;
    for (size_t i = 0; i < S_HELD_USERS; i++)
        s_holder_clear(&o->held->slot[i]);
    free(o->held);
    o->held = NULL;
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
    s_pre_t *p = calloc(1, sizeof *p);
    const char *text = e->order_place->gas_cert;
    Lpg__UserState *u = NULL;
    if (p && (!text || !*text) && e->user && *e->user) {
        /* none given: the one last presented at the household's door */
        u = lpg_state_get(t, LPG_TABLE_USERS, e->user,
                          &lpg__user_state__descriptor);
        if (u && u->door_gas_cert && u->has_door_gas_cert_seq) {
            text = u->door_gas_cert;
            p->door = true;
            p->door_seq = u->door_gas_cert_seq;
        }
    }
    if (p) {
        p->cert_checked =
            lpg_delivery_cert_check(t, text, o->resolver, o->certs, &p->cert);
        if (lpg_txn_size(t, &p->committed) != LPG_OK)
            p->committed = 0;
    }
    lpg_state_free(u);
    lpg_txn_abort(&t);
    return p;
}

static int
s_place(lpg_order_t *o, lpg_txn_t *txn, const Lpg__Event *e,
        const s_pre_t *pre, Lpg__Outcome *outcome)
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
    bool ahead = pre && pre->cert_checked && !pre->door;
    if (!p->gas_cert || !*p->gas_cert) {
        /* none given (a phone order): the household's certificate last
         * presented at its door, judged by the same rules */
        in.gas_cert_door = true;
        in.gas_cert = in.user ? in.user->door_gas_cert : NULL;
        ahead = pre && pre->cert_checked && pre->door && in.user &&
                in.user->has_door_gas_cert_seq &&
                in.user->door_gas_cert_seq == pre->door_seq;
    }
    Lpg__DeviceState *signer = lpg_delivery_cert_signer(txn, in.gas_cert);
    in.gas_cert_signer = signer;
    in.gas_cert_check = ahead ? &pre->cert : NULL;
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
        in.held = s_held(o, txn, e->user, pre ? pre->committed : 0);
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
 *  household, named once; together they hand over the count ordered
 *  (one cylinder each), else the order is refused delivered
 *  (ORDER_COUNT_SHORT, recorded) and stays as it was until the rest is
 *  handed over, or is cancelled. */
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
        for (size_t j = 0; j < i; j++)
            if (d->delivery_seq[j] == seq)
                return s_invalid(outcome, "entry %llu is named twice",
                                 (unsigned long long)seq);
        if (lpg_txn_entry(txn, seq, &data, &len) != LPG_OK)
            return s_invalid(outcome, "no entry %llu",
                             (unsigned long long)seq);
        bool ok = lpg_order_delivery_of(txn, seq, d->order, st->user);
        if (!ok)
            return s_invalid(outcome,
                             "entry %llu is no accepted delivery of order %s",
                             (unsigned long long)seq, d->order);
    }
    lpg_verdict_t v = {.allow = true};
    uint32_t count = st->place->count;
    if (d->n_delivery_seq < count) {
        char en[96], zh[96];
        snprintf(en, sizeof en, "%zu of %u handed over", d->n_delivery_seq,
                 (unsigned)count);
        snprintf(zh, sizeof zh, "已送达 %zu 瓶，订购 %u 瓶", d->n_delivery_seq,
                 (unsigned)count);
        lpg_verdict_add(&v, LPG_REASON_ORDER_COUNT_SHORT, en, zh);
    }
    return lpg_verdict_outcome(&v, "delivered", "refused", outcome);
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
