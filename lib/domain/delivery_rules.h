/*  delivery_rules.h - the delivery rules as pure functions over state.
 *
 *  Dispatch (station -> driver and vehicle), delivery (driver -> user),
 *  collection (user -> driver) and return (driver -> station), judged on
 *  the state records the delivery service gathers; no clock, database or
 *  network here. A verdict lists every failing reason in catalogue order
 *  (reasons.h). DESIGN.md §7 "delivery".
 */
#ifndef LPG_DELIVERY_RULES_H
#define LPG_DELIVERY_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "base/config.h"
#include "ledger/event.h"
#include "domain/fill_rules.h"
#include "proto/state.pb-c.h"

/*  The hazards table (LPG_TABLE_HAZARDS) holds, under the key
 *  "user/<user id>", the user's UserHazards record (proto/state.proto),
 *  kept by the household inspections (lib/domain/inspection.c): deliveries
 *  are refused while its open_major count is above zero. The delivery
 *  service turns that into the text of the refusal (hazard below). */
#define LPG_DELIVERY_HAZARD_PREFIX "user/"

/*  Writes the hazards-table key of user into out. LPG_ERANGE if it does
 *  not fit (out is then ""), LPG_EINVAL if user is NULL or empty. */
int lpg_delivery_hazard_key(char *out, size_t outsz, const char *user);

/*  The 随瓶安检 items a delivery must report, ok or not (CheckItem.item;
 *  other items may be sent too):
 *    hose, regulator, valve, leak  every user: the cylinder's connection,
 *        which the driver makes and tests at every delivery;
 *    stove     households and restaurants (and a user of no known kind):
 *        they cook on a stove on the cylinder, whose flame-failure device
 *        the driver looks at; a business's appliance is no stove (a
 *        boiler, a kiln, a heater) and is the household inspection's;
 *    storage   every user: where the cylinder stands (not a basement, a
 *        bedroom, a closed cabinet) matters wherever one is kept. */
#define LPG_DELIVERY_CHECK_ITEMS "hose regulator valve leak stove storage"

/*  Reads delivery.late_ms (0..86,400,000 ms). LPG_ECONFIG otherwise, with
 *  the key named in why if given. */
int lpg_delivery_late_from_config(uint64_t *out, const lpg_config_t *cfg,
                                  char *why, size_t whysz);

typedef enum {
    LPG_DELIVERY_DISPATCH, /* FULL_AT_STATION -> IN_TRANSIT */
    LPG_DELIVERY_DELIVER,  /* IN_TRANSIT -> AT_USER */
    LPG_DELIVERY_COLLECT,  /* AT_USER (this user) -> COLLECTED */
    LPG_DELIVERY_RETURN    /* COLLECTED or IN_TRANSIT -> EMPTY_AT_STATION */
} lpg_delivery_step_t;

/*  A gas-use certificate's signature checked ahead of the write
 *  transaction (lpg_delivery_cert_check, household.h), on the signature
 *  threads: the key it was checked with and the result. Plain bytes. */
typedef struct {
    uint8_t pub[32]; /* the signer's public key, as the state had it */
    int rc;          /* lpg_gascert_verify's result with that key */
} lpg_cert_check_t;

/*  Are a and b the same cylinder spec? Letters compared without case,
 *  '-', '_' and spaces left out: "YSP-15", "YSP15" and "ysp 15" are one
 *  spec (GB 5842 writes YSP-15; orders are often typed YSP15). False if
 *  either is NULL. */
bool lpg_delivery_spec_same(const char *a, const char *b);

/*  The step an event body is, or -1 if it is no delivery event. */
int lpg_delivery_step_of(const Lpg__Event *e);

/*  Everything one step is judged on. Pointers are borrowed for the call;
 *  a record is NULL when there is none under the id given. */
typedef struct {
    lpg_delivery_step_t step;
    const char *cylinder_id; /* Event.cylinder */
    const Lpg__CylinderState *cyl;
    /* The code text the step carries, verified (lpg_code_verify): its
     * result and what it parsed; code NULL when the step carries none
     * (the cylinder is then named by cylinder_id alone). A code that
     * does not verify names no cylinder: cylinder_id must be NULL. */
    int code_rc;
    const lpg_code_t *code;
    const Lpg__DeviceState *device; /* the signer */
    const char *driver_id;          /* Event.actor */
    const Lpg__StaffState *driver;
    const char *vehicle_id; /* the plate the body names */
    const Lpg__VehicleState *vehicle;
    const char *site_id; /* dispatch, return: Event.site */
    const Lpg__SiteState *site;
    const char *user_id; /* deliver, collect: Event.user */
    const Lpg__UserState *user;
    const char *gas_cert;                    /* deliver: the certificate text
                                        * scanned (lib/codes/gascert.h) */
    const Lpg__DeviceState *gas_cert_signer; /* the device whose key the
                                        * certificate names, or NULL */
    const lpg_cert_check_t *gas_cert_check;  /* its signature checked
                                        * ahead (used when its key is
                                        * gas_cert_signer's), or NULL */
    bool gas_cert_door;   /* an order given no certificate: gas_cert is
                         * the one last presented at the household's
                         * door (UserState.door_gas_cert), NULL if none
                         * was ever */
    const char *resolver; /* code.resolver; NULL: any host */
    Lpg__CheckItem *const *checks; /* deliver: the 随瓶安检 record */
    size_t n_checks;
    const char *hazard;     /* the user's open major hazard */
    uint64_t time_ms;       /* Event.device_time_ms */
    uint64_t now_ms;        /* the service clock */
    uint64_t late_limit_ms; /* delivery.late_ms */
    uint32_t today_ymd;     /* the local date, YYYYMMDD */
    uint32_t event_ymd;     /* the local date of time_ms; 0:
                                        * today_ymd */
    /* deliver: the order the delivery names (Delivery.order; NULL:
     * none) and its record (NULL: no such order) */
    const char *order_id;
    const Lpg__OrderState *order;
    /* the household's holding limit (0: not judged), the cylinders it
     * holds and those it asks for (an order's count) */
    uint32_t holding_limit;
    uint32_t held;
    uint32_t wanted;
} lpg_delivery_input_t;

