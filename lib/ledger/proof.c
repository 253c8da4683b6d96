/*  proof.c - see proof.h. Writes and checks Merkle proof documents; the
 *  only module that reads or writes them with jansson. Checking a document
 *  is the RFC 9162 verification of merkle.c; on failure this module works
 *  out which check failed, so the one-line `why` says more than "no".
 */
#include "ledger/proof.h"
#include "crypto/crypto.h"
#include "base/error.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*  Longest proof any tree of < 2^64 leaves needs (a consistency proof
 *  can take one more hash than the deepest path). */
#define S_MAX_HASHES (LPG_MERKLE_MAX_PROOF + 1)
#define S_B64_LEN 64 /* base64 of 32 bytes is 44 characters */

/*  ---------------------------------------------------------------------
 *  Writing
 */

static int
s_set_hash(json_t *obj, const char *key, const uint8_t hash[LPG_HASH_LEN])
{
    char text[S_B64_LEN];
    size_t len;
    if (lpg_base64_encode(hash, LPG_HASH_LEN, false, text, sizeof text,
                          &len) != LPG_OK)
        return -1;
    return json_object_set_new(obj, key, json_stringn(text, len));
}

static int
s_set_u64(json_t *obj, const char *key, uint64_t value)
{
    if (value > (uint64_t)INT64_MAX)
        return -1; /* JSON integers of jansson are signed 64-bit */
    return json_object_set_new(obj, key, json_integer((json_int_t)value));
}

static int
s_set_proof(json_t *obj, const lpg_hash_t *proof, size_t n)
{
    json_t *list = json_array();
    if (json_object_set_new(obj, "proof", list) != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        char text[S_B64_LEN];
        size_t len;
        if (lpg_base64_encode(proof[i], LPG_HASH_LEN, false, text, sizeof text,
                              &len) != LPG_OK)
            return -1;
        if (json_array_append_new(list, json_stringn(text, len)) != 0)
            return -1;
    }
    return 0;
}

/*  The document as pretty text with a final newline, in memory the caller
 *  frees with free(). Takes the reference to doc. */
static char *
s_dump(json_t *doc)
{
    char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(doc);
    if (!text)
        return NULL;
    size_t len = strlen(text);
    char *out = malloc(len + 2);
    if (out) {
        memcpy(out, text, len);
        out[len] = '\n';
        out[len + 1] = '\0';
    }
    free(text);
    return out;
}

/*  Also NULL (not only on ENOMEM) for a size above INT64_MAX, which JSON
 *  integers here cannot carry; no ledger comes near it. */
char *
lpg_proof_inclusion_json(uint64_t index, uint64_t size,
                         const uint8_t root[LPG_HASH_LEN],
                         const uint8_t leaf[LPG_HASH_LEN],
                         const lpg_hash_t *proof, size_t n)
{
    json_t *doc = json_object();
    if (!doc || s_set_u64(doc, "leafIdx", index) != 0 ||
        s_set_u64(doc, "treeSize", size) != 0 ||
        s_set_hash(doc, "root", root) != 0 ||
        s_set_hash(doc, "leafHash", leaf) != 0 ||
        s_set_proof(doc, proof, n) != 0) {
        json_decref(doc);
        return NULL;
    }
    return s_dump(doc);
}

char *
lpg_proof_consistency_json(uint64_t size1, uint64_t size2,
                           const uint8_t root1[LPG_HASH_LEN],
                           const uint8_t root2[LPG_HASH_LEN],
                           const lpg_hash_t *proof, size_t n)
{
    json_t *doc = json_object();
    if (!doc || s_set_u64(doc, "size1", size1) != 0 ||
        s_set_u64(doc, "size2", size2) != 0 ||
        s_set_hash(doc, "root1", root1) != 0 ||
        s_set_hash(doc, "root2", root2) != 0 ||
        s_set_proof(doc, proof, n) != 0) {
        json_decref(doc);
        return NULL;
    }
    return s_dump(doc);
}

/*  ---------------------------------------------------------------------
 *  Reading
 */

static int
s_get_u64(const json_t *doc, const char *key, uint64_t *out, char *why,
          size_t whysz)
{
    const json_t *v = json_object_get(doc, key);
    if (!v) {
        lpg_why(why, whysz, "missing field \"%s\"", key);
        return LPG_EMALFORMED;
    }
    if (!json_is_integer(v)) {
        lpg_why(why, whysz, "field \"%s\" is not an integer", key);
        return LPG_EMALFORMED;
    }
    json_int_t value = json_integer_value(v);
    if (value < 0) {
        lpg_why(why, whysz, "field \"%s\" is negative", key);
        return LPG_EMALFORMED;
    }
    *out = (uint64_t)value;
    return LPG_OK;
}

/*  A hash: a string of standard base64 that decodes to exactly 32 bytes.
 *  `what` names it in the message. */
