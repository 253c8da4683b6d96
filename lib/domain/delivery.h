/*  state_delivery.h - the delivery events in the state projection.
 *
 *  Who may sign a dispatch, delivery, collection or return, and how an
 *  accepted one moves the cylinder's custody (and remembers the user it
 *  is with and the vehicle it rode on). Called by lib/state.c.
 */
#ifndef LPG_STATE_DELIVERY_H
#define LPG_STATE_DELIVERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ledger/event.h"
#include "ledger/ledger.h"

/*  A device's event naming a cylinder: LPG_OK, LPG_EPERM for the
 *  authority key (it does not sign drivers' steps), LPG_EINVAL if no
 *  cylinder is named. Whether the device may act is judged by the
 *  delivery rules, so a refusal is recorded for audit. */
int lpg_state_delivery_authorize(lpg_txn_t *t, const lpg_event_t *ev,
                                 bool signer_is_authority, char *why,
                                 size_t whysz);

/*  Applies a recorded delivery event at seq: an accepted step (outcome
 *  OK or none) sets the custody (dispatch: IN_TRANSIT; delivery: AT_USER
 *  with holder = Event.user; collection: COLLECTED; return:
 *  EMPTY_AT_STATION, holder and vehicle cleared; dispatch and return
 *  also lpg_state_seen at Event.site); any entry sets
 *  last_event_seq. An unknown cylinder changes nothing. */
int lpg_state_delivery_apply(lpg_txn_t *t, uint64_t seq,
                             uint64_t recorded_at_ms, const lpg_event_t *ev,
                             const Lpg__Outcome *outcome);

#endif
