/*  console_auth.c - the console's accounts, sessions, CSRF tokens and
 *  login rate limits.
 *
 *  Sessions live in this process only (a restart logs everyone out): a
 *  random 32-byte id in an HttpOnly, SameSite=Strict cookie (Secure
 *  under HTTPS), its own random CSRF token, and an idle clock of
 *  webd.session_idle_s. Each request re-reads the account from the
 *  ledger, so a disabled account's sessions end at once.
 *
 *  Login: the login form carries a CSRF token bound to a cookie of its
 *  own (there is no session yet). Failed passwords are counted per
 *  account and per client address over a minute; once either has
 *  S_FAILS_MAX failures, further attempts are refused (429) before the
 *  password is looked at: no Argon2id work is spent on them. Every
 *  password check and every refusal without one is logged.
 */
#include "base/clock.h"
#include "base/error.h"
#include "base/log.h"
#include "console_int.h"
#include "crypto/crypto.h"
#include "domain/account.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_SESSIONS 4096 /* sessions at once */
#define S_FAILS_MAX 5   /* failed logins in a window before refusal */
#define S_FAIL_WINDOW_MS (60 * 1000)
#define S_FAIL_SLOTS 4096 /* accounts and addresses remembered */
#define S_COOKIE "lpg_console"
#define S_LOGIN_COOKIE "lpg_console_login"

typedef struct {
    bool used;
    char id[65]; /* hex of 32 random bytes */
    uint64_t last_ms;
    lpg_console_who_t who;
} s_session_t;

typedef struct {
    char key[80]; /* "a:<account>" or "ip:<address>" */
    uint64_t window_start_ms;
    unsigned fails;
} s_fail_t;

static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;
static s_session_t s_sessions[S_SESSIONS];
static s_fail_t s_fails[S_FAIL_SLOTS];

/* ---- small helpers ---- */

bool
lpg_console_https(const lpg_webd_req_t *req)
{
    return strncmp(req->target_uri, "https://", 8) == 0;
}

void
lpg_console_random_hex(char *out, size_t n)
{
    uint8_t r[32];
    randombytes_buf(r, n);
    lpg_hex(r, n, out);
    sodium_memzero(r, sizeof r);
}

static void
s_random_hex(char out[65])
{
    lpg_console_random_hex(out, 32);
}

/*  The value of cookie name in the request, copied to out; false if
 *  absent or too long. */
bool
lpg_console_cookie(const lpg_webd_req_t *req, const char *name, char *out,
                   size_t outsz)
{
    const char *h = req->header(req->hctx, "Cookie");
    size_t nl = strlen(name);
    while (h && *h) {
        while (*h == ' ' || *h == ';')
            h++;
        size_t len = strcspn(h, ";");
        if (len > nl && strncmp(h, name, nl) == 0 && h[nl] == '=') {
            size_t vl = len - nl - 1;
            if (vl >= outsz)
                return false;
            memcpy(out, h + nl + 1, vl);
            out[vl] = '\0';
            return true;
        }
        h += len;
    }
    return false;
}

bool
lpg_console_same(const char *a, const char *b)
{
    size_t n = strlen(a);
    return n > 0 && n == strlen(b) && sodium_memcmp(a, b, n) == 0;
}

const char *
lpg_console_form(const lpg_webd_req_t *req, const char *name, char *out,
                 size_t outsz)
{
    if (!req->body || req->body_len == 0 || req->body_len > 65536)
        return NULL;
    char *copy = malloc(req->body_len + 1);
    if (!copy)
        return NULL;
    memcpy(copy, req->body, req->body_len);
    copy[req->body_len] = '\0';
    const char *v = lpg_webd_query_param(copy, name, out, outsz);
    free(copy);
    return v;
}

bool
lpg_console_csrf_ok(const lpg_webd_req_t *req, const lpg_console_who_t *who)
{
    char tok[80];
    const char *h = req->header(req->hctx, "X-CSRF-Token");
    if (h)
        return lpg_console_same(h, who->csrf);
    if (lpg_console_form(req, "csrf", tok, sizeof tok))
        return lpg_console_same(tok, who->csrf);
    return false;
}

/* ---- accounts ---- */