static int
s_hash(const json_t *v, const char *what, uint8_t out[LPG_HASH_LEN], char *why,
       size_t whysz)
{
    if (!json_is_string(v)) {
        lpg_why(why, whysz, "%s is not a base64 string", what);
        return LPG_EMALFORMED;
    }
    size_t len = json_string_length(v);
    uint8_t bytes[S_B64_LEN];
    size_t got = 0;
    if (len > S_B64_LEN) {
        lpg_why(why, whysz, "%s is not a 32-byte hash (%zu base64 characters)",
                what, len);
        return LPG_EMALFORMED;
    }
    if (lpg_base64_decode(json_string_value(v), len, false, bytes,
                          sizeof bytes, &got) != LPG_OK) {
        lpg_why(why, whysz, "%s is not valid base64", what);
        return LPG_EMALFORMED;
    }
    if (got != LPG_HASH_LEN) {
        lpg_why(why, whysz, "%s is not a 32-byte hash (%zu bytes)", what, got);
        return LPG_EMALFORMED;
    }
    memcpy(out, bytes, LPG_HASH_LEN);
    return LPG_OK;
}

static int
s_get_hash(const json_t *doc, const char *key, uint8_t out[LPG_HASH_LEN],
           char *why, size_t whysz)
{
    const json_t *v = json_object_get(doc, key);
    if (!v) {
        lpg_why(why, whysz, "missing field \"%s\"", key);
        return LPG_EMALFORMED;
    }
    char what[32];
    snprintf(what, sizeof what, "field \"%s\"", key);
    return s_hash(v, what, out, why, whysz);
}

/*  "proof": an array of hashes; null (as the published vectors write an
 *  empty proof) counts as empty. A longer array than any tree needs is a
 *  proof that cannot verify, reported as such. */
static int
s_get_proof(const json_t *doc, lpg_hash_t proof[S_MAX_HASHES], size_t *n,
            char *why, size_t whysz)
{
    const json_t *v = json_object_get(doc, "proof");
    *n = 0;
    if (!v) {
        lpg_why(why, whysz, "missing field \"proof\"");
        return LPG_EMALFORMED;
    }
    if (json_is_null(v))
        return LPG_OK;
    if (!json_is_array(v)) {
        lpg_why(why, whysz, "field \"proof\" is not an array");
        return LPG_EMALFORMED;
    }
    size_t count = json_array_size(v);
    for (size_t i = 0; i < count; i++) {
        char what[32];
        snprintf(what, sizeof what, "proof[%zu]", i);
        uint8_t hash[LPG_HASH_LEN];
        int rc = s_hash(json_array_get(v, i), what, hash, why, whysz);
        if (rc != LPG_OK)
            return rc;
        if (i < S_MAX_HASHES)
            memcpy(proof[i], hash, LPG_HASH_LEN);
    }
    if (count > S_MAX_HASHES) {
        lpg_why(why, whysz, "proof has %zu hashes, more than any tree needs",
                count);
        return LPG_EBADPROOF;
    }
    *n = count;
    return LPG_OK;
}

static unsigned
s_bitlen(uint64_t x)
{
    return x ? 64 - (unsigned)__builtin_clzll(x) : 0;
}

/*  Length of the inclusion proof of leaf index (< size). */
static size_t
s_inclusion_len(uint64_t index, uint64_t size)
{
    unsigned inner = s_bitlen(index ^ (size - 1));
    unsigned border = inner >= 64 ? 0 : __builtin_popcountll(index >> inner);
    return (size_t)inner + border;
}

/*  Length of the consistency proof from size1 to size2 (0 < size1 <
 *  size2): the inclusion path of leaf size1 - 1, less the levels inside
 *  the complete subtree ending at size1, plus that subtree's hash unless
 *  it is the whole old tree (then the verifier has it as root1). */
static size_t
s_consistency_len(uint64_t size1, uint64_t size2)
{
    uint64_t last = size1 - 1;
    unsigned inner = s_bitlen(last ^ (size2 - 1));
    unsigned border = inner >= 64 ? 0 : __builtin_popcountll(last >> inner);
    unsigned shift = (unsigned)__builtin_ctzll(size1);
    unsigned below = inner > shift ? inner - shift : 0;
    unsigned seed = size1 == (uint64_t)1 << shift ? 0 : 1;
    return (size_t)seed + below + border;
}

