/*  test_merkle.c - Merkle tree hashing, the node store, proofs and their
 *  verification: the published RFC 9162 vectors (tests/vectors/merkle),
 *  every small tree, random trees against a naive recursive model written
 *  here from the RFC's definitions, and trees near 2^64 leaves.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "base/error.h"
#include "ledger/merkle.h"
#include "ledger/proof.h"

#define S_CAP 70 /* room for any proof, plus a hash to extend one with */

/*  ---------------------------------------------------------------------
 *  Helpers
 */

static void
s_unhex(const char *hex, uint8_t *out, size_t *len)
{
    size_t n = strlen(hex) / 2;
    for (size_t i = 0; i < n; i++) {
        unsigned byte;
        assert_int_equal(sscanf(hex + 2 * i, "%2x", &byte), 1);
        out[i] = (uint8_t)byte;
    }
    *len = n;
}

static uint64_t s_rng = 0x6c70677472616365ULL;

/*  splitmix64: a fixed seed, so a failure repeats. */
static uint64_t
s_rand(void)
{
    uint64_t z = (s_rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t
s_below(uint64_t n)
{
    return s_rand() % n;
}

static uint64_t
s_split(uint64_t n)
{
    uint64_t k = 1;
    while (k * 2 < n)
        k *= 2;
    return k;
}

/*  The naive model: RFC 9162 §2.1.1 MTH, §2.1.3.1 PATH, §2.1.4.1
 *  SUBPROOF, recursive over an array of leaf hashes. */
static void
s_mth(const lpg_hash_t *leaves, uint64_t n, uint8_t out[LPG_HASH_LEN])
{
    if (n == 0) {
        lpg_sha256("", 0, out);
    } else if (n == 1) {
        memcpy(out, leaves[0], LPG_HASH_LEN);
    } else {
        uint64_t k = s_split(n);
        uint8_t left[LPG_HASH_LEN], right[LPG_HASH_LEN];
        s_mth(leaves, k, left);
        s_mth(leaves + k, n - k, right);
        lpg_merkle_node_hash(left, right, out);
    }
}

static size_t
s_path(uint64_t m, const lpg_hash_t *leaves, uint64_t n, lpg_hash_t *out)
{
    if (n == 1)
        return 0;
    uint64_t k = s_split(n);
    size_t c;
    if (m < k) {
        c = s_path(m, leaves, k, out);
        s_mth(leaves + k, n - k, out[c]);
    } else {
        c = s_path(m - k, leaves + k, n - k, out);
        s_mth(leaves, k, out[c]);
    }
    return c + 1;
}

static size_t
s_subproof(uint64_t m, const lpg_hash_t *leaves, uint64_t n, bool b,
           lpg_hash_t *out)
{
    if (m == n) {
        if (b)
            return 0;
        s_mth(leaves, n, out[0]);
        return 1;
    }
    uint64_t k = s_split(n);
    size_t c;
    if (m <= k) {
        c = s_subproof(m, leaves, k, b, out);
        s_mth(leaves + k, n - k, out[c]);
    } else {
        c = s_subproof(m - k, leaves + k, n - k, false, out);
        s_mth(leaves, k, out[c]);
    }
    return c + 1;
}

static void
s_flip(uint8_t hash[LPG_HASH_LEN])
{
    unsigned bit = (unsigned)s_below(8 * LPG_HASH_LEN);
    hash[bit / 8] ^= (uint8_t)(1u << (bit % 8));
}

/*  A tree of n leaves kept both in a node store and as a leaf array. */
typedef struct {
    lpg_merkle_mem_t *mem;
    lpg_hash_t *leaves;
    uint64_t size;
} s_tree_t;

static void
s_tree_init(s_tree_t *t, uint64_t cap)
{
    assert_int_equal(lpg_merkle_mem_new(&t->mem), LPG_OK);
    t->leaves = calloc(cap ? cap : 1, sizeof(lpg_hash_t));
    assert_non_null(t->leaves);
    t->size = 0;
}

static void
s_tree_add(s_tree_t *t, const void *data, size_t len)
{
    lpg_merkle_leaf_hash(data, len, t->leaves[t->size]);
    assert_int_equal(lpg_merkle_append(lpg_merkle_mem_get, lpg_merkle_mem_put,
                                       t->mem, t->size, t->leaves[t->size]),
                     LPG_OK);
    t->size++;
}

static void
s_tree_free(s_tree_t *t)
{
    lpg_merkle_mem_destroy(&t->mem);
    free(t->leaves);
}

static void
s_root(s_tree_t *t, uint64_t size, uint8_t out[LPG_HASH_LEN])
{
    assert_int_equal(lpg_merkle_root(lpg_merkle_mem_get, t->mem, size, out),
                     LPG_OK);
}

/*  The README's eight leaf inputs and the roots of sizes 0..8. */
static const char *const s_inputs[8] = {
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
};

static const char *const s_roots[9] = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

static void
s_tree_of_eight(s_tree_t *t)
{
    s_tree_init(t, 8);
    for (int i = 0; i < 8; i++) {
        uint8_t data[32];
        size_t len;
        s_unhex(s_inputs[i], data, &len);
        s_tree_add(t, data, len);
    }
}

/*  ---------------------------------------------------------------------
 *  The published vectors
 */

typedef struct {
    bool inclusion;
    uint64_t a, b;     /* leafIdx, treeSize or size1, size2 */
    lpg_hash_t h1, h2; /* root, leafHash or root1, root2 */
    lpg_hash_t proof[8];
    size_t n;
} s_happy_t;

static s_happy_t s_happy[16];
static size_t s_nhappy;
static size_t s_nvectors;

static char *
s_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long size = ftell(f);
    assert_true(size >= 0);
    rewind(f);
    char *buf = malloc((size_t)size + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)size, f), (size_t)size);
    buf[size] = '\0';
    fclose(f);
    *len = (size_t)size;
    return buf;
}

