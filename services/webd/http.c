/*  http.c - lpg-webd's HTTP server on libmicrohttpd: TLS (GnuTLS, with
 *  the certificate and key from the home) or plain HTTP, limits and
 *  time-outs, the request body read within its limit, routing, the
 *  security headers every answer carries, and RFC 9457 problems.
 *
 *  Connections are served by a pool of webd.threads threads, each with
 *  its own epoll loop: a connection that sends slowly holds no thread,
 *  only a slot, and slots are bounded in all (webd.max_connections) and
 *  per client address (webd.max_per_ip, counted here: the trusted proxy
 *  is exempt, since every client behind it shares its address, and the
 *  proxy keeps its own per-client limits); a connection quiet for
 *  webd.timeout_s seconds is closed, and the request line and headers
 *  must fit the connection's memory (S_CONN_MEMORY) or get 431.
 */
#include "base/error.h"
#include "base/log.h"
#include "console.h"
#include "daemon.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define S_CONN_MEMORY (32 * 1024) /* request line, headers, buffers */
#define S_CERT_MAX (64 * 1024)

/* ---- text buffers ---- */

static void
s_grow(lpg_webd_buf_t *b, size_t more)
{
    if (b->failed || b->len + more + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 1024;
    while (cap < b->len + more + 1)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
        b->failed = true;
        return;
    }
    b->p = p;
    b->cap = cap;
}

void
lpg_webd_puts(lpg_webd_buf_t *b, const char *s)
{
    size_t n = strlen(s);
    s_grow(b, n);
    if (b->failed)
        return;
    memcpy(b->p + b->len, s, n + 1);
    b->len += n;
}

void
lpg_webd_printf(lpg_webd_buf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = true;
        return;
    }
    s_grow(b, (size_t)n);
    if (b->failed)
        return;
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void
lpg_webd_html(lpg_webd_buf_t *b, const char *s)
{
    char one[2] = {0, 0};
    for (; s && *s; s++) {
        switch (*s) {
        case '&':
            lpg_webd_puts(b, "&amp;");
            break;
        case '<':
            lpg_webd_puts(b, "&lt;");
            break;
        case '>':
            lpg_webd_puts(b, "&gt;");
            break;
        case '"':
            lpg_webd_puts(b, "&quot;");
            break;
        case '\'':
            lpg_webd_puts(b, "&#39;");
            break;
        default:
            one[0] = *s;
            lpg_webd_puts(b, one);
        }
    }
}

void
lpg_webd_send_buf(lpg_webd_resp_t *resp, int status, const char *content_type,
                  lpg_webd_buf_t *b)
{
    if (b->failed || !b->p) {
        free(b->p);
        *b = (lpg_webd_buf_t){0};
        lpg_webd_problem(resp, 500, "internal", "Internal error",
                         "The answer could not be built.");
        return;
    }
    resp->status = status;
    resp->content_type = content_type;
    resp->body = b->p;
    resp->body_len = b->len;
    *b = (lpg_webd_buf_t){0};
}

/* ---- problems (RFC 9457) ---- */

/*  s as a JSON string's inside (our own texts: ASCII and UTF-8). */
static void
s_json_str(lpg_webd_buf_t *b, const char *s)
{
    char one[8];
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            one[0] = '\\';
            one[1] = (char)c;
            one[2] = '\0';
        } else if (c < 0x20) {
            snprintf(one, sizeof one, "\\u%04x", c);
        } else {
            one[0] = (char)c;
            one[1] = '\0';
        }
        lpg_webd_puts(b, one);
    }
}

void
lpg_webd_problem(lpg_webd_resp_t *resp, int status, const char *type_slug,
                 const char *title, const char *detail)
{
    lpg_webd_buf_t b = {0};
    lpg_webd_puts(&b, "{\"type\":\"/problems/");
    s_json_str(&b, type_slug);
    lpg_webd_puts(&b, "\",\"title\":\"");
    s_json_str(&b, title);
    lpg_webd_printf(&b, "\",\"status\":%d", status);
    if (detail) {
        lpg_webd_puts(&b, ",\"detail\":\"");
        s_json_str(&b, detail);
        lpg_webd_puts(&b, "\"");
    }
    lpg_webd_puts(&b, "}\n");
    free(resp->body);
    resp->body = NULL;
    resp->body_len = 0;
    resp->status = status;
    resp->content_type = "application/problem+json";
    if (b.failed) {
        free(b.p);
        return; /* the status alone */
    }
    resp->body = b.p;
    resp->body_len = b.len;
}

