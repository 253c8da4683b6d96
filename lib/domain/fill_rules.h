/*  rules.h - the fill gate's rules as pure functions over state.
 *
 *  The filling service gathers the state records a request concerns and
 *  calls these; they read nothing else (no clock, no database, no
 *  network), so the same inputs always give the same verdict. A verdict
 *  lists every failing reason, not only the first, in catalogue order
 *  (reasons.h). DESIGN.md §5 (pocket codes) and §7 (filling).
 */
#ifndef LPG_RULES_H
#define LPG_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codes/code.h"
#include "base/config.h"
#include "ledger/event.h"
#include "domain/reasons.h"

/*  Most reasons one verdict holds. A checklist with more failed items than
 *  fit sets lpg_verdict_t.truncated; the verdict is a refusal either way. */
#define LPG_VERDICT_MAX 48
#define LPG_VERDICT_DETAIL_MAX 119 /* bytes of detail, UTF-8 kept whole */
#define LPG_VERDICT_TEXT_MAX 255   /* bytes of zh / en text with detail */

/*  Travel slack: two sites are impossible for one cylinder only when they
 *  are farther apart than speed x elapsed time plus this many km. It
 *  covers site coordinates given to a few hundred metres, stations on
 *  neighbouring premises, and about two minutes of clock difference
 *  between devices at the default 120 km/h. */
#define LPG_RULES_TRAVEL_SLACK_KM 5.0

/*  The checklist items every fill check must carry (DOMAIN.md): corrosion,
 *  dents (and deformation), fire (fire- or water-heated), valve, parts
 *  (missing or non-standard). Other items may be sent too. */
#define LPG_RULES_CHECK_ITEMS "corrosion dents fire valve parts"

typedef struct {
    lpg_reason_id_t id;
    const char *token; /* static, from the catalogue */
    lpg_reason_kind_t kind;
    bool overridable;
    /* what exactly, e.g. the checklist item or the weights; "" if none */
    char detail[LPG_VERDICT_DETAIL_MAX + 1];
    char zh[LPG_VERDICT_TEXT_MAX + 1]; /* catalogue text + detail */
    char en[LPG_VERDICT_TEXT_MAX + 1];
} lpg_verdict_reason_t;

typedef struct {
    bool allow;     /* no refusal among the reasons (flags may be there) */
    bool truncated; /* more reasons failed than LPG_VERDICT_MAX */
    size_t n;
    lpg_verdict_reason_t reasons[LPG_VERDICT_MAX];
} lpg_verdict_t;

/*  Thresholds, from configuration (fill.* keys in config.c).
 *
 *  The tare window. An empty on the scale corroborates its code when it
 *  weighs from tare - tare_below_g to tare + tare_tolerance_g (both
 *  ends in); outside it the code is likely someone else's (a pocket
 *  code: TARE_MISMATCH). The registered tare is the steel stamp's, given
 *  to 0.1 kg, so the steel weighed up to 50 g less than the stamp says
 *  when it was stamped. A station's filling scale is class III with a
 *  division e of 10 to 50 g; at a 15 kg empty it may read up to 50 g
 *  low in service (OIML R76: 0.5 e at verification up to 500 e, 1 e up
 *  to 2000 e, doubled in service: 1 e at e = 50 g, 2 e at e = 10 g).
 *  Paint worn off and light corrosion take off tens of grams more
 *  between periodic inspections. Hence the default 150 g below (50
 *  stamp + 50 scale + 50 wear; a 50 kg cylinder on a coarse scale may
 *  need more, hence the key); above, 300 g:
 *  the same 100 g of stamp and scale plus about 200 g of residual gas an
 *  empty may still hold. A swapped code meets a tare of the same type
 *  spread over kilograms, so a 450 g window still refuses most swaps. */
typedef struct {
    uint32_t tare_tolerance_g;  /* above the tare: residual gas + error */
    uint32_t tare_below_g;      /* below the tare: stamp, scale, wear */
    uint32_t over_tolerance_g;  /* net above the permitted fill allowed */
    uint32_t under_tolerance_g; /* net below the permitted fill allowed */
    uint32_t travel_speed_kmh;  /* fastest a cylinder moves between sites */
} lpg_rules_limits_t;

/*  Reads fill.tare_tolerance_g, fill.tare_below_g, fill.over_tolerance_g,
 *  fill.under_tolerance_g and fill.travel_speed_kmh. LPG_ECONFIG if one is
 *  not an integer in 0..10,000,000 (the key is named in why, if given). */
int lpg_rules_limits_from_config(lpg_rules_limits_t *out,
                                 const lpg_config_t *cfg, char *why,
                                 size_t whysz);

/*  Everything a fill check is judged on. Pointers to state records are
 *  borrowed for the call; NULL where the text says so. */
