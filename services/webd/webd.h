/*  webd.h - lpg-webd, the HTTP face of lpgtrace: the seam between the
 *  daemon (main.c, http.c: configuration, libmicrohttpd, TLS, limits,
 *  time-outs, security headers, routing), the public pages (public.c,
 *  tips.c) and the handheld API (api.c).
 *
 *  http.c reads the whole request (within webd.body_max_bytes) and hands
 *  it to a handler as an lpg_webd_req_t; the handler fills an
 *  lpg_webd_resp_t, which http.c sends with the security headers every
 *  answer carries. A handler never blocks for long: the daemon serves
 *  from a pool of threads, and every handler may run on any of them at
 *  once (what it shares it locks).
 */
#ifndef LPG_WEBD_H
#define LPG_WEBD_H

#include <stddef.h>
#include <stdint.h>

#include "ledger/ledger.h"
#include "net/client.h"

/*  The daemon: configuration, clients to the services, the ledger
 *  (read-only). */
typedef struct lpg_webd lpg_webd_t;

typedef struct {
    const char *method;     /* "GET", "POST" */
    const char *target_uri; /* absolute URI as the client addressed it:
                             * scheme://host[:port]/path[?query] (scheme
                             * from TLS or from the trusted proxy's
                             * X-Forwarded-Proto; host from Host) */
    const char *path;       /* "/api/v1/submit" (no query) */
    const char *query;      /* raw query string without '?', or "" */
    /* case-insensitive look-up, NULL if absent */
    const char *(*header)(void *hctx, const char *name);
    void *hctx;
    const uint8_t *body; /* whole request body (size-limited), may be NULL */
    size_t body_len;
    const char *client_addr; /* textual client IP */
} lpg_webd_req_t;

typedef struct {
    int status;               /* HTTP status */
    const char *content_type; /* static string */
    char *body;               /* malloc'd; http.c frees it */
    size_t body_len;
    /* "Name: value\r\n"... added as-is (e.g. Link, Location, Retry-After) */
    char extra_headers[512];
    /* Content-Security-Policy (static string); NULL: the daemon's
     * default, which runs no script (the console's pages set theirs) */
    const char *csp;
} lpg_webd_resp_t;

/*  RFC 9457 problem document: sets status, content type
 *  application/problem+json, body {"type","title","status","detail"}
 *  with type the relative reference "/problems/<type_slug>" (detail may
 *  be NULL: left out). Never internal detail. */
void lpg_webd_problem(lpg_webd_resp_t *resp, int status, const char *type_slug,
                      const char *title, const char *detail);

/*  The API: every /api/v1/... request comes here (api.c). */
void lpg_webd_api(lpg_webd_t *w, const lpg_webd_req_t *req,
                  lpg_webd_resp_t *resp);

/*  The gateway's CURVE client of a service: "registry", "filling",
 *  "delivery", "inspection", "trace"; NULL if it cannot be made (no
 *  keys, an unknown name). Each serving thread has its own client of
 *  each service, made on first use and kept: use it on the calling
 *  thread only, and do not destroy it. */
lpg_client_t *lpg_webd_client(lpg_webd_t *w, const char *service);

/*  The ledger, read-only, if the home has one; else NULL. */
lpg_ledger_t *lpg_webd_ledger(lpg_webd_t *w);

/*  The daemon's home directory. */
const char *lpg_webd_home(lpg_webd_t *w);

/*  The daemon's configuration. */
const lpg_config_t *lpg_webd_config(lpg_webd_t *w);

/*  The authority's public key, loaded once at start (codes are checked
 *  with it); NULL if the home has none. */
const lpg_key_t *lpg_webd_authority(lpg_webd_t *w);

#endif
