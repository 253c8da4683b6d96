/*  merkle.h - RFC 6962 / RFC 9162 Merkle tree hashing and proofs.
 *
 *  Pure functions over a node store given as callbacks, so the same code
 *  serves the LMDB ledger and in-memory trees. Node (level, index) is the
 *  hash of the complete subtree over leaves [index << level,
 *  (index + 1) << level); level 0 holds the leaf hashes. Appending leaf n
 *  stores its leaf hash and every subtree it completes: O(log n) work.
 */
#ifndef LPG_MERKLE_H
#define LPG_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#define LPG_HASH_LEN 32
#define LPG_MERKLE_MAX_PROOF 64

typedef uint8_t lpg_hash_t[LPG_HASH_LEN];

/*  Node store. get returns LPG_OK, LPG_ENOTFOUND or another error. */
typedef int (*lpg_merkle_get_fn)(void *ctx, unsigned level, uint64_t index,
                                 uint8_t out[LPG_HASH_LEN]);
typedef int (*lpg_merkle_put_fn)(void *ctx, unsigned level, uint64_t index,
                                 const uint8_t hash[LPG_HASH_LEN]);

/*  SHA-256(0x00 || data). */
void lpg_merkle_leaf_hash(const void *data, size_t len,
                          uint8_t out[LPG_HASH_LEN]);
/*  SHA-256(0x01 || left || right). */
void lpg_merkle_node_hash(const uint8_t left[LPG_HASH_LEN],
                          const uint8_t right[LPG_HASH_LEN],
                          uint8_t out[LPG_HASH_LEN]);

/*  Adds leaf number `size` (the tree had `size` leaves before): puts
 *  (0, size) and every subtree hash the new leaf completes. */
int lpg_merkle_append(lpg_merkle_get_fn get, lpg_merkle_put_fn put, void *ctx,
                      uint64_t size, const uint8_t leaf[LPG_HASH_LEN]);

/*  Root of the first `size` leaves (size 0: SHA-256 of nothing). */
int lpg_merkle_root(lpg_merkle_get_fn get, void *ctx, uint64_t size,
                    uint8_t out[LPG_HASH_LEN]);

/*  RFC 9162 inclusion proof of leaf `index` in the tree of `size`
 *  (index < size). Writes up to LPG_MERKLE_MAX_PROOF hashes, *n of them. */
int lpg_merkle_inclusion_proof(lpg_merkle_get_fn get, void *ctx,
                               uint64_t index, uint64_t size,
                               lpg_hash_t proof[LPG_MERKLE_MAX_PROOF],
                               size_t *n);

/*  The right edge of one tree size, as its inclusion proofs need it. A
 *  tree whose size is not a power of two ends in incomplete subtrees: a
 *  proof names at most one a level, each hashed from up to 64 stored
 *  nodes, and every proof in that tree names the same ones. A caller
 *  proving many leaves keeps one of these (zeroed at first, one a
 *  thread) so each is worked out once; another size starts it over. */
typedef struct {
    uint64_t size;       /* the tree size the hashes belong to */
    uint64_t have;       /* bit b: hash[b] is known */
    lpg_hash_t hash[64]; /* [b]: the last size mod 2^(b + 1) leaves */
    uint64_t hits;       /* proof hashes taken from here */
} lpg_merkle_edge_t;

/*  lpg_merkle_inclusion_proof, keeping the edge's hashes in *edge (NULL:
 *  none kept). The proof is the same either way. */
int lpg_merkle_inclusion_proof_edge(lpg_merkle_get_fn get, void *ctx,
                                    lpg_merkle_edge_t *edge, uint64_t index,
                                    uint64_t size,
                                    lpg_hash_t proof[LPG_MERKLE_MAX_PROOF],
                                    size_t *n);

/*  RFC 9162 consistency proof from size1 to size2 (0 < size1 <= size2). */
int lpg_merkle_consistency_proof(lpg_merkle_get_fn get, void *ctx,
                                 uint64_t size1, uint64_t size2,
                                 lpg_hash_t proof[LPG_MERKLE_MAX_PROOF],
                                 size_t *n);

/*  RFC 9162 §2.1.3.2 verification. LPG_OK or LPG_EBADPROOF (also for an
 *  index out of range or a proof of the wrong length). */
int lpg_merkle_verify_inclusion(uint64_t index, uint64_t size,
                                const uint8_t leaf[LPG_HASH_LEN],
                                const lpg_hash_t *proof, size_t n,
                                const uint8_t root[LPG_HASH_LEN]);

/*  RFC 9162 §2.1.4.2 verification. LPG_OK or LPG_EBADPROOF. */
int lpg_merkle_verify_consistency(uint64_t size1, uint64_t size2,
                                  const uint8_t root1[LPG_HASH_LEN],
                                  const uint8_t root2[LPG_HASH_LEN],
                                  const lpg_hash_t *proof, size_t n);

/*  An in-memory node store (tests, tools). Caller owns *out. */
typedef struct lpg_merkle_mem lpg_merkle_mem_t;
int lpg_merkle_mem_new(lpg_merkle_mem_t **out);
void lpg_merkle_mem_destroy(lpg_merkle_mem_t **p);
int lpg_merkle_mem_get(void *ctx, unsigned level, uint64_t index,
                       uint8_t out[LPG_HASH_LEN]);
int lpg_merkle_mem_put(void *ctx, unsigned level, uint64_t index,
                       const uint8_t hash[LPG_HASH_LEN]);

#endif
