/*  state.h - typed access to the state tables: the records the kinds'
 *  rows read and write (devices, cylinders, users, ...), decoded and
 *  stored. What each kind does to them is in its family's file; the
 *  table of kinds (domain/kind.h) is the projection the ledger runs.
 */
#ifndef LPG_STATE_H
#define LPG_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ledger/event.h"
#include "ledger/ledger.h"

/*  The enrolled device with this key id, decoded (caller frees with
 *  lpg__device_state__free_unpacked). LPG_ENOTFOUND if never enrolled. */
int lpg_state_device(lpg_txn_t *t, const uint8_t key_id[LPG_KEYID_LEN],
                     Lpg__DeviceState **out);

/*  The state record of table under a text key, decoded with desc into
 *  *out (caller frees with lpg_state_free). LPG_ENOTFOUND if there is
 *  none (or key is NULL or empty), LPG_ECORRUPT if it does not decode,
 *  or the ledger's read error. */
int lpg_state_load(lpg_txn_t *t, lpg_table_t table, const char *key,
                   const ProtobufCMessageDescriptor *desc,
                   ProtobufCMessage **out);

/*  A cylinder's record (LPG_TABLE_CYLINDERS) is stored without its
 *  registration, which is kept apart (LPG_TABLE_CYLINDER_REGS, the
 *  CylinderRegister under the same id) since no later event changes it:
 *  a fill then rewrites only what fills change. lpg_state_load and
 *  lpg_state_get put it back in reg, as every reader expects; a
 *  registered cylinder without one is LPG_ECORRUPT. A record an older
 *  projection wrote (reg inside) is read as it is. */

/*  The record as stored, reg NULL unless it is inside: what a kind's
 *  step moves (no step reads the registration). */
int lpg_state_cylinder_moving(lpg_txn_t *t, const char *grai,
                              Lpg__CylinderState **out);
/*  Puts the registration in cyl->reg if the record does not carry it:
 *  for a record a cursor read (lpg_txn_foreach), decoded by the caller,
 *  once it needs the registration. */
int lpg_state_cylinder_reg(lpg_txn_t *t, Lpg__CylinderState *cyl);
/*  Stores a cylinder's first record: cyl->reg apart, the rest under
 *  cyl->grai. LPG_EINVAL without either. */
int lpg_state_cylinder_new(lpg_txn_t *t, Lpg__CylinderState *cyl);
/*  Moves the registration out of grai's record if it is still inside
 *  (*split then true): the step from projection version 2. */
int lpg_state_cylinder_split(lpg_txn_t *t, const char *grai, bool *split);

/*  The same for rules that treat a missing record as an answer: NULL if
 *  there is none; a record that cannot be read or decoded is logged as
 *  an error (it means a damaged state, for `lpgtrace rebuild`) and is
 *  NULL too, so the rules refuse rather than guess. */
void *lpg_state_get(lpg_txn_t *t, lpg_table_t table, const char *key,
                    const ProtobufCMessageDescriptor *desc);
/*  Frees what lpg_state_get returned; NULL-safe. */
void lpg_state_free(const void *m);

/*  Stores message m as the record of table under key (packed). */
int lpg_state_put(lpg_txn_t *t, lpg_table_t table, const void *key,
                  size_t klen, const ProtobufCMessage *m);

/*  How late a site's fill records came in (LPG_TABLE_FILL_LATE): the
 *  most any of them was recorded after its device time, rounded up to
 *  LPG_FILL_LATE_STEP_MS (0: never after it). A recall of the site's
 *  fills in [from, to) finds them all among the entries recorded before
 *  to + this, however long ago time.max_late_s was raised or lowered.
 *  Kept by the projection for every fill record with a site, accepted
 *  or refused; written only when a record comes later than every one
 *  before (rounded up: rarely once the site has run a while). */
#define LPG_FILL_LATE_STEP_MS 60000ULL
/*  *ms for site; LPG_ENOTFOUND if the site has no fill record (or an
 *  older projection did not keep it: see lpg_txn_state_current). */
int lpg_state_fill_late(lpg_txn_t *t, const char *site, uint64_t *ms);
/*  The projection's step: a fill record of site with these times. */
int lpg_state_fill_late_note(lpg_txn_t *t, const char *site,
                             uint64_t device_ms, uint64_t recorded_ms);

#endif
