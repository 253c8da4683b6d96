/*  report.c - the regulator's lists from a read transaction: refused
 *  (denied fill checks counted by station and reason), overdue
 *  (cylinders past their periodic inspection date), hazards (open
 *  household hazards past their deadline, or every open hazard of one
 *  user, due or not: what an inspector looks up before a visit); and
 *  the helpers every report shares (times in the zone, CSV fields, the
 *  table, the JSON document, one entry decoded).
 */
#include "report/report.h"
#include "base/clock.h"
#include "base/csv.h"
#include "base/error.h"
#include "domain/state.h"
#include "domain/words.h"
#include "ledger/event.h"
#include "ledger/ledger.h"

#include <assert.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    lpg_txn_t *t;
    lpg_report_mode_t mode;
    uint32_t today;
    const char *user; /* hazards --user: this user's open hazards */
    FILE *out;
    json_t *list; /* LPG_REPORT_JSON: the rows */
    size_t n;     /* rows listed */
} s_report_t;

static void
s_ymd_text(uint32_t ymd, char out[11])
{
    snprintf(out, 11, "%04u-%02u-%02u", ymd / 10000 % 10000, ymd / 100 % 100,
             ymd % 100);
}

/* ---- refused ---------------------------------------------------------- */

typedef struct {
    char *site;
    char *token;
    uint64_t count;
} s_count_t;

typedef struct {
    s_count_t *rows;
    size_t n, cap;
    uint64_t checks; /* denied fill checks */
} s_refused_t;

static int
s_count(s_refused_t *r, const char *site, const char *token)
{
    for (size_t i = 0; i < r->n; i++) {
        if (strcmp(r->rows[i].site, site) == 0 &&
            strcmp(r->rows[i].token, token) == 0) {
            r->rows[i].count++;
            return LPG_OK;
        }
    }
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 32;
        s_count_t *p = realloc(r->rows, cap * sizeof *p);
        if (!p)
            return LPG_ENOMEM;
        r->rows = p;
        r->cap = cap;
    }
    s_count_t *c = &r->rows[r->n];
    c->site = strdup(site);
    c->token = strdup(token);
    c->count = 1;
    if (!c->site || !c->token) {
        free(c->site);
        free(c->token);
        return LPG_ENOMEM;
    }
    r->n++;
    return LPG_OK;
}

static int
s_count_cmp(const void *a, const void *b)
{
    const s_count_t *x = a, *y = b;
    int c = strcmp(x->site, y->site);
    return c ? c : strcmp(x->token, y->token);
}

static int
s_refused(s_report_t *rep)
{
    s_refused_t r = {0};
    uint64_t size = 0;
    int rc = lpg_txn_size(rep->t, &size);
    lpg_txn_sequential(rep->t, true); /* every entry, in order */
    for (uint64_t seq = 0; rc == LPG_OK && seq < size; seq++) {
        Lpg__LedgerEntry *e = NULL;
        lpg_event_t ev;
        rc = lpg_report_entry(rep->t, seq, &e, &ev);
        if (rc != LPG_OK)
            break;
        const Lpg__Event *b = ev.event;
        if (b->body_case == LPG__EVENT__BODY_FILL_CHECK && e->outcome &&
            e->outcome->status == LPG__STATUS__STATUS_DENIED) {
            const char *site = b->site && *b->site ? b->site : "-";
            r.checks++;
            for (size_t i = 0; rc == LPG_OK && i < e->outcome->n_reasons; i++)
                rc = s_count(&r, site, e->outcome->reasons[i]->token);
            if (rc == LPG_OK && e->outcome->n_reasons == 0)
                rc = s_count(&r, site, "UNSPECIFIED");
        }
        lpg_event_clear(&ev);
        lpg__ledger_entry__free_unpacked(e, NULL);
    }
    lpg_txn_sequential(rep->t, false);
    if (rc == LPG_OK) {
        if (r.n > 1)
            qsort(r.rows, r.n, sizeof *r.rows, s_count_cmp);
        if (rep->mode == LPG_REPORT_CSV)
            fprintf(rep->out, "site,reason,count\n");
        else if (rep->mode == LPG_REPORT_PLAIN)
            fprintf(rep->out,
                    "refused fill checks: %" PRIu64 "\n\n%-16s %-28s %s\n",
                    r.checks, "station", "reason", "count");
        for (size_t i = 0; i < r.n; i++) {
            const s_count_t *c = &r.rows[i];
            char num[24];
            snprintf(num, sizeof num, "%" PRIu64, c->count);
            if (rep->mode == LPG_REPORT_CSV) {
                lpg_report_csv_field(rep->out, c->site, false);
                lpg_report_csv_field(rep->out, c->token, false);
                lpg_report_csv_field(rep->out, num, true);
            } else if (rep->mode == LPG_REPORT_PLAIN)
                fprintf(rep->out, "%-16s %-28s %s\n", c->site, c->token, num);
            else {
                json_t *o = json_object();
                json_object_set_new(o, "site", json_string(c->site));
                json_object_set_new(o, "reason", json_string(c->token));
                json_object_set_new(o, "count",
                                    json_integer((json_int_t)c->count));
                json_array_append_new(rep->list, o);
            }
        }
        rep->n = (size_t)r.checks;
    }
    for (size_t i = 0; i < r.n; i++) {
        free(r.rows[i].site);
        free(r.rows[i].token);
    }
    free(r.rows);
    return rc;
}

