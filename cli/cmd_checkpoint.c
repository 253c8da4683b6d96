/*  cmd_checkpoint.c - lpgtrace checkpoint [--sign | --verify FILE].
 *
 *  --sign         sign a checkpoint of the current tree with the home's
 *                 ledger key, store it and print it; refused (exit 1) if
 *                 the tree no longer has the last checkpoint's root, or an
 *                 entry appended since does not match its leaf hash or
 *                 the nodes over it (lib/ledger/verify.h: lpg_verify_since)
 *  (no option)    print the latest stored checkpoint note exactly
 *  --verify FILE  check a saved note: signed by the ledger key (or --key
 *                 PUB.pem) and consistent with the current tree, i.e. the
 *                 history it covers was not rewritten
 */
#include "ledger/checkpoint.h"
#include "cli.h"
#include "base/error.h"
#include "ledger/ledger.h"
#include "ledger/merkle.h"
#include "ledger/verify.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
s_sign(lpg_cli_t *cli, lpg_ledger_t *l)
{
    lpg_key_t *key = lpg_cli_key(cli, "ledger.key", true);
    if (!key)
        return 2;
    uint8_t want[32], have[32];
    char origin[256];
    int rc = lpg_ledger_meta(l, NULL, want, origin, sizeof origin);
    lpg_key_raw_public(key, have);
    if (rc == LPG_OK && memcmp(want, have, 32) != 0) {
        fprintf(stderr, "lpgtrace: this ledger key is not the one the "
                        "ledger was set up with\n");
        lpg_key_destroy(&key);
        return 2;
    }
    uint64_t size = 0;
    uint8_t root[32];
    char *note = NULL;
    if (rc == LPG_OK)
        rc = lpg_ledger_size(l, &size);
    /* Sign over nothing damaged: the entries since the last checkpoint
     * (which must itself still hold) are checked against the tree. */
    uint64_t from = 0;
    lpg_checkpoint_t last;
    bool has_last = false;
    if (rc == LPG_OK) {
        char *prev = NULL;
        uint64_t prev_size = 0;
        char why[128] = "";
        int crc = lpg_ledger_checkpoint_latest(l, &prev_size, &prev);
        if (crc == LPG_OK)
            crc = lpg_checkpoint_open(prev, strlen(prev), key, origin, &last,
                                      why, sizeof why);
        if (crc == LPG_OK && last.size == prev_size) {
            has_last = true;
            from = last.size;
        } else if (crc != LPG_ENOTFOUND) {
            fprintf(stderr,
                    "lpgtrace: the latest stored checkpoint (of "
                    "%" PRIu64 " entries) is not one this ledger key "
                    "signed (%s): checking every entry\n",
                    prev_size, *why ? why : lpg_strerror(crc));
        }
        free(prev);
    }
    if (rc == LPG_OK) {
        lpg_verify_report_t rep;
        rc = lpg_verify_since(l, from, has_last ? last.root : NULL, size, root,
                              &rep);
        if (rc == LPG_OK && rep.error != LPG_OK) {
            if (rep.has_seq)
                fprintf(stderr,
                        "lpgtrace: not signing: entry %" PRIu64
                        ": %s. The ledger is damaged; 'lpgtrace verify' "
                        "checks all of it\n",
                        rep.seq, rep.why);
            else
                fprintf(stderr,
                        "lpgtrace: not signing: %s. 'lpgtrace "
                        "verify' checks all of it\n",
                        rep.why);
            lpg_key_destroy(&key);
            return 1;
        }
    }
    if (rc == LPG_OK)
        rc = lpg_checkpoint_sign(key, origin, size, root, &note);
    if (rc == LPG_OK)
        rc = lpg_ledger_checkpoint_put(l, size, note);
    lpg_key_destroy(&key);
    if (rc != LPG_OK) {
        free(note);
        return lpg_cli_fail("checkpoint", rc);
    }
    fputs(note, stdout);
    free(note);
    return 0;
}

