/*  api.c - the handheld API (/api/v1/...), JSON over HTTPS.
 *
 *  Every request but GET /api/v1/openapi.json is signed by the device's
 *  own Ed25519 key (RFC 9421, api_auth.c): the gateway holds no device's
 *  key and signs no event. A step becomes an event in two calls: prepare
 *  turns the JSON step into the exact Event bytes (domain/prepare.h), the
 *  device signs LPG_CTX_EVENT + those bytes, and submit relays the
 *  SignedEvent to the service that records its kind, over the gateway's
 *  CURVE connection; the answer is the service's, as JSON. A retry of a
 *  submit (the same signed event) gets the service's first answer.
 *  Reads: a cylinder by its code or GRAI, a user's open hazards, from
 *  the ledger (read-only), scoped as the registry scopes look-ups; the
 *  orders assigned to the device's driver (its enrolment's person) or,
 *  for a device bound to a vehicle only, to its vehicle.
 *
 *  What the API shares across threads (the nonce cache, the authority's
 *  public key, the codes it verified) is made once, on first use, and kept for the life of the
 *  process.
 */
#include "api.h"
#include "webd.h"

#include "base/clock.h"
#include "base/error.h"
#include "base/log.h"
#include "codes/code.h"
#include "crypto/crypto.h"
#include "domain/cylinder.h"
#include "domain/fill_rules.h"
#include "domain/kind.h"
#include "domain/order.h"
#include "domain/pii.h"
#include "domain/prepare.h"
#include "domain/state.h"
#include "ledger/event.h"
#include "net/msg.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define S_PREFIX "/api/v1/"
#define S_ID_MAX 256 /* a GRAI, a code or a user id, decoded */
/*  Codes remembered as verified (about 0.7 KiB each, 11 MiB in all):
 *  a day's deliveries of a large city's busiest gateway. */
#define S_CODE_CACHE_SLOTS 16384

/*  What every device signs before an Event's bytes (crypto.h,
 *  LPG_CTX_EVENT); checked against lpg_sign once at start (s_init). */
static const char s_event_ctx[] = "lpgtrace/v1/event";

static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
    bool tried;
    const lpg_key_t *authority; /* lpg-webd's; NULL: codes parsed only */
    lpg_code_cache_t *codes;    /* codes verified with it; NULL: none kept */
    char resolver[LPG_CODE_RESOLVER_MAX + 1];
    char zone[LPG_ZONE_MAX + 1];
    bool ctx_ok; /* s_event_ctx is the event context */
} s_api;

/*  The event context checked: a signature over prefix + msg made with
 *  LPG_CTX_EVENT verifies as a bare one over s_event_ctx NUL + msg. */
static bool
s_ctx_check(void)
{
    lpg_key_t *k = NULL;
    uint8_t sig[LPG_ED25519_SIG_LEN];
    uint8_t msg[sizeof s_event_ctx + 1];
    memcpy(msg, s_event_ctx, sizeof s_event_ctx); /* with its NUL */
    msg[sizeof s_event_ctx] = 0x5a;
    bool ok = lpg_key_generate(&k) == LPG_OK &&
              lpg_sign(k, LPG_CTX_EVENT, msg + sizeof s_event_ctx, 1, sig) ==
                  LPG_OK &&
              lpg_verify(k, LPG_CTX_NOTE, msg, sizeof msg, sig) == LPG_OK;
    lpg_key_destroy(&k);
    return ok;
}

static void
s_init(lpg_webd_t *w)
{
    pthread_mutex_lock(&s_lock);
    if (!s_api.tried) {
        s_api.tried = true;
        const lpg_config_t *cfg = lpg_webd_config(w);
        /* the authority's key lpg-webd loaded once at start (borrowed) */
        s_api.authority = lpg_webd_authority(w);
        if (!s_api.authority)
            lpg_warn("api: no authority key: the delivery steps are "
                     "refused");
        /* A delivery's code is scanned at dispatch, at the door and at
         * collection: its signature is checked once. */
        if (s_api.authority &&
            lpg_code_cache_new(&s_api.codes, s_api.authority,
                               S_CODE_CACHE_SLOTS) != LPG_OK)
            lpg_warn("api: no memory to remember verified codes: each "
                     "code is checked every time");
        snprintf(s_api.resolver, sizeof s_api.resolver, "%s",
                 lpg_config_get(cfg, "code.resolver"));
        snprintf(s_api.zone, sizeof s_api.zone, "%s",
                 lpg_config_get(cfg, "time.zone"));
        s_api.ctx_ok = s_ctx_check();
        if (!s_api.ctx_ok)
            lpg_error("api: the event signature context is not %s",
                      s_event_ctx);
        lpg_webd_api_auth_init(w);
    }
    pthread_mutex_unlock(&s_lock);
}

/* ---- Server-Timing ----------------------------------------------------- */

/*  Microseconds on the monotonic clock. */
static double
s_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/*  Where a signed request's time went in lpg-webd, in microseconds: the
 *  request signature's check, the step turned into an Event (prepare),
 *  the relay to the service and its answer (submit), the handler in all.
 *  Answered as a Server-Timing header (W3C Server Timing), so a device
 *  or a benchmark can tell the gateway's share from the network's. */
