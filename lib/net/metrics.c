/*  metrics.c - see metrics.h. The libmicrohttpd adapter.
 *
 *  Counters live in small tables under one mutex (a request costs a
 *  lookup among a few dozen label pairs, nothing beside an fsync).
 *  Histogram buckets are kept per bucket and summed when rendered, so
 *  the text is cumulative as the format wants: each _bucket{le} counts
 *  the observations up to le, and le="+Inf" equals _count.
 */
#include "net/metrics.h"
#include "domain/kind.h"
#include "base/error.h"
#include "ledger/event.h"
#include "base/log.h"
#include "base/count.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define S_LABEL 48
#define S_MAX_SERIES 128 /* label pairs per counter; then "other" */
#define S_MAX_KINDS 32   /* request kinds with a latency histogram */

/*  Request latency, seconds. */
static const double s_lat_le[] = {0.0005, 0.001, 0.0025, 0.005, 0.01,
                                  0.025,  0.05,  0.1,    0.25,  0.5,
                                  1,      2.5,   5,      10};
#define S_NLAT (sizeof s_lat_le / sizeof s_lat_le[0])
/*  Events per committed transaction. */
static const double s_batch_le[] = {1,   2,   4,   8,    16,   32,  64,
                                    128, 256, 512, 1024, 2048, 4096};
#define S_NBATCH (sizeof s_batch_le / sizeof s_batch_le[0])

typedef struct {
    char a[S_LABEL], b[S_LABEL];
    uint64_t n;
} s_count_t;

typedef struct {
    char kind[S_LABEL];
    uint64_t bucket[S_NLAT]; /* not cumulative: le[i-1] < x <= le[i] */
    uint64_t count;
    uint64_t sum_ns;
} s_latency_t;

struct lpg_metrics {
    char service[S_LABEL];
    lpg_ledger_t *ledger;
    pthread_mutex_t lock;
    s_count_t requests[S_MAX_SERIES];
    size_t nrequests;
    s_count_t events[S_MAX_SERIES];
    size_t nevents;
    s_latency_t latency[S_MAX_KINDS];
    size_t nlatency;
    uint64_t batch_bucket[S_NBATCH];
    uint64_t batch_count, batch_sum;
    uint64_t stage_ns[LPG_METRICS_STAGES];
    struct MHD_Daemon *httpd;
    unsigned port;
};

uint64_t
lpg_metrics_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int
lpg_metrics_new(lpg_metrics_t **out, const char *service, lpg_ledger_t *ledger)
{
    *out = NULL;
    lpg_metrics_t *m = calloc(1, sizeof *m);
    if (!m)
        return LPG_ENOMEM;
    snprintf(m->service, sizeof m->service, "%s", service ? service : "");
    m->ledger = ledger;
    if (pthread_mutex_init(&m->lock, NULL) != 0) {
        free(m);
        return LPG_ENOMEM;
    }
    *out = m;
    return LPG_OK;
}

void
lpg_metrics_destroy(lpg_metrics_t **p)
{
    if (!p || !*p)
        return;
    lpg_metrics_t *m = *p;
    if (m->httpd)
        MHD_stop_daemon(m->httpd);
    pthread_mutex_destroy(&m->lock);
    free(m);
    *p = NULL;
}

/* ------------------------------------------------------------ counting */

/*  The counter of (a, b), made if new; the table's last slot collects
 *  every pair past its size as ("other", "other"). Under the lock. */
static s_count_t *
s_count(s_count_t *t, size_t *n, const char *a, const char *b)
{
    for (size_t i = 0; i < *n; i++)
        if (strncmp(t[i].a, a, S_LABEL - 1) == 0 &&
            strncmp(t[i].b, b, S_LABEL - 1) == 0)
            return &t[i];
    if (*n >= S_MAX_SERIES - 1) {
        a = b = "other";
        if (*n == S_MAX_SERIES)
            return &t[S_MAX_SERIES - 1];
    }
    s_count_t *c = &t[(*n)++];
    snprintf(c->a, sizeof c->a, "%s", a);
    snprintf(c->b, sizeof c->b, "%s", b);
    return c;
}

