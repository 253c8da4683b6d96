/*  orders.c - the orders report (`lpgtrace report orders`): the ordering platform by
 *  company and day (lib/domain/order.h).
 *
 *  One row per company and local day (time.zone) on which an order was
 *  placed or a delivery was recorded without one: the orders placed that
 *  day (refused up front included), how many of them are delivered,
 *  cancelled, refused and still open, the open ones not fulfilled (their
 *  slot ended before the cut-off: now if --today is today, else the end
 *  of --today; an order with no slot is never overdue), the time from an
 *  order placed to its delivered event (device times; p50 and p90 by
 *  nearest rank, in whole seconds, "-" when none was delivered), the
 *  refused orders by reason, and the deliveries recorded that day
 *  without an order (NO_ORDER, by the handheld's company), and the
 *  cylinders asked for by the orders not refused against those handed
 *  over at the door on them (OrderState.handed_seq). An order
 *  refused up front counts each of its reasons' tokens; one the company
 *  declined later counts as REFUSED_BY_COMPANY.
 *
 *  Readings: the refused reasons are "TOKEN=N" joined with spaces, in
 *  token order ("-" if none) in CSV and plain, an object in JSON; the
 *  JSON head also has "totals", the same fields over every row.
 */
#include "base/clock.h"
#include "base/error.h"
#include "domain/order.h"
#include "domain/reasons.h"
#include "domain/state.h"
#include "ledger/event.h"
#include "ledger/ledger.h"
#include "report/report.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_NCOLS 14 /* company, day, the numbers */
#define S_NBUFS 12 /* the cells printed into a buffer */

typedef struct {
    char *token;
    uint64_t n;
} s_reason_t;

typedef struct {
    char *company;
    uint32_t day; /* YYYYMMDD local; 0 in the totals */
    uint64_t orders, delivered, cancelled, refused, open, not_fulfilled;
    uint64_t no_order;
    uint64_t cylinders, handed; /* asked for by orders not refused, and
                                 * handed over at the door on them */
    uint64_t *waits;            /* ms from placed to delivered */
    size_t n_waits, cap_waits;
    s_reason_t *reasons;
    size_t n_reasons, cap_reasons;
} s_row_t;

typedef struct {
    const lpg_report_in_t *in;
    uint64_t cutoff_ms;
    s_row_t *rows;
    size_t n, cap;
    s_row_t total;
} s_orders_t;

static void
s_row_clear(s_row_t *r)
{
    free(r->company);
    free(r->waits);
    for (size_t i = 0; i < r->n_reasons; i++)
        free(r->reasons[i].token);
    free(r->reasons);
}

static s_row_t *
s_row(s_orders_t *o, const char *company, uint32_t day)
{
    for (size_t i = 0; i < o->n; i++)
        if (o->rows[i].day == day && strcmp(o->rows[i].company, company) == 0)
            return &o->rows[i];
    if (o->n == o->cap) {
        size_t cap = o->cap ? o->cap * 2 : 16;
        s_row_t *p = realloc(o->rows, cap * sizeof *p);
        if (!p)
            return NULL;
        o->rows = p;
        o->cap = cap;
    }
    s_row_t *r = &o->rows[o->n];
    memset(r, 0, sizeof *r);
    r->company = strdup(company);
    if (!r->company)
        return NULL;
    r->day = day;
    o->n++;
    return r;
}

static int
s_wait(s_row_t *r, uint64_t ms)
{
    if (r->n_waits == r->cap_waits) {
        size_t cap = r->cap_waits ? r->cap_waits * 2 : 8;
        uint64_t *p = realloc(r->waits, cap * sizeof *p);
        if (!p)
            return LPG_ENOMEM;
        r->waits = p;
        r->cap_waits = cap;
    }
    r->waits[r->n_waits++] = ms;
    return LPG_OK;
}

static int
s_reason(s_row_t *r, const char *token, size_t len)
{
    for (size_t i = 0; i < r->n_reasons; i++)
        if (strlen(r->reasons[i].token) == len &&
            memcmp(r->reasons[i].token, token, len) == 0) {
            r->reasons[i].n++;
            return LPG_OK;
        }
    if (r->n_reasons == r->cap_reasons) {
        size_t cap = r->cap_reasons ? r->cap_reasons * 2 : 8;
        s_reason_t *p = realloc(r->reasons, cap * sizeof *p);
        if (!p)
            return LPG_ENOMEM;
        r->reasons = p;
        r->cap_reasons = cap;
    }
    char *t = strndup(token, len);
    if (!t)
        return LPG_ENOMEM;
    r->reasons[r->n_reasons].token = t;
    r->reasons[r->n_reasons].n = 1;
    r->n_reasons++;
    return LPG_OK;
}