typedef struct {
    double auth, work, relay;
} s_timing_t;

static void
s_server_timing(lpg_webd_resp_t *resp, const s_timing_t *t, double total)
{
    size_t n = strlen(resp->extra_headers);
    snprintf(resp->extra_headers + n, sizeof resp->extra_headers - n,
             "Server-Timing: auth;dur=%.3f, work;dur=%.3f, relay;dur=%.3f, "
             "total;dur=%.3f\r\n",
             t->auth / 1e3, t->work / 1e3, t->relay / 1e3, total / 1e3);
}

/* ---- answers ----------------------------------------------------------- */

void
lpg_webd_api_json(lpg_webd_resp_t *resp, int status, json_t *o)
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

void
lpg_webd_api_problem(lpg_webd_resp_t *resp, int status, const char *slug,
                     const char *title, const char *detail, const char *field)
{
    lpg_webd_api_problem_ext(resp, status, slug, title, detail, "field",
                             field);
}

void
lpg_webd_api_problem_ext(lpg_webd_resp_t *resp, int status, const char *slug,
                         const char *title, const char *detail,
                         const char *name, const char *value)
{
    if (!value) {
        lpg_webd_problem(resp, status, slug, title, detail);
        return;
    }
    char type[96];
    snprintf(type, sizeof type, "/problems/%s", slug);
    json_t *o = json_object();
    json_object_set_new(o, "type", json_string(type));
    json_object_set_new(o, "title", json_string(title));
    json_object_set_new(o, "status", json_integer(status));
    if (detail)
        json_object_set_new(o, "detail", json_string(detail));
    json_object_set_new(o, name, json_string(value));
    lpg_webd_api_json(resp, status, o);
    if (resp->status == status)
        resp->content_type = "application/problem+json";
}

/*  Is the request's Content-Type application/json (parameters may
 *  follow)? */
static bool
s_is_json(const lpg_webd_req_t *req)
{
    const char *ct = req->header(req->hctx, "content-type");
    return ct && strncmp(ct, "application/json", 16) == 0 &&
           (!ct[16] || ct[16] == ';' || ct[16] == ' ');
}

json_t *
lpg_webd_api_body(const lpg_webd_req_t *req, lpg_webd_resp_t *resp)
{
    if (!s_is_json(req)) {
        lpg_webd_problem(resp, 415, "unsupported-media-type",
                         "Unsupported media type",
                         "Send the body as application/json.");
        return NULL;
    }
    json_error_t err;
    json_t *o = req->body ? json_loadb((const char *)req->body, req->body_len,
                                       JSON_REJECT_DUPLICATES, &err)
                          : NULL;
    if (!json_is_object(o)) {
        json_decref(o);
        lpg_webd_problem(resp, 400, "malformed-json", "Malformed JSON",
                         "The body is not one JSON object.");
        return NULL;
    }
    return o;
}

/* ---- POST /api/v1/prepare ---------------------------------------------- */

json_t *
lpg_webd_api_prepared(const lpg_prepared_t *p)
{
    size_t b64sz = 4 * ((p->len + 2) / 3) + 1;
    char *b64 = malloc(b64sz);
    char id[2 * LPG_EVENT_ID_LEN + 1];
    lpg_hex(p->event_id, LPG_EVENT_ID_LEN, id);
    json_t *out = NULL;
    size_t b64len = 0;
    if (b64 && lpg_base64_encode(p->event, p->len, false, b64, b64sz,
                                 &b64len) == LPG_OK) {
        out = json_object();
        json_object_set_new(out, "event_b64", json_string(b64));
        json_object_set_new(out, "event_id", json_string(id));
        /* with its NUL byte: the device signs these bytes, then the
         * event's */
        json_object_set_new(out, "sign_context",
                            json_stringn(s_event_ctx, sizeof s_event_ctx));
        json_object_set_new(out, "kind", json_string(lpg_kind_name(p->body)));
    }
    free(b64);
    return out;
}

static void
s_prepare(lpg_webd_t *w, const lpg_webd_req_t *req, lpg_webd_resp_t *resp,
          const lpg_webd_device_t *dev)
{
    (void)w;
    if (!s_is_json(req)) {
        lpg_webd_problem(resp, 415, "unsupported-media-type",
                         "Unsupported media type",
                         "Send the step as application/json.");
        return;
    }
    if (!s_api.ctx_ok) {
        lpg_webd_problem(resp, 500, "internal", "Internal error", NULL);
        return;
    }
    lpg_prepare_opts_t o = {s_api.authority,
                            s_api.resolver[0] ? s_api.resolver : NULL,
                            lpg_clock_now_ms(), s_api.codes};
    lpg_prepared_t p;
    int rc = lpg_prepare(&p, req->body ? (const char *)req->body : "",
                         req->body_len, &o);
    if (rc == LPG_EMALFORMED)
        lpg_webd_api_problem(resp, 400, "malformed-json", "Malformed JSON",
                             p.why, p.field);
    else if (rc == LPG_EINVAL)
        lpg_webd_api_problem(resp, 422, "invalid-step", "Invalid step", p.why,
                             p.field);
    else if (rc == LPG_ECONFIG)
        lpg_webd_problem(resp, 503, "codes-unchecked",
                         "Codes cannot be checked here",
                         "This gateway has no authority key to check "
                         "cylinder codes with.");
    else if (rc != LPG_OK)
        lpg_webd_problem(resp, 500, "internal", "Internal error", NULL);
    if (rc != LPG_OK) {
        lpg_prepared_clear(&p);
        return;
    }
    json_t *out = lpg_webd_api_prepared(&p);
    if (out) {
        json_object_set_new(out, "service", json_string(p.service));
        json_object_set_new(out, "key_id", json_string(dev->key_id_hex));
    }
    lpg_prepared_clear(&p);
    lpg_webd_api_json(resp, 200, out);
}

