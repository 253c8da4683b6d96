/*  service.c - see service.h.
 *
 *  Frames: a DEALER client sends [payload]; ROUTER adds [identity] in
 *  front. A REQ client sends [empty][payload] and gets [empty][reply]
 *  back. Anything else is answered INVALID (if it can be) and dropped.
 */
#include "service.h"
#include "crypto.h"
#include "error.h"
#include "event.h"
#include "log.h"
#include "state.h"
#include "transport.h"

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define S_MAX_RUNNING 8

struct lpg_service {
    lpg_service_opts_t o;
    char endpoint[256];
    void *zctx;
    lpg_zap_t *zap;
    void *sock;
    size_t max_msg;
    int64_t hard_max;
    size_t max_batch;
    volatile sig_atomic_t stop;
    uint64_t served;
};

static lpg_service_t *volatile s_running[S_MAX_RUNNING];

static uint64_t
s_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
s_on_signal(int sig)
{
    (void)sig;
    for (int i = 0; i < S_MAX_RUNNING; i++)
        if (s_running[i])
            s_running[i]->stop = 1;
}

void
lpg_service_handle_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = s_on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; /* no SA_RESTART: zmq_poll returns EINTR */
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

void
lpg_service_stop(lpg_service_t *s)
{
    s->stop = 1;
}

lpg_ledger_t *
lpg_service_ledger(lpg_service_t *s)
{
    return s->o.ledger;
}

const lpg_config_t *
lpg_service_config(lpg_service_t *s)
{
    return s->o.config;
}

/*  The enrolled, unrevoked device holding this transport key, or NULL. */
static bool
s_device_of_curve(lpg_ledger_t *l, const uint8_t curve[32],
                  uint8_t key_id[32])
{
    lpg_txn_t *t = NULL;
    if (lpg_ledger_read(l, &t) != LPG_OK)
        return false;
    const void *v;
    size_t vlen;
    bool ok = false;
    if (lpg_txn_get(t, LPG_TABLE_CURVE_KEYS, curve, 32, &v, &vlen) ==
            LPG_OK &&
        vlen == 32) {
        memcpy(key_id, v, 32);
        Lpg__DeviceState *dev = NULL;
        if (lpg_state_device(t, key_id, &dev) == LPG_OK) {
            ok = !dev->has_revoked_seq;
            lpg__device_state__free_unpacked(dev, NULL);
        }
    }
    lpg_txn_abort(&t);
    return ok;
}

static bool
s_zap_admit(void *arg, const uint8_t client_key[32], char user_id[65])
{
    lpg_service_t *s = arg;
    uint8_t key_id[32];
    if (!s_device_of_curve(s->o.ledger, client_key, key_id)) {
        char z[65];
        lpg_hex(client_key, 8, z);
        lpg_warn("refused a connection: transport key %s... is not an "
                 "enrolled, unrevoked device", z);
        return false;
    }
    lpg_hex(key_id, 32, user_id);
    return true;
}

int
lpg_service_load_key(const lpg_config_t *cfg, const char *name,
                     uint8_t secret[32])
{
    char rel[128], path[4096];
    snprintf(rel, sizeof rel, "keys/%s.curve", name);
    int rc = lpg_config_path(cfg, rel, path, sizeof path);
    if (rc == LPG_OK)
        rc = lpg_curve_load(path, secret);
    if (rc != LPG_OK)
        lpg_error("cannot load the service key %s: %s", path,
                  lpg_strerror(rc));
    return rc;
}