/*  Every refused reason of o into r: the tokens lpg-orderd recorded when
 *  it refused the order up front, else REFUSED_BY_COMPANY. */
static int
s_reasons(s_row_t *r, const Lpg__OrderState *o)
{
    if (o->status_seq != o->placed_seq || !o->reason || !*o->reason)
        return s_reason(r, "REFUSED_BY_COMPANY", 18);
    int rc = LPG_OK;
    for (const char *s = o->reason; rc == LPG_OK && *s;) {
        size_t len = strcspn(s, " ");
        if (len)
            rc = s_reason(r, s, len);
        s += len;
        s += strspn(s, " ");
    }
    return rc;
}

/*  One order into its row and the totals. */
static int
s_count(s_orders_t *o, s_row_t *r, const Lpg__OrderState *st)
{
    r->orders++;
    if (st->status != LPG__ORDER_STATUS__ORDER_REFUSED)
        r->cylinders += st->place->count;
    r->handed += st->n_handed_seq;
    switch (st->status) {
    case LPG__ORDER_STATUS__ORDER_DELIVERED:
        r->delivered++;
        if (st->has_delivered_ms && st->delivered_ms >= st->placed_ms)
            return s_wait(r, st->delivered_ms - st->placed_ms);
        return LPG_OK;
    case LPG__ORDER_STATUS__ORDER_CANCELLED:
        r->cancelled++;
        return LPG_OK;
    case LPG__ORDER_STATUS__ORDER_REFUSED:
        r->refused++;
        return s_reasons(r, st);
    default:
        r->open++;
        if (st->place->slot_to_ms && st->place->slot_to_ms < o->cutoff_ms)
            r->not_fulfilled++;
        return LPG_OK;
    }
}

static int
s_on_order(void *ctx, const void *key, size_t klen, const void *val,
           size_t vlen)
{
    s_orders_t *o = ctx;
    (void)key;
    (void)klen;
    Lpg__OrderState *st = lpg__order_state__unpack(NULL, vlen, val);
    if (!st)
        return LPG_EMALFORMED;
    uint32_t day = lpg_local_ymd(st->placed_ms, o->in->zone);
    s_row_t *r = s_row(o, st->company, day);
    int rc = r ? s_count(o, r, st) : LPG_ENOMEM;
    if (rc == LPG_OK)
        rc = s_count(o, &o->total, st);
    lpg__order_state__free_unpacked(st, NULL);
    return rc;
}

static bool
s_has_token(const Lpg__Outcome *oc, const char *token)
{
    for (size_t i = 0; oc && i < oc->n_reasons; i++)
        if (oc->reasons[i]->token && strcmp(oc->reasons[i]->token, token) == 0)
            return true;
    return false;
}

/*  The recorded deliveries without an order, by the company of the
 *  handheld that signed them. */
static int
s_no_order(s_orders_t *o)
{
    lpg_txn_t *t = o->in->t;
    const char *flag = lpg_reason_by_id(LPG_REASON_NO_ORDER)->token;
    uint64_t size = 0;
    int rc = lpg_txn_size(t, &size);
    lpg_txn_sequential(t, true); /* every entry, in order */
    for (uint64_t seq = 0; rc == LPG_OK && seq < size; seq++) {
        Lpg__LedgerEntry *e = NULL;
        lpg_event_t ev;
        rc = lpg_report_entry(t, seq, &e, &ev);
        if (rc != LPG_OK)
            break;
        const Lpg__Event *b = ev.event;
        if (b->body_case == LPG__EVENT__BODY_DELIVERY && e->outcome &&
            e->outcome->status == LPG__STATUS__STATUS_OK &&
            s_has_token(e->outcome, flag)) {
            Lpg__DeviceState *dev = NULL;
            const char *company = b->company;
            if ((!company || !*company) &&
                lpg_state_device(t, ev.signed_event->key_id.data, &dev) ==
                    LPG_OK)
                company = dev->company;
            s_row_t *r = s_row(o, company && *company ? company : "-",
                               lpg_local_ymd(b->device_time_ms, o->in->zone));
            if (!r)
                rc = LPG_ENOMEM;
            else {
                r->no_order++;
                o->total.no_order++;
            }
            if (dev)
                lpg__device_state__free_unpacked(dev, NULL);
        }
        lpg_event_clear(&ev);
        lpg__ledger_entry__free_unpacked(e, NULL);
    }
    lpg_txn_sequential(t, false);
    return rc;
}

/* ---- output ----------------------------------------------------------- */

static int
s_u64_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int
s_reason_cmp(const void *a, const void *b)
{
    return strcmp(((const s_reason_t *)a)->token,
                  ((const s_reason_t *)b)->token);
}