/* ---- POST /api/v1/submit ----------------------------------------------- */

/*  A base64 member (standard alphabet, or URL-safe) of at most max bytes
 *  decoded, into a fresh *out. */
static int
s_b64(const json_t *o, const char *name, size_t max, uint8_t **out,
      size_t *len)
{
    *out = NULL;
    const json_t *v = json_object_get(o, name);
    if (!json_is_string(v))
        return LPG_EINVAL;
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (n == 0 || n > 4 * ((max + 2) / 3))
        return LPG_EINVAL;
    uint8_t *buf = malloc(n);
    if (!buf)
        return LPG_ENOMEM;
    int rc = lpg_base64_decode(s, n, false, buf, n, len);
    if (rc != LPG_OK)
        rc = lpg_base64_decode(s, n, true, buf, n, len);
    if (rc != LPG_OK || *len > max) {
        free(buf);
        return LPG_EINVAL;
    }
    *out = buf;
    return LPG_OK;
}

int
lpg_webd_api_status(Lpg__Status s)
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

json_t *
lpg_webd_api_answer(const Lpg__Reply *r, const uint8_t *event_id,
                    Lpg__Event__BodyCase kind)
{
    json_t *o = lpg_msg_reply_json(r);
    if (!o)
        return NULL;
    char id[2 * LPG_EVENT_ID_LEN + 1];
    lpg_hex(event_id, LPG_EVENT_ID_LEN, id);
    json_object_set_new(o, "event_id", json_string(id));
    json_object_set_new(o, "kind", json_string(lpg_kind_name(kind)));
    if (r->cylinder) {
        json_t *c = json_object();
        json_object_set_new(c, "grai", json_string(r->cylinder->grai));
        json_object_set_new(c, "serial", json_string(r->cylinder->serial));
        if (r->cylinder->short_id)
            json_object_set_new(c, "short_id",
                                json_string(r->cylinder->short_id));
        json_object_set_new(o, "cylinder", c);
    }
    if (r->fill) {
        json_t *f = json_object();
        json_object_set_new(f, "net_g", json_integer(r->fill->net_g));
        json_object_set_new(f, "over", json_boolean(r->fill->over));
        json_object_set_new(f, "under", json_boolean(r->fill->under));
        json_object_set_new(o, "fill", f);
    }
    return o;
}

bool
lpg_webd_api_signed(const json_t *o, const char *key_hex,
                    lpg_webd_resp_t *resp, lpg_webd_signed_t *out)
{
    memset(out, 0, sizeof *out);
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)o, k, v)
    {
        if (strcmp(k, "event_b64") && strcmp(k, "signature_b64") &&
            strcmp(k, "key_id")) {
            lpg_webd_api_problem(resp, 422, "invalid-submit", "Invalid submit",
                                 "not a member", k);
            return false;
        }
    }
    if (s_b64(o, "event_b64", LPG_EVENT_MAX_BYTES, &out->body, &out->len) !=
        LPG_OK) {
        lpg_webd_api_problem(resp, 422, "invalid-submit", "Invalid submit",
                             "missing, or not the base64 of an Event",
                             "event_b64");
        return false;
    }
    size_t slen = 0;
    if (s_b64(o, "signature_b64", LPG_ED25519_SIG_LEN, &out->sig, &slen) !=
            LPG_OK ||
        slen != LPG_ED25519_SIG_LEN) {
        lpg_webd_api_problem(resp, 422, "invalid-submit", "Invalid submit",
                             "missing, or not the base64 of 64 bytes",
                             "signature_b64");
        return false;
    }
    const json_t *kv = json_object_get(o, "key_id");
    if (kv || !key_hex)
        key_hex = json_is_string(kv) ? json_string_value(kv) : "";
    if (!lpg_webd_api_unhex(key_hex, out->key_id, sizeof out->key_id)) {
        lpg_webd_api_problem(resp, 422, "invalid-submit", "Invalid submit",
                             "not a key id in 64 hex digits", "key_id");
        return false;
    }
    return true;
}

void
lpg_webd_signed_clear(lpg_webd_signed_t *s)
{
    if (!s)
        return;
    free(s->body);
    free(s->sig);
    s->body = s->sig = NULL;
    s->len = 0;
}

