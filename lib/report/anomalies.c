/*  report_anomalies.c - lpgtrace report anomalies: every entry of the
 *  ledger that a regulator should look at (pocket codes at the fill
 *  gate, cloned and forged codes at the fill gate and on a driver's
 *  step, broken custody on a driver's step, late events, deliveries
 *  recorded without an order: NO_ORDER, gas sold outside the ordering
 *  platform), in ledger order, then the hoarding seen in the state at the
 *  end: users holding too many cylinders, cylinders left on a vehicle.
 *
 *  A code met on the road says where in its detail: the step, the user
 *  at whose door (delivery, collection), the vehicle and the handheld
 *  that scanned it (its enrolled name, else its key id); the site
 *  column has the station of a dispatch or return, the who column the
 *  driver. A forged code names no cylinder: its cylinder is "-".
 *  A superseded label (CODE_SUPERSEDED: a relabel replaced it) met at
 *  the fill gate is a cloned code, its detail naming the device that met it.
 *
 *  Readings: empty fields print "-", in JSON too (the rows under
 *  {report, today, rows}).
 *  A user's hoarding row is dated by the latest (highest seq) of the
 *  accepted deliveries that put each held cylinder there; a user of no
 *  known kind counts as a household. A cylinder's "on vehicle since" is
 *  its last accepted dispatch or collection, and it is listed when that
 *  is more than report.hoard_vehicle_hours before the next local
 *  midnight after --today.
 */
#include "base/error.h"
#include "ledger/event.h"
#include "ledger/ledger.h"
#include "report/report.h"
#include "base/clock.h"
#include "domain/household.h"
#include "domain/inspection.h"
#include "domain/reasons.h"
#include "domain/state.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*  The kinds, in the order an entry's rows are listed. */
typedef enum {
    S_POCKET,
    S_CLONED,
    S_FORGED,
    S_CUSTODY,
    S_LATE,
    S_NO_ORDER,
    S_HOARDING,
    S_NKINDS
} s_kind_t;

static const char *const s_kind_names[S_NKINDS] = {
    "pocket_code", "cloned_code", "forged_code", "broken_custody",
    "late",        "no_order",    "hoarding",
};

/*  The reasons (domain/reasons.h) that make each of the first four
 *  kinds; each list ends with LPG_REASON_COUNT. */
static const lpg_reason_id_t s_pocket_tokens[] = {
    LPG_REASON_TARE_MISMATCH, LPG_REASON_NOT_EMPTY_AT_STATION,
    LPG_REASON_COUNT};
static const lpg_reason_id_t s_cloned_tokens[] = {
    LPG_REASON_IMPOSSIBLE_TRAVEL, LPG_REASON_CODE_REVOKED,
    LPG_REASON_CODE_SUPERSEDED, LPG_REASON_CODE_UNREGISTERED,
    LPG_REASON_COUNT};
static const lpg_reason_id_t s_forged_tokens[] = {LPG_REASON_CODE_FORGED,
                                                  LPG_REASON_COUNT};
static const lpg_reason_id_t s_custody_tokens[] = {LPG_REASON_WRONG_CUSTODY,
                                                   LPG_REASON_COUNT};
/*  A delivery naming no order (gas sold outside the ordering platform):
 *  listed when the delivery was recorded, not when it was refused. */
static const lpg_reason_id_t s_no_order_tokens[] = {LPG_REASON_NO_ORDER,
                                                    LPG_REASON_COUNT};

typedef struct {
    uint64_t seq;
    char time[32];
    s_kind_t kind;
    char *cylinder;
    char *site;
    char *who;
    char *detail;
} s_row_t;

typedef struct {
    const lpg_report_in_t *in;
    s_row_t *rows;
    size_t n, cap;
    size_t count[S_NKINDS];
} s_list_t;

static char *
s_dup_or_dash(const char *s)
{
    return strdup(s && *s ? s : "-");
}

