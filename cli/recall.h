/*  recall.h - helpers shared by `lpgtrace recall` and `lpgtrace report`
 *  (defined in cmd_recall.c): local times in the configured zone, CSV
 *  fields, and decoding one ledger entry with its event.
 */
#ifndef LPG_CLI_RECALL_H
#define LPG_CLI_RECALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ledger/event.h"
#include "ledger/ledger.h"

/*  YYYY-MM-DD or YYYY-MM-DDTHH:MM, a local time in the tz database zone
 *  `zone`, as ms since the epoch. false if the text or the zone is bad. */
bool lpg_cli_zone_ms(const char *zone, const char *text, uint64_t *out);

/*  ms as a local time in zone, YYYY-MM-DDTHH:MM:SS ("?" if it cannot). */
void lpg_cli_zone_time(const char *zone, uint64_t ms, char *out, size_t outsz);

/*  Prints one CSV field to stdout with lpg_csv_write_cell (quoted when it
 *  holds a comma, quote or line break, and neutralised when a spreadsheet
 *  would take it for a formula), then a comma, or a newline if last.
 *  NULL: empty. */
void lpg_cli_csv_field(const char *s, bool last);

/*  Decodes entry seq of t and its event. The caller frees *entry with
 *  lpg__ledger_entry__free_unpacked and ev with lpg_event_clear. Errors:
 *  LPG_ENOTFOUND past the end, LPG_EMALFORMED if it does not decode. */
int lpg_cli_entry(lpg_txn_t *t, uint64_t seq, Lpg__LedgerEntry **entry,
                  lpg_event_t *ev);

/*  True when the service accepted the entry (status OK, or no outcome:
 *  an entry written without a service's verdict). */
bool lpg_cli_accepted(const Lpg__LedgerEntry *e);

/*  The protobuf name of an enum value ("CUSTODY_AT_USER"), or "?". */
const char *lpg_cli_enum_name(const ProtobufCEnumDescriptor *d, int value);

#endif