static int
s_verify(lpg_cli_t *cli, lpg_ledger_t *l, const char *file,
         const char *keyfile)
{
    size_t len;
    char *text = lpg_cli_read_file(file, LPG_CHECKPOINT_MAX, &len);
    if (!text)
        return 2;
    uint8_t lpub[32];
    char origin[256];
    lpg_key_t *key = NULL;
    int rc = lpg_ledger_meta(l, NULL, lpub, origin, sizeof origin);
    if (rc == LPG_OK)
        rc = keyfile ? lpg_key_load_public(&key, keyfile)
                     : lpg_key_from_raw_public(&key, lpub);
    if (rc != LPG_OK) {
        free(text);
        return lpg_cli_fail("ledger key", rc);
    }
    lpg_checkpoint_t cp;
    char why[256] = "";
    rc = lpg_checkpoint_open(text, len, key, origin, &cp, why, sizeof why);
    free(text);
    lpg_key_destroy(&key);
    if (rc != LPG_OK) {
        printf("%s: INVALID: %s\n", file, *why ? why : lpg_strerror(rc));
        return 1;
    }
    uint64_t size = 0;
    rc = lpg_ledger_size(l, &size);
    if (rc != LPG_OK)
        return lpg_cli_fail("ledger", rc);
    if (cp.size > size) {
        printf("%s: INCONSISTENT: the checkpoint has %" PRIu64 " entries, "
               "the ledger only %" PRIu64 ": entries were dropped\n",
               file, cp.size, size);
        return 1;
    }
    uint8_t then[32], now[32];
    rc = lpg_ledger_root(l, cp.size, then);
    if (rc == LPG_OK)
        rc = lpg_ledger_root(l, size, now);
    if (rc != LPG_OK)
        return lpg_cli_fail("ledger", rc);
    if (memcmp(then, cp.root, 32) != 0) {
        printf("%s: INCONSISTENT: the ledger's first %" PRIu64 " entries "
               "no longer have the signed root: history was rewritten\n",
               file, cp.size);
        return 1;
    }
    if (cp.size > 0 && cp.size < size) {
        lpg_hash_t proof[LPG_MERKLE_MAX_PROOF];
        size_t n = 0;
        rc = lpg_ledger_consistency_proof(l, cp.size, size, proof, &n);
        if (rc == LPG_OK)
            rc = lpg_merkle_verify_consistency(cp.size, size, cp.root, now,
                                               proof, n);
        if (rc != LPG_OK) {
            printf("%s: INCONSISTENT: no valid consistency proof from "
                   "%" PRIu64 " to %" PRIu64 " entries\n",
                   file, cp.size, size);
            return 1;
        }
    }
    printf("%s: valid: signed by the ledger key of %s; its %" PRIu64
           " entries are unchanged in the current tree of %" PRIu64 "\n",
           file, origin, cp.size, size);
    return 0;
}

int
lpg_cmd_checkpoint(lpg_cli_t *cli, int argc, char **argv)
{
    bool sign = false;
    const char *file = NULL, *keyfile = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--sign") == 0)
            sign = true;
        else if (strcmp(argv[i], "--verify") == 0 && i + 1 < argc)
            file = argv[++i];
        else if (strcmp(argv[i], "--key") == 0 && i + 1 < argc)
            keyfile = argv[++i];
        else {
            fprintf(stderr, "usage: lpgtrace checkpoint [--sign | --verify "
                            "FILE [--key LEDGER.pub]]\n");
            return 2;
        }
    }
    if (sign && file) {
        fprintf(stderr, "lpgtrace: --sign and --verify do not mix\n");
        return 2;
    }
    lpg_ledger_t *l = lpg_cli_ledger(cli, sign ? 0 : LPG_LEDGER_RDONLY);
    if (!l)
        return 2;
    int status;
    if (sign)
        status = s_sign(cli, l);
    else if (file)
        status = s_verify(cli, l, file, keyfile);
    else {
        uint64_t size;
        char *note = NULL;
        int rc = lpg_ledger_checkpoint_latest(l, &size, &note);
        if (rc == LPG_ENOTFOUND) {
            fprintf(stderr, "lpgtrace: no checkpoint has been signed yet "
                            "(lpgtrace checkpoint --sign)\n");
            status = 1;
        } else if (rc != LPG_OK)
            status = lpg_cli_fail("checkpoint", rc);
        else {
            fputs(note, stdout);
            status = 0;
        }
        free(note);
    }
    lpg_ledger_close(&l);
    return status;
}