/* ---- overdue ---------------------------------------------------------- */

static int
s_on_cylinder(void *ctx, const void *key, size_t klen, const void *val,
              size_t vlen)
{
    s_report_t *rep = ctx;
    Lpg__CylinderState *c = lpg__cylinder_state__unpack(NULL, vlen, val);
    if (!c)
        return LPG_EMALFORMED;
    /* the registration (apart: state.h) only where the record lacks a
     * date, and for the rows listed */
    int rc = c->has_next_inspection_ymd ? LPG_OK
                                        : lpg_state_cylinder_reg(rep->t, c);
    uint32_t next = c->has_next_inspection_ymd ? c->next_inspection_ymd
                    : c->reg && c->reg->has_next_inspection_ymd
                        ? c->reg->next_inspection_ymd
                        : 0;
    Lpg__CylinderStatus st =
        c->has_status ? c->status : LPG__CYLINDER_STATUS__CYL_IN_SERVICE;
    bool overdue =
        next && next < rep->today && st != LPG__CYLINDER_STATUS__CYL_SCRAPPED;
    if (rc == LPG_OK && overdue)
        rc = lpg_state_cylinder_reg(rep->t, c);
    if (rc != LPG_OK) {
        lpg__cylinder_state__free_unpacked(c, NULL);
        return rc;
    }
    if (overdue) {
        char due[11];
        s_ymd_text(next, due);
        Lpg__Custody cu = c->has_custody
                              ? c->custody
                              : LPG__CUSTODY__CUSTODY_EMPTY_AT_STATION;
        const char *custody =
            lpg_report_enum_name(&lpg__custody__descriptor, (int)cu);
        const char *status =
            lpg_report_enum_name(&lpg__cylinder_status__descriptor, st);
        rep->n++;
        if (rep->mode == LPG_REPORT_CSV) {
            lpg_report_csv_field(rep->out, c->grai, false);
            lpg_report_csv_field(rep->out, c->reg->serial, false);
            lpg_report_csv_field(rep->out, c->reg->owner, false);
            lpg_report_csv_field(rep->out, due, false);
            lpg_report_csv_field(rep->out, custody, false);
            lpg_report_csv_field(rep->out, c->holder, false);
            lpg_report_csv_field(rep->out, c->last_site, false);
            lpg_report_csv_field(rep->out, status, true);
        } else if (rep->mode == LPG_REPORT_PLAIN) {
            fprintf(rep->out, "%s  serial %s  due %s  %s%s%s%s%s%s\n", c->grai,
                    c->reg->serial, due, lpg_custody_words(cu, NULL),
                    c->holder ? " (" : "", c->holder ? c->holder : "",
                    c->holder ? ")" : "", c->last_site ? ", last at " : "",
                    c->last_site ? c->last_site : "");
        } else {
            json_t *o = json_object();
            json_object_set_new(o, "cylinder", json_string(c->grai));
            json_object_set_new(o, "serial", json_string(c->reg->serial));
            json_object_set_new(o, "owner", json_string(c->reg->owner));
            json_object_set_new(o, "next_inspection", json_string(due));
            json_object_set_new(o, "custody", json_string(custody));
            json_object_set_new(
                o, "holder", c->holder ? json_string(c->holder) : json_null());
            json_object_set_new(o, "last_site",
                                c->last_site ? json_string(c->last_site)
                                             : json_null());
            json_object_set_new(o, "status", json_string(status));
            json_array_append_new(rep->list, o);
        }
    }
    lpg__cylinder_state__free_unpacked(c, NULL);
    (void)key;
    (void)klen;
    return LPG_OK;
}

