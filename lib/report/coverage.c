/*  report_coverage.c - lpgtrace report coverage: for each area and each
 *  local month (or quarter, or year) from the first user registration to
 *  today, how many of the area's users were registered and not erased
 *  by the period's last day, and how many of those had an accepted
 *  household inspection inside the period. From the users table and the
 *  by_user index of the local ledger; dates are device times, local.
 *
 *  Readings: users of every kind count; an area is listed if any user
 *  was ever registered in it (even after --today); percent is printf's
 *  "%.1f" of inspected * 100 / users (a number in the JSON rows, under
 *  {report, today, period, rows}).
 */
#include "base/clock.h"
#include "base/error.h"
#include "ledger/event.h"
#include "ledger/ledger.h"
#include "report/report.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*  A period is a number: months and quarters counted from year 0, or the
 *  year itself; consecutive periods are consecutive numbers. */
static int64_t
s_period_of(uint32_t ymd, lpg_report_period_t kind)
{
    int64_t y = ymd / 10000, m = ymd / 100 % 100;
    switch (kind) {
    case LPG_PERIOD_MONTH:
        return y * 12 + (m - 1);
    case LPG_PERIOD_QUARTER:
        return y * 4 + (m - 1) / 3;
    case LPG_PERIOD_YEAR:
        return y;
    }
    return y;
}

/*  Periods come from YYYYMMDD dates: the year fits an int. */
static void
s_period_text(int64_t p, lpg_report_period_t kind, char out[32])
{
    switch (kind) {
    case LPG_PERIOD_MONTH:
        snprintf(out, 32, "%04d-%02d", (int)(p / 12), (int)(p % 12 + 1));
        return;
    case LPG_PERIOD_QUARTER:
        snprintf(out, 32, "%04d-Q%d", (int)(p / 4), (int)(p % 4 + 1));
        return;
    case LPG_PERIOD_YEAR:
        snprintf(out, 32, "%04d", (int)p);
        return;
    }
}

/*  One user: area, and the periods it counts in, [from, until). */
typedef struct {
    char *id;
    char *area;
    uint32_t registered; /* YYYYMMDD, local */
    uint32_t erased;     /* YYYYMMDD, local, 0 if not erased */
} s_user_t;

typedef struct {
    const lpg_report_in_t *in;
    s_user_t *users;
    size_t n, cap;
} s_users_t;

/*  The local date of entry seq's device time. */
static int
s_entry_day(const lpg_report_in_t *in, uint64_t seq, uint32_t *out)
{
    Lpg__LedgerEntry *e = NULL;
    lpg_event_t ev;
    int rc = lpg_report_entry(in->t, seq, &e, &ev);
    if (rc != LPG_OK)
        return rc;
    *out = lpg_local_ymd(ev.event->device_time_ms, in->zone);
    lpg_event_clear(&ev);
    lpg__ledger_entry__free_unpacked(e, NULL);
    return *out ? LPG_OK : LPG_ERANGE;
}

static int
s_on_user(void *ctx, const void *key, size_t klen, const void *val,
          size_t vlen)
{
    s_users_t *us = ctx;
    Lpg__UserState *u = lpg__user_state__unpack(NULL, vlen, val);
    if (!u)
        return LPG_EMALFORMED;
    int rc = LPG_OK;
    if (us->n == us->cap) {
        size_t cap = us->cap ? us->cap * 2 : 64;
        s_user_t *p = realloc(us->users, cap * sizeof *p);
        if (!p)
            rc = LPG_ENOMEM;
        else {
            us->users = p;
            us->cap = cap;
        }
    }
    s_user_t x = {0};
    if (rc == LPG_OK)
        rc = s_entry_day(us->in, u->seq, &x.registered);
    if (rc == LPG_OK && u->has_erased_seq)
        rc = s_entry_day(us->in, u->erased_seq, &x.erased);
    if (rc == LPG_OK) {
        x.id = strndup(key, klen);
        x.area = strdup(u->add->area && *u->add->area ? u->add->area : "-");
        if (!x.id || !x.area) {
            free(x.id);
            free(x.area);
            rc = LPG_ENOMEM;
        } else
            us->users[us->n++] = x;
    }
    lpg__user_state__free_unpacked(u, NULL);
    return rc;
}

static int
s_str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/*  The periods of one user's accepted household inspections. */
typedef struct {
    const lpg_report_in_t *in;
    const char *user;
    int64_t *p;
    size_t n, cap;
} s_seen_t;

