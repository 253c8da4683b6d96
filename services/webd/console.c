/*  console.c - see console.h: the console's dispatch, its static files,
 *  the page chrome and the scope rule.
 *
 *  Every request under /console but the login page, its POST and the
 *  static files passes the session check first; every POST then passes
 *  the CSRF check; then the path decides which part answers. Static files
 *  come from webd.www_dir (/console/static/<name>) and webd.vendor_dir
 *  (/console/vendor/<package>/<path>): a whitelist of extensions, no
 *  hidden or parent segments, read whole (they are small) and served with
 *  their type.
 */
#include "base/error.h"
#include "base/log.h"
#include "console_int.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef LPG_SOURCE_DIR
#define LPG_SOURCE_DIR "."
#endif

#define S_STATIC_MAX (16u << 20) /* the largest file served */

/*  The policy of every console answer: the daemon's own, with scripts,
 *  WebAssembly (the camera scan), fetches and camera frames from this
 *  origin only. */
static const char s_csp[] =
    "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; "
    "style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; "
    "media-src 'self' blob:; worker-src 'self' blob:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'";

/* ---- settings ---- */

static pthread_once_t s_once = PTHREAD_ONCE_INIT;
static lpg_console_cfg_t s_cfg;
static lpg_webd_t *s_w;

static void
s_dir(const lpg_config_t *cfg, const char *key, const char *fallback,
      char *out, size_t outsz)
{
    const char *v = lpg_config_get(cfg, key);
    if (!v || !*v)
        snprintf(out, outsz, "%s/%s", LPG_SOURCE_DIR, fallback);
    else if (*v == '/')
        snprintf(out, outsz, "%s", v);
    else
        lpg_config_path(cfg, v, out, outsz);
}

static void
s_load_cfg(void)
{
    const lpg_config_t *cfg = lpg_webd_config(s_w);
    if (sodium_init() < 0)
        lpg_error("console: libsodium cannot start");
    const char *v = lpg_config_get(cfg, "webd.session_idle_s");
    long n = v ? strtol(v, NULL, 10) : 0;
    s_cfg.idle_s = n > 0 && n <= 7 * 24 * 3600 ? (unsigned)n : 900;
    s_dir(cfg, "webd.www_dir", "services/webd/www", s_cfg.www_dir,
          sizeof s_cfg.www_dir);
    s_dir(cfg, "webd.vendor_dir", "web/node_modules", s_cfg.vendor_dir,
          sizeof s_cfg.vendor_dir);
}

const lpg_console_cfg_t *
lpg_console_cfg(lpg_webd_t *w)
{
    s_w = w;
    pthread_once(&s_once, s_load_cfg);
    return &s_cfg;
}

/* ---- words ---- */

const char *
lpg_console_role_zh(lpg_console_role_t r)
{
    switch (r) {
    case LPG_CONSOLE_REGULATOR:
        return "监管部门";
    case LPG_CONSOLE_STREET:
        return "街道办";
    case LPG_CONSOLE_COMPANY:
        return "燃气企业";
    }
    return "?";
}

const char *
lpg_console_role_en(lpg_console_role_t r)
{
    switch (r) {
    case LPG_CONSOLE_REGULATOR:
        return "regulator";
    case LPG_CONSOLE_STREET:
        return "street office";
    case LPG_CONSOLE_COMPANY:
        return "company";
    }
    return "?";
}

/* ---- scope ---- */

bool
lpg_console_may_see(const lpg_console_who_t *who, lpg_txn_t *t,
                    const char *company_id, const char *area_code)
{
    (void)t;
    switch (who->role) {
    case LPG_CONSOLE_REGULATOR:
        return true;
    case LPG_CONSOLE_STREET:
        return *who->area && area_code && strcmp(area_code, who->area) == 0;
    case LPG_CONSOLE_COMPANY:
        return *who->company && company_id &&
               strcmp(company_id, who->company) == 0;
    }
    return false;
}

/* ---- page chrome ---- */

/*  The pages each role may open: a street office has no dispatch board
 *  (403), only a company signs, so only it loads a signing key. */
#define S_NAV_ALL 0
#define S_NAV_NOT_STREET 1
#define S_NAV_COMPANY 2

