/*  test_proof.c - Merkle proofs as JSON documents: the exact text written,
 *  round trips, and every way a document can be refused, with its reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "ledger/merkle.h"
#include "ledger/proof.h"

/*  Leaf hashes of "" and 00 (the first two README leaves), root of both. */
#define S_L0 "bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0="
#define S_L1 "lqKW0iTyhcZ77pPDD4owkVfw2qNdxbh+QQt4YwoJz8c="
#define S_R2 "+sVCA+fMaWzw38tCySodnbr3CtnmIfS9jZhmLwDjwSU="

typedef struct {
    lpg_merkle_mem_t *mem;
    lpg_hash_t leaves[2];
} s_two_t;

static void
s_two(s_two_t *t)
{
    static const uint8_t zero = 0;
    assert_int_equal(lpg_merkle_mem_new(&t->mem), LPG_OK);
    lpg_merkle_leaf_hash("", 0, t->leaves[0]);
    lpg_merkle_leaf_hash(&zero, 1, t->leaves[1]);
    for (uint64_t i = 0; i < 2; i++)
        assert_int_equal(lpg_merkle_append(lpg_merkle_mem_get,
                                           lpg_merkle_mem_put, t->mem, i,
                                           t->leaves[i]),
                         LPG_OK);
}

/*  Verifies text, expects rc and a reason containing `part`. */
static void
s_expect(const char *text, int rc, const char *part)
{
    char why[256];
    memset(why, 'x', sizeof why);
    int got = lpg_proof_verify_json(text, strlen(text), why, sizeof why);
    if (got != rc || !strstr(why, part))
        fail_msg("%s\n  gave %d '%s', wanted %d '%s'", text, got, why, rc,
                 part);
    assert_null(strchr(why, '\n'));
}

static void
test_inclusion_text(void **state)
{
    s_two_t t;
    s_two(&t);
    uint8_t root[LPG_HASH_LEN];
    lpg_hash_t proof[LPG_MERKLE_MAX_PROOF];
    size_t n;
    assert_int_equal(lpg_merkle_root(lpg_merkle_mem_get, t.mem, 2, root),
                     LPG_OK);
    assert_int_equal(
        lpg_merkle_inclusion_proof(lpg_merkle_mem_get, t.mem, 0, 2, proof, &n),
        LPG_OK);
    char *text = lpg_proof_inclusion_json(0, 2, root, t.leaves[0], proof, n);
    assert_non_null(text);
    assert_string_equal(text, "{\n"
                              "  \"leafIdx\": 0,\n"
                              "  \"treeSize\": 2,\n"
                              "  \"root\": \"" S_R2 "\",\n"
                              "  \"leafHash\": \"" S_L0 "\",\n"
                              "  \"proof\": [\n"
                              "    \"" S_L1 "\"\n"
                              "  ]\n"
                              "}\n");
    char why[128];
    assert_int_equal(
        lpg_proof_verify_json(text, strlen(text), why, sizeof why), LPG_OK);
    assert_string_equal(why, "inclusion proof of leaf 0 in tree of 2 "
                             "verifies");
    free(text);

    /* an empty proof is written as [] */
    text = lpg_proof_inclusion_json(0, 1, t.leaves[0], t.leaves[0], NULL, 0);
    assert_non_null(text);
    assert_non_null(strstr(text, "\"proof\": []\n}\n"));
    assert_int_equal(lpg_proof_verify_json(text, strlen(text), NULL, 0),
                     LPG_OK);
    free(text);

    /* sizes JSON integers cannot carry */
    assert_null(lpg_proof_inclusion_json(0, UINT64_MAX, root, root, NULL, 0));
    assert_null(lpg_proof_consistency_json(1, (uint64_t)INT64_MAX + 1, root,
                                           root, NULL, 0));
    lpg_merkle_mem_destroy(&t.mem);
}

