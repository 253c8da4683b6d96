/*  report_tips.c - lpgtrace report tips [--json|--csv]: the reports the
 *  public sent through lpg-webd (Tip entries), oldest first: when, the
 *  category, the code and whether it checked, the cylinder, the text,
 *  and whether a phone number came with it. The number itself is sealed
 *  (its data key is the registry's, as a user's is): it is shown masked.
 *  `--reveal SEQ --reason TEXT` shows one tip's number in clear to the
 *  regulator, as `user show --reveal` does a user's data: a PiiReveal
 *  naming the tip (tip_seq, and the tip's id as user), signed by the
 *  authority key, is recorded with its reason first, then the registry
 *  opens the number for a request naming that entry.
 *
 *  The whole log is read: tips are few beside fills.
 */
#include "base/error.h"
#include "domain/registry.h"
#include "ledger/event.h"
#include "net/msg.h"
#include "recall.h"
#include "registry.h"
#include "report.h"

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
            lpg_cli_csv_field(row[i], i == 7);
    } else {
        printf("#%s  %s  %s%s%s\n", seqs, date, en ? en : t->category,
               *cyl ? "  cylinder " : "", cyl);
        if (t->code)
            printf("    code %s (%s)\n", t->code,
                   t->code_verified ? "verified" : "NOT verified");
        if (t->text)
            printf("    \"%s\"\n", t->text);
        if (t->has_phone_sealed && reveal_seq)
            printf("    phone %s (revealed under entry %llu)\n", phone,
                   (unsigned long long)reveal_seq);
        else if (t->has_phone_sealed)
            printf("    phone %s (sealed)\n", phone);
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
        lpg_cli_csv_field(h[i], i == 7);
}

/*  {"tips": arr} on stdout (arr consumed). */
static int
s_json_out(json_t *arr)
{
    json_t *root = json_object();
    json_object_set_new(root, "tips", arr);
    char *s = json_dumps(root, JSON_INDENT(2));
    json_decref(root);
    if (!s)
        return LPG_ENOMEM;
    puts(s);
    free(s);
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
            n++;
            s_tip(in, seq, e, &ev, S_MASKED, 0, arr);
        }
        lpg_event_clear(&ev);
        lpg__ledger_entry__free_unpacked(e, NULL);
    }
    if (rc == LPG_OK && arr) {
        rc = s_json_out(arr);
        arr = NULL;
    } else if (rc == LPG_OK && in->mode == LPG_REPORT_PLAIN) {
        printf("%zu tip%s from the public\n", n, n == 1 ? "" : "s");
    }
    json_decref(arr);
    return rc;
}

int
lpg_report_tip_reveal(lpg_cli_t *cli, const lpg_report_in_t *in, uint64_t seq,
                      const char *reason, const char *as)
{
    char id[64];
    int rc = lpg_tip_at(in->t, seq, id, sizeof id, NULL, NULL);
    if (rc == LPG_ENOTFOUND) {
        fprintf(stderr,
                "lpgtrace: report tips: entry %llu is not a tip with a "
                "phone number\n",
                (unsigned long long)seq);
        return 1;
    }
    if (rc != LPG_OK)
        return lpg_cli_fail("report tips", rc);
    /* The reveal is on the record before anything is shown. */
    lpg_key_t *authority = lpg_reg_signer(cli, as);
    if (!authority)
        return 2;
    Lpg__PiiReveal pr = LPG__PII_REVEAL__INIT;
    pr.user = id;
    pr.reason = (char *)reason;
    pr.has_tip_seq = 1;
    pr.tip_seq = seq;
    Lpg__Event ev = LPG__EVENT__INIT;
    ev.body_case = LPG__EVENT__BODY_PII_REVEAL;
    ev.pii_reveal = &pr;
    Lpg__Reply *r = NULL;
    int status = lpg_reg_submit(cli, &ev, authority, &r);
    lpg_key_destroy(&authority);
    if (status != 0) {
        if (r) {
            fprintf(stderr, "lpgtrace: the reveal was not recorded: %s: %s\n",
                    r->token, r->message);
            lpg__reply__free_unpacked(r, NULL);
        }
        return status;
    }
    uint64_t reveal_seq = r->seq;
    lpg__reply__free_unpacked(r, NULL);
    r = NULL;
    lpg_client_t *c = lpg_reg_client(cli);
    if (!c)
        return 2;
    Lpg__Request req = LPG__REQUEST__INIT;
    Lpg__GetUser q = LPG__GET_USER__INIT;
    q.user = id;
    q.has_reveal_seq = 1;
    q.reveal_seq = reveal_seq;
    req.body_case = LPG__REQUEST__BODY_GET_USER;
    req.get_user = &q;
    status = lpg_reg_call(cli, c, &req, &r);
    lpg_client_destroy(&c);
    if (status != 0)
        return status;
    if (r->status != LPG__STATUS__STATUS_OK || r->n_users != 1 ||
        !r->users[0]->personal || !r->users[0]->personal->phone) {
        fprintf(stderr, "lpgtrace: reveal refused: %s: %s\n", r->token,
                r->message);
        status = r->status == LPG__STATUS__STATUS_OK ? 1 : lpg_msg_exit(r);
        lpg__reply__free_unpacked(r, NULL);
        return status;
    }
    /* The tip again, its number in clear. */
    const uint8_t *data;
    size_t len;
    Lpg__LedgerEntry *e = NULL;
    lpg_event_t tev = {0};
    rc = lpg_txn_entry(in->t, seq, &data, &len);
    if (rc == LPG_OK && !(e = lpg__ledger_entry__unpack(NULL, len, data)))
        rc = LPG_ECORRUPT;
    if (rc == LPG_OK)
        rc = lpg_event_decode(&tev, e->signed_event.data, e->signed_event.len,
                              NULL, 0);
    if (rc == LPG_OK) {
        json_t *arr = in->mode == LPG_REPORT_JSON ? json_array() : NULL;
        s_csv_header(in);
        s_tip(in, seq, e, &tev, r->users[0]->personal->phone, reveal_seq, arr);
        if (arr)
            rc = s_json_out(arr);
        else if (in->mode == LPG_REPORT_PLAIN)
            printf("revealed under entry %llu (reason: %s)\n",
                   (unsigned long long)reveal_seq, reason);
    }
    lpg_event_clear(&tev);
    if (e)
        lpg__ledger_entry__free_unpacked(e, NULL);
    lpg__reply__free_unpacked(r, NULL);
    return rc == LPG_OK ? 0 : lpg_cli_fail("report tips", rc);
}
