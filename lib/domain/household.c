/*  household.c - see household.h. */
#include "domain/household.h"
#include "base/error.h"
#include "codes/gascert.h"
#include "crypto/crypto.h"
#include "domain/delivery_rules.h"
#include "domain/state.h"

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

bool
lpg_delivery_cert_check(lpg_txn_t *t, const char *text, const char *resolver,
                        lpg_cert_check_t *out)
{
    lpg_gascert_t c;
    if (!text || !*text ||
        lpg_gascert_parse(&c, text, strlen(text), resolver) != LPG_OK)
        return false;
    Lpg__DeviceState *dev = NULL;
    if (lpg_state_device(t, c.key_id, &dev) != LPG_OK)
        return false;
    lpg_key_t *key = NULL;
    bool done = dev->sign_pub.len == LPG_ED25519_PUB_LEN &&
                lpg_key_from_raw_public(&key, dev->sign_pub.data) == LPG_OK;
    if (done) {
        memcpy(out->pub, dev->sign_pub.data, LPG_ED25519_PUB_LEN);
        out->rc = lpg_gascert_verify(&c, text, strlen(text), resolver, key);
    }
    lpg_key_destroy(&key);
    lpg__device_state__free_unpacked(dev, NULL);
    return done;
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