/* ---- query strings ---- */

static int
s_hex(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/*  Percent-decodes src[0..n) into out ('+' is a blank, as forms send).
 *  false: too long, a bad escape, or a NUL byte. */
static bool
s_unescape(const char *src, size_t n, char *out, size_t outsz)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)src[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            if (i + 2 >= n)
                return false;
            int h = s_hex((unsigned char)src[i + 1]);
            int l = h < 0 ? -1 : s_hex((unsigned char)src[i + 2]);
            if (h < 0 || l < 0)
                return false;
            c = h * 16 + l;
            i += 2;
        }
        if (c == 0 || o + 1 >= outsz)
            return false;
        out[o++] = (char)c;
    }
    out[o] = '\0';
    return true;
}

const char *
lpg_webd_query_param(const char *query, const char *name, char *out,
                     size_t outsz)
{
    size_t nl = strlen(name);
    const char *p = query;
    while (p && *p) {
        const char *end = strchr(p, '&');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len > nl && strncmp(p, name, nl) == 0 && p[nl] == '=')
            return s_unescape(p + nl + 1, len - nl - 1, out, outsz) ? out
                                                                    : NULL;
        if (len == nl && strncmp(p, name, nl) == 0) {
            if (outsz == 0)
                return NULL;
            *out = '\0';
            return out;
        }
        p = end ? end + 1 : NULL;
    }
    return NULL;
}

void
lpg_webd_base(const lpg_webd_t *w, const lpg_webd_req_t *req, char *out,
              size_t outsz)
{
    if (*w->public_base) {
        snprintf(out, outsz, "%s", w->public_base);
        return;
    }
    /* scheme://host of the target URI */
    const char *t = req->target_uri;
    const char *p = strstr(t, "://");
    size_t n = p ? (size_t)(p + 3 - t) + strcspn(p + 3, "/") : strlen(t);
    snprintf(out, outsz, "%.*s", (int)n, t);
}

/* ---- one request ---- */

typedef struct {
    char *uri; /* the request target as sent: path and query */
    bool started;
    uint8_t *body;
    size_t len, cap;
    bool too_big;
} s_conn_req_t;

typedef struct {
    struct MHD_Connection *conn;
} s_hctx_t;

static const char *
s_header(void *hctx, const char *name)
{
    s_hctx_t *h = hctx;
    return MHD_lookup_connection_value(h->conn, MHD_HEADER_KIND, name);
}

/*  The textual address of the connection's peer. */
static void
s_peer(struct MHD_Connection *conn, char *out, size_t outsz)
{
    snprintf(out, outsz, "?");
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!ci || !ci->client_addr)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out,
                  (socklen_t)outsz);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out,
                  (socklen_t)outsz);
}

/*  A Host header we are willing to copy into links: a name or address
 *  and a port, nothing else. */
static bool
s_host_ok(const char *h)
{
    if (!h || !*h || strlen(h) > 255)
        return false;
    for (const char *p = h; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr(".-:[]", *p))
            return false;
    return true;
}

/*  The last address of X-Forwarded-For (the one the proxy added). */
static void
s_forwarded_for(const char *xff, char *out, size_t outsz)
{
    const char *last = strrchr(xff, ',');
    last = last ? last + 1 : xff;
    while (*last == ' ')
        last++;
    size_t n = strcspn(last, " ");
    if (n == 0 || n >= outsz)
        return;
    for (size_t i = 0; i < n; i++)
        if (!isxdigit((unsigned char)last[i]) && !strchr(".:", last[i]))
            return;
    memcpy(out, last, n);
    out[n] = '\0';
}

