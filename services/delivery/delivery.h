/*  delivery.h - lpg-deliveryd: the drivers' handheld backend (DESIGN.md
 *  §7 "delivery").
 *
 *  Dispatch, delivery, collection and return, each answered OK or DENIED
 *  with every reason and recorded either way; a step that arrives late
 *  (an offline handheld) is judged as usual and flagged LATE with the
 *  delay. A step carrying a code whose signature fails (a forged code
 *  met on the road) is recorded refused, under no cylinder. The judging
 *  is lib/domain/delivery_rules.c; this file gathers the
 *  state each rule needs inside the append transaction.
 */
#ifndef LPG_DELIVERYD_H
#define LPG_DELIVERYD_H

#include "base/clock.h"
#include "domain/delivery_rules.h"
#include "net/service.h"

typedef struct {
    uint64_t late_limit_ms;     /* delivery.late_ms */
    const char *zone;           /* time.zone */
    const char *resolver;       /* code.resolver: codes, gas-use
                                 * certificates */
    const lpg_key_t *authority; /* signs the codes; owned by the ledger */
    uint64_t (*now_ms)(void);   /* the service clock (tests may replace) */
    lpg_today_t today;          /* the local date, cached */
} lpg_delivery_t;

/*  Reads delivery.late_ms, time.zone and code.resolver, and takes the
 *  ledger's authority key (which the codes a step carries must verify
 *  with). LPG_ECONFIG with why. */
int lpg_delivery_init(lpg_delivery_t *d, const lpg_config_t *cfg,
                      lpg_ledger_t *ledger, char *why, size_t whysz);

/*  The precheck hook (ledger.h lpg_precheck_fn): verifies the code text
 *  a step carries, on the signature threads; NULL when it carries none. */
void *lpg_delivery_precheck(void *ctx, const lpg_event_t *ev);

/*  The rules hook (ledger.h lpg_rules_fn): LPG_EINVAL for any event that
 *  is not a delivery step. */
int lpg_delivery_rules(void *ctx, lpg_txn_t *txn, uint64_t seq,
                       const lpg_event_t *ev, const lpg_signer_t *who,
                       const lpg_append_in_t *in, void *pre,
                       Lpg__Outcome *outcome);

#endif