/*  who from the account's record, if it may log in (enabled). */
static bool
s_account(lpg_webd_t *w, const char *name, lpg_console_who_t *who, char *hash,
          size_t hashsz)
{
    lpg_ledger_t *l = lpg_webd_ledger(w);
    lpg_txn_t *t = NULL;
    if (!l || lpg_ledger_read(l, &t) != LPG_OK)
        return false;
    lpg_account_t a;
    bool ok = lpg_account_get(t, name, &a) == LPG_OK && !a.disabled;
    if (ok && hash)
        ok = lpg_account_password(t, name, hash, hashsz) == LPG_OK;
    lpg_txn_abort(&t);
    if (!ok)
        return false;
    snprintf(who->account, sizeof who->account, "%s", name);
    who->role = a.role == LPG_ACCOUNT_STREET    ? LPG_CONSOLE_STREET
                : a.role == LPG_ACCOUNT_COMPANY ? LPG_CONSOLE_COMPANY
                                                : LPG_CONSOLE_REGULATOR;
    snprintf(who->area, sizeof who->area, "%s", a.area);
    snprintf(who->company, sizeof who->company, "%s", a.company);
    return true;
}

/* ---- sessions ---- */

bool
lpg_console_session(lpg_webd_t *w, const lpg_webd_req_t *req,
                    lpg_console_who_t *who)
{
    char id[80];
    if (!lpg_console_cookie(req, S_COOKIE, id, sizeof id) || strlen(id) != 64)
        return false;
    uint64_t now = lpg_clock_mono_ms();
    uint64_t idle = (uint64_t)lpg_console_cfg(w)->idle_s * 1000;
    bool found = false;
    pthread_mutex_lock(&s_lock);
    for (size_t i = 0; i < S_SESSIONS; i++) {
        s_session_t *s = &s_sessions[i];
        if (!s->used || !lpg_console_same(s->id, id))
            continue;
        if (now - s->last_ms > idle) {
            memset(s, 0, sizeof *s); /* timed out: gone */
            break;
        }
        s->last_ms = now;
        *who = s->who;
        found = true;
        break;
    }
    pthread_mutex_unlock(&s_lock);
    if (!found)
        return false;
    /* the account as it is now: disabled or changed since login ends it */
    lpg_console_who_t now_who = *who;
    if (!s_account(w, who->account, &now_who, NULL, 0) ||
        now_who.role != who->role || strcmp(now_who.area, who->area) != 0 ||
        strcmp(now_who.company, who->company) != 0) {
        pthread_mutex_lock(&s_lock);
        for (size_t i = 0; i < S_SESSIONS; i++)
            if (s_sessions[i].used && lpg_console_same(s_sessions[i].id, id))
                memset(&s_sessions[i], 0, sizeof s_sessions[i]);
        pthread_mutex_unlock(&s_lock);
        return false;
    }
    return true;
}

/*  A new session for who; its id in id. false: the table is full of
 *  fresh sessions. */
static bool
s_session_new(lpg_webd_t *w, lpg_console_who_t *who, char id[65])
{
    uint64_t now = lpg_clock_mono_ms();
    uint64_t idle = (uint64_t)lpg_console_cfg(w)->idle_s * 1000;
    s_random_hex(id);
    uint8_t r[24]; /* the CSRF token: 48 hex digits */
    randombytes_buf(r, sizeof r);
    lpg_hex(r, sizeof r, who->csrf);
    bool ok = false;
    pthread_mutex_lock(&s_lock);
    for (size_t i = 0; i < S_SESSIONS && !ok; i++) {
        s_session_t *s = &s_sessions[i];
        if (s->used && now - s->last_ms <= idle)
            continue;
        s->used = true;
        memcpy(s->id, id, 65);
        s->last_ms = now;
        s->who = *who;
        ok = true;
    }
    pthread_mutex_unlock(&s_lock);
    return ok;
}

/* ---- rate limits ---- */

/*  Failures counted under key within the window (an older window is
 *  forgotten). With s_lock held. */
static s_fail_t *
s_fail_slot(const char *key, uint64_t now, bool make)
{
    s_fail_t *free_slot = NULL, *oldest = NULL;
    for (size_t i = 0; i < S_FAIL_SLOTS; i++) {
        s_fail_t *f = &s_fails[i];
        if (f->key[0] && now - f->window_start_ms > S_FAIL_WINDOW_MS)
            f->key[0] = '\0';
        if (!f->key[0]) {
            if (!free_slot)
                free_slot = f;
            continue;
        }
        if (strcmp(f->key, key) == 0)
            return f;
        if (!oldest || f->window_start_ms < oldest->window_start_ms)
            oldest = f;
    }
    if (!make)
        return NULL;
    s_fail_t *f = free_slot ? free_slot : oldest;
    snprintf(f->key, sizeof f->key, "%s", key);
    f->window_start_ms = now;
    f->fails = 0;
    return f;
}