typedef struct {
    /* lpg_code_verify's result on FillCheck.code and what it parsed: the
     * GRAI and revision are trusted only for LPG_OK and LPG_ECODE_CASE */
    int code_rc;
    const lpg_code_t *code;
    /* the cylinder with code->grai; NULL if not registered */
    const Lpg__CylinderState *cyl;
    /* the station: Event.site and its record (NULL if no such site) */
    const char *site_id;
    const Lpg__SiteState *site;
    /* the operator named by Event.actor; NULL if no such staff */
    const Lpg__StaffState *staff;
    /* the device that signed the event; NULL if not enrolled */
    const Lpg__DeviceState *device;
    const Lpg__FillCheck *check;
    uint64_t time_ms;   /* Event.device_time_ms */
    uint64_t now_ms;    /* the service clock: time_ms counts as at most
                         * this (a device dated ahead gains no time) */
    uint32_t today_ymd; /* the local date, YYYYMMDD (lpg_local_ymd) */
    /* the site of the cylinder's last event and when it was (usually
     * cyl->last_site and cyl->last_time_ms); last_site_id NULL if none,
     * last_site NULL if that site is unknown */
    const char *last_site_id;
    const Lpg__SiteState *last_site;
    uint64_t last_time_ms;
    lpg_rules_limits_t limits;
} lpg_fill_input_t;

/*  Judges a fill check ("may I fill this one?"): *out gets allow and every
 *  failing reason. A code that fails its signature (other than Caps Lock)
 *  leaves the cylinder unidentified, so only the station, operator,
 *  device and checklist are judged with it; likewise an unknown cylinder.
 *  A scrapped cylinder gives both CODE_REVOKED and SCRAPPED; a label of
 *  a revision older than the cylinder's current one CODE_SUPERSEDED, of a
 *  newer one CODE_UNREGISTERED (lpg_rules_code_revision). Returns
 *  LPG_OK, or LPG_EINVAL for inputs the caller got wrong (cyl is not the
 *  cylinder the code names: judged as unknown; today_ymd is no date), with
 *  *out then a refusal. */
int lpg_rules_fill_check(const lpg_fill_input_t *in, lpg_verdict_t *out);

/*  The code's own reasons, the same for every device that scans one (the
 *  fill gate, a driver's handheld): CODE_CAPSLOCK for LPG_ECODE_CASE;
 *  CODE_FORGED, with lpg_strerror(code_rc) as detail, for any other
 *  failure of lpg_code_verify; and, for a code that verified, what the
 *  cylinder's record says of its revision (CODE_REVOKED, CODE_UNREGISTERED)
 *  when cyl (the cylinder code->grai names, registered) is given.
 *  Returns whether the code identifies its cylinder (LPG_OK or
 *  LPG_ECODE_CASE): only then are code->grai and the revision trusted. */
bool lpg_rules_code(lpg_verdict_t *v, int code_rc, const lpg_code_t *code,
                    const Lpg__CylinderState *cyl);

/*  Judges the revision of a genuine code (one that verified, or read with
 *  Caps Lock) against the cylinder it names: CODE_SUPERSEDED for a label
 *  older than the cylinder's current one (a relabel replaced it: met
 *  again, it may be a clone), CODE_UNREGISTERED for one newer than any
 *  issued for it (domain/cylinder.h lpg_cylinder_code_revision). For the
 *  fill gate and the delivery steps alike. */
void lpg_rules_code_revision(lpg_verdict_t *v, const lpg_code_t *code,
                             const Lpg__CylinderState *cyl);

/*  The cylinder's own reasons, whoever asks: SCRAPPED, QUARANTINED,
 *  INSPECTION_OVERDUE (due before today, or no date on record),
 *  DESIGN_LIFE_EXCEEDED, UNINSURED (expired before today, or none on
 *  record), added to v in that order. What the fill check and the
 *  handheld API's cylinder look-up both say of a cylinder. */
void lpg_rules_cylinder(lpg_verdict_t *v, const Lpg__CylinderState *cyl,
                        uint32_t today_ymd);

/*  What a fill record is judged on. The record names, by event id, the
 *  permission it follows: an allowed FillCheck, or an accepted
 *  FillOverride of a refused one. The service looks that event up. */
typedef struct {
    const Lpg__Event *record;       /* the FillRecord event */
    const Lpg__CylinderState *cyl;  /* record->cylinder's; NULL if unknown */
    const Lpg__DeviceState *device; /* the signer; NULL if not enrolled */
    /* the event with id record->fill_record->allow_event_id, its recorded
     * outcome and sequence number; NULL if there is none */
    const Lpg__Event *named;
    const Lpg__Outcome *named_outcome;
    uint64_t named_seq;
    /* when named is a FillOverride: the FillCheck it overrides and its
     * sequence number (NULL if not found) */
    const Lpg__Event *override_check;
    uint64_t override_check_seq;
    /* the LedgerEntry.service that recorded named and override_check: a
     * permission counts only when the filling service recorded it */
    const char *named_service;
    const char *override_check_service;
    lpg_rules_limits_t limits;
} lpg_fill_record_input_t;

/*  The weights of a fill. net_g = full - registered tare (has_net false
 *  when the tare is unknown or the cylinder is). over and leak mean the
 *  cylinder must be held (quarantine); under is flagged. */
