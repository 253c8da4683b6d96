/*  api.h - what the handheld API's files (api.c, api_auth.c,
 *  api_openapi.c, api_address.c) share, and the console's signed order
 *  steps (console_sign.c) use too; the rest of lpg-webd sees only
 *  lpg_webd_api.
 */
#ifndef LPG_WEBD_API_H
#define LPG_WEBD_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "crypto/crypto.h"
#include "domain/prepare.h"
#include "proto/protocol.pb-c.h"
#include "proto/state.pb-c.h"
#include "webd.h"

/*  The device that signed a request, as the ledger knows it. */
typedef struct {
    uint8_t key_id[LPG_KEYID_LEN];
    char key_id_hex[2 * LPG_KEYID_LEN + 1];
    Lpg__DeviceState *state; /* its enrolment (owned) */
} lpg_webd_device_t;

/*  Makes what the signature check keeps (the nonce cache), once. */
void lpg_webd_api_auth_init(lpg_webd_t *w);

/*  Checks the request's RFC 9421 signature (api_auth.c says how): true
 *  with *dev filled (clear it with lpg_webd_device_clear), or false
 *  with the refusal answered in resp. */
bool lpg_webd_api_auth(lpg_webd_t *w, const lpg_webd_req_t *req,
                       lpg_webd_resp_t *resp, lpg_webd_device_t *dev);
void lpg_webd_device_clear(lpg_webd_device_t *dev);

/*  A problem document (lpg_webd_problem), with the member "field"
 *  naming the field at fault when field is not NULL. */
void lpg_webd_api_problem(lpg_webd_resp_t *resp, int status, const char *slug,
                          const char *title, const char *detail,
                          const char *field);
/*  The same with the extension member name (its value a string: "field"
 *  above, "zh" for the console's refusals), or none when value is NULL. */
void lpg_webd_api_problem_ext(lpg_webd_resp_t *resp, int status,
                              const char *slug, const char *title,
                              const char *detail, const char *name,
                              const char *value);

/*  o as the JSON body with status (o consumed; NULL: 500). */
void lpg_webd_api_json(lpg_webd_resp_t *resp, int status, json_t *o);

/*  The request's body as one JSON object (Content-Type application/json,
 *  parameters may follow), or NULL with the problem (415, 400) answered. */
json_t *lpg_webd_api_body(const lpg_webd_req_t *req, lpg_webd_resp_t *resp);

/*  What a signer is given of a prepared step: {event_b64, event_id,
 *  sign_context (LPG_CTX_EVENT with its NUL: signed before the event's
 *  bytes), kind}. NULL: no memory. */
json_t *lpg_webd_api_prepared(const lpg_prepared_t *p);

/*  Exactly 2*n hex digits into out. */
bool lpg_webd_api_unhex(const char *s, uint8_t *out, size_t n);

/*  A path segment, its first n bytes, percent-decoded into out: false
 *  if empty, if it does not fit, decodes to a NUL or a control byte, or
 *  a '%' is not followed by two hex digits. */
bool lpg_webd_api_segment(const char *s, size_t n, char *out, size_t outsz);

/*  The HTTP status of a service's answer: a verdict (recorded, OK or
 *  DENIED) is 200; the rest say what went wrong (INVALID 422,
 *  UNAUTHORIZED 403, NOT_FOUND 404, CONFLICT 409, UNAVAILABLE 503, any
 *  other 502). */
int lpg_webd_api_status(Lpg__Status s);

/*  A signed event as a client sends it to be relayed: the Event's
 *  bytes, the signature over LPG_CTX_EVENT + them, the signer's key id.
 *  body and sig are the holder's (lpg_webd_signed_clear). */
typedef struct {
    uint8_t *body;
    size_t len;
    uint8_t *sig; /* LPG_ED25519_SIG_LEN bytes */
    uint8_t key_id[LPG_KEYID_LEN];
} lpg_webd_signed_t;

/*  Reads the members of a submit, {"event_b64", "signature_b64",
 *  "key_id"} (no other), from o: key_id defaults to key_hex (NULL: it
 *  is required). true with *out filled, or false with the problem (422)
 *  answered in resp; clear *out either way. */
bool lpg_webd_api_signed(const json_t *o, const char *key_hex,
                         lpg_webd_resp_t *resp, lpg_webd_signed_t *out);
void lpg_webd_signed_clear(lpg_webd_signed_t *s);

/*  s as SignedEvent bytes, a fresh buffer of *len bytes (free it), or
 *  NULL: no memory. */
uint8_t *lpg_webd_signed_pack(const lpg_webd_signed_t *s, size_t *len);

/*  A service's answer as the API's JSON: lpg_msg_reply_json's members,
 *  the event's id (LPG_EVENT_ID_LEN bytes) and kind, and the cylinder
 *  and the fill when the service named them. NULL: no memory. */
json_t *lpg_webd_api_answer(const Lpg__Reply *r, const uint8_t *event_id,
                            Lpg__Event__BodyCase kind);

/*  Sends SignedEvent bytes to service over the gateway's CURVE
 *  connection: its reply (free it), or NULL with the problem answered
 *  (413 over the service's limit; 503 with the detail unavailable and
 *  Retry-After, the service did not answer). relay_us (NULL: not
 *  wanted) is set to the microseconds the service took to answer. */
Lpg__Reply *lpg_webd_api_send(lpg_webd_t *w, lpg_webd_resp_t *resp,
                              const char *service, const uint8_t *packed,
                              size_t len, const char *unavailable,
                              double *relay_us);

/*  Relays s to the service that records its kind, over the gateway's
 *  CURVE connection, and answers with the service's answer as JSON
 *  (lpg_msg_reply_json's members, event_id, kind; a verdict is 200, the
 *  rest say what went wrong), or a problem: 422 not an Event a service
 *  records, 413 too big, 503 the service did not answer. The service
 *  checks the signer and the signature. relay_us (NULL: not wanted) is
 *  set to the microseconds the service took to answer. */
void lpg_webd_api_relay(lpg_webd_t *w, lpg_webd_resp_t *resp,
                        const lpg_webd_signed_t *s, double *relay_us);

/*  POST /api/v1/orders/{order}/address (api_address.c): seg is the
 *  order's path segment, seglen bytes, still percent-encoded; dev the
 *  device that signed the request (and must have signed the event). */
void lpg_webd_api_address(lpg_webd_t *w, const lpg_webd_req_t *req,
                          lpg_webd_resp_t *resp, const lpg_webd_device_t *dev,
                          const char *seg, size_t seglen);

/*  Answers the OpenAPI document (services/webd/openapi.json, built in). */
void lpg_webd_api_openapi(lpg_webd_resp_t *resp);

#endif
