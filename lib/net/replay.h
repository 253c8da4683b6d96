/*  replay.h - the nonces of signed HTTP requests seen recently, so that
 *  a request replayed within its window is refused (RFC 9421 §7.2.2).
 *
 *  A request is judged on its signer's key id, its nonce and its created
 *  time: refused when created is farther than the window from now
 *  (either way), and when the same key id and nonce were seen and have
 *  not yet expired (created + window). The cache is bounded: a fixed
 *  table of buckets, each of a few slots; a nonce is remembered until it
 *  expires, and when its bucket holds only live nonces the request is
 *  refused rather than a live nonce forgotten (forgetting would let a
 *  replay through). Buckets are chosen by a keyed hash (a random key per
 *  cache), so no client can aim at one. Thread-safe.
 */
#ifndef LPG_REPLAY_H
#define LPG_REPLAY_H

#include <stddef.h>
#include <stdint.h>

typedef struct lpg_replay lpg_replay_t;

/*  A cache of at least capacity nonces (rounded up to whole buckets),
 *  each kept window_ms past its created time. Caller owns *out.
 *  LPG_EINVAL for a zero capacity or window, LPG_ENOMEM. */
int lpg_replay_new(lpg_replay_t **out, size_t capacity, uint64_t window_ms);

/*  Judges one request signed at created_ms (ms since the epoch) with
 *  nonce (len bytes) by key_id (idlen bytes), at now_ms, and remembers
 *  its nonce when it passes. LPG_OK; LPG_ECLOCK_AHEAD / LPG_ECLOCK_BEHIND
 *  when created is outside the window; LPG_EEXIST for a nonce seen
 *  already; LPG_ETOOBIG when it cannot be remembered (too many live
 *  nonces: retry later); LPG_EINVAL for an empty nonce. */
int lpg_replay_check(lpg_replay_t *r, const uint8_t *key_id, size_t idlen,
                     const char *nonce, size_t len, uint64_t created_ms,
                     uint64_t now_ms);

void lpg_replay_destroy(lpg_replay_t **p);

#endif
