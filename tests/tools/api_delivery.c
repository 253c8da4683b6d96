/*  api_delivery.c - bench tool: times one delivery over lpg-webd's
 *  handheld API against the same delivery over ZeroMQ, both from C, so
 *  that neither side carries a scripting language's own overhead
 *  (tests/bench/delivery_api.py sets the world up and reports).
 *
 *    api_delivery URL ENDPOINT SERVER_PUB KEYPREFIX ACTOR VEHICLE USER
 *                 GAS_CERT JOBS
 *
 *  KEYPREFIX.pem is the handheld's Ed25519 key, KEYPREFIX.curve its CURVE
 *  secret; ENDPOINT and SERVER_PUB (a .curve.pub file) are lpg-deliveryd's.
 *  JOBS is a file of lines "CODE GRAI", one cylinder each, dispatched on
 *  VEHICLE: line 1 is delivered over the API, line 2 over ZeroMQ, line 3
 *  over the API and so on, in turn, so the machine's noise falls on both
 *  alike. Before timing, both connections are made and used once.
 *
 *  API: POST /api/v1/prepare (the JSON step, Content-Digest, RFC 9421
 *  signature with the device key, a fresh nonce) -> the Event bytes ->
 *  the device signs them -> POST /api/v1/submit (signed the same way),
 *  over one kept-alive TCP connection with TCP_NODELAY. ZeroMQ: the same
 *  Event built here, signed, sent as Submit over the device's own CURVE
 *  connection (lpg_client). Every delivery must come back OK.
 *
 *  Prints one line per delivery: "api" or "zmq", then name=ms pairs:
 *  total; for the API p_sign, p_rtt, then the prepare's Server-Timing
 *  stages as p_NAME, event_sign, s_sign, s_rtt, s_NAME; for ZeroMQ sign,
 *  rtt. Exit 0, 1 if a delivery is refused or lost, 2 on a usage error.
 */
#include "base/error.h"
#include "crypto/crypto.h"
#include "ledger/event.h"
#include "net/client.h"
#include "net/httpsig.h"
#include "net/transport.h"

#include <jansson.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define S_RESP_MAX 65536
#define S_NCHECKS 6

static const char *const s_checks[S_NCHECKS] = {
    "hose", "regulator", "valve", "leak", "stove", "storage"};

typedef struct {
    int fd;
    char host[256]; /* host:port, as in Host and the target URI */
    char base[300]; /* http://host:port */
    lpg_key_t *key;
    char keyid[2 * LPG_KEYID_LEN + 1];
} s_http_t;

typedef struct {
    int status;
    char *body; /* NUL-terminated, in buf */
    char timing[512];
    char buf[S_RESP_MAX + 1];
} s_resp_t;

static double
s_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int
s_die(const char *what, const char *why)
{
    fprintf(stderr, "api_delivery: %s: %s\n", what, why);
    return 1;
}

static int
s_connect(s_http_t *h, const char *url)
{
    if (strncmp(url, "http://", 7) != 0)
        return LPG_EINVAL;
    snprintf(h->host, sizeof h->host, "%.*s", (int)strcspn(url + 7, "/"),
             url + 7);
    snprintf(h->base, sizeof h->base, "http://%s", h->host);
    char name[256], *colon;
    snprintf(name, sizeof name, "%s", h->host);
    colon = strrchr(name, ':');
    const char *port = "80";
    if (colon) {
        *colon = '\0';
        port = colon + 1;
    }
    struct addrinfo hints = {0}, *ai = NULL;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(name, port, &hints, &ai) != 0)
        return LPG_EUNAVAILABLE;
    h->fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    int rc = h->fd >= 0 && connect(h->fd, ai->ai_addr, ai->ai_addrlen) == 0
                 ? LPG_OK
                 : LPG_EUNAVAILABLE;
    freeaddrinfo(ai);
    int one = 1;
    if (rc == LPG_OK)
        setsockopt(h->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return rc;
}

static const char *s_digest_value;

static const char *
s_header(void *hctx, const char *name)
{
    (void)hctx;
    return strcasecmp(name, "content-digest") == 0 ? s_digest_value : NULL;
}

/*  The request's head, signed: Content-Digest and an RFC 9421 signature
 *  over @method, @target-uri and content-digest, created now, a fresh
 *  nonce, alg ed25519 and the device's keyid. */
