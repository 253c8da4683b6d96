/*  prepare.c - see prepare.h.
 *
 *  One row per step: its name, its Event body case and the members it
 *  takes; a builder per family fills the Event from the members, the way
 *  the lpg-scan command of that step fills it. Strings are borrowed from
 *  the parsed JSON until the Event is packed; nothing outlives the call
 *  but the packed bytes.
 */
#include "domain/prepare.h"
#include "base/clock.h"
#include "base/error.h"
#include "base/text.h"
#include "codes/code.h"
#include "codes/gascert.h"
#include "domain/inspection.h"
#include "domain/kind.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*  A SignedEvent adds its key id, its signature and three tags to the
 *  body: the body stays this much under LPG_EVENT_MAX_BYTES. */
#define S_ENVELOPE 128

typedef struct s_ctx s_ctx_t;

typedef struct {
    const char *name;
    Lpg__Event__BodyCase body;
    const char *members; /* its own members, space-separated */
    int (*build)(s_ctx_t *c);
    bool order; /* an order desk's step: only with opts->orders */
} s_step_t;

struct s_ctx {
    json_t *root;
    lpg_prepared_t *out;
    const lpg_prepare_opts_t *o;
    const s_step_t *step;
    Lpg__Event ev;
    union {
        Lpg__Dispatch dis;
        Lpg__Delivery del;
        Lpg__Collection col;
        Lpg__Return ret;
        Lpg__HouseholdInspection hi;
        Lpg__HazardRectified hr;
        Lpg__PeriodicInspection pi;
        Lpg__FillCheck fc;
        Lpg__FillRecord fr;
        Lpg__OrderPlace op;
        Lpg__OrderAccept oa;
        Lpg__OrderAssign os;
        Lpg__OrderCancel oc;
        Lpg__OrderRefuse orf;
        Lpg__OrderDelivered od;
        Lpg__OrderAddress oad;
    } b;
    uint64_t seqs[LPG_PREPARE_MAX_CHECKS];
    char code[LPG_CODE_MAX_TEXT + 1]; /* the code text to send */
    char grai[LPG_CODE_GRAI_MAX + 1]; /* the cylinder it names, or "" */
    Lpg__CheckItem items[LPG_PREPARE_MAX_CHECKS];
    Lpg__CheckItem *item_ptrs[LPG_PREPARE_MAX_CHECKS];
    uint8_t hashes[LPG_PREPARE_MAX_PHOTOS][LPG_SHA256_LEN];
    ProtobufCBinaryData photos[LPG_PREPARE_MAX_PHOTOS];
    uint8_t allow_id[LPG_EVENT_ID_LEN];
};

/*  Says what is wrong with field and returns err. */
static int s_bad(s_ctx_t *c, int err, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
s_bad(s_ctx_t *c, int err, const char *field, const char *fmt, ...)
{
    snprintf(c->out->field, sizeof c->out->field, "%s", field);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->out->why, sizeof c->out->why, fmt, ap);
    va_end(ap);
    return err;
}

static const char *
s_type(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
    case JSON_REAL:
        return "a number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    case JSON_NULL:
        return "null";
    }
    return "a value";
}

/*  A string member of at most max bytes: *out NULL when absent (an
 *  error if required). Refused: another type, empty (leave it out), a
 *  NUL, invalid UTF-8, a control character, too long. */
static int
s_text(s_ctx_t *c, const json_t *obj, const char *field, const char *name,
       bool required, size_t max, const char **out)
{
    *out = NULL;
    const json_t *v = json_object_get(obj, name);
    if (!v)
        return required ? s_bad(c, LPG_EINVAL, field, "missing") : LPG_OK;
    if (!json_is_string(v))
        return s_bad(c, LPG_EINVAL, field, "%s, not a string", s_type(v));
    const char *s = json_string_value(v);
    size_t len = json_string_length(v);
    if (len == 0)
        return s_bad(c, LPG_EINVAL, field, "empty: leave it out");
    if (strlen(s) != len)
        return s_bad(c, LPG_EINVAL, field, "holds a NUL character");
    if (len > max)
        return s_bad(c, LPG_EINVAL, field, "longer than %zu bytes", max);
    if (lpg_string_check(s, max) != LPG_OK)
        return s_bad(c, LPG_EINVAL, field,
                     "holds a control character or is not UTF-8");
    *out = s;
    return LPG_OK;
}

/*  A member of the top-level object, named as itself. */
static int
s_str(s_ctx_t *c, const char *name, bool required, size_t max,
      const char **out)
{
    return s_text(c, c->root, name, name, required, max, out);
}

