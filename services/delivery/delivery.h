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
#include "codes/code_cache.h"
#include "domain/delivery_rules.h"
#include "domain/household.h"
#include "net/service.h"

typedef struct {
    uint64_t late_limit_ms;     /* delivery.late_ms */
    const char *zone;           /* time.zone */
    const char *resolver;       /* code.resolver: codes, gas-use
                                 * certificates */
    const lpg_key_t *authority; /* signs the codes; owned by the ledger */
    uint64_t (*now_ms)(void);   /* the service clock (tests may replace) */
    lpg_today_t today;          /* the local date, cached */
    lpg_ledger_t *ledger;       /* read by the precheck */
    lpg_cert_memo_t *certs;     /* gas-use certificates already checked */
    lpg_code_cache_t *codes;    /* codes already verified (NULL: none
                                 * kept) */
} lpg_delivery_t;

/*  Reads delivery.late_ms, time.zone and code.resolver, and takes the
 *  ledger's authority key (which the codes a step carries must verify
 *  with). LPG_ECONFIG with why. */
int lpg_delivery_init(lpg_delivery_t *d, const lpg_config_t *cfg,
                      lpg_ledger_t *ledger, char *why, size_t whysz);

/*  The precheck hook (ledger.h lpg_precheck_fn), on the signature
 *  threads: verifies the code text a step carries (once for the steps
 *  of a round: a cylinder shows the same code at dispatch, at the door,
 *  at collection and back at the station: lpg_code_cache_t), and a
 *  delivery's
 *  gas-use certificate against the key of the device it names, in a
 *  read transaction of its own (lpg_delivery_cert_check), so that the
 *  write transaction does not spend an Ed25519 verify on every delivery
 *  (nor the precheck on a certificate it has checked before with that
 *  key: lpg_cert_memo_t). The rules use the certificate's check when
 *  that key is still the one on record, and check it themselves
 *  otherwise. NULL when the step carries neither. */
void *lpg_delivery_precheck(void *ctx, const lpg_event_t *ev);

/*  Frees what the service took (the codes and certificates
 *  remembered). */
void lpg_delivery_stop(lpg_delivery_t *d);

/*  The rules hook (ledger.h lpg_rules_fn): LPG_EINVAL for any event that
 *  is not a delivery step. */
int lpg_delivery_rules(void *ctx, lpg_txn_t *txn, uint64_t seq,
                       const lpg_event_t *ev, const lpg_signer_t *who,
                       const lpg_append_in_t *in, void *pre,
                       Lpg__Outcome *outcome);

#endif
