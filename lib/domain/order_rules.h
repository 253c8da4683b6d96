/*  order_rules.h - the rule of a driver's look at the address of an
 *  order's household (OrderAddress, domain/order.h): pure over the
 *  order's record, and the same run on the orders table for the service
 *  that records the look (lpg-registryd). Kept apart from order.h as the
 *  fill and delivery rules are from their rows: the verdict type is the
 *  fill rules' (domain/fill_rules.h).
 */
#ifndef LPG_DOMAIN_ORDER_RULES_H
#define LPG_DOMAIN_ORDER_RULES_H

#include "domain/fill_rules.h"
#include "ledger/event.h"
#include "ledger/ledger.h"
#include "proto/state.pb-c.h"

/*  Is a driver of company allowed to see the address of order o now?
 *  Adds to *v (lpg_verdict_add; the caller sorts): ORDER_UNKNOWN when o
 *  is NULL, ORDER_NOT_YOURS when it is not assigned to driver of
 *  company (an order not yet assigned is nobody's), ORDER_CLOSED when
 *  it is delivered, cancelled or refused. Pure. */
void lpg_order_address_judge(const Lpg__OrderState *o, const char *driver,
                             const char *company, lpg_verdict_t *v);

/*  The rules of an OrderAddress (for the service that records it): the
 *  order is read from the orders table, the driver is Event.actor and
 *  the company the signing device's; the verdict goes into outcome (OK
 *  "address shown", or DENIED with every reason). LPG_OK, LPG_ENOMEM, or
 *  a ledger error. */
int lpg_order_address_rules(lpg_txn_t *t, const lpg_event_t *ev,
                            Lpg__Outcome *outcome);

#endif
