/*  tips.c - lpgtrace report tips [--json|--csv]: the reports the public
 *  sent through lpg-webd (Tip entries), oldest first: when, the category,
 *  the code and whether it checked, the cylinder, the text, and whether a
 *  phone number came with it. The number itself is sealed (its data key
 *  is the registry's, as a user's is): it is shown masked. One tip with
 *  its number in clear (lpg_report_tip) is what `lpgtrace report tips
 *  --reveal SEQ --reason TEXT` prints once the reveal is on the record
 *  and the registry has opened the number (cli/cmd_report.c: that part
 *  talks to the services, which this layer does not).
 *
 *  The whole log is read: tips are few beside fills.
 */
#include "base/error.h"
#include "domain/registry.h"
#include "ledger/event.h"
#include "report/report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_MASKED "***********" /* a phone number came, sealed */

static void
s_time(uint64_t ms, const char *zone, char *out, size_t outsz)
{
    uint32_t ymd = lpg_local_ymd(ms, zone);
    snprintf(out, outsz, "%04u-%02u-%02u", ymd / 10000, ymd / 100 % 100,
             ymd % 100);
}

/*  One tip in the report's mode; phone: what to show for its number
 *  (masked, or in clear when revealed); reveal_seq: the reveal's entry,
 *  0 if none. */
static void
s_tip(const lpg_report_in_t *in, uint64_t seq, const Lpg__LedgerEntry *e,
      const lpg_event_t *ev, const char *phone, uint64_t reveal_seq,
      json_t *arr)
{
    const Lpg__Tip *t = ev->event->tip;
    char date[16], seqs[24];
    s_time(e->recorded_at_ms, in->zone, date, sizeof date);
    snprintf(seqs, sizeof seqs, "%llu", (unsigned long long)seq);
    const char *verified = !t->code ? "" : t->code_verified ? "yes" : "NO";
    if (!t->has_phone_sealed)
        phone = "";
    const char *cyl = ev->event->cylinder ? ev->event->cylinder : "";
    const char *en = lpg_tip_category_en(t->category);
    if (arr) {
        json_t *o = json_object();
        json_object_set_new(o, "seq", json_integer((json_int_t)seq));
        json_object_set_new(o, "date", json_string(date));
        json_object_set_new(o, "category", json_string(t->category));
        json_object_set_new(o, "code",
                            t->code ? json_string(t->code) : json_null());
        json_object_set_new(o, "code_verified",
                            json_boolean(t->code_verified));
        json_object_set_new(o, "cylinder",
                            *cyl ? json_string(cyl) : json_null());
        json_object_set_new(o, "text",
                            t->text ? json_string(t->text) : json_null());
        json_object_set_new(o, "phone",
                            t->has_phone_sealed ? json_string(phone)
                                                : json_null());
        if (reveal_seq)
            json_object_set_new(o, "reveal_seq",
                                json_integer((json_int_t)reveal_seq));
        json_array_append_new(arr, o);
    } else if (in->mode == LPG_REPORT_CSV) {
        const char *row[] = {seqs,
                             date,
                             t->category,
                             t->code ? t->code : "",
                             verified,
                             cyl,
                             t->text ? t->text : "",
                             phone};
        for (size_t i = 0; i < 8; i++)
            lpg_report_csv_field(in->out, row[i], i == 7);
    } else {
        fprintf(in->out, "#%s  %s  %s%s%s\n", seqs, date,
                en ? en : t->category, *cyl ? "  cylinder " : "", cyl);
        if (t->code)
            fprintf(in->out, "    code %s (%s)\n", t->code,
                    t->code_verified ? "verified" : "NOT verified");
        if (t->text)
            fprintf(in->out, "    \"%s\"\n", t->text);
        if (t->has_phone_sealed && reveal_seq)
            fprintf(in->out, "    phone %s (revealed under entry %llu)\n",
                    phone, (unsigned long long)reveal_seq);
        else if (t->has_phone_sealed)
            fprintf(in->out, "    phone %s (sealed)\n", phone);
    }
}