static const struct {
    const char *path, *zh, *en;
    int who;
} s_nav[] = {
    {"/console/cylinder", "气瓶", "Cylinder", S_NAV_ALL},
    {"/console/recall", "召回", "Recall", S_NAV_ALL},
    {"/console/reports", "报表", "Reports", S_NAV_ALL},
    {"/console/hazards", "隐患", "Hazards", S_NAV_ALL},
    {"/console/live", "实时", "Live", S_NAV_ALL},
    {"/console/orders", "派单", "Dispatch", S_NAV_NOT_STREET},
    {"/console/key", "签名密钥", "Signing key", S_NAV_COMPANY},
};

static bool
s_nav_shown(const lpg_console_who_t *who, int which)
{
    switch (which) {
    case S_NAV_NOT_STREET:
        return who->role != LPG_CONSOLE_STREET;
    case S_NAV_COMPANY:
        return who->role == LPG_CONSOLE_COMPANY;
    default:
        return true;
    }
}

char *
lpg_console_page(const lpg_console_who_t *who, const char *title_zh,
                 const char *title_en, const char *body_html,
                 const char *const *scripts)
{
    lpg_webd_buf_t b = {0};
    lpg_webd_puts(&b, "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head>"
                      "<meta charset=\"utf-8\">"
                      "<meta name=\"viewport\" content=\"width=device-width, "
                      "initial-scale=1\">");
    if (who && *who->csrf) {
        lpg_webd_puts(&b, "<meta name=\"csrf\" content=\"");
        lpg_webd_html(&b, who->csrf);
        lpg_webd_puts(&b, "\">");
    }
    lpg_webd_puts(&b, "<title>");
    lpg_webd_html(&b, title_zh);
    lpg_webd_puts(&b, " ");
    lpg_webd_html(&b, title_en);
    lpg_webd_puts(&b, " · 气瓶追溯 lpgtrace</title>"
                      "<link rel=\"stylesheet\" "
                      "href=\"/console/static/console.css\">"
                      "<script src=\"/console/static/console.js\" defer>"
                      "</script>");
    for (size_t i = 0; scripts && scripts[i]; i++) {
        lpg_webd_puts(&b, "<script src=\"/console/static/");
        lpg_webd_html(&b, scripts[i]);
        lpg_webd_puts(&b, "\" defer></script>");
    }
    lpg_webd_puts(&b, "</head><body><header class=\"top\">"
                      "<span class=\"brand\">气瓶追溯 <span lang=\"en\">"
                      "lpgtrace console</span></span>");
    if (who && *who->account) {
        lpg_webd_puts(&b, "<nav>");
        for (size_t i = 0; i < sizeof s_nav / sizeof *s_nav; i++)
            if (s_nav_shown(who, s_nav[i].who))
                lpg_webd_printf(&b,
                                "<a href=\"%s\">%s <span lang=\"en\">%s</span>"
                                "</a>",
                                s_nav[i].path, s_nav[i].zh, s_nav[i].en);
        lpg_webd_puts(&b, "</nav><div class=\"who\"><span "
                          "class=\"account\">");
        lpg_webd_html(&b, who->account);
        lpg_webd_printf(&b, "</span> · %s <span lang=\"en\">%s</span>",
                        lpg_console_role_zh(who->role),
                        lpg_console_role_en(who->role));
        if (who->role == LPG_CONSOLE_STREET) {
            lpg_webd_puts(&b, " ");
            lpg_webd_html(&b, who->area);
        } else if (who->role == LPG_CONSOLE_COMPANY) {
            lpg_webd_puts(&b, " ");
            lpg_webd_html(&b, who->company);
        }
        lpg_webd_puts(&b, "<form method=\"post\" action=\"/console/logout\" "
                          "class=\"logout\"><input type=\"hidden\" "
                          "name=\"csrf\" value=\"");
        lpg_webd_html(&b, who->csrf);
        lpg_webd_puts(&b, "\"><button type=\"submit\">退出 <span "
                          "lang=\"en\">Log out</span></button></form></div>");
    }
    lpg_webd_puts(&b, "</header><main><h1>");
    lpg_webd_html(&b, title_zh);
    lpg_webd_puts(&b, " <span lang=\"en\">");
    lpg_webd_html(&b, title_en);
    lpg_webd_puts(&b, "</span></h1>\n");
    lpg_webd_puts(&b, body_html ? body_html : "");
    lpg_webd_puts(&b, "\n</main></body></html>\n");
    if (b.failed) {
        free(b.p);
        return NULL;
    }
    return b.p;
}

