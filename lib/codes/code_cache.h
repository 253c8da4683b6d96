/*  code_cache.h - cylinder codes already verified, remembered.
 *
 *  A code's signature check depends only on its text, the resolver and
 *  the authority key, so a code that verified once verifies again: a
 *  gateway that sees the same code at dispatch, at the door and at
 *  collection checks its signature once. Only codes that verify (LPG_OK,
 *  or LPG_ECODE_CASE with the corrected fields) are kept, in a fixed
 *  table of slots (a newer code takes an older one's slot); a forged or
 *  malformed text is checked in full every time. Whether the cylinder
 *  is in service, or the code its current revision, is not the
 *  signature's business: the services judge that on every event.
 */
#ifndef LPG_CODE_CACHE_H
#define LPG_CODE_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "codes/code.h"
#include "crypto/crypto.h"

typedef struct lpg_code_cache lpg_code_cache_t;

/*  A cache of slots codes verified with authority, which the caller keeps
 *  alive until lpg_code_cache_destroy. Safe to use from many threads.
 *  Errors: LPG_EINVAL (no key, no slots), LPG_ENOMEM. */
int lpg_code_cache_new(lpg_code_cache_t **out, const lpg_key_t *authority,
                       size_t slots);

/*  Frees the cache and sets *cache to NULL; NULL and *cache NULL are fine. */
void lpg_code_cache_destroy(lpg_code_cache_t **cache);

/*  lpg_code_verify(text, len, resolver, the cache's authority, out), with
 *  the same answers, from the cache when this text verified before under
 *  this resolver (resolver NULL: any host). */
int lpg_code_cache_verify(lpg_code_cache_t *cache, const char *text,
                          size_t len, const char *resolver, lpg_code_t *out);

/*  How many answers came from the cache so far. */
uint64_t lpg_code_cache_hits(lpg_code_cache_t *cache);

#endif
