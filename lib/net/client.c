/*  client.c - see client.h. A client made from the configuration takes
 *  in no reply larger than limit.hard_message_bytes; a GetTrace page is
 *  kept below it by the max_reply_bytes the client asks with
 *  (lpg_client_reply_max). */
#include "net/client.h"
#include "crypto/crypto.h"
#include "base/clock.h"
#include "base/error.h"
#include "base/log.h"
#include "net/msg.h"
#include "net/transport.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct lpg_client {
    void *zctx;
    void *sock;
    char endpoint[256];
    uint8_t server_pub[32];
    uint8_t client_sec[32];
    size_t max_msg;
    int64_t max_in; /* replies larger are dropped by libzmq; -1: any */
    int timeout_ms;
    int retries;
    bool own_ctx; /* zctx is this client's: destroyed with it */
};

static int
s_connect(lpg_client_t *c)
{
    lpg_transport_close(&c->sock);
    return lpg_transport_client_max(&c->sock, c->zctx, c->endpoint,
                                    c->server_pub, c->client_sec, c->max_in);
}

static int
s_new(lpg_client_t **out, void *zctx, const char *endpoint,
      const uint8_t server_pub[32], const uint8_t client_sec[32],
      size_t max_msg, int64_t max_in, int timeout_ms, int retries)
{
    *out = NULL;
    lpg_client_t *c = calloc(1, sizeof *c);
    if (!c)
        return LPG_ENOMEM;
    snprintf(c->endpoint, sizeof c->endpoint, "%s", endpoint);
    memcpy(c->server_pub, server_pub, 32);
    memcpy(c->client_sec, client_sec, 32);
    c->max_msg = max_msg;
    c->max_in = max_in > 0 ? max_in : -1;
    c->timeout_ms = timeout_ms > 0 ? timeout_ms : 3000;
    c->retries = retries >= 0 ? retries : 2;
    c->own_ctx = zctx == NULL;
    c->zctx = zctx ? zctx : lpg_transport_context();
    int rc = c->zctx ? s_connect(c) : LPG_EUNAVAILABLE;
    if (rc != LPG_OK) {
        lpg_client_destroy(&c);
        return rc;
    }
    *out = c;
    return LPG_OK;
}

int
lpg_client_new(lpg_client_t **out, const char *endpoint,
               const uint8_t server_pub[32], const uint8_t client_sec[32],
               size_t max_msg, int timeout_ms, int retries)
{
    return s_new(out, NULL, endpoint, server_pub, client_sec, max_msg, -1,
                 timeout_ms, retries);
}

int
lpg_client_new_in(lpg_client_t **out, void *zctx, const char *endpoint,
                  const uint8_t server_pub[32], const uint8_t client_sec[32],
                  size_t max_msg, int timeout_ms, int retries)
{
    *out = NULL;
    if (!zctx)
        return LPG_EINVAL;
    return s_new(out, zctx, endpoint, server_pub, client_sec, max_msg, -1,
                 timeout_ms, retries);
}

int
lpg_client_from_config(lpg_client_t **out, const lpg_config_t *cfg,
                       const char *name)
{
    *out = NULL;
    char key[64], rel[256], path[4096];
    snprintf(key, sizeof key, "endpoint.%s", name);
    const char *endpoint = lpg_config_get(cfg, key);
    if (!endpoint)
        return LPG_ECONFIG;
    uint8_t server_pub[32], sec[32];
    snprintf(rel, sizeof rel, "keys/%s.curve.pub", name);
    int rc = lpg_config_path(cfg, rel, path, sizeof path);
    if (rc == LPG_OK)
        rc = lpg_curve_load(path, server_pub);
    if (rc != LPG_OK) {
        lpg_error("%s: the public key of the %s service: %s", path, name,
                  lpg_strerror(rc));
        return rc;
    }
    snprintf(rel, sizeof rel, "%s.curve", lpg_config_get(cfg, "device.key"));
    rc = lpg_config_path(cfg, rel, path, sizeof path);
    if (rc == LPG_OK)
        rc = lpg_curve_load(path, sec);
    if (rc != LPG_OK) {
        lpg_error("%s: this device's transport key: %s", path,
                  lpg_strerror(rc));
        return rc;
    }
    /* A service with a wait of its own (client.<name>_timeout_ms: the
     * trace service, whose answers read years of history) uses it. */
    snprintf(key, sizeof key, "client.%s_timeout_ms", name);
    if (!lpg_config_get(cfg, key))
        snprintf(key, sizeof key, "client.timeout_ms");
    rc = s_new(out, NULL, endpoint, server_pub, sec,
               (size_t)lpg_config_get_int(cfg, "limit.message_bytes", 65536),
               lpg_config_get_int(cfg, "limit.hard_message_bytes", 1048576),
               (int)lpg_config_get_int(cfg, key, 3000),
               (int)lpg_config_get_int(cfg, "client.retries", 2));
    memset(sec, 0, sizeof sec);
    return rc;
}

size_t
lpg_client_reply_max(const lpg_client_t *c)
{
    if (c->max_in < 0)
        return 0;
    if (c->max_in <= LPG_CLIENT_REPLY_MARGIN)
        return 1;
    return (size_t)(c->max_in - LPG_CLIENT_REPLY_MARGIN);
}

void
lpg_client_destroy(lpg_client_t **p)
{
    if (!p || !*p)
        return;
    lpg_client_t *c = *p;
    lpg_transport_close(&c->sock);
    if (c->own_ctx)
        lpg_transport_context_destroy(&c->zctx);
    memset(c->client_sec, 0, sizeof c->client_sec);
    free(c);
    *p = NULL;
}

