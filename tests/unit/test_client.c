/*  test_client.c - the one sign-and-submit path of lpgtrace and lpg-scan
 *  (lpg_client_sign_submit), against a service stand-in on loopback in
 *  this process: the event goes signed by the key given, with a fresh id
 *  or the one the caller chose (a fill check's, saved before sending),
 *  dated by the one clock (LPG_NOW_MS) unless the caller dated it, with
 *  the attachment beside it; ev comes back as it was given; the answer
 *  comes back as the service sent it (an UNAVAILABLE one too, for
 *  lpg_msg_exit and lpg_msg_advice to read); a retry resends the very
 *  same signed bytes; no service at all is LPG_EUNAVAILABLE.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "crypto/crypto.h"
#include "ledger/event.h"
#include "net/client.h"
#include "net/msg.h"
#include "net/transport.h"

#define NOW_MS 1773540000000ull /* LPG_NOW_MS for this process */
#define AT_MS 1773530000000ull  /* a step dated by the caller */
#define S_MAX_SEEN 4

/*  The stand-in: answers one Submit after ignoring `ignore` of them,
 *  keeping what each one carried. */
typedef struct {
    void *zctx;
    void *sock;
    char endpoint[256];
    uint8_t server_pub[32], client_sec[32];
    pthread_t thread;
    int ignore;
    Lpg__Status status;
    const char *token;
    size_t nseen;
    uint8_t *seen[S_MAX_SEEN]; /* Submit.signed_event, as sent */
    size_t seen_len[S_MAX_SEEN];
    bool has_person_key;
    uint8_t person_key[32];
    Lpg__Event ev; /* what the test sends: a PiiReveal */
    Lpg__PiiReveal pr;
} s_service_t;

static lpg_key_t *s_key;

static void *
s_serve(void *arg)
{
    s_service_t *s = arg;
    for (;;) {
        lpg_wire_msg_t m;
        if (lpg_transport_recv(s->sock, &m, 5000) != LPG_OK)
            return NULL;
        Lpg__Request *req =
            m.n == 2
                ? lpg__request__unpack(NULL, m.frames[1].len, m.frames[1].data)
                : NULL;
        if (!req || req->body_case != LPG__REQUEST__BODY_SUBMIT ||
            s->nseen == S_MAX_SEEN) {
            if (req)
                lpg__request__free_unpacked(req, NULL);
            lpg_wire_msg_clear(&m);
            return NULL;
        }
        const ProtobufCBinaryData *se = &req->submit->signed_event;
        s->seen[s->nseen] = malloc(se->len);
        memcpy(s->seen[s->nseen], se->data, se->len);
        s->seen_len[s->nseen++] = se->len;
        s->has_person_key = req->submit->has_person_key;
        if (req->submit->has_person_key && req->submit->person_key.len == 32)
            memcpy(s->person_key, req->submit->person_key.data, 32);
        bool answer = s->ignore-- <= 0;
        if (answer) {
            lpg_reply_t r;
            lpg_reply_init(&r, req->request_id.data, req->request_id.len);
            lpg_reply_set(&r, s->status, s->token, "as the test says");
            if (s->status == LPG__STATUS__STATUS_OK) {
                r.reply.has_seq = 1;
                r.reply.seq = 7;
            }
            uint8_t *data = NULL;
            size_t len = 0;
            lpg_reply_pack(&r, &data, &len);
            lpg_frame_t out[2] = {m.frames[0], {data, len}};
            lpg_transport_send(s->sock, out, 2);
            free(data);
            lpg_reply_clear(&r);
        }
        lpg__request__free_unpacked(req, NULL);
        lpg_wire_msg_clear(&m);
        if (answer)
            return NULL;
    }
}