static size_t
s_bucket(const double *le, size_t n, double x)
{
    size_t i = 0;
    while (i < n && x > le[i])
        i++;
    return i; /* n: only +Inf holds it */
}

void
lpg_metrics_request(lpg_metrics_t *m, const char *kind, const char *status,
                    uint64_t elapsed_ns)
{
    if (!m)
        return;
    double secs = (double)elapsed_ns / 1e9;
    size_t b = s_bucket(s_lat_le, S_NLAT, secs);
    pthread_mutex_lock(&m->lock);
    s_count(m->requests, &m->nrequests, kind, status)->n++;
    s_latency_t *h = NULL;
    for (size_t i = 0; i < m->nlatency && !h; i++)
        if (strncmp(m->latency[i].kind, kind, S_LABEL - 1) == 0)
            h = &m->latency[i];
    if (!h && m->nlatency < S_MAX_KINDS) {
        h = &m->latency[m->nlatency++];
        snprintf(h->kind, sizeof h->kind, "%s",
                 m->nlatency == S_MAX_KINDS ? "other" : kind);
    }
    if (!h)
        h = &m->latency[S_MAX_KINDS - 1];
    if (b < S_NLAT)
        h->bucket[b]++;
    h->count++;
    h->sum_ns += elapsed_ns;
    pthread_mutex_unlock(&m->lock);
}

void
lpg_metrics_event(lpg_metrics_t *m, const uint8_t *signed_event, size_t len,
                  const char *status)
{
    if (!m)
        return;
    const char *kind = "undecodable";
    if (signed_event)
        lpg_count(LPG_COUNT_EVENT_PEEK); /* decoded for its kind alone */
    Lpg__SignedEvent *se =
        signed_event ? lpg__signed_event__unpack(NULL, len, signed_event)
                     : NULL;
    Lpg__Event *ev =
        se ? lpg__event__unpack(NULL, se->body.len, se->body.data) : NULL;
    if (ev)
        kind = lpg_kind_name(ev->body_case);
    pthread_mutex_lock(&m->lock);
    s_count(m->events, &m->nevents, kind, status)->n++;
    pthread_mutex_unlock(&m->lock);
    if (ev)
        lpg__event__free_unpacked(ev, NULL);
    if (se)
        lpg__signed_event__free_unpacked(se, NULL);
}

void
lpg_metrics_stage(lpg_metrics_t *m, lpg_metrics_stage_t stage,
                  uint64_t elapsed_ns)
{
    if (!m || (unsigned)stage >= LPG_METRICS_STAGES)
        return;
    pthread_mutex_lock(&m->lock);
    m->stage_ns[stage] += elapsed_ns;
    pthread_mutex_unlock(&m->lock);
}

void
lpg_metrics_event_kind(lpg_metrics_t *m, Lpg__Event__BodyCase kind,
                       const char *status)
{
    if (!m)
        return;
    pthread_mutex_lock(&m->lock);
    s_count(m->events, &m->nevents, lpg_kind_name(kind), status)->n++;
    pthread_mutex_unlock(&m->lock);
}

void
lpg_metrics_batch(lpg_metrics_t *m, size_t events)
{
    if (!m)
        return;
    size_t b = s_bucket(s_batch_le, S_NBATCH, (double)events);
    pthread_mutex_lock(&m->lock);
    if (b < S_NBATCH)
        m->batch_bucket[b]++;
    m->batch_count++;
    m->batch_sum += events;
    pthread_mutex_unlock(&m->lock);
}

/* ----------------------------------------------------------- rendering */

typedef struct {
    char *p;
    size_t len, cap;
    bool oom;
} s_buf_t;

