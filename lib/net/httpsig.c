/*  httpsig.c - see httpsig.h. RFC 9421 signature bases, RFC 8941 fields
 *  and RFC 9530 digests.
 *
 *  The structured-field parser below knows exactly what the two fields
 *  need: dictionaries whose members are items or inner lists, with
 *  parameters, and the bare items integer, decimal, string, token, byte
 *  sequence and boolean. It reads from a bounded buffer through a cursor
 *  and never looks past its end; every syntax fault is LPG_ESIGFIELD.
 */
#include "net/httpsig.h"
#include "base/error.h"
#include "crypto/crypto.h"

#include <assert.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

static const char *const s_param_name[LPG_HTTPSIG_NPARAMS] = {
    [LPG_HTTPSIG_CREATED] = "created", [LPG_HTTPSIG_EXPIRES] = "expires",
    [LPG_HTTPSIG_NONCE] = "nonce",     [LPG_HTTPSIG_ALG] = "alg",
    [LPG_HTTPSIG_KEYID] = "keyid",     [LPG_HTTPSIG_TAG] = "tag",
};

static const char *const s_derived[] = {
    "@method", "@target-uri", "@authority", "@scheme", "@path", "@query",
};
#define S_NDERIVED (sizeof s_derived / sizeof s_derived[0])

/* ------------------------------------------------------ character sets */

static bool
s_lcalpha(int c)
{
    return c >= 'a' && c <= 'z';
}

static bool
s_alpha(int c)
{
    return s_lcalpha(c) || (c >= 'A' && c <= 'Z');
}

static bool
s_digit(int c)
{
    return c >= '0' && c <= '9';
}

/*  RFC 9110 tchar. */
static bool
s_tchar(int c)
{
    return s_alpha(c) || s_digit(c) ||
           (c != 0 && strchr("!#$%&'*+-.^_`|~", c));
}

/*  A character of an RFC 8941 key after the first. */
static bool
s_keychar(int c)
{
    return s_lcalpha(c) || s_digit(c) || c == '_' || c == '-' || c == '.' ||
           c == '*';
}

/*  An RFC 8941 key: lcalpha or '*', then lcalpha, DIGIT, _ - . * */
static bool
s_is_key(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > LPG_HTTPSIG_MAX_NAME ||
        !(s_lcalpha(s[0]) || s[0] == '*'))
        return false;
    for (size_t i = 1; i < n; i++)
        if (!s_keychar((unsigned char)s[i]))
            return false;
    return true;
}

/*  A field's component name: lower-case tchar only. */
static bool
s_is_field_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > LPG_HTTPSIG_MAX_NAME)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!s_tchar((unsigned char)s[i]) || (s[i] >= 'A' && s[i] <= 'Z'))
            return false;
    return true;
}

static bool
s_is_printable(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
            return false;
    return true;
}

/* ----------------------------------------------------- RFC 8941 parser */

typedef struct {
    const char *s;
    size_t n;
    size_t i;
} s_cur_t;

static int
s_peek(const s_cur_t *c)
{
    return c->i < c->n ? (unsigned char)c->s[c->i] : -1;
}

static void
s_skip_sp(s_cur_t *c)
{
    while (s_peek(c) == ' ')
        c->i++;
}

static void
s_skip_ows(s_cur_t *c)
{
    while (s_peek(c) == ' ' || s_peek(c) == '\t')
        c->i++;
}

typedef enum { S_INT, S_DEC, S_STR, S_TOKEN, S_BYTES, S_BOOL } s_kind_t;

/*  A bare item. Strings are decoded into str when they fit (toolong
 *  otherwise); byte sequences keep their base64 text (raw, rawlen). */
typedef struct {
    s_kind_t kind;
    int64_t num;
    bool toolong;
    char str[LPG_HTTPSIG_MAX_PARAM + 1];
    const char *raw;
    size_t rawlen;
} s_item_t;

#define S_SYNTAX(c, what) \
    lpg_why_rc(why, whysz, LPG_ESIGFIELD, "%s at byte %zu", what, (c)->i)

static int
s_key(s_cur_t *c, char out[LPG_HTTPSIG_MAX_NAME + 1], char *why, size_t whysz)
{
    int ch = s_peek(c);
    if (!(s_lcalpha(ch) || ch == '*'))
        return S_SYNTAX(c, "expected a key");
    size_t n = 0;
    while ((ch = s_peek(c)) >= 0 && s_keychar(ch)) {
        if (n == LPG_HTTPSIG_MAX_NAME)
            return lpg_why_rc(why, whysz, LPG_ETOOBIG,
                              "a key is longer than %d bytes",
                              LPG_HTTPSIG_MAX_NAME);
        out[n++] = (char)ch;
        c->i++;
    }
    out[n] = '\0';
    return LPG_OK;
}

static int
s_number(s_cur_t *c, s_item_t *it, char *why, size_t whysz)
{
    bool neg = s_peek(c) == '-';
    if (neg)
        c->i++;
    if (!s_digit(s_peek(c)))
        return S_SYNTAX(c, "expected a digit");
    int64_t v = 0;
    size_t digits = 0;
    while (s_digit(s_peek(c))) {
        if (++digits > 15)
            return S_SYNTAX(c, "an integer of more than 15 digits");
        v = v * 10 + (s_peek(c) - '0');
        c->i++;
    }
    it->kind = S_INT;
    it->num = neg ? -v : v;
    if (s_peek(c) != '.')
        return LPG_OK;
    if (digits > 12)
        return S_SYNTAX(c, "a decimal of more than 12 integer digits");
    c->i++;
    size_t frac = 0;
    while (s_digit(s_peek(c))) {
        if (++frac > 3)
            return S_SYNTAX(c, "a decimal of more than 3 fraction digits");
        c->i++;
    }
    if (frac == 0)
        return S_SYNTAX(c, "a decimal without fraction digits");
    it->kind = S_DEC;
    return LPG_OK;
}