int
lpg_service_new(lpg_service_t **out, const lpg_service_opts_t *opts)
{
    *out = NULL;
    lpg_service_t *s = calloc(1, sizeof *s);
    if (!s)
        return LPG_ENOMEM;
    s->o = *opts;
    const lpg_config_t *cfg = opts->config;
    if (opts->endpoint)
        snprintf(s->endpoint, sizeof s->endpoint, "%s", opts->endpoint);
    else {
        char key[64];
        snprintf(key, sizeof key, "endpoint.%s", opts->name);
        const char *ep = lpg_config_get(cfg, key);
        if (!ep) {
            lpg_error("no endpoint configured for %s (%s)", opts->name, key);
            free(s);
            return LPG_ECONFIG;
        }
        snprintf(s->endpoint, sizeof s->endpoint, "%s", ep);
    }
    s->max_msg = (size_t)lpg_config_get_int(cfg, "limit.message_bytes",
                                            65536);
    s->hard_max = lpg_config_get_int(cfg, "limit.hard_message_bytes",
                                     1048576);
    s->max_batch = (size_t)lpg_config_get_int(cfg, "limit.batch", 256);
    if (s->max_batch < 1 || s->max_batch > 4096)
        s->max_batch = 256;
    if ((int64_t)s->max_msg >= s->hard_max) {
        lpg_error("limit.message_bytes must be below "
                  "limit.hard_message_bytes");
        free(s);
        return LPG_ECONFIG;
    }
    s->zctx = lpg_transport_context();
    int rc = s->zctx ? LPG_OK : LPG_EUNAVAILABLE;
    if (rc == LPG_OK)
        rc = lpg_zap_start(&s->zap, s->zctx, s_zap_admit, s);
    if (rc == LPG_OK)
        rc = lpg_transport_server(&s->sock, s->zctx, s->endpoint,
                                  opts->curve_secret, s->hard_max);
    if (rc != LPG_OK) {
        lpg_service_destroy(&s);
        return rc;
    }
    lpg_info("%s: serving on %s (limits: message %zu bytes, hard cap %lld, "
             "batch %zu)",
             opts->name, s->endpoint, s->max_msg, (long long)s->hard_max,
             s->max_batch);
    *out = s;
    return LPG_OK;
}

void
lpg_service_destroy(lpg_service_t **p)
{
    if (!p || !*p)
        return;
    lpg_service_t *s = *p;
    for (int i = 0; i < S_MAX_RUNNING; i++)
        if (s_running[i] == s)
            s_running[i] = NULL;
    lpg_transport_close(&s->sock);
    lpg_zap_stop(&s->zap);
    lpg_transport_context_destroy(&s->zctx);
    memset(s->o.curve_secret, 0, sizeof s->o.curve_secret);
    free(s);
    *p = NULL;
}

/* --------------------------------------------------------------- loop */

typedef struct {
    lpg_wire_msg_t m;
    size_t payload;  /* index of the payload frame */
    Lpg__Request *req;
    lpg_sender_t sender;
    Lpg__DeviceState *device;
    lpg_reply_t reply;
    bool answered;   /* reply is final */
    bool droppable;  /* cannot be answered: no identity frame */
} s_pending_t;

static const char *
s_body_name(const Lpg__Request *req)
{
    switch (req->body_case) {
    case LPG__REQUEST__BODY_SUBMIT:
        return "submit";
    case LPG__REQUEST__BODY_SUBMIT_MANY:
        return "submit_many";
    case LPG__REQUEST__BODY_GET_CYLINDER:
        return "get_cylinder";
    case LPG__REQUEST__BODY_PING:
        return "ping";
    case LPG__REQUEST__BODY__NOT_SET:
    default:
        return "none";
    }
}

static void
s_answer(s_pending_t *p, Lpg__Status status, const char *token,
         const char *message)
{
    lpg_reply_set(&p->reply, status, token, message);
    p->answered = true;
}

/*  Frames, size, decoding, version, sender. Leaves p->answered false for
 *  a request that passed, to be handled. */
