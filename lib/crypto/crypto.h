/*  crypto.h - keys, context-prefixed Ed25519 signatures and randomness
 *  (libsodium), SHA-256, HMAC, AES-256-GCM and base64 (OpenSSL 3).
 *
 *  The only module that includes OpenSSL or libsodium headers (crypto.c
 *  says which library does what, and why). Every signature lpgtrace
 *  makes covers a context prefix naming what is signed (lpg_sigctx_t), so a
 *  signature over one kind of thing can never pass as another kind. The
 *  prefixes all contain a NUL byte, which a C2SP signed note (signed with
 *  LPG_CTX_NOTE, no prefix) can never contain.
 */
#ifndef LPG_CRYPTO_H
#define LPG_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LPG_ED25519_PUB_LEN 32
#define LPG_ED25519_SIG_LEN 64
#define LPG_SHA256_LEN 32
#define LPG_KEYID_LEN 32 /* key id = SHA-256 of the raw public key */

/*  What a signature covers. Append only; never renumber. */
typedef enum {
    LPG_CTX_NOTE = 0,  /* C2SP signed note: the note text, no prefix */
    LPG_CTX_EVENT = 1, /* "lpgtrace/v1/event\0" + Event bytes */
    LPG_CTX_CODE = 2,  /* "lpgtrace/v1/code\0" + canonical code bytes */
    LPG_CTX_CERT = 3,  /* "lpgtrace/v1/cert\0" + certificate bytes */
} lpg_sigctx_t;

/*  An Ed25519 key pair, or a public key alone. Opaque. */
typedef struct lpg_key lpg_key_t;

/*  Fresh key pair. Caller owns *out. */
int lpg_key_generate(lpg_key_t **out);

/*  Loads a PEM private key. Refuses a file readable or writable by group
 *  or others (LPG_EKEYPERM), a missing file (LPG_ENOTFOUND), a key that is
 *  not Ed25519 (LPG_EKEYFORMAT). Caller owns *out. */
int lpg_key_load_private(lpg_key_t **out, const char *path);

/*  Loads a PEM public key (SubjectPublicKeyInfo). Caller owns *out. */
int lpg_key_load_public(lpg_key_t **out, const char *path);

/*  Writes the private key as PEM (PKCS#8), mode 0600. Refuses to overwrite
 *  an existing file (LPG_EEXIST). */
int lpg_key_save_private(const lpg_key_t *key, const char *path);

/*  Writes the public key as PEM, mode 0644. Refuses to overwrite. */
int lpg_key_save_public(const lpg_key_t *key, const char *path);

/*  Public key from its 32 raw bytes. Caller owns *out. */
int lpg_key_from_raw_public(lpg_key_t **out, const uint8_t pub[32]);

/*  Key pair from a 32-byte Ed25519 private key (the RFC 8032 seed). For
 *  known-answer tests and fixed test keys; real keys come from
 *  lpg_key_generate. Caller owns *out. */
int lpg_key_from_raw_private(lpg_key_t **out, const uint8_t seed[32]);

/*  The 32 raw public-key bytes. */
void lpg_key_raw_public(const lpg_key_t *key, uint8_t out[32]);

/*  Key id: SHA-256 of the raw public key. */
void lpg_key_id(const lpg_key_t *key, uint8_t out[LPG_KEYID_LEN]);

bool lpg_key_has_private(const lpg_key_t *key);

/*  Frees the key and sets *p to NULL; NULL-safe. */
void lpg_key_destroy(lpg_key_t **p);

/*  Signs prefix(ctx) + msg. LPG_EPERM if the key has no private half. */
int lpg_sign(const lpg_key_t *key, lpg_sigctx_t ctx, const void *msg,
             size_t len, uint8_t sig[LPG_ED25519_SIG_LEN]);

/*  LPG_OK if sig is key's signature over prefix(ctx) + msg, else
 *  LPG_EBADSIG. Strict: refuses a non-canonical S (S >= L), a small-order
 *  R, and a public key that is small-order or not canonically encoded.
 *  Thread-safe for one key used from many threads. */
int lpg_verify(const lpg_key_t *key, lpg_sigctx_t ctx, const void *msg,
               size_t len, const uint8_t sig[LPG_ED25519_SIG_LEN]);