static int
s_string(s_cur_t *c, s_item_t *it, char *why, size_t whysz)
{
    c->i++; /* the opening quote */
    size_t n = 0;
    for (;;) {
        int ch = s_peek(c);
        if (ch < 0)
            return S_SYNTAX(c, "a string without its closing quote");
        c->i++;
        if (ch == '"')
            break;
        if (ch == '\\') {
            ch = s_peek(c);
            if (ch != '"' && ch != '\\')
                return S_SYNTAX(c, "a string with a bad escape");
            c->i++;
        } else if (ch < 0x20 || ch > 0x7e) {
            return S_SYNTAX(c, "a string with a byte outside printable ASCII");
        }
        if (n < LPG_HTTPSIG_MAX_PARAM)
            it->str[n++] = (char)ch;
        else
            it->toolong = true;
    }
    it->str[n] = '\0';
    it->kind = S_STR;
    return LPG_OK;
}

static int
s_bare_item(s_cur_t *c, s_item_t *it, char *why, size_t whysz)
{
    memset(it, 0, sizeof *it);
    int ch = s_peek(c);
    if (ch == '-' || s_digit(ch))
        return s_number(c, it, why, whysz);
    if (ch == '"')
        return s_string(c, it, why, whysz);
    if (s_alpha(ch) || ch == '*') {
        size_t start = c->i;
        while ((ch = s_peek(c)) >= 0 &&
               (s_tchar(ch) || ch == ':' || ch == '/'))
            c->i++;
        it->kind = S_TOKEN;
        it->raw = c->s + start;
        it->rawlen = c->i - start;
        return LPG_OK;
    }
    if (ch == ':') {
        c->i++;
        size_t start = c->i;
        while ((ch = s_peek(c)) >= 0 && ch != ':') {
            if (!(s_alpha(ch) || s_digit(ch) || ch == '+' || ch == '/' ||
                  ch == '='))
                return S_SYNTAX(c, "a byte sequence with a non-base64 byte");
            c->i++;
        }
        if (ch != ':')
            return S_SYNTAX(c, "a byte sequence without its closing colon");
        it->kind = S_BYTES;
        it->raw = c->s + start;
        it->rawlen = c->i - start;
        c->i++;
        return LPG_OK;
    }
    if (ch == '?') {
        c->i++;
        ch = s_peek(c);
        if (ch != '0' && ch != '1')
            return S_SYNTAX(c, "a boolean that is not ?0 or ?1");
        c->i++;
        it->kind = S_BOOL;
        it->num = ch == '1';
        return LPG_OK;
    }
    return S_SYNTAX(c, "expected an item");
}

/*  Called for each parameter of what collects them; NULL skips them. */
typedef int (*s_param_fn)(void *ctx, const char *key, const s_item_t *value,
                          char *why, size_t whysz);

static int
s_params(s_cur_t *c, s_param_fn fn, void *ctx, char *why, size_t whysz)
{
    while (s_peek(c) == ';') {
        c->i++;
        s_skip_sp(c);
        char key[LPG_HTTPSIG_MAX_NAME + 1];
        int rc = s_key(c, key, why, whysz);
        if (rc != LPG_OK)
            return rc;
        s_item_t value = {.kind = S_BOOL, .num = 1};
        if (s_peek(c) == '=') {
            c->i++;
            rc = s_bare_item(c, &value, why, whysz);
            if (rc != LPG_OK)
                return rc;
        }
        if (fn && (rc = fn(ctx, key, &value, why, whysz)) != LPG_OK)
            return rc;
    }
    return LPG_OK;
}

/*  What a dictionary member's value is handed to. item_fn gets each item
 *  of an inner list (inner true) or the member's single item, and says
 *  whether it wants that item's parameters (*item_params); param_fn gets
 *  the member's own parameters (for an inner list, those after ')'). */
typedef struct {
    int (*item_fn)(void *ctx, bool inner, const s_item_t *it,
                   s_param_fn *item_params, char *why, size_t whysz);
    s_param_fn param_fn;
    void *ctx;
} s_member_t;

static int
s_member_value(s_cur_t *c, const s_member_t *m, char *why, size_t whysz)
{
    int rc;
    s_param_fn pf = NULL;
    if (s_peek(c) != '=') { /* a bare key is true */
        s_item_t t = {.kind = S_BOOL, .num = 1};
        if (m && (rc = m->item_fn(m->ctx, false, &t, &pf, why, whysz)) != 0)
            return rc;
        return s_params(c, m ? m->param_fn : NULL, m ? m->ctx : NULL, why,
                        whysz);
    }
    c->i++;
    if (s_peek(c) != '(') {
        s_item_t it;
        if ((rc = s_bare_item(c, &it, why, whysz)) != LPG_OK)
            return rc;
        if (m && (rc = m->item_fn(m->ctx, false, &it, &pf, why, whysz)) != 0)
            return rc;
        return s_params(c, m ? m->param_fn : NULL, m ? m->ctx : NULL, why,
                        whysz);
    }
    c->i++;
    for (;;) {
        s_skip_sp(c);
        if (s_peek(c) == ')') {
            c->i++;
            break;
        }
        s_item_t it;
        if ((rc = s_bare_item(c, &it, why, whysz)) != LPG_OK)
            return rc;
        pf = NULL;
        if (m && (rc = m->item_fn(m->ctx, true, &it, &pf, why, whysz)) != 0)
            return rc;
        if ((rc = s_params(c, pf, m ? m->ctx : NULL, why, whysz)) != LPG_OK)
            return rc;
        if (s_peek(c) != ' ' && s_peek(c) != ')')
            return S_SYNTAX(c, "an inner list item not followed by a space "
                               "or ')'");
    }
    return s_params(c, m ? m->param_fn : NULL, m ? m->ctx : NULL, why, whysz);
}