/*  Appends a row; the strings are copied (NULL or "" become "-"). */
static int
s_add(s_list_t *l, uint64_t seq, uint64_t ms, s_kind_t kind,
      const char *cylinder, const char *site, const char *who,
      const char *detail)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 32;
        s_row_t *p = realloc(l->rows, cap * sizeof *p);
        if (!p)
            return LPG_ENOMEM;
        l->rows = p;
        l->cap = cap;
    }
    s_row_t *r = &l->rows[l->n];
    r->seq = seq;
    lpg_report_time(l->in->zone, ms, r->time);
    r->kind = kind;
    r->cylinder = s_dup_or_dash(cylinder);
    r->site = s_dup_or_dash(site);
    r->who = s_dup_or_dash(who);
    r->detail = s_dup_or_dash(detail);
    if (!r->cylinder || !r->site || !r->who || !r->detail) {
        free(r->cylinder);
        free(r->site);
        free(r->who);
        free(r->detail);
        return LPG_ENOMEM;
    }
    l->n++;
    l->count[kind]++;
    return LPG_OK;
}

static bool
s_in_set(const char *token, const lpg_reason_id_t *set)
{
    for (; *set != LPG_REASON_COUNT; set++)
        if (strcmp(token, lpg_reason_by_id(*set)->token) == 0)
            return true;
    return false;
}

/*  The outcome's tokens that are in set, joined with '+' in the order
 *  they appear, as a fresh string in *out (caller frees); *out is NULL
 *  if none is. */
static int
s_match(const Lpg__Outcome *o, const lpg_reason_id_t *set, char **out)
{
    *out = NULL;
    size_t len = 0;
    for (size_t i = 0; i < o->n_reasons; i++)
        if (o->reasons[i]->token && s_in_set(o->reasons[i]->token, set))
            len += strlen(o->reasons[i]->token) + 1;
    if (len == 0)
        return LPG_OK;
    char *s = malloc(len);
    if (!s)
        return LPG_ENOMEM;
    size_t at = 0;
    for (size_t i = 0; i < o->n_reasons; i++) {
        const char *tok = o->reasons[i]->token;
        if (!tok || !s_in_set(tok, set))
            continue;
        if (at)
            s[at++] = '+';
        size_t n = strlen(tok);
        memcpy(s + at, tok, n);
        at += n;
    }
    s[at] = '\0';
    *out = s;
    return LPG_OK;
}

static bool
s_driver_step(const Lpg__Event *b)
{
    return b->body_case == LPG__EVENT__BODY_DISPATCH ||
           b->body_case == LPG__EVENT__BODY_DELIVERY ||
           b->body_case == LPG__EVENT__BODY_COLLECTION ||
           b->body_case == LPG__EVENT__BODY_STATION_RETURN;
}

/*  Where a driver's step met its code, after the tokens: "CODE_FORGED
 *  at delivery to U-1003, vehicle 苏F12345, device hh-1" (a fresh string
 *  in *out, caller frees). */
static int
s_road_detail(lpg_txn_t *t, const lpg_event_t *ev, const char *tokens,
              char **out)
{
    const Lpg__Event *b = ev->event;
    const char *step = "return", *vehicle = NULL, *to = NULL;
    switch (b->body_case) {
    case LPG__EVENT__BODY_DISPATCH:
        step = "dispatch";
        vehicle = b->dispatch->vehicle;
        break;
    case LPG__EVENT__BODY_DELIVERY:
        step = "delivery";
        to = " to ";
        vehicle = b->delivery->vehicle;
        break;
    case LPG__EVENT__BODY_COLLECTION:
        step = "collection";
        to = " from ";
        vehicle = b->collection->vehicle;
        break;
    default:
        vehicle = b->station_return->vehicle;
        break;
    }
    char device[LPG_STRING_MAX + 1] = "";
    Lpg__DeviceState *dev = NULL;
    const Lpg__SignedEvent *se = ev->signed_event;
    if (se->key_id.len == LPG_KEYID_LEN &&
        lpg_state_device(t, se->key_id.data, &dev) == LPG_OK && dev->name &&
        *dev->name)
        snprintf(device, sizeof device, "%s", dev->name);
    else if (se->key_id.len >= 8)
        lpg_hex(se->key_id.data, 8, device);
    if (dev)
        lpg__device_state__free_unpacked(dev, NULL);
    const char *user = to && b->user ? b->user : NULL;
    size_t n = strlen(tokens) + strlen(step) + strlen(device) +
               (user ? strlen(to) + strlen(user) : 0) +
               (vehicle ? strlen(vehicle) : 1) + 32;
    char *s = malloc(n);
    if (!s)
        return LPG_ENOMEM;
    snprintf(s, n, "%s at %s%s%s, vehicle %s, device %s", tokens, step,
             user ? to : "", user ? user : "", vehicle ? vehicle : "-",
             *device ? device : "-");
    *out = s;
    return LPG_OK;
}

