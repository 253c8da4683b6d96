/*  crypto.c - see crypto.h. Ed25519 through libsodium; the rest through
 *  OpenSSL 3.
 *
 *  Every Ed25519 signature and verification goes through libsodium: it
 *  verifies about 1.7 times as fast per core as OpenSSL 3.0, and its
 *  crypto_sign_verify_detached is strict (it refuses a non-canonical S, a
 *  small-order R, and a small-order or non-canonical public key). OpenSSL
 *  stays for what libsodium does not do, or does less well:
 *  - PEM key files (PKCS#8 private keys, SubjectPublicKeyInfo public keys):
 *    libsodium has no PEM or ASN.1; the files stay as they are, and a key
 *    is read from its file into libsodium's raw form, and back to write it
 *    (the one form our writer makes is read without OpenSSL: s_load_fast);
 *  - SHA-256 and HMAC-SHA-256: OpenSSL's SHA-256 uses the processor's SHA
 *    instructions, libsodium's is portable C (the Merkle tree hashes a lot);
 *  - AES-256-GCM: libsodium offers it only on processors with AES-NI and
 *    refuses it elsewhere; OpenSSL runs it everywhere.
 *  Random bytes come from libsodium (the kernel's getrandom, nothing to
 *  set up): OpenSSL's generator took 0.4 ms to start on first use, and
 *  1.2 ms in a command where it was the first thing to start OpenSSL (a
 *  request id is drawn by every command that asks a service).
 *  OpenSSL errors are drained here, logged at debug level and turned into
 *  lpg_err_t codes. Both libraries are set up once per process (s_init,
 *  and each OpenSSL algorithm when first used: s_fetch_*);
 *  SHA-256 reuses one digest context per thread.
 */
#include "crypto/crypto.h"
#include "base/count.h"
#include "base/error.h"
#include "base/log.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sodium.h>

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*  libsodium's form: sk is the 32-byte seed followed by the public key;
 *  all zero for a public key alone. */
struct lpg_key {
    uint8_t pub[LPG_ED25519_PUB_LEN];
    uint8_t sk[crypto_sign_SECRETKEYBYTES];
    bool has_private;
};

/*  A PEM key file is a few hundred bytes; anything far larger is not one. */
#define S_KEYFILE_MAX (64 * 1024)

/*  Messages up to this size are prefixed on the stack, larger on the heap. */
#define S_STACK_MSG 2048

#define S_GCM_NONCE 12
#define S_GCM_TAG 16

/*  The prefix of each context; sizeof keeps the terminating NUL. */
#define S_PREFIX(text)    \
    {                     \
        text, sizeof text \
    }
static const struct {
    const char *text;
    size_t len;
} s_prefix[] = {
    [LPG_CTX_NOTE] = {"", 0},
    [LPG_CTX_EVENT] = S_PREFIX("lpgtrace/v1/event"),
    [LPG_CTX_CODE] = S_PREFIX("lpgtrace/v1/code"),
    [LPG_CTX_CERT] = S_PREFIX("lpgtrace/v1/cert"),
};
#define S_NCTX (sizeof s_prefix / sizeof s_prefix[0])

/*  Fetched once (s_init), then shared read-only by all threads. */
static pthread_once_t s_once = PTHREAD_ONCE_INIT;
static EVP_MD *s_sha256;
static EVP_MAC *s_hmac;
static EVP_CIPHER *s_gcm;
static pthread_key_t s_mdctx_key;
static bool s_mdctx_key_ok;
static bool s_sodium_ok;

/*  Logs every queued OpenSSL error at debug level and empties the queue. */
static void
s_drain(const char *what)
{
    const char *data = NULL;
    int flags = 0;
    unsigned long e;
    while ((e = ERR_get_error_all(NULL, NULL, NULL, &data, &flags)) != 0) {
        char reason[256];
        ERR_error_string_n(e, reason, sizeof reason);
        bool extra = (flags & ERR_TXT_STRING) && data && *data;
        lpg_debug("crypto: %s: %s%s%s", what, reason, extra ? ": " : "",
                  extra ? data : "");
    }
    ERR_clear_error();
}

/*  For the few functions declared void: a digest that cannot be computed
 *  (out of memory, or a broken OpenSSL installation) must never yield a
 *  wrong hash that ends up in the ledger, so the process stops. */
static void
s_fatal(const char *what)
{
    s_drain(what);
    lpg_error("crypto: %s failed; stopping rather than produce a wrong "
              "digest",
              what);
    abort();
}

static void
s_mdctx_free(void *ctx)
{
    EVP_MD_CTX_free(ctx);
}

static void
s_init(void)
{
    s_mdctx_key_ok = pthread_key_create(&s_mdctx_key, s_mdctx_free) == 0;
    /* 1 means someone else in the process (libzmq's CURVE) got there
       first, which is fine: sodium_init is idempotent. */
    s_sodium_ok = sodium_init() >= 0;
    if (!s_sodium_ok)
        lpg_error("crypto: libsodium cannot be initialised");
}

static void
s_ready(void)
{
    pthread_once(&s_once, s_init);
}