static void
s_check(lpg_service_t *s, s_pending_t *p)
{
    lpg_wire_msg_t *m = &p->m;
    lpg_reply_init(&p->reply, NULL, 0);
    if (m->n < 2) {
        p->droppable = true;
        p->answered = true;
        return;
    }
    char why[256];
    if (m->too_many_frames || m->n > 3 ||
        (m->n == 3 && m->frames[1].len != 0)) {
        s_answer(p, LPG__STATUS__STATUS_INVALID, "EFRAMES",
                 "expected one payload frame (DEALER) or an empty "
                 "delimiter and one payload frame (REQ)");
        p->payload = m->n - 1;
        return;
    }
    p->payload = m->n - 1;
    const lpg_frame_t *f = &m->frames[p->payload];
    if (f->len > s->max_msg) {
        snprintf(why, sizeof why, "message of %zu bytes is over the limit "
                 "of %zu bytes (limit.message_bytes)", f->len, s->max_msg);
        s_answer(p, LPG__STATUS__STATUS_INVALID, "ETOOBIG", why);
        return;
    }
    if (lpg_msg_decode_request(&p->req, f->data, f->len, why, sizeof why) !=
        LPG_OK) {
        s_answer(p, LPG__STATUS__STATUS_INVALID, "EMALFORMED", why);
        return;
    }
    lpg_reply_init(&p->reply, p->req->request_id.data,
                   p->req->request_id.len);
    if (p->req->version != LPG_PROTOCOL_VERSION) {
        snprintf(why, sizeof why, "protocol version %u is not supported "
                 "(this service speaks %d)", p->req->version,
                 LPG_PROTOCOL_VERSION);
        s_answer(p, LPG__STATUS__STATUS_INVALID, "EVERSION", why);
        return;
    }
    /* The sender, checked again on every request: a device revoked
     * while connected is refused from its next request on. */
    uint8_t kid[32];
    size_t got = 0;
    bool known = strlen(m->user_id) == 64;
    for (size_t i = 0; known && i < 32; i++) {
        unsigned v;
        if (sscanf(m->user_id + 2 * i, "%2x", &v) != 1)
            known = false;
        kid[i] = (uint8_t)v;
        got++;
    }
    lpg_txn_t *t = NULL;
    int rc = known && got == 32 ? lpg_ledger_read(s->o.ledger, &t)
                                : LPG_ENOTFOUND;
    if (rc == LPG_OK)
        rc = lpg_state_device(t, kid, &p->device);
    lpg_txn_abort(&t);
    if (rc != LPG_OK || !p->device) {
        s_answer(p, LPG__STATUS__STATUS_UNAUTHORIZED, "EUNKNOWNKEY",
                 "this device is not enrolled");
        return;
    }
    if (p->device->has_revoked_seq) {
        s_answer(p, LPG__STATUS__STATUS_UNAUTHORIZED, "EREVOKED",
                 "this device's key has been revoked");
        return;
    }
    memcpy(p->sender.key_id, kid, 32);
    p->sender.device = p->device;
}

/*  The answer to one recorded event (or a retry of one): its stored
 *  outcome, DENY reasons included. */
typedef struct {
    Lpg__Status status;
    const char *token;
    const char *message;
} s_result_t;

static Lpg__LedgerEntry *
s_entry(lpg_txn_t *t, uint64_t seq)
{
    const uint8_t *data;
    size_t len;
    if (!t || lpg_txn_entry(t, seq, &data, &len) != LPG_OK)
        return NULL;
    return lpg__ledger_entry__unpack(NULL, len, data);
}

static s_result_t
s_result_of(const Lpg__Outcome *o, bool duplicate)
{
    s_result_t r = {LPG__STATUS__STATUS_OK, "OK",
                    duplicate ? "already recorded" : "recorded"};
    if (o && o->status == LPG__STATUS__STATUS_DENIED) {
        r.status = LPG__STATUS__STATUS_DENIED;
        r.token = "DENIED";
        r.message = o->message ? o->message : "refused";
    } else if (o && o->status != LPG__STATUS__STATUS_OK) {
        r.status = o->status;
        r.token = o->token ? o->token : "ERROR";
        r.message = o->message ? o->message : "refused";
    }
    return r;
}

static void
s_reply_from_entry(lpg_service_t *s, s_pending_t *p, lpg_txn_t *t,
                   const lpg_append_out_t *out)
{
    Lpg__LedgerEntry *e = s_entry(t, out->seq);
    p->reply.reply.has_seq = 1;
    p->reply.reply.seq = out->seq;
    p->reply.reply.has_duplicate = 1;
    p->reply.reply.duplicate = out->duplicate;
    const Lpg__Outcome *o = e ? e->outcome : NULL;
    s_result_t r = s_result_of(o, out->duplicate);
    lpg_reply_set(&p->reply, r.status, r.token, r.message);
    /* DENY reasons, or warnings on an OK (e.g. short weight). */
    for (size_t i = 0; o && i < o->n_reasons; i++)
        lpg_reply_reason(&p->reply, o->reasons[i]->token, o->reasons[i]->zh,
                         o->reasons[i]->en);
    if (o && o->fill) {
        p->reply.fill = *o->fill;
        p->reply.fill.base.descriptor = &lpg__fill_result__descriptor;
        p->reply.reply.fill = &p->reply.fill;
    }
    if (e && s->o.submitted)
        s->o.submitted(s->o.ctx, t, out->seq, e, &p->reply);
    if (e)
        lpg__ledger_entry__free_unpacked(e, NULL);
    p->answered = true;
}