static int
s_overdue(s_report_t *rep)
{
    if (rep->mode == LPG_REPORT_CSV)
        fprintf(rep->out,
                "cylinder,serial,owner,next_inspection,custody,holder,"
                "last_site,status\n");
    return lpg_txn_foreach(rep->t, LPG_TABLE_CYLINDERS, s_on_cylinder, rep);
}

/* ---- hazards ---------------------------------------------------------- */

static int
s_on_hazard(void *ctx, const void *key, size_t klen, const void *val,
            size_t vlen)
{
    s_report_t *rep = ctx;
    if (klen < 7 || memcmp(key, "hazard/", 7) != 0)
        return LPG_OK;
    Lpg__HazardState *h = lpg__hazard_state__unpack(NULL, vlen, val);
    if (!h)
        return LPG_EMALFORMED;
    bool listed = rep->user ? strcmp(h->user, rep->user) == 0
                            : rep->today > h->deadline_ymd;
    if (!h->has_rectified_seq && listed) {
        char *id = strndup(key, klen);
        if (!id) {
            lpg__hazard_state__free_unpacked(h, NULL);
            return LPG_ENOMEM;
        }
        char due[11];
        s_ymd_text(h->deadline_ymd, due);
        const char *sev = h->major ? "major" : "minor";
        bool esc = h->has_escalated_seq;
        rep->n++;
        if (rep->mode == LPG_REPORT_CSV) {
            lpg_report_csv_field(rep->out, id, false);
            lpg_report_csv_field(rep->out, h->user, false);
            lpg_report_csv_field(rep->out, h->item, false);
            lpg_report_csv_field(rep->out, sev, false);
            lpg_report_csv_field(rep->out, due, false);
            lpg_report_csv_field(rep->out, esc ? "yes" : "no", false);
            lpg_report_csv_field(rep->out, esc ? h->escalated_to : "", true);
        } else if (rep->mode == LPG_REPORT_PLAIN) {
            fprintf(rep->out, "%-8s %-16s %-6s due %s  %s%s\n    %s\n",
                    h->user, h->item, sev, due,
                    esc ? "escalated to " : "not escalated",
                    esc && h->escalated_to ? h->escalated_to : "", id);
        } else {
            json_t *o = json_object();
            json_object_set_new(o, "hazard", json_string(id));
            json_object_set_new(o, "user", json_string(h->user));
            json_object_set_new(o, "item", json_string(h->item));
            json_object_set_new(o, "severity", json_string(sev));
            json_object_set_new(o, "deadline", json_string(due));
            json_object_set_new(o, "escalated", json_boolean(esc));
            json_object_set_new(o, "escalated_to",
                                esc && h->escalated_to
                                    ? json_string(h->escalated_to)
                                    : json_null());
            json_array_append_new(rep->list, o);
        }
        free(id);
    }
    lpg__hazard_state__free_unpacked(h, NULL);
    return LPG_OK;
}

static int
s_hazards(s_report_t *rep)
{
    if (rep->mode == LPG_REPORT_CSV)
        fprintf(rep->out, "hazard,user,item,severity,deadline,escalated,"
                          "escalated_to\n");
    return lpg_txn_foreach(rep->t, LPG_TABLE_HAZARDS, s_on_hazard, rep);
}

/* ---- shared with report_*.c ------------------------------------------ */