/*  OpenSSL's algorithms are fetched when first used, each on its own:
 *  the first fetch starts OpenSSL's provider (about 1 ms, 2 with its
 *  configuration file), which a command that only reads the ledger,
 *  such as a recall, never needs; and a process that hashes never
 *  pays for HMAC or AES-GCM. */
static pthread_once_t s_sha256_once = PTHREAD_ONCE_INIT;
static pthread_once_t s_hmac_once = PTHREAD_ONCE_INIT;
static pthread_once_t s_gcm_once = PTHREAD_ONCE_INIT;

static void
s_fetch_sha256(void)
{
    s_sha256 = EVP_MD_fetch(NULL, "SHA2-256", NULL);
    if (!s_sha256)
        s_drain("fetching SHA-256");
}

static void
s_fetch_hmac(void)
{
    s_hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    if (!s_hmac)
        s_drain("fetching HMAC");
}

static void
s_fetch_gcm(void)
{
    s_gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
    if (!s_gcm)
        s_drain("fetching AES-256-GCM");
}

/* ---------------------------------------------------------------- keys */

/*  Takes over pkey (frees it) and makes a key in libsodium's form: the
 *  raw public key, and with has_private the 32-byte seed expanded into
 *  libsodium's secret key. LPG_EKEYFORMAT if pkey is not Ed25519. */
static int
s_key_from_pkey(lpg_key_t **out, EVP_PKEY *pkey, bool has_private)
{
    int rc = LPG_EKEYFORMAT;
    uint8_t raw[32], pub[LPG_ED25519_PUB_LEN];
    size_t len = sizeof raw;
    size_t publen = sizeof pub;
    if (!EVP_PKEY_is_a(pkey, "ED25519"))
        goto cleanup;
    if (EVP_PKEY_get_raw_public_key(pkey, pub, &publen) != 1 ||
        publen != sizeof pub) {
        s_drain("reading the raw public key");
        goto cleanup;
    }
    if (!has_private) {
        rc = lpg_key_from_raw_public(out, pub);
        goto cleanup;
    }
    if (EVP_PKEY_get_raw_private_key(pkey, raw, &len) != 1 ||
        len != sizeof raw) {
        s_drain("reading the raw private key");
        goto cleanup;
    }
    rc = lpg_key_from_raw_private(out, raw);
    if (rc == LPG_OK && memcmp(pub, (*out)->pub, sizeof pub) != 0) {
        lpg_key_destroy(out); /* the file's two halves disagree */
        rc = LPG_EKEYFORMAT;
    }
cleanup:
    OPENSSL_cleanse(raw, sizeof raw);
    EVP_PKEY_free(pkey);
    return rc;
}

/*  An OpenSSL copy of key, to write it as PEM. Caller frees. */
static EVP_PKEY *
s_key_to_pkey(const lpg_key_t *key, bool private)
{
    EVP_PKEY *pkey =
        private
            ? EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, key->sk, 32)
            : EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, key->pub,
                                          sizeof key->pub);
    if (!pkey)
        s_drain("making an OpenSSL key to write");
    return pkey;
}

int
lpg_key_generate(lpg_key_t **out)
{
    assert(out);
    *out = NULL;
    s_ready();
    if (!s_sodium_ok)
        return LPG_ECRYPTO;
    lpg_key_t *key = calloc(1, sizeof *key);
    if (!key)
        return LPG_ENOMEM;
    if (crypto_sign_keypair(key->pub, key->sk) != 0) {
        lpg_key_destroy(&key);
        return LPG_ECRYPTO;
    }
    key->has_private = true;
    *out = key;
    return LPG_OK;
}

/*  Any 32 bytes make a public key here; lpg_verify refuses every signature
 *  under one that is not a canonical point of large order. */
int
lpg_key_from_raw_public(lpg_key_t **out, const uint8_t pub[32])
{
    assert(out && pub);
    *out = NULL;
    lpg_key_t *key = calloc(1, sizeof *key);
    if (!key)
        return LPG_ENOMEM;
    memcpy(key->pub, pub, sizeof key->pub);
    *out = key;
    return LPG_OK;
}

int
lpg_key_from_raw_private(lpg_key_t **out, const uint8_t seed[32])
{
    assert(out && seed);
    *out = NULL;
    s_ready();
    if (!s_sodium_ok)
        return LPG_ECRYPTO;
    lpg_key_t *key = calloc(1, sizeof *key);
    if (!key)
        return LPG_ENOMEM;
    if (crypto_sign_seed_keypair(key->pub, key->sk, seed) != 0) {
        lpg_key_destroy(&key);
        return LPG_ECRYPTO;
    }
    key->has_private = true;
    *out = key;
    return LPG_OK;
}

/*  Never asks for a passphrase: an encrypted key file is refused as a
 *  format error instead of prompting on a daemon's terminal. */
static int
s_no_passphrase(char *buf, int size, int rwflag, void *arg)
{
    return -1;
}

