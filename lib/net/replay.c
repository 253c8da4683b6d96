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

typedef struct {
    uint8_t tag[S_TAG_LEN];
    uint64_t expires_ms; /* 0: never used */
} s_slot_t;

struct lpg_replay {
    pthread_mutex_t lock;
    uint8_t key[32]; /* the keyed hash's key */
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
    if (!r->slots || lpg_random(r->key, sizeof r->key) != LPG_OK ||
        pthread_mutex_init(&r->lock, NULL) != 0) {
        free(r->slots);
        free(r);
        return LPG_ENOMEM;
    }
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
    uint8_t *msg = malloc(8 + idlen + len);
    if (!msg)
        return LPG_ENOMEM;
    uint64_t n = idlen;
    memcpy(msg, &n, 8);
    memcpy(msg + 8, key_id, idlen);
    memcpy(msg + 8 + idlen, nonce, len);
    uint8_t mac[32];
    lpg_hmac_sha256(r->key, sizeof r->key, msg, 8 + idlen + len, mac);
    free(msg);
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
    free((*p)->slots);
    free(*p);
    *p = NULL;
}