uint8_t *
lpg_webd_signed_pack(const lpg_webd_signed_t *s, size_t *len)
{
    uint8_t kid[LPG_KEYID_LEN];
    memcpy(kid, s->key_id, sizeof kid);
    Lpg__SignedEvent se = LPG__SIGNED_EVENT__INIT;
    se.body.data = s->body;
    se.body.len = s->len;
    se.key_id.data = kid;
    se.key_id.len = sizeof kid;
    se.sig.data = s->sig;
    se.sig.len = LPG_ED25519_SIG_LEN;
    *len = lpg__signed_event__get_packed_size(&se);
    uint8_t *packed = malloc(*len);
    if (packed)
        lpg__signed_event__pack(&se, packed);
    return packed;
}

Lpg__Reply *
lpg_webd_api_send(lpg_webd_t *w, lpg_webd_resp_t *resp, const char *service,
                  const uint8_t *packed, size_t len, const char *unavailable,
                  double *relay_us)
{
    Lpg__Reply *r = NULL;
    double t0 = s_us();
    lpg_client_t *c = lpg_webd_client(w, service);
    int rc = c ? lpg_client_submit(c, packed, len, &r) : LPG_EUNAVAILABLE;
    if (relay_us)
        *relay_us = s_us() - t0;
    if (rc == LPG_ETOOBIG) {
        lpg_webd_problem(resp, 413, "too-big", "Too big",
                         "The signed event is over the service's limit.");
        return NULL;
    }
    if (rc != LPG_OK) {
        lpg_warn("api: submit to %s: %s", service, lpg_strerror(rc));
        lpg_webd_problem(resp, 503, "service-unavailable",
                         "Service unavailable", unavailable);
        snprintf(resp->extra_headers, sizeof resp->extra_headers,
                 "Retry-After: 5\r\n");
        return NULL;
    }
    return r;
}

void
lpg_webd_api_relay(lpg_webd_t *w, lpg_webd_resp_t *resp,
                   const lpg_webd_signed_t *s, double *relay_us)
{
    Lpg__Reply *r = NULL;
    size_t plen = 0;
    uint8_t *packed = lpg_webd_signed_pack(s, &plen);
    if (!packed) {
        lpg_webd_problem(resp, 500, "internal", "Internal error", NULL);
        goto cleanup;
    }
    Lpg__Event__BodyCase kind;
    const char *service = NULL;
    Lpg__Event *ev = lpg__event__unpack(NULL, s->len, s->body);
    if (ev && lpg_kind_peek(packed, plen, &kind) == LPG_OK)
        service = lpg_kind_service(kind);
    uint8_t event_id[LPG_EVENT_ID_LEN] = {0};
    if (ev && ev->event_id.len == LPG_EVENT_ID_LEN)
        memcpy(event_id, ev->event_id.data, LPG_EVENT_ID_LEN);
    if (ev)
        lpg__event__free_unpacked(ev, NULL);
    if (!service) {
        lpg_webd_api_problem(resp, 422, "invalid-submit", "Invalid submit",
                             "not an Event of a kind a service records",
                             "event_b64");
        goto cleanup;
    }
    r = lpg_webd_api_send(w, resp, service, packed, plen,
                          "The service did not answer: send the same signed "
                          "event again later.",
                          relay_us);
    if (!r)
        goto cleanup;
    lpg_webd_api_json(resp, lpg_webd_api_status(r->status),
                      lpg_webd_api_answer(r, event_id, kind));
cleanup:
    if (r)
        lpg__reply__free_unpacked(r, NULL);
    free(packed);
}

/*  The signer: the requesting device, or another device whose signed
 *  event it carries (a scale's reading, a step queued offline); the
 *  service checks the signer either way. */
static void
s_submit(lpg_webd_t *w, const lpg_webd_req_t *req, lpg_webd_resp_t *resp,
         const lpg_webd_device_t *dev, double *relay_us)
{
    json_t *o = lpg_webd_api_body(req, resp);
    if (!o)
        return;
    lpg_webd_signed_t s;
    if (lpg_webd_api_signed(o, dev->key_id_hex, resp, &s))
        lpg_webd_api_relay(w, resp, &s, relay_us);
    lpg_webd_signed_clear(&s);
    json_decref(o);
}

/* ---- GET /api/v1/cylinders/{code or GRAI} ------------------------------ */

