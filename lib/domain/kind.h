/*  kind.h - the one table of event kinds: one row per Event body case
 *  (domain/kind_row.h), gathered from the families (registry, fill,
 *  delivery, inspection), and what the rest of lpgtrace asks of it.
 *
 *  - the domain's projection for the ledger (ledger/projection.h): who
 *    signs, who may record what, how each entry changes the state tables
 *    and the cylinder it names; verify and rebuild replay through it;
 *  - which service records each kind (DESIGN.md §7, "Boundaries every
 *    service keeps"): every service refuses the kinds it does not own,
 *    the fill gate trusts only checks the filling service recorded, and
 *    `lpgtrace verify` flags an entry a service recorded for another;
 *  - a cylinder's step, run on a record in memory, so that `lpgtrace
 *    trace` computes the cylinder's "now" from its verified entries with
 *    the very code that wrote the ledger's state;
 *  - how each kind is described to a person.
 */
#ifndef LPG_KIND_H
#define LPG_KIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/kind_row.h"
#include "ledger/projection.h"

/*  The row of a body case; NULL for none (not set, or unknown). */
const lpg_kind_t *lpg_kind_of(Lpg__Event__BodyCase body);

/*  Row i of the table, in table order; NULL past the last. */
const lpg_kind_t *lpg_kind_at(size_t i);

/*  The kind's name ("fill_check"), or "unknown". Static string. */
const char *lpg_kind_name(Lpg__Event__BodyCase body);

/*  The name of the service that records events of this kind
 *  ("registry", "filling", "delivery", "inspection": the
 *  LedgerEntry.service it writes), or NULL for no kind. */
const char *lpg_kind_service(Lpg__Event__BodyCase body);

/*  Is writer (a LedgerEntry.service) one of the services, whose entries
 *  the table judges? "init" counts as the registry (`lpgtrace init`
 *  enrols the first keys); other writers ("gen", test tools) are not
 *  services and are not judged. */
bool lpg_kind_is_service(const char *writer);

/*  Was an entry of this kind recorded by writer its owner? "init" may
 *  record the registry's kinds. False for a NULL writer. */
bool lpg_kind_recorded_by_owner(const char *writer, Lpg__Event__BodyCase body);

/*  May service record this kind? LPG_OK, or LPG_EWRONGSERVICE with a
 *  sentence in why naming the kind and the daemon that records it. */
int lpg_kind_check_service(const char *service, Lpg__Event__BodyCase body,
                           char *why, size_t whysz);

/*  The kind of the Event inside SignedEvent bytes, without checking
 *  anything else. LPG_OK, or LPG_EMALFORMED when they do not decode. */
int lpg_kind_peek(const uint8_t *data, size_t len, Lpg__Event__BodyCase *body);

/*  Runs entry seq's cylinder step on a record in memory, as the ledger's
 *  projection runs it on the stored one: a registration starts *cyl
 *  (which must be LPG__CYLINDER_STATE__INIT then), any other kind moves
 *  it. Strings put into *cyl are borrowed from e. Returns false if the
 *  kind has no step, or the record has not been started and the entry
 *  does not start it (nothing changed). */
bool lpg_kind_step(Lpg__CylinderState *cyl, bool *started, uint64_t seq,
                   uint64_t recorded_at_ms, const Lpg__Event *e,
                   const Lpg__Outcome *outcome);

/*  Words for an entry (ok: it was accepted): its row's, or its name. */
void lpg_kind_describe(const Lpg__Event *e, const Lpg__Outcome *outcome,
                       bool ok, lpg_kind_words_t *out);

/*  The version of what the projection writes (lpg_projection_t.version),
 *  stored in the ledger with the state. Add one whenever a replay of the
 *  same log would write other state tables or indexes than before: a
 *  field a kind's apply fills that it did not (OrderState.handed_seq), a
 *  table or index added or keyed anew, a changed rule of what apply
 *  records. A kind new to the log needs none (no old log holds it); when
 *  in doubt, add one: the cost is one rebuild, at the first read-write
 *  open (a service's start) of each ledger. Without it, an upgraded
 *  city's state would miss what the new rules record until someone ran
 *  lpgtrace rebuild.
 *    1  the first kept: OrderState.handed_seq, UserState.door_gas_cert
 *    2  fill_late: how late each site's fill records came in (from 1:
 *       in place, reading the log's fill records: kind.c s_step)
 *    3  cylinder_regs: each cylinder's registration apart from its
 *       record (from 2: in place, moving them out: kind.c s_step_regs) */
#define LPG_DOMAIN_PROJECTION_VERSION 3

/*  The projection the services, commands and tools hand to
 *  lpg_ledger_open (ledger/projection.h). A signer's record
 *  (lpg_signer_t.record, what a service's rules get) is its
 *  Lpg__DeviceState. */
extern const lpg_projection_t lpg_domain_projection;

#endif