/*  A superseded label (CODE_SUPERSEDED: a relabel replaced it, so the
 *  old one met again may be a clone) is listed wherever it was met, with
 *  the device that met it (its name, else its key id) and, at a user's
 *  door, the user: detail gets " by device D[ at user U]" appended. */
static int
s_superseded_detail(s_list_t *l, const lpg_event_t *ev, char **detail)
{
    if (!strstr(*detail, "CODE_SUPERSEDED"))
        return LPG_OK;
    const Lpg__Event *b = ev->event;
    Lpg__DeviceState *dev = NULL;
    char device[80];
    if (lpg_state_device(l->in->t, ev->signed_event->key_id.data, &dev) ==
            LPG_OK &&
        dev->name && *dev->name)
        snprintf(device, sizeof device, "%.60s", dev->name);
    else {
        const uint8_t *k = ev->signed_event->key_id.data;
        snprintf(device, sizeof device, "key %02x%02x%02x%02x%02x%02x%02x%02x",
                 k[0], k[1], k[2], k[3], k[4], k[5], k[6], k[7]);
    }
    if (dev)
        lpg__device_state__free_unpacked(dev, NULL);
    size_t n = strlen(*detail) + strlen(device) + 32 +
               (b->user ? strlen(b->user) : 0);
    char *s = malloc(n);
    if (!s)
        return LPG_ENOMEM;
    snprintf(s, n, "%s by device %s%s%s", *detail, device,
             b->user && *b->user ? " at user " : "",
             b->user && *b->user ? b->user : "");
    free(*detail);
    *detail = s;
    return LPG_OK;
}

/*  The rows of one entry, in kind order. */
static int
s_entry_rows(s_list_t *l, uint64_t seq, const Lpg__LedgerEntry *e,
             const lpg_event_t *ev)
{
    const Lpg__Event *b = ev->event;
    const Lpg__Outcome *o = e->outcome;
    if (!o)
        return LPG_OK;
    struct {
        s_kind_t kind;
        const lpg_reason_id_t *set;
        bool applies;
    } tests[] = {
        {S_POCKET, s_pocket_tokens,
         b->body_case == LPG__EVENT__BODY_FILL_CHECK},
        {S_CLONED, s_cloned_tokens,
         b->body_case == LPG__EVENT__BODY_FILL_CHECK || s_driver_step(b)},
        {S_FORGED, s_forged_tokens,
         b->body_case == LPG__EVENT__BODY_FILL_CHECK || s_driver_step(b)},
        {S_CUSTODY, s_custody_tokens, s_driver_step(b)},
    };
    int rc = LPG_OK;
    for (size_t i = 0; rc == LPG_OK && i < sizeof tests / sizeof tests[0];
         i++) {
        if (!tests[i].applies)
            continue;
        char *detail = NULL;
        rc = s_match(o, tests[i].set, &detail);
        if (rc == LPG_OK && detail && tests[i].kind != S_CUSTODY &&
            s_driver_step(b)) {
            char *where = NULL;
            rc = s_road_detail(l->in->t, ev, detail, &where);
            free(detail);
            detail = where;
        } else if (rc == LPG_OK && detail && tests[i].kind == S_CLONED)
            rc = s_superseded_detail(l, ev, &detail);
        if (rc == LPG_OK && detail)
            rc = s_add(l, seq, b->device_time_ms, tests[i].kind, b->cylinder,
                       b->site, b->actor, detail);
        free(detail);
    }
    if (rc == LPG_OK && o->has_late_ms && o->late_ms > 0) {
        char detail[40];
        snprintf(detail, sizeof detail, "late %" PRIu64 "s",
                 o->late_ms / 1000);
        rc = s_add(l, seq, b->device_time_ms, S_LATE, b->cylinder, b->site,
                   b->actor, detail);
    }
    if (rc == LPG_OK && b->body_case == LPG__EVENT__BODY_DELIVERY &&
        o->status == LPG__STATUS__STATUS_OK) {
        char *tokens = NULL, *detail = NULL;
        rc = s_match(o, s_no_order_tokens, &tokens);
        if (rc == LPG_OK && tokens)
            rc = s_road_detail(l->in->t, ev, tokens, &detail);
        if (rc == LPG_OK && detail)
            rc = s_add(l, seq, b->device_time_ms, S_NO_ORDER, b->cylinder,
                       b->site, b->actor, detail);
        free(tokens);
        free(detail);
    }
    return rc;
}