/*  Opens a key file for reading and checks it; *st receives its status. */
static int
s_open_keyfile(FILE **out, const char *path, struct stat *st)
{
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        int err = errno;
        if (err == ENOENT || err == ENOTDIR) {
            lpg_error("key file %s does not exist", path);
            return LPG_ENOTFOUND;
        }
        lpg_error("cannot open key file %s: %s", path, strerror(err));
        return err == EACCES ? LPG_EPERM : LPG_EIO;
    }
    if (fstat(fd, st) != 0) {
        lpg_error("cannot stat key file %s: %s", path, strerror(errno));
        close(fd);
        return LPG_EIO;
    }
    if (!S_ISREG(st->st_mode) || st->st_size > S_KEYFILE_MAX) {
        lpg_error("%s is not a key file (not a regular file, or too big)",
                  path);
        close(fd);
        return LPG_EKEYFORMAT;
    }
    FILE *f = fdopen(fd, "r");
    if (!f) {
        lpg_error("cannot read key file %s: %s", path, strerror(errno));
        close(fd);
        return LPG_EIO;
    }
    *out = f;
    return LPG_OK;
}

/*  The fast path for the one form s_save writes: one PEM block, nothing
 *  before or after it, around the DER that OpenSSL writes for an Ed25519
 *  key (RFC 8410): a SubjectPublicKeyInfo of a fixed 12-byte prefix and
 *  the 32-byte key, or a PKCS#8 v1 OneAsymmetricKey of a fixed 16-byte
 *  prefix and the 32-byte seed. Read that way it skips OpenSSL's decoder
 *  framework, which costs half a millisecond a key or more. It takes
 *  only files that OpenSSL reads as the same key; anything else (another
 *  label or algorithm, attributes, a v2 key, encryption, headers, blank
 *  or long lines, text around the block, more bytes) goes to OpenSSL,
 *  which reports it as before. */
#define S_FAST_MAX 4096
#define S_PEM_LINE 64

static const uint8_t s_spki_prefix[] = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03,
                                        0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
static const uint8_t s_pkcs8_prefix[] = {0x30, 0x2e, 0x02, 0x01, 0x00, 0x30,
                                         0x05, 0x06, 0x03, 0x2b, 0x65, 0x70,
                                         0x04, 0x22, 0x04, 0x20};

/*  If text[*pos] starts with word, moves past it. */
static bool
s_skip(const char *text, size_t len, size_t *pos, const char *word)
{
    size_t n = strlen(word);
    if (len - *pos < n || memcmp(text + *pos, word, n) != 0)
        return false;
    *pos += n;
    return true;
}

/*  Moves past a line break: "\n" or "\r\n". */
static bool
s_skip_eol(const char *text, size_t len, size_t *pos)
{
    return s_skip(text, len, pos, "\n") || s_skip(text, len, pos, "\r\n");
}

static bool
s_is_b64(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '=';
}

/*  Finds the base64 body of the one PEM block text holds: the BEGIN line
 *  first, lines of base64 (each but the last exactly 64 characters, '='
 *  only in the last), the END line last, then nothing. */
static bool
s_pem_body(const char *text, size_t len, const char *label, const char **body,
           size_t *bodylen)
{
    size_t pos = 0;
    if (!s_skip(text, len, &pos, "-----BEGIN ") ||
        !s_skip(text, len, &pos, label) || !s_skip(text, len, &pos, "-----") ||
        !s_skip_eol(text, len, &pos))
        return false;
    size_t start = pos, lines = 0;
    bool last = false; /* the line read was short or padded */
    while (!s_skip(text, len, &pos, "-----END ")) {
        size_t n = 0;
        while (pos + n < len && s_is_b64(text[pos + n]))
            n++;
        if (n == 0 || n > S_PEM_LINE || last)
            return false;
        last = n < S_PEM_LINE || memchr(text + pos, '=', n) != NULL;
        lines++;
        pos += n;
        *bodylen = pos - start;
        if (!s_skip_eol(text, len, &pos))
            return false;
    }
    if (lines == 0 || !s_skip(text, len, &pos, label) ||
        !s_skip(text, len, &pos, "-----") || !s_skip_eol(text, len, &pos) ||
        pos != len)
        return false;
    *body = text + start;
    return true;
}

/*  Tries the fast path on the key file open as fd (its position is left
 *  where it is). True if it was taken: *rc is then the load's result and
 *  *out the key. False sends the file to OpenSSL. */
