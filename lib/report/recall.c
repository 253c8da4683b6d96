/*  recall.c - the recall of one station's gas: every fill it made in
 *  [from, to), the households that received that fill's gas (delivered
 *  the cylinder after that fill and before its next one), and where the
 *  cylinder is now. Read from the ledger's indexes by_site, by_cylinder
 *  and the state tables: only the station's entries recorded around the
 *  window (a binary search of the log by recorded time, up to as late as
 *  the station's fills have come in: see lpg_report_recall), so the time
 *  follows the answer, not the ledger; each cylinder followed from its
 *  first fill in the window.
 */
#include "report/report.h"
#include "base/clock.h"
#include "base/error.h"
#include "domain/state.h"
#include "domain/words.h"
#include "ledger/event.h"
#include "ledger/ledger.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*  A household that received a fill's gas: its first delivery of that
 *  gas, and how many deliveries of it it had. */
typedef struct {
    char *user;
    uint64_t seq;
    uint64_t ms;
    size_t times;
} s_got_t;

/*  One accepted fill at the site in the window, and where its gas went:
 *  the households of the accepted deliveries of its cylinder after it
 *  and before the cylinder's next accepted fill, at any station (ledger
 *  order, the order custody follows). A refused delivery delivers
 *  nothing; a collection or a return neither delivers nor ends the gas
 *  (only a fill does; the delivery rules allow no delivery between a
 *  return and the next fill anyway). */
typedef struct {
    char *grai;
    uint64_t seq;
    uint64_t ms;
    uint64_t first;    /* seq of the cylinder's first fill in the window */
    uint64_t next_seq; /* the cylinder's next accepted fill, 0: none yet */
    uint64_t next_ms;
    char *next_site;
    s_got_t *got;
    size_t ngot, capgot;
} s_fill_t;

typedef struct {
    lpg_txn_t *t;
    uint64_t from, to;
    uint64_t stop_ms; /* entries recorded from then on hold no fill of
                         the window: the reading stops there */
    s_fill_t *fills;
    size_t n, cap;
} s_recall_t;

/*  lpg_txn_seqs stops on a value other than LPG_OK: this one says
 *  "done", not an error (errors are negative). */
#define S_STOP 1

/*  How far back the server's clock may have been stepped without a
 *  window recall missing a fill (see lpg_report_recall). */
#define S_CLOCK_SLACK_MS (10 * 60 * 1000ULL)

/*  Whether the entry at seq can hold a fill of the window, read off the
 *  wire without decoding: most of what the station recorded around the
 *  window is of other kinds or other days (a week of late records is
 *  read for one day), and only the window's fills are decoded, from the
 *  bytes read here (*datap, *lenp). S_STOP once entries are recorded
 *  past the reading's end. */
static int
s_site_peek(s_recall_t *r, uint64_t seq, bool *fill, const uint8_t **datap,
            size_t *lenp)
{
    *fill = false;
    const uint8_t *data = NULL;
    size_t len = 0;
    lpg_entry_peek_t pk;
    int rc = lpg_txn_entry(r->t, seq, &data, &len);
    *datap = data;
    *lenp = len;
    if (rc != LPG_OK)
        return rc;
    if (lpg_entry_peek(data, len, &pk) != LPG_OK)
        return LPG_EMALFORMED;
    if (pk.recorded_at_ms >= r->stop_ms)
        return S_STOP;
    *fill = pk.body == LPG__EVENT__BODY_FILL_RECORD &&
            pk.device_time_ms >= r->from && pk.device_time_ms < r->to;
    return LPG_OK;
}

static int
s_on_site(void *ctx, uint64_t seq)
{
    s_recall_t *r = ctx;
    Lpg__LedgerEntry *e = NULL;
    lpg_event_t ev;
    bool fill;
    const uint8_t *data;
    size_t len;
    int rc = s_site_peek(r, seq, &fill, &data, &len);
    if (rc != LPG_OK || !fill)
        return rc;
    rc = lpg_report_bytes_if(data, len, LPG__EVENT__BODY_FILL_RECORD, &e, &ev,
                             &fill);
    if (rc != LPG_OK)
        return rc;
    const Lpg__Event *b = fill ? ev.event : NULL;
    if (e->recorded_at_ms >= r->stop_ms)
        rc = S_STOP;
    else if (b && lpg_report_accepted(e) && b->cylinder && *b->cylinder &&
             b->device_time_ms >= r->from && b->device_time_ms < r->to) {
        if (r->n == r->cap) {
            size_t cap = r->cap ? r->cap * 2 : 16;
            s_fill_t *p = realloc(r->fills, cap * sizeof *p);
            if (!p)
                rc = LPG_ENOMEM;
            else {
                r->fills = p;
                r->cap = cap;
            }
        }
        if (rc == LPG_OK) {
            s_fill_t *f = &r->fills[r->n];
            *f = (s_fill_t){.grai = strdup(b->cylinder),
                            .seq = seq,
                            .ms = b->device_time_ms};
            if (f->grai)
                r->n++;
            else
                rc = LPG_ENOMEM;
        }
    }
    if (fill)
        lpg_event_clear(&ev);
    lpg__ledger_entry__free_unpacked(e, NULL);
    return rc;
}