static int
s_walk(s_list_t *l)
{
    uint64_t size = 0;
    int rc = lpg_txn_size(l->in->t, &size);
    lpg_txn_sequential(l->in->t, true); /* every entry, in order */
    for (uint64_t seq = 0; rc == LPG_OK && seq < size; seq++) {
        Lpg__LedgerEntry *e = NULL;
        lpg_event_t ev;
        rc = lpg_report_entry(l->in->t, seq, &e, &ev);
        if (rc != LPG_OK)
            break;
        rc = s_entry_rows(l, seq, e, &ev);
        lpg_event_clear(&ev);
        lpg__ledger_entry__free_unpacked(e, NULL);
    }
    lpg_txn_sequential(l->in->t, false);
    return rc;
}

/* ---- hoarding --------------------------------------------------------- */

/*  A cylinder of interest in the state: with a user, or on a vehicle. */
typedef struct {
    char *holder; /* the user (AT_USER), else NULL */
    char *grai;
} s_held_t;

typedef struct {
    s_held_t *v;
    size_t n, cap;
    bool on_vehicle; /* collect IN_TRANSIT / COLLECTED, else AT_USER */
} s_held_list_t;

static int
s_held_cmp(const void *a, const void *b)
{
    const s_held_t *x = a, *y = b;
    int c = strcmp(x->holder ? x->holder : "", y->holder ? y->holder : "");
    return c ? c : strcmp(x->grai, y->grai);
}

static int
s_on_cylinder(void *ctx, const void *key, size_t klen, const void *val,
              size_t vlen)
{
    s_held_list_t *h = ctx;
    (void)key;
    (void)klen;
    Lpg__CylinderState *c = lpg__cylinder_state__unpack(NULL, vlen, val);
    if (!c)
        return LPG_EMALFORMED;
    Lpg__Custody cu =
        c->has_custody ? c->custody : LPG__CUSTODY__CUSTODY_EMPTY_AT_STATION;
    bool want = h->on_vehicle ? cu == LPG__CUSTODY__CUSTODY_IN_TRANSIT ||
                                    cu == LPG__CUSTODY__CUSTODY_COLLECTED
                              : cu == LPG__CUSTODY__CUSTODY_AT_USER &&
                                    c->holder && *c->holder;
    int rc = LPG_OK;
    if (want && h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 64;
        s_held_t *p = realloc(h->v, cap * sizeof *p);
        if (!p)
            rc = LPG_ENOMEM;
        else {
            h->v = p;
            h->cap = cap;
        }
    }
    if (want && rc == LPG_OK) {
        s_held_t *x = &h->v[h->n];
        x->grai = strdup(c->grai);
        x->holder = h->on_vehicle ? NULL : strdup(c->holder);
        if (!x->grai || (!h->on_vehicle && !x->holder)) {
            free(x->grai);
            free(x->holder);
            rc = LPG_ENOMEM;
        } else
            h->n++;
    }
    lpg__cylinder_state__free_unpacked(c, NULL);
    return rc;
}

static void
s_held_clear(s_held_list_t *h)
{
    for (size_t i = 0; i < h->n; i++) {
        free(h->v[i].holder);
        free(h->v[i].grai);
    }
    free(h->v);
    h->v = NULL;
    h->n = h->cap = 0;
}

/*  The last accepted entry of one cylinder whose body is one of the
 *  wanted kinds: what put it where the state says it is. */
typedef struct {
    lpg_txn_t *t;
    Lpg__Event__BodyCase want[2];
    bool found;
    uint64_t seq;
    uint64_t ms;
    char *site;
    char *vehicle;
} s_last_t;