/*  Parses a whole dictionary; the member under label (NULL: the first)
 *  goes to m, the others are only checked. *found says whether it was
 *  there; found_label (may be NULL) receives its key. A label seen twice
 *  is refused. */
static int
s_dict(const char *field, size_t len, const char *label, const s_member_t *m,
       bool *found, char found_label[LPG_HTTPSIG_MAX_NAME + 1], char *why,
       size_t whysz)
{
    s_cur_t c = {field, len, 0};
    *found = false;
    s_skip_ows(&c);
    if (s_peek(&c) < 0)
        return lpg_why_rc(why, whysz, LPG_ESIGFIELD, "the field is empty");
    for (;;) {
        char key[LPG_HTTPSIG_MAX_NAME + 1];
        int rc = s_key(&c, key, why, whysz);
        if (rc != LPG_OK)
            return rc;
        bool want = label ? strcmp(key, label) == 0 : !*found;
        if (want && *found)
            return lpg_why_rc(why, whysz, LPG_ESIGFIELD,
                              "the label %s appears twice", key);
        if (want) {
            *found = true;
            if (found_label)
                memcpy(found_label, key, strlen(key) + 1);
        }
        rc = s_member_value(&c, want ? m : NULL, why, whysz);
        if (rc != LPG_OK)
            return rc;
        s_skip_ows(&c);
        if (s_peek(&c) < 0)
            return LPG_OK;
        if (s_peek(&c) != ',')
            return S_SYNTAX(&c, "expected ',' between members");
        c.i++;
        s_skip_ows(&c);
        if (s_peek(&c) < 0)
            return S_SYNTAX(&c, "a ',' at the end");
    }
}

/*  Decodes a byte sequence's base64 (padding optional, as RFC 8941
 *  allows) into out, which must receive exactly want bytes. */
static int
s_bytes(const s_item_t *it, uint8_t *out, size_t want)
{
    char text[LPG_HTTPSIG_MAX_FIELD + 4];
    if (it->kind != S_BYTES || it->rawlen > LPG_HTTPSIG_MAX_FIELD)
        return LPG_EMALFORMED;
    memcpy(text, it->raw, it->rawlen);
    size_t n = it->rawlen;
    while (n % 4 != 0)
        text[n++] = '=';
    uint8_t buf[LPG_SHA512_LEN];
    size_t got = 0;
    if (n / 4 * 3 > sizeof buf + 2)
        return LPG_EMALFORMED;
    int rc = lpg_base64_decode(text, n, false, buf, sizeof buf, &got);
    if (rc != LPG_OK || got != want)
        return LPG_EMALFORMED;
    memcpy(out, buf, want);
    return LPG_OK;
}

/* ------------------------------------------------------------- params */

void
lpg_httpsig_params_init(lpg_httpsig_params_t *p)
{
    assert(p);
    memset(p, 0, sizeof *p);
}

static bool
s_is_derived(const char *name)
{
    for (size_t i = 0; i < S_NDERIVED; i++)
        if (strcmp(name, s_derived[i]) == 0)
            return true;
    return false;
}

bool
lpg_httpsig_covers(const lpg_httpsig_params_t *p, const char *name)
{
    assert(p && name);
    for (size_t i = 0; i < p->ncomponents; i++)
        if (strcmp(p->components[i], name) == 0)
            return true;
    return false;
}

static int
s_add(lpg_httpsig_params_t *p, const char *name, char *why, size_t whysz)
{
    if (strlen(name) > LPG_HTTPSIG_MAX_NAME)
        return lpg_why_rc(why, whysz, LPG_ETOOBIG,
                          "a component name is longer than %d bytes",
                          LPG_HTTPSIG_MAX_NAME);
    if (name[0] == '@' ? !s_is_derived(name) : !s_is_field_name(name))
        return lpg_why_rc(why, whysz, LPG_ESIGCOMPONENT,
                          "component \"%s\" is not supported", name);
    if (lpg_httpsig_covers(p, name))
        return lpg_why_rc(why, whysz, LPG_ESIGCOMPONENT,
                          "component \"%s\" is covered twice", name);
    if (p->ncomponents == LPG_HTTPSIG_MAX_COMPONENTS)
        return lpg_why_rc(why, whysz, LPG_ETOOBIG,
                          "more than %d covered components",
                          LPG_HTTPSIG_MAX_COMPONENTS);
    memcpy(p->components[p->ncomponents++], name, strlen(name) + 1);
    return LPG_OK;
}

int
lpg_httpsig_params_add(lpg_httpsig_params_t *p, const char *name)
{
    assert(p && name);
    return s_add(p, name, NULL, 0);
}

/*  Records that which is present; with an explicit order, appends it
 *  there unless it is already listed. */
static void
s_mark(lpg_httpsig_params_t *p, lpg_httpsig_param_t which)
{
    p->has |= 1u << which;
    if (p->norder == 0 || p->norder > LPG_HTTPSIG_NPARAMS)
        return;
    for (size_t i = 0; i < p->norder; i++)
        if (p->order[i] == which)
            return;
    if (p->norder < LPG_HTTPSIG_NPARAMS)
        p->order[p->norder++] = (uint8_t)which;
}