static int
s_nib(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bool
lpg_webd_api_unhex(const char *s, uint8_t *out, size_t n)
{
    if (!s || strlen(s) != 2 * n)
        return false;
    for (size_t i = 0; i < n; i++) {
        int hi = s_nib(s[2 * i]), lo = s_nib(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

bool
lpg_webd_api_segment(const char *s, size_t n, char *out, size_t outsz)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)s[i];
        if (c == '%') {
            int hi = i + 2 < n ? s_nib(s[i + 1]) : -1;
            int lo = hi >= 0 ? s_nib(s[i + 2]) : -1;
            if (lo < 0)
                return false;
            c = hi << 4 | lo;
            i += 2;
        }
        if (c < 0x20 || c == 0x7f || k + 1 >= outsz)
            return false;
        out[k++] = (char)c;
    }
    out[k] = '\0';
    return k > 0;
}

static const char *
s_ymd_text(uint32_t ymd, char out[11])
{
    snprintf(out, 11, "%04u-%02u-%02u", ymd / 10000 % 10000, ymd / 100 % 100,
             ymd % 100);
    return out;
}

static const char *const s_custody[] = {"empty_at_station", "full_at_station",
                                        "in_transit", "at_user", "collected"};
static const char *const s_status[] = {"in_service", "quarantined",
                                       "scrapped"};

/*  The cylinder's record for dev: the user who holds it is named only to
 *  a device that may look that company's users up (lpg_pii_scope). */
static json_t *
s_cylinder_json(const Lpg__CylinderState *cyl, uint32_t today,
                const lpg_webd_device_t *dev)
{
    const char *company = NULL;
    bool users = lpg_pii_scope(dev->state, &company) &&
                 (!company || strcmp(company, cyl->reg->owner) == 0);
    json_t *o = json_object();
    lpg_cylinder_now_t now;
    lpg_cylinder_now(cyl, &now);
    if (!users)
        now.holder = NULL; /* in the words too */
    char en[256], zh[256], d[11];
    lpg_cylinder_now_words(&now, en, sizeof en, zh, sizeof zh);
    json_object_set_new(o, "grai", json_string(cyl->grai));
    json_object_set_new(o, "serial", json_string(cyl->reg->serial));
    json_object_set_new(o, "owner", json_string(cyl->reg->owner));
    if (cyl->reg->spec)
        json_object_set_new(o, "spec", json_string(cyl->reg->spec));
    json_object_set_new(o, "status",
                        json_string((unsigned)now.status < 3
                                        ? s_status[now.status]
                                        : "unknown"));
    json_object_set_new(o, "custody",
                        json_string((unsigned)now.custody < 5
                                        ? s_custody[now.custody]
                                        : "unknown"));
    json_object_set_new(o, "holder",
                        now.holder && users ? json_string(now.holder)
                                            : json_null());
    json_object_set_new(o, "site",
                        now.site ? json_string(now.site) : json_null());
    json_object_set_new(o, "vehicle",
                        now.vehicle ? json_string(now.vehicle) : json_null());
    json_object_set_new(o, "now_en", json_string(en));
    json_object_set_new(o, "now_zh", json_string(zh));
    uint32_t next = cyl->has_next_inspection_ymd ? cyl->next_inspection_ymd
                    : cyl->reg->has_next_inspection_ymd
                        ? cyl->reg->next_inspection_ymd
                        : 0;
    json_object_set_new(o, "next_inspection",
                        next ? json_string(s_ymd_text(next, d)) : json_null());
    json_object_set_new(o, "inspection_overdue",
                        json_boolean(next == 0 || next < today));
    json_object_set_new(o, "code_revision",
                        json_integer(lpg_cylinder_code_revision(cyl)));
    lpg_verdict_t v;
    memset(&v, 0, sizeof v);
    lpg_rules_cylinder(&v, cyl, today);
    json_t *reasons = json_array();
    for (size_t i = 0; i < v.n; i++) {
        json_t *r = json_object();
        json_object_set_new(r, "token", json_string(v.reasons[i].token));
        json_object_set_new(r, "zh", json_string(v.reasons[i].zh));
        json_object_set_new(r, "en", json_string(v.reasons[i].en));
        json_array_append_new(reasons, r);
    }
    json_object_set_new(o, "reasons", reasons);
    return o;
}

/*  The ledger's read transaction, or a problem answered. */
static lpg_txn_t *
s_read(lpg_webd_t *w, lpg_webd_resp_t *resp)
{
    lpg_ledger_t *l = lpg_webd_ledger(w);
    lpg_txn_t *t = NULL;
    if (!l || lpg_ledger_read(l, &t) != LPG_OK) {
        lpg_webd_problem(resp, 503, "ledger-unavailable", "Ledger unavailable",
                         "This gateway cannot read the ledger now.");
        return NULL;
    }
    return t;
}

static void
s_cylinder(lpg_webd_t *w, const char *seg, lpg_webd_resp_t *resp,
           const lpg_webd_device_t *dev)
{
    char id[S_ID_MAX + 1];
    if (!lpg_webd_api_segment(seg, strlen(seg), id, sizeof id)) {
        lpg_webd_api_problem(resp, 400, "invalid-cylinder", "Invalid cylinder",
                             "not a GRAI or a code, percent-encoded",
                             "cylinder");
        return;
    }
    char grai[LPG_CODE_GRAI_MAX + 1];
    if (strncmp(id, "https://", 8) == 0) {
        lpg_code_t parsed;
        memset(&parsed, 0, sizeof parsed);
        int rc =
            s_api.codes
                ? lpg_code_cache_verify(
                      s_api.codes, id, strlen(id),
                      s_api.resolver[0] ? s_api.resolver : NULL, &parsed)
            : s_api.authority
                ? lpg_code_verify(id, strlen(id),
                                  s_api.resolver[0] ? s_api.resolver : NULL,
                                  s_api.authority, &parsed)
                : lpg_code_parse(id, strlen(id), NULL, &parsed);
        if (rc != LPG_OK && rc != LPG_ECODE_CASE) {
            lpg_webd_api_problem(resp, 422, "invalid-code", "Invalid code",
                                 parsed.why[0] ? parsed.why : lpg_strerror(rc),
                                 "cylinder");
            return;
        }
        snprintf(grai, sizeof grai, "%s", parsed.grai);
    } else if (strlen(id) <= LPG_CODE_GRAI_MAX) {
        snprintf(grai, sizeof grai, "%s", id);
    } else {
        lpg_webd_api_problem(resp, 400, "invalid-cylinder", "Invalid cylinder",
                             "longer than any GRAI", "cylinder");
        return;
    }
    lpg_txn_t *t = s_read(w, resp);
    if (!t)
        return;
    Lpg__CylinderState *cyl = NULL;
    int rc = lpg_state_load(t, LPG_TABLE_CYLINDERS, grai,
                            &lpg__cylinder_state__descriptor,
                            (ProtobufCMessage **)&cyl);
    if (rc == LPG_ENOTFOUND)
        lpg_webd_problem(resp, 404, "no-such-cylinder", "No such cylinder",
                         "No cylinder is registered under this GRAI.");
    else if (rc != LPG_OK)
        lpg_webd_problem(resp, 503, "ledger-unavailable", "Ledger unavailable",
                         NULL);
    else {
        uint32_t today = lpg_local_ymd(lpg_clock_now_ms(), s_api.zone);
        lpg_webd_api_json(resp, 200, s_cylinder_json(cyl, today, dev));
    }
    lpg_state_free(cyl);
    lpg_txn_abort(&t);
}

/* ---- GET /api/v1/users/{id}/hazards ------------------------------------ */

typedef struct {
    const char *user;
    json_t *list;
} s_hazards_t;

static int
s_on_hazard(void *ctx, const void *key, size_t klen, const void *val,
            size_t vlen)
{
    s_hazards_t *h = ctx;
    size_t ulen = strlen(h->user);
    /* "hazard/<user>/<inspection>/<item>" */
    if (klen < 8 + ulen || memcmp(key, "hazard/", 7) != 0 ||
        memcmp((const char *)key + 7, h->user, ulen) != 0 ||
        ((const char *)key)[7 + ulen] != '/')
        return LPG_OK;
    Lpg__HazardState *hz = lpg__hazard_state__unpack(NULL, vlen, val);
    if (!hz)
        return LPG_ECORRUPT;
    if (!hz->has_rectified_seq && strcmp(hz->user, h->user) == 0) {
        json_t *o = json_object();
        char d[11];
        json_object_set_new(o, "hazard", json_stringn(key, klen));
        json_object_set_new(o, "item", json_string(hz->item));
        json_object_set_new(o, "severity",
                            json_string(hz->major ? "major" : "minor"));
        json_object_set_new(o, "deadline",
                            json_string(s_ymd_text(hz->deadline_ymd, d)));
        json_object_set_new(o, "escalated",
                            json_boolean(hz->has_escalated_seq));
        json_object_set_new(o, "escalated_to",
                            hz->has_escalated_seq && hz->escalated_to
                                ? json_string(hz->escalated_to)
                                : json_null());
        json_array_append_new(h->list, o);
    }
    lpg__hazard_state__free_unpacked(hz, NULL);
    return LPG_OK;
}

static void
s_hazards(lpg_webd_t *w, const char *seg, lpg_webd_resp_t *resp,
          const lpg_webd_device_t *dev)
{
    char user[S_ID_MAX + 1];
    if (!lpg_webd_api_segment(seg, strlen(seg), user, sizeof user) ||
        strchr(user, '/') || strlen(user) > LPG_STRING_MAX) {
        lpg_webd_api_problem(resp, 400, "invalid-user", "Invalid user",
                             "not a user id, percent-encoded", "user");
        return;
    }
    const char *company = NULL;
    if (!lpg_pii_scope(dev->state, &company)) {
        lpg_webd_problem(resp, 403, "scope", "Not in this device's scope",
                         "Only the regulator's workstation, and a "
                         "company's admin, station, driver and inspector "
                         "devices for the company's own users, may look "
                         "users up.");
        return;
    }
    lpg_txn_t *t = s_read(w, resp);
    if (!t)
        return;
    Lpg__UserState *u = NULL;
    int rc =
        lpg_state_load(t, LPG_TABLE_USERS, user, &lpg__user_state__descriptor,
                       (ProtobufCMessage **)&u);
    /* a user of another company is as unknown as a user never added */
    if (rc == LPG_ENOTFOUND ||
        (rc == LPG_OK && company && strcmp(u->add->company, company) != 0)) {
        lpg_webd_problem(resp, 404, "no-such-user", "No such user",
                         "No user of this device's company has this id.");
        goto cleanup;
    }
    if (rc != LPG_OK) {
        lpg_webd_problem(resp, 503, "ledger-unavailable", "Ledger unavailable",
                         NULL);
        goto cleanup;
    }
    s_hazards_t h = {user, json_array()};
    rc = lpg_txn_foreach(t, LPG_TABLE_HAZARDS, s_on_hazard, &h);
    if (rc != LPG_OK) {
        json_decref(h.list);
        lpg_webd_problem(resp, 503, "ledger-unavailable", "Ledger unavailable",
                         NULL);
        goto cleanup;
    }
    json_t *o = json_object();
    json_object_set_new(o, "user", json_string(user));
    json_object_set_new(o, "erased", json_boolean(u->has_erased_seq));
    json_object_set_new(o, "hazards", h.list);
    lpg_webd_api_json(resp, 200, o);
cleanup:
    lpg_state_free(u);
    lpg_txn_abort(&t);
}

/* ---- GET /api/v1/orders ------------------------------------------------ */

typedef struct {
    bool open;
    uint64_t placed_ms;
    json_t *o;
} s_order_row_t;

typedef struct {
    lpg_txn_t *t;
    const char *company, *driver, *vehicle;
    s_order_row_t *rows;
    size_t n, cap;
    int rc;
} s_orders_t;

static int
s_on_order(void *ctx, const void *key, size_t klen, const void *val,
           size_t vlen)
{
    (void)key;
    (void)klen;
    s_orders_t *q = ctx;
    Lpg__OrderState *o = lpg__order_state__unpack(NULL, vlen, val);
    if (!o)
        return LPG_ECORRUPT;
    /* the driver's own orders, else (a device bound to a vehicle only)
     * the vehicle's, of the device's company */
    bool mine =
        o->driver && o->company && strcmp(o->company, q->company) == 0 &&
        (q->driver ? strcmp(o->driver, q->driver) == 0
                   : o->vehicle && strcmp(o->vehicle, q->vehicle) == 0);
    if (!mine) {
        lpg__order_state__free_unpacked(o, NULL);
        return LPG_OK;
    }
    if (q->n == q->cap) {
        size_t cap = q->cap ? 2 * q->cap : 16;
        s_order_row_t *r = realloc(q->rows, cap * sizeof *r);
        if (!r) {
            lpg__order_state__free_unpacked(o, NULL);
            return LPG_ENOMEM;
        }
        q->rows = r;
        q->cap = cap;
    }
    json_t *j = json_object();
    json_object_set_new(j, "order", json_string(o->place->order));
    json_object_set_new(j, "status",
                        json_string(lpg_order_status_word(o->status)));
    json_object_set_new(j, "company", json_string(o->company));
    json_object_set_new(j, "user", json_string(o->user));
    /* What the registry holds in clear: the address is sealed with the
     * personal data, opened only with a recorded look: the regulator's
     * reveal, or this driver's POST .../address (api_address.c). */
    Lpg__UserState *u = lpg_state_get(q->t, LPG_TABLE_USERS, o->user,
                                      &lpg__user_state__descriptor);
    bool erased = !u || u->has_erased_seq;
    json_object_set_new(j, "masked_name",
                        !erased && u->add->masked_name
                            ? json_string(u->add->masked_name)
                            : json_null());
    json_object_set_new(j, "area",
                        !erased && u->add->area ? json_string(u->add->area)
                                                : json_null());
    lpg_state_free(u);
    json_object_set_new(j, "spec", json_string(o->place->spec));
    json_object_set_new(j, "count", json_integer(o->place->count));
    json_object_set_new(j, "slot_from_ms",
                        json_integer((json_int_t)o->place->slot_from_ms));
    json_object_set_new(j, "slot_to_ms",
                        json_integer((json_int_t)o->place->slot_to_ms));
    json_object_set_new(j, "placed_ms",
                        json_integer((json_int_t)o->placed_ms));
    json_object_set_new(j, "driver", json_string(o->driver));
    json_object_set_new(j, "vehicle",
                        o->vehicle ? json_string(o->vehicle) : json_null());
    json_object_set_new(j, "delivered_ms",
                        o->has_delivered_ms
                            ? json_integer((json_int_t)o->delivered_ms)
                            : json_null());
    q->rows[q->n].open = o->status == LPG__ORDER_STATUS__ORDER_ASSIGNED ||
                         o->status == LPG__ORDER_STATUS__ORDER_OUT;
    q->rows[q->n].placed_ms = o->placed_ms;
    q->rows[q->n].o = j;
    q->n++;
    lpg__order_state__free_unpacked(o, NULL);
    return LPG_OK;
}

/*  Open orders first, then oldest first. */
static int
s_order_cmp(const void *a, const void *b)
{
    const s_order_row_t *x = a, *y = b;
    if (x->open != y->open)
        return x->open ? -1 : 1;
    return x->placed_ms < y->placed_ms ? -1 : x->placed_ms > y->placed_ms;
}

static void
s_orders(lpg_webd_t *w, lpg_webd_resp_t *resp, const lpg_webd_device_t *dev)
{
    const Lpg__DeviceState *d = dev->state;
    const char *driver = d->person && *d->person ? d->person : NULL;
    const char *vehicle = d->vehicle && *d->vehicle ? d->vehicle : NULL;
    if (!driver && !vehicle) {
        lpg_webd_problem(resp, 403, "no-driver", "No driver",
                         "This device is bound to no driver and no vehicle "
                         "(device enroll --person or --vehicle): it has no "
                         "orders of its own.");
        return;
    }
    lpg_txn_t *t = s_read(w, resp);
    if (!t)
        return;
    s_orders_t q = {t, d->company, driver, vehicle, NULL, 0, 0, LPG_OK};
    int rc = lpg_txn_foreach(t, LPG_TABLE_ORDERS, s_on_order, &q);
    lpg_txn_abort(&t);
    if (rc != LPG_OK) {
        for (size_t i = 0; i < q.n; i++)
            json_decref(q.rows[i].o);
        free(q.rows);
        lpg_webd_problem(resp, 503, "ledger-unavailable", "Ledger unavailable",
                         NULL);
        return;
    }
    if (q.n > 1)
        qsort(q.rows, q.n, sizeof *q.rows, s_order_cmp);
    json_t *list = json_array();
    for (size_t i = 0; i < q.n; i++)
        json_array_append_new(list, q.rows[i].o);
    free(q.rows);
    json_t *o = json_object();
    json_object_set_new(o, "driver",
                        driver ? json_string(driver) : json_null());
    json_object_set_new(o, "vehicle",
                        vehicle ? json_string(vehicle) : json_null());
    json_object_set_new(o, "orders", list);
    lpg_webd_api_json(resp, 200, o);
}

/* ---- routing ----------------------------------------------------------- */

static void
s_method(lpg_webd_resp_t *resp, const char *allow)
{
    lpg_webd_problem(resp, 405, "method-not-allowed", "Method not allowed",
                     NULL);
    snprintf(resp->extra_headers, sizeof resp->extra_headers, "Allow: %s\r\n",
             allow);
}

void
lpg_webd_api(lpg_webd_t *w, const lpg_webd_req_t *req, lpg_webd_resp_t *resp)
{
    s_init(w);
    const char *path = req->path;
    bool get =
        strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0;
    bool post = strcmp(req->method, "POST") == 0;
    if (strncmp(path, S_PREFIX, strlen(S_PREFIX)) != 0) {
        lpg_webd_problem(resp, 404, "not-found", "Not found", NULL);
        return;
    }
    const char *rest = path + strlen(S_PREFIX);
    if (strcmp(rest, "openapi.json") == 0) {
        if (!get)
            return s_method(resp, "GET, HEAD");
        lpg_webd_api_openapi(resp);
        return;
    }
    enum {
        S_NONE,
        S_PREPARE,
        S_SUBMIT,
        S_CYLINDER,
        S_HAZARDS,
        S_ORDERS,
        S_ADDRESS
    } route = S_NONE;
    const char *seg = NULL;
    char userseg[3 * S_ID_MAX + 1];
    if (strcmp(rest, "prepare") == 0)
        route = S_PREPARE;
    else if (strcmp(rest, "submit") == 0)
        route = S_SUBMIT;
    else if (strcmp(rest, "orders") == 0)
        route = S_ORDERS;
    else if (strncmp(rest, "orders/", 7) == 0 && rest[7] &&
             strcmp(rest + 7 + strcspn(rest + 7, "/"), "/address") == 0) {
        route = S_ADDRESS; /* orders/{order}/address */
        seg = rest + 7;
    } else if (strncmp(rest, "cylinders/", 10) == 0 && rest[10]) {
        route = S_CYLINDER;
        seg = rest + 10;
    } else if (strncmp(rest, "users/", 6) == 0) {
        const char *u = rest + 6;
        size_t n = strcspn(u, "/");
        if (n > 0 && n < sizeof userseg && strcmp(u + n, "/hazards") == 0) {
            memcpy(userseg, u, n);
            userseg[n] = '\0';
            seg = userseg;
            route = S_HAZARDS;
        }
    }
    if (route == S_NONE) {
        lpg_webd_problem(resp, 404, "not-found", "Not found",
                         "No such API resource: see /api/v1/openapi.json.");
        return;
    }
    bool want_post =
        route == S_PREPARE || route == S_SUBMIT || route == S_ADDRESS;
    if (want_post && !post)
        return s_method(resp, "POST");
    if (!want_post && !get)
        return s_method(resp, "GET, HEAD");
    lpg_webd_device_t dev;
    s_timing_t tm = {0};
    double t0 = s_us();
    if (!lpg_webd_api_auth(w, req, resp, &dev))
        return; /* the problem is answered */
    double t1 = s_us();
    tm.auth = t1 - t0;
    switch (route) {
    case S_PREPARE:
        s_prepare(w, req, resp, &dev);
        break;
    case S_SUBMIT:
        s_submit(w, req, resp, &dev, &tm.relay);
        break;
    case S_CYLINDER:
        s_cylinder(w, seg, resp, &dev);
        break;
    case S_HAZARDS:
        s_hazards(w, seg, resp, &dev);
        break;
    case S_ORDERS:
        s_orders(w, resp, &dev);
        break;
    case S_ADDRESS:
        lpg_webd_api_address(w, req, resp, &dev, seg, strcspn(seg, "/"));
        break;
    case S_NONE:
        break;
    }
    lpg_webd_device_clear(&dev);
    if (route == S_PREPARE || route == S_SUBMIT) {
        double t2 = s_us();
        tm.work = t2 - t1 - tm.relay;
        s_server_timing(resp, &tm, t2 - t0);
    }
}