static int
s_by_cylinder(const void *a, const void *b)
{
    const s_fill_t *x = a, *y = b;
    int c = strcmp(x->grai, y->grai);
    if (c != 0)
        return c;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int
s_by_first(const void *a, const void *b)
{
    const s_fill_t *x = a, *y = b;
    if (x->first != y->first)
        return x->first < y->first ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*  Orders the fills by cylinder, the cylinders in the order of their
 *  first fill in the window, each cylinder's fills in ledger order. */
static void
s_group(s_recall_t *r)
{
    if (r->n == 0)
        return;
    qsort(r->fills, r->n, sizeof *r->fills, s_by_cylinder);
    for (size_t i = 0, j; i < r->n; i = j) {
        for (j = i;
             j < r->n && strcmp(r->fills[j].grai, r->fills[i].grai) == 0; j++)
            r->fills[j].first = r->fills[i].seq;
    }
    qsort(r->fills, r->n, sizeof *r->fills, s_by_first);
}

/*  One cylinder's entries from its first fill in the window on. */
typedef struct {
    lpg_txn_t *t;
    s_fill_t *fills; /* the cylinder's fills in the window, in order */
    size_t n;
    size_t next;   /* the first of them not met yet */
    s_fill_t *cur; /* the fill whose gas the cylinder holds, if one of them */
} s_walk_t;

static int
s_got(s_fill_t *f, const char *user, uint64_t seq, uint64_t ms)
{
    for (size_t i = 0; i < f->ngot; i++)
        if (strcmp(f->got[i].user, user) == 0) {
            f->got[i].times++;
            return LPG_OK;
        }
    if (f->ngot == f->capgot) {
        size_t cap = f->capgot ? f->capgot * 2 : 4;
        s_got_t *p = realloc(f->got, cap * sizeof *p);
        if (!p)
            return LPG_ENOMEM;
        f->got = p;
        f->capgot = cap;
    }
    char *u = strdup(user);
    if (!u)
        return LPG_ENOMEM;
    f->got[f->ngot++] = (s_got_t){.user = u, .seq = seq, .ms = ms, .times = 1};
    return LPG_OK;
}

static int
s_on_cylinder(void *ctx, uint64_t seq)
{
    s_walk_t *w = ctx;
    if (seq < w->fills[0].seq)
        return LPG_OK;
    Lpg__LedgerEntry *e = NULL;
    lpg_event_t ev;
    int rc = lpg_report_entry(w->t, seq, &e, &ev);
    if (rc != LPG_OK)
        return rc;
    const Lpg__Event *b = ev.event;
    if (!lpg_report_accepted(e))
        ; /* a refused step moves no gas */
    else if (b->body_case == LPG__EVENT__BODY_FILL_RECORD) {
        if (w->cur) {
            w->cur->next_seq = seq;
            w->cur->next_ms = b->device_time_ms;
            w->cur->next_site = strdup(b->site ? b->site : "");
            if (!w->cur->next_site)
                rc = LPG_ENOMEM;
        }
        if (w->next < w->n && w->fills[w->next].seq == seq)
            w->cur = &w->fills[w->next++];
        else
            w->cur = NULL; /* filled elsewhere, or outside the window */
    } else if (b->body_case == LPG__EVENT__BODY_DELIVERY && b->user &&
               *b->user && w->cur)
        rc = s_got(w->cur, b->user, seq, b->device_time_ms);
    lpg_event_clear(&ev);
    lpg__ledger_entry__free_unpacked(e, NULL);
    if (rc == LPG_OK && !w->cur && w->next == w->n)
        rc = S_STOP; /* no fill of the window left to follow */
    return rc;
}

/*  Fills f[0..n) (one cylinder's) with where their gas went. */
static int
s_follow(lpg_txn_t *t, s_fill_t *f, size_t n)
{
    s_walk_t w = {.t = t, .fills = f, .n = n};
    int rc = lpg_txn_seqs_from(t, LPG_TABLE_BY_CYLINDER, f[0].grai,
                               strlen(f[0].grai), f[0].seq, s_on_cylinder, &w);
    return rc == S_STOP ? LPG_OK : rc;
}

/*  How a recall is printed, and the cylinder being printed. */
typedef struct {
    const char *zone;
    const char *mode; /* "plain", "json", "csv" */
    FILE *out;
    const Lpg__CylinderState *cyl;
} s_out_t;

static void
s_now(const Lpg__CylinderState *c, const char **custody, const char **status)
{
    *custody = lpg_report_enum_name(
        &lpg__custody__descriptor,
        c && c->has_custody ? c->custody
                            : LPG__CUSTODY__CUSTODY_EMPTY_AT_STATION);
    *status = lpg_report_enum_name(
        &lpg__cylinder_status__descriptor,
        c && c->has_status ? c->status : LPG__CYLINDER_STATUS__CYL_IN_SERVICE);
}

static void
s_csv_row(const s_out_t *o, const s_fill_t *f, const char *user,
          const char *name, const char *area, const char *at)
{
    char filled[32];
    lpg_report_zone_time(o->zone, f->ms, filled, sizeof filled);
    const char *custody, *status;
    s_now(o->cyl, &custody, &status);
    const Lpg__CylinderState *c = o->cyl;
    lpg_report_csv_field(o->out, f->grai, false);
    lpg_report_csv_field(o->out, c ? c->reg->serial : "", false);
    lpg_report_csv_field(o->out, filled, false);
    lpg_report_csv_field(o->out, user, false);
    lpg_report_csv_field(o->out, name, false);
    lpg_report_csv_field(o->out, area, false);
    lpg_report_csv_field(o->out, at, false);
    lpg_report_csv_field(o->out, custody, false);
    lpg_report_csv_field(o->out, c ? c->holder : "", false);
    lpg_report_csv_field(o->out, c ? c->last_site : "", false);
    lpg_report_csv_field(o->out, status, true);
}

/*  One fill: its households, one each however often it was delivered
 *  to them. list: the cylinder's "fills" array (json). */
static void
s_report_fill(lpg_txn_t *t, const s_out_t *o, const s_fill_t *f, json_t *list)
{
    bool plain = strcmp(o->mode, "plain") == 0;
    bool csv = strcmp(o->mode, "csv") == 0;
    char filled[32], next[32];
    lpg_report_zone_time(o->zone, f->ms, filled, sizeof filled);
    lpg_report_zone_time(o->zone, f->next_ms, next, sizeof next);
    if (plain) {
        fprintf(o->out, "    filled %s (entry %" PRIu64 "), ", filled, f->seq);
        if (f->next_seq)
            fprintf(o->out,
                    "its gas until the next fill, %s at %s (entry %" PRIu64
                    ")\n",
                    next, f->next_site, f->next_seq);
        else
            fprintf(o->out, "not filled again since\n");
    }
    json_t *households = list ? json_array() : NULL;
    for (size_t i = 0; i < f->ngot; i++) {
        const s_got_t *g = &f->got[i];
        const void *v;
        size_t vlen;
        Lpg__UserState *u = NULL;
        if (lpg_txn_get(t, LPG_TABLE_USERS, g->user, strlen(g->user), &v,
                        &vlen) == LPG_OK)
            u = lpg__user_state__unpack(NULL, vlen, v);
        const char *name = u && u->add->masked_name ? u->add->masked_name : "";
        const char *area = u && u->add->area ? u->add->area : "";
        char at[32];
        lpg_report_zone_time(o->zone, g->ms, at, sizeof at);
        if (households) {
            json_t *h = json_object();
            json_object_set_new(h, "user", json_string(g->user));
            json_object_set_new(h, "name", json_string(name));
            json_object_set_new(h, "area", json_string(area));
            json_object_set_new(h, "delivered_at", json_string(at));
            json_object_set_new(h, "seq", json_integer((json_int_t)g->seq));
            json_object_set_new(h, "deliveries",
                                json_integer((json_int_t)g->times));
            json_array_append_new(households, h);
        } else if (csv)
            s_csv_row(o, f, g->user, name, area, at);
        else {
            fprintf(o->out, "      delivered %s  to %s %s%s%s", at, g->user,
                    name, *area ? "  area " : "", area);
            if (g->times > 1)
                fprintf(o->out, "  (first of %zu deliveries)", g->times);
            fprintf(o->out, "\n");
        }
        if (u)
            lpg__user_state__free_unpacked(u, NULL);
    }
    if (f->ngot == 0) {
        if (csv)
            s_csv_row(o, f, "", "", "", "");
        else if (plain)
            fprintf(o->out, "      delivered to no household%s\n",
                    f->next_seq ? " before that" : "");
    }
    if (households) {
        json_t *j = json_object();
        json_object_set_new(j, "filled_at", json_string(filled));
        json_object_set_new(j, "fill_seq", json_integer((json_int_t)f->seq));
        json_t *nx = json_null();
        if (f->next_seq) {
            nx = json_object();
            json_object_set_new(nx, "filled_at", json_string(next));
            json_object_set_new(nx, "site", json_string(f->next_site));
            json_object_set_new(nx, "seq",
                                json_integer((json_int_t)f->next_seq));
        }
        json_object_set_new(j, "next_fill", nx);
        json_object_set_new(j, "households", households);
        json_array_append_new(list, j);
    }
}

/*  One cylinder: f[0..n) are its fills in the window. */
static int
s_report_cylinder(lpg_txn_t *t, s_out_t *o, s_fill_t *f, size_t n,
                  json_t *list)
{
    int rc = s_follow(t, f, n);
    if (rc != LPG_OK)
        return rc;
    Lpg__CylinderState *c = lpg_state_get(t, LPG_TABLE_CYLINDERS, f->grai,
                                          &lpg__cylinder_state__descriptor);
    o->cyl = c;
    const char *custody, *status;
    s_now(c, &custody, &status);
    if (strcmp(o->mode, "plain") == 0) {
        fprintf(o->out, "%s  serial %s\n", f->grai, c ? c->reg->serial : "?");
        fprintf(o->out, "    now: %s%s%s%s, %s, last at %s\n",
                lpg_custody_words(c && c->has_custody
                                      ? c->custody
                                      : LPG__CUSTODY__CUSTODY_EMPTY_AT_STATION,
                                  NULL),
                c && c->holder ? " (" : "", c && c->holder ? c->holder : "",
                c && c->holder ? ")" : "",
                lpg_status_words(c && c->has_status
                                     ? c->status
                                     : LPG__CYLINDER_STATUS__CYL_IN_SERVICE,
                                 NULL),
                c && c->last_site ? c->last_site : "?");
    }
    json_t *fills = list ? json_array() : NULL;
    for (size_t i = 0; i < n; i++)
        s_report_fill(t, o, &f[i], fills);
    if (list) {
        json_t *j = json_object();
        json_object_set_new(j, "cylinder", json_string(f->grai));
        json_object_set_new(j, "serial", json_string(c ? c->reg->serial : ""));
        json_object_set_new(j, "fills", fills);
        json_t *now = json_object();
        json_object_set_new(now, "custody", json_string(custody));
        json_object_set_new(now, "holder",
                            c && c->holder ? json_string(c->holder)
                                           : json_null());
        json_object_set_new(now, "last_site",
                            c && c->last_site ? json_string(c->last_site)
                                              : json_null());
        json_object_set_new(now, "status", json_string(status));
        json_object_set_new(j, "now", now);
        json_array_append_new(list, j);
    }
    if (c)
        lpg__cylinder_state__free_unpacked(c, NULL);
    o->cyl = NULL;
    return LPG_OK;
}

static void
s_fills_free(s_recall_t *r)
{
    for (size_t i = 0; i < r->n; i++) {
        s_fill_t *f = &r->fills[i];
        for (size_t k = 0; k < f->ngot; k++)
            free(f->got[k].user);
        free(f->got);
        free(f->next_site);
        free(f->grai);
    }
    free(r->fills);
}

int
lpg_report_recall(const lpg_report_in_t *in, const char *site, uint64_t from,
                  uint64_t to)
{
    const char *zone = in->zone;
    const char *mode = in->mode == LPG_REPORT_JSON  ? "json"
                       : in->mode == LPG_REPORT_CSV ? "csv"
                                                    : "plain";
    s_recall_t r = {.t = in->t, .from = from, .to = to, .stop_ms = UINT64_MAX};
    /* Where the window's fills can be in the log: a fill with device
     * time d was recorded no earlier than d - time.max_skew_s (the
     * services refuse it otherwise) and no later than d + the most the
     * station's fill records have come late (lpg_state_fill_late), and
     * recorded times do not decrease along the log. So the station's
     * entries are read from the first one recorded at from - skew up to
     * the first recorded at to + late, each filtered on its own time;
     * S_CLOCK_SLACK_MS covers a server clock stepped back a little.
     * in->full reads the station's whole history instead. */
    uint64_t start_ms = 0;
    if (!in->full) {
        lpg_clock_bounds_t cb;
        char why[256];
        if (lpg_clock_bounds_from_config(&cb, in->cfg, why, sizeof why) !=
            LPG_OK) {
            fprintf(stderr, "lpgtrace: %s\n", why);
            return LPG_ECONFIG;
        }
        uint64_t back = cb.ahead_ms + S_CLOCK_SLACK_MS;
        start_ms = from > back ? from - back : 0;
        /* How late the station's fill records have come in so far (the
         * state keeps it, in the same snapshot as the log): usually
         * minutes where time.max_late_s allows days, and it holds
         * whatever the setting was when they were recorded. An older
         * state without it: the setting. */
        uint64_t late = cb.behind_ms;
        if (lpg_txn_state_current(r.t)) {
            int lrc = lpg_state_fill_late(r.t, site, &late);
            if (lrc == LPG_ENOTFOUND)
                late = 0; /* the station never recorded a fill */
            else if (lrc != LPG_OK)
                return lrc;
        }
        r.stop_ms = to + late + S_CLOCK_SLACK_MS;
    }
    json_t *doc = NULL, *list = NULL;
    uint64_t first = 0, end = 0;
    int rc = LPG_OK;
    if (start_ms > 0)
        rc = lpg_txn_seq_at(r.t, start_ms, &first);
    /* and up to the first entry recorded at stop_ms: read between the
     * two, the station's index costs about what the window holds, not
     * what the station recorded since */
    if (rc == LPG_OK && !in->full)
        rc = lpg_txn_seq_at(r.t, r.stop_ms, &end);
    if (rc == LPG_OK && in->full)
        rc = lpg_txn_seqs_from(r.t, LPG_TABLE_BY_SITE, site, strlen(site),
                               first, s_on_site, &r);
    else if (rc == LPG_OK && end > first)
        rc = lpg_txn_seqs_range(r.t, LPG_TABLE_BY_SITE, site, strlen(site),
                                first, end - 1, s_on_site, &r);
    if (rc == S_STOP)
        rc = LPG_OK;
    if (rc != LPG_OK)
        goto cleanup;
    s_group(&r);
    size_t ncyl = 0;
    for (size_t i = 0; i < r.n; i++)
        ncyl += i == 0 || r.fills[i].first != r.fills[i - 1].first;
    char tfrom[32], tto[32];
    lpg_report_zone_time(zone, r.from, tfrom, sizeof tfrom);
    lpg_report_zone_time(zone, r.to, tto, sizeof tto);
    if (strcmp(mode, "plain") == 0)
        fprintf(in->out,
                "recall: site %s, filled from %s to %s (%s): %zu "
                "cylinder%s, %zu fill%s\n\n",
                site, tfrom, tto, zone, ncyl, ncyl == 1 ? "" : "s", r.n,
                r.n == 1 ? "" : "s");
    else if (strcmp(mode, "csv") == 0)
        fprintf(in->out,
                "cylinder,serial,filled_at,user,name,area,delivered_at,"
                "custody,holder,last_site,status\n");
    else {
        doc = json_object();
        list = json_array();
        if (!doc || !list) {
            rc = LPG_ENOMEM;
            goto cleanup;
        }
    }
    s_out_t o = {.zone = zone, .mode = mode, .out = in->out};
    for (size_t i = 0, j; i < r.n && rc == LPG_OK; i = j) {
        for (j = i + 1; j < r.n && r.fills[j].first == r.fills[i].first; j++)
            ;
        rc = s_report_cylinder(r.t, &o, &r.fills[i], j - i, list);
    }
    if (rc == LPG_OK && doc) {
        json_object_set_new(doc, "site", json_string(site));
        json_object_set_new(doc, "from", json_string(tfrom));
        json_object_set_new(doc, "to", json_string(tto));
        json_object_set_new(doc, "zone", json_string(zone));
        json_object_set_new(doc, "cylinders", list);
        list = NULL;
        char *text = json_dumps(doc, JSON_INDENT(2));
        if (text) {
            fputs(text, in->out);
            fputc('\n', in->out);
        } else
            rc = LPG_ENOMEM;
        free(text);
    }

cleanup:
    json_decref(list);
    json_decref(doc);
    s_fills_free(&r);
    return rc;
}
