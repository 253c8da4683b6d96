/*  household.h - what the door's household rules
 *  (lpg_delivery_check_household, delivery_rules.h) read from the state
 *  tables, gathered the same way by lpg-deliveryd at the door and by
 *  lpg-orderd before anyone drives out.
 */
#ifndef LPG_DOMAIN_HOUSEHOLD_H
#define LPG_DOMAIN_HOUSEHOLD_H

#include <stdbool.h>
#include <stdint.h>

#include "domain/delivery_rules.h"
#include "ledger/ledger.h"
#include "proto/state.pb-c.h"

/*  The user's open major hazards as text (caller frees), or NULL when
 *  none is open. An unreadable record reads as open (fail closed). */
char *lpg_delivery_hazard(lpg_txn_t *t, const char *user);

/*  The device whose key the gas-use certificate text names (caller
 *  frees with lpg__device_state__free_unpacked), or NULL when the text
 *  names none or no such device was ever enrolled. */
Lpg__DeviceState *lpg_delivery_cert_signer(lpg_txn_t *t, const char *text);

/*  Certificates already checked: a household shows the same certificate
 *  with every order, and the result of checking one text with one key
 *  never changes. Remembers the last results of up to 4,096 (text, key)
 *  pairs (by their SHA-256); safe to share between threads. */
typedef struct lpg_cert_memo lpg_cert_memo_t;
int lpg_cert_memo_new(lpg_cert_memo_t **out); /* LPG_ENOMEM */
void lpg_cert_memo_destroy(lpg_cert_memo_t **p);

/*  Checks the gas-use certificate text's signature (for resolver; NULL:
 *  any host) with the key of the device it names as of t, so that the
 *  write transaction need not (lpg_delivery_input_t.gas_cert_check): *out
 *  gets that key and lpg_gascert_verify's result, taken from memo when
 *  it has them (NULL: none kept). False when there is nothing to check
 *  with (no text, no certificate, no such device, no readable key on
 *  record): the rules then judge it themselves. */
bool lpg_delivery_cert_check(lpg_txn_t *t, const char *text,
                             const char *resolver, lpg_cert_memo_t *memo,
                             lpg_cert_check_t *out);

/*  The most cylinders a user may hold: household_max for a household,
 *  a user of no known kind or no record, business_max for a restaurant
 *  or a business (report.hoard_household_max / report.hoard_business_max,
 *  the same rule for an order and for `report anomalies`). */
uint64_t lpg_user_holding_max(const Lpg__UserState *u, uint64_t household_max,
                              uint64_t business_max);

#endif