/*  For benchmarks only: the same check n times through OpenSSL's Ed25519,
 *  the verifier lpgtrace used before, so a benchmark can show the one in
 *  use beside it. LPG_OK if every check passed, LPG_EBADSIG at the first
 *  that did not. Nothing in lpgtrace decides with it. */
int lpg_verify_openssl_bench(const lpg_key_t *key, lpg_sigctx_t ctx,
                             const void *msg, size_t len,
                             const uint8_t sig[LPG_ED25519_SIG_LEN],
                             unsigned n);

/*  SHA-256 of the concatenation of n parts. */
typedef struct {
    const void *base;
    size_t len;
} lpg_iov_t;
void lpg_sha256v(const lpg_iov_t *parts, size_t n, uint8_t out[32]);
void lpg_sha256(const void *data, size_t len, uint8_t out[32]);

/*  SHA-256 of a stream of pieces, added one after another: for many
 *  small rows, where a hash per row would pay a digest's start and end
 *  for each. new: LPG_ENOMEM or LPG_OK, caller ends it; end writes the
 *  hash of everything added and frees the stream (NULL-safe: out is
 *  left alone). */
typedef struct lpg_sha256_stream lpg_sha256_stream_t;
int lpg_sha256_stream_new(lpg_sha256_stream_t **out);
void lpg_sha256_stream_add(lpg_sha256_stream_t *s, const void *data,
                           size_t len);
void lpg_sha256_stream_end(lpg_sha256_stream_t **s, uint8_t out[32]);

/*  SHA-512 (for RFC 9530 digests). */
#define LPG_SHA512_LEN 64
void lpg_sha512(const void *data, size_t len, uint8_t out[LPG_SHA512_LEN]);

/*  SHA-256 of a whole file, read in pieces; *bytes (may be NULL) gets its
 *  length. LPG_ENOTFOUND, LPG_EIO, LPG_ENOMEM. */
int lpg_sha256_file(const char *path, uint8_t out[32], uint64_t *bytes);

/*  HMAC-SHA-256. */
void lpg_hmac_sha256(const uint8_t *key, size_t keylen, const void *msg,
                     size_t len, uint8_t out[32]);

/*  AES-256-GCM. seal writes 12-byte nonce + ciphertext + 16-byte tag to
 *  out (outsz >= len + 28), *outlen its length; open reverses it and
 *  returns LPG_EBADSIG if the tag does not verify. */
int lpg_aead_seal(const uint8_t key[32], const void *aad, size_t aadlen,
                  const void *in, size_t len, uint8_t *out, size_t outsz,
                  size_t *outlen);
int lpg_aead_open(const uint8_t key[32], const void *aad, size_t aadlen,
                  const uint8_t *in, size_t len, uint8_t *out, size_t outsz,
                  size_t *outlen);

/*  Cryptographically strong random bytes, from the kernel (libsodium's
 *  randombytes_buf; it ends the process if the kernel has none to give,
 *  as no caller could go on without). LPG_ECRYPTO if libsodium could
 *  not be set up. */
int lpg_random(void *buf, size_t len);

/*  A keyed 64-bit hash of data (SipHash-2-4, libsodium's
 *  crypto_shorthash) for a hash table whose keys come from outside:
 *  with a random key, no one can choose keys that collide. */
uint64_t lpg_shorthash(const uint8_t key[16], const void *data, size_t len);

/*  Base64 (RFC 4648). url=false: standard alphabet with '=' padding;
 *  url=true: URL-safe alphabet, no padding. encode NUL-terminates and
 *  returns LPG_ERANGE if outsz is too small; *outlen excludes the NUL.
 *  decode is strict (LPG_EMALFORMED on a bad character, bad padding or
 *  non-zero trailing bits) and NUL-terminates nothing. */
int lpg_base64_encode(const void *in, size_t len, bool url, char *out,
                      size_t outsz, size_t *outlen);
int lpg_base64_decode(const char *in, size_t len, bool url, uint8_t *out,
                      size_t outsz, size_t *outlen);

/*  Lower-case hex of len bytes into out (2*len+1). */
void lpg_hex(const void *in, size_t len, char *out);

#endif
