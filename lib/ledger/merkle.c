/*  merkle.c - see merkle.h. RFC 9162 hashing, proofs and their checks,
 *  written as loops over the stored complete subtrees (no recursion), and
 *  an in-memory node store kept as one growable array per level.
 */
#include "ledger/merkle.h"
#include "crypto/crypto.h"
#include "base/error.h"

#include <assert.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define S_LEVELS 64 /* a tree of at most 2^64 - 1 leaves has levels 0..63 */

static const uint8_t s_leaf_prefix = 0x00;
static const uint8_t s_node_prefix = 0x01;

void
lpg_merkle_leaf_hash(const void *data, size_t len, uint8_t out[LPG_HASH_LEN])
{
    lpg_iov_t parts[2] = {
        {&s_leaf_prefix, 1},
        {len ? data : "", len},
    };
    lpg_sha256v(parts, 2, out);
}

void
lpg_merkle_node_hash(const uint8_t left[LPG_HASH_LEN],
                     const uint8_t right[LPG_HASH_LEN],
                     uint8_t out[LPG_HASH_LEN])
{
    lpg_iov_t parts[3] = {
        {&s_node_prefix, 1},
        {left, LPG_HASH_LEN},
        {right, LPG_HASH_LEN},
    };
    lpg_sha256v(parts, 3, out);
}

/*  Largest power of two <= n (n > 0). */
static uint64_t
s_highbit(uint64_t n)
{
    assert(n > 0);
    return (uint64_t)1 << (63 - __builtin_clzll(n));
}

/*  Largest power of two < n (n > 1): the RFC's split point k. */
static uint64_t
s_split(uint64_t n)
{
    assert(n > 1);
    return s_highbit(n - 1);
}

static bool
s_is_pow2(uint64_t n)
{
    return n != 0 && (n & (n - 1)) == 0;
}

/*  MTH of leaves [start, start + count), count > 0, start a multiple of
 *  the largest power of two <= count (true of every range a proof needs).
 *  The range is the complete subtrees named by the bits of count, left to
 *  right from the highest bit; they are folded from the right. */
static int
s_range_hash(lpg_merkle_get_fn get, void *ctx, uint64_t start, uint64_t count,
             uint8_t out[LPG_HASH_LEN])
{
    assert(count > 0);
    assert((start & (s_highbit(count) - 1)) == 0);
    bool first = true;
    for (unsigned bit = 0; bit < 64; bit++) {
        uint64_t size = (uint64_t)1 << bit;
        if (!(count & size))
            continue;
        /* the pieces to the left of this one are the higher bits */
        uint64_t above = bit == 63 ? 0 : count >> (bit + 1) << (bit + 1);
        uint64_t pos = start + above;
        uint8_t piece[LPG_HASH_LEN];
        int rc = get(ctx, bit, pos >> bit, first ? out : piece);
        if (rc != LPG_OK)
            return rc;
        if (!first)
            lpg_merkle_node_hash(piece, out, out);
        first = false;
    }
    return LPG_OK;
}

int
lpg_merkle_append(lpg_merkle_get_fn get, lpg_merkle_put_fn put, void *ctx,
                  uint64_t size, const uint8_t leaf[LPG_HASH_LEN])
{
    if (size == UINT64_MAX)
        return LPG_ERANGE;
    int rc = put(ctx, 0, size, leaf);
    if (rc != LPG_OK)
        return rc;
    uint8_t node[LPG_HASH_LEN];
    uint8_t left[LPG_HASH_LEN];
    memcpy(node, leaf, LPG_HASH_LEN);
    unsigned level = 0;
    uint64_t index = size;
    /* an odd index is a right child: its subtree is now complete */
    while (index & 1) {
        rc = get(ctx, level, index - 1, left);
        if (rc != LPG_OK)
            return rc;
        lpg_merkle_node_hash(left, node, node);
        level++;
        index >>= 1;
        rc = put(ctx, level, index, node);
        if (rc != LPG_OK)
            return rc;
    }
    return LPG_OK;
}