static void
test_consistency_text(void **state)
{
    s_two_t t;
    s_two(&t);
    uint8_t root1[LPG_HASH_LEN], root2[LPG_HASH_LEN];
    lpg_hash_t proof[LPG_MERKLE_MAX_PROOF];
    size_t n;
    assert_int_equal(lpg_merkle_root(lpg_merkle_mem_get, t.mem, 1, root1),
                     LPG_OK);
    assert_int_equal(lpg_merkle_root(lpg_merkle_mem_get, t.mem, 2, root2),
                     LPG_OK);
    assert_int_equal(lpg_merkle_consistency_proof(lpg_merkle_mem_get, t.mem, 1,
                                                  2, proof, &n),
                     LPG_OK);
    char *text = lpg_proof_consistency_json(1, 2, root1, root2, proof, n);
    assert_non_null(text);
    assert_string_equal(text, "{\n"
                              "  \"size1\": 1,\n"
                              "  \"size2\": 2,\n"
                              "  \"root1\": \"" S_L0 "\",\n"
                              "  \"root2\": \"" S_R2 "\",\n"
                              "  \"proof\": [\n"
                              "    \"" S_L1 "\"\n"
                              "  ]\n"
                              "}\n");
    char why[128];
    assert_int_equal(
        lpg_proof_verify_json(text, strlen(text), why, sizeof why), LPG_OK);
    assert_string_equal(why, "consistency proof from size 1 to 2 verifies");
    free(text);
    lpg_merkle_mem_destroy(&t.mem);
}

static void
test_accepted(void **state)
{
    /* extra fields are ignored; null is an empty proof; order is free */
    s_expect("{\"desc\": \"x\", \"wantErr\": true, \"proof\": null,"
             " \"leafHash\": \"" S_L0 "\", \"root\": \"" S_L0 "\","
             " \"treeSize\": 1, \"leafIdx\": 0}",
             LPG_OK, "verifies");
    s_expect("{\"size1\": 2, \"size2\": 2, \"root1\": \"" S_R2 "\","
             " \"root2\": \"" S_R2 "\", \"proof\": []}",
             LPG_OK, "verifies");
    /* the length is given: the text need not end with NUL */
    const char *two = "{\"size1\":1,\"size2\":2,\"root1\":\"" S_L0 "\","
                      "\"root2\":\"" S_R2 "\",\"proof\":[\"" S_L1 "\"]}"
                      "garbage after the document";
    size_t len = strlen(two) - strlen("garbage after the document");
    assert_int_equal(lpg_proof_verify_json(two, len, NULL, 0), LPG_OK);
    assert_int_equal(lpg_proof_verify_json(two, strlen(two), NULL, 0),
                     LPG_EMALFORMED);
}

