/*  console.h - the regulator's console inside lpg-webd (/console): the
 *  seam between its parts.
 *
 *  console.c checks the session first (no session: a redirect to
 *  /console/login, or 401 problem for a JSON path), checks the CSRF token
 *  of every POST, then dispatches: the proofs the browser checks
 *  (console_proofs.c), the recall, reports, hazard board and live pages
 *  (console_reports.c), static files, and its own pages (login, the
 *  cylinder page). Every page checks the account's role and scope on the
 *  server with lpg_console_may_see.
 */
#ifndef LPG_WEBD_CONSOLE_H
#define LPG_WEBD_CONSOLE_H

#include <stdbool.h>

#include "ledger/ledger.h"
#include "webd.h"

typedef enum {
    LPG_CONSOLE_REGULATOR = 1,
    LPG_CONSOLE_STREET = 2,
    LPG_CONSOLE_COMPANY = 3
} lpg_console_role_t;

typedef struct {
    char account[64];
    lpg_console_role_t role;
    char area[32];    /* street office: its area code; else "" */
    char company[64]; /* company role: its company id; else "" */
    char csrf[64];    /* this session's CSRF token, to put in every form
                       * (hidden input "csrf") and in the X-CSRF-Token
                       * header of fetch() POSTs */
} lpg_console_who_t;

/*  The whole /console tree: checks the session first (no session: a
 *  redirect to /console/login; a JSON path: 401 problem), checks CSRF on
 *  every POST, then dispatches. */
void lpg_webd_console(lpg_webd_t *w, const lpg_webd_req_t *req,
                      lpg_webd_resp_t *resp);

/*  Page chrome shared by every console page: a complete HTML page (caller
 *  frees) with the navigation, the account line, the CSRF token in
 *  <meta name="csrf" content="...">, the given title (zh / en) and body
 *  HTML, and the given page scripts (NULL-terminated names served from
 *  /console/static/; scripts may be NULL). NULL: out of memory. */
char *lpg_console_page(const lpg_console_who_t *who, const char *title_zh,
                       const char *title_en, const char *body_html,
                       const char *const *scripts);

/*  Is this cylinder / user / site / company within who's scope? (street:
 *  its area; company: its own; regulator: all). company_id and area_code
 *  are the thing's, "" or NULL when it has none: a street office or a
 *  company sees nothing that is not marked as theirs. t is unused today
 *  and may be NULL. */
bool lpg_console_may_see(const lpg_console_who_t *who, lpg_txn_t *t,
                         const char *company_id, const char *area_code);

/*  console_proofs.c: GET /console/api/entries?q=...,
 *  GET /console/api/consistency?from=M&to=N, GET /console/api/checkpoint */
void lpg_console_proofs(lpg_webd_t *w, const lpg_webd_req_t *req,
                        lpg_webd_resp_t *resp, const lpg_console_who_t *who);

/*  console_reports.c: /console/recall, /console/reports[/...],
 *  /console/hazards, /console/live, /console/api/reports/... */
void lpg_console_reports(lpg_webd_t *w, const lpg_webd_req_t *req,
                         lpg_webd_resp_t *resp, const lpg_console_who_t *who);

/*  console_orders.c: the dispatch board, /console/orders[/<id>] */
void lpg_console_orders(lpg_webd_t *w, const lpg_webd_req_t *req,
                        lpg_webd_resp_t *resp, const lpg_console_who_t *who);

/*  console_sign.c: the board's actions signed in the browser with the
 *  company's key: /console/key, /console/api/orders/{key,prepare,submit} */
void lpg_console_sign(lpg_webd_t *w, const lpg_webd_req_t *req,
                      lpg_webd_resp_t *resp, const lpg_console_who_t *who);

#endif
