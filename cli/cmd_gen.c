/*  cmd_gen.c - lpgtrace gen: fill the home's ledger with realistic signed
 *  events (lib/testing/gen.h), appended in batches as a service would.
 *
 *  --acks prints "ack SEQ" for every event once its batch is durable, so
 *  a test can kill the writer at any moment and check nothing
 *  acknowledged was lost.
 *
 *  --recorded-after S moves the ledger's clock with the generated
 *  events (device times from 2026-01-01, a few seconds apart): each
 *  batch is recorded S seconds after its last event, so its events are
 *  recorded from S seconds to S seconds plus the batch's span late. A
 *  ledger to test what reads by recorded time (a recall's window).
 */
#include "cli.h"
#include "base/clock.h"
#include "crypto/crypto.h"
#include "base/error.h"
#include "ledger/event.h"
#include "testing/gen.h"
#include "ledger/ledger.h"
#include "base/progress.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int
lpg_cmd_gen(lpg_cli_t *cli, int argc, char **argv)
{
    lpg_gen_opts_t o = {0};
    uint64_t v, batch = 256, after_s = 0;
    bool acks = false, follow = false;
    const char *codes_file = NULL;
    o.fills = 100;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool val =
            i + 1 < argc && lpg_cli_u64(argv[i + 1], &v) && v <= 100000000;
        if (strcmp(a, "--acks") == 0) {
            acks = true;
            continue;
        }
        if (strcmp(a, "--codes") == 0 && i + 1 < argc) {
            codes_file = argv[++i];
            continue;
        }
        if (!val) {
            fprintf(stderr, "usage: lpgtrace gen [--companies N] [--sites N]"
                            " [--devices N] [--cylinders N] [--fills N] "
                            "[--seed S] [--batch N] [--acks] "
                            "[--recorded-after S]\n");
            return 2;
        }
        i++;
        if (strcmp(a, "--companies") == 0)
            o.companies = (unsigned)v;
        else if (strcmp(a, "--sites") == 0)
            o.sites = (unsigned)v;
        else if (strcmp(a, "--devices") == 0)
            o.devices = (unsigned)v;
        else if (strcmp(a, "--cylinders") == 0)
            o.cylinders = (unsigned)v;
        else if (strcmp(a, "--fills") == 0)
            o.fills = (unsigned)v;
        else if (strcmp(a, "--seed") == 0)
            o.seed = v;
        else if (strcmp(a, "--batch") == 0 && v > 0 && v <= 4096)
            batch = v;
        else if (strcmp(a, "--recorded-after") == 0 && v <= 31622400) {
            follow = true;
            after_s = v;
        } else {
            fprintf(stderr, "lpgtrace: gen: bad option %s\n", a);
            return 2;
        }
    }
    lpg_config_t *cfg = lpg_cli_config(cli);
    if (!cfg)
        return 2;
    o.resolver = lpg_config_get(cfg, "code.resolver");
    lpg_key_t *authority = lpg_cli_key(cli, "authority.key", true);
    if (!authority)
        return 2;
    lpg_ledger_t *l = lpg_cli_ledger(cli, 0);
    lpg_gen_t *g = NULL;
    int rc = l ? lpg_gen_new(&g, authority, &o) : LPG_EIO;
    if (rc != LPG_OK) {
        lpg_ledger_close(&l);
        lpg_key_destroy(&authority);
        return l ? lpg_cli_fail("gen", rc) : 2;
    }
    if (rc == LPG_OK && codes_file) {
        /* "CODE TARE_G STATION" per cylinder, for tests and benchmarks. */
        FILE *f = fopen(codes_file, "w");
        if (!f)
            rc = LPG_EIO;
        for (unsigned i = 0; f; i++) {
            uint32_t tare;
            char site[64];
            const char *code =
                lpg_gen_cylinder(g, i, &tare, site, sizeof site);
            if (!code)
                break;
            fprintf(f, "%s %u %s\n", code, tare, site);
        }
        if (f && fclose(f) != 0)
            rc = LPG_EIO;
    }
    lpg_append_in_t *in = calloc(batch, sizeof *in);
    lpg_append_out_t *out = calloc(batch, sizeof *out);
    uint8_t **bufs = calloc(batch, sizeof *bufs);
    if (!in || !out || !bufs)
        rc = LPG_ENOMEM;
    uint64_t total = lpg_gen_total(g), done = 0, recorded = 0, refused = 0;
    lpg_progress_t *bar = NULL;
    lpg_progress_new(&bar, "gen", total);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (rc == LPG_OK && done < total) {
        size_t n = 0;
        while (n < batch && rc == LPG_OK) {
            size_t len;
            rc = lpg_gen_next(g, &bufs[n], &len);
            if (rc == LPG_ENOTFOUND) {
                rc = LPG_OK;
                break;
            }
            in[n].data = bufs[n];
            in[n].len = len;
            n++;
        }
        if (n == 0)
            break;
        if (rc == LPG_OK && follow) {
            /* The ledger's clock follows the generated events, as if
             * they had been appended over those months: each batch is
             * recorded S seconds after its last (latest) event. */
            lpg_event_t ev;
            rc = lpg_event_decode(&ev, in[n - 1].data, in[n - 1].len, NULL, 0);
            if (rc == LPG_OK) {
                lpg_clock_set_now_ms(ev.event->device_time_ms +
                                     after_s * 1000);
                lpg_event_clear(&ev);
            }
        }
        if (rc == LPG_OK)
            rc = lpg_ledger_append(l, "gen", in, n, NULL, NULL, out);
        for (size_t i = 0; i < n; i++) {
            if (rc == LPG_OK && out[i].status == LPG_OK) {
                recorded++;
                if (acks) {
                    lpg_event_t ev;
                    char idhex[33] = "?";
                    if (lpg_event_decode(&ev, in[i].data, in[i].len, NULL,
                                         0) == LPG_OK) {
                        lpg_hex(ev.event->event_id.data, 16, idhex);
                        lpg_event_clear(&ev);
                    }
                    printf("ack %" PRIu64 " %s\n", out[i].seq, idhex);
                }
            } else if (rc == LPG_OK) {
                refused++;
                fprintf(stderr, "lpgtrace: gen: event refused: %s (%s)\n",
                        out[i].why, lpg_errtoken(out[i].status));
            }
            free(bufs[i]);
        }
        if (acks)
            fflush(stdout);
        done += n;
        lpg_progress_update(bar, done);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    lpg_progress_finish(&bar);
    double secs = (double)(t1.tv_sec - t0.tv_sec) +
                  (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (rc == LPG_OK && !acks)
        printf("gen: %" PRIu64 " events recorded, %" PRIu64 " refused, in "
               "%.2fs (%.0f events/s, signing included)\n",
               recorded, refused, secs, secs > 0 ? (double)done / secs : 0);
    free(in);
    free(out);
    free(bufs);
    lpg_gen_destroy(&g);
    lpg_ledger_close(&l);
    lpg_key_destroy(&authority);
    if (rc != LPG_OK)
        return lpg_cli_fail("gen", rc);
    return refused ? 1 : 0;
}