typedef struct {
    bool has_net;
    int32_t net_g;
    bool over;
    bool under;
    bool leak;
    bool quarantine;
} lpg_fill_result_t;

/*  Judges a fill record. Refusals: CYL_UNKNOWN, DEVICE_NOT_HERE,
 *  TARE_UNKNOWN (no net weight can be computed), FILL_NO_ALLOW (nothing
 *  allowed has that id, or it was recorded by another service than the
 *  filling service: lib/owner.h), FILL_OTHER_CYLINDER, FILL_OTHER_STATION,
 *  FILL_OTHER_SCALE (both name a scale, not the same one),
 *  FILL_ALLOW_USED (a fill was recorded after the permission),
 *  FILL_ALLOW_STALE (another check of the cylinder was allowed after the
 *  one that was allowed or overridden; a refused check replaces nothing). Flags: OVERFILL (net > permitted + over
 *  tolerance), SHORT_WEIGHT (net < permitted - under tolerance), LEAK.
 *  The weights are judged even when the record is refused: the gas is in
 *  the cylinder either way, so *result says whether to hold it. The
 *  permission tests rely on cyl->last_fill_check_seq (set by every
 *  allowed fill check: a DENY changes no pending ALLOW, domain/fill.c)
 *  and cyl->last_fill_seq (set by every accepted fill record).
 *  Returns LPG_OK, or LPG_EINVAL (with *out a refusal) if record is no
 *  fill record or cyl is not the cylinder it names. */
int lpg_rules_fill_record(const lpg_fill_record_input_t *in,
                          lpg_verdict_t *out, lpg_fill_result_t *result);

/*  What a supervisor's override is judged on. */
typedef struct {
    const Lpg__Event *override;     /* the FillOverride event */
    const Lpg__SiteState *site;     /* override->site's record, or NULL */
    const Lpg__StaffState *staff;   /* override->actor's, or NULL */
    const Lpg__DeviceState *device; /* the signer; NULL if not enrolled */
    /* the event with id check_event_id, its recorded outcome and seq;
     * NULL if there is none */
    const Lpg__Event *check;
    const Lpg__Outcome *check_outcome;
    uint64_t check_seq;
    const char *check_service; /* the LedgerEntry.service that recorded it */
    const Lpg__CylinderState *cyl; /* the check's cylinder, or NULL */
    uint32_t today_ymd;
} lpg_override_input_t;

/*  Judges a FillOverride. Allowed only when the named check is a refused
 *  fill check recorded by the filling service (else OVERRIDE_NO_CHECK)
 *  of this station, still the cylinder's latest (no allowed check and no
 *  fill since: a refused one, here or elsewhere, changes nothing), the
 *  actor a supervisor of this station with a valid
 *  certificate, the device enrolled here, a reason written, the tokens
 *  exactly the check's reasons, and every one of them overridable. Each
 *  reason that is not gets its own OVERRIDE_NOT_ALLOWED naming it.
 *  SITE_NOT_STATION and DEVICE_NOT_HERE as for a fill check. Returns
 *  LPG_OK, or LPG_EINVAL (with *out a refusal) if override is no
 *  FillOverride or today_ymd is no date. */
int lpg_rules_override(const lpg_override_input_t *in, lpg_verdict_t *out);

/*  Adds reason id to a verdict with a detail in English (en, may be NULL)
 *  and Chinese (zh; NULL takes en); the same reason with the same detail
 *  is added once. Refusals clear allow. For other modules' rules
 *  (delivery), so every verdict reads the same. */
void lpg_verdict_add(lpg_verdict_t *v, lpg_reason_id_t id, const char *en,
                     const char *zh);

/*  Copies the verdict's reasons (token, zh, en) into the outcome a service
 *  records: malloc'd, freed by the ledger with the outcome. LPG_OK or
 *  LPG_ENOMEM (what was copied stays in o, to be freed the same way). */
int lpg_verdict_reasons(const lpg_verdict_t *v, Lpg__Outcome *o);

/*  Puts the reasons in catalogue order (stable). */
void lpg_verdict_sort(lpg_verdict_t *v);

/*  Does the verdict hold this token? Index of the first, or -1. */
int lpg_verdict_find(const lpg_verdict_t *v, const char *token);

/*  The verdict's tokens separated by single spaces ("" if none), for logs
 *  and tests. LPG_ERANGE if they do not fit in outsz (truncated). */
int lpg_verdict_tokens(const lpg_verdict_t *v, char *out, size_t outsz);

/*  Great-circle distance in km between two points given in degrees x 1e6
 *  (haversine, mean earth radius 6371.0088 km). */
double lpg_rules_distance_km(int32_t lat1_e6, int32_t lon1_e6, int32_t lat2_e6,
                             int32_t lon2_e6);

/*  The verdict as a recorded outcome: OK with ok_message, or DENIED with
 *  "<deny_message>: N reasons" and every reason (strings malloc'd: the
 *  ledger frees them). LPG_ENOMEM. */
int lpg_verdict_outcome(const lpg_verdict_t *v, const char *ok_message,
                        const char *deny_message, Lpg__Outcome *o);

#endif
