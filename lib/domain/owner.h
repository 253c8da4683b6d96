/*  owner.h - which service records which kind of event: the one table.
 *
 *  Each kind of Event is recorded by exactly one service (DESIGN.md §7,
 *  "Boundaries every service keeps"): the registry its registry kinds,
 *  filling the fill check, the fill record and the override, delivery
 *  the four driver's steps, inspection the inspections, rectifications
 *  and its own escalations; the trace service records nothing. Every
 *  service refuses the kinds it does not own (lib/service.c), the fill
 *  gate trusts only checks recorded by the filling service (lib/rules.c)
 *  and `lpgtrace verify` flags an entry a service recorded for another.
 */
#ifndef LPG_OWNER_H
#define LPG_OWNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/event.pb-c.h"

/*  The name of the service that records events of this kind
 *  ("registry", "filling", "delivery", "inspection": the
 *  LedgerEntry.service it writes), or NULL for no kind. Static string. */
const char *lpg_owner_of(Lpg__Event__BodyCase kind);

/*  Is writer (a LedgerEntry.service) one of the services, whose entries
 *  the table judges? "init" counts as the registry (`lpgtrace init`
 *  enrols the first keys); other writers ("gen", test tools) are not
 *  services and are not judged. */
bool lpg_owner_is_service(const char *writer);

/*  Was an entry of this kind recorded by writer its owner? "init" may
 *  record the registry's kinds. False for a NULL writer. */
bool lpg_owner_recorded_by_owner(const char *writer,
                                 Lpg__Event__BodyCase kind);

/*  May service record this kind? LPG_OK, or LPG_EWRONGSERVICE with a
 *  sentence in why naming the kind and the daemon that records it. */
int lpg_owner_check(const char *service, Lpg__Event__BodyCase kind,
                    char *why, size_t whysz);

/*  The kind of the Event inside SignedEvent bytes, without checking
 *  anything else. LPG_OK, or LPG_EMALFORMED when they do not decode. */
int lpg_owner_peek(const uint8_t *data, size_t len,
                   Lpg__Event__BodyCase *kind);

/*  The kind's name, as lpg_event_kind says it ("fill_check"). */
const char *lpg_owner_kind_name(Lpg__Event__BodyCase kind);

#endif