int
lpg_merkle_root(lpg_merkle_get_fn get, void *ctx, uint64_t size,
                uint8_t out[LPG_HASH_LEN])
{
    if (size == 0) {
        lpg_sha256("", 0, out);
        return LPG_OK;
    }
    return s_range_hash(get, ctx, 0, size, out);
}

static void
s_reverse(lpg_hash_t *proof, size_t n)
{
    for (size_t i = 0; i < n / 2; i++) {
        lpg_hash_t tmp;
        memcpy(tmp, proof[i], LPG_HASH_LEN);
        memcpy(proof[i], proof[n - 1 - i], LPG_HASH_LEN);
        memcpy(proof[n - 1 - i], tmp, LPG_HASH_LEN);
    }
}

/*  MTH of the last `count` leaves of the edge's tree (start + count is
 *  its size): kept in the edge when more than one stored node makes it,
 *  so the next proof in the same tree reads none of them. */
static int
s_edge_hash(lpg_merkle_get_fn get, void *ctx, lpg_merkle_edge_t *edge,
            uint64_t start, uint64_t count, uint8_t out[LPG_HASH_LEN])
{
    if (!edge || s_is_pow2(count) || start + count != edge->size)
        return s_range_hash(get, ctx, start, count, out);
    unsigned b = 63 - (unsigned)__builtin_clzll(count);
    uint64_t bit = (uint64_t)1 << b;
    if (edge->have & bit) {
        memcpy(out, edge->hash[b], LPG_HASH_LEN);
        edge->hits++;
        return LPG_OK;
    }
    int rc = s_range_hash(get, ctx, start, count, out);
    if (rc == LPG_OK) {
        memcpy(edge->hash[b], out, LPG_HASH_LEN);
        edge->have |= bit;
    }
    return rc;
}

int
lpg_merkle_inclusion_proof(lpg_merkle_get_fn get, void *ctx, uint64_t index,
                           uint64_t size,
                           lpg_hash_t proof[LPG_MERKLE_MAX_PROOF], size_t *n)
{
    return lpg_merkle_inclusion_proof_edge(get, ctx, NULL, index, size, proof,
                                           n);
}

/*  PATH(m, D[n]) of RFC 9162 §2.1.3.1, walked from the root down: each
 *  step keeps the half holding leaf m and records the other half's MTH.
 *  The RFC lists the hashes from the leaf up, hence the final reverse.
 *  Every right half the walk does not take ends where the tree does: the
 *  edge's. */
int
lpg_merkle_inclusion_proof_edge(lpg_merkle_get_fn get, void *ctx,
                                lpg_merkle_edge_t *edge, uint64_t index,
                                uint64_t size,
                                lpg_hash_t proof[LPG_MERKLE_MAX_PROOF],
                                size_t *n)
{
    *n = 0;
    if (index >= size)
        return LPG_ERANGE;
    if (edge && edge->size != size) {
        edge->size = size;
        edge->have = 0;
    }
    uint64_t lo = 0, count = size, m = index;
    size_t used = 0;
    while (count > 1) {
        uint64_t k = s_split(count);
        int rc;
        /* a tree of < 2^64 leaves is at most 64 levels deep */
        assert(used < LPG_MERKLE_MAX_PROOF);
        if (m < k) {
            rc = s_edge_hash(get, ctx, edge, lo + k, count - k, proof[used]);
            count = k;
        } else {
            rc = s_range_hash(get, ctx, lo, k, proof[used]);
            lo += k;
            m -= k;
            count -= k;
        }
        if (rc != LPG_OK)
            return rc;
        used++;
    }
    s_reverse(proof, used);
    *n = used;
    return LPG_OK;
}

/*  SUBPROOF(m, D[n], true) of RFC 9162 §2.1.4.1, walked from the root
 *  down the same way; once the walk has gone right, the subtree where it
 *  stops (m == n) is not known to the verifier and is added to the proof.
 *  Only trees of more than 2^63 leaves can need 65 hashes: LPG_ETOOBIG. */
