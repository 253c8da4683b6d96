/*  cmd_recall.c - lpgtrace recall --site S --from T1 --to T2 [--csv]: for
 *  a recall of one station's gas, every cylinder it filled in [T1, T2),
 *  each household that received it after that fill, and where it is now.
 *  Read from the local ledger (indexes by_site, by_cylinder and the state
 *  tables); also the time and entry helpers shared with cmd_report.c.
 */
#include "cli.h"
#include "base/clock.h"
#include "base/error.h"
#include "domain/words.h"
#include "ledger/event.h"
#include "ledger/ledger.h"
#include "base/csv.h"
#include "recall.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool
lpg_cli_zone_ms(const char *zone, const char *text, uint64_t *out)
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
    if (!lpg_cli_date(day, &ymd) || day[4] != '-')
        return false;
    lpg_civil_t c = {.year = (int)(ymd / 10000),
                     .month = (int)(ymd / 100 % 100),
                     .day = (int)(ymd % 100),
                     .hour = (int)hh,
                     .min = (int)mm};
    return lpg_clock_from_local(zone, &c, out) == LPG_OK;
}

void
lpg_cli_zone_time(const char *zone, uint64_t ms, char *out, size_t outsz)
{
    lpg_civil_t c;
    if (lpg_clock_local(zone, ms, &c) != LPG_OK ||
        lpg_civil_text(&c, 'T', false, out, outsz) != LPG_OK)
        snprintf(out, outsz, "?");
}

void
lpg_cli_csv_field(const char *s, bool last)
{
    (void)lpg_csv_write_cell(stdout, s, last); /* stdout's error: at exit */
}

int
lpg_cli_entry(lpg_txn_t *t, uint64_t seq, Lpg__LedgerEntry **entry,
              lpg_event_t *ev)
{
    const uint8_t *data;
    size_t len;
    int rc = lpg_txn_entry(t, seq, &data, &len);
    if (rc != LPG_OK)
        return rc;
    Lpg__LedgerEntry *e = lpg__ledger_entry__unpack(NULL, len, data);
    if (!e)
        return LPG_EMALFORMED;
    rc = lpg_event_decode(ev, e->signed_event.data, e->signed_event.len,
                          NULL, 0);
    if (rc != LPG_OK) {
        lpg__ledger_entry__free_unpacked(e, NULL);
        return rc;
    }
    *entry = e;
    return LPG_OK;
}

const char *
lpg_cli_enum_name(const ProtobufCEnumDescriptor *d, int value)
{
    const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(d,
                                                                       value);
    return v ? v->name : "?";
}

/*  One cylinder filled in the window: its first accepted fill there. */
typedef struct {
    char *grai;
    uint64_t seq;
    uint64_t ms;
} s_fill_t;

typedef struct {
    lpg_txn_t *t;
    uint64_t from, to;
    s_fill_t *fills;
    size_t n, cap;
} s_recall_t;

bool
lpg_cli_accepted(const Lpg__LedgerEntry *e)
{
    return !e->outcome || e->outcome->status == LPG__STATUS__STATUS_OK;
}

static int
s_on_site(void *ctx, uint64_t seq)
{
    s_recall_t *r = ctx;
    Lpg__LedgerEntry *e = NULL;
    lpg_event_t ev;
    int rc = lpg_cli_entry(r->t, seq, &e, &ev);
    if (rc != LPG_OK)
        return rc;
    const Lpg__Event *b = ev.event;
    if (b->body_case == LPG__EVENT__BODY_FILL_RECORD && lpg_cli_accepted(e) &&
        b->cylinder && b->device_time_ms >= r->from &&
        b->device_time_ms < r->to) {
        bool seen = false;
        for (size_t i = 0; i < r->n && !seen; i++)
            seen = strcmp(r->fills[i].grai, b->cylinder) == 0;
        if (!seen && r->n == r->cap) {
            size_t cap = r->cap ? r->cap * 2 : 16;
            s_fill_t *p = realloc(r->fills, cap * sizeof *p);
            if (!p)
                rc = LPG_ENOMEM;
            else {
                r->fills = p;
                r->cap = cap;
            }
        }
        if (!seen && rc == LPG_OK) {
            r->fills[r->n].grai = strdup(b->cylinder);
            r->fills[r->n].seq = seq;
            r->fills[r->n].ms = b->device_time_ms;
            if (r->fills[r->n].grai)
                r->n++;
            else
                rc = LPG_ENOMEM;
        }
    }
    lpg_event_clear(&ev);
    lpg__ledger_entry__free_unpacked(e, NULL);
    return rc;
}