void
lpg_console_send_page(lpg_webd_resp_t *resp, int status,
                      const lpg_console_who_t *who, const char *title_zh,
                      const char *title_en, const char *body_html,
                      const char *const *scripts)
{
    char *page = lpg_console_page(who, title_zh, title_en, body_html, scripts);
    if (!page) {
        lpg_webd_problem(resp, 500, "internal", "Internal error",
                         "The page could not be built.");
        return;
    }
    free(resp->body);
    resp->status = status;
    resp->content_type = "text/html; charset=utf-8";
    resp->body = page;
    resp->body_len = strlen(page);
}

static bool
s_json_path(const char *path)
{
    return strncmp(path, "/console/api/", 13) == 0;
}

void
lpg_console_forbidden(const lpg_webd_req_t *req, lpg_webd_resp_t *resp,
                      const lpg_console_who_t *who)
{
    if (s_json_path(req->path)) {
        lpg_webd_problem(resp, 403, "forbidden", "Forbidden",
                         "This is outside the account's area or company.");
        return;
    }
    lpg_console_send_page(
        resp, 403, who, "无权查看", "Forbidden",
        "<p class=\"bad\">此内容不在本账号的辖区或企业范围内。"
        "<span lang=\"en\">This is outside the account's area or "
        "company.</span></p>",
        NULL);
}

/* ---- static files ---- */

static const struct {
    const char *ext, *type;
} s_types[] = {
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".wasm", "application/wasm"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".json", "application/json"},
};

/*  The type of a served file by its name's extension; NULL: not served. */
static const char *
s_type(const char *name)
{
    const char *dot = strrchr(name, '.');
    for (size_t i = 0; dot && i < sizeof s_types / sizeof *s_types; i++)
        if (strcmp(dot, s_types[i].ext) == 0)
            return s_types[i].type;
    return NULL;
}

/*  A relative path we serve: segments of letters, digits, '-', '_', '.',
 *  '@', none empty or beginning with '.'; slashes only if deep. */
static bool
s_rel_ok(const char *rel, bool deep)
{
    if (!*rel || strlen(rel) > 512)
        return false;
    bool seg_start = true;
    for (const char *p = rel; *p; p++) {
        char c = *p;
        if (c == '/') {
            if (!deep || seg_start)
                return false;
            seg_start = true;
            continue;
        }
        if (seg_start && c == '.')
            return false;
        seg_start = false;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
              c == '@'))
            return false;
    }
    return !seg_start;
}

static void
s_static(const char *dir, const char *rel, bool deep, lpg_webd_resp_t *resp)
{
    const char *type = s_type(rel);
    if (!s_rel_ok(rel, deep) || !type) {
        lpg_webd_problem(resp, 404, "not-found", "Not found", NULL);
        return;
    }
    char path[8192];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    struct stat st;
    FILE *f = NULL;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) ||
        (uint64_t)st.st_size > S_STATIC_MAX || !(f = fopen(path, "rb"))) {
        lpg_webd_problem(resp, 404, "not-found", "Not found", NULL);
        return;
    }
    size_t n = (size_t)st.st_size;
    char *p = malloc(n ? n : 1);
    if (!p || fread(p, 1, n, f) != n) {
        free(p);
        fclose(f);
        lpg_webd_problem(resp, 500, "internal", "Internal error", NULL);
        return;
    }
    fclose(f);
    resp->status = 200;
    resp->content_type = type;
    resp->body = p;
    resp->body_len = n;
    snprintf(resp->extra_headers, sizeof resp->extra_headers,
             "Cache-Control: private, max-age=300\r\n");
}

/* ---- dispatch ---- */

static bool
s_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/*  path is prefix itself, or prefix followed by '/' or '?'. */
static bool
s_under(const char *path, const char *prefix)
{
    size_t n = strlen(prefix);
    return strncmp(path, prefix, n) == 0 &&
           (path[n] == '\0' || path[n] == '/');
}