/*  Fresh CURVE keys for the stand-in and its client, and the event. */
static void
s_keys(s_service_t *s, uint8_t server_sec[32])
{
    memset(s, 0, sizeof *s);
    lpg__event__init(&s->ev);
    lpg__pii_reveal__init(&s->pr);
    s->pr.user = "U1";
    s->pr.reason = "a test";
    s->ev.body_case = LPG__EVENT__BODY_PII_REVEAL;
    s->ev.pii_reveal = &s->pr;
    char pub[41], sec[41], cpub[41], csec[41];
    assert_int_equal(lpg_curve_keypair(pub, sec), LPG_OK);
    assert_int_equal(lpg_curve_keypair(cpub, csec), LPG_OK);
    assert_int_equal(lpg_curve_decode(pub, s->server_pub), LPG_OK);
    assert_int_equal(lpg_curve_decode(sec, server_sec), LPG_OK);
    assert_int_equal(lpg_curve_decode(csec, s->client_sec), LPG_OK);
}

static void
s_start(s_service_t *s, Lpg__Status status, const char *token, int ignore)
{
    uint8_t server_sec[32];
    s_keys(s, server_sec);
    s->status = status;
    s->token = token;
    s->ignore = ignore;
    s->zctx = lpg_transport_context();
    assert_non_null(s->zctx);
    assert_int_equal(lpg_transport_server(&s->sock, s->zctx,
                                          "tcp://127.0.0.1:*", server_sec, -1,
                                          0),
                     LPG_OK);
    assert_int_equal(
        lpg_transport_last_endpoint(s->sock, s->endpoint, sizeof s->endpoint),
        LPG_OK);
    assert_int_equal(pthread_create(&s->thread, NULL, s_serve, s), 0);
}

static void
s_stop(s_service_t *s)
{
    pthread_join(s->thread, NULL);
    lpg_transport_close(&s->sock);
    lpg_transport_context_destroy(&s->zctx);
}

static void
s_forget(s_service_t *s)
{
    for (size_t i = 0; i < s->nseen; i++)
        free(s->seen[i]);
}

/*  Sends s->ev to the stand-in (attach, event_id, id_out as
 *  lpg_client_sign_submit takes them) and waits for the stand-in to end;
 *  returns what the call returned. */
static int
s_send(s_service_t *s, int timeout_ms, int retries, const uint8_t *attach,
       size_t attach_len, const uint8_t *event_id, uint8_t *id_out,
       Lpg__Reply **r)
{
    lpg_client_t *c = NULL;
    assert_int_equal(lpg_client_new(&c, s->endpoint, s->server_pub,
                                    s->client_sec, 65536, timeout_ms, retries),
                     LPG_OK);
    int rc = lpg_client_sign_submit(c, s_key, &s->ev, attach, attach_len,
                                    event_id, id_out, r);
    lpg_client_destroy(&c);
    s_stop(s);
    return rc;
}

/*  Decodes what the stand-in saw (i), checks its signature by s_key. */
static void
s_seen(const s_service_t *s, size_t i, lpg_event_t *out)
{
    assert_true(i < s->nseen);
    assert_int_equal(
        lpg_event_decode(out, s->seen[i], s->seen_len[i], NULL, 0), LPG_OK);
    assert_int_equal(
        lpg_verify(s_key, LPG_CTX_EVENT, out->signed_event->body.data,
                   out->signed_event->body.len, out->signed_event->sig.data),
        LPG_OK);
}

static void
test_fresh_id_and_now(void **state)
{
    (void)state;
    s_service_t s;
    s_start(&s, LPG__STATUS__STATUS_OK, "OK", 0);
    uint8_t id[LPG_EVENT_ID_LEN], zero[LPG_EVENT_ID_LEN] = {0};
    memset(id, 0, sizeof id);
    Lpg__Reply *r = NULL;
    assert_int_equal(s_send(&s, 5000, 0, NULL, 0, NULL, id, &r), LPG_OK);
    assert_non_null(r);
    assert_int_equal(r->status, LPG__STATUS__STATUS_OK);
    assert_int_equal(lpg_msg_exit(r), 0);
    assert_true(r->has_seq && r->seq == 7);
    lpg__reply__free_unpacked(r, NULL);
    /* ev back as it came */
    assert_int_equal(s.ev.event_id.len, 0);
    assert_null(s.ev.event_id.data);
    assert_true(s.ev.device_time_ms == 0);
    /* what went: signed, dated now, under the id handed back */
    assert_int_equal(s.nseen, 1);
    assert_false(s.has_person_key);
    lpg_event_t e;
    s_seen(&s, 0, &e);
    assert_true(e.event->device_time_ms == NOW_MS);
    assert_int_equal(e.event->event_id.len, LPG_EVENT_ID_LEN);
    assert_memory_equal(e.event->event_id.data, id, LPG_EVENT_ID_LEN);
    assert_memory_not_equal(id, zero, LPG_EVENT_ID_LEN);
    assert_string_equal(e.event->pii_reveal->user, "U1");
    lpg_event_clear(&e);
    s_forget(&s);
}