static bool
s_load_fast(lpg_key_t **out, int *rc, int fd, const struct stat *st,
            bool private)
{
    if (st->st_size > S_FAST_MAX)
        return false;
    char text[S_FAST_MAX + 1];
    uint8_t der[64];
    size_t len = 0;
    bool taken = false;
    while (len < sizeof text) {
        ssize_t got = pread(fd, text + len, sizeof text - len, (off_t)len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        len += (size_t)got;
    }
    const char *body = NULL;
    size_t bodylen = 0, derlen = 0;
    const uint8_t *prefix = private ? s_pkcs8_prefix : s_spki_prefix;
    size_t plen = private ? sizeof s_pkcs8_prefix : sizeof s_spki_prefix;
    if (len > S_FAST_MAX ||
        !s_pem_body(text, len, private ? "PRIVATE KEY" : "PUBLIC KEY", &body,
                    &bodylen) ||
        sodium_base642bin(der, sizeof der, body, bodylen, "\r\n", &derlen,
                          NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
        derlen != plen + 32 || memcmp(der, prefix, plen) != 0)
        goto cleanup;
    *rc = private ? lpg_key_from_raw_private(out, der + plen)
                  : lpg_key_from_raw_public(out, der + plen);
    taken = true;
    lpg_count(LPG_COUNT_KEY_FAST);
cleanup:
    sodium_memzero(text, sizeof text);
    sodium_memzero(der, sizeof der);
    return taken;
}

int
lpg_key_load_private(lpg_key_t **out, const char *path)
{
    assert(out && path);
    *out = NULL;
    FILE *f = NULL;
    struct stat st;
    int rc = s_open_keyfile(&f, path, &st);
    if (rc != LPG_OK)
        return rc;
    if ((st.st_mode & 077) != 0) {
        lpg_error("private key %s is accessible by group or others (mode "
                  "%03o); refusing it. Run: chmod 600 %s",
                  path, (unsigned)(st.st_mode & 0777), path);
        fclose(f);
        return LPG_EKEYPERM;
    }
    if (s_load_fast(out, &rc, fileno(f), &st, true)) {
        fclose(f);
        return rc;
    }
    EVP_PKEY *pkey = PEM_read_PrivateKey(f, NULL, s_no_passphrase, NULL);
    fclose(f);
    if (!pkey) {
        s_drain("reading a PEM private key");
        lpg_error("%s is not an unencrypted PEM private key", path);
        return LPG_EKEYFORMAT;
    }
    rc = s_key_from_pkey(out, pkey, true);
    if (rc == LPG_EKEYFORMAT)
        lpg_error("%s is not an Ed25519 private key", path);
    return rc;
}

int
lpg_key_load_public(lpg_key_t **out, const char *path)
{
    assert(out && path);
    *out = NULL;
    FILE *f = NULL;
    struct stat st;
    int rc = s_open_keyfile(&f, path, &st);
    if (rc != LPG_OK)
        return rc;
    if (s_load_fast(out, &rc, fileno(f), &st, false)) {
        fclose(f);
        return rc;
    }
    EVP_PKEY *pkey = PEM_read_PUBKEY(f, NULL, s_no_passphrase, NULL);
    fclose(f);
    if (!pkey) {
        s_drain("reading a PEM public key");
        lpg_error("%s is not a PEM public key", path);
        return LPG_EKEYFORMAT;
    }
    rc = s_key_from_pkey(out, pkey, false);
    if (rc == LPG_EKEYFORMAT)
        lpg_error("%s is not an Ed25519 public key", path);
    return rc;
}

/*  Creates path (never overwriting), with exactly the given mode, and
 *  writes the key through the PEM writer; removes the file on failure. */
static int
s_save(const lpg_key_t *key, const char *path, mode_t mode, bool private)
{
    int fd =
        open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, mode);
    if (fd < 0) {
        int err = errno;
        if (err == EEXIST) {
            lpg_error("key file %s already exists; not overwriting it", path);
            return LPG_EEXIST;
        }
        lpg_error("cannot create key file %s: %s", path, strerror(err));
        if (err == ENOENT || err == ENOTDIR)
            return LPG_ENOTFOUND;
        return err == EACCES ? LPG_EPERM : LPG_EIO;
    }
    int rc = LPG_OK;
    int ok = 0;
    FILE *f = NULL;
    EVP_PKEY *pkey = NULL;
    if (fchmod(fd, mode) != 0) { /* the umask may have taken bits away */
        lpg_error("cannot set mode of %s: %s", path, strerror(errno));
        rc = LPG_EIO;
        goto cleanup;
    }
    f = fdopen(fd, "w");
    if (!f) {
        lpg_error("cannot write key file %s: %s", path, strerror(errno));
        rc = LPG_EIO;
        goto cleanup;
    }
    fd = -1; /* now owned by f */
    pkey = s_key_to_pkey(key, private);
    if (pkey)
        ok = private ? PEM_write_PrivateKey(f, pkey, NULL, NULL, 0, NULL, NULL)
                     : PEM_write_PUBKEY(f, pkey);
    if (ok != 1) {
        s_drain("writing a PEM key");
        lpg_error("cannot encode the key for %s", path);
        rc = LPG_ECRYPTO;
        goto cleanup;
    }
    if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
        lpg_error("cannot write key file %s: %s", path, strerror(errno));
        rc = LPG_EIO;
        goto cleanup;
    }
cleanup:
    EVP_PKEY_free(pkey);
    if (f && fclose(f) != 0 && rc == LPG_OK) {
        lpg_error("cannot write key file %s: %s", path, strerror(errno));
        rc = LPG_EIO;
    }
    if (fd >= 0)
        close(fd);
    if (rc != LPG_OK)
        unlink(path);
    return rc;
}