static void
test_malformed(void **state)
{
    s_expect("", LPG_EMALFORMED, "not JSON");
    s_expect("{\"leafIdx\": 0,", LPG_EMALFORMED, "not JSON");
    s_expect("[1, 2]", LPG_EMALFORMED, "not a JSON object");
    s_expect("{\"hello\": 1}", LPG_EMALFORMED,
             "neither an inclusion nor a consistency proof");
    s_expect("{\"leafIdx\": 0, \"size1\": 1}", LPG_EMALFORMED,
             "both an inclusion and a consistency proof");
    s_expect("{\"leafIdx\": 0, \"leafIdx\": 0}", LPG_EMALFORMED, "duplicate");
    s_expect("{\"leafIdx\": 0, \"treeSize\": 1, \"root\": \"" S_L0 "\","
             " \"proof\": []}",
             LPG_EMALFORMED, "missing field \"leafHash\"");
    s_expect("{\"leafIdx\": 0, \"treeSize\": 1, \"root\": \"" S_L0 "\","
             " \"leafHash\": \"" S_L0 "\"}",
             LPG_EMALFORMED, "missing field \"proof\"");

    /* numbers: negative, fractional, strings, too large */
    s_expect("{\"leafIdx\": -1, \"treeSize\": 1, \"root\": \"" S_L0 "\","
             " \"leafHash\": \"" S_L0 "\", \"proof\": []}",
             LPG_EMALFORMED, "field \"leafIdx\" is negative");
    s_expect("{\"leafIdx\": 0, \"treeSize\": 1.0, \"root\": \"" S_L0 "\","
             " \"leafHash\": \"" S_L0 "\", \"proof\": []}",
             LPG_EMALFORMED, "field \"treeSize\" is not an integer");
    s_expect("{\"size1\": \"1\", \"size2\": 1, \"root1\": \"" S_L0 "\","
             " \"root2\": \"" S_L0 "\", \"proof\": []}",
             LPG_EMALFORMED, "field \"size1\" is not an integer");
    s_expect(
        "{\"size1\": 1, \"size2\": 18446744073709551615, \"root1\": \"" S_L0
        "\", \"root2\": \"" S_L0 "\", \"proof\": []}",
        LPG_EMALFORMED, "number out of range");

    /* hashes: 31 and 33 bytes, bad alphabet, bad padding, not a string */
    s_expect("{\"size1\": 1, \"size2\": 1, \"root1\":"
             " \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\","
             " \"root2\": \"" S_L0 "\", \"proof\": []}",
             LPG_EMALFORMED, "field \"root1\" is not a 32-byte hash (31");
    s_expect("{\"size1\": 1, \"size2\": 1, \"root1\": \"" S_L0 "\","
             " \"root2\": \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\","
             " \"proof\": []}",
             LPG_EMALFORMED, "field \"root2\" is not a 32-byte hash (33");
    s_expect("{\"leafIdx\": 0, \"treeSize\": 2, \"root\": \"" S_R2 "\","
             " \"leafHash\": \"" S_L0 "\","
             " \"proof\": [\"lqKW0iTyhcZ77pPDD4owkVfw2qNdxbh-QQt4YwoJz8c=\"]}",
             LPG_EMALFORMED, "proof[0] is not valid base64");
    s_expect("{\"leafIdx\": 0, \"treeSize\": 2, \"root\": \"" S_R2 "\","
             " \"leafHash\": \"" S_L0 "\","
             " \"proof\": [\"lqKW0iTyhcZ77pPDD4owkVfw2qNdxbh+QQt4YwoJz8c\"]}",
             LPG_EMALFORMED, "proof[0] is not valid base64");
    s_expect("{\"leafIdx\": 0, \"treeSize\": 2, \"root\": 7,"
             " \"leafHash\": \"" S_L0 "\", \"proof\": []}",
             LPG_EMALFORMED, "field \"root\" is not a base64 string");
    s_expect("{\"leafIdx\": 0, \"treeSize\": 2, \"root\": \"" S_R2 "\","
             " \"leafHash\": \"" S_L0 "\", \"proof\": [\"" S_L1 "\", 5]}",
             LPG_EMALFORMED, "proof[1] is not a base64 string");
    s_expect("{\"leafIdx\": 0, \"treeSize\": 2, \"root\": \"" S_R2 "\","
             " \"leafHash\": \"" S_L0 "\", \"proof\": \"" S_L1 "\"}",
             LPG_EMALFORMED, "field \"proof\" is not an array");
}

