/*  registry.h - the registry's kinds of event: enrolment and revocation
 *  of devices; companies, sites, staff, vehicles and users; the reveal
 *  and erasure of a person's data; the registration and update of
 *  cylinders. Who may sign each (the authority, or a company's admin for
 *  that company's records), how each changes the tables, and the steps
 *  that start and update a cylinder's record.
 *
 *  No id may begin as a spreadsheet formula would (= + - @, a tab or a
 *  CR): ids reach every --csv report (base/csv.h).
 */
#ifndef LPG_DOMAIN_REGISTRY_H
#define LPG_DOMAIN_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/kind_row.h"

extern const lpg_kind_t lpg_registry_kinds[];

/*  The categories of a tip from the public (Tip.category): "no_code"
 *  (a cylinder without a code), "code_fails" (a code that does not
 *  check), "black_market" (a seller outside the system), "other". */
bool lpg_tip_category_known(const char *category);
/*  The id a tip's sealed phone is bound to: "tip/<event id hex>". */
void lpg_tip_pii_id(const uint8_t event_id[16], char *out, size_t outsz);
/*  The tip recorded (not refused) at entry seq, if it came with a phone
 *  number: its id (lpg_tip_pii_id) in id, and, when sealed is not NULL,
 *  a copy of its sealed phone in *sealed (caller frees), *sealed_len.
 *  Errors: LPG_ENOTFOUND (no such entry, not a recorded tip, or no
 *  phone), LPG_ECORRUPT, LPG_ENOMEM, or the ledger's. */
int lpg_tip_at(lpg_txn_t *t, uint64_t seq, char *id, size_t idsz,
               uint8_t **sealed, size_t *sealed_len);
/*  Its words, Chinese and English: "无码气瓶 / no code on the cylinder";
 *  NULL for an unknown category. */
const char *lpg_tip_category_zh(const char *category);
const char *lpg_tip_category_en(const char *category);
extern const size_t lpg_registry_nkinds;

/*  Fills an index table that a newer lpgtrace added to an older ledger
 *  (empty, inside t) from the state tables, as a replay of the log would
 *  have filled it; *done false if this table can come only from a
 *  replay (lpgtrace rebuild). */
int lpg_registry_backfill(lpg_txn_t *t, lpg_table_t table, bool *done);

#endif