static int
s_on_user_seq(void *ctx, uint64_t seq)
{
    s_seen_t *s = ctx;
    Lpg__LedgerEntry *e = NULL;
    lpg_event_t ev;
    int rc = lpg_report_entry(s->in->t, seq, &e, &ev);
    if (rc != LPG_OK)
        return rc;
    const Lpg__Event *b = ev.event;
    if (b->body_case == LPG__EVENT__BODY_HOUSEHOLD_INSPECTION &&
        (!e->outcome || e->outcome->status == LPG__STATUS__STATUS_OK) &&
        b->user && strcmp(b->user, s->user) == 0) {
        uint32_t day = lpg_local_ymd(b->device_time_ms, s->in->zone);
        if (day == 0)
            rc = LPG_ERANGE;
        if (rc == LPG_OK && s->n == s->cap) {
            size_t cap = s->cap ? s->cap * 2 : 16;
            int64_t *p = realloc(s->p, cap * sizeof *p);
            if (!p)
                rc = LPG_ENOMEM;
            else {
                s->p = p;
                s->cap = cap;
            }
        }
        if (rc == LPG_OK)
            s->p[s->n++] = s_period_of(day, s->in->period);
    }
    lpg_event_clear(&ev);
    lpg__ledger_entry__free_unpacked(e, NULL);
    return rc;
}

static int
s_i64_cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/*  The table: areas x periods, users and inspected per cell. */
typedef struct {
    char **areas; /* sorted, distinct; borrowed from the users */
    size_t nareas;
    int64_t first, last; /* periods listed: first..last */
    size_t nperiods;
    uint64_t *users; /* [area * nperiods + period - first] */
    uint64_t *inspected;
} s_table_t;

static size_t
s_area_index(const s_table_t *tb, const char *area)
{
    char *const *hit =
        bsearch(&area, tb->areas, tb->nareas, sizeof *tb->areas, s_str_cmp);
    return (size_t)(hit - tb->areas);
}

/*  Counts one user (with its inspections) into the table. */
static int
s_count_user(const lpg_report_in_t *in, s_table_t *tb, const s_user_t *u,
             s_seen_t *seen)
{
    /* counted in period p when registered by its last day and not
     * erased by then: from the registration's period up to, not
     * including, the erasure's */
    int64_t from = s_period_of(u->registered, in->period);
    int64_t until =
        u->erased ? s_period_of(u->erased, in->period) : tb->last + 1;
    if (from < tb->first)
        from = tb->first;
    if (until > tb->last + 1)
        until = tb->last + 1;
    if (from >= until)
        return LPG_OK;
    size_t a = s_area_index(tb, u->area);
    uint64_t *users = tb->users + a * tb->nperiods;
    uint64_t *insp = tb->inspected + a * tb->nperiods;
    for (int64_t p = from; p < until; p++)
        users[p - tb->first]++;
    seen->user = u->id;
    seen->n = 0;
    int rc = lpg_txn_seqs(in->t, LPG_TABLE_BY_USER, u->id, strlen(u->id),
                          s_on_user_seq, seen);
    if (rc != LPG_OK)
        return rc;
    if (seen->n > 1)
        qsort(seen->p, seen->n, sizeof *seen->p, s_i64_cmp);
    for (size_t i = 0; i < seen->n; i++) {
        int64_t p = seen->p[i];
        if (i > 0 && p == seen->p[i - 1])
            continue;
        if (p >= from && p < until)
            insp[p - tb->first]++;
    }
    return LPG_OK;
}

static void
s_percent(uint64_t inspected, uint64_t users, char out[16])
{
    double pct = users ? (double)inspected * 100.0 / (double)users : 0.0;
    snprintf(out, 16, "%.1f", pct);
}

