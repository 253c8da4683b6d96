/*  keyring.h - parsed public keys by key id, so a busy device's key is
 *  turned into an OpenSSL object once, not per event.
 *
 *  Keys handed out stay valid until lpg_keyring_clear or destroy: a batch
 *  being verified on several threads can hold them safely. Not
 *  thread-safe for adding; lookups of returned keys are read-only.
 */
#ifndef LPG_KEYRING_H
#define LPG_KEYRING_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"

typedef struct lpg_keyring lpg_keyring_t;

int lpg_keyring_new(lpg_keyring_t **out);
void lpg_keyring_destroy(lpg_keyring_t **p);

/*  The key for id, made from pub the first time (and again if pub
 *  changed). Owned by the ring; NULL on out of memory or a bad key. */
const lpg_key_t *lpg_keyring_get(lpg_keyring_t *r,
                                 const uint8_t id[LPG_KEYID_LEN],
                                 const uint8_t pub[LPG_ED25519_PUB_LEN]);

/*  Keys held. */
size_t lpg_keyring_size(const lpg_keyring_t *r);

/*  Forgets every key (those handed out become invalid). */
void lpg_keyring_clear(lpg_keyring_t *r);

#endif