static void
s_b64(const json_t *v, uint8_t out[LPG_HASH_LEN])
{
    size_t got;
    assert_true(json_is_string(v));
    assert_int_equal(lpg_base64_decode(json_string_value(v),
                                       json_string_length(v), false, out,
                                       LPG_HASH_LEN, &got),
                     LPG_OK);
    assert_int_equal(got, LPG_HASH_LEN);
}

/*  Checks one vector file; remembers the happy paths. */
static void
s_check_vector(const char *path, bool inclusion)
{
    size_t len;
    char *text = s_read_file(path, &len);
    json_error_t jerr;
    /* as reals, so that an index of 2^64 - 1 still reads */
    json_t *doc = json_loadb(text, len, JSON_DECODE_INT_AS_REAL, &jerr);
    assert_non_null(doc);
    const json_t *want = json_object_get(doc, "wantErr");
    assert_true(json_is_boolean(want));
    char why[256] = "";
    int rc = lpg_proof_verify_json(text, len, why, sizeof why);
    if (json_is_true(want)) {
        if (rc != LPG_EBADPROOF && rc != LPG_EMALFORMED)
            fail_msg("%s: accepted (%d, %s)", path, rc, why);
    } else if (rc != LPG_OK) {
        fail_msg("%s: rejected: %s", path, why);
    }
    assert_true(strlen(why) > 0);
    assert_null(strchr(why, '\n'));

    const char *desc = json_string_value(json_object_get(doc, "desc"));
    if (desc && strcmp(desc, "happy path") == 0) {
        assert_true(s_nhappy < sizeof s_happy / sizeof s_happy[0]);
        s_happy_t *h = &s_happy[s_nhappy++];
        h->inclusion = inclusion;
        h->a = (uint64_t)json_number_value(
            json_object_get(doc, inclusion ? "leafIdx" : "size1"));
        h->b = (uint64_t)json_number_value(
            json_object_get(doc, inclusion ? "treeSize" : "size2"));
        s_b64(json_object_get(doc, inclusion ? "root" : "root1"), h->h1);
        s_b64(json_object_get(doc, inclusion ? "leafHash" : "root2"), h->h2);
        const json_t *proof = json_object_get(doc, "proof");
        h->n = json_is_array(proof) ? json_array_size(proof) : 0;
        assert_true(h->n <= 8);
        for (size_t i = 0; i < h->n; i++)
            s_b64(json_array_get(proof, i), h->proof[i]);
    }
    json_decref(doc);
    free(text);
    s_nvectors++;
}

static void
s_walk(const char *dir, bool inclusion, int depth)
{
    DIR *d = opendir(dir);
    if (!d)
        fail_msg("cannot open %s (is LPG_ROOT the repository root?)", dir);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        size_t len = strlen(e->d_name);
        if (depth == 0)
            s_walk(path, inclusion, 1);
        else if (len > 5 && strcmp(e->d_name + len - 5, ".json") == 0)
            s_check_vector(path, inclusion);
    }
    closedir(d);
}

static void
test_vectors(void **state)
{
    const char *root = getenv("LPG_ROOT");
    char dir[512];
    s_nvectors = 0;
    s_nhappy = 0;
    snprintf(dir, sizeof dir, "%s/tests/vectors/merkle/inclusion",
             root ? root : ".");
    s_walk(dir, true, 0);
    size_t ninclusion = s_nvectors;
    snprintf(dir, sizeof dir, "%s/tests/vectors/merkle/consistency",
             root ? root : ".");
    s_walk(dir, false, 0);
    assert_int_equal(ninclusion, 82);
    assert_int_equal(s_nvectors, 166);
    assert_int_equal(s_nhappy, 10);
}

/*  ---------------------------------------------------------------------
 *  Small trees: the README's roots, every proof up to size 8
 */