static void
s_result_from_entry(s_pending_t *p, size_t k, lpg_txn_t *t,
                    const lpg_append_out_t *out)
{
    lpg_reply_t *rep = &p->reply;
    if (out->status != LPG_OK) {
        lpg_reply_result_set(rep, k, lpg_msg_status(out->status),
                             lpg_errtoken(out->status), out->why);
        return;
    }
    Lpg__LedgerEntry *e = s_entry(t, out->seq);
    const Lpg__Outcome *o = e ? e->outcome : NULL;
    s_result_t r = s_result_of(o, out->duplicate);
    lpg_reply_result_set(rep, k, r.status, r.token, r.message);
    rep->results[k].has_seq = 1;
    rep->results[k].seq = out->seq;
    rep->results[k].has_duplicate = 1;
    rep->results[k].duplicate = out->duplicate;
    for (size_t i = 0; o && i < o->n_reasons; i++)
        lpg_reply_result_reason(rep, k, o->reasons[i]->token,
                                o->reasons[i]->zh, o->reasons[i]->en);
    if (e)
        lpg__ledger_entry__free_unpacked(e, NULL);
}

/*  Every submitted event of the drained requests, in arrival order, in
 *  one append (one transaction, one synced commit). */
static void
s_commit_submits(lpg_service_t *s, s_pending_t *pend, size_t n)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        const Lpg__Request *req = pend[i].req;
        if (pend[i].answered || !req)
            continue;
        if (req->body_case == LPG__REQUEST__BODY_SUBMIT)
            total++;
        else if (req->body_case == LPG__REQUEST__BODY_SUBMIT_MANY) {
            size_t m = req->submit_many->n_signed_events;
            if (m == 0 || m > s->max_batch) {
                char why[128];
                snprintf(why, sizeof why, "a SubmitMany holds 1 to %zu "
                         "events (limit.batch), not %zu", s->max_batch, m);
                s_answer(&pend[i], LPG__STATUS__STATUS_INVALID, "EBATCH",
                         why);
                continue;
            }
            if (lpg_reply_results(&pend[i].reply, m) != LPG_OK) {
                s_answer(&pend[i], LPG__STATUS__STATUS_UNAVAILABLE,
                         "ENOMEM", "out of memory: retry");
                continue;
            }
            total += m;
        }
    }
    if (total == 0)
        return;
    lpg_append_in_t *in = calloc(total, sizeof *in);
    lpg_append_out_t *out = calloc(total, sizeof *out);
    size_t *which = calloc(total, sizeof *which);
    size_t *slot = calloc(total, sizeof *slot);
    if (!in || !out || !which || !slot) {
        for (size_t i = 0; i < n; i++)
            if (!pend[i].answered)
                s_answer(&pend[i], LPG__STATUS__STATUS_UNAVAILABLE,
                         "ENOMEM", "out of memory: retry");
        goto cleanup;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const Lpg__Request *req = pend[i].req;
        if (pend[i].answered || !req)
            continue;
        if (req->body_case == LPG__REQUEST__BODY_SUBMIT) {
            in[k].data = req->submit->signed_event.data;
            in[k].len = req->submit->signed_event.len;
            if (req->submit->has_person_key) {
                in[k].attach = req->submit->person_key.data;
                in[k].attach_len = req->submit->person_key.len;
            }
            which[k] = i;
            slot[k++] = SIZE_MAX;
        } else if (req->body_case == LPG__REQUEST__BODY_SUBMIT_MANY) {
            const Lpg__SubmitMany *sm = req->submit_many;
            for (size_t j = 0; j < sm->n_signed_events; j++) {
                in[k].data = sm->signed_events[j].data;
                in[k].len = sm->signed_events[j].len;
                if (j < sm->n_person_keys && sm->person_keys[j].len) {
                    in[k].attach = sm->person_keys[j].data;
                    in[k].attach_len = sm->person_keys[j].len;
                }
                which[k] = i;
                slot[k++] = j;
            }
        }
    }
    int rc = lpg_ledger_append(s->o.ledger, s->o.name, in, total,
                               s->o.rules, s->o.ctx, out);
    lpg_txn_t *t = NULL;
    if (rc == LPG_OK)
        rc = lpg_ledger_read(s->o.ledger, &t);
    for (size_t j = 0; j < total; j++) {
        s_pending_t *p = &pend[which[j]];
        if (slot[j] != SIZE_MAX) {
            if (rc != LPG_OK)
                lpg_reply_result_set(&p->reply, slot[j], lpg_msg_status(rc),
                                     lpg_errtoken(rc),
                                     "the ledger could not record it: retry");
            else
                s_result_from_entry(p, slot[j], t, &out[j]);
            if (slot[j] + 1 == p->req->submit_many->n_signed_events) {
                char msg[64];
                snprintf(msg, sizeof msg, "%zu events answered",
                         slot[j] + 1);
                s_answer(p, rc == LPG_OK ? LPG__STATUS__STATUS_OK
                                         : lpg_msg_status(rc),
                         rc == LPG_OK ? "OK" : lpg_errtoken(rc), msg);
            }
        } else if (rc != LPG_OK)
            s_answer(p, lpg_msg_status(rc), lpg_errtoken(rc),
                     "the ledger could not record it: retry");
        else if (out[j].status != LPG_OK)
            s_answer(p, lpg_msg_status(out[j].status),
                     lpg_errtoken(out[j].status), out[j].why);
        else
            s_reply_from_entry(s, p, t, &out[j]);
    }
    lpg_txn_abort(&t);