static void
s_home(const lpg_webd_req_t *req, lpg_webd_resp_t *resp)
{
    resp->status = 303;
    snprintf(resp->extra_headers, sizeof resp->extra_headers,
             "Location: /console/cylinder\r\n");
}

static void
s_dispatch(lpg_webd_t *w, const lpg_webd_req_t *req, lpg_webd_resp_t *resp)
{
    const char *p = req->path;
    bool post = strcmp(req->method, "POST") == 0;
    if (s_prefix(p, "/console/static/") && !post) {
        s_static(lpg_console_cfg(w)->www_dir, p + strlen("/console/static/"),
                 false, resp);
        return;
    }
    if (s_prefix(p, "/console/vendor/") && !post) {
        s_static(lpg_console_cfg(w)->vendor_dir,
                 p + strlen("/console/vendor/"), true, resp);
        return;
    }
    if (strcmp(p, "/console/login") == 0) {
        if (post)
            lpg_console_login_post(w, req, resp);
        else
            lpg_console_login_page(w, req, resp);
        return;
    }
    lpg_console_who_t who;
    if (!lpg_console_session(w, req, &who)) {
        if (s_json_path(p)) {
            lpg_webd_problem(resp, 401, "login-required", "Login required",
                             "Log in at /console/login first.");
            return;
        }
        resp->status = 303;
        resp->content_type = "text/plain; charset=utf-8";
        snprintf(resp->extra_headers, sizeof resp->extra_headers,
                 "Location: /console/login\r\n");
        return;
    }
    if (post && !lpg_console_csrf_ok(req, &who)) {
        lpg_warn("console: '%s' posted %s without its form token", who.account,
                 p);
        const char *accept = req->header(req->hctx, "Accept");
        if (!s_json_path(p) && accept && strstr(accept, "text/html")) {
            /* a person's browser: a page, not a problem document */
            lpg_console_send_page(
                resp, 403, &who, "表单已失效", "Form token missing",
                "<p class=\"bad\">表单缺少有效的令牌，未予处理。请重新载入"
                "页面后再提交。<span lang=\"en\">The form's token was "
                "missing or wrong, so nothing was done. Reload the page "
                "and send the form again.</span></p><p><a "
                "href=\"/console/cylinder\">气瓶 <span "
                "lang=\"en\">Cylinder</span></a></p>",
                NULL);
            return;
        }
        lpg_webd_problem(resp, 403, "csrf", "Form token missing or wrong",
                         "Reload the page and send the form again.");
        return;
    }
    if (strcmp(p, "/console/logout") == 0 && post) {
        lpg_console_logout(w, req, resp, &who);
        return;
    }
    if (strcmp(p, "/console/api/entries") == 0 ||
        strcmp(p, "/console/api/consistency") == 0 ||
        strcmp(p, "/console/api/checkpoint") == 0) {
        lpg_console_proofs(w, req, resp, &who);
        return;
    }
    if (s_under(p, "/console/orders"))
        return lpg_console_orders(w, req, resp, &who);
    if (strcmp(p, "/console/key") == 0 || s_under(p, "/console/api/orders"))
        return lpg_console_sign(w, req, resp, &who);
    if (s_under(p, "/console/recall") || s_under(p, "/console/reports") ||
        s_under(p, "/console/hazards") || s_under(p, "/console/live") ||
        s_under(p, "/console/api/reports")) {
        lpg_console_reports(w, req, resp, &who);
        return;
    }
    if (strcmp(p, "/console/reveal") == 0 && post) {
        lpg_console_reveal(w, req, resp, &who);
        return;
    }
    if (post) {
        lpg_webd_problem(resp, 405, "method-not-allowed", "Method not allowed",
                         "This address takes GET only.");
        return;
    }
    if (strcmp(p, "/console") == 0 || strcmp(p, "/console/") == 0) {
        s_home(req, resp);
        return;
    }
    if (strcmp(p, "/console/cylinder") == 0) {
        lpg_console_cylinder(w, req, resp, &who);
        return;
    }
    lpg_webd_problem(resp, 404, "not-found", "Not found",
                     "Nothing is served at this address.");
}

void
lpg_webd_console(lpg_webd_t *w, const lpg_webd_req_t *req,
                 lpg_webd_resp_t *resp)
{
    lpg_console_cfg(w);
    s_dispatch(w, req, resp);
    resp->csp = s_csp;
}
