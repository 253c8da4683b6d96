/*  replay.c - see replay.h. */
#include "net/replay.h"
#include "base/error.h"
#include "crypto/crypto.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define S_SLOTS 8    /* nonces of one bucket */
#define S_TAG_LEN 16 /* bytes of the keyed hash kept per nonce */
#define S_BLOCK 64   /* SHA-256's block: HMAC's padded key */

typedef struct {
    uint8_t tag[S_TAG_LEN];
    uint64_t expires_ms; /* 0: never used */
} s_slot_t;

struct lpg_replay {
    pthread_mutex_t lock;
    /* HMAC-SHA-256's key, padded to a block and xored with ipad and
     * opad once, at start: a check then costs two SHA-256 runs on the
     * thread's digest context, no MAC context made and fetched anew */
    uint8_t ipad[S_BLOCK], opad[S_BLOCK];
    uint64_t window_ms;
    size_t nbuckets;
    s_slot_t *slots; /* nbuckets * S_SLOTS */
};

int
lpg_replay_new(lpg_replay_t **out, size_t capacity, uint64_t window_ms)
{
    *out = NULL;
    if (capacity == 0 || window_ms == 0 || capacity > ((size_t)1 << 28))
        return LPG_EINVAL;
    lpg_replay_t *r = calloc(1, sizeof *r);
    if (!r)
        return LPG_ENOMEM;
    r->nbuckets = (capacity + S_SLOTS - 1) / S_SLOTS;
    r->slots = calloc(r->nbuckets * S_SLOTS, sizeof *r->slots);
    uint8_t key[32];
    if (!r->slots || lpg_random(key, sizeof key) != LPG_OK ||
        pthread_mutex_init(&r->lock, NULL) != 0) {
        free(r->slots);
        free(r);
        return LPG_ENOMEM;
    }
    memset(r->ipad, 0x36, sizeof r->ipad);
    memset(r->opad, 0x5c, sizeof r->opad);
    for (size_t i = 0; i < sizeof key; i++) {
        r->ipad[i] ^= key[i];
        r->opad[i] ^= key[i];
    }
    memset(key, 0, sizeof key);
    r->window_ms = window_ms;
    *out = r;
    return LPG_OK;
}

int
lpg_replay_check(lpg_replay_t *r, const uint8_t *key_id, size_t idlen,
                 const char *nonce, size_t len, uint64_t created_ms,
                 uint64_t now_ms)
{
    if (!nonce || len == 0)
        return LPG_EINVAL;
    if (created_ms > now_ms && created_ms - now_ms > r->window_ms)
        return LPG_ECLOCK_AHEAD;
    if (now_ms > created_ms && now_ms - created_ms > r->window_ms)
        return LPG_ECLOCK_BEHIND;
    /* HMAC(key, len(key id) || key id || nonce): the lengths keep two
     * different pairs from running together */
    uint64_t n = idlen;
    uint8_t mac[32];
    const lpg_iov_t inner[] = {
        {r->ipad, sizeof r->ipad}, {&n, 8}, {key_id, idlen}, {nonce, len}};
    lpg_sha256v(inner, 4, mac);
    const lpg_iov_t outer[] = {{r->opad, sizeof r->opad}, {mac, sizeof mac}};
    lpg_sha256v(outer, 2, mac);
    uint64_t h;
    memcpy(&h, mac + S_TAG_LEN, sizeof h);
    /* A nonce lives as long as a request signed with it can pass: until
     * created + window. */
    uint64_t expires = created_ms + r->window_ms + 1;
    pthread_mutex_lock(&r->lock);
    s_slot_t *b = &r->slots[(h % r->nbuckets) * S_SLOTS];
    s_slot_t *free_slot = NULL;
    int rc = LPG_OK;
    for (size_t i = 0; i < S_SLOTS; i++) {
        bool live = b[i].expires_ms > now_ms;
        if (live && memcmp(b[i].tag, mac, S_TAG_LEN) == 0) {
            rc = LPG_EEXIST;
            break;
        }
        if (!live && !free_slot)
            free_slot = &b[i];
    }
    if (rc == LPG_OK && !free_slot)
        rc = LPG_ETOOBIG;
    if (rc == LPG_OK) {
        memcpy(free_slot->tag, mac, S_TAG_LEN);
        free_slot->expires_ms = expires;
    }
    pthread_mutex_unlock(&r->lock);
    return rc;
}

void
lpg_replay_destroy(lpg_replay_t **p)
{
    if (!p || !*p)
        return;
    pthread_mutex_destroy(&(*p)->lock);
    memset((*p)->ipad, 0, sizeof(*p)->ipad);
    memset((*p)->opad, 0, sizeof(*p)->opad);
    free((*p)->slots);
    free(*p);
    *p = NULL;
}