cleanup:
    free(in);
    free(out);
    free(which);
    free(slot);
}

static void
s_handle(lpg_service_t *s, s_pending_t *p)
{
    if (p->answered)
        return;
    switch (p->req->body_case) {
    case LPG__REQUEST__BODY_PING:
        s_answer(p, LPG__STATUS__STATUS_OK, "OK", "pong");
        return;
    case LPG__REQUEST__BODY_SUBMIT:
    case LPG__REQUEST__BODY_SUBMIT_MANY:
        return; /* in the batch */
    case LPG__REQUEST__BODY_GET_CYLINDER:
    case LPG__REQUEST__BODY__NOT_SET:
    default:
        break;
    }
    if (!s->o.query) {
        s_answer(p, LPG__STATUS__STATUS_INVALID, "EUNSUPPORTED",
                 "this service does not answer that request");
        return;
    }
    int rc = s->o.query(s->o.ctx, s, p->req, &p->sender, &p->reply);
    if (rc != LPG_OK)
        s_answer(p, lpg_msg_status(rc), lpg_errtoken(rc), lpg_strerror(rc));
    p->answered = true;
}

static void
s_send_reply(lpg_service_t *s, s_pending_t *p)
{
    if (p->droppable)
        return;
    uint8_t *data = NULL;
    size_t len = 0;
    if (lpg_reply_pack(&p->reply, &data, &len) != LPG_OK)
        return;
    lpg_frame_t frames[3];
    size_t n = 0;
    frames[n++] = p->m.frames[0]; /* identity */
    if (p->m.n == 3 && p->m.frames[1].len == 0)
        frames[n++] = (lpg_frame_t){(uint8_t *)"", 0};
    frames[n++] = (lpg_frame_t){data, len};
    lpg_transport_send(s->sock, frames, n);
    free(data);
}

static void
s_log(lpg_service_t *s, const s_pending_t *p)
{
    if (p->droppable) {
        lpg_warn("%s: dropped a message without an identity frame",
                 s->o.name);
        return;
    }
    const Lpg__Reply *r = &p->reply.reply;
    char who[17] = "?";
    if (p->device)
        lpg_hex(p->sender.key_id, 8, who);
    char reasons[256] = "";
    size_t used = 0;
    for (size_t i = 0; i < r->n_reasons && used < sizeof reasons - 2; i++) {
        int w = snprintf(reasons + used, sizeof reasons - used, "%s%s",
                         i ? "," : " [", r->reasons[i]->token);
        if (w < 0)
            break;
        used += (size_t)w;
    }
    if (used && used < sizeof reasons - 1)
        snprintf(reasons + used, sizeof reasons - used, "]");
    char seq[32] = "";
    if (r->has_seq)
        snprintf(seq, sizeof seq, " seq %llu%s", (unsigned long long)r->seq,
                 r->duplicate ? " (retry)" : "");
    lpg_log(r->status == LPG__STATUS__STATUS_OK ? LPG_LOG_INFO
                                                : LPG_LOG_WARN,
            "%s: device %s %s -> %s %s%s%s: %s", s->o.name, who,
            p->req ? s_body_name(p->req) : "?",
            lpg_msg_status_name(r->status), r->token, reasons, seq,
            r->message);
}