/*  Where a recalled cylinder went and is. */
typedef struct {
    const char *zone;
    const char *mode; /* "plain", "json", "csv" */
    const s_fill_t *fill;
    const Lpg__CylinderState *cyl;
    json_t *households;
    size_t count;
} s_trail_t;

static void
s_now(const Lpg__CylinderState *c, const char **custody, const char **status)
{
    *custody = lpg_cli_enum_name(&lpg__custody__descriptor,
                                 c && c->has_custody
                                     ? c->custody
                                     : LPG__CUSTODY__CUSTODY_EMPTY_AT_STATION);
    *status = lpg_cli_enum_name(&lpg__cylinder_status__descriptor,
                                c && c->has_status
                                    ? c->status
                                    : LPG__CYLINDER_STATUS__CYL_IN_SERVICE);
}

static void
s_csv_row(s_trail_t *tr, const char *user, const char *name,
          const char *area, const char *at)
{
    char filled[32];
    lpg_cli_zone_time(tr->zone, tr->fill->ms, filled, sizeof filled);
    const char *custody, *status;
    s_now(tr->cyl, &custody, &status);
    const Lpg__CylinderState *c = tr->cyl;
    lpg_cli_csv_field(tr->fill->grai, false);
    lpg_cli_csv_field(c ? c->reg->serial : "", false);
    lpg_cli_csv_field(filled, false);
    lpg_cli_csv_field(user, false);
    lpg_cli_csv_field(name, false);
    lpg_cli_csv_field(area, false);
    lpg_cli_csv_field(at, false);
    lpg_cli_csv_field(custody, false);
    lpg_cli_csv_field(c ? c->holder : "", false);
    lpg_cli_csv_field(c ? c->last_site : "", false);
    lpg_cli_csv_field(status, true);
}

typedef struct {
    s_trail_t *tr;
    lpg_txn_t *t;
} s_walk_t;

static int
s_on_cylinder(void *ctx, uint64_t seq)
{
    s_walk_t *w = ctx;
    s_trail_t *tr = w->tr;
    if (seq <= tr->fill->seq)
        return LPG_OK;
    Lpg__LedgerEntry *e = NULL;
    lpg_event_t ev;
    int rc = lpg_cli_entry(w->t, seq, &e, &ev);
    if (rc != LPG_OK)
        return rc;
    const Lpg__Event *b = ev.event;
    if (b->body_case == LPG__EVENT__BODY_DELIVERY && lpg_cli_accepted(e) && b->user) {
        const void *v;
        size_t vlen;
        Lpg__UserState *u = NULL;
        if (lpg_txn_get(w->t, LPG_TABLE_USERS, b->user, strlen(b->user), &v,
                        &vlen) == LPG_OK)
            u = lpg__user_state__unpack(NULL, vlen, v);
        const char *name = u && u->add->masked_name ? u->add->masked_name : "";
        const char *area = u && u->add->area ? u->add->area : "";
        char at[32];
        lpg_cli_zone_time(tr->zone, b->device_time_ms, at, sizeof at);
        tr->count++;
        if (strcmp(tr->mode, "json") == 0) {
            json_t *o = json_object();
            json_object_set_new(o, "user", json_string(b->user));
            json_object_set_new(o, "name", json_string(name));
            json_object_set_new(o, "area", json_string(area));
            json_object_set_new(o, "delivered_at", json_string(at));
            json_object_set_new(o, "seq", json_integer((json_int_t)seq));
            json_array_append_new(tr->households, o);
        } else if (strcmp(tr->mode, "csv") == 0)
            s_csv_row(tr, b->user, name, area, at);
        else
            printf("    delivered %s  to %s %s%s%s\n", at, b->user, name,
                   *area ? "  area " : "", area);
        if (u)
            lpg__user_state__free_unpacked(u, NULL);
    }
    lpg_event_clear(&ev);
    lpg__ledger_entry__free_unpacked(e, NULL);
    return LPG_OK;
}