/*  Adds resp->extra_headers ("Name: value\r\n" lines) to r. */
static void
s_extra_headers(struct MHD_Response *r, const char *extra)
{
    char line[512];
    const char *p = extra;
    while (*p) {
        const char *end = strstr(p, "\r\n");
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n > 0 && n < sizeof line) {
            memcpy(line, p, n);
            line[n] = '\0';
            char *colon = strchr(line, ':');
            if (colon && colon != line) {
                *colon = '\0';
                char *v = colon + 1;
                while (*v == ' ')
                    v++;
                MHD_add_response_header(r, line, v);
            }
        }
        if (!end)
            break;
        p = end + 2;
    }
}

static enum MHD_Result
s_send(lpg_webd_t *w, struct MHD_Connection *conn, lpg_webd_resp_t *resp,
       bool https, bool head)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(
        resp->body_len, resp->body ? resp->body : "",
        resp->body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (!r) {
        free(resp->body);
        return MHD_NO;
    }
    resp->body = NULL;
    (void)head; /* MHD leaves the body out of an answer to HEAD */
    if (resp->content_type)
        MHD_add_response_header(r, "Content-Type", resp->content_type);
    /* Every answer: no inline script, no framing, no sniffing, no
     * referrer leaking a code's signature to another site. */
    MHD_add_response_header(
        r, "Content-Security-Policy",
        resp->csp ? resp->csp
                  : "default-src 'none'; style-src 'self'; img-src 'self'; "
                    "form-action 'self'; frame-ancestors 'none'; base-uri "
                    "'none'");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "Cross-Origin-Opener-Policy", "same-origin");
    if (https)
        MHD_add_response_header(r, "Strict-Transport-Security",
                                "max-age=31536000");
    if (!strstr(resp->extra_headers, "Cache-Control"))
        MHD_add_response_header(r, "Cache-Control", "no-store");
    s_extra_headers(r, resp->extra_headers);
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)resp->status, r);
    MHD_destroy_response(r);
    return ret;
}

static bool
s_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static void
s_route(lpg_webd_t *w, const lpg_webd_req_t *req, lpg_webd_resp_t *resp)
{
    const char *m = req->method;
    bool get = strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0;
    bool post = strcmp(m, "POST") == 0;
    if (s_prefix(req->path, "/api/")) {
        lpg_webd_api(w, req, resp);
        return;
    }
    if (!get && !post) {
        lpg_webd_problem(resp, 405, "method-not-allowed", "Method not allowed",
                         "Use GET or POST.");
        snprintf(resp->extra_headers, sizeof resp->extra_headers,
                 "Allow: GET, HEAD, POST\r\n");
        return;
    }
    if (strcmp(req->path, "/console") == 0 ||
        s_prefix(req->path, "/console/")) {
        lpg_webd_console(w, req, resp);
        return;
    }
    if (strcmp(req->path, "/order") == 0 || s_prefix(req->path, "/order/")) {
        lpg_webd_household(w, req, resp);
        return;
    }
    if (strcmp(req->path, "/healthz") == 0 && get) {
        resp->status = 200;
        resp->content_type = "application/json";
        resp->body = strdup("{\"status\":\"ok\"}\n");
        resp->body_len = resp->body ? strlen(resp->body) : 0;
        return;
    }
    if (s_prefix(req->path, "/8003/") && get) {
        lpg_webd_public(w, req, resp);
        return;
    }
    if (strcmp(req->path, "/.well-known/gs1resolver") == 0 && get) {
        lpg_webd_resolver(w, req, resp);
        return;
    }
    if (s_prefix(req->path, "/trace/") && get) {
        lpg_webd_trace_login(w, req, resp);
        return;
    }
    if (strcmp(req->path, "/static/style.css") == 0 && get) {
        lpg_webd_style(resp);
        return;
    }
    if (strcmp(req->path, "/report") == 0 && get) {
        lpg_webd_tip_form(w, req, resp);
        return;
    }
    if (strcmp(req->path, "/report") == 0 && post) {
        lpg_webd_tip_post(w, req, resp);
        return;
    }
    if (post) {
        lpg_webd_problem(resp, 405, "method-not-allowed", "Method not allowed",
                         "This address takes GET only.");
        snprintf(resp->extra_headers, sizeof resp->extra_headers,
                 "Allow: GET, HEAD\r\n");
        return;
    }
    lpg_webd_problem(resp, 404, "not-found", "Not found",
                     "Nothing is served at this address.");
}

