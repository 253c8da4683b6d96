/*  keyring.c - see keyring.h. A chained hash table on the key id. */
#include "crypto/keyring.h"
#include "base/error.h"

#include <stdlib.h>
#include <string.h>

#define S_BUCKETS 4096

typedef struct s_node {
    uint8_t id[LPG_KEYID_LEN];
    uint8_t pub[LPG_ED25519_PUB_LEN];
    lpg_key_t *key;
    struct s_node *next;
} s_node_t;

struct lpg_keyring {
    s_node_t *buckets[S_BUCKETS];
    size_t size;
};

int
lpg_keyring_new(lpg_keyring_t **out)
{
    *out = calloc(1, sizeof **out);
    return *out ? LPG_OK : LPG_ENOMEM;
}

void
lpg_keyring_clear(lpg_keyring_t *r)
{
    for (size_t b = 0; b < S_BUCKETS; b++) {
        s_node_t *n = r->buckets[b];
        while (n) {
            s_node_t *next = n->next;
            lpg_key_destroy(&n->key);
            free(n);
            n = next;
        }
        r->buckets[b] = NULL;
    }
    r->size = 0;
}

void
lpg_keyring_destroy(lpg_keyring_t **p)
{
    if (!p || !*p)
        return;
    lpg_keyring_clear(*p);
    free(*p);
    *p = NULL;
}

size_t
lpg_keyring_size(const lpg_keyring_t *r)
{
    return r->size;
}

const lpg_key_t *
lpg_keyring_get(lpg_keyring_t *r, const uint8_t id[LPG_KEYID_LEN],
                const uint8_t pub[LPG_ED25519_PUB_LEN])
{
    size_t b = ((size_t)id[0] << 8 | id[1]) % S_BUCKETS;
    for (s_node_t *n = r->buckets[b]; n; n = n->next)
        if (memcmp(n->id, id, LPG_KEYID_LEN) == 0 &&
            memcmp(n->pub, pub, LPG_ED25519_PUB_LEN) == 0)
            return n->key;
    s_node_t *n = calloc(1, sizeof *n);
    if (!n)
        return NULL;
    if (lpg_key_from_raw_public(&n->key, pub) != LPG_OK) {
        free(n);
        return NULL;
    }
    memcpy(n->id, id, LPG_KEYID_LEN);
    memcpy(n->pub, pub, LPG_ED25519_PUB_LEN);
    n->next = r->buckets[b];
    r->buckets[b] = n;
    r->size++;
    return n->key;
}
