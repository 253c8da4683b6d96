/*  delivery.h - the drivers' kinds of event: dispatch (station to driver
 *  and vehicle), delivery (to a registered user, with the 随瓶安检
 *  checklist), collection of the empty, and its return to a station.
 *
 *  Who may sign them: any enrolled device but the authority, naming a
 *  cylinder (whether the device may act is judged by the delivery rules,
 *  domain/delivery_rules.h, so a refusal is recorded for audit). Their
 *  cylinder step: an accepted one sets the custody (dispatch: in
 *  transit; delivery: at the user, holder = Event.user; collection:
 *  collected; return: empty at a station, holder and vehicle cleared)
 *  and a dispatch or return is where the cylinder was last seen. A
 *  refused one changes nothing.
 */
#ifndef LPG_DOMAIN_DELIVERY_H
#define LPG_DOMAIN_DELIVERY_H

#include <stddef.h>

#include "domain/kind_row.h"
#include "proto/state.pb-c.h"

extern const lpg_kind_t lpg_delivery_kinds[];
extern const size_t lpg_delivery_nkinds;

/*  What the door's household rules (lpg_delivery_check_household) read
 *  from the tables, for lpg-deliveryd at the door and lpg-orderd before
 *  anyone drives out. */

/*  The user's open major hazards as text (caller frees), or NULL when
 *  none is open. An unreadable record reads as open (fail closed). */
char *lpg_delivery_hazard(lpg_txn_t *t, const char *user);

/*  The device whose key the gas-use certificate text names (caller
 *  frees with lpg__device_state__free_unpacked), or NULL when the text
 *  names none or no such device was ever enrolled. */
Lpg__DeviceState *lpg_delivery_cert_signer(lpg_txn_t *t, const char *text);

#endif