int
lpg_key_save_private(const lpg_key_t *key, const char *path)
{
    assert(key && path);
    if (!key->has_private) {
        lpg_error("cannot save %s: the key has no private half", path);
        return LPG_EPERM;
    }
    return s_save(key, path, 0600, true);
}

int
lpg_key_save_public(const lpg_key_t *key, const char *path)
{
    assert(key && path);
    return s_save(key, path, 0644, false);
}

void
lpg_key_raw_public(const lpg_key_t *key, uint8_t out[32])
{
    assert(key && out);
    memcpy(out, key->pub, sizeof key->pub);
}

void
lpg_key_id(const lpg_key_t *key, uint8_t out[LPG_KEYID_LEN])
{
    assert(key && out);
    /* The same SHA-256 as lpg_sha256's, through libsodium: 32 bytes take
       it well under a microsecond, and opening a ledger (which names its
       authority by this id) then needs nothing of OpenSSL. */
    s_ready();
    if (!s_sodium_ok || crypto_hash_sha256(out, key->pub, sizeof key->pub))
        s_fatal("SHA-256 of a key");
}

bool
lpg_key_has_private(const lpg_key_t *key)
{
    assert(key);
    return key->has_private;
}

void
lpg_key_destroy(lpg_key_t **p)
{
    if (!p || !*p)
        return;
    sodium_memzero((*p)->sk, sizeof(*p)->sk);
    free(*p);
    *p = NULL;
}

/* ---------------------------------------------------------- signatures */

/*  Points *data at prefix(ctx) + msg: msg itself when there is no prefix,
 *  else a copy in stack (when it fits) or in *heap (caller frees). */
static int
s_message(lpg_sigctx_t ctx, const void *msg, size_t len, uint8_t *stack,
          size_t stacksz, const uint8_t **data, size_t *datalen,
          uint8_t **heap)
{
    static const uint8_t empty[1];
    *heap = NULL;
    if ((unsigned)ctx >= S_NCTX)
        return LPG_EINVAL;
    size_t plen = s_prefix[ctx].len;
    if (plen == 0) {
        *data = len ? msg : empty;
        *datalen = len;
        return LPG_OK;
    }
    if (len > SIZE_MAX - plen)
        return LPG_ETOOBIG;
    uint8_t *buf = stack;
    if (plen + len > stacksz) {
        buf = *heap = malloc(plen + len);
        if (!buf)
            return LPG_ENOMEM;
    }
    memcpy(buf, s_prefix[ctx].text, plen);
    if (len)
        memcpy(buf + plen, msg, len);
    *data = buf;
    *datalen = plen + len;
    return LPG_OK;
}

int
lpg_sign(const lpg_key_t *key, lpg_sigctx_t ctx, const void *msg, size_t len,
         uint8_t sig[LPG_ED25519_SIG_LEN])
{
    assert(key && sig && (msg || len == 0));
    if (!key->has_private)
        return LPG_EPERM;
    s_ready();
    if (!s_sodium_ok)
        return LPG_ECRYPTO;
    uint8_t stack[S_STACK_MSG];
    uint8_t *heap = NULL;
    const uint8_t *data = NULL;
    size_t datalen = 0;
    int rc =
        s_message(ctx, msg, len, stack, sizeof stack, &data, &datalen, &heap);
    if (rc != LPG_OK)
        return rc;
    if (crypto_sign_detached(sig, NULL, data, datalen, key->sk) != 0)
        rc = LPG_ECRYPTO;
    free(heap);
    return rc;
}

/*  libsodium keeps no state between calls and the key is only read, so
 *  any number of threads may verify with the same key at once. */
int
lpg_verify(const lpg_key_t *key, lpg_sigctx_t ctx, const void *msg, size_t len,
           const uint8_t sig[LPG_ED25519_SIG_LEN])
{
    assert(key && sig && (msg || len == 0));
    s_ready();
    if (!s_sodium_ok)
        return LPG_ECRYPTO;
    uint8_t stack[S_STACK_MSG];
    uint8_t *heap = NULL;
    const uint8_t *data = NULL;
    size_t datalen = 0;
    int rc =
        s_message(ctx, msg, len, stack, sizeof stack, &data, &datalen, &heap);
    if (rc != LPG_OK)
        return rc;
    if (crypto_sign_verify_detached(sig, data, datalen, key->pub) != 0)
        rc = LPG_EBADSIG;
    free(heap);
    return rc;
}

