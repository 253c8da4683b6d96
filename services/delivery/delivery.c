/*  delivery.c - see delivery.h. */
#include "delivery.h"
#include "base/error.h"
#include "codes/code.h"
#include "codes/gascert.h"
#include "domain/cylinder.h"
#include "domain/household.h"
#include "domain/state.h"
#include "base/clock.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*  Codes remembered: a cylinder's code comes back at each step of its
 *  round, within days; a round of several thousand cylinders a day fits
 *  (about 1 KB a slot). */
#define S_CODE_SLOTS 16384

int
lpg_delivery_init(lpg_delivery_t *d, const lpg_config_t *cfg,
                  lpg_ledger_t *ledger, char *why, size_t whysz)
{
    memset(d, 0, sizeof *d);
    d->zone = lpg_config_get(cfg, "time.zone");
    d->resolver = lpg_config_get(cfg, "code.resolver");
    d->authority = lpg_ledger_authority(ledger);
    d->now_ms = lpg_clock_now_ms;
    d->ledger = ledger;
    if (!d->authority) {
        snprintf(why, whysz, "the ledger has no authority key");
        return LPG_ECONFIG;
    }
    if (lpg_local_ymd(lpg_clock_now_ms(), d->zone) == 0) {
        snprintf(why, whysz, "time.zone '%s' is not a known time zone",
                 d->zone);
        return LPG_ECONFIG;
    }
    int rc = lpg_delivery_late_from_config(&d->late_limit_ms, cfg, why, whysz);
    if (rc == LPG_OK && (lpg_cert_memo_new(&d->certs) != LPG_OK ||
                         lpg_code_cache_new(&d->codes, d->authority,
                                            S_CODE_SLOTS) != LPG_OK)) {
        snprintf(why, whysz, "out of memory");
        rc = LPG_ENOMEM;
    }
    return rc;
}

void
lpg_delivery_stop(lpg_delivery_t *d)
{
    lpg_cert_memo_destroy(&d->certs);
    lpg_code_cache_destroy(&d->codes);
}

/*  The code text a step carries (NULL: none). */
static const char *
s_code_text(const Lpg__Event *e)
{
    const char *code = NULL;
    switch (e->body_case) {
    case LPG__EVENT__BODY_DISPATCH:
        code = e->dispatch->code;
        break;
    case LPG__EVENT__BODY_DELIVERY:
        code = e->delivery->code;
        break;
    case LPG__EVENT__BODY_COLLECTION:
        code = e->collection->code;
        break;
    case LPG__EVENT__BODY_STATION_RETURN:
        code = e->station_return->code;
        break;
    default:
        break;
    }
    return code;
}

/*  A step's code and a delivery's gas-use certificate as checked on the
 *  signature threads. Plain bytes: the ledger frees it. */
typedef struct {
    bool coded; /* the step carries a code: */
    int rc;     /* lpg_code_verify's result */
    lpg_code_t code;
    bool cert_checked; /* cert is the certificate's check */
    lpg_cert_check_t cert;
} s_pre_t;

void *
lpg_delivery_precheck(void *ctx, const lpg_event_t *ev)
{
    lpg_delivery_t *d = ctx;
    const Lpg__Event *e = ev->event;
    const char *text = s_code_text(e);
    const char *cert = e->body_case == LPG__EVENT__BODY_DELIVERY
                           ? e->delivery->gas_cert
                           : NULL;
    if (!text && !(cert && *cert))
        return NULL;
    s_pre_t *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    /* A snapshot as it comes: what it may lack (a code or a device key
     * just recorded) is checked in full, here or by the rules, and
     * waiting for a commit in flight would hold up the batch. */
    lpg_txn_t *t = NULL;
    if (d->ledger && lpg_ledger_read_now(d->ledger, &t) != LPG_OK)
        t = NULL;
    if (text) {
        p->coded = true;
        p->rc = lpg_cylinder_code_verify(t, text, strlen(text), d->resolver,
                                         d->authority, d->codes, &p->code);
    }
    if (cert && *cert && t)
        p->cert_checked =
            lpg_delivery_cert_check(t, cert, d->resolver, d->certs, &p->cert);
    lpg_txn_abort(&t);
    return p;
}

/*  The Event.cylinder a step with this code must name: the code's GRAI
 *  when it verified, none when it did not (a forged code names no
 *  cylinder, and nothing is filed under one it claims). */
static int
s_code_names(const Lpg__Event *e, const s_pre_t *p, Lpg__Outcome *o)
{
    bool verified = p->rc == LPG_OK || p->rc == LPG_ECODE_CASE;
    const char *msg = NULL;
    char buf[160];
    if (verified && (!e->cylinder || strcmp(e->cylinder, p->code.grai))) {
        snprintf(buf, sizeof buf,
                 "Event.cylinder: must be the code's GRAI "
                 "%s",
                 p->code.grai);
        msg = buf;
    } else if (!verified && e->cylinder && *e->cylinder) {
        msg = "Event.cylinder: leave it out (the code does not verify, so "
              "it names no cylinder)";
    }
    if (!msg)
        return LPG_OK;
    free(o->message);
    o->message = strdup(msg);
    return LPG_EINVAL;
}

