/*  api.h - what the handheld API's files (api.c, api_auth.c,
 *  api_openapi.c, api_address.c) share; the rest of lpg-webd sees only lpg_webd_api.
 */
#ifndef LPG_WEBD_API_H
#define LPG_WEBD_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"
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

/*  Exactly 2*n hex digits into out. */
bool lpg_webd_api_unhex(const char *s, uint8_t *out, size_t n);

/*  POST /api/v1/orders/{order}/address (api_address.c): seg is the
 *  order's path segment, seglen bytes, still percent-encoded; dev the
 *  device that signed the request (and must have signed the event). */
void lpg_webd_api_address(lpg_webd_t *w, const lpg_webd_req_t *req,
                          lpg_webd_resp_t *resp, const lpg_webd_device_t *dev,
                          const char *seg, size_t seglen);

/*  Answers the OpenAPI document (services/webd/openapi.json, built in). */
void lpg_webd_api_openapi(lpg_webd_resp_t *resp);

#endif