static int
s_report_one(lpg_txn_t *t, s_trail_t *tr, json_t *list)
{
    const s_fill_t *f = tr->fill;
    const void *v;
    size_t vlen;
    Lpg__CylinderState *c = NULL;
    if (lpg_txn_get(t, LPG_TABLE_CYLINDERS, f->grai, strlen(f->grai), &v,
                    &vlen) == LPG_OK)
        c = lpg__cylinder_state__unpack(NULL, vlen, v);
    tr->cyl = c;
    tr->count = 0;
    const char *custody, *status;
    s_now(c, &custody, &status);
    char filled[32];
    lpg_cli_zone_time(tr->zone, f->ms, filled, sizeof filled);
    if (strcmp(tr->mode, "plain") == 0) {
        printf("%s  serial %s  filled %s (entry %" PRIu64 ")\n", f->grai,
               c ? c->reg->serial : "?", filled, f->seq);
        printf("    now: %s%s%s%s, %s, last at %s\n",
               lpg_custody_words(c && c->has_custody
                                    ? c->custody
                                    : LPG__CUSTODY__CUSTODY_EMPTY_AT_STATION, NULL),
               c && c->holder ? " (" : "", c && c->holder ? c->holder : "",
               c && c->holder ? ")" : "",
               lpg_status_words(c && c->has_status
                                   ? c->status
                                   : LPG__CYLINDER_STATUS__CYL_IN_SERVICE, NULL),
               c && c->last_site ? c->last_site : "?");
    }
    tr->households = strcmp(tr->mode, "json") == 0 ? json_array() : NULL;
    s_walk_t w = {tr, t};
    int rc = lpg_txn_seqs(t, LPG_TABLE_BY_CYLINDER, f->grai, strlen(f->grai),
                          s_on_cylinder, &w);
    if (rc == LPG_OK && tr->count == 0) {
        if (strcmp(tr->mode, "csv") == 0)
            s_csv_row(tr, "", "", "", "");
        else if (strcmp(tr->mode, "plain") == 0)
            printf("    not delivered to any household since\n");
    }
    if (tr->households) {
        json_t *o = json_object();
        json_object_set_new(o, "cylinder", json_string(f->grai));
        json_object_set_new(o, "serial",
                            json_string(c ? c->reg->serial : ""));
        json_object_set_new(o, "filled_at", json_string(filled));
        json_object_set_new(o, "fill_seq", json_integer((json_int_t)f->seq));
        json_object_set_new(o, "households", tr->households);
        json_t *now = json_object();
        json_object_set_new(now, "custody", json_string(custody));
        json_object_set_new(now, "holder",
                            c && c->holder ? json_string(c->holder)
                                           : json_null());
        json_object_set_new(now, "last_site",
                            c && c->last_site ? json_string(c->last_site)
                                              : json_null());
        json_object_set_new(now, "status", json_string(status));
        json_object_set_new(o, "now", now);
        json_array_append_new(list, o);
        tr->households = NULL;
    }
    if (c)
        lpg__cylinder_state__free_unpacked(c, NULL);
    tr->cyl = NULL;
    return rc;
}

static int
s_usage(void)
{
    fprintf(stderr, "usage: lpgtrace recall --site S --from T1 --to T2 "
                    "[--json|--csv]\n"
                    "  T: YYYY-MM-DD or YYYY-MM-DDTHH:MM in time.zone; "
                    "fills with T1 <= time < T2\n");
    return 2;
}