static void
s_csv_header(const lpg_report_in_t *in)
{
    if (in->mode != LPG_REPORT_CSV)
        return;
    const char *h[] = {"seq",           "date",     "category", "code",
                       "code_verified", "cylinder", "text",     "phone"};
    for (size_t i = 0; i < 8; i++)
        lpg_report_csv_field(in->out, h[i], i == 7);
}

/*  {"tips": arr} on in->out (arr consumed). */
static int
s_json_out(const lpg_report_in_t *in, json_t *arr)
{
    json_t *root = json_object();
    json_object_set_new(root, "tips", arr);
    char *s = json_dumps(root, JSON_INDENT(2));
    json_decref(root);
    if (!s)
        return LPG_ENOMEM;
    fputs(s, in->out);
    fputc('\n', in->out);
    free(s);
    return LPG_OK;
}

/*  Decodes entry seq; *tip: whether it is an accepted tip. The caller
 *  frees *entry and ev (also when not a tip). */
static int
s_read(const lpg_report_in_t *in, uint64_t seq, Lpg__LedgerEntry **entry,
       lpg_event_t *ev, bool *tip)
{
    const uint8_t *data;
    size_t len;
    *entry = NULL;
    *tip = false;
    int rc = lpg_txn_entry(in->t, seq, &data, &len);
    if (rc != LPG_OK)
        return rc;
    Lpg__LedgerEntry *e = lpg__ledger_entry__unpack(NULL, len, data);
    if (!e)
        return LPG_ECORRUPT;
    *entry = e;
    *tip = lpg_event_decode(ev, e->signed_event.data, e->signed_event.len,
                            NULL, 0) == LPG_OK &&
           ev->event->body_case == LPG__EVENT__BODY_TIP &&
           (!e->outcome || e->outcome->status == LPG__STATUS__STATUS_OK);
    return LPG_OK;
}

int
lpg_report_tips(const lpg_report_in_t *in)
{
    uint64_t size = 0;
    int rc = lpg_txn_size(in->t, &size);
    json_t *arr = in->mode == LPG_REPORT_JSON ? json_array() : NULL;
    size_t n = 0;
    s_csv_header(in);
    lpg_txn_sequential(in->t, true); /* every entry, in order */
    for (uint64_t seq = 0; rc == LPG_OK && seq < size; seq++) {
        Lpg__LedgerEntry *e = NULL;
        lpg_event_t ev = {0};
        bool tip = false;
        rc = s_read(in, seq, &e, &ev, &tip);
        if (rc == LPG_OK && tip) {
            n++;
            s_tip(in, seq, e, &ev, S_MASKED, 0, arr);
        }
        lpg_event_clear(&ev);
        if (e)
            lpg__ledger_entry__free_unpacked(e, NULL);
    }
    lpg_txn_sequential(in->t, false);
    if (rc == LPG_OK && arr) {
        rc = s_json_out(in, arr);
        arr = NULL;
    } else if (rc == LPG_OK && in->mode == LPG_REPORT_PLAIN) {
        fprintf(in->out, "%zu tip%s from the public\n", n, n == 1 ? "" : "s");
    }
    json_decref(arr);
    return rc;
}

int
lpg_report_tip(const lpg_report_in_t *in, uint64_t seq, const char *phone,
               uint64_t reveal_seq, const char *reason)
{
    Lpg__LedgerEntry *e = NULL;
    lpg_event_t ev = {0};
    bool tip = false;
    int rc = s_read(in, seq, &e, &ev, &tip);
    if (rc == LPG_OK && !tip)
        rc = LPG_ENOTFOUND;
    if (rc == LPG_OK) {
        json_t *arr = in->mode == LPG_REPORT_JSON ? json_array() : NULL;
        s_csv_header(in);
        s_tip(in, seq, e, &ev, phone, reveal_seq, arr);
        if (arr)
            rc = s_json_out(in, arr);
        else if (in->mode == LPG_REPORT_PLAIN && reveal_seq)
            fprintf(in->out, "revealed under entry %llu (reason: %s)\n",
                    (unsigned long long)reveal_seq, reason ? reason : "");
    }
    lpg_event_clear(&ev);
    if (e)
        lpg__ledger_entry__free_unpacked(e, NULL);
    return rc;
}
