/*  proof.h - Merkle proofs as JSON documents.
 *
 *  Field names follow the published RFC 9162 test vectors: inclusion
 *  {leafIdx, treeSize, root, leafHash, proof[]}, consistency {size1, size2,
 *  root1, root2, proof[]}; hashes in standard base64. Anyone can check such
 *  a file with `lpgtrace proof verify`.
 */
#ifndef LPG_PROOF_H
#define LPG_PROOF_H

#include <stddef.h>
#include <stdint.h>

#include "ledger/merkle.h"

/*  JSON text (pretty, ends with a newline). Caller frees; NULL on ENOMEM. */
char *lpg_proof_inclusion_json(uint64_t index, uint64_t size,
                               const uint8_t root[LPG_HASH_LEN],
                               const uint8_t leaf[LPG_HASH_LEN],
                               const lpg_hash_t *proof, size_t n);
char *lpg_proof_consistency_json(uint64_t size1, uint64_t size2,
                                 const uint8_t root1[LPG_HASH_LEN],
                                 const uint8_t root2[LPG_HASH_LEN],
                                 const lpg_hash_t *proof, size_t n);

/*  Checks one JSON proof document (either kind, told apart by its
 *  fields). LPG_OK if it verifies; LPG_EBADPROOF if it does not;
 *  LPG_EMALFORMED if it is not a proof document (bad JSON, missing field,
 *  hash not 32 bytes of base64). `why` (may be NULL) gets one line. */
int lpg_proof_verify_json(const char *text, size_t len, char *why,
                          size_t whysz);

#endif
