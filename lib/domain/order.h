/*  order.h - the ordering platform's kinds of event (统一订购配送服务平台):
 *  an order placed for a household, accepted, assigned to a driver and a
 *  vehicle, out for delivery, delivered (bound to the deliveries that
 *  fulfilled it), cancelled or refused. The one home of these kinds and
 *  of the orders table (OrderState, proto/state.proto).
 *
 *  Who may sign them: an unrevoked company-admin device of Event.company
 *  (the company's phone agent); an order a household places itself on
 *  lpg-webd's ordering page is signed by the gateway (OrderPlace with
 *  channel "household" only, for a user of that company); an order's
 *  later events name an order of that company.
 *  Whether an order may be placed (the door's household rules) and
 *  assigned (the driver's certificate, the vehicle's permit) is judged by
 *  lpg-orderd with lib/domain/delivery_rules.h, so a refused order is in
 *  the ledger with its reasons. No cylinder step.
 */
#ifndef LPG_DOMAIN_ORDER_H
#define LPG_DOMAIN_ORDER_H

#include <stddef.h>

#include "domain/kind_row.h"

extern const lpg_kind_t lpg_order_kinds[];
extern const size_t lpg_order_nkinds;

/*  The order id an order event names, or NULL if e is no order event. */
const char *lpg_order_id_of(const Lpg__Event *e);

/*  A status's word ("placed", "delivered", ...). Static storage. */
const char *lpg_order_status_word(Lpg__OrderStatus s);

#endif
