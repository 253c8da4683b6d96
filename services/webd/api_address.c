/*  api_address.c - POST /api/v1/orders/{order}/address: a driver's look
 *  at the address of the household of an order assigned to them.
 *
 *  The handheld prepares an order_address step (POST /api/v1/prepare),
 *  signs the Event with its own key and posts {event_b64, signature_b64}
 *  here. The event must name this order and be signed by the very device
 *  that signs the request: a look is its driver's own, never relayed for
 *  another device. lpg-webd relays it to lpg-registryd, which records
 *  the look (refused ones too, with their reasons) and answers the
 *  household's address and phone with the recording, and again to a
 *  retry of the same signed look relayed for its device (within the
 *  look's window, while the order is open: services/registry/registry.h). The answer carries those two and what
 *  the driver's order list shows already (the user id, masked name and
 *  area); never an ID-card number or a name in clear.
 */
#include "api.h"
#include "webd.h"

#include "ledger/event.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/*  The answer: the registry's (lpg_webd_api_answer), the order, and the
 *  household with its address and phone (null when not shown). */
static json_t *
s_answer(const Lpg__Reply *r, const char *order, const uint8_t *event_id)
{
    json_t *o =
        lpg_webd_api_answer(r, event_id, LPG__EVENT__BODY_ORDER_ADDRESS);
    if (!o)
        return NULL;
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
    if (!lpg_webd_api_segment(seg, seglen, order, sizeof order) ||
        strchr(order, '/')) {
        lpg_webd_api_problem(resp, 400, "invalid-order", "Invalid order",
                             "not an order id, percent-encoded", "order");
        return;
    }
    json_t *o = lpg_webd_api_body(req, resp);
    if (!o)
        return;
    lpg_webd_signed_t s;
    memset(&s, 0, sizeof s);
    uint8_t *packed = NULL;
    Lpg__Event *ev = NULL;
    Lpg__Reply *r = NULL;
    /* the requesting device is the signer: the key id is its own */
    if (json_object_get(o, "key_id")) {
        lpg_webd_api_problem(resp, 422, "invalid-submit", "Invalid submit",
                             "not a member (the look is signed by the "
                             "requesting device: no key_id)",
                             "key_id");
        goto cleanup;
    }
    if (!lpg_webd_api_signed(o, dev->key_id_hex, resp, &s))
        goto cleanup;
    if (!(ev = lpg__event__unpack(NULL, s.len, s.body)) ||
        ev->body_case != LPG__EVENT__BODY_ORDER_ADDRESS ||
        ev->event_id.len != LPG_EVENT_ID_LEN) {
        lpg_webd_api_problem(resp, 422, "invalid-submit", "Invalid submit",
                             "not the base64 of an order_address Event "
                             "(prepare one)",
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
    size_t plen = 0;
    packed = lpg_webd_signed_pack(&s, &plen);
    if (!packed) {
        lpg_webd_problem(resp, 500, "internal", "Internal error", NULL);
        goto cleanup;
    }
    r = lpg_webd_api_send(w, resp, "registry", packed, plen,
                          "The registry did not answer: prepare and sign a "
                          "new look later.",
                          NULL);
    if (!r)
        goto cleanup;
    /* a verdict (the look recorded, shown or refused) is 200, as for
     * /api/v1/submit; an address given already 409 */
    lpg_webd_api_json(resp, lpg_webd_api_status(r->status),
                      s_answer(r, order, ev->event_id.data));
cleanup:
    if (r)
        lpg__reply__free_unpacked(r, NULL);
    if (ev)
        lpg__event__free_unpacked(ev, NULL);
    free(packed);
    lpg_webd_signed_clear(&s);
    json_decref(o);
}