static int
s_bool(s_ctx_t *c, const json_t *obj, const char *field, const char *name,
       bool required, bool *has, bool *out)
{
    const json_t *v = json_object_get(obj, name);
    if (has)
        *has = v != NULL;
    if (!v)
        return required ? s_bad(c, LPG_EINVAL, field, "missing") : LPG_OK;
    if (!json_is_boolean(v))
        return s_bad(c, LPG_EINVAL, field, "%s, not true or false", s_type(v));
    *out = json_is_true(v);
    return LPG_OK;
}

/*  An integer member in lo..hi. */
static int
s_int(s_ctx_t *c, const char *name, bool required, json_int_t lo,
      json_int_t hi, bool *has, json_int_t *out)
{
    const json_t *v = json_object_get(c->root, name);
    *has = v != NULL;
    if (!v)
        return required ? s_bad(c, LPG_EINVAL, name, "missing") : LPG_OK;
    if (!json_is_integer(v))
        return s_bad(c, LPG_EINVAL, name, "%s, not a whole number", s_type(v));
    json_int_t n = json_integer_value(v);
    if (n < lo || n > hi)
        return s_bad(c, LPG_EINVAL, name, "not in %lld..%lld", (long long)lo,
                     (long long)hi);
    *out = n;
    return LPG_OK;
}

static int
s_u32(s_ctx_t *c, const char *name, uint32_t *out)
{
    bool has;
    json_int_t n = 0;
    /* grams: the scanner's own bound for a weight it reads */
    int rc = s_int(c, name, true, 0, 100000000, &has, &n);
    *out = (uint32_t)n;
    return rc;
}