static enum MHD_Result
s_handle(void *cls, struct MHD_Connection *conn, const char *url,
         const char *method, const char *version, const char *upload_data,
         size_t *upload_data_size, void **con_cls)
{
    lpg_webd_t *w = cls;
    s_conn_req_t *cr = *con_cls;
    if (!cr || !cr->uri)
        return MHD_NO;
    if (!cr->started) {
        cr->started = true;
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                     "Content-Length");
        if (cl && strtoull(cl, NULL, 10) > w->body_max)
            cr->too_big = true;
        if (!cr->too_big)
            return MHD_YES;
    }
    bool https = w->tls;
    if (*upload_data_size > 0 && !cr->too_big) {
        size_t n = *upload_data_size;
        if (cr->len + n > w->body_max) {
            cr->too_big = true;
        } else {
            if (cr->len + n > cr->cap) {
                size_t cap = cr->cap ? cr->cap : 4096;
                while (cap < cr->len + n)
                    cap *= 2;
                uint8_t *p = realloc(cr->body, cap);
                if (!p)
                    return MHD_NO;
                cr->body = p;
                cr->cap = cap;
            }
            memcpy(cr->body + cr->len, upload_data, n);
            cr->len += n;
            *upload_data_size = 0;
            return MHD_YES;
        }
    }
    lpg_webd_resp_t resp = {0};
    if (cr->too_big) {
        /* Answered at once; the rest of the body is not read (the
         * connection closes after the answer). */
        lpg_webd_problem(&resp, 413, "too-large", "Request too large",
                         "The request body is over the size limit.");
        return s_send(w, conn, &resp, https, false);
    }
    char peer[64], client[64], scheme[8], target[4096];
    s_peer(conn, peer, sizeof peer);
    snprintf(client, sizeof client, "%s", peer);
    snprintf(scheme, sizeof scheme, "%s", https ? "https" : "http");
    if (*w->trusted_proxy && strcmp(peer, w->trusted_proxy) == 0) {
        const char *xfp = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                      "X-Forwarded-Proto");
        if (xfp && (strcmp(xfp, "https") == 0 || strcmp(xfp, "http") == 0))
            snprintf(scheme, sizeof scheme, "%s", xfp);
        const char *xff = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                      "X-Forwarded-For");
        if (xff)
            s_forwarded_for(xff, client, sizeof client);
        https = strcmp(scheme, "https") == 0;
    }
    const char *host =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Host");
    if (!s_host_ok(host))
        host = w->listen;
    /* MHD hands url without the query: both come from the request
     * target as the client sent it. */
    const char *raw = cr->uri;
    char path[2048], query[2048];
    size_t pl = strcspn(raw, "?");
    if (pl >= sizeof path) {
        lpg_webd_problem(&resp, 414, "uri-too-long", "Address too long", NULL);
        return s_send(w, conn, &resp, https, false);
    }
    memcpy(path, raw, pl);
    path[pl] = '\0';
    query[0] = '\0';
    if (raw[pl] == '?')
        snprintf(query, sizeof query, "%s", raw + pl + 1);
    snprintf(target, sizeof target, "%s://%s%s%s%s", scheme, host, path,
             *query ? "?" : "", query);
    s_hctx_t h = {conn};
    lpg_webd_req_t req = {
        .method = method,
        .target_uri = target,
        .path = path,
        .query = query,
        .header = s_header,
        .hctx = &h,
        .body = cr->body,
        .body_len = cr->len,
        .client_addr = client,
    };
    s_route(w, &req, &resp);
    if (resp.status < 100 || resp.status > 599)
        lpg_webd_problem(&resp, 500, "internal", "Internal error", NULL);
    return s_send(w, conn, &resp, https, strcmp(method, "HEAD") == 0);
}

static void
s_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
            enum MHD_RequestTerminationCode toe)
{
    s_conn_req_t *cr = *con_cls;
    if (cr) {
        free(cr->uri);
        free(cr->body);
        free(cr);
    }
    *con_cls = NULL;
}

/*  MHD hands the access handler the path only; this keeps the whole
 *  request target (path and query, as sent) for it: what it returns is
 *  the request's context. */