int
lpg_verify_openssl_bench(const lpg_key_t *key, lpg_sigctx_t ctx,
                         const void *msg, size_t len,
                         const uint8_t sig[LPG_ED25519_SIG_LEN], unsigned n)
{
    assert(key && sig && (msg || len == 0));
    uint8_t stack[S_STACK_MSG];
    uint8_t *heap = NULL;
    const uint8_t *data = NULL;
    size_t datalen = 0;
    int rc =
        s_message(ctx, msg, len, stack, sizeof stack, &data, &datalen, &heap);
    if (rc != LPG_OK)
        return rc;
    EVP_PKEY *pkey = s_key_to_pkey(key, false);
    if (!pkey) {
        free(heap);
        return LPG_ECRYPTO;
    }
    /* as lpg_verify did with OpenSSL: one digest context per check */
    for (unsigned i = 0; i < n && rc == LPG_OK; i++) {
        EVP_MD_CTX *md = EVP_MD_CTX_new();
        if (!md || EVP_DigestVerifyInit(md, NULL, NULL, NULL, pkey) != 1) {
            s_drain("starting a verification");
            rc = LPG_ECRYPTO;
        } else if (EVP_DigestVerify(md, sig, LPG_ED25519_SIG_LEN, data,
                                    datalen) != 1) {
            s_drain("verifying a signature");
            rc = LPG_EBADSIG;
        }
        EVP_MD_CTX_free(md);
    }
    EVP_PKEY_free(pkey);
    free(heap);
    return rc;
}

/* ------------------------------------------------------------- digests */

/*  This thread's SHA-256 context, made on first use and freed when the
 *  thread ends; NULL if it cannot be made. */
static EVP_MD_CTX *
s_thread_mdctx(void)
{
    if (!s_mdctx_key_ok)
        return NULL;
    EVP_MD_CTX *md = pthread_getspecific(s_mdctx_key);
    if (md)
        return md;
    md = EVP_MD_CTX_new();
    if (!md)
        return NULL;
    if (pthread_setspecific(s_mdctx_key, md) != 0) {
        EVP_MD_CTX_free(md);
        return NULL;
    }
    return md;
}

void
lpg_sha256v(const lpg_iov_t *parts, size_t n, uint8_t out[32])
{
    assert(out && (parts || n == 0));
    s_ready();
    pthread_once(&s_sha256_once, s_fetch_sha256);
    if (!s_sha256)
        s_fatal("SHA-256 is not available");
    EVP_MD_CTX *own = NULL;
    EVP_MD_CTX *md = s_thread_mdctx();
    if (!md)
        md = own = EVP_MD_CTX_new();
    if (!md || EVP_DigestInit_ex2(md, s_sha256, NULL) != 1)
        s_fatal("SHA-256");
    for (size_t i = 0; i < n; i++) {
        assert(parts[i].base || parts[i].len == 0);
        if (parts[i].len &&
            EVP_DigestUpdate(md, parts[i].base, parts[i].len) != 1)
            s_fatal("SHA-256");
    }
    unsigned int outlen = 0;
    if (EVP_DigestFinal_ex(md, out, &outlen) != 1 || outlen != 32)
        s_fatal("SHA-256");
    EVP_MD_CTX_free(own);
}

void
lpg_sha256(const void *data, size_t len, uint8_t out[32])
{
    lpg_iov_t part = {data, len};
    lpg_sha256v(&part, 1, out);
}

/*  libsodium's SHA-512 cannot fail; it is used only for RFC 9530 digests
 *  of request bodies, so its speed does not matter. */
void
lpg_sha512(const void *data, size_t len, uint8_t out[LPG_SHA512_LEN])
{
    static const uint8_t empty[1];
    assert(out && (data || len == 0));
    crypto_hash_sha512(out, len ? data : empty, len);
}

void
lpg_hmac_sha256(const uint8_t *key, size_t keylen, const void *msg, size_t len,
                uint8_t out[32])
{
    static const uint8_t empty[1];
    static char digest[] = "SHA2-256";
    assert(out && (key || keylen == 0) && (msg || len == 0));
    s_ready();
    pthread_once(&s_hmac_once, s_fetch_hmac);
    if (!s_hmac)
        s_fatal("HMAC is not available");
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
        OSSL_PARAM_construct_end(),
    };
    /* A NULL key would mean "keep the previous key": pass an empty one. */
    EVP_MAC_CTX *mac = EVP_MAC_CTX_new(s_hmac);
    size_t outlen = 0;
    if (!mac || EVP_MAC_init(mac, keylen ? key : empty, keylen, params) != 1 ||
        (len && EVP_MAC_update(mac, msg, len) != 1) ||
        EVP_MAC_final(mac, out, &outlen, 32) != 1 || outlen != 32)
        s_fatal("HMAC-SHA-256");
    EVP_MAC_CTX_free(mac);
}

/* ---------------------------------------------------------------- AEAD */

/*  in and out must not overlap. Nonces are random: with 96 bits, a key
 *  can seal far more messages than a person's data key ever will. */