static int
s_check_inclusion(const json_t *doc, char *why, size_t whysz)
{
    uint64_t index, size;
    uint8_t root[LPG_HASH_LEN], leaf[LPG_HASH_LEN];
    lpg_hash_t proof[S_MAX_HASHES];
    size_t n;
    int rc;
    if ((rc = s_get_u64(doc, "leafIdx", &index, why, whysz)) != LPG_OK ||
        (rc = s_get_u64(doc, "treeSize", &size, why, whysz)) != LPG_OK ||
        (rc = s_get_hash(doc, "root", root, why, whysz)) != LPG_OK ||
        (rc = s_get_hash(doc, "leafHash", leaf, why, whysz)) != LPG_OK ||
        (rc = s_get_proof(doc, proof, &n, why, whysz)) != LPG_OK)
        return rc;
    rc = lpg_merkle_verify_inclusion(index, size, leaf, proof, n, root);
    if (rc == LPG_OK) {
        lpg_why(why, whysz,
                "inclusion proof of leaf %" PRIu64 " in tree of %" PRIu64
                " verifies",
                index, size);
        return LPG_OK;
    }
    if (index >= size)
        lpg_why(why, whysz,
                "leafIdx %" PRIu64 " is not below treeSize %" PRIu64, index,
                size);
    else if (n != s_inclusion_len(index, size))
        lpg_why(why, whysz,
                "proof has %zu hash%s; leaf %" PRIu64 " of a tree of %" PRIu64
                " needs %zu",
                n, n == 1 ? "" : "es", index, size,
                s_inclusion_len(index, size));
    else
        lpg_why(why, whysz, "proof does not lead from leafHash to root");
    return LPG_EBADPROOF;
}

static int
s_check_consistency(const json_t *doc, char *why, size_t whysz)
{
    uint64_t size1, size2;
    uint8_t root1[LPG_HASH_LEN], root2[LPG_HASH_LEN];
    lpg_hash_t proof[S_MAX_HASHES];
    size_t n;
    int rc;
    if ((rc = s_get_u64(doc, "size1", &size1, why, whysz)) != LPG_OK ||
        (rc = s_get_u64(doc, "size2", &size2, why, whysz)) != LPG_OK ||
        (rc = s_get_hash(doc, "root1", root1, why, whysz)) != LPG_OK ||
        (rc = s_get_hash(doc, "root2", root2, why, whysz)) != LPG_OK ||
        (rc = s_get_proof(doc, proof, &n, why, whysz)) != LPG_OK)
        return rc;
    rc = lpg_merkle_verify_consistency(size1, size2, root1, root2, proof, n);
    if (rc == LPG_OK) {
        lpg_why(why, whysz,
                "consistency proof from size %" PRIu64 " to %" PRIu64
                " verifies",
                size1, size2);
        return LPG_OK;
    }
    if (size1 > size2)
        lpg_why(why, whysz, "size1 %" PRIu64 " is above size2 %" PRIu64, size1,
                size2);
    else if ((size1 == size2 || size1 == 0) && n != 0)
        lpg_why(why, whysz, "proof must be empty when size1 is %s",
                size1 == 0 ? "0" : "size2");
    else if (size1 == size2)
        lpg_why(why, whysz, "sizes are equal but root1 and root2 differ");
    else if (size1 == 0)
        lpg_why(why, whysz,
                "size1 is 0 but root1 is not the empty tree's hash");
    else if (n != s_consistency_len(size1, size2))
        lpg_why(why, whysz,
                "proof has %zu hash%s; from size %" PRIu64 " to %" PRIu64
                " needs %zu",
                n, n == 1 ? "" : "es", size1, size2,
                s_consistency_len(size1, size2));
    else
        lpg_why(why, whysz, "proof does not lead to root1 and root2");
    return LPG_EBADPROOF;
}

int
lpg_proof_verify_json(const char *text, size_t len, char *why, size_t whysz)
{
    lpg_why(why, whysz, "%s", ""); /* nothing wrong yet */
    json_error_t jerr;
    json_t *doc =
        json_loadb(len ? text : "", len, JSON_REJECT_DUPLICATES, &jerr);
    if (!doc) {
        if (json_error_code(&jerr) == json_error_numeric_overflow)
            lpg_why(why, whysz, "number out of range (line %d): %s", jerr.line,
                    jerr.text);
        else
            lpg_why(why, whysz, "not JSON: %s (line %d)", jerr.text,
                    jerr.line);
        return LPG_EMALFORMED;
    }
    int rc;
    if (!json_is_object(doc)) {
        lpg_why(why, whysz, "not a JSON object");
        rc = LPG_EMALFORMED;
        goto cleanup;
    }
    bool incl =
        json_object_get(doc, "leafIdx") || json_object_get(doc, "treeSize") ||
        json_object_get(doc, "leafHash") || json_object_get(doc, "root");
    bool cons = json_object_get(doc, "size1") ||
                json_object_get(doc, "size2") ||
                json_object_get(doc, "root1") || json_object_get(doc, "root2");
    if (incl && cons) {
        lpg_why(why, whysz,
                "has fields of both an inclusion and a "
                "consistency proof");
        rc = LPG_EMALFORMED;
    } else if (incl) {
        rc = s_check_inclusion(doc, why, whysz);
    } else if (cons) {
        rc = s_check_consistency(doc, why, whysz);
    } else {
        lpg_why(why, whysz, "neither an inclusion nor a consistency proof");
        rc = LPG_EMALFORMED;
    }
cleanup:
    json_decref(doc);
    return rc;
}
