/*  reveals.c - lpgtrace report reveals [--user ID] [--json|--csv]: every
 *  look at a person's sealed data that the log records, oldest first, so
 *  a regulator can audit who looked at whom: the regulator's reveals
 *  (PiiReveal, signed by the authority key, with their reason) and the
 *  drivers' looks at the address of an order's household (OrderAddress,
 *  signed by the driver's handheld), shown or refused (with the reasons).
 *  Each row: the entry, when it was recorded, the kind of look, who
 *  looked (the driver's staff id, or "authority") with the signing key,
 *  the person looked at, the order, and the outcome.
 *
 *  With --user, the user's own entries (by_user: both kinds are found
 *  under the person they look at); without, the whole log is read.
 */
#include "base/error.h"
#include "crypto/crypto.h"
#include "domain/state.h"
#include "ledger/event.h"
#include "report/report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_COLS 9

typedef struct {
    const lpg_report_in_t *in;
    json_t *arr;
    size_t n;
} s_ctx_t;

static const char *const s_head[S_COLS] = {"seq",   "recorded", "kind",
                                           "who",   "key_id",   "user",
                                           "order", "shown",    "details"};

/*  The household of order id (the orders table), or "" if none. */
static char *
s_order_user(lpg_txn_t *t, const char *id)
{
    Lpg__OrderState *o =
        lpg_state_get(t, LPG_TABLE_ORDERS, id, &lpg__order_state__descriptor);
    char *u = strdup(o && o->user ? o->user : "");
    lpg_state_free(o);
    return u;
}

static int
s_one(void *ctx, uint64_t seq)
{
    s_ctx_t *c = ctx;
    const lpg_report_in_t *in = c->in;
    Lpg__LedgerEntry *e = NULL;
    lpg_event_t ev = {0};
    int rc = lpg_report_entry(in->t, seq, &e, &ev);
    if (rc != LPG_OK)
        return rc == LPG_EMALFORMED ? LPG_OK : rc; /* verify reports it */
    const Lpg__Event *x = ev.event;
    bool pii = x->body_case == LPG__EVENT__BODY_PII_REVEAL;
    bool addr = x->body_case == LPG__EVENT__BODY_ORDER_ADDRESS;
    if (!pii && !addr) {
        lpg_event_clear(&ev);
        lpg__ledger_entry__free_unpacked(e, NULL);
        return LPG_OK;
    }
    bool ok = lpg_report_accepted(e);
    char seqs[24], when[32], key[17];
    char details[256] = "";
    snprintf(seqs, sizeof seqs, "%llu", (unsigned long long)seq);
    lpg_report_time(in->zone, e->recorded_at_ms, when);
    lpg_hex(ev.signed_event->key_id.data, 8, key);
    char *user = NULL;
    const char *order = "", *kind, *who;
    if (pii) {
        kind = x->pii_reveal->has_tip_seq ? "regulator_tip" : "regulator";
        who = "authority";
        user = strdup(x->pii_reveal->user);
        snprintf(details, sizeof details, "reason: %s", x->pii_reveal->reason);
    } else {
        kind = "driver_address";
        who = x->actor ? x->actor : "";
        order = x->order_address->order;
        user = s_order_user(in->t, order);
        size_t n = 0;
        for (size_t i = 0; !ok && e->outcome && i < e->outcome->n_reasons;
             i++) {
            int w =
                snprintf(details + n, sizeof details - n, "%s%s",
                         i ? " " : "refused: ", e->outcome->reasons[i]->token);
            if (w < 0 || (size_t)w >= sizeof details - n)
                break;
            n += (size_t)w;
        }
    }
    if (!user) {
        lpg_event_clear(&ev);
        lpg__ledger_entry__free_unpacked(e, NULL);
        return LPG_ENOMEM;
    }
    /* a regulator's reveal allows its looks; a driver's is the look */
    const char *shown = ok ? "yes" : "no";
    const char *row[S_COLS] = {seqs, when,  kind,  who,    key,
                               user, order, shown, details};
    c->n++;
    if (c->arr) {
        json_t *o = json_object();
        json_object_set_new(o, "seq", json_integer((json_int_t)seq));
        json_object_set_new(o, "recorded", json_string(when));
        json_object_set_new(o, "recorded_ms",
                            json_integer((json_int_t)e->recorded_at_ms));
        json_object_set_new(o, "kind", json_string(kind));
        json_object_set_new(o, "who", json_string(who));
        json_object_set_new(o, "key_id", json_string(key));
        json_object_set_new(o, "user", json_string(user));
        json_object_set_new(o, "order",
                            *order ? json_string(order) : json_null());
        json_object_set_new(o, "accepted", json_boolean(ok));
        json_t *reasons = json_array();
        for (size_t i = 0; e->outcome && i < e->outcome->n_reasons; i++)
            json_array_append_new(reasons,
                                  json_string(e->outcome->reasons[i]->token));
        json_object_set_new(o, "reasons", reasons);
        json_object_set_new(o, "reason",
                            pii ? json_string(x->pii_reveal->reason)
                                : json_null());
        json_array_append_new(c->arr, o);
    } else if (in->mode == LPG_REPORT_CSV) {
        for (size_t i = 0; i < S_COLS; i++)
            lpg_report_csv_field(in->out, row[i], i == S_COLS - 1);
    } else {
        fprintf(in->out, "#%s  %s  %-14s  %s (key %s)  user %s%s%s  %s%s%s\n",
                seqs, when, kind, who, key, user, *order ? "  order " : "",
                order, ok ? "accepted" : "REFUSED", *details ? "  " : "",
                details);
    }
    free(user);
    lpg_event_clear(&ev);
    lpg__ledger_entry__free_unpacked(e, NULL);
    return LPG_OK;
}

int
lpg_report_reveals(const lpg_report_in_t *in)
{
    s_ctx_t c = {in, in->mode == LPG_REPORT_JSON ? json_array() : NULL, 0};
    if (in->mode == LPG_REPORT_JSON && !c.arr)
        return LPG_ENOMEM;
    if (in->mode == LPG_REPORT_CSV)
        for (size_t i = 0; i < S_COLS; i++)
            lpg_report_csv_field(in->out, s_head[i], i == S_COLS - 1);
    int rc = LPG_OK;
    if (in->user) {
        rc = lpg_txn_seqs(in->t, LPG_TABLE_BY_USER, in->user, strlen(in->user),
                          s_one, &c);
        if (rc == LPG_ENOTFOUND)
            rc = LPG_OK; /* nobody looked */
    } else {
        uint64_t size = 0;
        rc = lpg_txn_size(in->t, &size);
        lpg_txn_sequential(in->t, true); /* every entry, in order */
        for (uint64_t seq = 0; rc == LPG_OK && seq < size; seq++)
            rc = s_one(&c, seq);
        lpg_txn_sequential(in->t, false);
    }
    if (rc == LPG_OK && c.arr) {
        json_t *head = json_object();
        if (in->user)
            json_object_set_new(head, "user", json_string(in->user));
        rc = lpg_report_json(in->out, "reveals", in->today, head, c.arr, 0);
        c.arr = NULL;
    } else if (rc == LPG_OK && in->mode == LPG_REPORT_PLAIN) {
        fprintf(in->out, "%zu look%s at personal data%s%s\n", c.n,
                c.n == 1 ? "" : "s", in->user ? " of user " : "",
                in->user ? in->user : "");
    }
    json_decref(c.arr);
    return rc;
}