static void
test_hashes(void **state)
{
    uint8_t out[LPG_HASH_LEN], want[LPG_HASH_LEN];
    size_t len;
    /* the leaf hash of "" is the root of size 1 */
    lpg_merkle_leaf_hash(NULL, 0, out);
    s_unhex(s_roots[1], want, &len);
    assert_memory_equal(out, want, LPG_HASH_LEN);
    /* domain separation: a leaf is not the hash of its bytes alone */
    lpg_sha256("", 0, want);
    assert_memory_not_equal(out, want, LPG_HASH_LEN);
    /* node = SHA-256(0x01 || left || right) */
    uint8_t l[LPG_HASH_LEN], r[LPG_HASH_LEN], buf[1 + 2 * LPG_HASH_LEN];
    memset(l, 0xaa, sizeof l);
    memset(r, 0x55, sizeof r);
    buf[0] = 0x01;
    memcpy(buf + 1, l, LPG_HASH_LEN);
    memcpy(buf + 1 + LPG_HASH_LEN, r, LPG_HASH_LEN);
    lpg_sha256(buf, sizeof buf, want);
    lpg_merkle_node_hash(l, r, out);
    assert_memory_equal(out, want, LPG_HASH_LEN);
    lpg_merkle_node_hash(r, l, out);
    assert_memory_not_equal(out, want, LPG_HASH_LEN);
}

static void
test_readme_roots(void **state)
{
    s_tree_t t;
    s_tree_of_eight(&t);
    for (uint64_t size = 0; size <= 8; size++) {
        uint8_t root[LPG_HASH_LEN], want[LPG_HASH_LEN];
        size_t len;
        s_root(&t, size, root);
        s_unhex(s_roots[size], want, &len);
        assert_memory_equal(root, want, LPG_HASH_LEN);
        s_mth(t.leaves, size, root);
        assert_memory_equal(root, want, LPG_HASH_LEN);
    }
    /* beyond the stored tree, the store says so */
    uint8_t root[LPG_HASH_LEN];
    assert_int_equal(lpg_merkle_root(lpg_merkle_mem_get, t.mem, 9, root),
                     LPG_ENOTFOUND);
    s_tree_free(&t);
}

static const s_happy_t *
s_find_happy(bool inclusion, uint64_t a, uint64_t b)
{
    for (size_t i = 0; i < s_nhappy; i++)
        if (s_happy[i].inclusion == inclusion && s_happy[i].a == a &&
            s_happy[i].b == b)
            return &s_happy[i];
    return NULL;
}

static void
test_small_proofs(void **state)
{
    if (s_nhappy == 0)
        test_vectors(state);
    s_tree_t t;
    s_tree_of_eight(&t);
    size_t matched = 0;
    lpg_hash_t proof[LPG_MERKLE_MAX_PROOF], model[S_CAP];
    size_t n;
    uint8_t root[LPG_HASH_LEN], root1[LPG_HASH_LEN];

    for (uint64_t size = 1; size <= 8; size++) {
        s_root(&t, size, root);
        for (uint64_t i = 0; i < size; i++) {
            assert_int_equal(lpg_merkle_inclusion_proof(lpg_merkle_mem_get,
                                                        t.mem, i, size, proof,
                                                        &n),
                             LPG_OK);
            assert_int_equal(n, s_path(i, t.leaves, size, model));
            assert_memory_equal(proof, model, n * LPG_HASH_LEN);
            assert_int_equal(lpg_merkle_verify_inclusion(i, size, t.leaves[i],
                                                         proof, n, root),
                             LPG_OK);
            const s_happy_t *h = s_find_happy(true, i, size);
            if (h) {
                assert_memory_equal(h->h1, root, LPG_HASH_LEN);
                assert_memory_equal(h->h2, t.leaves[i], LPG_HASH_LEN);
                assert_int_equal(h->n, n);
                assert_memory_equal(h->proof, proof, n * LPG_HASH_LEN);
                matched++;
            }
        }
        assert_int_equal(lpg_merkle_inclusion_proof(lpg_merkle_mem_get, t.mem,
                                                    size, size, proof, &n),
                         LPG_ERANGE);
        assert_int_equal(n, 0);
    }

    for (uint64_t size2 = 1; size2 <= 8; size2++) {
        s_root(&t, size2, root);
        for (uint64_t size1 = 1; size1 <= size2; size1++) {
            s_root(&t, size1, root1);
            assert_int_equal(lpg_merkle_consistency_proof(lpg_merkle_mem_get,
                                                          t.mem, size1, size2,
                                                          proof, &n),
                             LPG_OK);
            assert_int_equal(n,
                             s_subproof(size1, t.leaves, size2, true, model));
            assert_memory_equal(proof, model, n * LPG_HASH_LEN);
            assert_int_equal(lpg_merkle_verify_consistency(size1, size2, root1,
                                                           root, proof, n),
                             LPG_OK);
            const s_happy_t *h = s_find_happy(false, size1, size2);
            if (h) {
                assert_memory_equal(h->h1, root1, LPG_HASH_LEN);
                assert_memory_equal(h->h2, root, LPG_HASH_LEN);
                assert_int_equal(h->n, n);
                assert_memory_equal(h->proof, proof, n * LPG_HASH_LEN);
                matched++;
            }
        }
        assert_int_equal(lpg_merkle_consistency_proof(
                             lpg_merkle_mem_get, t.mem, 0, size2, proof, &n),
                         LPG_ERANGE);
        assert_int_equal(lpg_merkle_consistency_proof(lpg_merkle_mem_get,
                                                      t.mem, size2 + 1, size2,
                                                      proof, &n),
                         LPG_ERANGE);
    }
    assert_int_equal(matched, 10);
    s_tree_free(&t);
}