/*  Characters in a UTF-8 string (continuation bytes not counted). */
static size_t
s_width(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

void
lpg_report_table(FILE *out, const char *const *cells, size_t rows, size_t cols)
{
    size_t width[16] = {0};
    assert(cols <= sizeof width / sizeof width[0]);
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < cols; c++) {
            size_t w = s_width(cells[r * cols + c]);
            if (w > width[c])
                width[c] = w;
        }
    for (size_t r = 0; r < rows; r++) {
        fputs(" ", out);
        for (size_t c = 0; c < cols; c++) {
            const char *cell = cells[r * cols + c];
            fputs(" ", out);
            fputs(cell, out);
            if (c + 1 < cols)
                for (size_t w = s_width(cell); w <= width[c]; w++)
                    fputc(' ', out);
        }
        fputc('\n', out);
    }
}

int
lpg_report_json(FILE *out, const char *title, uint32_t today, json_t *head,
                json_t *rows, size_t flags)
{
    char day[11];
    s_ymd_text(today, day);
    json_t *doc = json_object();
    if (doc) {
        json_object_set_new(doc, "report", json_string(title));
        json_object_set_new(doc, "today", json_string(day));
        if (head)
            json_object_update(doc, head);
        json_object_set_new(doc, "rows", rows);
    } else
        json_decref(rows);
    json_decref(head);
    char *text = doc ? json_dumps(doc, JSON_INDENT(2) | flags) : NULL;
    if (text) {
        fputs(text, out);
        fputc('\n', out);
    }
    free(text);
    json_decref(doc);
    return text ? LPG_OK : LPG_ENOMEM;
}

void
lpg_report_time(const char *zone, uint64_t ms, char out[32])
{
    lpg_report_zone_time(zone, ms, out, 32);
    if (strlen(out) == 19 && out[10] == 'T')
        out[10] = ' ';
}

/* ---- running one of the three ----------------------------------- */

static int
s_run(const lpg_report_in_t *in, int (*fn)(s_report_t *), const char *title)
{
    s_report_t rep = {.t = in->t,
                      .mode = in->mode,
                      .today = in->today,
                      .user = in->user,
                      .out = in->out};
    if (rep.mode == LPG_REPORT_JSON)
        rep.list = json_array();
    char today[11];
    s_ymd_text(rep.today, today);
    if (rep.mode == LPG_REPORT_PLAIN && rep.user)
        fprintf(rep.out, "open hazards of %s on %s\n\n", rep.user, today);
    else if (rep.mode == LPG_REPORT_PLAIN && fn != s_refused)
        fprintf(rep.out, "%s on %s\n\n", title, today);
    int rc = rep.mode == LPG_REPORT_JSON && !rep.list ? LPG_ENOMEM : LPG_OK;
    if (rc == LPG_OK)
        rc = fn(&rep);
    if (rc == LPG_OK && rep.mode == LPG_REPORT_PLAIN && fn != s_refused)
        fprintf(rep.out, "\n%zu listed\n", rep.n);
    if (rc == LPG_OK && rep.mode == LPG_REPORT_JSON) {
        json_t *head = json_object();
        if (rep.user)
            json_object_set_new(head, "user", json_string(rep.user));
        if (fn == s_refused)
            json_object_set_new(head, "denied_checks",
                                json_integer((json_int_t)rep.n));
        rc = lpg_report_json(rep.out, title, rep.today, head, rep.list, 0);
        rep.list = NULL;
    }
    json_decref(rep.list);
    return rc;
}

int
lpg_report_refused(const lpg_report_in_t *in)
{
    return s_run(in, s_refused, "refused");
}

int
lpg_report_overdue(const lpg_report_in_t *in)
{
    return s_run(in, s_overdue, "overdue");
}

int
lpg_report_hazards(const lpg_report_in_t *in)
{
    return s_run(in, s_hazards, "hazards");
}

/* ---- helpers ------------------------------------------------------ */