/*  Judges one step: *out gets allow and every failing reason. Refusals:
 *  the code's own, as at the fill gate (lpg_rules_code: CODE_FORGED,
 *  CODE_CAPSLOCK, CODE_REVOKED, ...; a forged code leaves the cylinder
 *  unidentified, so the device, driver, vehicle and site or user are
 *  still judged, and no custody); CYL_UNKNOWN; HANDHELD_UNKNOWN (signer not an unrevoked handheld of the
 *  cylinder's company); DRIVER_UNKNOWN, DRIVER_CERT_EXPIRED,
 *  VEHICLE_UNKNOWN, VEHICLE_PERMIT_EXPIRED on every step; dispatch:
 *  STATION_UNKNOWN, SCRAPPED, QUARANTINED, INSPECTION_OVERDUE; delivery:
 *  USER_UNKNOWN, NO_LEAK_ALARM (a restaurant), USER_HAZARD,
 *  SAFETY_CHECK_MISSING (one per item of LPG_DELIVERY_CHECK_ITEMS the
 *  user's kind requires that is not reported, named in the detail),
 *  SAFETY_CHECK_FAILED (one per failed item), and for the gas-use
 *  certificate: GAS_CERT_MISSING (none scanned), GAS_CERT_MALFORMED (not
 *  a certificate, or one for another resolver), GAS_CERT_NOT_ISSUER (its
 *  key is not enrolled, or not a company-admin key of the user's
 *  company), GAS_CERT_REVOKED (that key is revoked), GAS_CERT_FORGED (the
 *  signature is not that key's), GAS_CERT_OTHER_USER, GAS_CERT_MISMATCH
 *  (number not the one on record, or none on record), GAS_CERT_EXPIRED
 *  (valid until a day before event_ymd), for the order it names
 *  (order_id): ORDER_UNKNOWN, ORDER_CANCELLED (cancelled or refused),
 *  ORDER_OTHER_DRIVER (not assigned to driver_id), ORDER_OTHER_USER,
 *  ORDER_COUNT_REACHED (its handed_seq already holds place.count
 *  deliveries, or it is delivered), ORDER_SPEC_MISMATCH (the cylinder's
 *  registered spec is not the one ordered, lpg_delivery_spec_same; a
 *  cylinder registered without a spec is not judged on it), and
 *  the flag NO_ORDER when it names none; collection:
 *  USER_UNKNOWN; return: STATION_UNKNOWN; WRONG_CUSTODY when the custody
 *  does not fit the step; with the code scanned (of this cylinder),
 *  CODE_SUPERSEDED or CODE_UNREGISTERED as lpg_rules_code_revision
 *  judges its revision. Flag: LATE when now_ms - time_ms exceeds
 *  late_limit_ms, and *late_ms (if given) gets that delay, else 0. The
 *  company is the cylinder's owner (the device's company when the
 *  cylinder is unknown). Returns LPG_OK, or LPG_EINVAL (with *out a
 *  refusal) if cyl is not the cylinder named, a code that verified
 *  names another cylinder, or today_ymd is no date. */
int lpg_delivery_judge(const lpg_delivery_input_t *in, lpg_verdict_t *out,
                       uint64_t *late_ms);

/*  The household part of a delivery's rules, which an order is judged on
 *  before anyone drives out (lib/domain/order.h): user_id and user (a
 *  registered, not erased, user of company: USER_UNKNOWN), the gas-use
 *  certificate gas_cert with gas_cert_signer, resolver, today_ymd and
 *  event_ymd (GAS_CERT_*; GAS_CERT_MISSING says when none was given nor
 *  presented at the door, gas_cert_door), NO_LEAK_ALARM, USER_HAZARD from hazard, and
 *  OVER_HOLDING_LIMIT when holding_limit is set and held + wanted exceed
 *  it. Adds to *v (lpg_verdict_add); the caller sorts it. */
void lpg_delivery_check_household(lpg_verdict_t *v,
                                  const lpg_delivery_input_t *in,
                                  const char *company);

/*  The crew part: driver_id / driver (DRIVER_UNKNOWN,
 *  DRIVER_CERT_EXPIRED) and vehicle_id / vehicle (VEHICLE_UNKNOWN,
 *  VEHICLE_PERMIT_EXPIRED) of company, on today_ymd. Adds to *v. */
void lpg_delivery_check_crew(lpg_verdict_t *v, const lpg_delivery_input_t *in,
                             const char *company);

#endif