/*  Edge rules of verification that the vectors touch only lightly. */
static void
test_verify_edges(void **state)
{
    s_tree_t t;
    s_tree_of_eight(&t);
    uint8_t empty[LPG_HASH_LEN], r1[LPG_HASH_LEN], r8[LPG_HASH_LEN];
    s_root(&t, 0, empty);
    s_root(&t, 1, r1);
    s_root(&t, 8, r8);
    lpg_hash_t proof[LPG_MERKLE_MAX_PROOF];
    size_t n;

    /* inclusion: no leaf is in the empty tree */
    assert_int_equal(
        lpg_merkle_verify_inclusion(0, 0, t.leaves[0], NULL, 0, empty),
        LPG_EBADPROOF);
    assert_int_equal(
        lpg_merkle_verify_inclusion(0, 1, t.leaves[0], NULL, 0, r1), LPG_OK);
    assert_int_equal(
        lpg_merkle_verify_inclusion(UINT64_MAX, 1, t.leaves[0], NULL, 0, r1),
        LPG_EBADPROOF);

    /* consistency with equal sizes: empty proof, equal roots */
    assert_int_equal(lpg_merkle_verify_consistency(8, 8, r8, r8, NULL, 0),
                     LPG_OK);
    assert_int_equal(lpg_merkle_verify_consistency(8, 8, r8, r1, NULL, 0),
                     LPG_EBADPROOF);
    assert_int_equal(lpg_merkle_consistency_proof(lpg_merkle_mem_get, t.mem, 8,
                                                  8, proof, &n),
                     LPG_OK);
    assert_int_equal(n, 0);
    memcpy(proof[0], r8, LPG_HASH_LEN);
    assert_int_equal(lpg_merkle_verify_consistency(8, 8, r8, r8, proof, 1),
                     LPG_EBADPROOF);

    /* from the empty tree: empty proof, root1 the empty tree's hash */
    assert_int_equal(lpg_merkle_verify_consistency(0, 8, empty, r8, NULL, 0),
                     LPG_OK);
    assert_int_equal(
        lpg_merkle_verify_consistency(0, 0, empty, empty, NULL, 0), LPG_OK);
    assert_int_equal(lpg_merkle_verify_consistency(0, 8, r1, r8, NULL, 0),
                     LPG_EBADPROOF);
    assert_int_equal(lpg_merkle_verify_consistency(0, 8, empty, r8, proof, 1),
                     LPG_EBADPROOF);

    /* size1 > size2, and an empty proof where one is needed */
    assert_int_equal(lpg_merkle_verify_consistency(8, 1, r8, r1, NULL, 0),
                     LPG_EBADPROOF);
    assert_int_equal(lpg_merkle_verify_consistency(1, 8, r1, r8, NULL, 0),
                     LPG_EBADPROOF);
    s_tree_free(&t);
}

/*  ---------------------------------------------------------------------
 *  The node store
 */

typedef struct {
    lpg_merkle_mem_t *mem;
    int gets, puts;
    int fail_at; /* the call number (gets + puts) that fails; 0: none */
} s_counting_t;

static int
s_counting_get(void *ctx, unsigned level, uint64_t index,
               uint8_t out[LPG_HASH_LEN])
{
    s_counting_t *c = ctx;
    c->gets++;
    if (c->fail_at && c->gets + c->puts == c->fail_at)
        return LPG_EDB;
    return lpg_merkle_mem_get(c->mem, level, index, out);
}

static int
s_counting_put(void *ctx, unsigned level, uint64_t index,
               const uint8_t hash[LPG_HASH_LEN])
{
    s_counting_t *c = ctx;
    c->puts++;
    if (c->fail_at && c->gets + c->puts == c->fail_at)
        return LPG_EDB;
    return lpg_merkle_mem_put(c->mem, level, index, hash);
}