static int
s_row_cmp(const void *a, const void *b)
{
    const s_row_t *x = a, *y = b;
    int c = strcmp(x->company, y->company);
    return c ? c : x->day < y->day ? -1 : x->day > y->day;
}

/*  The p-th percentile (nearest rank) of the sorted waits in seconds,
 *  as text ("-" if none). */
static void
s_pct(const s_row_t *r, unsigned p, char out[24])
{
    if (!r->n_waits) {
        snprintf(out, 24, "-");
        return;
    }
    size_t rank = (r->n_waits * p + 99) / 100;
    if (rank < 1)
        rank = 1;
    snprintf(out, 24, "%" PRIu64, r->waits[rank - 1] / 1000);
}

/*  "TOKEN=N TOKEN=N" (caller frees), "-" if none. */
static char *
s_reason_text(const s_row_t *r)
{
    size_t len = 2;
    for (size_t i = 0; i < r->n_reasons; i++)
        len += strlen(r->reasons[i].token) + 24;
    char *s = malloc(len);
    if (!s)
        return NULL;
    size_t at = 0;
    s[0] = '\0';
    for (size_t i = 0; i < r->n_reasons; i++)
        at += (size_t)snprintf(s + at, len - at, "%s%s=%" PRIu64, i ? " " : "",
                               r->reasons[i].token, r->reasons[i].n);
    if (!r->n_reasons)
        snprintf(s, len, "-");
    return s;
}

static void
s_day(uint32_t ymd, char out[11])
{
    snprintf(out, 11, "%04u-%02u-%02u", ymd / 10000 % 10000, ymd / 100 % 100,
             ymd % 100);
}

static json_t *
s_row_json(const s_row_t *r)
{
    json_t *o = json_object();
    json_t *reasons = json_object();
    if (!o || !reasons) {
        json_decref(o);
        json_decref(reasons);
        return NULL;
    }
    char day[11], p50[24], p90[24];
    if (r->company) {
        s_day(r->day, day);
        json_object_set_new(o, "company", json_string(r->company));
        json_object_set_new(o, "day", json_string(day));
    }
    s_pct(r, 50, p50);
    s_pct(r, 90, p90);
    json_object_set_new(o, "orders", json_integer((json_int_t)r->orders));
    json_object_set_new(o, "delivered",
                        json_integer((json_int_t)r->delivered));
    json_object_set_new(o, "cancelled",
                        json_integer((json_int_t)r->cancelled));
    json_object_set_new(o, "refused", json_integer((json_int_t)r->refused));
    json_object_set_new(o, "open", json_integer((json_int_t)r->open));
    json_object_set_new(o, "not_fulfilled",
                        json_integer((json_int_t)r->not_fulfilled));
    json_object_set_new(o, "p50_s",
                        r->n_waits ? json_integer(atoll(p50)) : json_null());
    json_object_set_new(o, "p90_s",
                        r->n_waits ? json_integer(atoll(p90)) : json_null());
    for (size_t i = 0; i < r->n_reasons; i++)
        json_object_set_new(reasons, r->reasons[i].token,
                            json_integer((json_int_t)r->reasons[i].n));
    json_object_set_new(o, "refused_reasons", reasons);
    json_object_set_new(o, "no_order", json_integer((json_int_t)r->no_order));
    json_object_set_new(o, "cylinders",
                        json_integer((json_int_t)r->cylinders));
    json_object_set_new(o, "handed", json_integer((json_int_t)r->handed));
    return o;
}

/*  The cells of one row (company, day, then the numbers), into bufs. */
static void
s_cells(const s_row_t *r, char bufs[S_NBUFS][24], const char *cells[S_NCOLS],
        char *reasons)
{
    uint64_t nums[] = {r->orders,  r->delivered, r->cancelled,
                       r->refused, r->open,      r->not_fulfilled};
    cells[0] = r->company ? r->company : "all";
    if (r->company)
        s_day(r->day, bufs[0]);
    else
        snprintf(bufs[0], 24, "-");
    cells[1] = bufs[0];
    for (size_t i = 0; i < 6; i++) {
        snprintf(bufs[i + 1], 24, "%" PRIu64, nums[i]);
        cells[i + 2] = bufs[i + 1];
    }
    s_pct(r, 50, bufs[7]);
    s_pct(r, 90, bufs[8]);
    snprintf(bufs[9], 24, "%" PRIu64, r->no_order);
    cells[8] = bufs[7];
    cells[9] = bufs[8];
    cells[10] = reasons;
    cells[11] = bufs[9];
    snprintf(bufs[10], 24, "%" PRIu64, r->cylinders);
    snprintf(bufs[11], 24, "%" PRIu64, r->handed);
    cells[12] = bufs[10];
    cells[13] = bufs[11];
}