bool
lpg_console_login_limited(const char *akey, const char *ikey)
{
    uint64_t now = lpg_clock_mono_ms();
    pthread_mutex_lock(&s_lock);
    s_fail_t *a = s_fail_slot(akey, now, false);
    s_fail_t *i = s_fail_slot(ikey, now, false);
    bool limited =
        (a && a->fails >= S_FAILS_MAX) || (i && i->fails >= S_FAILS_MAX);
    pthread_mutex_unlock(&s_lock);
    return limited;
}

void
lpg_console_login_failed(const char *akey, const char *ikey)
{
    uint64_t now = lpg_clock_mono_ms();
    pthread_mutex_lock(&s_lock);
    s_fail_slot(akey, now, true)->fails++;
    s_fail_slot(ikey, now, true)->fails++;
    pthread_mutex_unlock(&s_lock);
}

void
lpg_console_login_succeeded(const char *akey)
{
    uint64_t now = lpg_clock_mono_ms();
    pthread_mutex_lock(&s_lock);
    s_fail_t *a = s_fail_slot(akey, now, false);
    if (a)
        a->key[0] = '\0';
    pthread_mutex_unlock(&s_lock);
}

/* ---- login and logout ---- */

/*  A hash of no account's password, checked when the account is unknown
 *  or has none, so that the answer takes as long. */
static char s_dummy[crypto_pwhash_STRBYTES];
static pthread_once_t s_dummy_once = PTHREAD_ONCE_INIT;