static void
test_append_cost(void **state)
{
    s_counting_t c = {0};
    assert_int_equal(lpg_merkle_mem_new(&c.mem), LPG_OK);
    uint8_t leaf[LPG_HASH_LEN];
    for (uint64_t i = 0; i < 300; i++) {
        lpg_merkle_leaf_hash(&i, sizeof i, leaf);
        c.gets = c.puts = 0;
        assert_int_equal(
            lpg_merkle_append(s_counting_get, s_counting_put, &c, i, leaf),
            LPG_OK);
        /* one get and one put per subtree the leaf completes */
        int completes = __builtin_ctzll(~i);
        assert_int_equal(c.gets, completes);
        assert_int_equal(c.puts, 1 + completes);
    }
    /* node (level, index) covers leaves [index << level, ...) */
    uint8_t node[LPG_HASH_LEN], want[LPG_HASH_LEN];
    assert_int_equal(lpg_merkle_mem_get(c.mem, 8, 0, node), LPG_OK);
    assert_int_equal(lpg_merkle_root(lpg_merkle_mem_get, c.mem, 256, want),
                     LPG_OK);
    assert_memory_equal(node, want, LPG_HASH_LEN);
    assert_int_equal(lpg_merkle_mem_get(c.mem, 8, 1, node), LPG_ENOTFOUND);
    assert_int_equal(lpg_merkle_mem_get(c.mem, 5, 8, node), LPG_OK);
    assert_int_equal(lpg_merkle_mem_get(c.mem, 5, 9, node), LPG_ENOTFOUND);
    assert_int_equal(lpg_merkle_mem_get(c.mem, 64, 0, node), LPG_ENOTFOUND);
    lpg_merkle_mem_destroy(&c.mem);
}

static void
test_store_errors(void **state)
{
    s_counting_t c = {0};
    assert_int_equal(lpg_merkle_mem_new(&c.mem), LPG_OK);
    uint8_t leaf[LPG_HASH_LEN], out[LPG_HASH_LEN];
    memset(leaf, 7, sizeof leaf);
    for (uint64_t i = 0; i < 3; i++)
        assert_int_equal(
            lpg_merkle_append(s_counting_get, s_counting_put, &c, i, leaf),
            LPG_OK);
    /* leaf 3 does put, get, put, get, put: each step's failure is passed
     * up unchanged */
    for (int at = 1; at <= 5; at++) {
        c.gets = c.puts = 0;
        c.fail_at = at;
        assert_int_equal(
            lpg_merkle_append(s_counting_get, s_counting_put, &c, 3, leaf),
            LPG_EDB);
        assert_int_equal(c.gets + c.puts, at);
    }
    c.fail_at = 0;
    c.gets = c.puts = 0;
    assert_int_equal(lpg_merkle_root(s_counting_get, &c, 3, out), LPG_OK);
    assert_int_equal(c.gets, 2);
    c.fail_at = 2;
    c.gets = c.puts = 0;
    assert_int_equal(lpg_merkle_root(s_counting_get, &c, 3, out), LPG_EDB);
    lpg_hash_t proof[LPG_MERKLE_MAX_PROOF];
    size_t n = 99;
    c.gets = c.puts = 0;
    c.fail_at = 1;
    assert_int_equal(
        lpg_merkle_inclusion_proof(s_counting_get, &c, 0, 3, proof, &n),
        LPG_EDB);
    assert_int_equal(n, 0);
    c.gets = c.puts = 0;
    assert_int_equal(
        lpg_merkle_consistency_proof(s_counting_get, &c, 1, 3, proof, &n),
        LPG_EDB);

    /* the store refuses gaps and impossible levels */
    assert_int_equal(lpg_merkle_mem_put(c.mem, 0, 5, leaf), LPG_ERANGE);
    assert_int_equal(lpg_merkle_mem_put(c.mem, 64, 0, leaf), LPG_ERANGE);
    assert_int_equal(lpg_merkle_mem_get(c.mem, 0, 4, out), LPG_ENOTFOUND);
    /* a tree of 2^64 - 1 leaves is full */
    assert_int_equal(lpg_merkle_append(lpg_merkle_mem_get, lpg_merkle_mem_put,
                                       c.mem, UINT64_MAX, leaf),
                     LPG_ERANGE);
    lpg_merkle_mem_destroy(&c.mem);
    assert_null(c.mem);
    lpg_merkle_mem_destroy(&c.mem);
    lpg_merkle_mem_destroy(NULL);
}

/*  ---------------------------------------------------------------------
 *  Random trees against the model
 */

#define S_BIG 1000