static int
s_head(s_http_t *h, const char *path, const char *body, size_t len, char *out,
       size_t outsz, size_t *outlen)
{
    char digest[128], target[512], nonce_b[16], nonce[32];
    char input[1024], sig[256], why[256];
    int rc = lpg_content_digest(body, len, digest, sizeof digest);
    size_t nl = 0;
    if (rc == LPG_OK)
        rc = lpg_random(nonce_b, sizeof nonce_b);
    if (rc == LPG_OK)
        rc = lpg_base64_encode(nonce_b, sizeof nonce_b, true, nonce,
                               sizeof nonce, &nl);
    if (rc != LPG_OK)
        return rc;
    snprintf(target, sizeof target, "%s%s", h->base, path);
    lpg_httpsig_params_t p;
    lpg_httpsig_params_init(&p);
    lpg_httpsig_params_add(&p, "@method");
    lpg_httpsig_params_add(&p, "@target-uri");
    lpg_httpsig_params_add(&p, "content-digest");
    lpg_httpsig_params_set_time(&p, LPG_HTTPSIG_CREATED, (int64_t)time(NULL));
    lpg_httpsig_params_set(&p, LPG_HTTPSIG_NONCE, nonce);
    lpg_httpsig_params_set(&p, LPG_HTTPSIG_ALG, "ed25519");
    lpg_httpsig_params_set(&p, LPG_HTTPSIG_KEYID, h->keyid);
    s_digest_value = digest;
    lpg_httpsig_req_t req = {"POST", target, s_header, NULL};
    rc = lpg_httpsig_sign(&req, &p, "sig1", h->key, input, sizeof input, sig,
                          sizeof sig, why, sizeof why);
    if (rc != LPG_OK)
        return rc;
    int n = snprintf(out, outsz,
                     "POST %s HTTP/1.1\r\nHost: %s\r\n"
                     "Content-Type: application/json\r\n"
                     "Content-Length: %zu\r\nContent-Digest: %s\r\n"
                     "Signature-Input: %s\r\nSignature: %s\r\n\r\n",
                     path, h->host, len, digest, input, sig);
    if (n < 0 || (size_t)n >= outsz)
        return LPG_ERANGE;
    *outlen = (size_t)n;
    return LPG_OK;
}

static bool
s_write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

/*  Sends head + body in one write and reads one response (Content-Length
 *  framed). */
static int
s_exchange(s_http_t *h, const char *head, size_t hlen, const char *body,
           size_t blen, s_resp_t *r)
{
    char out[8192];
    if (hlen + blen > sizeof out)
        return LPG_ETOOBIG;
    memcpy(out, head, hlen);
    memcpy(out + hlen, body, blen);
    if (!s_write_all(h->fd, out, hlen + blen))
        return LPG_EUNAVAILABLE;
    size_t got = 0, need = 0;
    char *eoh = NULL;
    for (;;) {
        if (got >= S_RESP_MAX)
            return LPG_ETOOBIG;
        ssize_t n = recv(h->fd, r->buf + got, S_RESP_MAX - got, 0);
        if (n <= 0)
            return LPG_EUNAVAILABLE;
        got += (size_t)n;
        r->buf[got] = '\0';
        if (!eoh && (eoh = strstr(r->buf, "\r\n\r\n")) != NULL) {
            const char *cl = strcasestr(r->buf, "\r\nContent-Length:");
            if (!cl || cl > eoh)
                return LPG_EMALFORMED;
            need = (size_t)(eoh + 4 - r->buf) + strtoul(cl + 17, NULL, 10);
        }
        if (eoh && got >= need)
            break;
    }
    if (got != need)
        return LPG_EMALFORMED;
    r->status = atoi(r->buf + 9);
    r->body = eoh + 4;
    r->timing[0] = '\0';
    const char *st = strcasestr(r->buf, "\r\nServer-Timing:");
    if (st && st < eoh) {
        st += 16;
        size_t n = strcspn(st, "\r");
        snprintf(r->timing, sizeof r->timing, "%.*s", (int)n, st);
    }
    return LPG_OK;
}

/*  Prints " TAGNAME=MS" for each "NAME;dur=MS" of a Server-Timing
 *  value. */
static void
s_print_timing(const char *tag, const char *v)
{
    char name[32];
    double ms;
    int used = 0;
    while (sscanf(v, " %31[^;, ];dur=%lf%n", name, &ms, &used) == 2) {
        printf(" %s%s=%.4f", tag, name, ms);
        v += used;
        v += strspn(v, " ,");
    }
}

static int
s_post(s_http_t *h, const char *path, const char *body, s_resp_t *r,
       double *sign_ms, double *rtt_ms)
{
    char head[4096];
    size_t hlen = 0;
    double t0 = s_ms();
    int rc = s_head(h, path, body, strlen(body), head, sizeof head, &hlen);
    double t1 = s_ms();
    if (rc == LPG_OK)
        rc = s_exchange(h, head, hlen, body, strlen(body), r);
    *sign_ms = t1 - t0;
    *rtt_ms = s_ms() - t1;
    return rc;
}