/*  Where each string parameter lives in the struct (0: not a string). */
static const size_t s_param_off[LPG_HTTPSIG_NPARAMS] = {
    [LPG_HTTPSIG_NONCE] = offsetof(lpg_httpsig_params_t, nonce),
    [LPG_HTTPSIG_ALG] = offsetof(lpg_httpsig_params_t, alg),
    [LPG_HTTPSIG_KEYID] = offsetof(lpg_httpsig_params_t, keyid),
    [LPG_HTTPSIG_TAG] = offsetof(lpg_httpsig_params_t, tag),
};

static char *
s_param_text(lpg_httpsig_params_t *p, unsigned which)
{
    if (which >= LPG_HTTPSIG_NPARAMS || s_param_off[which] == 0)
        return NULL;
    return (char *)p + s_param_off[which];
}

static const char *
s_param_ctext(const lpg_httpsig_params_t *p, unsigned which)
{
    return (const char *)p + s_param_off[which];
}

int
lpg_httpsig_params_set(lpg_httpsig_params_t *p, lpg_httpsig_param_t which,
                       const char *value)
{
    assert(p && value);
    char *dst = s_param_text(p, (unsigned)which);
    if (!dst || !s_is_printable(value))
        return LPG_EINVAL;
    size_t n = strlen(value);
    if (n > LPG_HTTPSIG_MAX_PARAM)
        return LPG_ETOOBIG;
    memcpy(dst, value, n + 1);
    s_mark(p, which);
    return LPG_OK;
}

int
lpg_httpsig_params_set_time(lpg_httpsig_params_t *p, lpg_httpsig_param_t which,
                            int64_t t)
{
    assert(p);
    if ((which != LPG_HTTPSIG_CREATED && which != LPG_HTTPSIG_EXPIRES) ||
        t < 0 || t > 999999999999999)
        return LPG_EINVAL;
    if (which == LPG_HTTPSIG_CREATED)
        p->created = t;
    else
        p->expires = t;
    s_mark(p, which);
    return LPG_OK;
}

/*  A growing text in a caller's buffer; over says it did not fit. */
typedef struct {
    char *p;
    size_t n;
    size_t cap;
    bool over;
} s_buf_t;

static void
s_put(s_buf_t *b, const char *s, size_t len)
{
    if (b->over || len >= b->cap - b->n) {
        b->over = true;
        return;
    }
    memcpy(b->p + b->n, s, len);
    b->n += len;
    b->p[b->n] = '\0';
}

static void
s_puts(s_buf_t *b, const char *s)
{
    s_put(b, s, strlen(s));
}

static void
s_put_string(s_buf_t *b, const char *s)
{
    s_puts(b, "\"");
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            s_puts(b, "\\");
        s_put(b, s, 1);
    }
    s_puts(b, "\"");
}

static void
s_format(const lpg_httpsig_params_t *p, s_buf_t *b)
{
    s_puts(b, "(");
    for (size_t i = 0; i < p->ncomponents; i++) {
        if (i)
            s_puts(b, " ");
        s_put_string(b, p->components[i]);
    }
    s_puts(b, ")");
    /* p->order first (each parameter once), then whatever is present and
       not listed there, in the order of the enum */
    uint8_t order[2 * LPG_HTTPSIG_NPARAMS];
    size_t n =
        p->norder < LPG_HTTPSIG_NPARAMS ? p->norder : LPG_HTTPSIG_NPARAMS;
    memcpy(order, p->order, n);
    for (unsigned i = 0; i < LPG_HTTPSIG_NPARAMS; i++)
        order[n++] = (uint8_t)i;
    unsigned done = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned w = order[i];
        if (w >= LPG_HTTPSIG_NPARAMS || !(p->has & 1u << w) ||
            (done & 1u << w))
            continue;
        done |= 1u << w;
        s_puts(b, ";");
        s_puts(b, s_param_name[w]);
        s_puts(b, "=");
        if (w == LPG_HTTPSIG_CREATED || w == LPG_HTTPSIG_EXPIRES) {
            char num[24];
            snprintf(num, sizeof num, "%" PRId64,
                     w == LPG_HTTPSIG_CREATED ? p->created : p->expires);
            s_puts(b, num);
        } else {
            s_put_string(b, s_param_ctext(p, w));
        }
    }
}

int
lpg_httpsig_params_format(const lpg_httpsig_params_t *p, char *out,
                          size_t outsz, size_t *outlen)
{
    assert(p && out && outsz > 0);
    s_buf_t b = {out, 0, outsz, false};
    out[0] = '\0';
    s_format(p, &b);
    if (b.over) {
        out[0] = '\0';
        return LPG_ERANGE;
    }
    if (outlen)
        *outlen = b.n;
    return LPG_OK;
}

/* --------------------------------------------------------------- base */

/*  The parts of an absolute target URI, normalised as RFC 9421 derives
 *  them: scheme and authority lower case, the default port dropped. */
typedef struct {
    char scheme[17];
    char authority[256];
    const char *path;
    size_t pathlen;
    const char *query; /* NULL without '?' */
    size_t querylen;
} s_uri_t;