/*  Clients in the caller's context: each has its own connection, the
 *  context is not theirs to end, and none is made without one. */
static void
test_clients_in_one_context(void **state)
{
    (void)state;
    s_service_t s;
    s_start(&s, LPG__STATUS__STATUS_OK, "OK", 0);
    void *zctx = lpg_transport_context();
    assert_non_null(zctx);
    lpg_client_t *c = NULL, *idle = NULL;
    assert_int_equal(lpg_client_new_in(&c, NULL, s.endpoint, s.server_pub,
                                       s.client_sec, 65536, 5000, 0),
                     LPG_EINVAL);
    assert_null(c);
    assert_int_equal(lpg_client_new_in(&idle, zctx, s.endpoint, s.server_pub,
                                       s.client_sec, 65536, 5000, 0),
                     LPG_OK);
    assert_int_equal(lpg_client_new_in(&c, zctx, s.endpoint, s.server_pub,
                                       s.client_sec, 65536, 5000, 0),
                     LPG_OK);
    Lpg__Reply *r = NULL;
    assert_int_equal(
        lpg_client_sign_submit(c, s_key, &s.ev, NULL, 0, NULL, NULL, &r),
        LPG_OK);
    assert_non_null(r);
    assert_int_equal(r->status, LPG__STATUS__STATUS_OK);
    lpg__reply__free_unpacked(r, NULL);
    lpg_client_destroy(&c);
    lpg_client_destroy(&idle);
    s_stop(&s);
    assert_int_equal(s.nseen, 1);
    s_forget(&s);
    /* still the caller's: a socket can be made in it after the clients */
    void *sock = NULL;
    assert_int_equal(lpg_transport_client(&sock, zctx, "tcp://127.0.0.1:1",
                                          s.server_pub, s.client_sec),
                     LPG_OK);
    lpg_transport_close(&sock);
    lpg_transport_context_destroy(&zctx);
}

static void
test_chosen_id_time_and_attachment(void **state)
{
    (void)state;
    s_service_t s;
    s_start(&s, LPG__STATUS__STATUS_OK, "OK", 0);
    s.ev.device_time_ms = AT_MS; /* dated by the caller (--at) */
    uint8_t chosen[LPG_EVENT_ID_LEN], back[LPG_EVENT_ID_LEN];
    memset(chosen, 0xA5, sizeof chosen);
    memset(back, 0, sizeof back);
    uint8_t attach[32];
    memset(attach, 0x3C, sizeof attach);
    Lpg__Reply *r = NULL;
    assert_int_equal(
        s_send(&s, 5000, 0, attach, sizeof attach, chosen, back, &r), LPG_OK);
    lpg__reply__free_unpacked(r, NULL);
    assert_true(s.ev.device_time_ms == AT_MS);
    assert_int_equal(s.ev.event_id.len, 0);
    assert_memory_equal(back, chosen, sizeof chosen);
    assert_true(s.has_person_key);
    assert_memory_equal(s.person_key, attach, sizeof attach);
    lpg_event_t e;
    s_seen(&s, 0, &e);
    assert_true(e.event->device_time_ms == AT_MS);
    assert_memory_equal(e.event->event_id.data, chosen, sizeof chosen);
    lpg_event_clear(&e);
    s_forget(&s);
}

/*  A service that could not record (its disk full) answers UNAVAILABLE:
 *  the answer is handed back for the caller's exit status and advice. */