int
lpg_aead_seal(const uint8_t key[32], const void *aad, size_t aadlen,
              const void *in, size_t len, uint8_t *out, size_t outsz,
              size_t *outlen)
{
    assert(key && out && outlen && (aad || aadlen == 0) && (in || len == 0));
    *outlen = 0;
    if (len > INT_MAX - S_GCM_NONCE - S_GCM_TAG || aadlen > INT_MAX)
        return LPG_ETOOBIG;
    if (outsz < len + S_GCM_NONCE + S_GCM_TAG)
        return LPG_ERANGE;
    s_ready();
    pthread_once(&s_gcm_once, s_fetch_gcm);
    if (!s_gcm)
        return LPG_ECRYPTO;
    int rc = lpg_random(out, S_GCM_NONCE);
    if (rc != LPG_OK)
        return rc;
    uint8_t *ct = out + S_GCM_NONCE;
    int n = 0;
    int fin = 0;
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    if (!c || EVP_EncryptInit_ex2(c, s_gcm, key, out, NULL) != 1 ||
        (aadlen && EVP_EncryptUpdate(c, NULL, &n, aad, (int)aadlen) != 1) ||
        (len && EVP_EncryptUpdate(c, ct, &n, in, (int)len) != 1) ||
        EVP_EncryptFinal_ex(c, ct + (len ? n : 0), &fin) != 1 ||
        EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, S_GCM_TAG, ct + len) !=
            1) {
        s_drain("AES-256-GCM seal");
        OPENSSL_cleanse(out, len + S_GCM_NONCE + S_GCM_TAG);
        rc = LPG_ECRYPTO;
    } else {
        *outlen = len + S_GCM_NONCE + S_GCM_TAG;
    }
    EVP_CIPHER_CTX_free(c);
    return rc;
}

int
lpg_aead_open(const uint8_t key[32], const void *aad, size_t aadlen,
              const uint8_t *in, size_t len, uint8_t *out, size_t outsz,
              size_t *outlen)
{
    assert(key && outlen && (aad || aadlen == 0) && (in || len == 0));
    *outlen = 0;
    if (len < S_GCM_NONCE + S_GCM_TAG)
        return LPG_EMALFORMED;
    if (len > INT_MAX || aadlen > INT_MAX)
        return LPG_ETOOBIG;
    size_t ptlen = len - S_GCM_NONCE - S_GCM_TAG;
    if (outsz < ptlen || (ptlen && !out))
        return LPG_ERANGE;
    s_ready();
    pthread_once(&s_gcm_once, s_fetch_gcm);
    if (!s_gcm)
        return LPG_ECRYPTO;
    uint8_t tag[S_GCM_TAG];
    memcpy(tag, in + S_GCM_NONCE + ptlen, S_GCM_TAG);
    int rc = LPG_OK;
    int n = 0;
    int fin = 0;
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    if (!c || EVP_DecryptInit_ex2(c, s_gcm, key, in, NULL) != 1 ||
        (aadlen && EVP_DecryptUpdate(c, NULL, &n, aad, (int)aadlen) != 1) ||
        (ptlen &&
         EVP_DecryptUpdate(c, out, &n, in + S_GCM_NONCE, (int)ptlen) != 1) ||
        EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, S_GCM_TAG, tag) != 1) {
        s_drain("AES-256-GCM open");
        rc = LPG_ECRYPTO;
    } else if (EVP_DecryptFinal_ex(c, out + (ptlen ? n : 0), &fin) != 1) {
        s_drain("AES-256-GCM tag check");
        rc = LPG_EBADSIG;
    }
    if (rc == LPG_OK)
        *outlen = ptlen;
    else if (ptlen)
        OPENSSL_cleanse(out, ptlen); /* never hand out unauthentic text */
    EVP_CIPHER_CTX_free(c);
    return rc;
}

uint64_t
lpg_shorthash(const uint8_t key[16], const void *data, size_t len)
{
    assert(data || len == 0);
    uint8_t h[crypto_shorthash_BYTES];
    crypto_shorthash(h, data, len, key);
    uint64_t v;
    memcpy(&v, h, sizeof v);
    return v;
}

int
lpg_random(void *buf, size_t len)
{
    assert(buf || len == 0);
    s_ready();
    if (!s_sodium_ok)
        return LPG_ECRYPTO;
    randombytes_buf(buf, len);
    return LPG_OK;
}

/* -------------------------------------------------------------- base64 */

static const char s_b64_std[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char s_b64_url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int
lpg_base64_encode(const void *in, size_t len, bool url, char *out,
                  size_t outsz, size_t *outlen)
{
    assert((in || len == 0) && out && outlen);
    *outlen = 0;
    const char *abc = url ? s_b64_url : s_b64_std;
    if (len / 3 > (SIZE_MAX - 5) / 4)
        return LPG_ERANGE;
    size_t rem = len % 3;
    size_t need = len / 3 * 4;
    if (rem)
        need += url ? rem + 1 : 4;
    if (outsz < need + 1) {
        if (outsz > 0)
            out[0] = '\0';
        return LPG_ERANGE;
    }
    const uint8_t *p = in;
    char *o = out;
    size_t i = 0;
    for (; i + 3 <= len; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        *o++ = abc[v >> 18 & 63];
        *o++ = abc[v >> 12 & 63];
        *o++ = abc[v >> 6 & 63];
        *o++ = abc[v & 63];
    }
    if (rem) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (rem == 2)
            v |= (uint32_t)p[i + 1] << 8;
        *o++ = abc[v >> 18 & 63];
        *o++ = abc[v >> 12 & 63];
        if (rem == 2)
            *o++ = abc[v >> 6 & 63];
        else if (!url)
            *o++ = '=';
        if (!url)
            *o++ = '=';
    }
    *o = '\0';
    *outlen = (size_t)(o - out);
    return LPG_OK;
}

