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
 *  and a dispatch or return is where the cylinder was last seen. An
 *  accepted delivery also counts one cylinder handed over on the order
 *  it names (OrderState.handed_seq: the delivery kind's home projects
 *  it, the door judges an order's count on it) and keeps the gas-use
 *  certificate scanned as the one last presented at the user's door
 *  (UserState.door_gas_cert). A refused one changes nothing.
 */
#ifndef LPG_DOMAIN_DELIVERY_H
#define LPG_DOMAIN_DELIVERY_H

#include <stddef.h>

#include "domain/kind_row.h"

/*  The vehicle (plate) a dispatch, delivery, collection or return names;
 *  NULL for any other kind. */
const char *lpg_delivery_vehicle(const Lpg__Event *e);

extern const lpg_kind_t lpg_delivery_kinds[];
extern const size_t lpg_delivery_nkinds;

#endif