static int
s_split_uri(const char *uri, s_uri_t *u, char *why, size_t whysz)
{
    size_t len = strnlen(uri, LPG_HTTPSIG_MAX_URI + 1);
    if (len > LPG_HTTPSIG_MAX_URI)
        return lpg_why_rc(why, whysz, LPG_ETOOBIG,
                          "the target URI is longer than %d bytes",
                          LPG_HTTPSIG_MAX_URI);
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)uri[i] <= 0x20 || (unsigned char)uri[i] >= 0x7f ||
            uri[i] == '#')
            return lpg_why_rc(why, whysz, LPG_EMALFORMED,
                              "the target URI holds a space, a control, "
                              "non-ASCII byte or a fragment");
    size_t i = 0;
    if (!s_alpha(uri[0]))
        return lpg_why_rc(why, whysz, LPG_EMALFORMED,
                          "the target URI has no scheme");
    while (s_alpha(uri[i]) || s_digit(uri[i]) || uri[i] == '+' ||
           uri[i] == '-' || uri[i] == '.') {
        if (i == sizeof u->scheme - 1)
            return lpg_why_rc(why, whysz, LPG_EMALFORMED,
                              "the target URI's scheme is too long");
        char ch = uri[i];
        u->scheme[i++] = (char)(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
    }
    u->scheme[i] = '\0';
    if (strncmp(uri + i, "://", 3) != 0)
        return lpg_why_rc(why, whysz, LPG_EMALFORMED,
                          "the target URI is not absolute (scheme://...)");
    i += 3;
    size_t a = i;
    while (uri[i] && uri[i] != '/' && uri[i] != '?')
        i++;
    size_t alen = i - a;
    if (alen == 0 || alen >= sizeof u->authority || memchr(uri + a, '@', alen))
        return lpg_why_rc(why, whysz, LPG_EMALFORMED,
                          "the target URI's authority is empty, too long or "
                          "holds user information");
    for (size_t k = 0; k < alen; k++) {
        char ch = uri[a + k];
        u->authority[k] = (char)(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
    }
    u->authority[alen] = '\0';
    const char *dflt = strcmp(u->scheme, "https") == 0  ? ":443"
                       : strcmp(u->scheme, "http") == 0 ? ":80"
                                                        : NULL;
    if (dflt && alen > strlen(dflt) &&
        strcmp(u->authority + alen - strlen(dflt), dflt) == 0)
        u->authority[alen - strlen(dflt)] = '\0';
    u->path = uri + i;
    while (uri[i] && uri[i] != '?')
        i++;
    u->pathlen = (size_t)(uri + i - u->path);
    u->query = NULL;
    u->querylen = 0;
    if (uri[i] == '?') {
        u->query = uri + i + 1;
        u->querylen = len - i - 1;
    }
    return LPG_OK;
}

/*  A field's value, trimmed of SP and HTAB at both ends, into *val. */
static int
s_field_value(const lpg_httpsig_req_t *req, const char *name, const char **val,
              size_t *vlen, char *why, size_t whysz)
{
    const char *v = req->header ? req->header(req->hctx, name) : NULL;
    if (!v)
        return lpg_why_rc(why, whysz, LPG_ESIGCOMPONENT,
                          "the covered field %s is absent", name);
    size_t n = strnlen(v, LPG_HTTPSIG_MAX_VALUE + 1);
    if (n > LPG_HTTPSIG_MAX_VALUE)
        return lpg_why_rc(why, whysz, LPG_ETOOBIG,
                          "the covered field %s is longer than %d bytes", name,
                          LPG_HTTPSIG_MAX_VALUE);
    while (n > 0 && (*v == ' ' || *v == '\t')) {
        v++;
        n--;
    }
    while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
        n--;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)v[i] < 0x20 && v[i] != '\t') || v[i] == 0x7f)
            return lpg_why_rc(why, whysz, LPG_ESIGCOMPONENT,
                              "the covered field %s holds a control byte",
                              name);
    *val = v;
    *vlen = n;
    return LPG_OK;
}

int
lpg_httpsig_base(const lpg_httpsig_req_t *req, const lpg_httpsig_params_t *p,
                 char *out, size_t outsz, size_t *outlen, char *why,
                 size_t whysz)
{
    assert(req && p && out && outsz > 0);
    out[0] = '\0';
    if (outlen)
        *outlen = 0;
    if (p->ncomponents > LPG_HTTPSIG_MAX_COMPONENTS)
        return LPG_EINVAL;
    const char *method = req->method ? req->method : "";
    size_t mlen = strnlen(method, 33);
    if (mlen == 0 || mlen > 32)
        return lpg_why_rc(why, whysz, LPG_EMALFORMED,
                          "the method is empty or too long");
    for (size_t i = 0; i < mlen; i++)
        if (!s_tchar((unsigned char)method[i]))
            return lpg_why_rc(why, whysz, LPG_EMALFORMED,
                              "the method is not a token");
    s_uri_t u;
    int rc =
        s_split_uri(req->target_uri ? req->target_uri : "", &u, why, whysz);
    if (rc != LPG_OK)
        return rc;
    size_t cap =
        outsz < LPG_HTTPSIG_MAX_BASE + 1 ? outsz : LPG_HTTPSIG_MAX_BASE + 1;
    s_buf_t b = {out, 0, cap, false};
    for (size_t i = 0; i < p->ncomponents; i++) {
        const char *name = p->components[i];
        const char *v = "";
        size_t vlen = 0;
        if (strcmp(name, "@method") == 0) {
            v = method;
            vlen = mlen;
        } else if (strcmp(name, "@target-uri") == 0) {
            v = req->target_uri;
            vlen = strlen(v);
        } else if (strcmp(name, "@authority") == 0) {
            v = u.authority;
            vlen = strlen(v);
        } else if (strcmp(name, "@scheme") == 0) {
            v = u.scheme;
            vlen = strlen(v);
        } else if (strcmp(name, "@path") == 0) {
            v = u.pathlen ? u.path : "/";
            vlen = u.pathlen ? u.pathlen : 1;
        } else if (strcmp(name, "@query") == 0) {
            v = u.query ? u.query - 1 : "?"; /* the '?' and the query */
            vlen = u.query ? u.querylen + 1 : 1;
        } else if (name[0] == '@' || !s_is_field_name(name)) {
            return lpg_why_rc(why, whysz, LPG_ESIGCOMPONENT,
                              "component \"%s\" is not supported", name);
        } else if ((rc = s_field_value(req, name, &v, &vlen, why, whysz)) !=
                   LPG_OK) {
            return rc;
        }
        s_put_string(&b, name);
        s_puts(&b, ": ");
        s_put(&b, v, vlen);
        s_puts(&b, "\n");
    }
    s_puts(&b, "\"@signature-params\": ");
    s_format(p, &b);
    if (b.over) {
        out[0] = '\0';
        if (outsz <= LPG_HTTPSIG_MAX_BASE)
            return lpg_why_rc(why, whysz, LPG_ERANGE,
                              "the signature base does not fit in %zu bytes",
                              outsz);
        return lpg_why_rc(why, whysz, LPG_ETOOBIG,
                          "the signature base is longer than %d bytes",
                          LPG_HTTPSIG_MAX_BASE);
    }
    if (outlen)
        *outlen = b.n;
    return LPG_OK;
}

