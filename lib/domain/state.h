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

#endif
