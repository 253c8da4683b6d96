/*  order.h - lpg-orderd: the ordering platform (统一订购配送服务平台).
 *
 *  Records the order kinds (lib/domain/order.h). An order is judged when
 *  it is placed, by the door's own household rules (the gas-use
 *  certificate, an open major hazard, a restaurant's leak alarm, the
 *  household's holding limit: lpg_delivery_check_household), so a
 *  household that could not be supplied is refused before anyone drives
 *  out, with every reason. An order placed without a certificate text
 *  (a phone agent has none) is judged on the household's certificate
 *  last presented at its door (UserState.door_gas_cert, the latest
 *  accepted delivery's), GAS_CERT_MISSING when there was none. An
 *  assignment is judged by the crew rules (the driver's certificate,
 *  the vehicle's permit: lpg_delivery_check_crew); an OrderDelivered by
 *  the count its deliveries hand over (ORDER_COUNT_SHORT when fewer
 *  than ordered: the order stays open until the rest is handed over, or
 *  is cancelled). All are recorded either way. A step out of the order's life (accepting a
 *  cancelled order, ...) is refused unrecorded (INVALID, with why).
 */
#ifndef LPG_ORDERD_H
#define LPG_ORDERD_H

#include "base/clock.h"
#include "domain/household.h"
#include "net/service.h"

typedef struct {
    const char *zone;         /* time.zone */
    const char *resolver;     /* code.resolver: gas-use certificates */
    uint32_t household_max;   /* report.hoard_household_max: the most
                                * cylinders a household may hold, those
                                * it orders included; 0: not judged */
    uint32_t business_max;    /* report.hoard_business_max: the same for
                                * a restaurant or business */
    uint64_t (*now_ms)(void); /* the service clock */
    lpg_today_t today;
    lpg_ledger_t *ledger;        /* read by the precheck (NULL: no precheck) */
    struct lpg_order_held *held; /* the households' holdings, as last
                                  * read (order.c) */
    lpg_cert_memo_t *certs;      /* gas-use certificates already checked */
} lpg_order_t;

/*  Reads time.zone, code.resolver and the holding limits
 *  report.hoard_household_max and report.hoard_business_max (0..1000).
 *  ledger: the ledger the precheck reads. LPG_ECONFIG with why. */
int lpg_order_init(lpg_order_t *o, const lpg_config_t *cfg,
                   lpg_ledger_t *ledger, char *why, size_t whysz);

/*  The precheck hook (ledger.h lpg_precheck_fn), on the signature
 *  threads: an OrderPlace's gas-use certificate (given, or else the one
 *  last presented at the household's door) checked against the key
 *  of the device it names, in a read transaction of its own
 *  (lpg_delivery_cert_check), so that the write transaction does not
 *  spend an Ed25519 verify on every order (nor the precheck on a
 *  certificate it has checked before: lpg_cert_memo_t); and how many entries the log
 *  then had, all committed (the household's entries below it need not
 *  be read again to count its holdings). The rules use it when that
 *  key is still the one on record, and check it themselves otherwise. */
void *lpg_order_precheck(void *ctx, const lpg_event_t *ev);

/*  Frees what the service took (the holdings and certificates
 *  remembered). */
void lpg_order_stop(lpg_order_t *o);

/*  The rules hook (ledger.h lpg_rules_fn): LPG_EINVAL for an event that
 *  is no order event. */
int lpg_order_rules(void *ctx, lpg_txn_t *txn, uint64_t seq,
                    const lpg_event_t *ev, const lpg_signer_t *who,
                    const lpg_append_in_t *in, void *pre,
                    Lpg__Outcome *outcome);

#endif