int
lpg_merkle_consistency_proof(lpg_merkle_get_fn get, void *ctx, uint64_t size1,
                             uint64_t size2,
                             lpg_hash_t proof[LPG_MERKLE_MAX_PROOF], size_t *n)
{
    *n = 0;
    if (size1 == 0 || size1 > size2)
        return LPG_ERANGE;
    uint64_t lo = 0, count = size2, m = size1;
    bool whole = true; /* the walk went left only: the verifier has it */
    size_t used = 0;
    int rc;
    while (m != count) {
        uint64_t k = s_split(count);
        if (used == LPG_MERKLE_MAX_PROOF)
            return LPG_ETOOBIG;
        if (m <= k) {
            rc = s_range_hash(get, ctx, lo + k, count - k, proof[used]);
            count = k;
        } else {
            rc = s_range_hash(get, ctx, lo, k, proof[used]);
            lo += k;
            m -= k;
            count -= k;
            whole = false;
        }
        if (rc != LPG_OK)
            return rc;
        used++;
    }
    if (!whole) {
        if (used == LPG_MERKLE_MAX_PROOF)
            return LPG_ETOOBIG;
        rc = s_range_hash(get, ctx, lo, count, proof[used]);
        if (rc != LPG_OK)
            return rc;
        used++;
    }
    s_reverse(proof, used);
    *n = used;
    return LPG_OK;
}

/*  Shifts fn and sn right together until fn is odd or zero. */
static void
s_shift_to_odd(uint64_t *fn, uint64_t *sn)
{
    while (!(*fn & 1) && *fn != 0) {
        *fn >>= 1;
        *sn >>= 1;
    }
}

int
lpg_merkle_verify_inclusion(uint64_t index, uint64_t size,
                            const uint8_t leaf[LPG_HASH_LEN],
                            const lpg_hash_t *proof, size_t n,
                            const uint8_t root[LPG_HASH_LEN])
{
    if (index >= size)
        return LPG_EBADPROOF;
    uint64_t fn = index, sn = size - 1;
    uint8_t r[LPG_HASH_LEN];
    memcpy(r, leaf, LPG_HASH_LEN);
    for (size_t i = 0; i < n; i++) {
        if (sn == 0)
            return LPG_EBADPROOF; /* proof too long */
        if ((fn & 1) || fn == sn) {
            lpg_merkle_node_hash(proof[i], r, r);
            if (!(fn & 1))
                s_shift_to_odd(&fn, &sn);
        } else {
            lpg_merkle_node_hash(r, proof[i], r);
        }
        fn >>= 1;
        sn >>= 1;
    }
    if (sn != 0)
        return LPG_EBADPROOF; /* proof too short */
    return memcmp(r, root, LPG_HASH_LEN) == 0 ? LPG_OK : LPG_EBADPROOF;
}

/*  Besides the RFC's algorithm (for 0 < size1 < size2): equal sizes need
 *  an empty proof and equal roots; size1 == 0 needs an empty proof and
 *  root1 the empty tree's hash, as every tree extends the empty one. */