/* -------------------------------------------------------------- parse */

/*  A component's own parameters (sf, key, bs, req, name) are not
 *  supported: refused rather than ignored, since they change the value. */
static int
s_component_param(void *ctx, const char *key, const s_item_t *value, char *why,
                  size_t whysz)
{
    return lpg_why_rc(why, whysz, LPG_ESIGCOMPONENT,
                      "component parameter ;%s is not supported", key);
}

static int
s_input_item(void *ctx, bool inner, const s_item_t *it,
             s_param_fn *item_params, char *why, size_t whysz)
{
    lpg_httpsig_params_t *p = ctx;
    if (!inner)
        return lpg_why_rc(why, whysz, LPG_ESIGFIELD,
                          "the signature's member is not an inner list");
    if (it->kind != S_STR)
        return lpg_why_rc(why, whysz, LPG_ESIGFIELD,
                          "a covered component is not a string");
    if (it->toolong)
        return lpg_why_rc(why, whysz, LPG_ETOOBIG,
                          "a component name is longer than %d bytes",
                          LPG_HTTPSIG_MAX_NAME);
    *item_params = s_component_param;
    return s_add(p, it->str, why, whysz);
}

static int
s_input_param(void *ctx, const char *key, const s_item_t *value, char *why,
              size_t whysz)
{
    lpg_httpsig_params_t *p = ctx;
    unsigned w = 0;
    while (w < LPG_HTTPSIG_NPARAMS && strcmp(key, s_param_name[w]) != 0)
        w++;
    if (w == LPG_HTTPSIG_NPARAMS)
        return lpg_why_rc(why, whysz, LPG_ESIGFIELD,
                          "unknown signature parameter ;%s", key);
    if (p->has & 1u << w)
        return lpg_why_rc(why, whysz, LPG_ESIGFIELD,
                          "signature parameter ;%s appears twice", key);
    if (w == LPG_HTTPSIG_CREATED || w == LPG_HTTPSIG_EXPIRES) {
        if (value->kind != S_INT || value->num < 0)
            return lpg_why_rc(why, whysz, LPG_ESIGFIELD,
                              ";%s is not a non-negative integer", key);
        if (w == LPG_HTTPSIG_CREATED)
            p->created = value->num;
        else
            p->expires = value->num;
    } else {
        if (value->kind != S_STR)
            return lpg_why_rc(why, whysz, LPG_ESIGFIELD, ";%s is not a string",
                              key);
        if (value->toolong)
            return lpg_why_rc(why, whysz, LPG_ETOOBIG,
                              ";%s is longer than %d bytes", key,
                              LPG_HTTPSIG_MAX_PARAM);
        char *dst = s_param_text(p, w);
        memcpy(dst, value->str, strlen(value->str) + 1);
    }
    p->has |= 1u << w;
    p->order[p->norder++] = (uint8_t)w;
    return LPG_OK;
}

static int
s_check_field(const char *field, size_t len, const char *what, char *why,
              size_t whysz)
{
    if (len > LPG_HTTPSIG_MAX_FIELD)
        return lpg_why_rc(why, whysz, LPG_ETOOBIG,
                          "the %s field is longer than %d bytes", what,
                          LPG_HTTPSIG_MAX_FIELD);
    if (memchr(field, '\0', len))
        return lpg_why_rc(why, whysz, LPG_ESIGFIELD,
                          "the %s field holds a NUL byte", what);
    return LPG_OK;
}

int
lpg_httpsig_parse_input(const char *field, size_t len, const char *label,
                        lpg_httpsig_t *out, char *why, size_t whysz)
{
    assert((field || len == 0) && out);
    memset(out, 0, sizeof *out);
    int rc = s_check_field(field, len, "Signature-Input", why, whysz);
    if (rc != LPG_OK)
        return rc;
    if (label && !s_is_key(label))
        return lpg_why_rc(why, whysz, LPG_ESIGLABEL,
                          "the label is not an RFC 8941 key");
    s_member_t m = {s_input_item, s_input_param, &out->params};
    bool found = false;
    rc = s_dict(field, len, label, &m, &found, out->label, why, whysz);
    if (rc != LPG_OK) {
        memset(out, 0, sizeof *out);
        return rc;
    }
    if (!found)
        return lpg_why_rc(why, whysz, LPG_ESIGLABEL,
                          "Signature-Input has no signature %s", label);
    /* A bare key (true) has no inner list: s_input_item refused it. */
    return LPG_OK;
}

typedef struct {
    uint8_t *sig;
    bool got;
} s_sig_ctx_t;

