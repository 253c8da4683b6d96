/*  cmd_log.c - lpgtrace log [--from SEQ] [--limit N] [--raw]: the entries.
 *
 *  Default: one line per entry for a person. --raw: "SEQ BASE64" where
 *  BASE64 is exactly the LedgerEntry bytes whose leaf hash is in the tree,
 *  so anyone can recompute the root with their own RFC 9162 code: each
 *  entry's bytes are checked against that leaf before they are printed,
 *  and the first that differ (a damaged ledger) stop the command, exit 1,
 *  naming the entry. --json: one JSON object per line.
 */
#include "cli.h"
#include "crypto/crypto.h"
#include "domain/kind.h"
#include "base/error.h"
#include "ledger/event.h"
#include "ledger/ledger.h"
#include "net/msg.h"
#include "ledger/verify.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void
s_time(uint64_t ms, char *out, size_t outsz)
{
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    strftime(out, outsz, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static const char *
s_status(const Lpg__Outcome *o)
{
    if (!o)
        return "OK";
    switch (o->status) {
    case LPG__STATUS__STATUS_OK:
        return "OK";
    case LPG__STATUS__STATUS_DENIED:
        return "DENIED";
    default:
        return "OTHER";
    }
}

static int
s_print(lpg_cli_t *cli, uint64_t seq, const uint8_t *data, size_t len,
        bool raw)
{
    if (raw) {
        size_t cap = (len + 2) / 3 * 4 + 1, n;
        char *b64 = malloc(cap);
        if (!b64)
            return LPG_ENOMEM;
        lpg_base64_encode(data, len, false, b64, cap, &n);
        printf("%" PRIu64 " %s\n", seq, b64);
        free(b64);
        return LPG_OK;
    }
    Lpg__LedgerEntry *e = lpg__ledger_entry__unpack(NULL, len, data);
    if (!e) {
        printf("%" PRIu64 " (entry does not decode)\n", seq);
        return LPG_OK;
    }
    lpg_event_t ev;
    char why[128] = "";
    int rc = lpg_event_decode(&ev, e->signed_event.data, e->signed_event.len,
                              why, sizeof why);
    char when[32], devtime[32], signer[17] = "?";
    s_time(e->recorded_at_ms, when, sizeof when);
    const Lpg__Event *b = rc == LPG_OK ? ev.event : NULL;
    if (b) {
        s_time(b->device_time_ms, devtime, sizeof devtime);
        char hex[65];
        lpg_hex(ev.signed_event->key_id.data, 32, hex);
        memcpy(signer, hex, 16);
        signer[16] = '\0';
    }
    if (cli->json) {
        json_t *o = json_object();
        json_object_set_new(o, "seq", json_integer((json_int_t)seq));
        json_object_set_new(o, "recorded", json_string(when));
        json_object_set_new(o, "service", json_string(e->service));
        json_object_set_new(o, "status", json_string(s_status(e->outcome)));
        if (b) {
            json_object_set_new(o, "kind",
                                json_string(lpg_kind_name(b->body_case)));
            json_object_set_new(o, "device_time", json_string(devtime));
            json_object_set_new(o, "signer", json_string(signer));
            char idhex[33];
            lpg_hex(b->event_id.data, b->event_id.len, idhex);
            json_object_set_new(o, "event_id", json_string(idhex));
            if (b->cylinder)
                json_object_set_new(o, "cylinder", json_string(b->cylinder));
            if (b->site)
                json_object_set_new(o, "site", json_string(b->site));
            if (b->actor)
                json_object_set_new(o, "actor", json_string(b->actor));
        } else
            json_object_set_new(o, "error", json_string(why));
        lpg_msg_emit_json(o);
    } else if (b) {
        printf("%8" PRIu64 "  %s  %-9s %-17s %-6s signer %s%s%s%s%s\n", seq,
               when, e->service, lpg_kind_name(b->body_case),
               s_status(e->outcome), signer, b->cylinder ? "  cylinder " : "",
               b->cylinder ? b->cylinder : "", b->site ? "  site " : "",
               b->site ? b->site : "");
    } else {
        printf("%8" PRIu64 "  %s  (event does not decode: %s)\n", seq, when,
               why);
    }
    if (rc == LPG_OK)
        lpg_event_clear(&ev);
    lpg__ledger_entry__free_unpacked(e, NULL);
    return LPG_OK;
}

int
lpg_cmd_log(lpg_cli_t *cli, int argc, char **argv)
{
    uint64_t from = 0, limit = UINT64_MAX;
    bool raw = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--from") == 0 && i + 1 < argc &&
            lpg_cli_u64(argv[i + 1], &from))
            i++;
        else if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc &&
                 lpg_cli_u64(argv[i + 1], &limit))
            i++;
        else if (strcmp(argv[i], "--raw") == 0)
            raw = true;
        else {
            fprintf(stderr, "usage: lpgtrace log [--from SEQ] [--limit N] "
                            "[--raw]\n");
            return 2;
        }
    }
    lpg_ledger_t *l = lpg_cli_ledger(cli, LPG_LEDGER_RDONLY);
    if (!l)
        return 2;
    lpg_txn_t *t = NULL;
    uint64_t size = 0;
    bool damaged = false;
    int rc = lpg_ledger_read(l, &t);
    if (rc == LPG_OK)
        rc = lpg_txn_size(t, &size);
    lpg_ledger_sequential(l, true); /* entries in order: read ahead */
    for (uint64_t seq = from; rc == LPG_OK && seq < size && limit > 0;
         seq++, limit--) {
        const uint8_t *data;
        size_t len;
        rc = lpg_txn_entry(t, seq, &data, &len);
        if (rc == LPG_ENOTFOUND) {
            fprintf(stderr, "lpgtrace: entry %" PRIu64 " is missing\n", seq);
            break;
        }
        if (rc == LPG_OK && raw) {
            rc = lpg_verify_leaf(t, seq, data, len);
            if (rc == LPG_ECORRUPT) {
                fflush(stdout);
                fprintf(stderr,
                        "lpgtrace: entry %" PRIu64 ": its bytes do "
                        "not match the leaf hash stored for it in the tree:"
                        " the ledger is damaged; not printing it or any "
                        "after it ('lpgtrace verify' checks the whole "
                        "ledger)\n",
                        seq);
                damaged = true;
                break;
            }
        }
        if (rc == LPG_OK)
            rc = s_print(cli, seq, data, len, raw);
    }
    lpg_ledger_sequential(l, false);
    lpg_txn_abort(&t);
    lpg_ledger_close(&l);
    if (damaged)
        return 1;
    if (rc != LPG_OK)
        return lpg_cli_fail("log", rc);
    return 0;
}