static int
s_on_seq(void *ctx, uint64_t seq)
{
    s_last_t *w = ctx;
    Lpg__LedgerEntry *e = NULL;
    lpg_event_t ev;
    int rc = lpg_report_entry(w->t, seq, &e, &ev);
    if (rc != LPG_OK)
        return rc;
    const Lpg__Event *b = ev.event;
    if ((b->body_case == w->want[0] || b->body_case == w->want[1]) &&
        lpg_report_accepted(e)) {
        const char *vehicle = b->body_case == LPG__EVENT__BODY_DISPATCH
                                  ? b->dispatch->vehicle
                              : b->body_case == LPG__EVENT__BODY_COLLECTION
                                  ? b->collection->vehicle
                                  : NULL;
        char *site = b->site ? strdup(b->site) : NULL;
        char *veh = vehicle ? strdup(vehicle) : NULL;
        if ((b->site && !site) || (vehicle && !veh)) {
            free(site);
            free(veh);
            rc = LPG_ENOMEM;
        } else {
            free(w->site);
            free(w->vehicle);
            w->site = site;
            w->vehicle = veh;
            w->found = true;
            w->seq = seq;
            w->ms = b->device_time_ms;
        }
    }
    lpg_event_clear(&ev);
    lpg__ledger_entry__free_unpacked(e, NULL);
    return rc;
}

static int
s_last(lpg_txn_t *t, const char *grai, Lpg__Event__BodyCase a,
       Lpg__Event__BodyCase b, s_last_t *out)
{
    memset(out, 0, sizeof *out);
    out->t = t;
    out->want[0] = a;
    out->want[1] = b;
    return lpg_txn_seqs(t, LPG_TABLE_BY_CYLINDER, grai, strlen(grai), s_on_seq,
                        out);
}

static void
s_last_clear(s_last_t *w)
{
    free(w->site);
    free(w->vehicle);
    w->site = w->vehicle = NULL;
}

/*  A configured count or number of hours: a whole number >= 0. */
static int
s_config_count(const lpg_config_t *cfg, const char *key, uint64_t *out)
{
    int64_t v = lpg_config_get_int(cfg, key, -1);
    if (v < 0 || v > INT32_MAX) {
        const char *text = lpg_config_get(cfg, key);
        fprintf(stderr,
                "lpgtrace: report: %s = '%s' is not a whole number from 0 "
                "to %d\n",
                key, text ? text : "", INT32_MAX);
        return LPG_ECONFIG;
    }
    *out = (uint64_t)v;
    return LPG_OK;
}

/*  The most a user of this kind may hold (lpg_user_holding_max). */
static uint64_t
s_user_max(lpg_txn_t *t, const char *user, uint64_t household,
           uint64_t business)
{
    const void *v;
    size_t vlen;
    if (lpg_txn_get(t, LPG_TABLE_USERS, user, strlen(user), &v, &vlen) !=
        LPG_OK)
        return household;
    Lpg__UserState *u = lpg__user_state__unpack(NULL, vlen, v);
    uint64_t max = lpg_user_holding_max(u, household, business);
    if (u)
        lpg__user_state__free_unpacked(u, NULL);
    return max;
}

/*  (a) users holding more cylinders than their kind may, by user id. */
static int
s_hoard_users(s_list_t *l, uint64_t household, uint64_t business)
{
    lpg_txn_t *t = l->in->t;
    s_held_list_t h = {0};
    int rc = lpg_txn_foreach(t, LPG_TABLE_CYLINDERS, s_on_cylinder, &h);
    if (rc == LPG_OK && h.n > 1)
        qsort(h.v, h.n, sizeof *h.v, s_held_cmp);
    for (size_t i = 0; rc == LPG_OK && i < h.n;) {
        size_t j = i;
        while (j < h.n && strcmp(h.v[j].holder, h.v[i].holder) == 0)
            j++;
        uint64_t held = j - i;
        uint64_t max = s_user_max(t, h.v[i].holder, household, business);
        if (held > max) {
            bool found = false;
            uint64_t seq = 0, ms = 0;
            for (size_t k = i; rc == LPG_OK && k < j; k++) {
                s_last_t w;
                rc = s_last(t, h.v[k].grai, LPG__EVENT__BODY_DELIVERY,
                            LPG__EVENT__BODY_DELIVERY, &w);
                if (rc == LPG_OK && w.found && (!found || w.seq > seq)) {
                    found = true;
                    seq = w.seq;
                    ms = w.ms;
                }
                s_last_clear(&w);
            }
            char detail[64];
            snprintf(detail, sizeof detail,
                     "holds %" PRIu64 " (max %" PRIu64 ")", held, max);
            if (rc == LPG_OK)
                rc = s_add(l, seq, ms, S_HOARDING, NULL, NULL, h.v[i].holder,
                           detail);
        }
        i = j;
    }
    s_held_clear(&h);
    return rc;
}

