/*  cmd_proof.c - lpgtrace proof inclusion|consistency|verify.
 *
 *  inclusion SEQ [--size N]      leaf SEQ in the tree of N (default: now)
 *  consistency OLD NEW           the tree of OLD is a prefix of NEW
 *  verify FILE...                check proof files; exit 0 only if all hold
 *  Proofs are JSON with base64 hashes (lib/ledger/proof.h).
 */
#include "cli.h"
#include "base/error.h"
#include "ledger/ledger.h"
#include "ledger/proof.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
s_usage(void)
{
    fprintf(stderr, "usage: lpgtrace proof inclusion SEQ [--size N]\n"
                    "       lpgtrace proof consistency OLD NEW\n"
                    "       lpgtrace proof verify FILE...\n");
    return 2;
}

static int
s_inclusion(lpg_cli_t *cli, int argc, char **argv)
{
    uint64_t seq, size = 0;
    bool has_size = false;
    if (argc < 3 || !lpg_cli_u64(argv[2], &seq))
        return s_usage();
    for (int i = 3; i < argc; i++) {
        if (strcmp(argv[i], "--size") == 0 && i + 1 < argc &&
            lpg_cli_u64(argv[i + 1], &size)) {
            has_size = true;
            i++;
        } else
            return s_usage();
    }
    lpg_ledger_t *l = lpg_cli_ledger(cli, LPG_LEDGER_RDONLY);
    if (!l)
        return 2;
    int rc = has_size ? LPG_OK : lpg_ledger_size(l, &size);
    lpg_hash_t proof[LPG_MERKLE_MAX_PROOF];
    size_t n = 0;
    uint8_t root[32], leaf[32];
    if (rc == LPG_OK && seq >= size) {
        fprintf(stderr,
                "lpgtrace: entry %" PRIu64 " is not in a tree of "
                "%" PRIu64 " entries\n",
                seq, size);
        lpg_ledger_close(&l);
        return 2;
    }
    if (rc == LPG_OK)
        rc = lpg_ledger_inclusion_proof(l, seq, size, proof, &n);
    if (rc == LPG_OK)
        rc = lpg_ledger_root(l, size, root);
    lpg_txn_t *t = NULL;
    if (rc == LPG_OK)
        rc = lpg_ledger_read(l, &t);
    if (rc == LPG_OK)
        rc = lpg_txn_node(t, 0, seq, leaf);
    lpg_txn_abort(&t);
    lpg_ledger_close(&l);
    if (rc != LPG_OK)
        return lpg_cli_fail("inclusion proof", rc);
    char *json = lpg_proof_inclusion_json(seq, size, root, leaf, proof, n);
    if (!json)
        return lpg_cli_fail("inclusion proof", LPG_ENOMEM);
    fputs(json, stdout);
    free(json);
    return 0;
}

static int
s_consistency(lpg_cli_t *cli, int argc, char **argv)
{
    uint64_t size1, size2;
    if (argc != 4 || !lpg_cli_u64(argv[2], &size1) ||
        !lpg_cli_u64(argv[3], &size2))
        return s_usage();
    lpg_ledger_t *l = lpg_cli_ledger(cli, LPG_LEDGER_RDONLY);
    if (!l)
        return 2;
    uint64_t have = 0;
    int rc = lpg_ledger_size(l, &have);
    if (rc == LPG_OK && (size1 == 0 || size1 > size2 || size2 > have)) {
        fprintf(stderr,
                "lpgtrace: need 0 < OLD <= NEW <= %" PRIu64
                " (the tree size)\n",
                have);
        lpg_ledger_close(&l);
        return 2;
    }
    lpg_hash_t proof[LPG_MERKLE_MAX_PROOF];
    size_t n = 0;
    uint8_t root1[32], root2[32];
    if (rc == LPG_OK)
        rc = lpg_ledger_consistency_proof(l, size1, size2, proof, &n);
    if (rc == LPG_OK)
        rc = lpg_ledger_root(l, size1, root1);
    if (rc == LPG_OK)
        rc = lpg_ledger_root(l, size2, root2);
    lpg_ledger_close(&l);
    if (rc != LPG_OK)
        return lpg_cli_fail("consistency proof", rc);
    char *json =
        lpg_proof_consistency_json(size1, size2, root1, root2, proof, n);
    if (!json)
        return lpg_cli_fail("consistency proof", LPG_ENOMEM);
    fputs(json, stdout);
    free(json);
    return 0;
}

static int
s_verify(int argc, char **argv)
{
    if (argc < 3)
        return s_usage();
    int status = 0;
    for (int i = 2; i < argc; i++) {
        size_t len;
        char *text = lpg_cli_read_file(argv[i], 1 << 20, &len);
        if (!text) {
            status = 2;
            continue;
        }
        char why[256] = "";
        int rc = lpg_proof_verify_json(text, len, why, sizeof why);
        free(text);
        if (rc == LPG_OK)
            printf("%s: valid\n", argv[i]);
        else {
            printf("%s: INVALID: %s\n", argv[i],
                   *why ? why : lpg_strerror(rc));
            if (status == 0)
                status = 1;
        }
    }
    return status;
}

int
lpg_cmd_proof(lpg_cli_t *cli, int argc, char **argv)
{
    if (argc < 2)
        return s_usage();
    if (strcmp(argv[1], "inclusion") == 0)
        return s_inclusion(cli, argc, argv);
    if (strcmp(argv[1], "consistency") == 0)
        return s_consistency(cli, argc, argv);
    if (strcmp(argv[1], "verify") == 0)
        return s_verify(argc, argv);
    return s_usage();
}