/*  Value of c in the chosen alphabet, or -1. */
static int
s_b64_value(char c, bool url)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == (url ? '-' : '+'))
        return 62;
    if (c == (url ? '_' : '/'))
        return 63;
    return -1;
}

int
lpg_base64_decode(const char *in, size_t len, bool url, uint8_t *out,
                  size_t outsz, size_t *outlen)
{
    assert((in || len == 0) && outlen);
    *outlen = 0;
    size_t chars = len; /* significant characters, padding removed */
    if (!url) {
        if (len % 4 != 0)
            return LPG_EMALFORMED;
        if (chars > 0 && in[chars - 1] == '=')
            chars--;
        if (chars > 0 && in[chars - 1] == '=')
            chars--;
    }
    size_t tail = chars % 4; /* 0, 2 or 3 characters in the last group */
    if (tail == 1)
        return LPG_EMALFORMED;
    size_t need = chars / 4 * 3 + (tail ? tail - 1 : 0);
    if (outsz < need || (need && !out))
        return LPG_ERANGE;
    uint32_t acc = 0;
    size_t o = 0;
    for (size_t i = 0; i < chars; i++) {
        int v = s_b64_value(in[i], url);
        if (v < 0)
            return LPG_EMALFORMED;
        acc = acc << 6 | (uint32_t)v;
        if (i % 4 == 3) {
            out[o++] = (uint8_t)(acc >> 16);
            out[o++] = (uint8_t)(acc >> 8);
            out[o++] = (uint8_t)acc;
            acc = 0;
        }
    }
    if (tail == 2) {
        if (acc & 0xf)
            return LPG_EMALFORMED; /* non-zero trailing bits */
        out[o++] = (uint8_t)(acc >> 4);
    } else if (tail == 3) {
        if (acc & 0x3)
            return LPG_EMALFORMED;
        out[o++] = (uint8_t)(acc >> 10);
        out[o++] = (uint8_t)(acc >> 2);
    }
    assert(o == need);
    *outlen = o;
    return LPG_OK;
}

/* ----------------------------------------------------------------- hex */

void
lpg_hex(const void *in, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    assert((in || len == 0) && out);
    const uint8_t *p = in;
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * len] = '\0';
}

struct lpg_sha256_stream {
    EVP_MD_CTX *md;
};

int
lpg_sha256_stream_new(lpg_sha256_stream_t **out)
{
    *out = NULL;
    s_ready();
    pthread_once(&s_sha256_once, s_fetch_sha256);
    if (!s_sha256)
        s_fatal("SHA-256 is not available");
    lpg_sha256_stream_t *s = calloc(1, sizeof *s);
    if (!s || !(s->md = EVP_MD_CTX_new())) {
        free(s);
        return LPG_ENOMEM;
    }
    if (EVP_DigestInit_ex2(s->md, s_sha256, NULL) != 1)
        s_fatal("SHA-256");
    *out = s;
    return LPG_OK;
}

void
lpg_sha256_stream_add(lpg_sha256_stream_t *s, const void *data, size_t len)
{
    assert(s && (data || len == 0));
    if (len && EVP_DigestUpdate(s->md, data, len) != 1)
        s_fatal("SHA-256");
}

void
lpg_sha256_stream_end(lpg_sha256_stream_t **p, uint8_t out[32])
{
    if (!*p)
        return;
    unsigned int outlen = 0;
    if (EVP_DigestFinal_ex((*p)->md, out, &outlen) != 1 || outlen != 32)
        s_fatal("SHA-256");
    EVP_MD_CTX_free((*p)->md);
    free(*p);
    *p = NULL;
}

int
lpg_sha256_file(const char *path, uint8_t out[32], uint64_t *bytes)
{
    assert(path && out);
    s_ready();
    pthread_once(&s_sha256_once, s_fetch_sha256);
    if (!s_sha256)
        s_fatal("SHA-256 is not available");
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? LPG_ENOTFOUND : LPG_EIO;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    uint8_t *buf = malloc(1 << 20);
    int rc = md && buf ? LPG_OK : LPG_ENOMEM;
    if (rc == LPG_OK && EVP_DigestInit_ex2(md, s_sha256, NULL) != 1)
        rc = LPG_ECRYPTO;
    uint64_t total = 0;
    while (rc == LPG_OK) {
        ssize_t n = read(fd, buf, 1 << 20);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            rc = LPG_EIO;
        else if (n == 0)
            break;
        else if (EVP_DigestUpdate(md, buf, (size_t)n) != 1)
            rc = LPG_ECRYPTO;
        else
            total += (uint64_t)n;
    }
    unsigned int outlen = 0;
    if (rc == LPG_OK &&
        (EVP_DigestFinal_ex(md, out, &outlen) != 1 || outlen != 32))
        rc = LPG_ECRYPTO;
    if (rc == LPG_ECRYPTO)
        s_drain("SHA-256 of a file");
    if (bytes)
        *bytes = total;
    free(buf);
    EVP_MD_CTX_free(md);
    close(fd);
    return rc;
}