static void *
s_uri_log(void *cls, const char *uri, struct MHD_Connection *conn)
{
    s_conn_req_t *cr = calloc(1, sizeof *cr);
    if (cr)
        cr->uri = strdup(uri ? uri : "/");
    return cr;
}

static void
s_mhd_log(void *cls, const char *fmt, va_list ap)
{
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    size_t n = strlen(line);
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
    lpg_warn("http: %s", line);
}

/* ---- connections per client address ---- */

/*  sa as a peer key; false if neither IPv4 nor IPv6. */
static bool
s_peer_key(const struct sockaddr *sa, lpg_webd_peer_t *k)
{
    memset(k, 0, sizeof *k);
    if (!sa)
        return false;
    if (sa->sa_family == AF_INET) {
        k->family = AF_INET;
        memcpy(k->a, &((const struct sockaddr_in *)sa)->sin_addr, 4);
        return true;
    }
    if (sa->sa_family == AF_INET6) {
        k->family = AF_INET6;
        memcpy(k->a, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
        return true;
    }
    return false;
}

static bool
s_peer_same(const lpg_webd_peer_t *x, const lpg_webd_peer_t *y)
{
    return x->family == y->family && memcmp(x->a, y->a, sizeof x->a) == 0;
}

/*  The slot of k, or NULL; with peers_lock held. */
static lpg_webd_peer_t *
s_peer_find(lpg_webd_t *w, const lpg_webd_peer_t *k)
{
    for (unsigned i = 0; i < w->npeers; i++)
        if (s_peer_same(&w->peers[i], k))
            return &w->peers[i];
    return NULL;
}

/*  MHD asks before it takes a connection: refused when its address
 *  already holds webd.max_per_ip (the trusted proxy never is). Counted
 *  when MHD says it started, so connections taken at the same instant
 *  on several serving threads may pass the limit by as many. */
static enum MHD_Result
s_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
    lpg_webd_t *w = cls;
    lpg_webd_peer_t k;
    if (!s_peer_key(addr, &k) || s_peer_same(&k, &w->proxy))
        return MHD_YES;
    pthread_mutex_lock(&w->peers_lock);
    const lpg_webd_peer_t *p = s_peer_find(w, &k);
    bool room = !p || p->count < w->max_per_ip;
    pthread_mutex_unlock(&w->peers_lock);
    return room ? MHD_YES : MHD_NO;
}

static char s_counted; /* a connection's mark: it is in w->peers */

static void
s_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
             enum MHD_ConnectionNotificationCode toe)
{
    lpg_webd_t *w = cls;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    lpg_webd_peer_t k;
    if (!ci || !s_peer_key(ci->client_addr, &k))
        return;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        if (s_peer_same(&k, &w->proxy))
            return;
        pthread_mutex_lock(&w->peers_lock);
        lpg_webd_peer_t *p = s_peer_find(w, &k);
        if (!p && w->npeers < w->max_connections) {
            p = &w->peers[w->npeers++];
            *p = k;
        }
        if (p) {
            p->count++;
            *socket_context = &s_counted;
        }
        pthread_mutex_unlock(&w->peers_lock);
    } else if (toe == MHD_CONNECTION_NOTIFY_CLOSED &&
               *socket_context == &s_counted) {
        *socket_context = NULL;
        pthread_mutex_lock(&w->peers_lock);
        lpg_webd_peer_t *p = s_peer_find(w, &k);
        if (p && --p->count == 0)
            *p = w->peers[--w->npeers];
        pthread_mutex_unlock(&w->peers_lock);
    }
}

static int
s_read_file(const char *path, char **out)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return LPG_EIO;
    char *p = malloc(S_CERT_MAX + 1);
    if (!p) {
        fclose(f);
        return LPG_ENOMEM;
    }
    size_t n = fread(p, 1, S_CERT_MAX + 1, f);
    fclose(f);
    if (n == 0 || n > S_CERT_MAX) {
        free(p);
        return n == 0 ? LPG_EIO : LPG_ETOOBIG;
    }
    p[n] = '\0';
    *out = p;
    return LPG_OK;
}