int
lpg_cmd_recall(lpg_cli_t *cli, int argc, char **argv)
{
    const char *site = NULL, *from = NULL, *to = NULL;
    const char *mode = cli->json ? "json" : "plain";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--site") == 0 && i + 1 < argc)
            site = argv[++i];
        else if (strcmp(argv[i], "--from") == 0 && i + 1 < argc)
            from = argv[++i];
        else if (strcmp(argv[i], "--to") == 0 && i + 1 < argc)
            to = argv[++i];
        else if (strcmp(argv[i], "--csv") == 0)
            mode = "csv";
        else
            return s_usage();
    }
    if (!site || !from || !to)
        return s_usage();
    lpg_config_t *cfg = lpg_cli_config(cli);
    if (!cfg)
        return 2;
    const char *zone = lpg_config_get(cfg, "time.zone");
    s_recall_t r = {0};
    char why[512];
    if (lpg_zone_check(zone, why, sizeof why) != LPG_OK) {
        fprintf(stderr, "lpgtrace: time.zone: %s\n", why);
        return 2;
    }
    if (!lpg_cli_zone_ms(zone, from, &r.from) ||
        !lpg_cli_zone_ms(zone, to, &r.to)) {
        fprintf(stderr, "lpgtrace: recall: a time is not YYYY-MM-DD or "
                        "YYYY-MM-DDTHH:MM\n");
        return s_usage();
    }
    if (r.to <= r.from) {
        fprintf(stderr, "lpgtrace: recall: --to must be after --from\n");
        return 2;
    }
    lpg_ledger_t *l = lpg_cli_ledger(cli, LPG_LEDGER_RDONLY);
    if (!l)
        return 2;
    json_t *doc = NULL, *list = NULL;
    int rc = lpg_ledger_read(l, &r.t);
    if (rc == LPG_OK)
        rc = lpg_txn_seqs(r.t, LPG_TABLE_BY_SITE, site, strlen(site),
                          s_on_site, &r);
    if (rc != LPG_OK)
        goto cleanup;
    char tfrom[32], tto[32];
    lpg_cli_zone_time(zone, r.from, tfrom, sizeof tfrom);
    lpg_cli_zone_time(zone, r.to, tto, sizeof tto);
    if (strcmp(mode, "plain") == 0)
        printf("recall: site %s, filled from %s to %s (%s): %zu "
               "cylinder%s\n\n",
               site, tfrom, tto, zone, r.n, r.n == 1 ? "" : "s");
    else if (strcmp(mode, "csv") == 0)
        printf("cylinder,serial,filled_at,user,name,area,delivered_at,"
               "custody,holder,last_site,status\n");
    else {
        doc = json_object();
        list = json_array();
    }
    s_trail_t tr = {.zone = zone, .mode = mode};
    for (size_t i = 0; i < r.n && rc == LPG_OK; i++) {
        tr.fill = &r.fills[i];
        rc = s_report_one(r.t, &tr, list);
    }
    if (rc == LPG_OK && doc) {
        json_object_set_new(doc, "site", json_string(site));
        json_object_set_new(doc, "from", json_string(tfrom));
        json_object_set_new(doc, "to", json_string(tto));
        json_object_set_new(doc, "zone", json_string(zone));
        json_object_set_new(doc, "cylinders", list);
        list = NULL;
        char *text = json_dumps(doc, JSON_INDENT(2));
        if (text)
            puts(text);
        else
            rc = LPG_ENOMEM;
        free(text);
    }

cleanup:
    json_decref(list);
    json_decref(doc);
    for (size_t i = 0; i < r.n; i++)
        free(r.fills[i].grai);
    free(r.fills);
    lpg_txn_abort(&r.t);
    lpg_ledger_close(&l);
    if (rc != LPG_OK)
        return lpg_cli_fail("recall", rc);
    return 0;
}