static int
s_print(const lpg_report_in_t *in, const s_table_t *tb)
{
    size_t nrows = tb->nareas * tb->nperiods;
    json_t *list = NULL;
    const char **cells = NULL;
    char(*text)[4][32] = NULL;
    int rc = LPG_OK;
    if (in->mode == LPG_REPORT_CSV)
        fprintf(in->out, "area,period,users,inspected,percent\n");
    else if (in->mode == LPG_REPORT_JSON) {
        list = json_array();
        if (!list)
            return LPG_ENOMEM;
    } else {
        const char *what = in->period == LPG_PERIOD_MONTH     ? "month"
                           : in->period == LPG_PERIOD_QUARTER ? "quarter"
                                                              : "year";
        fprintf(in->out,
                "household inspection coverage by area and %s, to %04u-%02u-"
                "%02u (%s)\n\n",
                what, in->today / 10000 % 10000, in->today / 100 % 100,
                in->today % 100, in->zone);
        cells = calloc((nrows + 1) * 5, sizeof *cells);
        text = calloc(nrows ? nrows : 1, sizeof *text);
        if (!cells || !text) {
            free(cells);
            free(text);
            return LPG_ENOMEM;
        }
        const char *head[] = {"area", "period", "users", "inspected",
                              "percent"};
        memcpy(cells, head, sizeof head);
    }
    size_t row = 0;
    for (size_t a = 0; rc == LPG_OK && a < tb->nareas; a++) {
        for (size_t i = 0; rc == LPG_OK && i < tb->nperiods; i++, row++) {
            char period[32], pct[16];
            uint64_t users = tb->users[a * tb->nperiods + i];
            uint64_t insp = tb->inspected[a * tb->nperiods + i];
            s_period_text(tb->first + (int64_t)i, in->period, period);
            s_percent(insp, users, pct);
            if (in->mode == LPG_REPORT_CSV) {
                char nu[24], ni[24];
                snprintf(nu, sizeof nu, "%" PRIu64, users);
                snprintf(ni, sizeof ni, "%" PRIu64, insp);
                lpg_report_csv_field(in->out, tb->areas[a], false);
                lpg_report_csv_field(in->out, period, false);
                lpg_report_csv_field(in->out, nu, false);
                lpg_report_csv_field(in->out, ni, false);
                lpg_report_csv_field(in->out, pct, true);
            } else if (in->mode == LPG_REPORT_JSON) {
                json_t *o = json_object();
                if (!o) {
                    rc = LPG_ENOMEM;
                    break;
                }
                json_object_set_new(o, "area", json_string(tb->areas[a]));
                json_object_set_new(o, "period", json_string(period));
                json_object_set_new(o, "users",
                                    json_integer((json_int_t)users));
                json_object_set_new(o, "inspected",
                                    json_integer((json_int_t)insp));
                json_object_set_new(o, "percent",
                                    json_real(strtod(pct, NULL)));
                if (json_array_append_new(list, o) != 0)
                    rc = LPG_ENOMEM;
            } else {
                const char **c = cells + (row + 1) * 5;
                snprintf(text[row][0], 32, "%s", period);
                snprintf(text[row][1], 32, "%" PRIu64, users);
                snprintf(text[row][2], 32, "%" PRIu64, insp);
                c[0] = tb->areas[a];
                c[1] = text[row][0];
                c[2] = text[row][1];
                c[3] = text[row][2];
                snprintf(text[row][3], 32, "%s", pct);
                c[4] = text[row][3];
            }
        }
    }
    if (rc == LPG_OK && list) {
        /* 15 significant digits print a one-decimal percent as written */
        static const char *periods[] = {"month", "quarter", "year"};
        rc = lpg_report_json(in->out, "coverage", in->today,
                             json_pack("{s:s}", "period", periods[in->period]),
                             list, JSON_REAL_PRECISION(15));
        list = NULL;
    }
    if (rc == LPG_OK && cells) {
        if (nrows)
            lpg_report_table(in->out, cells, nrows + 1, 5);
        else
            fprintf(in->out, "  no users registered by then\n");
        fprintf(in->out, "\n%zu area%s, %zu period%s\n", tb->nareas,
                tb->nareas == 1 ? "" : "s", tb->nperiods,
                tb->nperiods == 1 ? "" : "s");
    }
    free(cells);
    free(text);
    json_decref(list);
    return rc;
}

int
lpg_report_coverage(const lpg_report_in_t *in)
{
    s_users_t us = {.in = in};
    s_table_t tb = {0};
    s_seen_t seen = {.in = in};
    int rc = lpg_txn_foreach(in->t, LPG_TABLE_USERS, s_on_user, &us);
    if (rc != LPG_OK)
        goto cleanup;
    /* every area with a user, sorted, once */
    tb.areas = malloc((us.n ? us.n : 1) * sizeof *tb.areas);
    if (!tb.areas) {
        rc = LPG_ENOMEM;
        goto cleanup;
    }
    uint32_t earliest = 0;
    for (size_t i = 0; i < us.n; i++) {
        tb.areas[i] = us.users[i].area;
        if (!earliest || us.users[i].registered < earliest)
            earliest = us.users[i].registered;
    }
    if (us.n > 1)
        qsort(tb.areas, us.n, sizeof *tb.areas, s_str_cmp);
    for (size_t i = 0; i < us.n; i++)
        if (tb.nareas == 0 || strcmp(tb.areas[tb.nareas - 1], tb.areas[i]))
            tb.areas[tb.nareas++] = tb.areas[i];
    /* periods from the first registration's to today's */
    tb.first = earliest ? s_period_of(earliest, in->period) : 0;
    tb.last = s_period_of(in->today, in->period);
    if (!earliest || tb.first > tb.last)
        tb.nareas = 0;
    else
        tb.nperiods = (size_t)(tb.last - tb.first + 1);
    size_t cells = tb.nareas * tb.nperiods;
    tb.users = calloc(cells ? cells : 1, sizeof *tb.users);
    tb.inspected = calloc(cells ? cells : 1, sizeof *tb.inspected);
    if (!tb.users || !tb.inspected) {
        rc = LPG_ENOMEM;
        goto cleanup;
    }
    for (size_t i = 0; cells && rc == LPG_OK && i < us.n; i++)
        rc = s_count_user(in, &tb, &us.users[i], &seen);
    if (rc == LPG_OK)
        rc = s_print(in, &tb);

cleanup:
    for (size_t i = 0; i < us.n; i++) {
        free(us.users[i].id);
        free(us.users[i].area);
    }
    free(us.users);
    free(tb.areas);
    free(tb.users);
    free(tb.inspected);
    free(seen.p);
    return rc;
}
