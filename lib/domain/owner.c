/*  owner.c - see owner.h. */
#include "domain/owner.h"
#include "base/error.h"
#include "ledger/event.h"

#include <stdio.h>
#include <string.h>

const char *
lpg_owner_of(Lpg__Event__BodyCase kind)
{
    /* No default: a new kind in event.proto does not build until it has
     * its owner here. */
    switch (kind) {
    case LPG__EVENT__BODY_DEVICE_ENROLL:
    case LPG__EVENT__BODY_DEVICE_REVOKE:
    case LPG__EVENT__BODY_COMPANY_ADD:
    case LPG__EVENT__BODY_SITE_ADD:
    case LPG__EVENT__BODY_STAFF_ADD:
    case LPG__EVENT__BODY_VEHICLE_ADD:
    case LPG__EVENT__BODY_USER_ADD:
    case LPG__EVENT__BODY_PII_REVEAL:
    case LPG__EVENT__BODY_USER_ERASE:
    case LPG__EVENT__BODY_CYLINDER_REGISTER:
    case LPG__EVENT__BODY_CYLINDER_UPDATE:
        return "registry";
    case LPG__EVENT__BODY_FILL_CHECK:
    case LPG__EVENT__BODY_FILL_RECORD:
    case LPG__EVENT__BODY_FILL_OVERRIDE:
        return "filling";
    case LPG__EVENT__BODY_DISPATCH:
    case LPG__EVENT__BODY_DELIVERY:
    case LPG__EVENT__BODY_COLLECTION:
    case LPG__EVENT__BODY_STATION_RETURN:
        return "delivery";
    case LPG__EVENT__BODY_HOUSEHOLD_INSPECTION:
    case LPG__EVENT__BODY_HAZARD_ESCALATION:
    case LPG__EVENT__BODY_PERIODIC_INSPECTION:
    case LPG__EVENT__BODY_HAZARD_RECTIFIED:
        return "inspection";
    case LPG__EVENT__BODY__NOT_SET:
    case _LPG__EVENT__BODY__CASE_IS_INT_SIZE:
        break;
    }
    return NULL;
}

/*  The services that record events, as their LedgerEntry.service. */
static const char *const s_services[] = {"registry", "filling", "delivery",
                                         "inspection", "trace"};

/*  `lpgtrace init` records the first enrolments: the registry's kinds. */
static const char *
s_as_service(const char *writer)
{
    return writer && strcmp(writer, "init") == 0 ? "registry" : writer;
}

bool
lpg_owner_is_service(const char *writer)
{
    writer = s_as_service(writer);
    for (size_t i = 0; writer && i < sizeof s_services / sizeof *s_services;
         i++)
        if (strcmp(writer, s_services[i]) == 0)
            return true;
    return false;
}

bool
lpg_owner_recorded_by_owner(const char *writer, Lpg__Event__BodyCase kind)
{
    const char *owner = lpg_owner_of(kind);
    writer = s_as_service(writer);
    return owner && writer && strcmp(owner, writer) == 0;
}

const char *
lpg_owner_kind_name(Lpg__Event__BodyCase kind)
{
    Lpg__Event e = LPG__EVENT__INIT;
    e.body_case = kind;
    return lpg_event_kind(&e);
}

int
lpg_owner_check(const char *service, Lpg__Event__BodyCase kind, char *why,
                size_t whysz)
{
    const char *owner = lpg_owner_of(kind);
    if (owner && service && strcmp(owner, service) == 0)
        return LPG_OK;
    if (owner)
        lpg_why(why, whysz, "a %s event is recorded by lpg-%sd, not by "
                "lpg-%sd: send it there", lpg_owner_kind_name(kind), owner,
                service ? service : "?");
    else
        lpg_why(why, whysz, "an event of no known kind: no service "
                "records it");
    return LPG_EWRONGSERVICE;
}

int
lpg_owner_peek(const uint8_t *data, size_t len, Lpg__Event__BodyCase *kind)
{
    *kind = LPG__EVENT__BODY__NOT_SET;
    Lpg__SignedEvent *se = lpg__signed_event__unpack(NULL, len, data);
    if (!se)
        return LPG_EMALFORMED;
    Lpg__Event *e = lpg__event__unpack(NULL, se->body.len, se->body.data);
    lpg__signed_event__free_unpacked(se, NULL);
    if (!e)
        return LPG_EMALFORMED;
    *kind = e->body_case;
    lpg__event__free_unpacked(e, NULL);
    return LPG_OK;
}