static int
s_nibble(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/*  Exactly 2*n hex digits into out. */
static bool
s_unhex(const char *s, uint8_t *out, size_t n)
{
    if (strlen(s) != 2 * n)
        return false;
    for (size_t i = 0; i < n; i++) {
        int hi = s_nibble(s[2 * i]), lo = s_nibble(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

static int
s_hex_member(s_ctx_t *c, const char *name, bool required, uint8_t *out,
             size_t n, bool *has)
{
    const char *s;
    int rc = s_str(c, name, required, 2 * n, &s);
    *has = s != NULL;
    if (rc == LPG_OK && s && !s_unhex(s, out, n))
        rc = s_bad(c, LPG_EINVAL, name, "not %zu hex digits", 2 * n);
    return rc;
}

/*  A code checked with the authority key, through the cache of codes
 *  verified before when there is one. */
static int
s_verify(s_ctx_t *c, const char *text, size_t len, lpg_code_t *parsed)
{
    return c->o->codes ? lpg_code_cache_verify(c->o->codes, text, len,
                                               c->o->resolver, parsed)
                       : lpg_code_verify(text, len, c->o->resolver,
                                         c->o->authority, parsed);
}

/*  The scanned code of a step that carries it (delivery steps, the fill
 *  check), as the handheld and the station send it: checked with the
 *  authority key, a Caps Lock swap corrected; a code that does not
 *  verify is sent as scanned and names no cylinder (c->grai ""), so the
 *  service records it refused (CODE_FORGED). Without the authority key
 *  the code is parsed only (fill check) or refused (delivery steps). */
static int
s_scanned(s_ctx_t *c, bool need_authority)
{
    const char *text;
    int rc = s_str(c, "code", true, LPG_CODE_MAX_TEXT, &text);
    if (rc != LPG_OK)
        return rc;
    if (!c->o->authority && need_authority)
        return s_bad(c, LPG_ECONFIG, "code",
                     "cannot be checked here: no authority key");
    lpg_code_t parsed;
    memset(&parsed, 0, sizeof parsed);
    size_t len = strlen(text);
    rc = c->o->authority ? s_verify(c, text, len, &parsed)
                         : lpg_code_parse(text, len, NULL, &parsed);
    snprintf(c->code, sizeof c->code, "%s", text);
    c->grai[0] = '\0';
    if (rc == LPG_OK || rc == LPG_ECODE_CASE) {
        snprintf(c->grai, sizeof c->grai, "%s", parsed.grai);
        if (rc == LPG_ECODE_CASE &&
            lpg_code_format(&parsed, c->code, sizeof c->code) != LPG_OK)
            snprintf(c->code, sizeof c->code, "%s", text);
    }
    c->ev.cylinder = c->grai[0] ? c->grai : NULL;
    return LPG_OK;
}

/*  The cylinder a code names, for the steps that refuse a code that
 *  does not identify its cylinder (periodic, fill record): verified
 *  when the authority key is here, parsed otherwise. */
static int
s_code_grai(s_ctx_t *c, const char *text)
{
    lpg_code_t parsed;
    memset(&parsed, 0, sizeof parsed);
    size_t len = strlen(text);
    int rc = c->o->authority ? s_verify(c, text, len, &parsed)
                             : lpg_code_parse(text, len, NULL, &parsed);
    if (rc != LPG_OK && rc != LPG_ECODE_CASE)
        return s_bad(c, LPG_EINVAL, "code", "%s",
                     parsed.why[0] ? parsed.why : lpg_strerror(rc));
    snprintf(c->grai, sizeof c->grai, "%s", parsed.grai);
    c->ev.cylinder = c->grai;
    return LPG_OK;
}

/*  The checklist: [{"item": NAME, "ok": BOOL}, ...], each item once;
 *  household items only when household. */
static int
s_checks(s_ctx_t *c, bool required, bool household, size_t *n_out,
         Lpg__CheckItem ***out)
{
    *n_out = 0;
    *out = NULL;
    const json_t *a = json_object_get(c->root, "checks");
    if (!a)
        return required ? s_bad(c, LPG_EINVAL, "checks", "missing") : LPG_OK;
    if (!json_is_array(a))
        return s_bad(c, LPG_EINVAL, "checks", "%s, not an array", s_type(a));
    size_t n = json_array_size(a);
    if (n > LPG_PREPARE_MAX_CHECKS)
        return s_bad(c, LPG_EINVAL, "checks", "more than %d items",
                     LPG_PREPARE_MAX_CHECKS);
    if (n == 0 && required)
        return s_bad(c, LPG_EINVAL, "checks", "no item");
    for (size_t i = 0; i < n; i++) {
        const json_t *o = json_array_get(a, i);
        char field[LPG_PREPARE_FIELD_MAX + 1];
        snprintf(field, sizeof field, "checks[%zu]", i);
        if (!json_is_object(o))
            return s_bad(c, LPG_EINVAL, field, "%s, not an object", s_type(o));
        const char *key;
        const json_t *v;
        json_object_foreach((json_t *)o, key, v)
        {
            if (strcmp(key, "item") && strcmp(key, "ok")) {
                char f[LPG_PREPARE_FIELD_MAX + 1];
                snprintf(f, sizeof f, "checks[%zu].%.20s", i, key);
                return s_bad(c, LPG_EINVAL, f, "unknown member");
            }
        }
        snprintf(field, sizeof field, "checks[%zu].item", i);
        const char *item;
        int rc = s_text(c, o, field, "item", true, LPG_STRING_MAX, &item);
        if (rc != LPG_OK)
            return rc;
        if (household && !lpg_inspection_item_known(item))
            return s_bad(c, LPG_EINVAL, field,
                         "not an item of the household checklist");
        for (size_t j = 0; j < i; j++)
            if (strcmp(c->items[j].item, item) == 0)
                return s_bad(c, LPG_EINVAL, field, "given twice");
        bool ok = false;
        snprintf(field, sizeof field, "checks[%zu].ok", i);
        rc = s_bool(c, o, field, "ok", true, NULL, &ok);
        if (rc != LPG_OK)
            return rc;
        lpg__check_item__init(&c->items[i]);
        c->items[i].item = (char *)item;
        c->items[i].ok = ok;
        c->item_ptrs[i] = &c->items[i];
    }
    *n_out = n;
    *out = c->item_ptrs;
    return LPG_OK;
}

/*  dispatch, deliver, collect, return: as lpg-scan's s_step builds them. */
static int
s_build_delivery(s_ctx_t *c)
{
    const char *vehicle, *site = NULL, *user = NULL, *gas_cert = NULL,
                         *order = NULL;
    int rc = s_scanned(c, true);
    if (rc == LPG_OK)
        rc = s_str(c, "vehicle", true, LPG_STRING_MAX, &vehicle);
    if (rc != LPG_OK)
        return rc;
    char *code = c->code;
    switch (c->step->body) {
    case LPG__EVENT__BODY_DISPATCH:
        rc = s_str(c, "site", false, LPG_STRING_MAX, &site);
        lpg__dispatch__init(&c->b.dis);
        c->b.dis.vehicle = (char *)vehicle;
        c->b.dis.code = code;
        c->ev.dispatch = &c->b.dis;
        break;
    case LPG__EVENT__BODY_DELIVERY:
        rc = s_str(c, "user", true, LPG_STRING_MAX, &user);
        if (rc == LPG_OK)
            rc = s_str(c, "gas_cert", false, LPG_GASCERT_MAX_TEXT, &gas_cert);
        if (rc == LPG_OK)
            rc = s_str(c, "order", false, LPG_STRING_MAX, &order);
        lpg__delivery__init(&c->b.del);
        if (rc == LPG_OK)
            rc = s_checks(c, false, false, &c->b.del.n_checks,
                          &c->b.del.checks);
        c->b.del.vehicle = (char *)vehicle;
        c->b.del.gas_cert = (char *)gas_cert;
        c->b.del.order = (char *)order;
        c->b.del.code = code;
        c->ev.delivery = &c->b.del;
        break;
    case LPG__EVENT__BODY_COLLECTION:
        rc = s_str(c, "user", true, LPG_STRING_MAX, &user);
        lpg__collection__init(&c->b.col);
        c->b.col.vehicle = (char *)vehicle;
        c->b.col.code = code;
        c->ev.collection = &c->b.col;
        break;
    default:
        rc = s_str(c, "site", false, LPG_STRING_MAX, &site);
        lpg__return__init(&c->b.ret);
        c->b.ret.vehicle = (char *)vehicle;
        c->b.ret.code = code;
        c->ev.station_return = &c->b.ret;
        break;
    }
    c->ev.site = (char *)site;
    c->ev.user = (char *)user;
    return rc;
}

/*  inspect: as lpg-scan inspect builds it. */
static int
s_build_inspect(s_ctx_t *c)
{
    const char *user;
    Lpg__HouseholdInspection *hi = &c->b.hi;
    lpg__household_inspection__init(hi);
    int rc = s_str(c, "user", true, LPG_STRING_MAX, &user);
    if (rc == LPG_OK)
        rc = s_checks(c, true, true, &hi->n_checks, &hi->checks);
    bool ack = false;
    if (rc == LPG_OK)
        rc = s_bool(c, c->root, "acknowledged", "acknowledged", true, NULL,
                    &ack);
    if (rc != LPG_OK)
        return rc;
    const json_t *a = json_object_get(c->root, "photo_hashes");
    if (a && !json_is_array(a))
        return s_bad(c, LPG_EINVAL, "photo_hashes", "%s, not an array",
                     s_type(a));
    size_t n = a ? json_array_size(a) : 0;
    if (n > LPG_PREPARE_MAX_PHOTOS)
        return s_bad(c, LPG_EINVAL, "photo_hashes", "more than %d",
                     LPG_PREPARE_MAX_PHOTOS);
    for (size_t i = 0; i < n; i++) {
        const json_t *h = json_array_get(a, i);
        if (!json_is_string(h) ||
            !s_unhex(json_string_value(h), c->hashes[i], LPG_SHA256_LEN)) {
            char field[LPG_PREPARE_FIELD_MAX + 1];
            snprintf(field, sizeof field, "photo_hashes[%zu]", i);
            return s_bad(c, LPG_EINVAL, field,
                         "not a SHA-256 in 64 hex digits");
        }
        c->photos[i].data = c->hashes[i];
        c->photos[i].len = LPG_SHA256_LEN;
    }
    hi->n_photo_hashes = n;
    hi->photo_hashes = n ? c->photos : NULL;
    hi->acknowledged_by_user = ack;
    c->ev.user = (char *)user;
    c->ev.household_inspection = hi;
    return LPG_OK;
}

/*  rectify: as lpg-scan rectify builds it. */
static int
s_build_rectify(s_ctx_t *c)
{
    const char *hazard;
    int rc = s_str(c, "hazard", true, LPG_HAZARD_KEY_MAX - 1, &hazard);
    lpg__hazard_rectified__init(&c->b.hr);
    c->b.hr.hazard = (char *)hazard;
    c->ev.hazard_rectified = &c->b.hr;
    return rc;
}

/*  order_address: the order whose household's address the driver asks
 *  for (the actor: the driver the handheld is enrolled for). */
static int
s_build_address(s_ctx_t *c)
{
    const char *order;
    int rc = s_str(c, "order", true, LPG_STRING_MAX, &order);
    lpg__order_address__init(&c->b.oad);
    c->b.oad.order = (char *)order;
    c->ev.order_address = &c->b.oad;
    return rc;
}

/*  "YYYY-MM-DD" to YYYYMMDD, a real date. */
static bool
s_date(const char *s, uint32_t *out)
{
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return false;
    uint32_t v = 0;
    for (int i = 0; i < 10; i++) {
        if (i == 4 || i == 7)
            continue;
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (uint32_t)(s[i] - '0');
    }
    *out = v;
    return lpg_ymd_valid(v);
}

/*  periodic: as lpg-scan periodic builds it (the code parsed, only the
 *  cylinder it names is sent). */
static int
s_build_periodic(s_ctx_t *c)
{
    const char *code, *body, *next = NULL;
    Lpg__PeriodicInspection *pi = &c->b.pi;
    lpg__periodic_inspection__init(pi);
    bool pass = false;
    int rc = s_str(c, "code", true, LPG_CODE_MAX_TEXT, &code);
    if (rc == LPG_OK)
        rc = s_bool(c, c->root, "pass", "pass", true, NULL, &pass);
    if (rc == LPG_OK)
        rc = s_str(c, "next_inspection", false, 10, &next);
    if (rc == LPG_OK)
        rc = s_str(c, "body", true, LPG_STRING_MAX, &body);
    if (rc != LPG_OK)
        return rc;
    uint32_t ymd = 0;
    if (next && !s_date(next, &ymd))
        return s_bad(c, LPG_EINVAL, "next_inspection",
                     "not a date YYYY-MM-DD");
    if (pass && !next)
        return s_bad(c, LPG_EINVAL, "next_inspection",
                     "missing: a pass needs the next inspection date");
    /* lpg-scan parses the code only: the inspection body may not hold
     * the authority key, and the service judges the cylinder */
    lpg_code_t parsed;
    memset(&parsed, 0, sizeof parsed);
    rc = lpg_code_parse(code, strlen(code), NULL, &parsed);
    if (rc != LPG_OK)
        return s_bad(c, LPG_EINVAL, "code", "%s",
                     parsed.why[0] ? parsed.why : lpg_strerror(rc));
    snprintf(c->grai, sizeof c->grai, "%s", parsed.grai);
    c->ev.cylinder = c->grai;
    pi->pass = pass;
    pi->has_next_inspection_ymd = ymd != 0;
    pi->next_inspection_ymd = ymd;
    pi->body = (char *)body;
    c->ev.periodic_inspection = pi;
    return LPG_OK;
}

/*  fill_check: as lpg-scan fill-check builds it. */
static int
s_build_fill_check(s_ctx_t *c)
{
    const char *scale = NULL, *site = NULL;
    Lpg__FillCheck *fc = &c->b.fc;
    lpg__fill_check__init(fc);
    int rc = s_scanned(c, false);
    if (rc == LPG_OK)
        rc = s_u32(c, "empty_g", &fc->empty_g);
    if (rc == LPG_OK)
        rc = s_checks(c, false, false, &fc->n_checks, &fc->checks);
    if (rc == LPG_OK)
        rc = s_str(c, "scale", false, LPG_STRING_MAX, &scale);
    if (rc == LPG_OK)
        rc = s_str(c, "site", false, LPG_STRING_MAX, &site);
    fc->code = c->code;
    fc->scale = (char *)scale;
    c->ev.site = (char *)site;
    c->ev.fill_check = fc;
    return rc;
}

/*  fill_record: as lpg-scan fill-done builds it; the cylinder named by
 *  its GRAI or by its code scanned again (both: they must agree). */
static int
s_build_fill_record(s_ctx_t *c)
{
    const char *scale = NULL, *site = NULL, *code = NULL, *grai = NULL;
    Lpg__FillRecord *fr = &c->b.fr;
    lpg__fill_record__init(fr);
    bool has, leak_ok = false;
    int rc = s_hex_member(c, "allow_event_id", true, c->allow_id,
                          LPG_EVENT_ID_LEN, &has);
    if (rc == LPG_OK)
        rc = s_u32(c, "full_g", &fr->full_g);
    if (rc == LPG_OK)
        rc = s_bool(c, c->root, "leak_ok", "leak_ok", true, NULL, &leak_ok);
    if (rc == LPG_OK)
        rc = s_str(c, "scale", false, LPG_STRING_MAX, &scale);
    if (rc == LPG_OK)
        rc = s_str(c, "site", false, LPG_STRING_MAX, &site);
    if (rc == LPG_OK)
        rc = s_str(c, "code", false, LPG_CODE_MAX_TEXT, &code);
    if (rc == LPG_OK)
        rc = s_str(c, "cylinder", false, LPG_CODE_GRAI_MAX, &grai);
    if (rc != LPG_OK)
        return rc;
    if (!code && !grai)
        return s_bad(c, LPG_EINVAL, "cylinder",
                     "missing: name the cylinder (or scan its code)");
    if (code && (rc = s_code_grai(c, code)) != LPG_OK)
        return rc;
    if (code && grai && strcmp(grai, c->grai) != 0)
        return s_bad(c, LPG_EINVAL, "cylinder",
                     "not the cylinder the code names");
    if (!code) {
        snprintf(c->grai, sizeof c->grai, "%s", grai);
        c->ev.cylinder = c->grai;
    }
    fr->allow_event_id.data = c->allow_id;
    fr->allow_event_id.len = LPG_EVENT_ID_LEN;
    fr->leak_ok = leak_ok;
    fr->scale = (char *)scale;
    c->ev.site = (char *)site;
    c->ev.fill_record = fr;
    return LPG_OK;
}

/*  A whole number member in lo..hi, as a u64. */
static int
s_u64(s_ctx_t *c, const char *name, json_int_t lo, json_int_t hi,
      uint64_t *out)
{
    bool has;
    json_int_t n = 0;
    int rc = s_int(c, name, true, lo, hi, &has, &n);
    *out = (uint64_t)n;
    return rc;
}

/*  order_place, order_accept, order_assign, order_cancel, order_refuse,
 *  order_delivered: as `lpgtrace order` builds them. */
static int
s_build_order(s_ctx_t *c)
{
    const char *order, *company, *a = NULL, *b = NULL;
    int rc = s_str(c, "order", true, LPG_STRING_MAX, &order);
    if (rc == LPG_OK)
        rc = s_str(c, "company", true, LPG_STRING_MAX, &company);
    if (rc != LPG_OK)
        return rc;
    c->ev.company = (char *)company;
    switch (c->step->body) {
    case LPG__EVENT__BODY_ORDER_PLACE: {
        Lpg__OrderPlace *p = &c->b.op;
        lpg__order_place__init(p);
        const char *user, *spec, *cert = NULL, *channel = NULL;
        uint64_t n = 0;
        rc = s_str(c, "user", true, LPG_STRING_MAX, &user);
        if (rc == LPG_OK)
            rc = s_str(c, "spec", true, LPG_STRING_MAX, &spec);
        if (rc == LPG_OK)
            rc = s_u64(c, "count", 1, 1000, &n);
        if (rc == LPG_OK)
            rc = s_u64(c, "slot_from_ms", 0, (json_int_t)1 << 53,
                       &p->slot_from_ms);
        if (rc == LPG_OK)
            rc =
                s_u64(c, "slot_to_ms", 0, (json_int_t)1 << 53, &p->slot_to_ms);
        if (rc == LPG_OK)
            rc = s_str(c, "gas_cert", false, LPG_GASCERT_MAX_TEXT, &cert);
        if (rc == LPG_OK)
            rc = s_str(c, "channel", false, LPG_STRING_MAX, &channel);
        p->order = (char *)order;
        p->spec = (char *)spec;
        p->count = (uint32_t)n;
        p->gas_cert = (char *)cert;
        p->channel = (char *)channel;
        c->ev.user = (char *)user;
        c->ev.order_place = p;
        return rc;
    }
    case LPG__EVENT__BODY_ORDER_ACCEPT:
        lpg__order_accept__init(&c->b.oa);
        c->b.oa.order = (char *)order;
        c->ev.order_accept = &c->b.oa;
        return LPG_OK;
    case LPG__EVENT__BODY_ORDER_ASSIGN:
        rc = s_str(c, "driver", true, LPG_STRING_MAX, &a);
        if (rc == LPG_OK)
            rc = s_str(c, "vehicle", true, LPG_STRING_MAX, &b);
        lpg__order_assign__init(&c->b.os);
        c->b.os.order = (char *)order;
        c->b.os.driver = (char *)a;
        c->b.os.vehicle = (char *)b;
        if (!c->ev.actor)
            c->ev.actor = (char *)a;
        c->ev.order_assign = &c->b.os;
        return rc;
    case LPG__EVENT__BODY_ORDER_CANCEL:
        rc = s_str(c, "by", true, LPG_STRING_MAX, &a);
        if (rc == LPG_OK)
            rc = s_str(c, "reason", true, LPG_STRING_MAX, &b);
        lpg__order_cancel__init(&c->b.oc);
        c->b.oc.order = (char *)order;
        c->b.oc.by = (char *)a;
        c->b.oc.reason = (char *)b;
        c->ev.order_cancel = &c->b.oc;
        return rc;
    case LPG__EVENT__BODY_ORDER_DELIVERED: {
        lpg__order_delivered__init(&c->b.od);
        c->b.od.order = (char *)order;
        c->ev.order_delivered = &c->b.od;
        const json_t *arr = json_object_get(c->root, "delivery_seq");
        if (!arr)
            return s_bad(c, LPG_EINVAL, "delivery_seq", "missing");
        if (!json_is_array(arr) || json_array_size(arr) == 0 ||
            json_array_size(arr) > LPG_PREPARE_MAX_CHECKS)
            return s_bad(c, LPG_EINVAL, "delivery_seq",
                         "not an array of 1 to %d seqs",
                         LPG_PREPARE_MAX_CHECKS);
        for (size_t i = 0; i < json_array_size(arr); i++) {
            const json_t *v = json_array_get(arr, i);
            if (!json_is_integer(v) || json_integer_value(v) < 0) {
                char field[LPG_PREPARE_FIELD_MAX + 1];
                snprintf(field, sizeof field, "delivery_seq[%zu]", i);
                return s_bad(c, LPG_EINVAL, field, "not a seq");
            }
            c->seqs[i] = (uint64_t)json_integer_value(v);
        }
        c->b.od.n_delivery_seq = json_array_size(arr);
        c->b.od.delivery_seq = c->seqs;
        return LPG_OK;
    }
    default:
        rc = s_str(c, "reason", true, LPG_STRING_MAX, &b);
        lpg__order_refuse__init(&c->b.orf);
        c->b.orf.order = (char *)order;
        c->b.orf.reason = (char *)b;
        c->ev.order_refuse = &c->b.orf;
        return rc;
    }
}

static const s_step_t s_steps[] = {
    {"dispatch", LPG__EVENT__BODY_DISPATCH, "code vehicle site",
     s_build_delivery},
    {"deliver", LPG__EVENT__BODY_DELIVERY,
     "code vehicle user gas_cert checks order", s_build_delivery},
    {"collect", LPG__EVENT__BODY_COLLECTION, "code vehicle user",
     s_build_delivery},
    {"return", LPG__EVENT__BODY_STATION_RETURN, "code vehicle site",
     s_build_delivery},
    {"inspect", LPG__EVENT__BODY_HOUSEHOLD_INSPECTION,
     "user checks photo_hashes acknowledged", s_build_inspect},
    {"rectify", LPG__EVENT__BODY_HAZARD_RECTIFIED, "hazard", s_build_rectify},
    {"periodic", LPG__EVENT__BODY_PERIODIC_INSPECTION,
     "code pass next_inspection body", s_build_periodic},
    {"fill_check", LPG__EVENT__BODY_FILL_CHECK,
     "code empty_g checks scale site", s_build_fill_check},
    {"fill_record", LPG__EVENT__BODY_FILL_RECORD,
     "allow_event_id code cylinder full_g leak_ok scale site",
     s_build_fill_record},
    {"order_place", LPG__EVENT__BODY_ORDER_PLACE,
     "order company user spec count slot_from_ms slot_to_ms gas_cert channel",
     s_build_order, true},
    {"order_accept", LPG__EVENT__BODY_ORDER_ACCEPT, "order company",
     s_build_order, true},
    {"order_assign", LPG__EVENT__BODY_ORDER_ASSIGN,
     "order company driver vehicle", s_build_order, true},
    {"order_cancel", LPG__EVENT__BODY_ORDER_CANCEL, "order company by reason",
     s_build_order, true},
    {"order_refuse", LPG__EVENT__BODY_ORDER_REFUSE, "order company reason",
     s_build_order, true},
    {"order_delivered", LPG__EVENT__BODY_ORDER_DELIVERED,
     "order company delivery_seq", s_build_order, true},
    {"order_address", LPG__EVENT__BODY_ORDER_ADDRESS, "order",
     s_build_address},
};
#define S_NSTEPS (sizeof s_steps / sizeof s_steps[0])

const char *
lpg_prepare_step_at(size_t i)
{
    return i < S_NSTEPS ? s_steps[i].name : NULL;
}

/*  Is name a word of the space-separated list? */
static bool
s_listed(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; *p;) {
        size_t w = strcspn(p, " ");
        if (w == n && strncmp(p, name, n) == 0)
            return true;
        p += w;
        p += strspn(p, " ");
    }
    return false;
}

/*  The members every step takes, then the step's own; "step" read. */
static int
s_common(s_ctx_t *c)
{
    const char *key;
    json_t *v;
    json_object_foreach(c->root, key, v)
    {
        if (!s_listed("step event_id device_time_ms actor", key) &&
            !s_listed(c->step->members, key)) {
            char field[LPG_PREPARE_FIELD_MAX + 1];
            snprintf(field, sizeof field, "%.40s", key);
            return s_bad(c, LPG_EINVAL, field, "not a member of a %s step",
                         c->step->name);
        }
    }
    bool has = false;
    int rc = s_hex_member(c, "event_id", false, c->out->event_id,
                          LPG_EVENT_ID_LEN, &has);
    if (rc != LPG_OK)
        return rc;
    if (!has && lpg_event_new_id(c->out->event_id) != LPG_OK)
        return s_bad(c, LPG_ECRYPTO, "event_id", "no randomness");
    json_int_t t = 0;
    rc = s_int(c, "device_time_ms", false, 1, (json_int_t)1 << 53, &has, &t);
    if (rc != LPG_OK)
        return rc;
    c->ev.event_id.data = c->out->event_id;
    c->ev.event_id.len = LPG_EVENT_ID_LEN;
    c->ev.device_time_ms = has ? (uint64_t)t : c->o->now_ms;
    const char *actor;
    rc = s_str(c, "actor", false, LPG_STRING_MAX, &actor);
    c->ev.actor = (char *)actor;
    return rc;
}

/*  Packs the Event, after the checks a service makes of what it
 *  receives (so a step prepared here is never refused as malformed). */
static int
s_pack(s_ctx_t *c)
{
    const char *field = NULL;
    if (lpg_proto_strings_check(&c->ev.base, &field) != LPG_OK)
        return s_bad(c, LPG_EINVAL, field ? field : "", "out of bounds");
    if (lpg_proto_empty_check(&c->ev.base, &field) != LPG_OK)
        return s_bad(c, LPG_EINVAL, field ? field : "", "empty");
    size_t len = lpg__event__get_packed_size(&c->ev);
    if (len + S_ENVELOPE > LPG_EVENT_MAX_BYTES)
        return s_bad(c, LPG_EINVAL, "", "the event would be over %d bytes",
                     LPG_EVENT_MAX_BYTES);
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf)
        return s_bad(c, LPG_ENOMEM, "", "out of memory");
    lpg__event__pack(&c->ev, buf);
    char why[LPG_PREPARE_WHY_MAX + 1] = "";
    if (lpg_proto_wire_check(&lpg__event__descriptor, buf, len, why,
                             sizeof why) != LPG_OK) {
        free(buf);
        return s_bad(c, LPG_EINVAL, "", "%s", why);
    }
    c->out->event = buf;
    c->out->len = len;
    return LPG_OK;
}

int
lpg_prepare(lpg_prepared_t *out, const char *json, size_t len,
            const lpg_prepare_opts_t *opts)
{
    memset(out, 0, sizeof *out);
    s_ctx_t *c = calloc(1, sizeof *c);
    if (!c)
        return LPG_ENOMEM;
    c->out = out;
    c->o = opts;
    lpg__event__init(&c->ev);
    int rc;
    if (len > LPG_PREPARE_MAX_JSON) {
        rc = s_bad(c, LPG_EMALFORMED, "", "over %d bytes",
                   LPG_PREPARE_MAX_JSON);
        goto cleanup;
    }
    json_error_t err;
    c->root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &err);
    if (!c->root) {
        rc = s_bad(c, LPG_EMALFORMED, "", "not JSON: %.100s (byte %d)",
                   err.text, err.position);
        goto cleanup;
    }
    if (!json_is_object(c->root)) {
        rc =
            s_bad(c, LPG_EMALFORMED, "", "%s, not an object", s_type(c->root));
        goto cleanup;
    }
    const char *name;
    rc = s_str(c, "step", true, 32, &name);
    if (rc != LPG_OK)
        goto cleanup;
    for (size_t i = 0; i < S_NSTEPS && !c->step; i++)
        if (strcmp(s_steps[i].name, name) == 0 &&
            (!s_steps[i].order || opts->orders))
            c->step = &s_steps[i];
    if (!c->step) {
        rc = s_bad(c, LPG_EINVAL, "step",
                   opts->orders
                       ? "not a step (order_place order_accept order_assign "
                         "order_cancel order_refuse order_delivered, or a "
                         "device's step)"
                       : "not a step (dispatch deliver collect return "
                         "inspect rectify periodic fill_check fill_record "
                         "order_address)");
        goto cleanup;
    }
    c->ev.body_case = c->step->body;
    rc = s_common(c);
    if (rc == LPG_OK)
        rc = c->step->build(c);
    if (rc == LPG_OK)
        rc = s_pack(c);
    if (rc == LPG_OK) {
        out->body = c->step->body;
        out->service = lpg_kind_service(c->step->body);
    }
cleanup:
    if (rc != LPG_OK && !out->why[0])
        snprintf(out->why, sizeof out->why, "%s", lpg_strerror(rc));
    json_decref(c->root);
    free(c);
    return rc;
}

void
lpg_prepared_clear(lpg_prepared_t *out)
{
    if (!out)
        return;
    free(out->event);
    out->event = NULL;
    out->len = 0;
}