int
lpg_client_call(lpg_client_t *c, Lpg__Request *req, Lpg__Reply **reply)
{
    *reply = NULL;
    uint8_t id[LPG_REQUEST_ID_LEN];
    int rc = lpg_random(id, sizeof id);
    if (rc != LPG_OK)
        return rc;
    req->version = LPG_PROTOCOL_VERSION;
    req->request_id.data = id;
    req->request_id.len = sizeof id;
    size_t len = lpg__request__get_packed_size(req);
    if (len > c->max_msg) {
        lpg_error("request of %zu bytes is over the limit of %zu "
                  "(limit.message_bytes): not sent",
                  len, c->max_msg);
        return LPG_ETOOBIG;
    }
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf)
        return LPG_ENOMEM;
    lpg__request__pack(req, buf);
    rc = LPG_EUNAVAILABLE;
    for (int attempt = 0; attempt <= c->retries; attempt++) {
        if (attempt > 0) {
            lpg_warn("no answer from %s in %d ms: retrying (%d of %d)",
                     c->endpoint, c->timeout_ms, attempt, c->retries);
            if (s_connect(c) != LPG_OK)
                break;
        }
        lpg_frame_t f = {buf, len};
        if (lpg_transport_send(c->sock, &f, 1) != LPG_OK)
            continue;
        for (;;) {
            lpg_wire_msg_t m;
            int r = lpg_transport_recv(c->sock, &m, c->timeout_ms);
            if (r != LPG_OK)
                break; /* time-out: retry */
            Lpg__Reply *rep = m.n == 1
                                  ? lpg__reply__unpack(NULL, m.frames[0].len,
                                                       m.frames[0].data)
                                  : NULL;
            lpg_wire_msg_clear(&m);
            if (!rep) {
                rc = LPG_EMALFORMED;
                goto done;
            }
            if (rep->request_id.len == sizeof id &&
                memcmp(rep->request_id.data, id, sizeof id) == 0) {
                *reply = rep;
                rc = LPG_OK;
                goto done;
            }
            if (rep->request_id.len == 0) {
                /* The service could not read our request at all. */
                *reply = rep;
                rc = LPG_OK;
                goto done;
            }
            lpg__reply__free_unpacked(rep, NULL); /* a stale answer */
        }
    }
done:
    free(buf);
    return rc;
}

int
lpg_client_submit(lpg_client_t *c, const uint8_t *signed_event, size_t len,
                  Lpg__Reply **reply)
{
    return lpg_client_submit_with(c, signed_event, len, NULL, 0, reply);
}

int
lpg_client_submit_many(lpg_client_t *c, const lpg_client_blob_t *events,
                       size_t n, Lpg__Reply **reply)
{
    ProtobufCBinaryData *v = calloc(n ? n : 1, sizeof *v);
    if (!v)
        return LPG_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        v[i].data = (uint8_t *)events[i].data;
        v[i].len = events[i].len;
    }
    Lpg__Request req = LPG__REQUEST__INIT;
    Lpg__SubmitMany sm = LPG__SUBMIT_MANY__INIT;
    sm.n_signed_events = n;
    sm.signed_events = v;
    req.body_case = LPG__REQUEST__BODY_SUBMIT_MANY;
    req.submit_many = &sm;
    int rc = lpg_client_call(c, &req, reply);
    free(v);
    return rc;
}

int
lpg_client_submit_with(lpg_client_t *c, const uint8_t *signed_event,
                       size_t len, const uint8_t *attach, size_t attach_len,
                       Lpg__Reply **reply)
{
    Lpg__Request req = LPG__REQUEST__INIT;
    Lpg__Submit sub = LPG__SUBMIT__INIT;
    sub.signed_event.data = (uint8_t *)signed_event;
    sub.signed_event.len = len;
    sub.has_person_key = attach != NULL;
    sub.person_key.data = (uint8_t *)attach;
    sub.person_key.len = attach_len;
    req.body_case = LPG__REQUEST__BODY_SUBMIT;
    req.submit = &sub;
    return lpg_client_call(c, &req, reply);
}

int
lpg_client_sign(const lpg_key_t *key, Lpg__Event *ev, const uint8_t *event_id,
                uint8_t id_out[LPG_EVENT_ID_LEN], uint8_t **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    uint8_t id[LPG_EVENT_ID_LEN];
    int rc = LPG_OK;
    if (event_id)
        memcpy(id, event_id, sizeof id);
    else
        rc = lpg_event_new_id(id);
    if (rc != LPG_OK)
        return rc;
    ProtobufCBinaryData was_id = ev->event_id;
    uint64_t was_time = ev->device_time_ms;
    ev->event_id.data = id;
    ev->event_id.len = sizeof id;
    if (ev->device_time_ms == 0)
        ev->device_time_ms = lpg_clock_now_ms();
    rc = lpg_event_sign(ev, key, out, len);
    ev->event_id = was_id;
    ev->device_time_ms = was_time;
    if (rc == LPG_OK && id_out)
        memcpy(id_out, id, sizeof id);
    return rc;
}

int
lpg_client_sign_submit(lpg_client_t *c, const lpg_key_t *key, Lpg__Event *ev,
                       const uint8_t *attach, size_t attach_len,
                       const uint8_t *event_id,
                       uint8_t id_out[LPG_EVENT_ID_LEN], Lpg__Reply **reply)
{
    *reply = NULL;
    uint8_t *data = NULL;
    size_t len = 0;
    int rc = lpg_client_sign(key, ev, event_id, id_out, &data, &len);
    if (rc != LPG_OK)
        return rc;
    rc = lpg_client_submit_with(c, data, len, attach, attach_len, reply);
    free(data);
    return rc;
}