static void s_put(s_buf_t *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
s_put(s_buf_t *b, const char *fmt, ...)
{
    if (b->oom)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int w = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
        if (w < 0) {
            b->oom = true;
            return;
        }
        if ((size_t)w < b->cap - b->len) {
            b->len += (size_t)w;
            return;
        }
        size_t cap = (b->cap + (size_t)w + 1) * 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
}

/*  A label value with \, " and newline escaped, as the format wants. */
static void
s_put_value(s_buf_t *b, const char *s)
{
    s_put(b, "\"");
    for (; *s; s++) {
        if (*s == '\\')
            s_put(b, "\\\\");
        else if (*s == '"')
            s_put(b, "\\\"");
        else if (*s == '\n')
            s_put(b, "\\n");
        else
            s_put(b, "%c", *s);
    }
    s_put(b, "\"");
}

static void
s_head(s_buf_t *b, const char *name, const char *type, const char *help)
{
    s_put(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/*  name{service="..."[,la="va"][,lb="vb"]} */
static void
s_series(s_buf_t *b, const lpg_metrics_t *m, const char *name, const char *la,
         const char *va, const char *lb, const char *vb)
{
    s_put(b, "%s{service=", name);
    s_put_value(b, m->service);
    if (la) {
        s_put(b, ",%s=", la);
        s_put_value(b, va);
    }
    if (lb) {
        s_put(b, ",%s=", lb);
        s_put_value(b, vb);
    }
}

static void
s_counters(s_buf_t *b, const lpg_metrics_t *m, const char *name,
           const char *help, const s_count_t *t, size_t n, const char *la,
           const char *lb)
{
    s_head(b, name, "counter", help);
    for (size_t i = 0; i < n; i++) {
        s_series(b, m, name, la, t[i].a, lb, t[i].b);
        s_put(b, "} %" PRIu64 "\n", t[i].n);
    }
}

/*  One histogram's samples; la/va: its extra label, may be NULL. */
static void
s_histogram(s_buf_t *b, const lpg_metrics_t *m, const char *name,
            const char *la, const char *va, const double *le,
            const uint64_t *bucket, size_t nb, uint64_t count, double sum)
{
    char bname[128], le_text[32];
    snprintf(bname, sizeof bname, "%s_bucket", name);
    uint64_t cum = 0;
    for (size_t i = 0; i < nb; i++) {
        cum += bucket[i];
        snprintf(le_text, sizeof le_text, "%g", le[i]);
        s_series(b, m, bname, la, va, "le", le_text);
        s_put(b, "} %" PRIu64 "\n", cum);
    }
    s_series(b, m, bname, la, va, "le", "+Inf");
    s_put(b, "} %" PRIu64 "\n", count);
    snprintf(bname, sizeof bname, "%s_sum", name);
    s_series(b, m, bname, la, va, NULL, NULL);
    s_put(b, "} %.9g\n", sum);
    snprintf(bname, sizeof bname, "%s_count", name);
    s_series(b, m, bname, la, va, NULL, NULL);
    s_put(b, "} %" PRIu64 "\n", count);
}

static void
s_gauge(s_buf_t *b, const lpg_metrics_t *m, const char *name, const char *help,
        double v)
{
    s_head(b, name, "gauge", help);
    s_series(b, m, name, NULL, NULL, NULL, NULL);
    s_put(b, "} %.17g\n", v);
}

int
lpg_metrics_render(lpg_metrics_t *m, char **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    s_buf_t b = {0};
    /* The work counters before the ledger's read transaction below, so
     * a scrape's own transaction shows in the next scrape, not this. */
    uint64_t work[LPG_COUNT_N];
    for (int i = 0; i < LPG_COUNT_N; i++)
        work[i] = lpg_count_get((lpg_count_t)i);
    /* The ledger first, outside the lock: a read transaction. */
    lpg_ledger_usage_t u;
    bool have_ledger = m->ledger && lpg_ledger_usage(m->ledger, &u) == LPG_OK;
    pthread_mutex_lock(&m->lock);
    s_counters(&b, m, "lpg_requests_total",
               "Requests answered, by request kind and reply status.",
               m->requests, m->nrequests, "request", "status");
    s_counters(&b, m, "lpg_events_total",
               "Submitted events answered, by event kind and status.",
               m->events, m->nevents, "kind", "status");
    s_head(&b, "lpg_request_duration_seconds", "histogram",
           "Time from receiving a request to sending its reply.");
    for (size_t i = 0; i < m->nlatency; i++) {
        const s_latency_t *h = &m->latency[i];
        s_histogram(&b, m, "lpg_request_duration_seconds", "request", h->kind,
                    s_lat_le, h->bucket, S_NLAT, h->count,
                    (double)h->sum_ns / 1e9);
    }
    s_head(&b, "lpg_commit_batch_events", "histogram",
           "Events per committed write transaction (group commit).");
    s_histogram(&b, m, "lpg_commit_batch_events", NULL, NULL, s_batch_le,
                m->batch_bucket, S_NBATCH, m->batch_count,
                (double)m->batch_sum);
    static const char *const stages[LPG_METRICS_STAGES] = {
        "prepare", "commit", "write", "sync", "journal"};
    s_head(&b, "lpg_append_seconds_total", "counter",
           "Time spent appending submitted events, by stage: prepare "
           "(senders and signers read, events decoded, signatures and "
           "codes checked), commit (up to the answer: the write transaction, "
           "then the journal's record synced, or LMDB's synced commit for a "
           "big one), write (the transaction begun and filled: rules, "
           "entries, tree, state), journal (its record written and synced) "
           "and sync (LMDB's synced commits, after the answer when "
           "journaled).");
    for (int i = 0; i < LPG_METRICS_STAGES; i++) {
        s_series(&b, m, "lpg_append_seconds_total", "stage", stages[i], NULL,
                 NULL);
        s_put(&b, "} %.9f\n", (double)m->stage_ns[i] / 1e9);
    }
    pthread_mutex_unlock(&m->lock);
    s_head(&b, "lpg_work_total", "counter",
           "Costly steps the process took: LMDB transactions begun, "
           "records, events and entries decoded, codes parsed, proof nodes "
           "read from the ledger or taken from memory.");
    for (int i = 0; i < LPG_COUNT_N; i++) {
        s_series(&b, m, "lpg_work_total", "what",
                 lpg_count_name((lpg_count_t)i), NULL, NULL);
        s_put(&b, "} %" PRIu64 "\n", work[i]);
    }
    if (have_ledger) {
        s_gauge(&b, m, "lpg_ledger_entries",
                "Entries in the ledger "
                "(the Merkle tree size) as LMDB last committed it.",
                (double)u.entries);
        s_gauge(&b, m, "lpg_ledger_journal_ahead_entries",
                "Entries answered from the journal that LMDB has not "
                "committed yet (at least): above 0 for a few ms at a "
                "time under load; for longer, LMDB cannot commit (a full "
                "disk?).",
                (double)u.journal_ahead);
        s_gauge(&b, m, "lpg_ledger_file_bytes",
                "Size of the ledger's "
                "data file.",
                (double)u.file_bytes);
        s_gauge(&b, m, "lpg_ledger_used_bytes",
                "Bytes of the ledger map "
                "in use (up to its last page).",
                (double)u.used_bytes);
        s_gauge(&b, m, "lpg_ledger_map_bytes",
                "The ledger's map size: "
                "the most it may use (ledger.map_size_gib).",
                (double)u.map_bytes);
        s_gauge(&b, m, "lpg_ledger_map_used_ratio",
                "Used bytes over the "
                "map size; at 1 the ledger is full.",
                u.map_bytes ? (double)u.used_bytes / (double)u.map_bytes : 0);
    }
    if (b.oom || !b.p) {
        free(b.p);
        return LPG_ENOMEM;
    }
    *out = b.p;
    *len = b.len;
    return LPG_OK;
}

/* ---------------------------------------------------------------- HTTP */

static enum MHD_Result
s_reply(struct MHD_Connection *c, unsigned code, const char *type, char *body,
        size_t len)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    if (code == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    enum MHD_Result ok = MHD_queue_response(c, code, r);
    MHD_destroy_response(r);
    return ok;
}

static enum MHD_Result
s_text(struct MHD_Connection *c, unsigned code, const char *text)
{
    char *body = strdup(text);
    return body ? s_reply(c, code, "text/plain; charset=utf-8", body,
                          strlen(body))
                : MHD_NO;
}

static enum MHD_Result
s_handle(void *cls, struct MHD_Connection *c, const char *url,
         const char *method, const char *version, const char *upload,
         size_t *upload_size, void **con_cls)
{
    lpg_metrics_t *m = cls;
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
        strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
        return s_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET /metrics\n");
    if (strcmp(url, "/metrics") != 0)
        return s_text(c, MHD_HTTP_NOT_FOUND, "only GET /metrics\n");
    char *body;
    size_t len;
    if (lpg_metrics_render(m, &body, &len) != LPG_OK)
        return s_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
    return s_reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8",
                   body, len);
}

static void s_mhd_log(void *cls, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static void
s_mhd_log(void *cls, const char *fmt, va_list ap)
{
    lpg_metrics_t *m = cls;
    char text[256];
    vsnprintf(text, sizeof text, fmt, ap);
    size_t n = strlen(text);
    while (n && (text[n - 1] == '\n' || text[n - 1] == '\r'))
        text[--n] = '\0';
    lpg_warn("%s: metrics: %s", m->service, text);
}

int
lpg_metrics_listen(lpg_metrics_t *m, unsigned port)
{
    if (m->httpd || port > 65535)
        return LPG_EINVAL;
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    /* Its thread takes no signal: SIGTERM must reach the service loop. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    m->httpd = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, (uint16_t)port,
        NULL, NULL, s_handle, m, MHD_OPTION_EXTERNAL_LOGGER, s_mhd_log, m,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)16,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10, MHD_OPTION_END);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (!m->httpd)
        return LPG_EIO;
    const union MHD_DaemonInfo *info =
        MHD_get_daemon_info(m->httpd, MHD_DAEMON_INFO_BIND_PORT);
    m->port = info ? info->port : port;
    return LPG_OK;
}

unsigned
lpg_metrics_port(const lpg_metrics_t *m)
{
    return m && m->httpd ? m->port : 0;
}

int
lpg_metrics_start(lpg_metrics_t **out, const lpg_config_t *cfg,
                  const char *service, lpg_ledger_t *ledger)
{
    *out = NULL;
    char key[64];
    snprintf(key, sizeof key, "metrics.%s", service);
    const char *v = lpg_config_get(cfg, key);
    if (!v || !*v)
        return LPG_OK;
    char *end;
    unsigned long port = strtoul(v, &end, 10);
    if (*end || port > 65535 || (*v < '0' || *v > '9')) {
        lpg_error("%s = '%s' must be a TCP port (1-65535), or 0 for no "
                  "metrics",
                  key, v);
        return LPG_ECONFIG;
    }
    if (port == 0)
        return LPG_OK;
    lpg_metrics_t *m = NULL;
    int rc = lpg_metrics_new(&m, service, ledger);
    if (rc != LPG_OK)
        return rc;
    if (lpg_metrics_listen(m, (unsigned)port) != LPG_OK) {
        lpg_error("%s: metrics: cannot listen on 127.0.0.1:%lu (%s): "
                  "serving without metrics",
                  service, port, key);
        lpg_metrics_destroy(&m);
        return LPG_OK;
    }
    lpg_info("%s: metrics on http://127.0.0.1:%u/metrics", service, m->port);
    *out = m;
    return LPG_OK;
}
