/*  console_int.h - what the console's own files share (console.c,
 *  console_auth.c, console_cylinder.c); the seam with the other parts is
 *  console.h.
 */
#ifndef LPG_WEBD_CONSOLE_INT_H
#define LPG_WEBD_CONSOLE_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "console.h"
#include "daemon.h"

/*  The console's settings, read once from the configuration. */
typedef struct {
    unsigned idle_s;       /* webd.session_idle_s */
    char www_dir[4096];    /* webd.www_dir, as a path */
    char vendor_dir[4096]; /* webd.vendor_dir, as a path */
} lpg_console_cfg_t;
const lpg_console_cfg_t *lpg_console_cfg(lpg_webd_t *w);

/*  The session of the request's cookie, still fresh and its account
 *  still enabled: who is filled in and its idle clock restarted. false:
 *  none. */
bool lpg_console_session(lpg_webd_t *w, const lpg_webd_req_t *req,
                         lpg_console_who_t *who);

/*  GET / POST /console/login, POST /console/logout (console_auth.c). */
void lpg_console_login_page(lpg_webd_t *w, const lpg_webd_req_t *req,
                            lpg_webd_resp_t *resp);
void lpg_console_login_post(lpg_webd_t *w, const lpg_webd_req_t *req,
                            lpg_webd_resp_t *resp);
void lpg_console_logout(lpg_webd_t *w, const lpg_webd_req_t *req,
                        lpg_webd_resp_t *resp, const lpg_console_who_t *who);

/*  The CSRF token a POST carries (form field "csrf" or the X-CSRF-Token
 *  header) is who's. */
bool lpg_console_csrf_ok(const lpg_webd_req_t *req,
                         const lpg_console_who_t *who);

/*  Value of a form field of an application/x-www-form-urlencoded body,
 *  decoded into out; NULL if absent. */
const char *lpg_console_form(const lpg_webd_req_t *req, const char *name,
                             char *out, size_t outsz);

/*  true if the request came by HTTPS (cookies then get Secure). */
bool lpg_console_https(const lpg_webd_req_t *req);
/*  n (at most 32) random bytes as hex into out (2n + 1 bytes). */
void lpg_console_random_hex(char *out, size_t n);
/*  a and b are the same non-empty string, compared in constant time. */
bool lpg_console_same(const char *a, const char *b);

/*  The value of cookie name in the request, copied to out; false if
 *  absent or too long. */
bool lpg_console_cookie(const lpg_webd_req_t *req, const char *name, char *out,
                        size_t outsz);

/*  Login rate limits, shared by the console's login and the households'
 *  ordering page (household.c): failures counted per key ("a:<account>",
 *  "u:<user>", "ip:<address>") over a minute. limited: either key has
 *  had too many; failed: counts one for both; succeeded: forgets the
 *  first's. */
bool lpg_console_login_limited(const char *akey, const char *ikey);
void lpg_console_login_failed(const char *akey, const char *ikey);
void lpg_console_login_succeeded(const char *akey);

/*  Does secret match hash (crypto_pwhash_str's text)? hash NULL (no such
 *  account, no password set): false after the same Argon2id work. */
bool lpg_console_hash_check(const char *hash, const char *secret);

/*  A console page answered: 200 with lpg_console_page's text. */
void lpg_console_send_page(lpg_webd_resp_t *resp, int status,
                           const lpg_console_who_t *who, const char *title_zh,
                           const char *title_en, const char *body_html,
                           const char *const *scripts);

/*  403: a page for a person, a problem for a JSON path. */
void lpg_console_forbidden(const lpg_webd_req_t *req, lpg_webd_resp_t *resp,
                           const lpg_console_who_t *who);

/*  The cylinder page, GET /console/cylinder (console_cylinder.c). */
void lpg_console_cylinder(lpg_webd_t *w, const lpg_webd_req_t *req,
                          lpg_webd_resp_t *resp, const lpg_console_who_t *who);

/*  POST /console/reveal (console_cylinder.c): a regulator asks to see a
 *  household's personal data with a reason; the console cannot sign the
 *  reveal and answers with the command that does. Others: 403. */
void lpg_console_reveal(lpg_webd_t *w, const lpg_webd_req_t *req,
                        lpg_webd_resp_t *resp, const lpg_console_who_t *who);

/*  The ledger's read transaction (abort it), or NULL with the problem
 *  (503) answered (console_orders.c). */
lpg_txn_t *lpg_console_read(lpg_webd_t *w, lpg_webd_resp_t *resp);

/*  Words for a role: "监管部门" / "regulator" ... */
const char *lpg_console_role_zh(lpg_console_role_t r);
const char *lpg_console_role_en(lpg_console_role_t r);

#endif
