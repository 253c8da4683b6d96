/*  state.h - the state tables and indexes as a projection of the log.
 *
 *  Who may sign what (enrolment and revocation by the authority, events
 *  by enrolled devices within their binding), and how each recorded entry
 *  changes the tables. The ledger calls both inside its write transaction;
 *  `lpgtrace verify` and `rebuild` replay the log through lpg_state_apply
 *  and must arrive at identical tables.
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

/*  The same for rules that treat a missing record as an answer: NULL if
 *  there is none; a record that cannot be read or decoded is logged as
 *  an error (it means a damaged state, for `lpgtrace rebuild`) and is
 *  NULL too, so the rules refuse rather than guess. */
void *lpg_state_get(lpg_txn_t *t, lpg_table_t table, const char *key,
                    const ProtobufCMessageDescriptor *desc);
/*  Frees what lpg_state_get returned; NULL-safe. */
void lpg_state_free(const void *m);

/*  May this signer sign this event? LPG_OK, or LPG_EPERM with the reason
 *  in why: device enrolment, revocation, cylinder registration and the
 *  reveal of a person's data need the authority key; a company's staff,
 *  vehicles and users (and their erasure) the authority or that
 *  company's admin key; any other event needs an enrolled device. */
int lpg_state_authorize(lpg_txn_t *t, const lpg_event_t *ev,
                        bool signer_is_authority, char *why, size_t whysz);

/*  Applies the recorded entry seq, recorded at recorded_at_ms
 *  (LedgerEntry.recorded_at_ms), to the tables and indexes. */
int lpg_state_apply(lpg_txn_t *t, uint64_t seq, uint64_t recorded_at_ms,
                    const lpg_event_t *ev,
                    const uint8_t signer_id[LPG_KEYID_LEN],
                    const Lpg__Outcome *outcome);

/*  The domain's operations for the ledger (ledger/projection.h): every
 *  service, command and tool that opens a ledger to write, verify or
 *  rebuild hands this in. */
extern const lpg_projection_t lpg_state_projection;

/*  Where and when a cylinder was last seen, for impossible travel: an
 *  accepted event at site (borrowed: the caller puts the decoded string
 *  back before freeing cyl) moves it there, at its device time bounded
 *  by the time of recording, unless the cylinder was already seen later
 *  (an event synced late does not move it back in time). */
void lpg_state_seen(Lpg__CylinderState *cyl, const char *site,
                    uint64_t device_ms, uint64_t recorded_at_ms);

/*  Fills an index table that a newer lpgtrace added to an older ledger
 *  (empty, inside t) from the state tables, as a replay of the log would
 *  have filled it; *done false if this table can come only from a
 *  replay (lpgtrace rebuild). */
int lpg_state_backfill(lpg_txn_t *t, lpg_table_t table, bool *done);

#endif
