/*  client.h - a client of an lpgtrace service: DEALER over CURVE, one
 *  request at a time, with a deadline and retries (the Lazy Pirate
 *  pattern: on a time-out the socket is closed, opened again and the same
 *  request resent; the service answers a resent event with its first
 *  answer, so a retry never records twice).
 */
#ifndef LPG_CLIENT_H
#define LPG_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "base/config.h"
#include "crypto/crypto.h"
#include "ledger/event.h"
#include "proto/protocol.pb-c.h"

typedef struct lpg_client lpg_client_t;

/*  A client of endpoint whose CURVE public key is server_pub, using the
 *  device's CURVE secret. max_msg: refuse to send larger requests
 *  (LPG_ETOOBIG) so the service's hard cap never drops us silently. */
int lpg_client_new(lpg_client_t **out, const char *endpoint,
                   const uint8_t server_pub[32], const uint8_t client_sec[32],
                   size_t max_msg, int timeout_ms, int retries);

/*  lpg_client_new, its socket in zctx (lpg_transport_context), which the
 *  caller keeps until every client in it is destroyed: many clients of
 *  one process (a benchmark's simulated devices) then share the one I/O
 *  thread of the context instead of starting two threads each. */
int lpg_client_new_in(lpg_client_t **out, void *zctx, const char *endpoint,
                      const uint8_t server_pub[32],
                      const uint8_t client_sec[32], size_t max_msg,
                      int timeout_ms, int retries);

/*  A client of service `name` as the home's configuration says: its
 *  endpoint (endpoint.<name>), its public key (keys/<name>.curve.pub)
 *  and this device's key (device.key + ".curve"); it sends requests
 *  within limit.message_bytes and takes in replies within
 *  limit.hard_message_bytes (a larger one never arrives: the call ends
 *  LPG_EUNAVAILABLE). */
int lpg_client_from_config(lpg_client_t **out, const lpg_config_t *cfg,
                           const char *name);

#define LPG_CLIENT_REPLY_MARGIN 4096 /* encryption and framing, at most */

/*  The largest reply c takes in, as the service packs it: its cap on
 *  what comes over the wire less LPG_CLIENT_REPLY_MARGIN (what to ask
 *  for as a GetTrace max_reply_bytes). 0: no cap. */
size_t lpg_client_reply_max(const lpg_client_t *c);

/*  Sends req (its version and request id are filled in here) and waits
 *  for the reply. *reply is the caller's (lpg__reply__free_unpacked).
 *  LPG_ETOOBIG before sending; LPG_EUNAVAILABLE when no answer came after
 *  every retry; LPG_EMALFORMED for an unreadable reply. */
int lpg_client_call(lpg_client_t *c, Lpg__Request *req, Lpg__Reply **reply);

/*  Submits one SignedEvent. */
int lpg_client_submit(lpg_client_t *c, const uint8_t *signed_event, size_t len,
                      Lpg__Reply **reply);

/*  Several SignedEvents in one request, recorded in one transaction (at
 *  most limit.batch, and within limit.message_bytes); reply->results
 *  holds one result per event, in order. */
typedef struct {
    const uint8_t *data;
    size_t len;
} lpg_client_blob_t;
int lpg_client_submit_many(lpg_client_t *c, const lpg_client_blob_t *events,
                           size_t n, Lpg__Reply **reply);

/*  Submit with an attachment kept outside the log (a UserAdd's person
 *  data key). */
int lpg_client_submit_with(lpg_client_t *c, const uint8_t *signed_event,
                           size_t len, const uint8_t *attach,
                           size_t attach_len, Lpg__Reply **reply);

/*  Names, dates and signs ev for sending, the one way every device does
 *  (lpgtrace and lpg-scan alike): Event.event_id becomes event_id, the
 *  LPG_EVENT_ID_LEN bytes the caller chose (and saved, say, before
 *  sending), or a fresh random id when event_id is NULL; a
 *  device_time_ms of 0 becomes now (lpg_clock_now_ms, which honours
 *  LPG_NOW_MS), any other is kept (a step recorded late). The id used is
 *  copied to id_out when given. ev is handed back as it came (its id and
 *  time as they were); *out, the SignedEvent bytes, is the caller's. For
 *  events sent later, many to a request (lpg_client_submit_many). */
int lpg_client_sign(const lpg_key_t *key, Lpg__Event *ev,
                    const uint8_t *event_id, uint8_t id_out[LPG_EVENT_ID_LEN],
                    uint8_t **out, size_t *len);

/*  Signs ev as lpg_client_sign does and submits it, with the attachment
 *  attach (a UserAdd's person data key; NULL: none) beside it. A retry
 *  resends the same signed bytes, so the service answers it with its
 *  first answer. *reply is the caller's: what the answer means is
 *  lpg_msg_exit's and lpg_msg_advice's to say. Errors as
 *  lpg_client_call's, or the signing's own. */
int lpg_client_sign_submit(lpg_client_t *c, const lpg_key_t *key,
                           Lpg__Event *ev, const uint8_t *attach,
                           size_t attach_len, const uint8_t *event_id,
                           uint8_t id_out[LPG_EVENT_ID_LEN],
                           Lpg__Reply **reply);

void lpg_client_destroy(lpg_client_t **p);

#endif