int
lpg_service_run(lpg_service_t *s)
{
    for (int i = 0; i < S_MAX_RUNNING; i++)
        if (!s_running[i]) {
            s_running[i] = s;
            break;
        }
    s_pending_t *pend = calloc(s->max_batch, sizeof *pend);
    if (!pend)
        return LPG_ENOMEM;
    uint64_t next_tick = s_mono_ms() + s->o.tick_ms;
    uint64_t next_readers = s_mono_ms() + 30000;
    while (!s->stop) {
        int wait = 1000;
        if (s->o.tick_ms) {
            uint64_t now = s_mono_ms();
            wait = next_tick > now ? (int)(next_tick - now) : 0;
            if (wait > 1000)
                wait = 1000;
        }
        size_t n = 0;
        int rc = lpg_transport_recv(s->sock, &pend[0].m, wait);
        if (rc == LPG_OK) {
            n = 1;
            while (n < s->max_batch &&
                   lpg_transport_recv(s->sock, &pend[n].m, 0) == LPG_OK)
                n++;
        } else if (rc != LPG_ETIMEOUT) {
            lpg_error("%s: receive failed: %s", s->o.name, lpg_strerror(rc));
        }
        for (size_t i = 0; i < n; i++) {
            s_check(s, &pend[i]);
            s_handle(s, &pend[i]);
        }
        if (n)
            s_commit_submits(s, pend, n);
        for (size_t i = 0; i < n; i++) {
            s_send_reply(s, &pend[i]);
            s_log(s, &pend[i]);
            if (pend[i].req)
                lpg__request__free_unpacked(pend[i].req, NULL);
            if (pend[i].device)
                lpg__device_state__free_unpacked(pend[i].device, NULL);
            lpg_reply_clear(&pend[i].reply);
            lpg_wire_msg_clear(&pend[i].m);
            memset(&pend[i], 0, sizeof pend[i]);
        }
        s->served += n;
        uint64_t now = s_mono_ms();
        if (s->o.tick && s->o.tick_ms && now >= next_tick) {
            s->o.tick(s->o.ctx, s);
            next_tick = now + s->o.tick_ms;
        }
        if (now >= next_readers) {
            lpg_ledger_reader_check(s->o.ledger);
            next_readers = now + 30000;
        }
    }
    free(pend);
    lpg_info("%s: stopped after %llu requests", s->o.name,
             (unsigned long long)s->served);
    return LPG_OK;
}

int
lpg_service_main(int argc, char **argv, lpg_service_opts_t *opts)
{
    const char *home = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--home") == 0 && i + 1 < argc)
            home = argv[++i];
        else if (strcmp(argv[i], "--endpoint") == 0 && i + 1 < argc)
            opts->endpoint = argv[++i];
        else {
            fprintf(stderr, "usage: %s [--home DIR] [--endpoint EP]\n",
                    argv[0]);
            return 2;
        }
    }
    lpg_log_set_component(opts->name);
    lpg_config_t *cfg = NULL;
    char why[512] = "";
    int rc = lpg_config_load(&cfg, home, why, sizeof why);
    if (rc != LPG_OK) {
        lpg_error("configuration: %s", *why ? why : lpg_strerror(rc));
        return 2;
    }
    char path[4096];
    lpg_config_path(cfg, "ledger", path, sizeof path);
    lpg_ledger_t *l = NULL;
    uint64_t gib = (uint64_t)lpg_config_get_int(cfg, "ledger.map_size_gib",
                                                1024);
    rc = lpg_ledger_open(&l, path, 0, gib << 30);
    if (rc == LPG_OK)
        rc = lpg_service_load_key(cfg, opts->name, opts->curve_secret);
    lpg_service_t *s = NULL;
    if (rc == LPG_OK) {
        opts->ledger = l;
        opts->config = cfg;
        lpg_service_handle_signals();
        rc = lpg_service_new(&s, opts);
    }
    if (rc == LPG_OK)
        rc = lpg_service_run(s);
    lpg_service_destroy(&s);
    lpg_ledger_close(&l);
    lpg_config_destroy(&cfg);
    memset(opts->curve_secret, 0, sizeof opts->curve_secret);
    return rc == LPG_OK ? 0 : 1;
}
