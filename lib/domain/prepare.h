/*  prepare.h - a step as JSON (what a handheld or a station tablet sends
 *  over HTTPS) turned into the exact Event bytes its device then signs.
 *
 *  One JSON object, {"step": NAME, ...}, names one kind of event and the
 *  fields lpg-scan would put in it: dispatch, deliver, collect, return
 *  (delivery), inspect, rectify, periodic (inspection), fill_check,
 *  fill_record (filling), and with opts->orders the order desk's
 *  order_place, order_accept, order_assign, order_cancel, order_refuse,
 *  order_delivered (orders); order_address (the registry). The Event is built as lpg-scan builds it: a
 *  scanned cylinder code is checked with the authority's public key (a
 *  Caps Lock swap is corrected, a code that does not verify names no
 *  cylinder), every string is bounded as the services bound it
 *  (ledger/event.h), household checklist items are the inspection's own
 *  (domain/inspection.h). Nothing here signs: the device signs
 *  LPG_CTX_EVENT + the bytes with its own key. What each step takes is
 *  in the table of lpg_prepare's comment and in the API's OpenAPI
 *  document.
 */
#ifndef LPG_PREPARE_H
#define LPG_PREPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codes/code_cache.h"
#include "crypto/crypto.h"
#include "ledger/event.h"

#define LPG_PREPARE_MAX_JSON 16384 /* bytes of one step, at most */
#define LPG_PREPARE_MAX_CHECKS 16  /* checklist items of one step */
#define LPG_PREPARE_MAX_PHOTOS 16  /* photo hashes of one inspection */
#define LPG_PREPARE_FIELD_MAX 47   /* longest field path in an error */
#define LPG_PREPARE_WHY_MAX 159    /* longest reason in an error */

typedef struct {
    /* The authority's public key: scanned codes are verified with it.
     * NULL: parsed only (the service verifies them anyway); the delivery
     * steps then refuse a code (they must know whether it names its
     * cylinder, as the handheld does). */
    const lpg_key_t *authority;
    const char *resolver; /* code.resolver; NULL: any host */
    uint64_t now_ms;      /* Event.device_time_ms when the step gives none */
    /* Codes verified before with the same authority key, remembered
     * (codes/code_cache.h); NULL: every code's signature is checked. */
    lpg_code_cache_t *codes;
    /* The order desk's steps (order_place, order_accept, order_assign,
     * order_cancel, order_refuse, order_delivered) are taken: a company's order desk
     * signs them (the console). false: they are no step (the handheld
     * API). */
    bool orders;
} lpg_prepare_opts_t;

typedef struct {
    uint8_t *event; /* the Event bytes to sign; the caller's (free) */
    size_t len;
    uint8_t event_id[LPG_EVENT_ID_LEN];
    Lpg__Event__BodyCase body;
    const char *service; /* the service that records it (static) */
    /* On an error: the field at fault, as a path into the JSON
     * ("checks[2].item", "" for the whole document) and why. */
    char field[LPG_PREPARE_FIELD_MAX + 1];
    char why[LPG_PREPARE_WHY_MAX + 1];
} lpg_prepared_t;

/*  Builds the Event of the JSON step json (len bytes, no NUL needed).
 *
 *  Every step: "step", and optionally "event_id" (32 hex digits: a
 *  retry prepares the same bytes again; default a fresh random id),
 *  "device_time_ms" (when it happened; default opts->now_ms) and "actor"
 *  (staff id: driver, operator, inspector).
 *    dispatch     code, vehicle, site?
 *    deliver      code, vehicle, user, gas_cert?, checks?, order? (the
 *                 order it fulfils: Delivery.order)
 *    collect      code, vehicle, user
 *    return       code, vehicle, site?
 *    inspect      user, checks (household items), photo_hashes?,
 *                 acknowledged
 *    rectify      hazard
 *    periodic     code, pass, next_inspection? (YYYY-MM-DD, with a
 *                 pass), body
 *    fill_check   code, empty_g, checks?, scale?, site?
 *    fill_record  allow_event_id (32 hex), code or cylinder (GRAI),
 *                 full_g, leak_ok, scale?, site?
 *  With opts->orders, each naming its order and company (Event.company):
 *    order_place  order, company, user, spec, count (1..1000),
 *                 slot_from_ms, slot_to_ms, gas_cert?, channel?
 *    order_accept order, company
 *    order_assign order, company, driver, vehicle (the actor is the
 *                 driver unless "actor" says otherwise, as `lpgtrace
 *                 order assign` sends it)
 *    order_cancel order, company, by, reason
 *    order_refuse order, company, reason
 *    order_delivered order, company, delivery_seq (the seqs of the
 *                 accepted deliveries that fulfilled it: [N, ...], 1 to
 *                 LPG_PREPARE_MAX_CHECKS)
 *    order_address  order (the driver's look at its household's address:
 *                 sent to POST /api/v1/orders/{order}/address)
 *  checks: [{"item": NAME, "ok": BOOL}, ...], at most
 *  LPG_PREPARE_MAX_CHECKS, each item once. Any other member is refused.
 *
 *  LPG_OK, or with out->field and out->why set: LPG_EMALFORMED (not one
 *  JSON object within LPG_PREPARE_MAX_JSON), LPG_EINVAL (a member
 *  missing, of the wrong type, out of bounds or unknown), LPG_ENOMEM.
 *  Clear *out with lpg_prepared_clear either way. */
int lpg_prepare(lpg_prepared_t *out, const char *json, size_t len,
                const lpg_prepare_opts_t *opts);

/*  Frees out->event; NULL-safe, safe twice. */
void lpg_prepared_clear(lpg_prepared_t *out);

/*  The names of the steps, in table order (NULL after the last). */
const char *lpg_prepare_step_at(size_t i);

#endif
