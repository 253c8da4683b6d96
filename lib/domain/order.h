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
 *
 *  One more kind lives here because it is judged on the orders table: a
 *  driver's look at the address of an order's household (OrderAddress,
 *  order_address). It is signed by the driver's own handheld (a
 *  handheld enrolled for a person, naming that person as Event.actor)
 *  and recorded by lpg-registryd, the one holder of the data keys, which
 *  answers the address and phone with the recording. Judged by
 *  lpg_order_address_rules (domain/order_rules.h): the order exists (ORDER_UNKNOWN), is
 *  assigned to this driver of this company (ORDER_NOT_YOURS) and is
 *  still open, assigned or out (ORDER_CLOSED). Refused looks are
 *  recorded too, with their reasons, so a regulator sees attempts as
 *  well as looks; both are found under the household (by_user) and the
 *  driver (by_actor).
 */
#ifndef LPG_DOMAIN_ORDER_H
#define LPG_DOMAIN_ORDER_H

#include <stdbool.h>
#include <stddef.h>

#include "domain/kind_row.h"

extern const lpg_kind_t lpg_order_kinds[];
extern const size_t lpg_order_nkinds;

/*  The order id an order event names, or NULL if e is no order event. */
const char *lpg_order_id_of(const Lpg__Event *e);

/*  The order an OrderAddress names, or NULL if e is no OrderAddress. */
const char *lpg_order_address_of(const Lpg__Event *e);

/*  Is order o open for its driver's look (assigned or out)? */
bool lpg_order_is_open(const Lpg__OrderState *o);

/*  Is the ledger's entry seq an accepted Delivery (outcome OK) naming
 *  order, to the household user? false too when it cannot be read. What
 *  an OrderDelivered's delivery_seq must name, each one. */
bool lpg_order_delivery_of(lpg_txn_t *t, uint64_t seq, const char *order,
                           const char *user);

/*  The accepted deliveries naming order among the entries of its
 *  household user (by_user), in ledger order: at most max of their seqs
 *  into seqs, *n of them. LPG_OK, or the ledger's error. */
int lpg_order_deliveries(lpg_txn_t *t, const char *order, const char *user,
                         uint64_t *seqs, size_t max, size_t *n);

/*  A status's word ("placed", "delivered", ...). Static storage. */
const char *lpg_order_status_word(Lpg__OrderStatus s);

#endif