/*  (b) cylinders on a vehicle since more than `hours` before the end of
 *  today, by GRAI. */
static int
s_hoard_vehicles(s_list_t *l, uint64_t hours)
{
    const lpg_report_in_t *in = l->in;
    char next[11];
    uint32_t day = lpg_ymd_add_days(in->today, 1);
    snprintf(next, sizeof next, "%04u-%02u-%02u", day / 10000 % 10000,
             day / 100 % 100, day % 100);
    uint64_t end_ms;
    if (!day || !lpg_report_zone_ms(in->zone, next, &end_ms))
        return LPG_EINVAL;
    uint64_t limit_ms = hours * 3600 * 1000;
    s_held_list_t h = {.on_vehicle = true};
    int rc = lpg_txn_foreach(in->t, LPG_TABLE_CYLINDERS, s_on_cylinder, &h);
    if (rc == LPG_OK && h.n > 1)
        qsort(h.v, h.n, sizeof *h.v, s_held_cmp);
    for (size_t i = 0; rc == LPG_OK && i < h.n; i++) {
        s_last_t w;
        rc = s_last(in->t, h.v[i].grai, LPG__EVENT__BODY_DISPATCH,
                    LPG__EVENT__BODY_COLLECTION, &w);
        if (rc == LPG_OK && w.found && w.ms < end_ms &&
            end_ms - w.ms > limit_ms) {
            char since[32], detail[64];
            lpg_report_time(in->zone, w.ms, since);
            snprintf(detail, sizeof detail, "on vehicle since %s", since);
            rc = s_add(l, w.seq, w.ms, S_HOARDING, h.v[i].grai, w.site,
                       w.vehicle, detail);
        }
        s_last_clear(&w);
    }
    s_held_clear(&h);
    return rc;
}

/* ---- output ----------------------------------------------------------- */

static void
s_print_csv(const s_list_t *l)
{
    fprintf(l->in->out, "seq,time,kind,cylinder,site,who,detail\n");
    for (size_t i = 0; i < l->n; i++) {
        const s_row_t *r = &l->rows[i];
        char seq[24];
        snprintf(seq, sizeof seq, "%" PRIu64, r->seq);
        lpg_report_csv_field(l->in->out, seq, false);
        lpg_report_csv_field(l->in->out, r->time, false);
        lpg_report_csv_field(l->in->out, s_kind_names[r->kind], false);
        lpg_report_csv_field(l->in->out, r->cylinder, false);
        lpg_report_csv_field(l->in->out, r->site, false);
        lpg_report_csv_field(l->in->out, r->who, false);
        lpg_report_csv_field(l->in->out, r->detail, true);
    }
}

static int
s_print_json(const lpg_report_in_t *in, const s_list_t *l)
{
    json_t *list = json_array();
    if (!list)
        return LPG_ENOMEM;
    int rc = LPG_OK;
    for (size_t i = 0; rc == LPG_OK && i < l->n; i++) {
        const s_row_t *r = &l->rows[i];
        json_t *o = json_object();
        if (!o) {
            rc = LPG_ENOMEM;
            break;
        }
        json_object_set_new(o, "seq", json_integer((json_int_t)r->seq));
        json_object_set_new(o, "time", json_string(r->time));
        json_object_set_new(o, "kind", json_string(s_kind_names[r->kind]));
        json_object_set_new(o, "cylinder", json_string(r->cylinder));
        json_object_set_new(o, "site", json_string(r->site));
        json_object_set_new(o, "who", json_string(r->who));
        json_object_set_new(o, "detail", json_string(r->detail));
        if (json_array_append_new(list, o) != 0)
            rc = LPG_ENOMEM;
    }
    if (rc != LPG_OK) {
        json_decref(list);
        return rc;
    }
    return lpg_report_json(in->out, "anomalies", in->today, NULL, list, 0);
}