static void
s_check_inclusion(s_tree_t *t, const lpg_hash_t *roots, uint64_t i,
                  uint64_t size)
{
    lpg_hash_t proof[S_CAP], model[S_CAP];
    size_t n;
    assert_int_equal(lpg_merkle_inclusion_proof(lpg_merkle_mem_get, t->mem, i,
                                                size, proof, &n),
                     LPG_OK);
    assert_int_equal(n, s_path(i, t->leaves, size, model));
    assert_memory_equal(proof, model, n * LPG_HASH_LEN);
    const uint8_t *leaf = t->leaves[i];
    const uint8_t *root = roots[size];
    assert_int_equal(
        lpg_merkle_verify_inclusion(i, size, leaf, proof, n, root), LPG_OK);

    /* one flipped bit anywhere */
    uint8_t bad[LPG_HASH_LEN];
    for (size_t k = 0; k < n; k++) {
        s_flip(proof[k]);
        assert_int_equal(
            lpg_merkle_verify_inclusion(i, size, leaf, proof, n, root),
            LPG_EBADPROOF);
        memcpy(proof[k], model[k], LPG_HASH_LEN);
    }
    memcpy(bad, leaf, LPG_HASH_LEN);
    s_flip(bad);
    assert_int_equal(lpg_merkle_verify_inclusion(i, size, bad, proof, n, root),
                     LPG_EBADPROOF);
    memcpy(bad, root, LPG_HASH_LEN);
    s_flip(bad);
    assert_int_equal(lpg_merkle_verify_inclusion(i, size, leaf, proof, n, bad),
                     LPG_EBADPROOF);

    /* wrong length */
    if (n > 0)
        assert_int_equal(
            lpg_merkle_verify_inclusion(i, size, leaf, proof, n - 1, root),
            LPG_EBADPROOF);
    memcpy(proof[n], roots[size], LPG_HASH_LEN);
    assert_int_equal(
        lpg_merkle_verify_inclusion(i, size, leaf, proof, n + 1, root),
        LPG_EBADPROOF);

    /* wrong index or size (with the true root of that size) */
    if (i > 0)
        assert_int_equal(
            lpg_merkle_verify_inclusion(i - 1, size, leaf, proof, n, root),
            LPG_EBADPROOF);
    if (i + 1 < size)
        assert_int_equal(
            lpg_merkle_verify_inclusion(i + 1, size, leaf, proof, n, root),
            LPG_EBADPROOF);
    if (size - 1 > i)
        assert_int_equal(lpg_merkle_verify_inclusion(i, size - 1, leaf, proof,
                                                     n, roots[size - 1]),
                         LPG_EBADPROOF);
    if (size < t->size)
        assert_int_equal(lpg_merkle_verify_inclusion(i, size + 1, leaf, proof,
                                                     n, roots[size + 1]),
                         LPG_EBADPROOF);

    /* and as a JSON document */
    char *json = lpg_proof_inclusion_json(i, size, root, leaf, proof, n);
    assert_non_null(json);
    assert_int_equal(lpg_proof_verify_json(json, strlen(json), NULL, 0),
                     LPG_OK);
    free(json);
}

static void
s_check_consistency(s_tree_t *t, const lpg_hash_t *roots, uint64_t size1,
                    uint64_t size2)
{
    lpg_hash_t proof[S_CAP], model[S_CAP];
    size_t n;
    assert_int_equal(lpg_merkle_consistency_proof(lpg_merkle_mem_get, t->mem,
                                                  size1, size2, proof, &n),
                     LPG_OK);
    assert_int_equal(n, s_subproof(size1, t->leaves, size2, true, model));
    assert_memory_equal(proof, model, n * LPG_HASH_LEN);
    const uint8_t *r1 = roots[size1], *r2 = roots[size2];
    assert_int_equal(
        lpg_merkle_verify_consistency(size1, size2, r1, r2, proof, n), LPG_OK);

    uint8_t bad[LPG_HASH_LEN];
    for (size_t k = 0; k < n; k++) {
        s_flip(proof[k]);
        assert_int_equal(
            lpg_merkle_verify_consistency(size1, size2, r1, r2, proof, n),
            LPG_EBADPROOF);
        memcpy(proof[k], model[k], LPG_HASH_LEN);
    }
    memcpy(bad, r1, LPG_HASH_LEN);
    s_flip(bad);
    assert_int_equal(
        lpg_merkle_verify_consistency(size1, size2, bad, r2, proof, n),
        LPG_EBADPROOF);
    memcpy(bad, r2, LPG_HASH_LEN);
    s_flip(bad);
    assert_int_equal(
        lpg_merkle_verify_consistency(size1, size2, r1, bad, proof, n),
        LPG_EBADPROOF);

    if (n > 0)
        assert_int_equal(
            lpg_merkle_verify_consistency(size1, size2, r1, r2, proof, n - 1),
            LPG_EBADPROOF);
    memcpy(proof[n], r1, LPG_HASH_LEN);
    assert_int_equal(
        lpg_merkle_verify_consistency(size1, size2, r1, r2, proof, n + 1),
        LPG_EBADPROOF);

    /* other sizes, with their true roots (size 0 is consistent with
     * everything, so it is left out) */
    if (size1 > 1)
        assert_int_equal(lpg_merkle_verify_consistency(
                             size1 - 1, size2, roots[size1 - 1], r2, proof, n),
                         LPG_EBADPROOF);
    if (size1 < size2)
        assert_int_equal(lpg_merkle_verify_consistency(
                             size1 + 1, size2, roots[size1 + 1], r2, proof, n),
                         LPG_EBADPROOF);
    if (size2 > size1)
        assert_int_equal(lpg_merkle_verify_consistency(
                             size1, size2 - 1, r1, roots[size2 - 1], proof, n),
                         LPG_EBADPROOF);
    if (size2 < t->size)
        assert_int_equal(lpg_merkle_verify_consistency(
                             size1, size2 + 1, r1, roots[size2 + 1], proof, n),
                         LPG_EBADPROOF);
    assert_int_equal(
        lpg_merkle_verify_consistency(size2, size1, r2, r1, proof, n),
        size1 == size2 ? LPG_OK : LPG_EBADPROOF);

    char *json = lpg_proof_consistency_json(size1, size2, r1, r2, proof, n);
    assert_non_null(json);
    assert_int_equal(lpg_proof_verify_json(json, strlen(json), NULL, 0),
                     LPG_OK);
    free(json);
}

