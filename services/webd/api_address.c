/*  api_address.c - POST /api/v1/orders/{order}/address: a driver's look
 *  at the address of the household of an order assigned to them.
 *
 *  The handheld prepares an order_address step (POST /api/v1/prepare),
 *  signs the Event with its own key and posts {event_b64, signature_b64}
 *  here. The event must name this order and be signed by the very device
 *  that signs the request: a look is its driver's own, never relayed for
 *  another device. lpg-webd relays it to lpg-registryd, which records
 *  the look (refused ones too, with their reasons) and answers the
 *  household's address and phone with the recording, once
 *  (services/registry/registry.h). The answer carries those two and what
 *  the driver's order list shows already (the user id, masked name and
 *  area); never an ID-card number or a name in clear.
 */
#include "api.h"
#include "webd.h"

#include "base/error.h"
#include "base/log.h"
#include "crypto/crypto.h"
#include "domain/kind.h"
#include "ledger/event.h"
#include "net/client.h"
#include "net/msg.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*  o as the JSON body (o consumed). */
static void
s_json(lpg_webd_resp_t *resp, int status, json_t *o)
{
    char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (!text) {
        lpg_webd_problem(resp, 500, "internal", "Internal error", NULL);
        return;
    }
    resp->status = status;
    resp->content_type = "application/json";
    resp->body = text;
    resp->body_len = strlen(text);
}

static int
s_hexval(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/*  The order id, percent-decoded from its path segment: false if empty,
 *  too long, badly escaped, or holding a control byte or a '/'. */
static bool
s_order_id(const char *seg, size_t n, char *out, size_t outsz)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)seg[i];
        if (c == '%') {
            int hi = i + 2 < n ? s_hexval(seg[i + 1]) : -1;
            int lo = hi >= 0 ? s_hexval(seg[i + 2]) : -1;
            if (lo < 0)
                return false;
            c = hi << 4 | lo;
            i += 2;
        }
        if (c < 0x20 || c == 0x7f || c == '/' || k + 1 >= outsz)
            return false;
        out[k++] = (char)c;
    }
    out[k] = '\0';
    return k > 0;
}

/*  A base64 member of at most max bytes decoded, into a fresh *out. */
static bool
s_b64(const json_t *o, const char *name, size_t max, uint8_t **out,
      size_t *len)
{
    *out = NULL;
    const json_t *v = json_object_get(o, name);
    if (!json_is_string(v))
        return false;
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (n == 0 || n > 4 * ((max + 2) / 3))
        return false;
    uint8_t *buf = malloc(n);
    if (!buf)
        return false;
    if ((lpg_base64_decode(s, n, false, buf, n, len) != LPG_OK &&
         lpg_base64_decode(s, n, true, buf, n, len) != LPG_OK) ||
        *len > max) {
        free(buf);
        return false;
    }
    *out = buf;
    return true;
}

/*  The HTTP status of the registry's answer: a verdict (the look
 *  recorded, shown or refused) is 200, as for /api/v1/submit; an
 *  address given already 409; the rest say what went wrong. */
static int
s_http_status(Lpg__Status s)
{
    switch (s) {
    case LPG__STATUS__STATUS_OK:
    case LPG__STATUS__STATUS_DENIED:
        return 200;
    case LPG__STATUS__STATUS_INVALID:
        return 422;
    case LPG__STATUS__STATUS_UNAUTHORIZED:
        return 403;
    case LPG__STATUS__STATUS_NOT_FOUND:
        return 404;
    case LPG__STATUS__STATUS_CONFLICT:
        return 409;
    case LPG__STATUS__STATUS_UNAVAILABLE:
        return 503;
    default:
        return 502;
    }
}

/*  The answer: the registry's status, token, message, seq and reasons,
 *  the event's id and kind, the order, and the household with its
 *  address and phone (null when not shown). */
static json_t *
s_answer(const Lpg__Reply *r, const char *order, const uint8_t *event_id)
{
    json_t *o = lpg_msg_reply_json(r);
    if (!o)
        return NULL;
    char id[2 * LPG_EVENT_ID_LEN + 1];
    lpg_hex(event_id, LPG_EVENT_ID_LEN, id);
    json_object_set_new(o, "event_id", json_string(id));
    json_object_set_new(
        o, "kind", json_string(lpg_kind_name(LPG__EVENT__BODY_ORDER_ADDRESS)));
    json_object_set_new(o, "order", json_string(order));
    const Lpg__UserInfo *u = r->status == LPG__STATUS__STATUS_OK &&
                                     r->n_users == 1 && r->users[0]->personal
                                 ? r->users[0]
                                 : NULL;
    const Lpg__PersonalData *pd = u ? u->personal : NULL;
    json_object_set_new(o, "user", u ? json_string(u->id) : json_null());
    json_object_set_new(o, "masked_name",
                        u && u->masked_name ? json_string(u->masked_name)
                                            : json_null());
    json_object_set_new(o, "area",
                        u && u->area ? json_string(u->area) : json_null());
    json_object_set_new(o, "address",
                        pd && pd->address ? json_string(pd->address)
                                          : json_null());
    json_object_set_new(
        o, "phone", pd && pd->phone ? json_string(pd->phone) : json_null());
    return o;
}

