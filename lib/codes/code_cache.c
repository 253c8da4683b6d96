/*  code_cache.c - cylinder codes already verified (code_cache.h).
 *
 *  Direct-mapped: a text's slot is FNV-1a of resolver and text; a slot
 *  holds the exact resolver and text it was verified under (compared in
 *  full, so two texts never share an answer) and lpg_code_verify's
 *  answer. One mutex: a look-up is a hash and a compare, far shorter
 *  than the signature check it saves.
 */
#include "codes/code_cache.h"

#include "base/error.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    bool used;
    int rc; /* LPG_OK or LPG_ECODE_CASE */
    size_t len;
    char text[LPG_CODE_MAX_TEXT];
    char resolver[LPG_CODE_RESOLVER_MAX + 2]; /* "" + 1: any host */
    lpg_code_t code;
} s_slot_t;

struct lpg_code_cache {
    const lpg_key_t *authority;
    pthread_mutex_t lock;
    size_t nslots;
    uint64_t hits;
    s_slot_t *slots;
};

int
lpg_code_cache_new(lpg_code_cache_t **out, const lpg_key_t *authority,
                   size_t slots)
{
    *out = NULL;
    if (!authority || slots == 0)
        return LPG_EINVAL;
    lpg_code_cache_t *c = calloc(1, sizeof *c);
    if (!c)
        return LPG_ENOMEM;
    c->slots = calloc(slots, sizeof *c->slots);
    if (!c->slots || pthread_mutex_init(&c->lock, NULL) != 0) {
        free(c->slots);
        free(c);
        return LPG_ENOMEM;
    }
    c->authority = authority;
    c->nslots = slots;
    *out = c;
    return LPG_OK;
}

void
lpg_code_cache_destroy(lpg_code_cache_t **cache)
{
    if (!cache || !*cache)
        return;
    lpg_code_cache_t *c = *cache;
    pthread_mutex_destroy(&c->lock);
    free(c->slots);
    free(c);
    *cache = NULL;
}

/*  The resolver as a slot keeps it: "" + "\1" for any host, so that no
 *  host name is confused with NULL. */
static void
s_resolver_key(const char *resolver, char out[LPG_CODE_RESOLVER_MAX + 2])
{
    if (!resolver)
        memcpy(out, "\1", 2);
    else
        snprintf(out, LPG_CODE_RESOLVER_MAX + 2, "%s", resolver);
}

static size_t
s_slot(const lpg_code_cache_t *c, const char *rkey, const char *text,
       size_t len)
{
    uint64_t h = 1469598103934665603ull;
    for (const char *p = rkey; *p; p++)
        h = (h ^ (uint8_t)*p) * 1099511628211ull;
    h = (h ^ 0) * 1099511628211ull;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)text[i]) * 1099511628211ull;
    return (size_t)(h % c->nslots);
}

int
lpg_code_cache_verify(lpg_code_cache_t *c, const char *text, size_t len,
                      const char *resolver, lpg_code_t *out)
{
    char rkey[LPG_CODE_RESOLVER_MAX + 2];
    s_resolver_key(resolver, rkey);
    if (len > LPG_CODE_MAX_TEXT ||
        (resolver && strlen(resolver) > LPG_CODE_RESOLVER_MAX))
        return lpg_code_verify(text, len, resolver, c->authority, out);
    size_t i = s_slot(c, rkey, text, len);
    pthread_mutex_lock(&c->lock);
    s_slot_t *s = &c->slots[i];
    if (s->used && s->len == len && memcmp(s->text, text, len) == 0 &&
        strcmp(s->resolver, rkey) == 0) {
        int rc = s->rc;
        *out = s->code;
        c->hits++;
        pthread_mutex_unlock(&c->lock);
        return rc;
    }
    pthread_mutex_unlock(&c->lock);
    int rc = lpg_code_verify(text, len, resolver, c->authority, out);
    if (rc != LPG_OK && rc != LPG_ECODE_CASE)
        return rc;
    pthread_mutex_lock(&c->lock);
    s->used = true;
    s->rc = rc;
    s->len = len;
    memcpy(s->text, text, len);
    memcpy(s->resolver, rkey, sizeof rkey);
    s->code = *out;
    pthread_mutex_unlock(&c->lock);
    return rc;
}

uint64_t
lpg_code_cache_hits(lpg_code_cache_t *c)
{
    pthread_mutex_lock(&c->lock);
    uint64_t n = c->hits;
    pthread_mutex_unlock(&c->lock);
    return n;
}