int
lpg_webd_http_start(lpg_webd_t *w, char *why, size_t whysz)
{
    struct sockaddr_in sa4 = {0};
    struct sockaddr_in6 sa6 = {0};
    const struct sockaddr *sa;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
    if (inet_pton(AF_INET, w->listen, &sa4.sin_addr) == 1) {
        sa4.sin_family = AF_INET;
        sa4.sin_port = htons((uint16_t)w->port);
        sa = (const struct sockaddr *)&sa4;
    } else if (inet_pton(AF_INET6, w->listen, &sa6.sin6_addr) == 1) {
        sa6.sin6_family = AF_INET6;
        sa6.sin6_port = htons((uint16_t)w->port);
        sa = (const struct sockaddr *)&sa6;
        flags |= MHD_USE_IPv6;
    } else {
        snprintf(why, whysz, "webd.listen = '%s': not an IP address",
                 w->listen);
        return LPG_ECONFIG;
    }
    if (MHD_is_feature_supported(MHD_FEATURE_EPOLL) == MHD_YES)
        flags |= MHD_USE_EPOLL;
    w->peers = calloc(w->max_connections, sizeof *w->peers);
    if (!w->peers) {
        snprintf(why, whysz, "out of memory");
        return LPG_ENOMEM;
    }
    w->npeers = 0;
    pthread_mutex_init(&w->peers_lock, NULL);
    memset(&w->proxy, 0, sizeof w->proxy);
    if (inet_pton(AF_INET, w->trusted_proxy, w->proxy.a) == 1)
        w->proxy.family = AF_INET;
    else if (inet_pton(AF_INET6, w->trusted_proxy, w->proxy.a) == 1)
        w->proxy.family = AF_INET6;
    else
        memset(w->proxy.a, 0, sizeof w->proxy.a);
    char *cert = NULL, *key = NULL;
    if (w->tls) {
        if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
            snprintf(why, whysz, "this libmicrohttpd has no TLS");
            return LPG_ECONFIG;
        }
        if (s_read_file(w->tls_cert, &cert) != LPG_OK) {
            snprintf(why, whysz, "%s: cannot read the TLS certificate",
                     w->tls_cert);
            return LPG_ECONFIG;
        }
        if (s_read_file(w->tls_key, &key) != LPG_OK) {
            free(cert);
            snprintf(why, whysz, "%s: cannot read the TLS key", w->tls_key);
            return LPG_ECONFIG;
        }
        flags |= MHD_USE_TLS;
    }
    struct MHD_OptionItem tls_opts[] = {
        {w->tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, cert},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, key},
        {MHD_OPTION_END, 0, NULL},
    };
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, (uint16_t)w->port, s_accept, w, s_handle, w,
        MHD_OPTION_EXTERNAL_LOGGER, s_mhd_log, NULL, MHD_OPTION_SOCK_ADDR, sa,
        MHD_OPTION_THREAD_POOL_SIZE, w->threads, MHD_OPTION_CONNECTION_LIMIT,
        w->max_connections, MHD_OPTION_NOTIFY_CONNECTION, s_connection, w,
        MHD_OPTION_CONNECTION_TIMEOUT, w->timeout_s,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)S_CONN_MEMORY,
        MHD_OPTION_NOTIFY_COMPLETED, s_completed, NULL,
        MHD_OPTION_URI_LOG_CALLBACK, s_uri_log, NULL, MHD_OPTION_ARRAY,
        tls_opts, MHD_OPTION_END);
    free(cert);
    if (key) {
        memset(key, 0, strlen(key));
        free(key);
    }
    if (!d) {
        snprintf(why, whysz, "cannot serve HTTP%s on %s port %u",
                 w->tls ? "S" : "", w->listen, w->port);
        return LPG_EIO;
    }
    w->httpd = d;
    if (w->port == 0) {
        const union MHD_DaemonInfo *di =
            MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
        if (di)
            w->port = di->port;
    }
    return LPG_OK;
}

void
lpg_webd_http_stop(lpg_webd_t *w)
{
    if (w->httpd)
        MHD_stop_daemon(w->httpd);
    w->httpd = NULL;
    free(w->peers);
    w->peers = NULL;
}
