/*  checkpoint.h - signed tree heads as C2SP tlog-checkpoint signed notes.
 *
 *  A checkpoint note is the text "<origin>\n<size>\n<base64 root>\n", a
 *  blank line, then one line per signature: "— <key name> <base64 of a
 *  4-byte key hash and the 64-byte Ed25519 signature>". The ledger key
 *  signs with the origin as its key name; the key hash is the first 4
 *  bytes of SHA-256(name || "\n" || 0x01 || public key).
 */
#ifndef LPG_CHECKPOINT_H
#define LPG_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"

#define LPG_CHECKPOINT_MAX 4096 /* longest note accepted */

typedef struct {
    char origin[256];
    uint64_t size;
    uint8_t root[32];
} lpg_checkpoint_t;

/*  Signs a checkpoint; *note is the whole note text (caller frees). */
int lpg_checkpoint_sign(const lpg_key_t *key, const char *origin,
                        uint64_t size, const uint8_t root[32], char **note);

/*  Parses the note and checks that it carries a valid signature by key
 *  under the name `origin`. LPG_EBADNOTE: not a checkpoint note (why
 *  says where); LPG_EBADSIG: no signature by this key verifies;
 *  LPG_EINVAL: the note is for another origin. */
int lpg_checkpoint_open(const char *note, size_t len, const lpg_key_t *key,
                        const char *origin, lpg_checkpoint_t *out, char *why,
                        size_t whysz);

#endif