static void
test_random_trees(void **state)
{
    s_tree_t t;
    s_tree_init(&t, S_BIG);
    lpg_hash_t *roots = calloc(S_BIG + 1, sizeof(lpg_hash_t));
    assert_non_null(roots);
    for (uint64_t i = 0; i < S_BIG; i++) {
        uint8_t data[40];
        size_t len = (size_t)s_below(sizeof data + 1);
        for (size_t k = 0; k < len; k++)
            data[k] = (uint8_t)s_rand();
        s_tree_add(&t, data, len);
    }
    /* every root, from the store and from the model */
    for (uint64_t size = 0; size <= S_BIG; size++) {
        uint8_t want[LPG_HASH_LEN];
        s_root(&t, size, roots[size]);
        s_mth(t.leaves, size, want);
        assert_memory_equal(roots[size], want, LPG_HASH_LEN);
    }
    /* the edges of a few sizes, then random pairs */
    static const uint64_t sizes[] = {1,  2,   3,   31,  32,
                                     33, 511, 512, 513, S_BIG};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        uint64_t size = sizes[s];
        s_check_inclusion(&t, roots, 0, size);
        s_check_inclusion(&t, roots, size - 1, size);
        s_check_inclusion(&t, roots, size / 2, size);
        s_check_consistency(&t, roots, 1, size);
        s_check_consistency(&t, roots, size, size);
        s_check_consistency(&t, roots, (size + 1) / 2, size);
        if (size > 1)
            s_check_consistency(&t, roots, size - 1, size);
    }
    for (int k = 0; k < 300; k++) {
        uint64_t size = 1 + s_below(S_BIG);
        s_check_inclusion(&t, roots, s_below(size), size);
        uint64_t size2 = 1 + s_below(S_BIG);
        s_check_consistency(&t, roots, 1 + s_below(size2), size2);
    }
    free(roots);
    s_tree_free(&t);
}

/*  Proofs that keep the right edge (lpg_merkle_inclusion_proof_edge):
 *  the same hashes as the model's, one edge carried across sizes, and
 *  fewer nodes read when one size proves many leaves. */
static void
test_edge_proofs(void **state)
{
    s_tree_t t;
    s_tree_init(&t, S_BIG);
    for (uint64_t i = 0; i < S_BIG; i++)
        s_tree_add(&t, &i, sizeof i);
    lpg_merkle_edge_t edge;
    memset(&edge, 0, sizeof edge);
    lpg_hash_t proof[S_CAP], model[S_CAP];
    size_t n;
    /* one edge for every size in turn, three leaves each: another size
     * must not be answered from the last one's hashes */
    for (uint64_t size = 1; size <= S_BIG; size++) {
        uint64_t idx[3] = {0, size / 2, size - 1};
        for (int k = 0; k < 3; k++) {
            assert_int_equal(
                lpg_merkle_inclusion_proof_edge(
                    lpg_merkle_mem_get, t.mem, &edge, idx[k], size, proof, &n),
                LPG_OK);
            assert_int_equal(n, s_path(idx[k], t.leaves, size, model));
            assert_memory_equal(proof, model, n * LPG_HASH_LEN);
        }
    }
    /* every leaf of 1,000 (six complete subtrees), then of 999 */
    static const uint64_t sizes[] = {S_BIG, S_BIG - 1};
    for (size_t s = 0; s < 2; s++) {
        uint64_t size = sizes[s];
        s_counting_t plain = {.mem = t.mem}, kept = {.mem = t.mem};
        memset(&edge, 0, sizeof edge);
        for (uint64_t i = 0; i < size; i++) {
            lpg_hash_t p2[S_CAP];
            size_t n2;
            assert_int_equal(lpg_merkle_inclusion_proof(s_counting_get, &plain,
                                                        i, size, proof, &n),
                             LPG_OK);
            assert_int_equal(lpg_merkle_inclusion_proof_edge(s_counting_get,
                                                             &kept, &edge, i,
                                                             size, p2, &n2),
                             LPG_OK);
            assert_int_equal(n2, n);
            assert_memory_equal(p2, proof, n * LPG_HASH_LEN);
        }
        assert_int_equal(edge.size, size);
        /* kept: one hash for each set bit of size below its highest
         * whose suffix (size mod 2^(bit + 1)) is not a whole subtree */
        int want = 0;
        for (unsigned b = 0; b < 63 - (unsigned)__builtin_clzll(size); b++) {
            uint64_t c = size & ((2ULL << b) - 1);
            if ((size >> b & 1) && (c & (c - 1)) != 0)
                want++;
        }
        assert_int_equal(__builtin_popcountll(edge.have), want);
        /* each worked out once, then taken from the edge: a hit saves
         * at least the two nodes it was hashed from */
        assert_true(edge.hits > size / 2);
        assert_true((uint64_t)kept.gets + 2 * edge.hits <=
                    (uint64_t)plain.gets);
    }
    s_tree_free(&t);
}