int
lpg_merkle_verify_consistency(uint64_t size1, uint64_t size2,
                              const uint8_t root1[LPG_HASH_LEN],
                              const uint8_t root2[LPG_HASH_LEN],
                              const lpg_hash_t *proof, size_t n)
{
    if (size1 > size2)
        return LPG_EBADPROOF;
    if (size1 == size2) {
        if (n != 0)
            return LPG_EBADPROOF;
        return memcmp(root1, root2, LPG_HASH_LEN) == 0 ? LPG_OK
                                                       : LPG_EBADPROOF;
    }
    if (size1 == 0) {
        uint8_t empty[LPG_HASH_LEN];
        lpg_sha256("", 0, empty);
        if (n != 0)
            return LPG_EBADPROOF;
        return memcmp(root1, empty, LPG_HASH_LEN) == 0 ? LPG_OK
                                                       : LPG_EBADPROOF;
    }
    if (n == 0)
        return LPG_EBADPROOF;
    /* a power-of-two size1 is a complete subtree: the RFC prepends
     * first_hash to the path, i.e. it starts from root1 */
    size_t next = 0;
    const uint8_t *seed = root1;
    if (!s_is_pow2(size1)) {
        seed = proof[0];
        next = 1;
    }
    uint64_t fn = size1 - 1, sn = size2 - 1;
    while (fn & 1) {
        fn >>= 1;
        sn >>= 1;
    }
    uint8_t fr[LPG_HASH_LEN], sr[LPG_HASH_LEN];
    memcpy(fr, seed, LPG_HASH_LEN);
    memcpy(sr, seed, LPG_HASH_LEN);
    for (size_t i = next; i < n; i++) {
        if (sn == 0)
            return LPG_EBADPROOF; /* proof too long */
        if ((fn & 1) || fn == sn) {
            lpg_merkle_node_hash(proof[i], fr, fr);
            lpg_merkle_node_hash(proof[i], sr, sr);
            if (!(fn & 1))
                s_shift_to_odd(&fn, &sn);
        } else {
            lpg_merkle_node_hash(sr, proof[i], sr);
        }
        fn >>= 1;
        sn >>= 1;
    }
    if (sn != 0)
        return LPG_EBADPROOF; /* proof too short */
    if (memcmp(fr, root1, LPG_HASH_LEN) != 0 ||
        memcmp(sr, root2, LPG_HASH_LEN) != 0)
        return LPG_EBADPROOF;
    return LPG_OK;
}

/*  In-memory store: level L holds nodes 0..len-1 contiguously. Nodes are
 *  put in index order at each level (as lpg_merkle_append does); a put
 *  beyond the end of a level would leave a gap and is refused. */
typedef struct {
    lpg_hash_t *hashes;
    uint64_t len;
    uint64_t cap;
} s_level_t;

struct lpg_merkle_mem {
    s_level_t levels[S_LEVELS];
};

int
lpg_merkle_mem_new(lpg_merkle_mem_t **out)
{
    *out = calloc(1, sizeof **out);
    return *out ? LPG_OK : LPG_ENOMEM;
}

void
lpg_merkle_mem_destroy(lpg_merkle_mem_t **p)
{
    if (!p || !*p)
        return;
    for (unsigned i = 0; i < S_LEVELS; i++)
        free((*p)->levels[i].hashes);
    free(*p);
    *p = NULL;
}

int
lpg_merkle_mem_get(void *ctx, unsigned level, uint64_t index,
                   uint8_t out[LPG_HASH_LEN])
{
    lpg_merkle_mem_t *mem = ctx;
    assert(mem);
    if (level >= S_LEVELS || index >= mem->levels[level].len)
        return LPG_ENOTFOUND;
    memcpy(out, mem->levels[level].hashes[index], LPG_HASH_LEN);
    return LPG_OK;
}

int
lpg_merkle_mem_put(void *ctx, unsigned level, uint64_t index,
                   const uint8_t hash[LPG_HASH_LEN])
{
    lpg_merkle_mem_t *mem = ctx;
    assert(mem);
    if (level >= S_LEVELS)
        return LPG_ERANGE;
    s_level_t *lv = &mem->levels[level];
    if (index > lv->len)
        return LPG_ERANGE;
    if (index == lv->len) {
        if (lv->len == lv->cap) {
            uint64_t cap = lv->cap ? lv->cap * 2 : 16;
            if (cap > SIZE_MAX / sizeof(lpg_hash_t))
                return LPG_ENOMEM;
            lpg_hash_t *grown =
                realloc(lv->hashes, (size_t)cap * sizeof(lpg_hash_t));
            if (!grown)
                return LPG_ENOMEM;
            lv->hashes = grown;
            lv->cap = cap;
        }
        lv->len++;
    }
    memcpy(lv->hashes[index], hash, LPG_HASH_LEN);
    return LPG_OK;
}