static int
s_sig_item(void *ctx, bool inner, const s_item_t *it, s_param_fn *item_params,
           char *why, size_t whysz)
{
    s_sig_ctx_t *s = ctx;
    if (inner || it->kind != S_BYTES)
        return lpg_why_rc(why, whysz, LPG_ESIGFIELD,
                          "the signature is not a byte sequence");
    if (s_bytes(it, s->sig, LPG_ED25519_SIG_LEN) != LPG_OK)
        return lpg_why_rc(why, whysz, LPG_ESIGFIELD,
                          "the signature is not 64 bytes of base64");
    s->got = true;
    return LPG_OK;
}

int
lpg_httpsig_parse_signature(const char *field, size_t len, const char *label,
                            uint8_t sig[LPG_ED25519_SIG_LEN], char *why,
                            size_t whysz)
{
    assert((field || len == 0) && sig && label);
    memset(sig, 0, LPG_ED25519_SIG_LEN);
    int rc = s_check_field(field, len, "Signature", why, whysz);
    if (rc != LPG_OK)
        return rc;
    if (!s_is_key(label))
        return lpg_why_rc(why, whysz, LPG_ESIGLABEL,
                          "the label is not an RFC 8941 key");
    s_sig_ctx_t s = {sig, false};
    s_member_t m = {s_sig_item, NULL, &s};
    bool found = false;
    rc = s_dict(field, len, label, &m, &found, NULL, why, whysz);
    if (rc != LPG_OK) {
        memset(sig, 0, LPG_ED25519_SIG_LEN);
        return rc;
    }
    if (!found || !s.got)
        return lpg_why_rc(why, whysz, LPG_ESIGLABEL,
                          "Signature has no signature %s", label);
    return LPG_OK;
}

int
lpg_httpsig_parse(const lpg_httpsig_req_t *req, const char *label,
                  lpg_httpsig_t *out, char *why, size_t whysz)
{
    assert(req && out);
    memset(out, 0, sizeof *out);
    const char *input =
        req->header ? req->header(req->hctx, "signature-input") : NULL;
    const char *sigf =
        req->header ? req->header(req->hctx, "signature") : NULL;
    if (!input || !sigf)
        return lpg_why_rc(why, whysz, LPG_ESIGLABEL,
                          "the request has no %s field",
                          input ? "Signature" : "Signature-Input");
    int rc = lpg_httpsig_parse_input(input,
                                     strnlen(input, LPG_HTTPSIG_MAX_FIELD + 1),
                                     label, out, why, whysz);
    if (rc != LPG_OK)
        return rc;
    rc = lpg_httpsig_parse_signature(sigf,
                                     strnlen(sigf, LPG_HTTPSIG_MAX_FIELD + 1),
                                     out->label, out->sig, why, whysz);
    if (rc != LPG_OK)
        memset(out, 0, sizeof *out);
    return rc;
}

/* ------------------------------------------------------ sign and check */

int
lpg_httpsig_check(const lpg_httpsig_req_t *req, const lpg_httpsig_t *sig,
                  const lpg_key_t *key, char *why, size_t whysz)
{
    assert(req && sig && key);
    if ((sig->params.has & 1u << LPG_HTTPSIG_ALG) &&
        strcmp(sig->params.alg, "ed25519") != 0)
        return lpg_why_rc(why, whysz, LPG_ESIGFIELD,
                          "alg \"%s\" is not ed25519", sig->params.alg);
    char base[LPG_HTTPSIG_MAX_BASE + 1];
    size_t len = 0;
    int rc = lpg_httpsig_base(req, &sig->params, base, sizeof base, &len, why,
                              whysz);
    if (rc != LPG_OK)
        return rc;
    rc = lpg_verify(key, LPG_CTX_NOTE, base, len, sig->sig);
    if (rc == LPG_EBADSIG)
        return lpg_why_rc(why, whysz, LPG_EBADSIG,
                          "signature %s does not verify over the request",
                          sig->label);
    return rc;
}

int
lpg_httpsig_fresh(const lpg_httpsig_params_t *p, int64_t now, int64_t max_age,
                  int64_t skew, char *why, size_t whysz)
{
    assert(p);
    if (!(p->has & 1u << LPG_HTTPSIG_CREATED))
        return lpg_why_rc(why, whysz, LPG_ESIGFIELD,
                          "the signature has no created parameter");
    if (p->created > now + skew)
        return lpg_why_rc(why, whysz, LPG_ECLOCK_AHEAD,
                          "created %" PRId64 " is %" PRId64
                          " s ahead of this clock",
                          p->created, p->created - now);
    if (now - p->created > max_age)
        return lpg_why_rc(why, whysz, LPG_ECLOCK_BEHIND,
                          "created %" PRId64 " is %" PRId64
                          " s old (at most %" PRId64 ")",
                          p->created, now - p->created, max_age);
    if ((p->has & 1u << LPG_HTTPSIG_EXPIRES) && now > p->expires)
        return lpg_why_rc(why, whysz, LPG_ECLOCK_BEHIND,
                          "the signature expired at %" PRId64, p->expires);
    return LPG_OK;
}

