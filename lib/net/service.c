/*  service.c - see service.h.
 *
 *  Frames: a DEALER client sends [payload]; ROUTER adds [identity] in
 *  front. A REQ client sends [empty][payload] and gets [empty][reply]
 *  back. Anything else is answered INVALID (if it can be) and dropped.
 */
#include "net/service.h"
#include "crypto/crypto.h"
#include "base/error.h"
#include "ledger/event.h"
#include "base/log.h"
#include "domain/state.h"
#include "net/transport.h"
#include "base/clock.h"
#include "domain/kind.h"
#include "net/metrics.h"
#include "base/count.h"

#include <malloc.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define S_MAX_RUNNING 8
#define S_BIG_REPLY (256 * 1024) /* from here, a reply is large */

struct lpg_service {
    lpg_service_opts_t o;
    char endpoint[256];
    void *zctx;
    lpg_zap_t *zap;
    void *sock;
    size_t max_msg;
    int64_t hard_max;
    size_t max_batch;
    /* Units go to the committer, which holds a transaction answered from
     * the journal open for the next (LPG_COMMIT_HOLD): no lone unit is
     * committed by the receiving thread, which would wait for LMDB's
     * commit before it took the scanner's next step. */
    bool hold;
    lpg_clock_bounds_t bounds; /* time.max_skew_s, time.max_late_s */
    int send_queue;            /* replies waiting for one client, at most */
    size_t unit_bytes;         /* answers held in one unit, about */
    bool trim; /* large replies went out: give memory back when idle */
    volatile sig_atomic_t stop;
    uint64_t served;
    lpg_metrics_t *metrics; /* NULL: no metrics port */
};

static lpg_service_t *volatile s_running[S_MAX_RUNNING];
/*  Set by a signal that arrived before any service was running. */
static volatile sig_atomic_t s_stop_all;

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
    s_stop_all = 1;
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

/*  The enrolled, unrevoked device holding this transport key: LPG_OK,
 *  LPG_EPERM if there is none (or it is revoked), or the error that kept
 *  the ledger from answering. */
static int
s_device_of_curve(lpg_ledger_t *l, const uint8_t curve[32], uint8_t key_id[32])
{
    lpg_txn_t *t = NULL;
    int rc = lpg_ledger_read(l, &t);
    if (rc != LPG_OK)
        return rc;
    const void *v;
    size_t vlen;
    rc = lpg_txn_get(t, LPG_TABLE_CURVE_KEYS, curve, 32, &v, &vlen);
    if (rc == LPG_OK && vlen != 32)
        rc = LPG_ECORRUPT;
    Lpg__DeviceState *dev = NULL;
    if (rc == LPG_OK) {
        memcpy(key_id, v, 32);
        rc = lpg_state_device(t, key_id, &dev);
    }
    if (rc == LPG_OK && dev->has_revoked_seq)
        rc = LPG_EPERM;
    if (dev)
        lpg__device_state__free_unpacked(dev, NULL);
    lpg_txn_abort(&t);
    return rc == LPG_ENOTFOUND ? LPG_EPERM : rc;
}