void
lpg_webd_api_address(lpg_webd_t *w, const lpg_webd_req_t *req,
                     lpg_webd_resp_t *resp, const lpg_webd_device_t *dev,
                     const char *seg, size_t seglen)
{
    char order[LPG_STRING_MAX + 1];
    if (!s_order_id(seg, seglen, order, sizeof order)) {
        lpg_webd_api_problem(resp, 400, "invalid-order", "Invalid order",
                             "not an order id, percent-encoded", "order");
        return;
    }
    const char *ct = req->header(req->hctx, "content-type");
    if (!ct || strncmp(ct, "application/json", 16) != 0 ||
        (ct[16] && ct[16] != ';' && ct[16] != ' ')) {
        lpg_webd_problem(resp, 415, "unsupported-media-type",
                         "Unsupported media type",
                         "Send the signed event as application/json.");
        return;
    }
    json_error_t err;
    json_t *o = req->body ? json_loadb((const char *)req->body, req->body_len,
                                       JSON_REJECT_DUPLICATES, &err)
                          : NULL;
    uint8_t *body = NULL, *sig = NULL, *packed = NULL;
    size_t blen = 0, slen = 0;
    Lpg__Event *ev = NULL;
    Lpg__Reply *r = NULL;
    if (!json_is_object(o)) {
        lpg_webd_problem(resp, 400, "malformed-json", "Malformed JSON",
                         "The body is not one JSON object.");
        goto cleanup;
    }
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v)
    {
        if (strcmp(k, "event_b64") && strcmp(k, "signature_b64")) {
            lpg_webd_api_problem(resp, 422, "invalid-submit", "Invalid submit",
                                 "not a member (the look is signed by the "
                                 "requesting device: no key_id)",
                                 k);
            goto cleanup;
        }
    }
    if (!s_b64(o, "event_b64", LPG_EVENT_MAX_BYTES, &body, &blen) ||
        !(ev = lpg__event__unpack(NULL, blen, body)) ||
        ev->body_case != LPG__EVENT__BODY_ORDER_ADDRESS ||
        ev->event_id.len != LPG_EVENT_ID_LEN) {
        lpg_webd_api_problem(resp, 422, "invalid-submit", "Invalid submit",
                             "missing, or not the base64 of an "
                             "order_address Event (prepare one)",
                             "event_b64");
        goto cleanup;
    }
    if (strcmp(ev->order_address->order, order) != 0) {
        lpg_webd_api_problem(resp, 422, "invalid-submit", "Invalid submit",
                             "the signed event names another order than "
                             "the path",
                             "event_b64");
        goto cleanup;
    }
    if (!s_b64(o, "signature_b64", LPG_ED25519_SIG_LEN, &sig, &slen) ||
        slen != LPG_ED25519_SIG_LEN) {
        lpg_webd_api_problem(resp, 422, "invalid-submit", "Invalid submit",
                             "missing, or not the base64 of 64 bytes",
                             "signature_b64");
        goto cleanup;
    }
    Lpg__SignedEvent se = LPG__SIGNED_EVENT__INIT;
    se.body.data = body;
    se.body.len = blen;
    se.key_id.data = (uint8_t *)dev->key_id;
    se.key_id.len = LPG_KEYID_LEN;
    se.sig.data = sig;
    se.sig.len = slen;
    size_t plen = lpg__signed_event__get_packed_size(&se);
    packed = malloc(plen);
    if (!packed) {
        lpg_webd_problem(resp, 500, "internal", "Internal error", NULL);
        goto cleanup;
    }
    lpg__signed_event__pack(&se, packed);
    lpg_client_t *c = lpg_webd_client(w, "registry");
    int rc = c ? lpg_client_submit(c, packed, plen, &r) : LPG_EUNAVAILABLE;
    if (rc != LPG_OK) {
        lpg_warn("api: address of order %s: %s", order, lpg_strerror(rc));
        lpg_webd_problem(resp, 503, "service-unavailable",
                         "Service unavailable",
                         "The registry did not answer: prepare and sign a "
                         "new look later.");
        snprintf(resp->extra_headers, sizeof resp->extra_headers,
                 "Retry-After: 5\r\n");
        goto cleanup;
    }
    s_json(resp, s_http_status(r->status),
           s_answer(r, order, ev->event_id.data));
cleanup:
    if (r)
        lpg__reply__free_unpacked(r, NULL);
    if (ev)
        lpg__event__free_unpacked(ev, NULL);
    free(packed);
    free(body);
    free(sig);
    json_decref(o);
}