int
lpg_httpsig_sign(const lpg_httpsig_req_t *req, const lpg_httpsig_params_t *p,
                 const char *label, const lpg_key_t *key, char *input,
                 size_t inputsz, char *signature, size_t signaturesz,
                 char *why, size_t whysz)
{
    assert(req && p && label && key && input && signature && inputsz &&
           signaturesz);
    input[0] = signature[0] = '\0';
    if (!s_is_key(label))
        return lpg_why_rc(why, whysz, LPG_ESIGFIELD,
                          "the label is not an RFC 8941 key");
    if (!lpg_key_has_private(key))
        return lpg_why_rc(why, whysz, LPG_EPERM,
                          "the key has no private half");
    char base[LPG_HTTPSIG_MAX_BASE + 1];
    size_t len = 0;
    int rc = lpg_httpsig_base(req, p, base, sizeof base, &len, why, whysz);
    if (rc != LPG_OK)
        return rc;
    uint8_t sig[LPG_ED25519_SIG_LEN];
    rc = lpg_sign(key, LPG_CTX_NOTE, base, len, sig);
    if (rc != LPG_OK)
        return rc;
    char b64[LPG_ED25519_SIG_LEN * 2];
    size_t blen = 0;
    rc = lpg_base64_encode(sig, sizeof sig, false, b64, sizeof b64, &blen);
    if (rc != LPG_OK)
        return rc;
    s_buf_t in = {input, 0, inputsz, false};
    s_puts(&in, label);
    s_puts(&in, "=");
    s_format(p, &in);
    s_buf_t sg = {signature, 0, signaturesz, false};
    s_puts(&sg, label);
    s_puts(&sg, "=:");
    s_put(&sg, b64, blen);
    s_puts(&sg, ":");
    if (in.over || sg.over) {
        input[0] = signature[0] = '\0';
        return lpg_why_rc(why, whysz, LPG_ERANGE,
                          "the field buffers are too small");
    }
    return LPG_OK;
}

/* ------------------------------------------------------ Content-Digest */

int
lpg_content_digest(const void *body, size_t len, char *out, size_t outsz)
{
    assert((body || len == 0) && out);
    uint8_t h[LPG_SHA256_LEN];
    lpg_sha256(body, len, h);
    char b64[48];
    size_t blen = 0;
    int rc = lpg_base64_encode(h, sizeof h, false, b64, sizeof b64, &blen);
    if (rc != LPG_OK)
        return rc;
    s_buf_t b = {out, 0, outsz, false};
    if (outsz)
        out[0] = '\0';
    s_puts(&b, "sha-256=:");
    s_put(&b, b64, blen);
    s_puts(&b, ":");
    if (b.over || outsz == 0) {
        if (outsz)
            out[0] = '\0';
        return LPG_ERANGE;
    }
    return LPG_OK;
}

typedef struct {
    const uint8_t *body;
    size_t len;
    const char *alg; /* the member being read */
    unsigned seen;   /* 1: sha-256, 2: sha-512 */
} s_digest_ctx_t;

static int
s_digest_item(void *ctx, bool inner, const s_item_t *it,
              s_param_fn *item_params, char *why, size_t whysz)
{
    s_digest_ctx_t *d = ctx;
    bool is256 = strcmp(d->alg, "sha-256") == 0;
    bool is512 = strcmp(d->alg, "sha-512") == 0;
    if (!is256 && !is512)
        return LPG_OK; /* another algorithm: ignored */
    unsigned bit = is256 ? 1u : 2u;
    if (d->seen & bit)
        return lpg_why_rc(why, whysz, LPG_EDIGEST, "%s appears twice", d->alg);
    uint8_t got[LPG_SHA512_LEN], want[LPG_SHA512_LEN];
    size_t n = is256 ? LPG_SHA256_LEN : LPG_SHA512_LEN;
    if (inner || s_bytes(it, got, n) != LPG_OK)
        return lpg_why_rc(why, whysz, LPG_EDIGEST,
                          "%s is not a byte sequence of %zu bytes", d->alg, n);
    if (is256)
        lpg_sha256(d->body, d->len, want);
    else
        lpg_sha512(d->body, d->len, want);
    if (memcmp(got, want, n) != 0)
        return lpg_why_rc(why, whysz, LPG_EDIGEST,
                          "%s is not the digest of the body", d->alg);
    d->seen |= bit;
    return LPG_OK;
}

int
lpg_content_digest_check(const char *field, size_t fieldlen, const void *body,
                         size_t len, char *why, size_t whysz)
{
    assert((field || fieldlen == 0) && (body || len == 0));
    if (fieldlen > LPG_HTTPSIG_MAX_DIGEST_FIELD)
        return lpg_why_rc(why, whysz, LPG_ETOOBIG,
                          "the Content-Digest field is longer than %d bytes",
                          LPG_HTTPSIG_MAX_DIGEST_FIELD);
    if (memchr(field, '\0', fieldlen))
        return lpg_why_rc(why, whysz, LPG_EDIGEST,
                          "the Content-Digest field holds a NUL byte");
    /* Each member in turn: s_dict hands the first one matching the label
       to m, so walk the field once per algorithm we check. */
    static const char *const algs[] = {"sha-256", "sha-512"};
    s_digest_ctx_t d = {body, len, NULL, 0};
    for (size_t i = 0; i < 2; i++) {
        d.alg = algs[i];
        s_member_t m = {s_digest_item, NULL, &d};
        bool found = false;
        int rc =
            s_dict(field, fieldlen, algs[i], &m, &found, NULL, why, whysz);
        if (rc == LPG_ESIGFIELD || rc == LPG_ETOOBIG) {
            char inner[200] = "";
            if (why && whysz)
                snprintf(inner, sizeof inner, "%s", why);
            return lpg_why_rc(why, whysz, LPG_EDIGEST,
                              "the Content-Digest field is malformed: %s",
                              inner);
        }
        if (rc != LPG_OK)
            return rc;
        if (found && !(d.seen & (1u << i)))
            return lpg_why_rc(why, whysz, LPG_EDIGEST,
                              "%s is not a byte sequence", algs[i]);
    }
    if (d.seen == 0)
        return lpg_why_rc(why, whysz, LPG_EDIGEST,
                          "Content-Digest has neither sha-256 nor sha-512");
    return LPG_OK;
}