static int
s_print_plain(const s_list_t *l)
{
    char today[11];
    snprintf(today, sizeof today, "%04u-%02u-%02u",
             l->in->today / 10000 % 10000, l->in->today / 100 % 100,
             l->in->today % 100);
    fprintf(l->in->out, "anomalies on %s (%s)\n\n", today, l->in->zone);
    if (l->n) {
        size_t cols = 7;
        const char **cells = calloc((l->n + 1) * cols, sizeof *cells);
        char(*seqs)[24] = calloc(l->n, sizeof *seqs);
        if (!cells || !seqs) {
            free(cells);
            free(seqs);
            return LPG_ENOMEM;
        }
        const char *head[] = {"seq",  "time", "kind",  "cylinder",
                              "site", "who",  "detail"};
        memcpy(cells, head, sizeof head);
        for (size_t i = 0; i < l->n; i++) {
            const s_row_t *r = &l->rows[i];
            const char **c = cells + (i + 1) * cols;
            snprintf(seqs[i], sizeof seqs[i], "%" PRIu64, r->seq);
            c[0] = seqs[i];
            c[1] = r->time;
            c[2] = s_kind_names[r->kind];
            c[3] = r->cylinder;
            c[4] = r->site;
            c[5] = r->who;
            c[6] = r->detail;
        }
        lpg_report_table(l->in->out, cells, l->n + 1, cols);
        free(cells);
        free(seqs);
        fprintf(l->in->out, "\n");
    } else
        fprintf(l->in->out, "  no anomalies\n\n");
    for (int k = 0; k < S_NKINDS; k++)
        fprintf(l->in->out, "  %-15s %zu\n", s_kind_names[k], l->count[k]);
    fprintf(l->in->out, "\n%zu listed\n", l->n);
    return LPG_OK;
}

static void
s_list_clear(s_list_t *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->rows[i].cylinder);
        free(l->rows[i].site);
        free(l->rows[i].who);
        free(l->rows[i].detail);
    }
    free(l->rows);
    l->rows = NULL;
    l->n = 0;
}

int
lpg_report_entry_anomalies(const lpg_report_in_t *in, uint64_t seq,
                           const Lpg__LedgerEntry *e, const lpg_event_t *ev,
                           char *out, size_t outsz)
{
    s_list_t l = {.in = in};
    int rc = s_entry_rows(&l, seq, e, ev);
    size_t o = 0;
    if (outsz)
        out[0] = '\0';
    for (size_t i = 0; rc == LPG_OK && i < l.n; i++) {
        int n = snprintf(out + o, outsz - o, "%s%s", o ? "," : "",
                         s_kind_names[l.rows[i].kind]);
        if (n < 0 || (size_t)n >= outsz - o) {
            rc = LPG_ETOOBIG;
            break;
        }
        o += (size_t)n;
    }
    s_list_clear(&l);
    return rc;
}

int
lpg_report_anomalies(const lpg_report_in_t *in)
{
    uint64_t household, business, hours;
    int rc = s_config_count(in->cfg, "report.hoard_household_max", &household);
    if (rc == LPG_OK)
        rc = s_config_count(in->cfg, "report.hoard_business_max", &business);
    if (rc == LPG_OK)
        rc = s_config_count(in->cfg, "report.hoard_vehicle_hours", &hours);
    if (rc != LPG_OK)
        return rc;
    s_list_t l = {.in = in};
    rc = s_walk(&l);
    if (rc == LPG_OK)
        rc = s_hoard_users(&l, household, business);
    if (rc == LPG_OK)
        rc = s_hoard_vehicles(&l, hours);
    if (rc == LPG_OK) {
        if (in->mode == LPG_REPORT_CSV)
            s_print_csv(&l);
        else if (in->mode == LPG_REPORT_JSON)
            rc = s_print_json(in, &l);
        else
            rc = s_print_plain(&l);
    }
    s_list_clear(&l);
    return rc;
}