/*  ---------------------------------------------------------------------
 *  Trees near 2^64 leaves: all leaves equal, so node (level, i) is the
 *  same hash for every i and the store needs only one per level.
 */

static lpg_hash_t s_level_hash[64];

static int
s_uniform_get(void *ctx, unsigned level, uint64_t index,
              uint8_t out[LPG_HASH_LEN])
{
    if (level >= 64 || index >= UINT64_MAX >> level)
        return LPG_ENOTFOUND;
    memcpy(out, s_level_hash[level], LPG_HASH_LEN);
    return LPG_OK;
}

static void
test_huge_trees(void **state)
{
    lpg_merkle_leaf_hash("x", 1, s_level_hash[0]);
    for (unsigned l = 1; l < 64; l++)
        lpg_merkle_node_hash(s_level_hash[l - 1], s_level_hash[l - 1],
                             s_level_hash[l]);
    const uint64_t max = UINT64_MAX;
    const uint8_t *leaf = s_level_hash[0];
    uint8_t root[LPG_HASH_LEN], root1[LPG_HASH_LEN];
    lpg_hash_t proof[LPG_MERKLE_MAX_PROOF];
    size_t n;

    /* 2^63 leaves: one stored node */
    assert_int_equal(
        lpg_merkle_root(s_uniform_get, NULL, (uint64_t)1 << 63, root), LPG_OK);
    assert_memory_equal(root, s_level_hash[63], LPG_HASH_LEN);

    assert_int_equal(lpg_merkle_root(s_uniform_get, NULL, max, root), LPG_OK);
    /* leaf 0 of 2^64 - 1 is 64 levels deep */
    assert_int_equal(
        lpg_merkle_inclusion_proof(s_uniform_get, NULL, 0, max, proof, &n),
        LPG_OK);
    assert_int_equal(n, 64);
    assert_int_equal(lpg_merkle_verify_inclusion(0, max, leaf, proof, n, root),
                     LPG_OK);
    assert_int_equal(
        lpg_merkle_verify_inclusion(0, max, leaf, proof, n - 1, root),
        LPG_EBADPROOF);
    /* the last leaf sits on the right edge: 63 hashes */
    assert_int_equal(lpg_merkle_inclusion_proof(s_uniform_get, NULL, max - 1,
                                                max, proof, &n),
                     LPG_OK);
    assert_int_equal(n, 63);
    assert_int_equal(
        lpg_merkle_verify_inclusion(max - 1, max, leaf, proof, n, root),
        LPG_OK);
    assert_int_equal(
        lpg_merkle_verify_inclusion(max, max, leaf, proof, n, root),
        LPG_EBADPROOF);

    /* consistency across the largest sizes */
    uint64_t size1 = ((uint64_t)1 << 62) + 12344;
    assert_int_equal(lpg_merkle_root(s_uniform_get, NULL, size1, root1),
                     LPG_OK);
    assert_int_equal(lpg_merkle_consistency_proof(s_uniform_get, NULL, size1,
                                                  max, proof, &n),
                     LPG_OK);
    assert_int_equal(
        lpg_merkle_verify_consistency(size1, max, root1, root, proof, n),
        LPG_OK);
    assert_int_equal(
        lpg_merkle_verify_consistency(size1, max, root1, root, proof, n - 1),
        LPG_EBADPROOF);
    /* the longest proof up to 2^63 leaves: 64 hashes */
    uint64_t half = (uint64_t)1 << 63;
    size1 = ((uint64_t)1 << 62) - 1;
    assert_int_equal(lpg_merkle_root(s_uniform_get, NULL, size1, root1),
                     LPG_OK);
    assert_int_equal(lpg_merkle_consistency_proof(s_uniform_get, NULL, size1,
                                                  half, proof, &n),
                     LPG_OK);
    assert_int_equal(n, 64);
    assert_int_equal(lpg_merkle_verify_consistency(size1, half, root1,
                                                   s_level_hash[63], proof, n),
                     LPG_OK);
    /* above 2^63 leaves some proofs need 65 hashes, one more than the
     * API holds */
    assert_int_equal(lpg_merkle_consistency_proof(s_uniform_get, NULL,
                                                  ((uint64_t)1 << 63) - 1, max,
                                                  proof, &n),
                     LPG_ETOOBIG);
    assert_int_equal(n, 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hashes),
        cmocka_unit_test(test_readme_roots),
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_small_proofs),
        cmocka_unit_test(test_verify_edges),
        cmocka_unit_test(test_append_cost),
        cmocka_unit_test(test_store_errors),
        cmocka_unit_test(test_random_trees),
        cmocka_unit_test(test_edge_proofs),
        cmocka_unit_test(test_huge_trees),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
