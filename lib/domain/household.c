/*  household.c - see household.h. */
#include "domain/household.h"
#include "base/error.h"
#include "codes/gascert.h"
#include "crypto/crypto.h"
#include "domain/delivery_rules.h"
#include "domain/state.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*  The user's open major hazards as text (caller frees), or NULL when
 *  none is open. The inspection service keeps a UserHazards record under
 *  "user/<id>" in the hazards table (lib/domain/inspection.h). */
char *
lpg_delivery_hazard(lpg_txn_t *t, const char *user)
{
    char key[LPG_STRING_MAX + 8];
    if (lpg_delivery_hazard_key(key, sizeof key, user) != LPG_OK)
        return NULL;
    const void *v;
    size_t vlen;
    if (lpg_txn_get(t, LPG_TABLE_HAZARDS, key, strlen(key), &v, &vlen) !=
        LPG_OK)
        return NULL;
    Lpg__UserHazards *h = lpg__user_hazards__unpack(NULL, vlen, v);
    char *text = NULL;
    if (!h) {
        text = strdup("open (record unreadable)"); /* fail closed */
    } else if (h->open_major > 0) {
        char buf[64];
        snprintf(buf, sizeof buf, "%u major hazard%s open", h->open_major,
                 h->open_major == 1 ? "" : "s");
        text = strdup(buf);
    }
    if (h)
        lpg__user_hazards__free_unpacked(h, NULL);
    return text;
}

/*  The device whose key the gas-use certificate names (caller frees), or
 *  NULL when the text names none or no such device was ever enrolled. */
Lpg__DeviceState *
lpg_delivery_cert_signer(lpg_txn_t *t, const char *text)
{
    lpg_gascert_t c;
    Lpg__DeviceState *dev = NULL;
    if (text && lpg_gascert_parse(&c, text, strlen(text), NULL) == LPG_OK &&
        lpg_state_device(t, c.key_id, &dev) != LPG_OK)
        dev = NULL;
    return dev;
}

#define S_MEMO_SLOTS 4096

typedef struct {
    uint8_t id[32]; /* SHA-256 of the key and the text */
    int rc;
    bool used;
} s_memo_slot_t;

struct lpg_cert_memo {
    pthread_mutex_t lock;
    s_memo_slot_t slot[S_MEMO_SLOTS];
};

int
lpg_cert_memo_new(lpg_cert_memo_t **out)
{
    *out = calloc(1, sizeof **out);
    if (!*out)
        return LPG_ENOMEM;
    pthread_mutex_init(&(*out)->lock, NULL);
    return LPG_OK;
}

void
lpg_cert_memo_destroy(lpg_cert_memo_t **p)
{
    if (!p || !*p)
        return;
    pthread_mutex_destroy(&(*p)->lock);
    free(*p);
    *p = NULL;
}

/*  The slot that holds, or would hold, id. */
static s_memo_slot_t *
s_memo_slot(lpg_cert_memo_t *m, const uint8_t id[32])
{
    uint32_t at = (uint32_t)id[0] | (uint32_t)id[1] << 8 |
                  (uint32_t)id[2] << 16 | (uint32_t)id[3] << 24;
    return &m->slot[at % S_MEMO_SLOTS];
}

bool
lpg_delivery_cert_check(lpg_txn_t *t, const char *text, const char *resolver,
                        lpg_cert_memo_t *memo, lpg_cert_check_t *out)
{
    lpg_gascert_t c;
    size_t len = text ? strlen(text) : 0;
    if (!len || lpg_gascert_parse(&c, text, len, resolver) != LPG_OK)
        return false;
    Lpg__DeviceState *dev = NULL;
    if (lpg_state_device(t, c.key_id, &dev) != LPG_OK)
        return false;
    bool done = dev->sign_pub.len == LPG_ED25519_PUB_LEN;
    if (done)
        memcpy(out->pub, dev->sign_pub.data, LPG_ED25519_PUB_LEN);
    lpg__device_state__free_unpacked(dev, NULL);
    if (!done)
        return false;
    uint8_t id[32];
    bool known = false;
    if (memo) {
        lpg_iov_t parts[2] = {{out->pub, LPG_ED25519_PUB_LEN}, {text, len}};
        lpg_sha256v(parts, 2, id);
        pthread_mutex_lock(&memo->lock);
        s_memo_slot_t *s = s_memo_slot(memo, id);
        known = s->used && memcmp(s->id, id, sizeof id) == 0;
        if (known)
            out->rc = s->rc;
        pthread_mutex_unlock(&memo->lock);
    }
    if (known)
        return true;
    lpg_key_t *key = NULL;
    if (lpg_key_from_raw_public(&key, out->pub) != LPG_OK)
        return false;
    out->rc = lpg_gascert_verify(&c, text, len, resolver, key);
    lpg_key_destroy(&key);
    if (memo) {
        pthread_mutex_lock(&memo->lock);
        s_memo_slot_t *s = s_memo_slot(memo, id);
        memcpy(s->id, id, sizeof id);
        s->rc = out->rc;
        s->used = true;
        pthread_mutex_unlock(&memo->lock);
    }
    return true;
}

uint64_t
lpg_user_holding_max(const Lpg__UserState *u, uint64_t household_max,
                     uint64_t business_max)
{
    bool business = u && u->add &&
                    (u->add->kind == LPG__USER_KIND__USER_RESTAURANT ||
                     u->add->kind == LPG__USER_KIND__USER_BUSINESS);
    return business ? business_max : household_max;
}