/*  The verdict as the recorded outcome (malloc'd: the ledger frees). */
static int
s_outcome(const lpg_verdict_t *v, uint64_t late_ms, Lpg__Outcome *o)
{
    int rc = lpg_verdict_outcome(v, late_ms ? "recorded (late)" : "recorded",
                                 "refused", o);
    if (late_ms) {
        o->has_late_ms = 1;
        o->late_ms = late_ms;
    }
    return rc;
}

int
lpg_delivery_rules(void *ctx, lpg_txn_t *txn, uint64_t seq,
                   const lpg_event_t *ev, const lpg_signer_t *who,
                   const lpg_append_in_t *in, void *pre, Lpg__Outcome *outcome)
{
    lpg_delivery_t *d = ctx;
    const Lpg__Event *e = ev->event;
    int step = lpg_delivery_step_of(e);
    if (step < 0)
        return LPG_EINVAL; /* not a driver's step */
    lpg_delivery_input_t di = {0};
    di.step = (lpg_delivery_step_t)step;
    switch (e->body_case) {
    case LPG__EVENT__BODY_DISPATCH:
        di.vehicle_id = e->dispatch->vehicle;
        break;
    case LPG__EVENT__BODY_DELIVERY:
        di.vehicle_id = e->delivery->vehicle;
        di.gas_cert = e->delivery->gas_cert;
        di.checks = e->delivery->checks;
        di.n_checks = e->delivery->n_checks;
        di.order_id = e->delivery->order;
        break;
    case LPG__EVENT__BODY_COLLECTION:
        di.vehicle_id = e->collection->vehicle;
        break;
    default:
        di.vehicle_id = e->station_return->vehicle;
        break;
    }
    bool at_site =
        di.step == LPG_DELIVERY_DISPATCH || di.step == LPG_DELIVERY_RETURN;
    const char *text = s_code_text(e);
    s_pre_t local = {0};
    s_pre_t *p = pre ? pre : &local;
    if (text && !p->coded) { /* the precheck could not: verify here */
        p->coded = true;
        p->rc = lpg_code_verify(text, strlen(text), d->resolver, d->authority,
                                &p->code);
    }
    if (p->coded) {
        int rc = s_code_names(e, p, outcome);
        if (rc != LPG_OK)
            return rc;
        di.code_rc = p->rc;
        di.code = &p->code;
    }
    di.cylinder_id = e->cylinder;
    di.cyl = e->cylinder ? lpg_state_get(txn, LPG_TABLE_CYLINDERS, e->cylinder,
                                         &lpg__cylinder_state__descriptor)
                         : NULL;
    Lpg__DeviceState *dev = NULL;
    lpg_state_device(txn, ev->signed_event->key_id.data, &dev);
    di.device = dev;
    di.driver_id = e->actor;
    di.driver = lpg_state_get(txn, LPG_TABLE_STAFF, e->actor,
                              &lpg__staff_state__descriptor);
    di.vehicle = lpg_state_get(txn, LPG_TABLE_VEHICLES, di.vehicle_id,
                               &lpg__vehicle_state__descriptor);
    char *hazard = NULL;
    Lpg__DeviceState *signer = NULL;
    if (at_site) {
        di.site_id = e->site;
        di.site = lpg_state_get(txn, LPG_TABLE_SITES, e->site,
                                &lpg__site_state__descriptor);
    } else {
        di.user_id = e->user;
        di.user = lpg_state_get(txn, LPG_TABLE_USERS, e->user,
                                &lpg__user_state__descriptor);
        if (di.step == LPG_DELIVERY_DELIVER) {
            di.hazard = hazard = lpg_delivery_hazard(txn, e->user);
            di.gas_cert_signer = signer =
                lpg_delivery_cert_signer(txn, di.gas_cert);
            di.gas_cert_check = p->cert_checked ? &p->cert : NULL;
            if (di.order_id && *di.order_id)
                di.order = lpg_state_get(txn, LPG_TABLE_ORDERS, di.order_id,
                                         &lpg__order_state__descriptor);
        }
    }
    di.resolver = d->resolver;
    di.time_ms = e->device_time_ms;
    di.now_ms = d->now_ms();
    di.late_limit_ms = d->late_limit_ms;
    di.today_ymd = lpg_today(&d->today, di.now_ms, d->zone);
    /* the day it happened, by a device clock that cannot be ahead */
    di.event_ymd = lpg_local_ymd(
        lpg_clock_bounded(e->device_time_ms, di.now_ms), d->zone);
    lpg_verdict_t v;
    uint64_t late = 0;
    int rc = lpg_delivery_judge(&di, &v, &late);
    if (rc == LPG_OK || rc == LPG_EINVAL)
        rc = s_outcome(&v, late, outcome);
    lpg_state_free(di.cyl);
    lpg_state_free(di.driver);
    lpg_state_free(di.vehicle);
    lpg_state_free(di.site);
    lpg_state_free(di.user);
    lpg_state_free(di.order);
    free(hazard);
    if (dev)
        lpg__device_state__free_unpacked(dev, NULL);
    if (signer)
        lpg__device_state__free_unpacked(signer, NULL);
    return rc;
}
