/*  cmd_verify.c - lpgtrace verify [--since CHECKPOINT] [--threads N].
 *
 *  Re-checks every entry, Merkle hash, signature, stored checkpoint and
 *  the state tables (lib/ledger/verify.h); names the first bad entry and exits 1
 *  on damage. --since FILE: a signed checkpoint verified before; only the
 *  entries after it are checked (the tree must still have its root).
 */
#include "ledger/checkpoint.h"
#include "cli.h"
#include "base/error.h"
#include "ledger/ledger.h"
#include "base/progress.h"
#include "ledger/verify.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void
s_progress(void *ctx, uint64_t done, uint64_t total)
{
    lpg_progress_update(ctx, done);
}

int
lpg_cmd_verify(lpg_cli_t *cli, int argc, char **argv)
{
    const char *since = NULL;
    uint64_t threads = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--since") == 0 && i + 1 < argc)
            since = argv[++i];
        else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc &&
                 lpg_cli_u64(argv[i + 1], &threads) && threads <= 64)
            i++;
        else {
            fprintf(stderr, "usage: lpgtrace verify [--since CHECKPOINT] "
                            "[--threads N]\n");
            return 2;
        }
    }
    lpg_ledger_t *l =
        lpg_cli_ledger(cli, LPG_LEDGER_RDONLY | LPG_CLI_STATE_QUIET);
    if (!l)
        return 2;
    lpg_verify_opts_t o = {0};
    o.threads = (unsigned)threads;
    uint8_t lpub[32];
    char origin[256];
    lpg_key_t *lkey = NULL;
    int rc = lpg_ledger_meta(l, NULL, lpub, origin, sizeof origin);
    if (rc == LPG_OK)
        rc = lpg_key_from_raw_public(&lkey, lpub);
    if (rc != LPG_OK) {
        lpg_ledger_close(&l);
        return lpg_cli_fail("ledger meta", rc);
    }
    o.ledger_key = lkey;
    o.origin = origin;
    if (since) {
        size_t len;
        char *text = lpg_cli_read_file(since, LPG_CHECKPOINT_MAX, &len);
        lpg_checkpoint_t cp;
        char why[256] = "";
        rc = text ? lpg_checkpoint_open(text, len, lkey, origin, &cp, why,
                                        sizeof why)
                  : LPG_EIO;
        free(text);
        if (rc != LPG_OK) {
            if (rc != LPG_EIO)
                fprintf(stderr, "lpgtrace: %s: %s\n", since,
                        *why ? why : lpg_strerror(rc));
            lpg_key_destroy(&lkey);
            lpg_ledger_close(&l);
            return 2;
        }
        o.since_size = cp.size;
        memcpy(o.since_root, cp.root, 32);
    }
    uint64_t size = 0;
    lpg_ledger_size(l, &size);
    lpg_progress_t *bar = NULL;
    lpg_progress_new(&bar, "verify",
                     size - (o.since_size < size ? o.since_size : size));
    o.progress = s_progress;
    o.progress_ctx = bar;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    lpg_verify_report_t r;
    rc = lpg_verify_ledger(l, &o, &r);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    lpg_progress_finish(&bar);
    lpg_key_destroy(&lkey);
    lpg_ledger_close(&l);
    if (rc != LPG_OK)
        return lpg_cli_fail("verify", rc);
    double secs = (double)(t1.tv_sec - t0.tv_sec) +
                  (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (r.error == LPG_ESTALE) {
        printf("STATE OUT OF DATE: %" PRIu64 " entries checked (signatures, "
               "Merkle tree), %" PRIu64 " checkpoints; %s [%s]\n",
               r.entries, r.checkpoints, r.why, lpg_errtoken(r.error));
        return 1;
    }
    if (r.error != LPG_OK) {
        if (r.has_seq)
            printf("DAMAGED: entry %" PRIu64 ": %s [%s]\n", r.seq, r.why,
                   lpg_errtoken(r.error));
        else
            printf("DAMAGED: %s [%s]\n", r.why, lpg_errtoken(r.error));
        return 1;
    }
    printf("OK: %" PRIu64 " entries%s checked (signatures, Merkle tree), "
           "%" PRIu64 " checkpoints, %s in %.2fs\n",
           r.entries, since ? " after the checkpoint" : "", r.checkpoints,
           since ? "state not replayed (--since)"
                 : "state tables match the "
                   "log",
           secs);
    return 0;
}