static void
test_unavailable_answer_handed_back(void **state)
{
    (void)state;
    s_service_t s;
    s_start(&s, LPG__STATUS__STATUS_UNAVAILABLE, lpg_errtoken(LPG_ENOSPC), 0);
    Lpg__Reply *r = NULL;
    assert_int_equal(s_send(&s, 5000, 0, NULL, 0, NULL, NULL, &r), LPG_OK);
    assert_non_null(r);
    assert_int_equal(r->status, LPG__STATUS__STATUS_UNAVAILABLE);
    assert_int_equal(lpg_msg_exit(r), 2);
    assert_non_null(lpg_msg_advice(r));
    assert_non_null(strstr(lpg_msg_advice(r), "nothing was recorded"));
    lpg__reply__free_unpacked(r, NULL);
    s_forget(&s);
}

/*  The first request goes unanswered: the retry carries the same signed
 *  bytes (same id, same time, same signature), so the service can answer
 *  it with its first answer and never record twice. */
static void
test_retry_resends_the_same_event(void **state)
{
    (void)state;
    s_service_t s;
    s_start(&s, LPG__STATUS__STATUS_OK, "OK", 1);
    Lpg__Reply *r = NULL;
    assert_int_equal(s_send(&s, 1000, 2, NULL, 0, NULL, NULL, &r), LPG_OK);
    assert_int_equal(lpg_msg_exit(r), 0);
    lpg__reply__free_unpacked(r, NULL);
    assert_int_equal(s.nseen, 2);
    assert_int_equal(s.seen_len[0], s.seen_len[1]);
    assert_memory_equal(s.seen[0], s.seen[1], s.seen_len[0]);
    s_forget(&s);
}

/*  Nobody listening: LPG_EUNAVAILABLE and no reply, after the retries. */
static void
test_no_service(void **state)
{
    (void)state;
    s_service_t s;
    uint8_t server_sec[32];
    s_keys(&s, server_sec);
    lpg_client_t *c = NULL;
    assert_int_equal(lpg_client_new(&c, "tcp://127.0.0.1:1", s.server_pub,
                                    s.client_sec, 65536, 100, 1),
                     LPG_OK);
    Lpg__Reply *r = (Lpg__Reply *)&r; /* anything: must become NULL */
    assert_int_equal(
        lpg_client_sign_submit(c, s_key, &s.ev, NULL, 0, NULL, NULL, &r),
        LPG_EUNAVAILABLE);
    assert_null(r);
    assert_int_equal(s.ev.event_id.len, 0);
    lpg_client_destroy(&c);
}

/*  The sign half alone (rows signed now, sent later many to a request):
 *  the same id, time and signature rules. */
static void
test_sign_alone(void **state)
{
    (void)state;
    s_service_t s;
    uint8_t server_sec[32];
    s_keys(&s, server_sec); /* only for its event */
    uint8_t *a = NULL, *b = NULL;
    size_t alen = 0, blen = 0;
    uint8_t ida[LPG_EVENT_ID_LEN], idb[LPG_EVENT_ID_LEN];
    assert_int_equal(lpg_client_sign(s_key, &s.ev, NULL, ida, &a, &alen),
                     LPG_OK);
    assert_int_equal(lpg_client_sign(s_key, &s.ev, NULL, idb, &b, &blen),
                     LPG_OK);
    assert_memory_not_equal(ida, idb, LPG_EVENT_ID_LEN); /* fresh each */
    lpg_event_t e;
    assert_int_equal(lpg_event_decode(&e, a, alen, NULL, 0), LPG_OK);
    assert_true(e.event->device_time_ms == NOW_MS);
    assert_memory_equal(e.event->event_id.data, ida, LPG_EVENT_ID_LEN);
    lpg_event_clear(&e);
    free(a);
    free(b);
}

static int
s_setup(void **state)
{
    (void)state;
    return lpg_key_generate(&s_key) == LPG_OK ? 0 : -1;
}

static int
s_teardown(void **state)
{
    (void)state;
    lpg_key_destroy(&s_key);
    return 0;
}

int
main(void)
{
    /* Read once per process, before any "now" is asked for. */
    setenv("LPG_NOW_MS", "1773540000000", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fresh_id_and_now),
        cmocka_unit_test(test_clients_in_one_context),
        cmocka_unit_test(test_chosen_id_time_and_attachment),
        cmocka_unit_test(test_unavailable_answer_handed_back),
        cmocka_unit_test(test_retry_resends_the_same_event),
        cmocka_unit_test(test_no_service),
        cmocka_unit_test(test_sign_alone),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
