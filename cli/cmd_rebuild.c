/*  cmd_rebuild.c - lpgtrace rebuild: recompute the state tables and
 *  indexes from the log, and show that they come out the same.
 *
 *  The state is a projection of the log; this replays the log into it in
 *  one write transaction (services keep running but their writes wait
 *  until it commits) and prints the state digest before and after.
 */
#include "cli.h"
#include "crypto/crypto.h"
#include "base/error.h"
#include "ledger/ledger.h"
#include "base/progress.h"
#include "ledger/verify.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static void
s_progress(void *ctx, uint64_t done, uint64_t total)
{
    lpg_progress_update(ctx, done);
}

int
lpg_cmd_rebuild(lpg_cli_t *cli, int argc, char **argv)
{
    if (argc != 1) {
        fprintf(stderr, "usage: lpgtrace [--home DIR] rebuild\n");
        return 2;
    }
    /* This rebuild is the upgrade an open would do: not twice. */
    lpg_ledger_t *l = lpg_cli_ledger(cli, LPG_LEDGER_NO_UPGRADE);
    if (!l)
        return 2;
    uint8_t before[32], after[32];
    uint64_t size = 0, entries = 0;
    int rc = lpg_state_digest_stored(l, before);
    if (rc == LPG_OK)
        rc = lpg_ledger_size(l, &size);
    lpg_progress_t *bar = NULL;
    lpg_progress_new(&bar, "rebuild", size);
    if (rc == LPG_OK)
        rc = lpg_state_rebuild(l, s_progress, bar, &entries);
    lpg_progress_finish(&bar);
    if (rc == LPG_OK)
        rc = lpg_state_digest_stored(l, after);
    lpg_ledger_close(&l);
    if (rc != LPG_OK)
        return lpg_cli_fail("rebuild", rc);
    char hb[65], ha[65];
    lpg_hex(before, 32, hb);
    lpg_hex(after, 32, ha);
    bool same = memcmp(before, after, 32) == 0;
    printf("rebuilt the state from %" PRIu64 " entries\n"
           "  state digest before  %s\n"
           "  state digest after   %s\n"
           "%s\n",
           entries, hb, ha,
           same ? "identical: the live state was the log's projection"
                : "DIFFERENT: the live state did not match the log; it "
                  "does now");
    return same ? 0 : 1;
}