static int
s_zap_admit(void *arg, const uint8_t client_key[32], char user_id[65])
{
    lpg_service_t *s = arg;
    uint8_t key_id[32];
    char z[65];
    lpg_hex(client_key, 8, z);
    int rc = s_device_of_curve(s->o.ledger, client_key, key_id);
    if (rc == LPG_EPERM)
        lpg_warn("refused a connection: transport key %s... is not an "
                 "enrolled, unrevoked device",
                 z);
    else if (rc != LPG_OK)
        lpg_error("%s: cannot check the transport key %s... of a "
                  "connecting client: the ledger failed (%s); told it to "
                  "try again",
                  s->o.name, z, lpg_strerror(rc));
    else
        lpg_hex(key_id, 32, user_id);
    return rc;
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

/*  How many replies may wait for one client: limit.send_queue_bytes over
 *  the largest reply, and at least two (a client that reads has one
 *  request out at a time). Answers built but not yet sent are bounded by
 *  it too (unit_bytes). */
static int
s_send_queue(lpg_service_t *s, const lpg_config_t *cfg)
{
    int64_t bytes = lpg_config_get_int(cfg, "limit.send_queue_bytes", -1);
    if (bytes < 65536) {
        lpg_error("limit.send_queue_bytes = '%s' must be a number of bytes, "
                  "at least 65536",
                  lpg_config_get(cfg, "limit.send_queue_bytes"));
        return LPG_ECONFIG;
    }
    size_t reply = s->o.reply_max ? s->o.reply_max : s->max_msg;
    int64_t n = bytes / (int64_t)(reply ? reply : 1);
    s->send_queue = n < 2 ? 2 : n > 100000 ? 100000 : (int)n;
    /* Up to four units wait for the committer, a fifth is filling. */
    s->unit_bytes = (size_t)bytes / 8;
    return LPG_OK;
}

/*  A service whose replies are large hands them back to the system as
 *  soon as they are freed (glibc would otherwise keep them in its heap,
 *  and the process stays as large as its busiest moment). */
static void
s_large_replies(const lpg_service_t *s)
{
#ifdef __GLIBC__
    if (s->o.reply_max >= S_BIG_REPLY)
        mallopt(M_MMAP_THRESHOLD, S_BIG_REPLY / 2);
#else
    (void)s;
#endif
}

/*  Hands the heap's free pages back to the system (glibc keeps them). */
static void
s_give_back(void)
{
#ifdef __GLIBC__
    malloc_trim(0);
#endif
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
    s->max_msg = (size_t)lpg_config_get_int(cfg, "limit.message_bytes", 65536);
    s->hard_max = lpg_config_get_int(cfg, "limit.hard_message_bytes", 1048576);
    s->hold = lpg_ledger_journaled(opts->ledger);
    s->max_batch = (size_t)lpg_config_get_int(cfg, "limit.batch", 256);
    if (s->max_batch < 1 || s->max_batch > 4096)
        s->max_batch = 256;
    if ((int64_t)s->max_msg >= s->hard_max) {
        lpg_error("limit.message_bytes must be below "
                  "limit.hard_message_bytes");
        free(s);
        return LPG_ECONFIG;
    }
    char why[128];
    int rc = lpg_clock_bounds_from_config(&s->bounds, cfg, why, sizeof why);
    if (rc != LPG_OK) {
        lpg_error("%s", why);
        free(s);
        return rc;
    }
    rc = s_send_queue(s, cfg);
    if (rc != LPG_OK) {
        free(s);
        return rc;
    }
    s_large_replies(s);
    s->zctx = lpg_transport_context();
    rc = s->zctx ? LPG_OK : LPG_EUNAVAILABLE;
    if (rc == LPG_OK)
        rc = lpg_zap_start(&s->zap, s->zctx, s_zap_admit, s);
    if (rc == LPG_OK)
        rc = lpg_transport_server(&s->sock, s->zctx, s->endpoint,
                                  opts->curve_secret, s->hard_max,
                                  s->send_queue);
    if (rc == LPG_OK)
        rc = lpg_metrics_start(&s->metrics, cfg, opts->name, opts->ledger);
    if (rc != LPG_OK) {
        lpg_service_destroy(&s);
        return rc;
    }
    lpg_info("%s: serving on %s (limits: message %zu bytes, hard cap %lld, "
             "batch %zu, %d replies queued per client)",
             opts->name, s->endpoint, s->max_msg, (long long)s->hard_max,
             s->max_batch, s->send_queue);
    *out = s;
    return LPG_OK;
}

void
lpg_service_destroy(lpg_service_t **p)
{
    if (!p || !*p)
        return;
    lpg_service_t *s = *p;
    lpg_metrics_destroy(&s->metrics);
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
    size_t payload; /* index of the payload frame */
    Lpg__Request *req;
    lpg_sender_t sender;
    Lpg__DeviceState *device;
    lpg_reply_t reply;
    bool answered;     /* reply is final */
    bool droppable;    /* cannot be answered: no identity frame */
    bool sender_later; /* a submit: sender checked with its unit's keys */
    size_t last_slot;  /* SubmitMany: its last event in the batch */
    uint64_t t0;       /* received (lpg_metrics_now_ns) */
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
    case LPG__REQUEST__BODY_GET_COMPANY:
        return "get_company";
    case LPG__REQUEST__BODY_GET_USER:
        return "get_user";
    case LPG__REQUEST__BODY_GET_TRACE:
        return "get_trace";
    case LPG__REQUEST__BODY_GET_RANGE:
        return "get_range";
    case LPG__REQUEST__BODY_GET_CONSISTENCY:
        return "get_consistency";
    case LPG__REQUEST__BODY_GET_CHECKPOINT:
        return "get_checkpoint";
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

/*  Answers with the error err (its status and token, net/msg.h). */
static void
s_refuse(s_pending_t *p, int err, const char *message)
{
    lpg_reply_error(&p->reply, err, message);
    p->answered = true;
}

static void s_sender(lpg_service_t *s, s_pending_t *p, lpg_txn_t *t, int rc);

static int
s_nibble(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/*  The device key id the ZAP handler put in the connection's user id
 *  (64 hex digits): true if it is one. */
static bool
s_key_id_of(const char *user_id, uint8_t kid[32])
{
    if (strlen(user_id) != 64)
        return false;
    for (size_t i = 0; i < 32; i++) {
        int hi = s_nibble(user_id[2 * i]), lo = s_nibble(user_id[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        kid[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
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
        s_refuse(p, LPG_EFRAMES, NULL);
        p->payload = m->n - 1;
        return;
    }
    p->payload = m->n - 1;
    const lpg_frame_t *f = &m->frames[p->payload];
    if (f->len > s->max_msg) {
        snprintf(why, sizeof why,
                 "message of %zu bytes is over the limit "
                 "of %zu bytes (limit.message_bytes)",
                 f->len, s->max_msg);
        s_refuse(p, LPG_ETOOBIG, why);
        return;
    }
    int drc =
        lpg_msg_decode_request(&p->req, f->data, f->len, why, sizeof why);
    if (drc != LPG_OK) {
        s_refuse(p, drc, why);
        return;
    }
    lpg_reply_init(&p->reply, p->req->request_id.data, p->req->request_id.len);
    if (p->req->version != LPG_PROTOCOL_VERSION) {
        snprintf(why, sizeof why,
                 "protocol version %u is not supported "
                 "(this service speaks %d)",
                 p->req->version, LPG_PROTOCOL_VERSION);
        s_refuse(p, LPG_EVERSION, why);
        return;
    }
    /* The sender, checked again on every request: a device revoked
     * while connected is refused from its next request on. */
    uint8_t kid[32];
    if (!s_key_id_of(m->user_id, kid)) {
        s_refuse(p, LPG_EUNKNOWNKEY, "this device is not enrolled");
        return;
    }
    memcpy(p->sender.key_id, kid, 32);
    /* A submit's sender is checked in the read transaction that prepares
     * its unit's events (s_prepare_unit); any other request's now. */
    if (p->req->body_case == LPG__REQUEST__BODY_SUBMIT ||
        p->req->body_case == LPG__REQUEST__BODY_SUBMIT_MANY) {
        p->sender_later = true;
        return;
    }
    lpg_txn_t *t = NULL;
    int rc = lpg_ledger_read(s->o.ledger, &t);
    s_sender(s, p, t, rc);
    lpg_txn_abort(&t);
}

/*  The sender, checked again on every request: a device revoked while
 *  connected is refused from its next request on. t: a read transaction
 *  (NULL when opening it failed with rc). */
static void
s_sender(lpg_service_t *s, s_pending_t *p, lpg_txn_t *t, int rc)
{
    if (rc == LPG_OK)
        rc = lpg_state_device(t, p->sender.key_id, &p->device);
    if (rc != LPG_OK && rc != LPG_ENOTFOUND) {
        /* The service failed, not the device: say so, and log it. */
        lpg_error("%s: cannot check the sender of a request: the ledger "
                  "failed (%s)",
                  s->o.name, lpg_strerror(rc));
        s_answer(p, lpg_msg_status(rc), lpg_errtoken(rc),
                 "the service could not read the ledger: retry");
        return;
    }
    if (rc != LPG_OK || !p->device) {
        s_refuse(p, LPG_EUNKNOWNKEY, "this device is not enrolled");
        return;
    }
    if (p->device->has_revoked_seq) {
        s_refuse(p, LPG_EREVOKED, "this device's key has been revoked");
        return;
    }
    p->sender.device = p->device;
}

/*  The answer to one recorded event (or a retry of one): its outcome,
 *  DENY reasons included. */
typedef struct {
    Lpg__Status status;
    const char *token;
    const char *message;
} s_result_t;

/*  The read transaction the replies of a commit share, opened only when
 *  one needs it: a retry's stored entry, or a hook's state. */
struct lpg_reader {
    lpg_ledger_t *ledger;
    lpg_txn_t *txn;
    bool tried;
};

static lpg_txn_t *
s_reader_txn(lpg_reader_t *r)
{
    if (!r)
        return NULL;
    if (!r->tried && r->ledger &&
        lpg_ledger_read(r->ledger, &r->txn) != LPG_OK)
        r->txn = NULL; /* recorded all the same: answers without details */
    r->tried = true;
    return r->txn;
}

lpg_txn_t *
lpg_submitted_txn(const lpg_submitted_t *sub)
{
    return sub->reader ? s_reader_txn(sub->reader) : NULL;
}

static Lpg__LedgerEntry *
s_entry(lpg_txn_t *t, uint64_t seq)
{
    const uint8_t *data;
    size_t len;
    if (!t || lpg_txn_entry(t, seq, &data, &len) != LPG_OK)
        return NULL;
    lpg_count(LPG_COUNT_ENTRY_DECODE);
    return lpg__ledger_entry__unpack(NULL, len, data);
}

/*  The outcome of event i of batch b: the one its rules built, carried;
 *  for a retry, the stored entry's (read into *entry, caller frees). */
static const Lpg__Outcome *
s_outcome(const lpg_batch_t *b, size_t i, lpg_reader_t *rd,
          const lpg_append_out_t *out, Lpg__LedgerEntry **entry)
{
    *entry = NULL;
    const Lpg__Outcome *o = b ? lpg_batch_outcome(b, i) : NULL;
    if (o)
        return o;
    *entry = s_entry(s_reader_txn(rd), out->seq);
    return *entry ? (*entry)->outcome : NULL;
}

static s_result_t
s_result_of(const Lpg__Outcome *o, bool duplicate)
{
    s_result_t r = {LPG__STATUS__STATUS_OK, "OK",
                    duplicate ? "already recorded"
                              : (o && o->message ? o->message : "recorded")};
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
s_reply_of(lpg_service_t *s, s_pending_t *p, const lpg_batch_t *b, size_t i,
           lpg_reader_t *rd, const lpg_append_out_t *out)
{
    Lpg__LedgerEntry *e = NULL;
    const Lpg__Outcome *o = s_outcome(b, i, rd, out, &e);
    p->reply.reply.has_seq = 1;
    p->reply.reply.seq = out->seq;
    p->reply.reply.has_duplicate = 1;
    p->reply.reply.duplicate = out->duplicate;
    s_result_t r = s_result_of(o, out->duplicate);
    lpg_reply_set(&p->reply, r.status, r.token, r.message);
    /* DENY reasons, or warnings on an OK (e.g. short weight). */
    for (size_t k = 0; o && k < o->n_reasons; k++)
        lpg_reply_reason(&p->reply, o->reasons[k]->token, o->reasons[k]->zh,
                         o->reasons[k]->en);
    if (o && o->fill) {
        p->reply.fill = *o->fill;
        p->reply.fill.base.descriptor = &lpg__fill_result__descriptor;
        p->reply.reply.fill = &p->reply.fill;
    }
    const lpg_event_t *ev = b ? lpg_batch_event(b, i) : NULL;
    if (o && ev && s->o.submitted) {
        lpg_submitted_t sub = {out->seq,  out->duplicate,      ev,
                               o,         lpg_batch_pre(b, i), rd,
                               &p->sender};
        s->o.submitted(s->o.ctx, &sub, &p->reply);
    }
    if (e)
        lpg__ledger_entry__free_unpacked(e, NULL);
    p->answered = true;
}

static void
s_result_of_item(s_pending_t *p, size_t k, const lpg_batch_t *b, size_t i,
                 lpg_reader_t *rd, const lpg_append_out_t *out)
{
    lpg_reply_t *rep = &p->reply;
    if (out->status != LPG_OK) {
        lpg_reply_result_set(rep, k, lpg_msg_status(out->status),
                             lpg_errtoken(out->status), out->why);
        return;
    }
    Lpg__LedgerEntry *e = NULL;
    const Lpg__Outcome *o = s_outcome(b, i, rd, out, &e);
    s_result_t r = s_result_of(o, out->duplicate);
    lpg_reply_result_set(rep, k, r.status, r.token, r.message);
    rep->results[k].has_seq = 1;
    rep->results[k].seq = out->seq;
    rep->results[k].has_duplicate = 1;
    rep->results[k].duplicate = out->duplicate;
    for (size_t j = 0; o && j < o->n_reasons; j++)
        lpg_reply_result_reason(rep, k, o->reasons[j]->token,
                                o->reasons[j]->zh, o->reasons[j]->en);
    if (e)
        lpg__ledger_entry__free_unpacked(e, NULL);
}

/*  One drained batch of requests on its way through the pipeline: the
 *  receiving thread checks them and prepares their events (signatures on
 *  every core), the committing thread appends them in one transaction
 *  and builds the replies, the receiving thread sends them. So the
 *  signatures of batch k+1 are checked while batch k waits for its sync.
 */
typedef struct s_unit {
    s_pending_t *pend;
    size_t n;
    lpg_append_in_t *in;
    lpg_append_out_t *out;
    size_t *which, *slot;
    size_t total;
    lpg_batch_t *batch;
    int rc;
    struct s_unit *next;
} s_unit_t;

static void
s_unit_destroy(s_unit_t **p)
{
    if (!p || !*p)
        return;
    s_unit_t *u = *p;
    for (size_t i = 0; i < u->n; i++) {
        s_pending_t *q = &u->pend[i];
        if (q->req)
            lpg__request__free_unpacked(q->req, NULL);
        if (q->device)
            lpg__device_state__free_unpacked(q->device, NULL);
        lpg_reply_clear(&q->reply);
        lpg_wire_msg_clear(&q->m);
    }
    lpg_batch_destroy(&u->batch);
    free(u->pend);
    free(u->in);
    free(u->out);
    free(u->which);
    free(u->slot);
    free(u);
    *p = NULL;
}

static void s_gather_unit(lpg_service_t *s, s_unit_t *u, lpg_txn_t *t);

/*  Is this SignedEvent of a kind another service records? Then it is
 *  answered at once (EWRONGSERVICE, why says whose it is) and never
 *  reaches the ledger: no signature check, no retry look-up, no rules.
 *  The kind is read off the wire; bytes that do not decode (a foreign
 *  kind's among them: the full decode runs only for those) go on, for
 *  the ledger to say exactly what is wrong. */
static bool
s_foreign(const lpg_service_t *s, const uint8_t *data, size_t len, char *why,
          size_t whysz)
{
    Lpg__Event__BodyCase kind;
    if (lpg_kind_peek(data, len, &kind) != LPG_OK ||
        lpg_kind_check_service(s->o.name, kind, why, whysz) == LPG_OK)
        return false;
    lpg_event_t ev;
    if (lpg_event_decode(&ev, data, len, NULL, 0) != LPG_OK)
        return false;
    lpg_event_clear(&ev);
    return true;
}

/*  Checks the senders of the unit's submits, gathers every submitted
 *  event, in arrival order, and prepares them (those of another
 *  service's kinds are answered here): one read transaction for the
 *  senders and the signers' keys. */
static void
s_prepare_unit(lpg_service_t *s, s_unit_t *u)
{
    lpg_txn_t *t = NULL;
    bool opened = false;
    int rc = LPG_OK;
    for (size_t i = 0; i < u->n; i++) {
        s_pending_t *p = &u->pend[i];
        if (p->answered || !p->sender_later)
            continue;
        /* As LMDB has it: the write transaction checks the signers
         * again, and a commit in flight is not waited for. */
        if (!opened)
            rc = lpg_ledger_read_now(s->o.ledger, &t);
        opened = true;
        s_sender(s, p, t, rc);
    }
    s_gather_unit(s, u, t);
    lpg_txn_abort(&t);
}

static void
s_gather_unit(lpg_service_t *s, s_unit_t *u, lpg_txn_t *t)
{
    s_pending_t *pend = u->pend;
    size_t n = u->n, total = 0;
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
                snprintf(why, sizeof why,
                         "a SubmitMany holds 1 to %zu "
                         "events (limit.batch), not %zu",
                         s->max_batch, m);
                s_refuse(&pend[i], LPG_EBATCH, why);
                continue;
            }
            if (lpg_reply_results(&pend[i].reply, m) != LPG_OK) {
                s_answer(&pend[i], LPG__STATUS__STATUS_UNAVAILABLE,
                         lpg_errtoken(LPG_ENOMEM), "out of memory: retry");
                continue;
            }
            total += m;
        }
    }
    u->total = total;
    if (total == 0)
        return;
    u->in = calloc(total, sizeof *u->in);
    u->out = calloc(total, sizeof *u->out);
    u->which = calloc(total, sizeof *u->which);
    u->slot = calloc(total, sizeof *u->slot);
    if (!u->in || !u->out || !u->which || !u->slot) {
        for (size_t i = 0; i < n; i++)
            if (!pend[i].answered)
                s_answer(&pend[i], LPG__STATUS__STATUS_UNAVAILABLE,
                         lpg_errtoken(LPG_ENOMEM), "out of memory: retry");
        u->total = 0;
        return;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const Lpg__Request *req = pend[i].req;
        if (pend[i].answered || !req)
            continue;
        char why[160];
        if (req->body_case == LPG__REQUEST__BODY_SUBMIT) {
            const ProtobufCBinaryData *b = &req->submit->signed_event;
            if (s_foreign(s, b->data, b->len, why, sizeof why)) {
                s_refuse(&pend[i], LPG_EWRONGSERVICE, why);
                continue;
            }
            u->in[k].data = req->submit->signed_event.data;
            u->in[k].len = req->submit->signed_event.len;
            if (req->submit->has_person_key) {
                u->in[k].attach = req->submit->person_key.data;
                u->in[k].attach_len = req->submit->person_key.len;
            }
            u->which[k] = i;
            u->slot[k++] = SIZE_MAX;
        } else if (req->body_case == LPG__REQUEST__BODY_SUBMIT_MANY) {
            const Lpg__SubmitMany *sm = req->submit_many;
            bool any = false;
            for (size_t j = 0; j < sm->n_signed_events; j++) {
                const ProtobufCBinaryData *b = &sm->signed_events[j];
                if (s_foreign(s, b->data, b->len, why, sizeof why)) {
                    lpg_reply_result_set(&pend[i].reply, j,
                                         LPG__STATUS__STATUS_INVALID,
                                         lpg_errtoken(LPG_EWRONGSERVICE), why);
                    continue;
                }
                any = true;
                pend[i].last_slot = j;
                u->in[k].data = sm->signed_events[j].data;
                u->in[k].len = sm->signed_events[j].len;
                if (j < sm->n_person_keys && sm->person_keys[j].len) {
                    u->in[k].attach = sm->person_keys[j].data;
                    u->in[k].attach_len = sm->person_keys[j].len;
                }
                u->which[k] = i;
                u->slot[k++] = j;
            }
            if (!any) {
                char msg[64];
                snprintf(msg, sizeof msg, "%zu events answered",
                         sm->n_signed_events);
                s_answer(&pend[i], LPG__STATUS__STATUS_OK, "OK", msg);
            }
        }
    }
    u->total = total = k;
    if (total == 0)
        return;
    lpg_hooks_t hooks = {s->o.rules, s->o.precheck, s->o.ctx, &s->bounds};
    u->rc =
        t ? lpg_ledger_prepare_in(s->o.ledger, t, u->in, total, &hooks,
                                  &u->batch)
          : lpg_ledger_prepare(s->o.ledger, u->in, total, &hooks, &u->batch);
}

/*  Builds a committed unit's replies (committing thread; touches no
 *  socket) from its held batch. rc: the transaction's result. */
static void
s_replies_unit(lpg_service_t *s, s_unit_t *u, int rc, lpg_reader_t *rd)
{
    char failed[160];
    snprintf(failed, sizeof failed, "the ledger could not record it: %s",
             lpg_strerror(rc));
    for (size_t j = 0; j < u->total; j++) {
        s_pending_t *p = &u->pend[u->which[j]];
        if (u->slot[j] != SIZE_MAX) {
            if (rc != LPG_OK)
                lpg_reply_result_set(&p->reply, u->slot[j], lpg_msg_status(rc),
                                     lpg_errtoken(rc), failed);
            else
                s_result_of_item(p, u->slot[j], u->batch, j, rd, &u->out[j]);
            if (u->slot[j] == p->last_slot) {
                char msg[64];
                snprintf(msg, sizeof msg, "%zu events answered",
                         p->req->submit_many->n_signed_events);
                s_answer(p,
                         rc == LPG_OK ? LPG__STATUS__STATUS_OK
                                      : lpg_msg_status(rc),
                         rc == LPG_OK ? "OK" : lpg_errtoken(rc), msg);
            }
        } else if (rc != LPG_OK)
            s_answer(p, lpg_msg_status(rc), lpg_errtoken(rc), failed);
        else if (u->out[j].status != LPG_OK)
            s_answer(p, lpg_msg_status(u->out[j].status),
                     lpg_errtoken(u->out[j].status), u->out[j].why);
        else
            s_reply_of(s, p, u->batch, j, rd, &u->out[j]);
        const char *status = lpg_msg_status_name(
            u->slot[j] != SIZE_MAX ? p->reply.results[u->slot[j]].status
                                   : p->reply.reply.status);
        /* Its kind from the event the batch decoded, if it did. */
        const lpg_event_t *ev = u->batch ? lpg_batch_event(u->batch, j) : NULL;
        if (ev)
            lpg_metrics_event_kind(s->metrics, ev->event->body_case, status);
        else
            lpg_metrics_event(s->metrics, u->in[j].data, u->in[j].len, status);
    }
}

/*  What to do with units whose replies are built: send them (the caller
 *  of s_commit_units says how). The units are then the callee's. */
typedef void (*s_deliver_fn)(lpg_service_t *s, s_unit_t **units, size_t nu,
                             void *ctx);

typedef struct {
    lpg_service_t *s;
    s_unit_t **units;
    size_t nu;
    s_deliver_fn deliver;
    void *ctx;
    uint64_t answered_ns; /* lpg_metrics_now_ns() when answered */
} s_answer_t;

/*  The replies, built from t (what was recorded: the write transaction
 *  itself when answered from the journal), and handed on. The batches
 *  stay with s_commit_units, which destroys them after the commit. */
static void
s_answer_units(void *ctx, lpg_txn_t *t, int rc)
{
    s_answer_t *a = ctx;
    a->answered_ns = lpg_metrics_now_ns();
    lpg_reader_t rd = {NULL, t, true};
    for (size_t k = 0; k < a->nu; k++) {
        s_unit_t *u = a->units[k];
        if (u->total > 0) {
            s_replies_unit(a->s, u, rc, &rd);
            u->batch = NULL; /* in the transaction's batches */
        }
    }
    a->deliver(a->s, a->units, a->nu, a->ctx);
}

/*  Appends the events of every waiting unit in one transaction (one
 *  synced commit however many units queued up), builds the replies and
 *  delivers the units: as soon as what they recorded is durable, which
 *  for a small transaction is before LMDB's commit (ledger.c,
 *  "journal"). */
static void
s_commit_units(lpg_service_t *s, s_unit_t **units, size_t nu,
               s_deliver_fn deliver, void *dctx, unsigned flags)
{
    lpg_batch_t *batches[8];
    lpg_append_out_t *outs[8];
    size_t nb = 0, events = 0;
    for (size_t k = 0; k < nu; k++) {
        s_unit_t *u = units[k];
        if (u->total == 0)
            continue;
        if (u->rc != LPG_OK) {
            s_replies_unit(s, u, u->rc, NULL);
            u->total = 0;
            continue;
        }
        batches[nb] = u->batch; /* held: the replies are built from it */
        outs[nb++] = u->out;
        events += u->total;
    }
    s_answer_t a = {s, units, nu, deliver, dctx, 0};
    if (nb == 0) {
        s_answer_units(&a, NULL, LPG_OK);
        return;
    }
    lpg_hooks_t hooks = {s->o.rules, s->o.precheck, s->o.ctx, &s->bounds};
    uint64_t w0, j0, s0, w1, j1, s1;
    lpg_ledger_commit_times(s->o.ledger, &w0, &j0, &s0);
    uint64_t t0 = lpg_metrics_now_ns();
    lpg_ledger_commit_answer(s->o.ledger, batches, nb, s->o.name, &hooks, outs,
                             s_answer_units, &a, flags);
    /* What the requests waited for: up to their answer. */
    lpg_metrics_stage(s->metrics, LPG_METRICS_COMMIT, a.answered_ns - t0);
    lpg_ledger_commit_times(s->o.ledger, &w1, &j1, &s1);
    lpg_metrics_stage(s->metrics, LPG_METRICS_WRITE, w1 - w0);
    lpg_metrics_stage(s->metrics, LPG_METRICS_JOURNAL, j1 - j0);
    lpg_metrics_stage(s->metrics, LPG_METRICS_SYNC, s1 - s0);
    lpg_metrics_batch(s->metrics, events);
    for (size_t k = 0; k < nb; k++)
        lpg_batch_destroy(&batches[k]);
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
        s_refuse(p, LPG_EUNSUPPORTED, NULL);
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
    if (len >= S_BIG_REPLY)
        s->trim = true;
}

static void
s_log(lpg_service_t *s, const s_pending_t *p)
{
    if (p->droppable) {
        lpg_warn("%s: dropped a message without an identity frame", s->o.name);
        return;
    }
    const Lpg__Reply *r = &p->reply.reply;
    lpg_metrics_request(s->metrics, p->req ? s_body_name(p->req) : "unknown",
                        lpg_msg_status_name(r->status),
                        lpg_metrics_now_ns() - p->t0);
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
    lpg_log(r->status == LPG__STATUS__STATUS_OK ? LPG_LOG_INFO : LPG_LOG_WARN,
            "%s: device %s %s -> %s %s%s%s: %s", s->o.name, who,
            p->req ? s_body_name(p->req) : "?", lpg_msg_status_name(r->status),
            r->token, reasons, seq, r->message);
}

/* ------------------------------------------------------ the pipeline */

typedef struct {
    lpg_service_t *s;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    s_unit_t *todo_head, *todo_tail; /* prepared, waiting to commit */
    size_t todo_n;
    s_unit_t *done_head, *done_tail; /* committed, replies built */
    bool quit;
    bool busy;    /* the committer is committing */
    void *notify; /* PAIR: the committer's "replies ready" */
    /* Who may use the service's socket: the receiving thread holds it
     * but while it prepares a unit; then the committer may take it to
     * send the replies of what it committed at once, rather than leave
     * them waiting for the end of that preparation. Only the receiving
     * thread waits for it (never holding lock); the committer tries. */
    pthread_mutex_t sock_lock;
} s_pipe_t;

static void
s_push(s_unit_t **head, s_unit_t **tail, s_unit_t *u)
{
    u->next = NULL;
    if (*tail)
        (*tail)->next = u;
    else
        *head = u;
    *tail = u;
}

static s_unit_t *
s_pop(s_unit_t **head, s_unit_t **tail)
{
    s_unit_t *u = *head;
    if (u) {
        *head = u->next;
        if (!*head)
            *tail = NULL;
        u->next = NULL;
    }
    return u;
}

static void s_flush_done(lpg_service_t *s, s_pipe_t *p);
static void s_send_unit(lpg_service_t *s, s_unit_t **u);
static void s_deliver_committed(lpg_service_t *s, s_unit_t **units, size_t nu,
                                void *ctx);

/*  How long the committer keeps a transaction answered from the journal
 *  open for the next unit (a scanner's next step comes about one round
 *  trip and one preparation later), before it commits it. The ledger
 *  commits one held longer than a few ms anyway. */
#define S_HOLD_IDLE_US 500

/*  The committer's wait for a unit (p->lock held): with a transaction
 *  held, for S_HOLD_IDLE_US, then it is committed. */
static void
s_committer_wait(s_pipe_t *p)
{
    lpg_ledger_t *l = p->s->o.ledger;
    while (!p->todo_head && !p->quit) {
        if (!lpg_ledger_held(l, NULL)) {
            pthread_cond_wait(&p->cond, &p->lock);
            continue;
        }
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += S_HOLD_IDLE_US * 1000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        if (pthread_cond_timedwait(&p->cond, &p->lock, &until) == ETIMEDOUT &&
            !p->todo_head) {
            pthread_mutex_unlock(&p->lock);
            uint64_t w, j, s0, s1;
            lpg_ledger_commit_times(l, &w, &j, &s0);
            lpg_ledger_flush(l);
            lpg_ledger_commit_times(l, &w, &j, &s1);
            lpg_metrics_stage(p->s->metrics, LPG_METRICS_SYNC, s1 - s0);
            pthread_mutex_lock(&p->lock);
        }
    }
}

static void *
s_committer(void *arg)
{
    s_pipe_t *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->lock);
        s_committer_wait(p);
        /* Everything waiting goes into one transaction. */
        while (p->busy) /* the receiving thread commits one inline */
            pthread_cond_wait(&p->cond, &p->lock);
        s_unit_t *units[8];
        size_t nu = 0;
        while (nu < 8 && p->todo_head) {
            units[nu++] = s_pop(&p->todo_head, &p->todo_tail);
            p->todo_n--;
        }
        if (nu > 0)
            p->busy = true; /* under the lock: no inline commit meanwhile */
        pthread_cond_broadcast(&p->cond);
        pthread_mutex_unlock(&p->lock);
        if (nu == 0) {
            lpg_ledger_flush(p->s->o.ledger);
            break; /* quit, and nothing left to commit */
        }
        s_commit_units(p->s, units, nu, s_deliver_committed, p,
                       LPG_COMMIT_HOLD);
        pthread_mutex_lock(&p->lock);
        p->busy = false;
        pthread_cond_broadcast(&p->cond); /* a tick may be waiting */
        pthread_mutex_unlock(&p->lock);
    }
    return NULL;
}

/*  The committer's units, replies built: sent now if the receiving
 *  thread is preparing (it lets go of the socket then), else handed to
 *  it. */
static void
s_deliver_committed(lpg_service_t *s, s_unit_t **units, size_t nu, void *ctx)
{
    s_pipe_t *p = ctx;
    if (pthread_mutex_trylock(&p->sock_lock) == 0) {
        /* The receiving thread is preparing: reply now, in order. */
        s_flush_done(s, p);
        for (size_t k = 0; k < nu; k++)
            s_send_unit(s, &units[k]);
        pthread_mutex_unlock(&p->sock_lock);
        return;
    }
    pthread_mutex_lock(&p->lock);
    for (size_t k = 0; k < nu; k++)
        s_push(&p->done_head, &p->done_tail, units[k]);
    pthread_mutex_unlock(&p->lock);
    lpg_frame_t f = {(uint8_t *)"!", 1};
    lpg_transport_send(p->notify, &f, 1);
}

/*  A unit committed by the receiving thread itself: sent at once; the
 *  thread keeps the socket after (as its loop expects). */
static void
s_deliver_inline(lpg_service_t *s, s_unit_t **units, size_t nu, void *ctx)
{
    s_pipe_t *p = ctx;
    pthread_mutex_lock(&p->sock_lock);
    for (size_t k = 0; k < nu; k++)
        s_send_unit(s, &units[k]);
}

/*  Sends a committed unit's replies and frees it. The caller holds the
 *  socket (sock_lock). */
static void
s_send_unit(lpg_service_t *s, s_unit_t **u)
{
    for (size_t i = 0; i < (*u)->n; i++) {
        s_send_reply(s, &(*u)->pend[i]);
        s_log(s, &(*u)->pend[i]);
    }
    s->served += (*u)->n;
    s_unit_destroy(u);
}

/*  Sends the replies of every committed unit waiting for the socket.
 *  The caller holds it (sock_lock). */
static void
s_flush_done(lpg_service_t *s, s_pipe_t *p)
{
    for (;;) {
        pthread_mutex_lock(&p->lock);
        s_unit_t *u = s_pop(&p->done_head, &p->done_tail);
        pthread_mutex_unlock(&p->lock);
        if (!u)
            return;
        s_send_unit(s, &u);
    }
}

int
lpg_service_run(lpg_service_t *s)
{
    for (int i = 0; i < S_MAX_RUNNING; i++)
        if (!s_running[i]) {
            s_running[i] = s;
            break;
        }
    s_pipe_t p;
    memset(&p, 0, sizeof p);
    p.s = s;
    pthread_mutex_init(&p.lock, NULL);
    pthread_cond_init(&p.cond, NULL);
    pthread_mutex_init(&p.sock_lock, NULL);
    pthread_mutex_lock(&p.sock_lock); /* the receiving thread's */
    void *wake = NULL;
    char inproc[64];
    snprintf(inproc, sizeof inproc, "inproc://lpg-pipe-%p", (void *)s);
    int rc = lpg_transport_pair(&wake, s->zctx, inproc, true);
    if (rc == LPG_OK)
        rc = lpg_transport_pair(&p.notify, s->zctx, inproc, false);
    pthread_t committer;
    if (rc == LPG_OK && pthread_create(&committer, NULL, s_committer, &p) != 0)
        rc = LPG_ENOMEM;
    if (rc != LPG_OK) {
        lpg_transport_close(&p.notify);
        lpg_transport_close(&wake);
        pthread_mutex_unlock(&p.sock_lock);
        pthread_mutex_destroy(&p.sock_lock);
        return rc;
    }
    uint64_t next_tick = s_mono_ms(); /* the first tick: at once */
    uint64_t next_readers = s_mono_ms() + 30000;
    while (!s->stop && !s_stop_all) {
        int wait = 1000;
        if (s->o.tick_ms) {
            uint64_t now = s_mono_ms();
            wait = next_tick > now ? (int)(next_tick - now) : 0;
            if (wait > 1000)
                wait = 1000;
        }
        int ready = lpg_transport_poll2(s->sock, wake, wait);
        if (ready == 0 && s->trim) {
            s->trim = false;
            s_give_back();
        }
        if (ready & 2) {
            lpg_wire_msg_t m;
            while (lpg_transport_recv(wake, &m, 0) == LPG_OK)
                lpg_wire_msg_clear(&m);
            s_flush_done(s, &p);
        }
        if (ready & 1) {
            s_unit_t *u = calloc(1, sizeof *u);
            if (u)
                u->pend = calloc(s->max_batch, sizeof *u->pend);
            if (!u || !u->pend) {
                free(u);
                lpg_error("%s: out of memory", s->o.name);
                continue;
            }
            /* Answers to queries wait in the unit until it is committed:
             * a unit stops taking requests once they pass unit_bytes. */
            size_t held = 0;
            bool nudged = false;
            while (u->n < s->max_batch && held < s->unit_bytes &&
                   lpg_transport_recv(s->sock, &u->pend[u->n].m, 0) ==
                       LPG_OK) {
                s_pending_t *q = &u->pend[u->n++];
                q->t0 = lpg_metrics_now_ns();
                s_check(s, q);
                /* The unit's first submit: the signature threads wake
                 * while the senders are checked and the events decoded,
                 * not after. */
                if (q->sender_later && !nudged) {
                    lpg_ledger_nudge(s->o.ledger);
                    nudged = true;
                }
                s_handle(s, q);
                if (q->req && q->answered && !q->droppable)
                    held += lpg__reply__get_packed_size(&q->reply.reply);
            }
            /* The socket is the committer's while this unit is
             * prepared (it touches none); what it committed meanwhile
             * goes out first. */
            s_flush_done(s, &p);
            pthread_mutex_unlock(&p.sock_lock);
            uint64_t t0 = lpg_metrics_now_ns();
            s_prepare_unit(s, u);
            if (u->total > 0)
                lpg_metrics_stage(s->metrics, LPG_METRICS_PREPARE,
                                  lpg_metrics_now_ns() - t0);
            /* A lone request with nothing queued is committed here: two
             * thread hand-overs cost more than they save at low load. */
            pthread_mutex_lock(&p.lock);
            if (u->n == 1 && !p.busy && p.todo_n == 0 &&
                (!s->hold || u->total == 0)) {
                p.busy = true;
                pthread_mutex_unlock(&p.lock);
                s_commit_units(s, &u, 1, s_deliver_inline, &p, 0);
                /* No one to wake: the committer waits only for a unit
                 * queued, and only this thread queues one. */
                pthread_mutex_lock(&p.lock);
                p.busy = false;
                pthread_mutex_unlock(&p.lock);
                continue;
            }
            /* At most four units ahead of the committer: backpressure. */
            while (p.todo_n >= 4)
                pthread_cond_wait(&p.cond, &p.lock);
            s_push(&p.todo_head, &p.todo_tail, u);
            p.todo_n++;
            pthread_cond_broadcast(&p.cond);
            pthread_mutex_unlock(&p.lock);
            pthread_mutex_lock(&p.sock_lock);
        }
        uint64_t now = s_mono_ms();
        if (s->o.tick && s->o.tick_ms && now >= next_tick) {
            /* A tick may append (a timer's events): it runs alone, with
             * the committer idle and nothing queued, so the rules and
             * the ledger's commit side are never used by two threads. */
            pthread_mutex_lock(&p.lock);
            while (p.busy || p.todo_n > 0)
                pthread_cond_wait(&p.cond, &p.lock);
            p.busy = true;
            pthread_mutex_unlock(&p.lock);
            /* What the committer answered meanwhile goes out first: a
             * tick (a notary's checkpoint) may take a while. */
            s_flush_done(s, &p);
            s->o.tick(s->o.ctx, s);
            pthread_mutex_lock(&p.lock);
            p.busy = false;
            pthread_cond_broadcast(&p.cond);
            pthread_mutex_unlock(&p.lock);
            next_tick = s_mono_ms() + s->o.tick_ms;
        }
        if (now >= next_readers) {
            lpg_ledger_reader_check(s->o.ledger);
            next_readers = now + 30000;
        }
    }
    /* Stop: commit what was received, reply, then go. */
    pthread_mutex_lock(&p.lock);
    p.quit = true;
    pthread_cond_broadcast(&p.cond);
    pthread_mutex_unlock(&p.lock);
    pthread_join(committer, NULL);
    s_flush_done(s, &p);
    lpg_transport_close(&p.notify);
    lpg_transport_close(&wake);
    pthread_mutex_unlock(&p.sock_lock);
    pthread_mutex_destroy(&p.sock_lock);
    pthread_mutex_destroy(&p.lock);
    pthread_cond_destroy(&p.cond);
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
    /* Replies and messages of up to a few MiB (a trace page, a unit of
     * submits) come from the heap and go back to it: glibc would map
     * each one anew, fault it in page by page and unmap it after. */
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 64 << 20);
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
    uint64_t map_size = 0;
    rc = lpg_config_map_size(cfg, &map_size, why, sizeof why);
    if (rc != LPG_OK)
        lpg_error("configuration: %s", why);
    else
        rc = lpg_ledger_open(&l, path, 0, map_size, &lpg_domain_projection);
    if (rc == LPG_OK)
        rc = lpg_service_load_key(cfg, opts->name, opts->curve_secret);
    bool started = false;
    if (rc == LPG_OK) {
        opts->ledger = l;
        opts->config = cfg;
        lpg_service_handle_signals();
        *why = '\0';
        rc = opts->start ? opts->start(opts->ctx, opts, why, sizeof why)
                         : LPG_OK;
        if (rc != LPG_OK)
            lpg_error("%s: %s", opts->name, *why ? why : lpg_strerror(rc));
        started = rc == LPG_OK;
    }
    lpg_service_t *s = NULL;
    if (rc == LPG_OK)
        rc = lpg_service_new(&s, opts);
    if (rc == LPG_OK)
        rc = lpg_service_run(s);
    if (started && opts->stop)
        opts->stop(opts->ctx, rc == LPG_OK);
    lpg_service_destroy(&s);
    lpg_ledger_close(&l);
    lpg_config_destroy(&cfg);
    memset(opts->curve_secret, 0, sizeof opts->curve_secret);
    return rc == LPG_OK ? 0 : 1;
}