bool
lpg_report_date(const char *s, uint32_t *out)
{
    unsigned y, m, d;
    char tail;
    if (sscanf(s, "%4u-%2u-%2u%c", &y, &m, &d, &tail) == 3 ||
        (strlen(s) == 8 && sscanf(s, "%4u%2u%2u%c", &y, &m, &d, &tail) == 3)) {
        static const unsigned days[] = {31, 28, 31, 30, 31, 30,
                                        31, 31, 30, 31, 30, 31};
        bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        if (y >= 1900 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 &&
            d <= days[m - 1] + (m == 2 && leap ? 1u : 0u)) {
            *out = y * 10000 + m * 100 + d;
            return true;
        }
    }
    return false;
}

bool
lpg_report_zone_ms(const char *zone, const char *text, uint64_t *out)
{
    char day[11];
    unsigned hh = 0, mm = 0;
    size_t n = strlen(text);
    if (n == 16 && text[10] == 'T') {
        char tail;
        if (sscanf(text + 11, "%2u:%2u%c", &hh, &mm, &tail) != 2 ||
            text[13] != ':' || hh > 23 || mm > 59)
            return false;
    } else if (n != 10)
        return false;
    memcpy(day, text, 10);
    day[10] = '\0';
    uint32_t ymd;
    if (!lpg_report_date(day, &ymd) || day[4] != '-')
        return false;
    lpg_civil_t c = {.year = (int)(ymd / 10000),
                     .month = (int)(ymd / 100 % 100),
                     .day = (int)(ymd % 100),
                     .hour = (int)hh,
                     .min = (int)mm};
    return lpg_clock_from_local(zone, &c, out) == LPG_OK;
}

void
lpg_report_zone_time(const char *zone, uint64_t ms, char *out, size_t outsz)
{
    lpg_civil_t c;
    if (lpg_clock_local(zone, ms, &c) != LPG_OK ||
        lpg_civil_text(&c, 'T', false, out, outsz) != LPG_OK)
        snprintf(out, outsz, "?");
}

void
lpg_report_csv_field(FILE *out, const char *s, bool last)
{
    (void)lpg_csv_write_cell(out, s, last); /* the stream's error: at close */
}

int
lpg_report_entry_if(lpg_txn_t *t, uint64_t seq, int kind,
                    Lpg__LedgerEntry **entry, lpg_event_t *ev, bool *decoded)
{
    *decoded = false;
    const uint8_t *data;
    size_t len;
    int rc = lpg_txn_entry(t, seq, &data, &len);
    if (rc != LPG_OK)
        return rc;
    return lpg_report_bytes_if(data, len, kind, entry, ev, decoded);
}

int
lpg_report_bytes_if(const uint8_t *data, size_t len, int kind,
                    Lpg__LedgerEntry **entry, lpg_event_t *ev, bool *decoded)
{
    *decoded = false;
    Lpg__LedgerEntry *e = lpg__ledger_entry__unpack(NULL, len, data);
    if (!e)
        return LPG_EMALFORMED;
    int rc = LPG_OK, body = LPG__EVENT__BODY__NOT_SET;
    if (kind != LPG__EVENT__BODY__NOT_SET)
        rc = lpg_event_peek_body(e->signed_event.data, e->signed_event.len,
                                 &body);
    if (rc == LPG_OK && body == kind)
        rc = lpg_event_decode(ev, e->signed_event.data, e->signed_event.len,
                              NULL, 0);
    if (rc != LPG_OK) {
        lpg__ledger_entry__free_unpacked(e, NULL);
        return rc;
    }
    *decoded = body == kind;
    *entry = e;
    return LPG_OK;
}

int
lpg_report_entry(lpg_txn_t *t, uint64_t seq, Lpg__LedgerEntry **entry,
                 lpg_event_t *ev)
{
    bool decoded;
    return lpg_report_entry_if(t, seq, LPG__EVENT__BODY__NOT_SET, entry, ev,
                               &decoded);
}

const char *
lpg_report_enum_name(const ProtobufCEnumDescriptor *d, int value)
{
    const ProtobufCEnumValue *v =
        protobuf_c_enum_descriptor_get_value(d, value);
    return v ? v->name : "?";
}
bool
lpg_report_accepted(const Lpg__LedgerEntry *e)
{
    return !e->outcome || e->outcome->status == LPG__STATUS__STATUS_OK;
}