static void
s_dummy_make(void)
{
    char pw[33];
    lpg_console_random_hex(pw, 16);
    if (crypto_pwhash_str(s_dummy, pw, strlen(pw),
                          crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        s_dummy[0] = '\0';
}

bool
lpg_console_hash_check(const char *hash, const char *secret)
{
    if (hash)
        return crypto_pwhash_str_verify(hash, secret, strlen(secret)) == 0;
    /* the same work for an unknown account: its absence does not show in
     * the time taken */
    pthread_once(&s_dummy_once, s_dummy_make);
    if (crypto_pwhash_str_verify(s_dummy, secret, strlen(secret)) == 0)
        return false;
    return false;
}

static void
s_login_form(lpg_webd_resp_t *resp, int status, const char *token,
             const char *msg_zh, const char *msg_en, bool https)
{
    lpg_webd_buf_t b = {0};
    if (msg_zh) {
        lpg_webd_puts(&b, "<p class=\"bad\" role=\"alert\">");
        lpg_webd_html(&b, msg_zh);
        lpg_webd_puts(&b, " <span lang=\"en\">");
        lpg_webd_html(&b, msg_en);
        lpg_webd_puts(&b, "</span></p>");
    }
    lpg_webd_puts(&b, "<form method=\"post\" action=\"/console/login\" "
                      "class=\"login\"><input type=\"hidden\" name=\"csrf\" "
                      "value=\"");
    lpg_webd_html(&b, token);
    lpg_webd_puts(
        &b, "\"><label>账号 <span lang=\"en\">Account</span> <input "
            "name=\"account\" autocomplete=\"username\" required "
            "maxlength=\"63\"></label><label>密码 <span "
            "lang=\"en\">Password</span> <input type=\"password\" "
            "name=\"password\" autocomplete=\"current-password\" required "
            "maxlength=\"1024\"></label><button type=\"submit\">登录 <span "
            "lang=\"en\">Log in</span></button></form>");
    if (b.failed) {
        free(b.p);
        lpg_webd_problem(resp, 500, "internal", "Internal error", NULL);
        return;
    }
    lpg_console_send_page(resp, status, NULL, "登录", "Log in", b.p, NULL);
    free(b.p);
    snprintf(resp->extra_headers, sizeof resp->extra_headers,
             "Set-Cookie: " S_LOGIN_COOKIE "=%s; Path=/console/login; "
             "HttpOnly; SameSite=Strict%s\r\n",
             token, https ? "; Secure" : "");
}

void
lpg_console_login_page(lpg_webd_t *w, const lpg_webd_req_t *req,
                       lpg_webd_resp_t *resp)
{
    char token[65];
    s_random_hex(token);
    s_login_form(resp, 200, token, NULL, NULL, lpg_console_https(req));
}

void
lpg_console_login_post(lpg_webd_t *w, const lpg_webd_req_t *req,
                       lpg_webd_resp_t *resp)
{
    bool https = lpg_console_https(req);
    char cookie[80], tok[80], name[64], pw[1025];
    char fresh[65];
    s_random_hex(fresh);
    if (!lpg_console_cookie(req, S_LOGIN_COOKIE, cookie, sizeof cookie) ||
        !lpg_console_form(req, "csrf", tok, sizeof tok) ||
        !lpg_console_same(cookie, tok)) {
        lpg_webd_problem(resp, 403, "csrf", "Form token missing or wrong",
                         "Reload the login page and send the form again.");
        return;
    }
    if (!lpg_console_form(req, "account", name, sizeof name) || !*name ||
        !lpg_console_form(req, "password", pw, sizeof pw)) {
        s_login_form(resp, 400, fresh, "请输入账号和密码。",
                     "Give an account and a password.", https);
        return;
    }
    char akey[80], ikey[80];
    snprintf(akey, sizeof akey, "a:%s", name);
    snprintf(ikey, sizeof ikey, "ip:%s", req->client_addr);
    if (lpg_console_login_limited(akey, ikey)) {
        sodium_memzero(pw, sizeof pw);
        lpg_warn("console login: '%s' from %s refused unchecked: %d failed "
                 "passwords within a minute (password not checked)",
                 name, req->client_addr, S_FAILS_MAX);
        lpg_webd_problem(resp, 429, "login-rate-limited",
                         "Too many failed logins",
                         "Too many wrong passwords within a minute for this "
                         "account or address: the password was not checked. "
                         "Wait a minute.");
        snprintf(resp->extra_headers, sizeof resp->extra_headers,
                 "Retry-After: 60\r\n");
        return;
    }
    lpg_console_who_t who = {0};
    char hash[crypto_pwhash_STRBYTES];
    bool have = s_account(w, name, &who, hash, sizeof hash);
    bool ok = lpg_console_hash_check(have ? hash : NULL, pw);
    sodium_memzero(pw, sizeof pw);
    sodium_memzero(hash, sizeof hash);
    lpg_info("console login: '%s' from %s: password checked: %s", name,
             req->client_addr, ok ? "right" : "wrong");
    if (!ok) {
        lpg_console_login_failed(akey, ikey);
        s_login_form(resp, 401, fresh, "账号或密码不对，或账号已停用。",
                     "Wrong account or password, or the account is "
                     "disabled.",
                     https);
        return;
    }
    lpg_console_login_succeeded(akey);
    char id[65];
    if (!s_session_new(w, &who, id)) {
        lpg_webd_problem(resp, 503, "busy", "Too many sessions", NULL);
        return;
    }
    resp->status = 303;
    resp->content_type = "text/plain; charset=utf-8";
    snprintf(resp->extra_headers, sizeof resp->extra_headers,
             "Location: /console/cylinder\r\n"
             "Set-Cookie: " S_COOKIE "=%s; Path=/console; HttpOnly; "
             "SameSite=Strict%s\r\n",
             id, https ? "; Secure" : "");
}

void
lpg_console_logout(lpg_webd_t *w, const lpg_webd_req_t *req,
                   lpg_webd_resp_t *resp, const lpg_console_who_t *who)
{
    char id[80];
    if (lpg_console_cookie(req, S_COOKIE, id, sizeof id)) {
        pthread_mutex_lock(&s_lock);
        for (size_t i = 0; i < S_SESSIONS; i++)
            if (s_sessions[i].used && lpg_console_same(s_sessions[i].id, id))
                memset(&s_sessions[i], 0, sizeof s_sessions[i]);
        pthread_mutex_unlock(&s_lock);
    }
    resp->status = 303;
    resp->content_type = "text/plain; charset=utf-8";
    snprintf(resp->extra_headers, sizeof resp->extra_headers,
             "Location: /console/login\r\n"
             "Set-Cookie: " S_COOKIE "=; Path=/console; HttpOnly; "
             "SameSite=Strict; Max-Age=0%s\r\n",
             lpg_console_https(req) ? "; Secure" : "");
}
