/*  inspection.h - household and periodic inspections in the state
 *  tables: who may sign them, the hazards a household check leaves, and
 *  the pure rules behind them (severity, deadlines, escalation ids).
 *
 *  The hazards table (LPG_TABLE_HAZARDS) holds two kinds of record:
 *    "hazard/<user>/<inspection event id, 32 hex>/<item>"  HazardState
 *    "user/<user>"                                         UserHazards
 *  UserHazards.open_major > 0 means the user has an unrectified major
 *  hazard: deliveries are refused until it is put right.
 *
 *  Severity of a failed item (DOMAIN.md, household check):
 *    flame_failure  no flame-failure device on the stove      major
 *    hose_metal     rubber (not metal-armoured) hose           major
 *    storage        LPG kept in a basement, semi-basement,
 *                   high-rise dwelling or single-room rental   major
 *    leak_alarm     no working leak alarm: restaurant          major
 *                                          other users         minor
 *    hose_clamped, regulator_age, valve, ventilation           minor
 */
#ifndef LPG_DOMAIN_INSPECTION_H
#define LPG_DOMAIN_INSPECTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ledger/event.h"
#include "ledger/ledger.h"
#include "domain/kind_row.h"

#define LPG_HAZARD_KEY_MAX 192 /* longest hazard key, with its NUL */

/*  Is item one of the household checklist's items? */
bool lpg_inspection_item_known(const char *item);

/*  Is a failed item major for a user of this kind? */
bool lpg_inspection_major(const char *item, Lpg__UserKind kind);

/*  The hazard key for a failed item: LPG_OK, or LPG_EINVAL if it does not
 *  fit in LPG_HAZARD_KEY_MAX. */
int lpg_hazard_key(char *out, size_t outsz, const char *user,
                   const uint8_t event_id[LPG_EVENT_ID_LEN], const char *item);

/*  The event id of the escalation of a hazard: the first 16 bytes of
 *  SHA-256("escalate\0" || key), so escalating it twice is a retry. */
void lpg_hazard_escalation_id(uint8_t out[LPG_EVENT_ID_LEN], const char *key);

/*  The rows of the inspection kinds (domain/kind.c gathers them): who
 *  may sign (household inspection by an inspector device, hazard
 *  escalation by a service device, periodic inspection by an
 *  inspection-body device, rectification by an inspector device), the
 *  hazards a household check leaves, and the periodic inspection's
 *  cylinder step (a pass sets the next date, a fail scraps). */
extern const lpg_kind_t lpg_inspection_kinds[];
extern const size_t lpg_inspection_nkinds;

#endif