static char *
s_step_json(const char *code, const char *vehicle, const char *user,
            const char *actor, const char *gas_cert)
{
    json_t *checks = json_array();
    for (int i = 0; i < S_NCHECKS; i++)
        json_array_append_new(
            checks, json_pack("{s:s,s:b}", "item", s_checks[i], "ok", 1));
    json_t *o =
        json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:o}", "step", "deliver", "code",
                  code, "vehicle", vehicle, "user", user, "actor", actor,
                  "gas_cert", gas_cert, "checks", checks);
    char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    return text;
}

/*  One delivery over the API; prints its line. */
static int
s_api(s_http_t *h, const char *code, const char *vehicle, const char *user,
      const char *actor, const char *gas_cert, s_resp_t *r)
{
    double t0 = s_ms(), p_sign, p_rtt, s_sign, s_rtt;
    char *step = s_step_json(code, vehicle, user, actor, gas_cert);
    if (!step)
        return s_die("prepare", "no memory");
    int rc = s_post(h, "/api/v1/prepare", step, r, &p_sign, &p_rtt);
    free(step);
    if (rc != LPG_OK || r->status != 200)
        return s_die("prepare", rc != LPG_OK ? lpg_strerror(rc) : r->body);
    char p_timing[512];
    snprintf(p_timing, sizeof p_timing, "%s", r->timing);
    double t1 = s_ms();
    json_error_t err;
    json_t *prep = json_loads(r->body, JSON_ALLOW_NUL, &err);
    const char *b64 = json_string_value(json_object_get(prep, "event_b64"));
    uint8_t event[LPG_EVENT_MAX_BYTES], sig[LPG_ED25519_SIG_LEN];
    size_t elen = 0, slen = 0;
    char sig64[128];
    char *body = NULL;
    rc = b64 ? lpg_base64_decode(b64, strlen(b64), false, event, sizeof event,
                                 &elen)
             : LPG_EMALFORMED;
    /* the device signs sign_context (LPG_CTX_EVENT's bytes) + the event */
    if (rc == LPG_OK)
        rc = lpg_sign(h->key, LPG_CTX_EVENT, event, elen, sig);
    if (rc == LPG_OK)
        rc = lpg_base64_encode(sig, sizeof sig, false, sig64, sizeof sig64,
                               &slen);
    if (rc == LPG_OK) {
        json_t *o =
            json_pack("{s:s,s:s}", "event_b64", b64, "signature_b64", sig64);
        body = o ? json_dumps(o, JSON_COMPACT) : NULL;
        json_decref(o);
    }
    json_decref(prep);
    double event_sign = s_ms() - t1;
    if (!body)
        return s_die("sign", rc != LPG_OK ? lpg_strerror(rc) : "no memory");
    rc = s_post(h, "/api/v1/submit", body, r, &s_sign, &s_rtt);
    free(body);
    double total = s_ms() - t0;
    if (rc != LPG_OK || r->status != 200)
        return s_die("submit", rc != LPG_OK ? lpg_strerror(rc) : r->body);
    json_t *ans = json_loads(r->body, 0, &err);
    const char *st = json_string_value(json_object_get(ans, "status"));
    bool ok = st && strcmp(st, "OK") == 0;
    json_decref(ans);
    if (!ok)
        return s_die("submit refused", r->body);
    printf("api total=%.4f p_sign=%.4f p_rtt=%.4f", total, p_sign, p_rtt);
    s_print_timing("p_", p_timing);
    printf(" event_sign=%.4f s_sign=%.4f s_rtt=%.4f", event_sign, s_sign,
           s_rtt);
    s_print_timing("s_", r->timing);
    printf("\n");
    return 0;
}