static void
test_bad_proofs(void **state)
{
    s_expect("{\"leafIdx\": 1, \"treeSize\": 2, \"root\": \"" S_R2 "\","
             " \"leafHash\": \"" S_L0 "\", \"proof\": [\"" S_L1 "\"]}",
             LPG_EBADPROOF, "does not lead from leafHash to root");
    s_expect("{\"leafIdx\": 2, \"treeSize\": 2, \"root\": \"" S_R2 "\","
             " \"leafHash\": \"" S_L0 "\", \"proof\": [\"" S_L1 "\"]}",
             LPG_EBADPROOF, "leafIdx 2 is not below treeSize 2");
    s_expect("{\"leafIdx\": 0, \"treeSize\": 2, \"root\": \"" S_R2 "\","
             " \"leafHash\": \"" S_L0 "\", \"proof\": []}",
             LPG_EBADPROOF,
             "proof has 0 hashes; leaf 0 of a tree of 2 needs 1");
    s_expect("{\"size1\": 2, \"size2\": 1, \"root1\": \"" S_R2 "\","
             " \"root2\": \"" S_L0 "\", \"proof\": [\"" S_L1 "\"]}",
             LPG_EBADPROOF, "size1 2 is above size2 1");
    s_expect("{\"size1\": 1, \"size2\": 2, \"root1\": \"" S_L0 "\","
             " \"root2\": \"" S_R2 "\", \"proof\": [\"" S_L1 "\", \"" S_L1
             "\"]}",
             LPG_EBADPROOF, "proof has 2 hashes; from size 1 to 2 needs 1");
    s_expect("{\"size1\": 1, \"size2\": 2, \"root1\": \"" S_L1 "\","
             " \"root2\": \"" S_R2 "\", \"proof\": [\"" S_L1 "\"]}",
             LPG_EBADPROOF, "does not lead to root1 and root2");
    s_expect("{\"size1\": 2, \"size2\": 2, \"root1\": \"" S_R2 "\","
             " \"root2\": \"" S_L0 "\", \"proof\": []}",
             LPG_EBADPROOF, "root1 and root2 differ");
    s_expect("{\"size1\": 2, \"size2\": 2, \"root1\": \"" S_R2 "\","
             " \"root2\": \"" S_R2 "\", \"proof\": [\"" S_L1 "\"]}",
             LPG_EBADPROOF, "proof must be empty when size1 is size2");
    /* from the empty tree: only its own root, with no proof */
    s_expect("{\"size1\": 0, \"size2\": 2, \"root1\":"
             " \"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\","
             " \"root2\": \"" S_R2 "\", \"proof\": []}",
             LPG_OK, "verifies");
    s_expect("{\"size1\": 0, \"size2\": 2, \"root1\": \"" S_L0 "\","
             " \"root2\": \"" S_R2 "\", \"proof\": []}",
             LPG_EBADPROOF, "root1 is not the empty tree's hash");

    /* 70 hashes: longer than any tree needs */
    size_t cap = 8192, used = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    used +=
        (size_t)snprintf(text, cap,
                         "{\"leafIdx\": 0, \"treeSize\": 2, \"root\": \"" S_R2
                         "\", \"leafHash\": \"" S_L0 "\","
                         " \"proof\": [");
    for (int i = 0; i < 70; i++)
        used += (size_t)snprintf(text + used, cap - used, "%s\"" S_L1 "\"",
                                 i ? ", " : "");
    snprintf(text + used, cap - used, "]}");
    s_expect(text, LPG_EBADPROOF, "proof has 70 hashes, more than any tree");
    free(text);
}

static void
test_why_buffer(void **state)
{
    const char *doc =
        "{\"leafIdx\": 1, \"treeSize\": 2, \"root\": \"" S_R2
        "\", \"leafHash\": \"" S_L0 "\", \"proof\": [\"" S_L1 "\"]}";
    char why[8];
    memset(why, 'x', sizeof why);
    assert_int_equal(lpg_proof_verify_json(doc, strlen(doc), why, sizeof why),
                     LPG_EBADPROOF);
    assert_string_equal(why, "proof d"); /* cut short, NUL-terminated */
    assert_int_equal(lpg_proof_verify_json(doc, strlen(doc), NULL, 0),
                     LPG_EBADPROOF);
    assert_int_equal(lpg_proof_verify_json(NULL, 0, why, sizeof why),
                     LPG_EMALFORMED);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inclusion_text),
        cmocka_unit_test(test_consistency_text),
        cmocka_unit_test(test_accepted),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_bad_proofs),
        cmocka_unit_test(test_why_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