static const char *const s_head[S_NCOLS] = {
    "company",         "day",      "orders",        "delivered", "cancelled",
    "refused",         "open",     "not_fulfilled", "p50_s",     "p90_s",
    "refused_reasons", "no_order", "cylinders",     "handed"};

static int
s_print(s_orders_t *o)
{
    const lpg_report_in_t *in = o->in;
    if (in->mode == LPG_REPORT_JSON) {
        json_t *rows = json_array(), *head = json_object();
        json_t *total = s_row_json(&o->total);
        int rc = rows && head && total ? LPG_OK : LPG_ENOMEM;
        for (size_t i = 0; rc == LPG_OK && i < o->n; i++) {
            json_t *r = s_row_json(&o->rows[i]);
            if (!r || json_array_append_new(rows, r) != 0)
                rc = LPG_ENOMEM;
        }
        if (rc != LPG_OK) {
            json_decref(rows);
            json_decref(head);
            json_decref(total);
            return rc;
        }
        json_object_set_new(head, "totals", total);
        return lpg_report_json(in->out, "orders", in->today, head, rows, 0);
    }
    size_t n = o->n + (in->mode == LPG_REPORT_PLAIN ? 2 : 1);
    const char **cells = calloc(n * S_NCOLS, sizeof *cells);
    char(*bufs)[S_NBUFS][24] = calloc(n, sizeof *bufs);
    char **reasons = calloc(n, sizeof *reasons);
    int rc = cells && bufs && reasons ? LPG_OK : LPG_ENOMEM;
    if (rc == LPG_OK)
        memcpy(cells, s_head, sizeof s_head);
    for (size_t i = 1; rc == LPG_OK && i < n; i++) {
        const s_row_t *r = i <= o->n ? &o->rows[i - 1] : &o->total;
        reasons[i] = s_reason_text(r);
        if (!reasons[i])
            rc = LPG_ENOMEM;
        else
            s_cells(r, bufs[i], cells + i * S_NCOLS, reasons[i]);
    }
    if (rc == LPG_OK && in->mode == LPG_REPORT_CSV) {
        for (size_t i = 0; i < n; i++)
            for (size_t c = 0; c < S_NCOLS; c++)
                lpg_report_csv_field(in->out, cells[i * S_NCOLS + c],
                                     c == S_NCOLS - 1);
    } else if (rc == LPG_OK) {
        char today[11];
        s_day(in->today, today);
        fprintf(in->out, "orders by company and day, to %s (%s)\n\n", today,
                in->zone);
        lpg_report_table(in->out, cells, n, S_NCOLS);
        fprintf(in->out, "\n%zu rows\n", o->n);
    }
    for (size_t i = 0; reasons && i < n; i++)
        free(reasons[i]);
    free(reasons);
    free(bufs);
    free(cells);
    return rc;
}

/*  The cut-off for "not fulfilled": now when --today is today, else the
 *  end of --today. */
static int
s_cutoff(const lpg_report_in_t *in, uint64_t *out)
{
    uint64_t now = lpg_clock_now_ms();
    if (lpg_local_ymd(now, in->zone) == in->today) {
        *out = now;
        return LPG_OK;
    }
    char next[11];
    uint32_t day = lpg_ymd_add_days(in->today, 1);
    s_day(day, next);
    if (!day || !lpg_report_zone_ms(in->zone, next, out))
        return LPG_EINVAL;
    return LPG_OK;
}

int
lpg_report_orders(const lpg_report_in_t *in)
{
    s_orders_t o = {.in = in};
    int rc = s_cutoff(in, &o.cutoff_ms);
    if (rc == LPG_OK)
        rc = lpg_txn_foreach(in->t, LPG_TABLE_ORDERS, s_on_order, &o);
    if (rc == LPG_OK)
        rc = s_no_order(&o);
    if (rc == LPG_OK) {
        if (o.n > 1)
            qsort(o.rows, o.n, sizeof *o.rows, s_row_cmp);
        for (size_t i = 0; i <= o.n; i++) {
            s_row_t *r = i < o.n ? &o.rows[i] : &o.total;
            if (r->n_waits > 1)
                qsort(r->waits, r->n_waits, sizeof *r->waits, s_u64_cmp);
            if (r->n_reasons > 1)
                qsort(r->reasons, r->n_reasons, sizeof *r->reasons,
                      s_reason_cmp);
        }
        rc = s_print(&o);
    }
    for (size_t i = 0; i < o.n; i++)
        s_row_clear(&o.rows[i]);
    free(o.rows);
    s_row_clear(&o.total);
    return rc;
}