/*  The same delivery over ZeroMQ; prints its line. */
static int
s_zmq(lpg_client_t *c, const lpg_key_t *key, const char *code,
      const char *grai, const char *vehicle, const char *user,
      const char *actor, const char *gas_cert)
{
    double t0 = s_ms();
    Lpg__CheckItem items[S_NCHECKS], *ptrs[S_NCHECKS];
    for (int i = 0; i < S_NCHECKS; i++) {
        lpg__check_item__init(&items[i]);
        items[i].item = (char *)s_checks[i];
        items[i].ok = true;
        ptrs[i] = &items[i];
    }
    Lpg__Delivery d = LPG__DELIVERY__INIT;
    d.vehicle = (char *)vehicle;
    d.gas_cert = (char *)gas_cert;
    d.code = (char *)code;
    d.n_checks = S_NCHECKS;
    d.checks = ptrs;
    Lpg__Event ev = LPG__EVENT__INIT;
    ev.cylinder = (char *)grai;
    ev.actor = (char *)actor;
    ev.user = (char *)user;
    ev.body_case = LPG__EVENT__BODY_DELIVERY;
    ev.delivery = &d;
    uint8_t *se = NULL;
    size_t selen = 0;
    int rc = lpg_client_sign(key, &ev, NULL, NULL, &se, &selen);
    double t1 = s_ms();
    Lpg__Reply *r = NULL;
    if (rc == LPG_OK)
        rc = lpg_client_submit(c, se, selen, &r);
    double t2 = s_ms();
    free(se);
    if (rc != LPG_OK)
        return s_die("submit over ZeroMQ", lpg_strerror(rc));
    bool ok = r->status == LPG__STATUS__STATUS_OK;
    if (!ok)
        fprintf(stderr, "api_delivery: over ZeroMQ: %s %s\n", r->token,
                r->message);
    lpg__reply__free_unpacked(r, NULL);
    if (!ok)
        return 1;
    printf("zmq total=%.4f sign=%.4f rtt=%.4f\n", t2 - t0, t1 - t0, t2 - t1);
    return 0;
}

int
main(int argc, char **argv)
{
    if (argc != 10) {
        fprintf(stderr, "usage: api_delivery URL ENDPOINT SERVER_PUB "
                        "KEYPREFIX ACTOR VEHICLE USER GAS_CERT JOBS\n");
        return 2;
    }
    const char *actor = argv[5], *vehicle = argv[6], *user = argv[7];
    const char *gas_cert = argv[8];
    char path[4096];
    s_http_t h = {.fd = -1};
    snprintf(path, sizeof path, "%s.pem", argv[4]);
    int rc = lpg_key_load_private(&h.key, path);
    if (rc != LPG_OK)
        return s_die(path, lpg_strerror(rc));
    uint8_t kid[LPG_KEYID_LEN];
    lpg_key_id(h.key, kid);
    lpg_hex(kid, sizeof kid, h.keyid);
    uint8_t server_pub[32], sec[32];
    snprintf(path, sizeof path, "%s.curve", argv[4]);
    if (lpg_curve_load(argv[3], server_pub) != LPG_OK ||
        lpg_curve_load(path, sec) != LPG_OK)
        return s_die("CURVE keys", "not read");
    lpg_client_t *c = NULL;
    rc = lpg_client_new(&c, argv[2], server_pub, sec, 65536, 10000, 0);
    if (rc != LPG_OK)
        return s_die(argv[2], lpg_strerror(rc));
    rc = s_connect(&h, argv[1]);
    if (rc != LPG_OK)
        return s_die(argv[1], lpg_strerror(rc));
    FILE *f = fopen(argv[9], "r");
    if (!f)
        return s_die(argv[9], "cannot open");
    s_resp_t *r = malloc(sizeof *r);
    if (!r)
        return s_die("memory", "none");
    /* warm both connections up, untimed: a ping to lpg-deliveryd, a
     * refused prepare to lpg-webd */
    Lpg__Request req = LPG__REQUEST__INIT;
    Lpg__Ping ping = LPG__PING__INIT;
    req.body_case = LPG__REQUEST__BODY_PING;
    req.ping = &ping;
    Lpg__Reply *pr = NULL;
    if (lpg_client_call(c, &req, &pr) != LPG_OK)
        return s_die("ping", "lpg-deliveryd did not answer");
    lpg__reply__free_unpacked(pr, NULL);
    double a, b;
    if (s_post(&h, "/api/v1/prepare", "{\"step\":\"deliver\"}", r, &a, &b) !=
        LPG_OK)
        return s_die("warm-up", "lpg-webd did not answer");
    char line[1024], code[512], grai[128];
    int status = 0;
    for (unsigned i = 0; status == 0 && fgets(line, sizeof line, f); i++) {
        if (sscanf(line, "%511s %127s", code, grai) != 2)
            continue;
        status =
            i % 2 == 0
                ? s_api(&h, code, vehicle, user, actor, gas_cert, r)
                : s_zmq(c, h.key, code, grai, vehicle, user, actor, gas_cert);
        fflush(stdout);
    }
    fclose(f);
    free(r);
    close(h.fd);
    lpg_client_destroy(&c);
    lpg_key_destroy(&h.key);
    return status;
}
