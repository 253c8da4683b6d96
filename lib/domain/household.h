/*  household.h - what the door's household rules
 *  (lpg_delivery_check_household, delivery_rules.h) read from the state
 *  tables, gathered the same way by lpg-deliveryd at the door and by
 *  lpg-orderd before anyone drives out.
 */
#ifndef LPG_DOMAIN_HOUSEHOLD_H
#define LPG_DOMAIN_HOUSEHOLD_H

#include "ledger/ledger.h"
#include "proto/state.pb-c.h"

/*  The user's open major hazards as text (caller frees), or NULL when
 *  none is open. An unreadable record reads as open (fail closed). */
char *lpg_delivery_hazard(lpg_txn_t *t, const char *user);

/*  The device whose key the gas-use certificate text names (caller
 *  frees with lpg__device_state__free_unpacked), or NULL when the text
 *  names none or no such device was ever enrolled. */
Lpg__DeviceState *lpg_delivery_cert_signer(lpg_txn_t *t, const char *text);

#endif
