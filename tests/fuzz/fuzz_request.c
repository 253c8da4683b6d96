/*  fuzz_request.c - libFuzzer target for the request envelope, the first
 *  thing a service decodes from a client's frame: lpg_msg_decode_request
 *  on any bytes. Aborts if an invariant breaks: the result is OK or
 *  LPG_EMALFORMED with a reason in words; an accepted Request packs back
 *  to as many bytes as were received (a NUL inside a string would
 *  shorten it: the envelope itself is not signed, so field order is not
 *  checked here; the signed event inside is, by its own decoder), has a
 *  16-byte request id and a body, and every string in it is checked
 *  text; and a
 *  Submit it carries is checked again by the event decoder without
 *  tripping fuzz_event's invariants.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "ledger/event.h"
#include "net/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Lpg__Request *req = NULL;
    char why[256];
    memset(why, 'x', sizeof why);
    int rc = lpg_msg_decode_request(&req, data, size, why, sizeof why);
    if (rc != LPG_OK) {
        if (memchr(why, '\0', sizeof why) == NULL)
            abort();
        if (rc != LPG_EMALFORMED || req != NULL || why[0] == '\0' ||
            lpg_string_check(why, sizeof why) != LPG_OK)
            abort();
        return 0;
    }
    if (!req || req->request_id.len != LPG_REQUEST_ID_LEN ||
        req->body_case == LPG__REQUEST__BODY__NOT_SET)
        abort();
    if (protobuf_c_message_get_packed_size(&req->base) != size)
        abort();
    const char *field = NULL;
    if (lpg_proto_strings_check(&req->base, &field) != LPG_OK)
        abort();
    if (req->body_case == LPG__REQUEST__BODY_SUBMIT && req->submit) {
        lpg_event_t ev;
        char ewhy[256];
        rc =
            lpg_event_decode(&ev, req->submit->signed_event.data,
                             req->submit->signed_event.len, ewhy, sizeof ewhy);
        if (rc == LPG_OK)
            lpg_event_clear(&ev);
        else if (rc != LPG_EMALFORMED || ewhy[0] == '\0')
            abort();
    }
    lpg__request__free_unpacked(req, NULL);
    return 0;
}
