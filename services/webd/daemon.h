/*  daemon.h - lpg-webd's insides shared by main.c, http.c, public.c and
 *  tips.c (api.c sees only webd.h).
 */
#ifndef LPG_WEBD_DAEMON_H
#define LPG_WEBD_DAEMON_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/config.h"
#include "crypto/crypto.h"
#include "webd.h"

#define S_WEBD_RATE_SLOTS 4096 /* client addresses remembered for tips */

typedef struct {
    char addr[48];
    int64_t window_start_ms;
    unsigned count;
} lpg_webd_rate_t;

/*  Connections open from one client address. */
typedef struct {
    int family;     /* AF_INET, AF_INET6 */
    uint8_t a[16];  /* the address's bytes (4 for AF_INET) */
    unsigned count; /* connections open from it */
} lpg_webd_peer_t;

struct lpg_webd {
    lpg_config_t *cfg;
    lpg_ledger_t *ledger; /* read-only; NULL if the home has none */
    lpg_key_t *key;       /* the gateway's signing key (tips); may be NULL */
    lpg_key_t *authority; /* the authority's public key (codes), loaded
                           * once; NULL: codes cannot be checked */
    pthread_key_t clients;
    bool clients_key_made;
    /* settings (webd.*) */
    char listen[64];
    unsigned port;
    char tls_cert[4096], tls_key[4096]; /* paths; empty: plain HTTP */
    bool tls;
    char public_base[256]; /* "https://host"; empty: from each request */
    char trusted_proxy[64];
    size_t body_max;
    unsigned timeout_s;
    unsigned max_connections, max_per_ip, threads;
    size_t tip_text_max;
    unsigned tips_per_hour;
    /* tips rate limit, per client address */
    pthread_mutex_t rate_lock;
    lpg_webd_rate_t rate[S_WEBD_RATE_SLOTS];
    /* connections per client address (http.c), the trusted proxy's not
     * counted: every client behind it shares its address */
    pthread_mutex_t peers_lock;
    lpg_webd_peer_t *peers; /* max_connections slots, npeers in use */
    unsigned npeers;
    lpg_webd_peer_t proxy; /* trusted_proxy as bytes; family 0: none */
    void *httpd;           /* struct MHD_Daemon */
};

/*  http.c */
int lpg_webd_http_start(lpg_webd_t *w, char *why, size_t whysz);
void lpg_webd_http_stop(lpg_webd_t *w);

/*  A growing text buffer, for pages and JSON built by hand. */
typedef struct {
    char *p;
    size_t len, cap;
    bool failed; /* out of memory: the text is cut */
} lpg_webd_buf_t;
void lpg_webd_puts(lpg_webd_buf_t *b, const char *s);
void lpg_webd_printf(lpg_webd_buf_t *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/*  s with & < > " ' written as character references (HTML text and
 *  attribute values alike). */
void lpg_webd_html(lpg_webd_buf_t *b, const char *s);
/*  Hands the buffer to resp as its body (or a 500 problem if it failed). */
void lpg_webd_send_buf(lpg_webd_resp_t *resp, int status,
                       const char *content_type, lpg_webd_buf_t *b);

/*  The value of query parameter name, percent-decoded into out (NULL if
 *  absent, or too long, or decoding to a NUL byte). */
const char *lpg_webd_query_param(const char *query, const char *name,
                                 char *out, size_t outsz);

/*  The public base of links in answers: webd.public_base, else the
 *  scheme and host the request came with ("https://host"). */
void lpg_webd_base(const lpg_webd_t *w, const lpg_webd_req_t *req, char *out,
                   size_t outsz);

/*  public.c */
void lpg_webd_public(lpg_webd_t *w, const lpg_webd_req_t *req,
                     lpg_webd_resp_t *resp);
void lpg_webd_resolver(lpg_webd_t *w, const lpg_webd_req_t *req,
                       lpg_webd_resp_t *resp);
void lpg_webd_style(lpg_webd_resp_t *resp);
void lpg_webd_trace_login(lpg_webd_t *w, const lpg_webd_req_t *req,
                          lpg_webd_resp_t *resp);
/*  A page around one message (a banner, good or a warning). */
void lpg_webd_message_page(lpg_webd_resp_t *resp, int status, bool good,
                           const char *zh, const char *en,
                           const char *detail_zh, const char *detail_en);
/*  The same with a link back to back (a path on this server, escaped
 *  here), when not NULL. */
void lpg_webd_message_page_back(lpg_webd_resp_t *resp, int status, bool good,
                                const char *zh, const char *en,
                                const char *detail_zh, const char *detail_en,
                                const char *back);

/*  tips.c */
void lpg_webd_tip_form(lpg_webd_t *w, const lpg_webd_req_t *req,
                       lpg_webd_resp_t *resp);
void lpg_webd_tip_post(lpg_webd_t *w, const lpg_webd_req_t *req,
                       lpg_webd_resp_t *resp);

/*  household.c: the households' ordering page, /order and /order/... */
void lpg_webd_household(lpg_webd_t *w, const lpg_webd_req_t *req,
                        lpg_webd_resp_t *resp);

#endif
