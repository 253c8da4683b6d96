/*  report_tips.c - lpgtrace report tips [--json|--csv]: the reports the
 *  public sent through lpg-webd (Tip entries), oldest first: when, the
 *  category, the code and whether it checked, the cylinder, the text,
 *  and whether a phone number came with it. The number itself is sealed
 *  (its data key is the registry's, as a user's is): it is shown masked,
 *  never in clear.
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

int
lpg_report_tips(const lpg_report_in_t *in)
{
    uint64_t size = 0;
    int rc = lpg_txn_size(in->t, &size);
    json_t *arr = in->mode == LPG_REPORT_JSON ? json_array() : NULL;
    size_t n = 0;
    if (in->mode == LPG_REPORT_CSV) {
        const char *h[] = {"seq",           "date",     "category", "code",
                           "code_verified", "cylinder", "text",     "phone"};
        for (size_t i = 0; i < 8; i++)
            lpg_report_csv_field(in->out, h[i], i == 7);
    }
    for (uint64_t seq = 0; rc == LPG_OK && seq < size; seq++) {
        const uint8_t *data;
        size_t len;
        rc = lpg_txn_entry(in->t, seq, &data, &len);
        if (rc != LPG_OK)
            break;
        Lpg__LedgerEntry *e = lpg__ledger_entry__unpack(NULL, len, data);
        if (!e) {
            rc = LPG_ECORRUPT;
            break;
        }
        lpg_event_t ev = {0};
        bool tip =
            lpg_event_decode(&ev, e->signed_event.data, e->signed_event.len,
                             NULL, 0) == LPG_OK &&
            ev.event->body_case == LPG__EVENT__BODY_TIP &&
            (!e->outcome || e->outcome->status == LPG__STATUS__STATUS_OK);
        if (tip) {
            const Lpg__Tip *t = ev.event->tip;
            char date[16], seqs[24];
            s_time(e->recorded_at_ms, in->zone, date, sizeof date);
            snprintf(seqs, sizeof seqs, "%llu", (unsigned long long)seq);
            const char *verified = !t->code           ? ""
                                   : t->code_verified ? "yes"
                                                      : "NO";
            const char *phone = t->has_phone_sealed ? S_MASKED : "";
            const char *cyl = ev.event->cylinder ? ev.event->cylinder : "";
            const char *en = lpg_tip_category_en(t->category);
            n++;
            if (arr) {
                json_t *o = json_object();
                json_object_set_new(o, "seq", json_integer((json_int_t)seq));
                json_object_set_new(o, "date", json_string(date));
                json_object_set_new(o, "category", json_string(t->category));
                json_object_set_new(
                    o, "code", t->code ? json_string(t->code) : json_null());
                json_object_set_new(o, "code_verified",
                                    json_boolean(t->code_verified));
                json_object_set_new(o, "cylinder",
                                    *cyl ? json_string(cyl) : json_null());
                json_object_set_new(
                    o, "text", t->text ? json_string(t->text) : json_null());
                json_object_set_new(o, "phone",
                                    t->has_phone_sealed ? json_string(phone)
                                                        : json_null());
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
                if (t->has_phone_sealed)
                    fprintf(in->out, "    phone %s (sealed)\n", phone);
            }
        }
        lpg_event_clear(&ev);
        lpg__ledger_entry__free_unpacked(e, NULL);
    }
    if (rc == LPG_OK && arr) {
        json_t *root = json_object();
        json_object_set_new(root, "tips", arr);
        arr = NULL;
        char *s = json_dumps(root, JSON_INDENT(2));
        json_decref(root);
        if (!s)
            return LPG_ENOMEM;
        fputs(s, in->out);
        fputc('\n', in->out);
        free(s);
    } else if (rc == LPG_OK && in->mode == LPG_REPORT_PLAIN) {
        fprintf(in->out, "%zu tip%s from the public\n", n, n == 1 ? "" : "s");
    }
    json_decref(arr);
    return rc;
}
