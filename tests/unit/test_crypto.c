/*  test_crypto.c - the crypto module: Ed25519 against RFC 8032 and its
 *  strict verification (small-order and non-canonical encodings refused),
 *  context prefixes, PEM key files and their permissions (and the fast
 *  path that reads our own writer's files without OpenSSL), SHA-256, HMAC
 *  (RFC 4231), AES-256-GCM, strict base64 (RFC 4648), hex, and
 *  verification from several threads at once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "base/count.h"
#include "base/error.h"

static char s_dir[] = "/tmp/lpgtest-crypto-XXXXXX";

/*  Decodes lower-case hex into out; returns the byte count. */
static size_t
s_unhex(const char *hex, uint8_t *out, size_t outsz)
{
    size_t n = strlen(hex) / 2;
    assert_true(n <= outsz);
    for (size_t i = 0; i < n; i++) {
        unsigned v = 0;
        assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
        out[i] = (uint8_t)v;
    }
    return n;
}

static void
s_path(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s/%s", s_dir, name);
}

static void
s_write_file(const char *path, const char *text, mode_t mode)
{
    unlink(path);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(chmod(path, mode), 0);
}

/* ------------------------------------------------------------ Ed25519 */

/*  RFC 8032 section 7.1: TEST 1, TEST 2, TEST 3, TEST 1024 and TEST
 *  SHA(abc). */
static const struct {
    const char *seed, *pub, *msg, *sig;
} s_rfc8032[] = {
    {"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb88"
     "21590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
    {"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac"
     "1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
    {"c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
     "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
     "af82",
     "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9"
     "b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"},
    {"f5e5767cf153319517630f226876b86c8160cc583bc013744c6bf255f5cc0ee5",
     "278117fc144c72340f67d0f2316e8386ceffbf2b2428c9c51fef7c597f1d426e",
     "08b8b2b733424243760fe426a4b54908632110a66c2f6591eabd3345e3e4eb98fa6e"
     "264bf09efe12ee50f8f54e9f77b1e355f6c50544e23fb1433ddf73be84d879de7c00"
     "46dc4996d9e773f4bc9efe5738829adb26c81b37c93a1b270b20329d658675fc6ea5"
     "34e0810a4432826bf58c941efb65d57a338bbd2e26640f89ffbc1a858efcb8550ee3"
     "a5e1998bd177e93a7363c344fe6b199ee5d02e82d522c4feba15452f80288a821a57"
     "9116ec6dad2b3b310da903401aa62100ab5d1a36553e06203b33890cc9b832f79ef8"
     "0560ccb9a39ce767967ed628c6ad573cb116dbefefd75499da96bd68a8a97b928a8b"
     "bc103b6621fcde2beca1231d206be6cd9ec7aff6f6c94fcd7204ed3455c68c83f4a4"
     "1da4af2b74ef5c53f1d8ac70bdcb7ed185ce81bd84359d44254d95629e9855a94a7c"
     "1958d1f8ada5d0532ed8a5aa3fb2d17ba70eb6248e594e1a2297acbbb39d502f1a8c"
     "6eb6f1ce22b3de1a1f40cc24554119a831a9aad6079cad88425de6bde1a9187ebb60"
     "92cf67bf2b13fd65f27088d78b7e883c8759d2c4f5c65adb7553878ad575f9fad878"
     "e80a0c9ba63bcbcc2732e69485bbc9c90bfbd62481d9089beccf80cfe2df16a2cf65"
     "bd92dd597b0707e0917af48bbb75fed413d238f5555a7a569d80c3414a8d0859dc65"
     "a46128bab27af87a71314f318c782b23ebfe808b82b0ce26401d2e22f04d83d1255d"
     "c51addd3b75a2b1ae0784504df543af8969be3ea7082ff7fc9888c144da2af58429e"
     "c96031dbcad3dad9af0dcbaaaf268cb8fcffead94f3c7ca495e056a9b47acdb751fb"
     "73e666c6c655ade8297297d07ad1ba5e43f1bca32301651339e22904cc8c42f58c30"
     "c04aafdb038dda0847dd988dcda6f3bfd15c4b4c4525004aa06eeff8ca61783aacec"
     "57fb3d1f92b0fe2fd1a85f6724517b65e614ad6808d6f6ee34dff7310fdc82aebfd9"
     "04b01e1dc54b2927094b2db68d6f903b68401adebf5a7e08d78ff4ef5d63653a6504"
     "0cf9bfd4aca7984a74d37145986780fc0b16ac451649de6188a7dbdf191f64b5fc5e"
     "2ab47b57f7f7276cd419c17a3ca8e1b939ae49e488acba6b965610b5480109c8b17b"
     "80e1b7b750dfc7598d5d5011fd2dcc5600a32ef5b52a1ecc820e308aa342721aac09"
     "43bf6686b64b2579376504ccc493d97e6aed3fb0f9cd71a43dd497f01f17c0e2cb37"
     "97aa2a2f256656168e6c496afc5fb93246f6b1116398a346f1a641f3b041e989f791"
     "4f90cc2c7fff357876e506b50d334ba77c225bc307ba537152f3f1610e4eafe595f6"
     "d9d90d11faa933a15ef1369546868a7f3a45a96768d40fd9d03412c091c6315cf4fd"
     "e7cb68606937380db2eaaa707b4c4185c32eddcdd306705e4dc1ffc872eeee475a64"
     "dfac86aba41c0618983f8741c5ef68d3a101e8a3b8cac60c905c15fc910840b94c00"
     "a0b9d0",
     "0aab4c900501b3e24d7cdf4663326a3a87df5e4843b2cbdb67cbf6e460fec350aa537"
     "1b1508f9f4528ecea23c436d94b5e8fcd4f681e30a6ac00a9704a188a03"},
    {"833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
     "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
     "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192"
     "992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
     "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b58909351"
     "fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704"},
};

static void
test_rfc8032_vectors(void **state)
{
    for (size_t i = 0; i < sizeof s_rfc8032 / sizeof s_rfc8032[0]; i++) {
        uint8_t seed[32], pub[32], msg[1024], want[64], sig[64], raw[32];
        s_unhex(s_rfc8032[i].seed, seed, sizeof seed);
        s_unhex(s_rfc8032[i].pub, pub, sizeof pub);
        size_t len = s_unhex(s_rfc8032[i].msg, msg, sizeof msg);
        s_unhex(s_rfc8032[i].sig, want, sizeof want);

        lpg_key_t *key = NULL;
        assert_int_equal(lpg_key_from_raw_private(&key, seed), LPG_OK);
        assert_true(lpg_key_has_private(key));
        lpg_key_raw_public(key, raw);
        assert_memory_equal(raw, pub, 32);
        assert_int_equal(lpg_sign(key, LPG_CTX_NOTE, msg, len, sig), LPG_OK);
        assert_memory_equal(sig, want, 64);

        lpg_key_t *pk = NULL;
        assert_int_equal(lpg_key_from_raw_public(&pk, pub), LPG_OK);
        assert_false(lpg_key_has_private(pk));
        assert_int_equal(lpg_verify(pk, LPG_CTX_NOTE, msg, len, want), LPG_OK);
        want[i * 7 % 64] ^= 0x10;
        assert_int_equal(lpg_verify(pk, LPG_CTX_NOTE, msg, len, want),
                         LPG_EBADSIG);
        lpg_key_destroy(&pk);
        lpg_key_destroy(&key);
        assert_null(key);
    }
    assert_int_equal(strlen(s_rfc8032[3].msg), 2 * 1023);
}

/*  Verifies sig (hex) over msg under pub (hex), with no prefix. */
static int
s_verify_hex(const char *pub_hex, const char *msg, const char *sig_hex)
{
    uint8_t pub[32], sig[64];
    s_unhex(pub_hex, pub, sizeof pub);
    s_unhex(sig_hex, sig, sizeof sig);
    lpg_key_t *pk = NULL;
    assert_int_equal(lpg_key_from_raw_public(&pk, pub), LPG_OK);
    int rc = lpg_verify(pk, LPG_CTX_NOTE, msg, strlen(msg), sig);
    lpg_key_destroy(&pk);
    return rc;
}

/*  The neutral point (y = 1) as a public key has order 1: R = B, S = 1
 *  satisfies [S]B = R + [k]A for every message, so a lax verifier (OpenSSL
 *  3.0 is one) accepts this forgery. */
static void
test_small_order_key_refused(void **state)
{
    assert_int_equal(
        s_verify_hex(
            "0100000000000000000000000000000000000000000000000000000000000000",
            "any message at all",
            "5866666666666666666666666666666666666666666666666666666666666666"
            "010000000000000000000000000000000000000000000000000000000000000"
            "0"),
        LPG_EBADSIG);
}

/*  TEST 1's signature with S replaced by S + L: the same point [S]B, so a
 *  verifier that does not insist on S < L accepts a second signature. */
static void
test_noncanonical_s_refused(void **state)
{
    static const char pub[] =
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
    assert_int_equal(
        s_verify_hex(pub, "",
                     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06"
                     "5224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe"
                     "24655141438e7a100b"),
        LPG_OK);
    assert_int_equal(
        s_verify_hex(pub, "",
                     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06"
                     "5224901554c8c7872aa064e049dbb3013fbf29380d25bf5f0595bbe"
                     "24655141438e7a101b"),
        LPG_EBADSIG);
}

/*  A signature whose R is the neutral point (order 1), made with TEST 1's
 *  secret scalar a as S = k * a mod L, k = SHA-512(R || A || M): then
 *  [S]B = R + [k]A holds, and a lax verifier (OpenSSL 3.0) accepts it. */
static void
test_small_order_r_refused(void **state)
{
    assert_int_equal(
        s_verify_hex(
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
            "small-order R",
            "0100000000000000000000000000000000000000000000000000000000000000"
            "ceeca8b762ee441d37b3842b2d2e32d738c37475057b403a630ae08f0597750"
            "9"),
        LPG_EBADSIG);
}

/*  The benchmarks' OpenSSL check agrees with lpg_verify on good and bad
 *  signatures, so the figure it gives is for the same work. */
static void
test_openssl_bench_check(void **state)
{
    lpg_key_t *key = NULL;
    assert_int_equal(lpg_key_generate(&key), LPG_OK);
    uint8_t msg[300], sig[64];
    memset(msg, 5, sizeof msg);
    assert_int_equal(lpg_sign(key, LPG_CTX_EVENT, msg, sizeof msg, sig),
                     LPG_OK);
    assert_int_equal(
        lpg_verify_openssl_bench(key, LPG_CTX_EVENT, msg, sizeof msg, sig, 3),
        LPG_OK);
    assert_int_equal(
        lpg_verify_openssl_bench(key, LPG_CTX_CODE, msg, sizeof msg, sig, 1),
        LPG_EBADSIG);
    sig[0] ^= 1;
    assert_int_equal(
        lpg_verify_openssl_bench(key, LPG_CTX_EVENT, msg, sizeof msg, sig, 1),
        LPG_EBADSIG);
    lpg_key_destroy(&key);
}

/*  Each context signs exactly its documented prefix followed by the
 *  message: Ed25519 is deterministic, so the signature must equal a raw
 *  signature over the concatenation. */
static void
test_context_prefixes(void **state)
{
    static const struct {
        lpg_sigctx_t ctx;
        const char *prefix;
        size_t len;
    } cases[] = {
        {LPG_CTX_EVENT, "lpgtrace/v1/event", 18},
        {LPG_CTX_CODE, "lpgtrace/v1/code", 17},
        {LPG_CTX_CERT, "lpgtrace/v1/cert", 17},
    };
    lpg_key_t *key = NULL;
    assert_int_equal(lpg_key_generate(&key), LPG_OK);
    /* one short message (stack path) and one long one (heap path) */
    static uint8_t big[5000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)(i * 31 + 7);
    const size_t lens[] = {11, sizeof big};
    for (size_t c = 0; c < 3; c++) {
        for (size_t l = 0; l < 2; l++) {
            size_t len = lens[l];
            uint8_t *joined = malloc(cases[c].len + len);
            assert_non_null(joined);
            memcpy(joined, cases[c].prefix, cases[c].len);
            assert_int_equal(joined[cases[c].len - 1], 0);
            memcpy(joined + cases[c].len, big, len);
            uint8_t sig[64], raw[64];
            assert_int_equal(lpg_sign(key, cases[c].ctx, big, len, sig),
                             LPG_OK);
            assert_int_equal(
                lpg_sign(key, LPG_CTX_NOTE, joined, cases[c].len + len, raw),
                LPG_OK);
            assert_memory_equal(sig, raw, 64);
            assert_int_equal(
                lpg_verify(key, LPG_CTX_NOTE, joined, cases[c].len + len, sig),
                LPG_OK);
            free(joined);
        }
    }
    lpg_key_destroy(&key);
}

static void
test_context_separation(void **state)
{
    lpg_key_t *key = NULL;
    assert_int_equal(lpg_key_generate(&key), LPG_OK);
    const char msg[] = "cylinder 0123456789ABCD filled 14800 g";
    const lpg_sigctx_t ctxs[] = {LPG_CTX_NOTE, LPG_CTX_EVENT, LPG_CTX_CODE,
                                 LPG_CTX_CERT};
    for (size_t a = 0; a < 4; a++) {
        uint8_t sig[64];
        assert_int_equal(lpg_sign(key, ctxs[a], msg, strlen(msg), sig),
                         LPG_OK);
        for (size_t b = 0; b < 4; b++)
            assert_int_equal(lpg_verify(key, ctxs[b], msg, strlen(msg), sig),
                             a == b ? LPG_OK : LPG_EBADSIG);
    }
    lpg_key_destroy(&key);
}

static void
test_tampering(void **state)
{
    lpg_key_t *key = NULL, *other = NULL, *pub = NULL;
    assert_int_equal(lpg_key_generate(&key), LPG_OK);
    assert_int_equal(lpg_key_generate(&other), LPG_OK);
    uint8_t raw[32];
    lpg_key_raw_public(key, raw);
    assert_int_equal(lpg_key_from_raw_public(&pub, raw), LPG_OK);

    uint8_t msg[100];
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (uint8_t)i;
    uint8_t sig[64];
    assert_int_equal(lpg_sign(key, LPG_CTX_EVENT, msg, sizeof msg, sig),
                     LPG_OK);
    assert_int_equal(lpg_verify(pub, LPG_CTX_EVENT, msg, sizeof msg, sig),
                     LPG_OK);
    /* any flipped bit in the signature */
    for (size_t bit = 0; bit < 512; bit += 37) {
        sig[bit / 8] ^= (uint8_t)(1u << bit % 8);
        assert_int_equal(lpg_verify(pub, LPG_CTX_EVENT, msg, sizeof msg, sig),
                         LPG_EBADSIG);
        sig[bit / 8] ^= (uint8_t)(1u << bit % 8);
    }
    /* a flipped bit in the message, a shorter message */
    msg[50] ^= 1;
    assert_int_equal(lpg_verify(pub, LPG_CTX_EVENT, msg, sizeof msg, sig),
                     LPG_EBADSIG);
    msg[50] ^= 1;
    assert_int_equal(lpg_verify(pub, LPG_CTX_EVENT, msg, sizeof msg - 1, sig),
                     LPG_EBADSIG);
    /* the wrong key */
    assert_int_equal(lpg_verify(other, LPG_CTX_EVENT, msg, sizeof msg, sig),
                     LPG_EBADSIG);
    /* still fine after all that */
    assert_int_equal(lpg_verify(pub, LPG_CTX_EVENT, msg, sizeof msg, sig),
                     LPG_OK);
    /* a public key cannot sign; an unknown context is refused */
    assert_int_equal(lpg_sign(pub, LPG_CTX_EVENT, msg, sizeof msg, sig),
                     LPG_EPERM);
    assert_int_equal(lpg_sign(key, (lpg_sigctx_t)99, msg, sizeof msg, sig),
                     LPG_EINVAL);
    assert_int_equal(lpg_verify(pub, (lpg_sigctx_t)99, msg, sizeof msg, sig),
                     LPG_EINVAL);
    lpg_key_destroy(&pub);
    lpg_key_destroy(&other);
    lpg_key_destroy(&key);
}

static void
test_key_accessors(void **state)
{
    lpg_key_t *a = NULL, *b = NULL;
    assert_int_equal(lpg_key_generate(&a), LPG_OK);
    assert_int_equal(lpg_key_generate(&b), LPG_OK);
    uint8_t ra[32], rb[32], id[32], want[32];
    lpg_key_raw_public(a, ra);
    lpg_key_raw_public(b, rb);
    assert_memory_not_equal(ra, rb, 32);
    lpg_key_id(a, id);
    lpg_sha256(ra, 32, want);
    assert_memory_equal(id, want, 32);

    lpg_key_t *pa = NULL;
    assert_int_equal(lpg_key_from_raw_public(&pa, ra), LPG_OK);
    uint8_t rpa[32], idpa[32];
    lpg_key_raw_public(pa, rpa);
    lpg_key_id(pa, idpa);
    assert_memory_equal(rpa, ra, 32);
    assert_memory_equal(idpa, id, 32);

    lpg_key_destroy(&pa);
    lpg_key_destroy(&a);
    lpg_key_destroy(&b);
    assert_null(a);
    lpg_key_destroy(&a); /* safe twice */
    lpg_key_destroy(NULL);
}

/* ----------------------------------------------------------- key files */

/*  lpriv and lpub, loaded from files, are key's two halves: the same
 *  public key, and the private one signs byte for byte what key signs,
 *  which the public one verifies. */
static void
s_same_key(const lpg_key_t *key, const lpg_key_t *lpriv, const lpg_key_t *lpub,
           lpg_sigctx_t ctx)
{
    assert_true(lpg_key_has_private(lpriv));
    assert_false(lpg_key_has_private(lpub));
    uint8_t r0[32], r1[32], r2[32];
    lpg_key_raw_public(key, r0);
    lpg_key_raw_public(lpriv, r1);
    lpg_key_raw_public(lpub, r2);
    assert_memory_equal(r0, r1, 32);
    assert_memory_equal(r0, r2, 32);
    const char msg[] = "round trip";
    uint8_t s0[64], s1[64];
    assert_int_equal(lpg_sign(key, ctx, msg, sizeof msg, s0), LPG_OK);
    assert_int_equal(lpg_sign(lpriv, ctx, msg, sizeof msg, s1), LPG_OK);
    assert_memory_equal(s0, s1, 64);
    assert_int_equal(lpg_verify(lpub, ctx, msg, sizeof msg, s1), LPG_OK);
}

static void
test_pem_round_trip(void **state)
{
    char priv[256], pub[256];
    s_path(priv, sizeof priv, "rt.key");
    s_path(pub, sizeof pub, "rt.pub");
    lpg_key_t *key = NULL;
    assert_int_equal(lpg_key_generate(&key), LPG_OK);

    mode_t old = umask(077); /* the public file must still get 0644 */
    assert_int_equal(lpg_key_save_private(key, priv), LPG_OK);
    assert_int_equal(lpg_key_save_public(key, pub), LPG_OK);
    umask(old);
    struct stat st;
    assert_int_equal(stat(priv, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_equal(stat(pub, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0644);

    /* the files are PEM: PKCS#8 and SubjectPublicKeyInfo */
    char text[512] = "";
    FILE *f = fopen(priv, "r");
    assert_non_null(f);
    assert_non_null(fgets(text, sizeof text, f));
    fclose(f);
    assert_string_equal(text, "-----BEGIN PRIVATE KEY-----\n");
    f = fopen(pub, "r");
    assert_non_null(f);
    assert_non_null(fgets(text, sizeof text, f));
    fclose(f);
    assert_string_equal(text, "-----BEGIN PUBLIC KEY-----\n");

    lpg_key_t *lpriv = NULL, *lpub = NULL;
    assert_int_equal(lpg_key_load_private(&lpriv, priv), LPG_OK);
    assert_int_equal(lpg_key_load_public(&lpub, pub), LPG_OK);
    s_same_key(key, lpriv, lpub, LPG_CTX_CERT);

    /* a public key saves as public only */
    char other[256];
    s_path(other, sizeof other, "rt2.key");
    assert_int_equal(lpg_key_save_private(lpub, other), LPG_EPERM);
    assert_int_equal(access(other, F_OK), -1);

    lpg_key_destroy(&lpub);
    lpg_key_destroy(&lpriv);
    lpg_key_destroy(&key);
}

static void
test_no_overwrite(void **state)
{
    char priv[256], pub[256];
    s_path(priv, sizeof priv, "exists.key");
    s_path(pub, sizeof pub, "exists.pub");
    s_write_file(priv, "precious\n", 0600);
    s_write_file(pub, "precious\n", 0644);
    lpg_key_t *key = NULL;
    assert_int_equal(lpg_key_generate(&key), LPG_OK);
    assert_int_equal(lpg_key_save_private(key, priv), LPG_EEXIST);
    assert_int_equal(lpg_key_save_public(key, pub), LPG_EEXIST);
    char text[64] = "";
    FILE *f = fopen(priv, "r");
    assert_non_null(f);
    assert_non_null(fgets(text, sizeof text, f));
    fclose(f);
    assert_string_equal(text, "precious\n");
    /* a directory that does not exist */
    char missing[256];
    s_path(missing, sizeof missing, "no/such/dir.key");
    assert_int_equal(lpg_key_save_private(key, missing), LPG_ENOTFOUND);
    lpg_key_destroy(&key);
}

static void
test_key_permissions(void **state)
{
    char priv[256];
    s_path(priv, sizeof priv, "perm.key");
    lpg_key_t *key = NULL, *loaded = NULL;
    assert_int_equal(lpg_key_generate(&key), LPG_OK);
    assert_int_equal(lpg_key_save_private(key, priv), LPG_OK);
    static const struct {
        mode_t mode;
        int want;
    } cases[] = {
        {0644, LPG_EKEYPERM}, {0640, LPG_EKEYPERM}, {0604, LPG_EKEYPERM},
        {0620, LPG_EKEYPERM}, {0602, LPG_EKEYPERM}, {0610, LPG_EKEYPERM},
        {0601, LPG_EKEYPERM}, {0600, LPG_OK},       {0400, LPG_OK},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(chmod(priv, cases[i].mode), 0);
        uint64_t fast = lpg_count_get(LPG_COUNT_KEY_FAST);
        assert_int_equal(lpg_key_load_private(&loaded, priv), cases[i].want);
        /* the mode is checked first, the fast path reads only what passes */
        assert_int_equal(lpg_count_get(LPG_COUNT_KEY_FAST) - fast,
                         cases[i].want == LPG_OK ? 1 : 0);
        if (cases[i].want == LPG_OK)
            assert_non_null(loaded);
        else
            assert_null(loaded);
        lpg_key_destroy(&loaded);
    }
    lpg_key_destroy(&key);
}

/*  Test material made once with the openssl tool: an X25519 key (not a
 *  signing key), an Ed25519 key under a passphrase, an Ed25519 public key.
 */
static const char s_x25519_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VuBCIEIFCalcHXZxqEjCiaJjTB7xoaiIpm6IeTtNj6z0SWRQFB\n"
    "-----END PRIVATE KEY-----\n";
static const char s_encrypted_pem[] =
    "-----BEGIN ENCRYPTED PRIVATE KEY-----\n"
    "MIGbMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAiJuMfSd8yW0AICCAAw\n"
    "DAYIKoZIhvcNAgkFADAdBglghkgBZQMEAQIEELjMkn6TUZSds3iG+ZqtA18EQNx2\n"
    "AXn9J1LcQ/3I1HhiP88bCBQ3+s2iV4gBESyslTIPigWHW6jfwJkojn5MYxi679QZ\n"
    "Wnhrn2CObRcpwxgoHBQ=\n"
    "-----END ENCRYPTED PRIVATE KEY-----\n";
static const char s_ed25519_pub_pem[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MCowBQYDK2VwAyEAa/Ojw6gTdX67ha02SPfRyNQAm4kwtVOOr9bXB7ARn78=\n"
    "-----END PUBLIC KEY-----\n";

static void
test_key_file_errors(void **state)
{
    char path[256];
    lpg_key_t *key = NULL;

    s_path(path, sizeof path, "missing.key");
    assert_int_equal(lpg_key_load_private(&key, path), LPG_ENOTFOUND);
    assert_int_equal(lpg_key_load_public(&key, path), LPG_ENOTFOUND);
    assert_null(key);

    s_path(path, sizeof path, "bad.key");
    s_write_file(path, "this is not a key\n", 0600);
    assert_int_equal(lpg_key_load_private(&key, path), LPG_EKEYFORMAT);
    assert_int_equal(lpg_key_load_public(&key, path), LPG_EKEYFORMAT);
    s_write_file(path, "", 0600);
    assert_int_equal(lpg_key_load_private(&key, path), LPG_EKEYFORMAT);
    s_write_file(path, s_x25519_pem, 0600);
    assert_int_equal(lpg_key_load_private(&key, path), LPG_EKEYFORMAT);
    s_write_file(path, s_encrypted_pem, 0600);
    assert_int_equal(lpg_key_load_private(&key, path), LPG_EKEYFORMAT);
    assert_null(key);

    /* a public key is not a private key, and the other way round */
    s_write_file(path, s_ed25519_pub_pem, 0600);
    assert_int_equal(lpg_key_load_private(&key, path), LPG_EKEYFORMAT);
    assert_int_equal(lpg_key_load_public(&key, path), LPG_OK);
    uint8_t raw[32], want[32];
    s_unhex("6bf3a3c3a813757ebb85ad3648f7d1c8d4009b8930b5538eafd6d707b0119fbf",
            want, sizeof want);
    lpg_key_raw_public(key, raw);
    assert_memory_equal(raw, want, 32);
    lpg_key_destroy(&key);
    lpg_key_t *gen = NULL;
    assert_int_equal(lpg_key_generate(&gen), LPG_OK);
    s_path(path, sizeof path, "only-private.key");
    assert_int_equal(lpg_key_save_private(gen, path), LPG_OK);
    assert_int_equal(lpg_key_load_public(&key, path), LPG_EKEYFORMAT);
    assert_null(key);
    lpg_key_destroy(&gen);

    /* a directory is not a key file */
    assert_int_equal(lpg_key_load_private(&key, s_dir), LPG_EKEYFORMAT);
}

/*  RFC 8410 section 10.3: the example private key (a v1
 *  OneAsymmetricKey), and the public key section 10.1 gives for it. */
static const char s_rfc8410_priv_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC\n"
    "-----END PRIVATE KEY-----\n";
static const char s_rfc8410_pub_pem[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n"
    "-----END PUBLIC KEY-----\n";
#define RFC8410_SEED \
    "d4ee72dbf913584ad5b6d8f1f769f8ad3afe7c28cbf1d4fbe097a88f44755842"
#define RFC8410_PUB \
    "19bf44096984cdfe8541bac167dc3b96c85086aa30b6b6cb0c5c38ad703166e1"
/*  The fixed DER before the key in each of our writer's files. */
#define PKCS8_V1 "302e020100300506032b657004220420"
#define SPKI "302a300506032b6570032100"

/*  More material made once with the openssl tool: a P-256 and an X25519
 *  public key. */
static const char s_p256_pub_pem[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEgc4ge1vAIdPcAg0NzvpbU8T0YNsp\n"
    "BO1VXr6WTxpEO50W29fbtqq6tLIzZrCQaeKxx16/dH5U5dqIBQOSD7dilg==\n"
    "-----END PUBLIC KEY-----\n";
static const char s_x25519_pub_pem[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MCowBQYDK2VuAyEAbooWV+3lDlYdTKFwKoAYSoDRf5Fi/TpUjz1bYt1al0I=\n"
    "-----END PUBLIC KEY-----\n";

/*  Writes the PEM file of label around the DER given in hex, its base64
 *  cut into lines of width characters, with eol after each line, and
 *  before and after the block. */
static void
s_write_pem(const char *path, const char *label, const char *der_hex,
            size_t width, const char *eol, const char *before,
            const char *after)
{
    uint8_t der[256];
    size_t len = s_unhex(der_hex, der, sizeof der);
    char b64[512], text[1024];
    size_t b64len = 0;
    assert_int_equal(
        lpg_base64_encode(der, len, false, b64, sizeof b64, &b64len), LPG_OK);
    size_t n = (size_t)snprintf(text, sizeof text, "%s-----BEGIN %s-----%s",
                                before, label, eol);
    for (size_t i = 0; i < b64len; i += width) {
        size_t w = b64len - i < width ? b64len - i : width;
        n += (size_t)snprintf(text + n, sizeof text - n, "%.*s%s", (int)w,
                              b64 + i, eol);
    }
    snprintf(text + n, sizeof text - n, "-----END %s-----%s%s", label, eol,
             after);
    s_write_file(path, text, 0600);
}

static void
s_assert_pub(const lpg_key_t *key, const char *want_hex)
{
    uint8_t raw[32], want[32];
    s_unhex(want_hex, want, sizeof want);
    lpg_key_raw_public(key, raw);
    assert_memory_equal(raw, want, 32);
}

/*  A key saved by our writer loads through the fast path, and is the same
 *  key: it signs what the original signs, and its public half verifies. */
static void
test_pem_fast_path(void **state)
{
    char priv[256], pub[256];
    s_path(priv, sizeof priv, "fast.key");
    s_path(pub, sizeof pub, "fast.pub");
    lpg_key_t *key = NULL, *lpriv = NULL, *lpub = NULL;
    assert_int_equal(lpg_key_generate(&key), LPG_OK);
    assert_int_equal(lpg_key_save_private(key, priv), LPG_OK);
    assert_int_equal(lpg_key_save_public(key, pub), LPG_OK);

    uint64_t fast = lpg_count_get(LPG_COUNT_KEY_FAST);
    assert_int_equal(lpg_key_load_private(&lpriv, priv), LPG_OK);
    assert_int_equal(lpg_count_get(LPG_COUNT_KEY_FAST) - fast, 1);
    assert_int_equal(lpg_key_load_public(&lpub, pub), LPG_OK);
    assert_int_equal(lpg_count_get(LPG_COUNT_KEY_FAST) - fast, 2);

    s_same_key(key, lpriv, lpub, LPG_CTX_EVENT);
    /* the other half's file is refused as before */
    assert_int_equal(chmod(pub, 0600), 0);
    lpg_key_t *wrong = NULL;
    assert_int_equal(lpg_key_load_public(&wrong, priv), LPG_EKEYFORMAT);
    assert_int_equal(lpg_key_load_private(&wrong, pub), LPG_EKEYFORMAT);
    assert_null(wrong);
    assert_int_equal(lpg_count_get(LPG_COUNT_KEY_FAST) - fast, 2);

    lpg_key_destroy(&lpub);
    lpg_key_destroy(&lpriv);
    lpg_key_destroy(&key);
}

/*  RFC 8410's example key, as published and as rewritten with CR LF line
 *  ends, loads through the fast path and yields the RFC's public key. */
static void
test_pem_rfc8410(void **state)
{
    char path[256];
    s_path(path, sizeof path, "rfc8410.key");
    lpg_key_t *key = NULL;
    uint64_t fast = lpg_count_get(LPG_COUNT_KEY_FAST);
    s_write_file(path, s_rfc8410_priv_pem, 0600);
    assert_int_equal(lpg_key_load_private(&key, path), LPG_OK);
    assert_true(lpg_key_has_private(key));
    s_assert_pub(key, RFC8410_PUB);
    lpg_key_destroy(&key);
    s_write_file(path, s_rfc8410_pub_pem, 0600);
    assert_int_equal(lpg_key_load_public(&key, path), LPG_OK);
    s_assert_pub(key, RFC8410_PUB);
    lpg_key_destroy(&key);
    s_write_pem(path, "PRIVATE KEY", PKCS8_V1 RFC8410_SEED, 64, "\r\n", "",
                "");
    assert_int_equal(lpg_key_load_private(&key, path), LPG_OK);
    s_assert_pub(key, RFC8410_PUB);
    lpg_key_destroy(&key);
    assert_int_equal(lpg_count_get(LPG_COUNT_KEY_FAST) - fast, 3);
}

/*  Files the fast path leaves to OpenSSL, and what OpenSSL makes of each:
 *  the same result as before the fast path existed (the code, and for the
 *  files it accepts, the key; each line was checked against the loader as
 *  it was before the fast path). A file is either a DER in hex written as
 *  PEM (label, line width, text around it), or a whole text. */
static const struct {
    const char *what;
    bool private;
    const char *label, *der, *before, *after;
    size_t width;
    const char *text;
    int want;
    const char *pub; /* the key OpenSSL reads, if not RFC8410_PUB */
} s_fallback[] = {
    {"v2 version byte", true, "PRIVATE KEY",
     "302e020101300506032b657004220420" RFC8410_SEED, "", "", 64, NULL,
     LPG_OK},
    {"outer SET tag", true, "PRIVATE KEY",
     "312e020100300506032b657004220420" RFC8410_SEED, "", "", 64, NULL,
     LPG_EKEYFORMAT},
    {"inner BIT STRING tag", true, "PRIVATE KEY",
     "302e020100300506032b657004220320" RFC8410_SEED, "", "", 64, NULL,
     LPG_EKEYFORMAT},
    {"X25519 OID", true, "PRIVATE KEY",
     "302e020100300506032b656e04220420" RFC8410_SEED, "", "", 64, NULL,
     LPG_EKEYFORMAT},
    {"lengths of a 31-byte seed", true, "PRIVATE KEY",
     "302d020100300506032b65700421041f" RFC8410_SEED, "", "", 64, NULL,
     LPG_EKEYFORMAT},
    {"bytes after the DER", true, "PRIVATE KEY", PKCS8_V1 RFC8410_SEED "0000",
     "", "", 64, NULL, LPG_OK},
    {"attributes", true, "PRIVATE KEY",
     "303c020100300506032b657004220420" RFC8410_SEED
     "a00c300a06032a0304310304014e",
     "", "", 64, NULL, LPG_OK},
    {"v2 with the public key", true, "PRIVATE KEY",
     "3051020101300506032b657004220420" RFC8410_SEED "812100" RFC8410_PUB, "",
     "", 64, NULL, LPG_EKEYFORMAT},
    {"text before", true, "PRIVATE KEY", PKCS8_V1 RFC8410_SEED,
     "Ed25519 key\n", "", 64, NULL, LPG_OK},
    {"text after", true, "PRIVATE KEY", PKCS8_V1 RFC8410_SEED, "", "garbage\n",
     64, NULL, LPG_OK},
    {"short lines", true, "PRIVATE KEY", PKCS8_V1 RFC8410_SEED, "", "", 16,
     NULL, LPG_OK},
    {"another label", true, "ED25519 PRIVATE KEY", PKCS8_V1 RFC8410_SEED, "",
     "", 64, NULL, LPG_EKEYFORMAT},
    {"body cut short", true, NULL, NULL, NULL, NULL, 0,
     "-----BEGIN PRIVATE KEY-----\n"
     "MC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9E\n"
     "-----END PRIVATE KEY-----\n",
     LPG_EKEYFORMAT},
    {"blank line in the body", true, NULL, NULL, NULL, NULL, 0,
     "-----BEGIN PRIVATE KEY-----\n"
     "MC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp\n"
     "\n"
     "+K06/nwoy/HU++CXqI9EdVhC\n"
     "-----END PRIVATE KEY-----\n",
     LPG_EKEYFORMAT},
    {"no END line", true, NULL, NULL, NULL, NULL, 0,
     "-----BEGIN PRIVATE KEY-----\n"
     "MC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC\n",
     LPG_EKEYFORMAT},
    {"X25519 private key", true, NULL, NULL, NULL, NULL, 0, s_x25519_pem,
     LPG_EKEYFORMAT},
    {"encrypted private key", true, NULL, NULL, NULL, NULL, 0, s_encrypted_pem,
     LPG_EKEYFORMAT},
    /* one unused bit: OpenSSL clears the key's last bit */
    {"public key prefix byte", false, "PUBLIC KEY",
     "302a300506032b6570032101" RFC8410_PUB, "", "", 64, NULL, LPG_OK,
     "19bf44096984cdfe8541bac167dc3b96c85086aa30b6b6cb0c5c38ad703166e0"},
    {"public key OID", false, "PUBLIC KEY",
     "302a300506032b6571032100" RFC8410_PUB, "", "", 64, NULL, LPG_EKEYFORMAT},
    {"lengths of a 31-byte key", false, "PUBLIC KEY",
     "3029300506032b6570032000" RFC8410_PUB, "", "", 64, NULL, LPG_EKEYFORMAT},
    {"bytes after the public DER", false, "PUBLIC KEY", SPKI RFC8410_PUB "00",
     "", "", 64, NULL, LPG_OK},
    {"public text after", false, "PUBLIC KEY", SPKI RFC8410_PUB, "",
     "garbage\n", 64, NULL, LPG_OK},
    {"P-256 public key", false, NULL, NULL, NULL, NULL, 0, s_p256_pub_pem,
     LPG_EKEYFORMAT},
    {"X25519 public key", false, NULL, NULL, NULL, NULL, 0, s_x25519_pub_pem,
     LPG_EKEYFORMAT},
};

static void
test_pem_fallback(void **state)
{
    char path[256];
    s_path(path, sizeof path, "fallback.pem");
    int wrong = 0;
    for (size_t i = 0; i < sizeof s_fallback / sizeof s_fallback[0]; i++) {
        const char *what = s_fallback[i].what;
        if (s_fallback[i].text)
            s_write_file(path, s_fallback[i].text, 0600);
        else
            s_write_pem(path, s_fallback[i].label, s_fallback[i].der,
                        s_fallback[i].width, "\n", s_fallback[i].before,
                        s_fallback[i].after);
        lpg_key_t *key = NULL;
        uint64_t fast = lpg_count_get(LPG_COUNT_KEY_FAST);
        int rc = s_fallback[i].private ? lpg_key_load_private(&key, path)
                                       : lpg_key_load_public(&key, path);
        if (rc != s_fallback[i].want) {
            print_message("%s: %d, want %d\n", what, rc, s_fallback[i].want);
            wrong++;
        }
        if (lpg_count_get(LPG_COUNT_KEY_FAST) != fast) {
            print_message("%s: read by the fast path\n", what);
            wrong++;
        }
        if (rc == LPG_OK)
            s_assert_pub(key,
                         s_fallback[i].pub ? s_fallback[i].pub : RFC8410_PUB);
        else
            assert_null(key);
        lpg_key_destroy(&key);
    }
    assert_int_equal(wrong, 0);
}

/* ------------------------------------------------------------ digests */

static void
s_assert_hex(const uint8_t *bytes, size_t len, const char *want)
{
    char hex[129];
    assert_true(len * 2 < sizeof hex);
    lpg_hex(bytes, len, hex);
    assert_string_equal(hex, want);
}

static void
test_sha256(void **state)
{
    uint8_t h[32];
    lpg_sha256("abc", 3, h);
    s_assert_hex(h, 32,
                 "ba7816bf8f01cfea414140de5dae2223"
                 "b00361a396177a9cb410ff61f20015ad");
    lpg_sha256("", 0, h);
    s_assert_hex(h, 32,
                 "e3b0c44298fc1c149afbf4c8996fb924"
                 "27ae41e4649b934ca495991b7852b855");
    lpg_sha256(NULL, 0, h);
    s_assert_hex(h, 32,
                 "e3b0c44298fc1c149afbf4c8996fb924"
                 "27ae41e4649b934ca495991b7852b855");
    /* FIPS 180-2: one million 'a' */
    char *a = malloc(1000000);
    assert_non_null(a);
    memset(a, 'a', 1000000);
    lpg_sha256(a, 1000000, h);
    free(a);
    s_assert_hex(h, 32,
                 "cdc76e5c9914fb9281a1c7e284d73e67"
                 "f1809a48a497200e046d39ccc7112cd0");
}

static void
test_sha256v(void **state)
{
    /* a Merkle node: 0x01 || left || right */
    uint8_t one = 1, left[32], right[32], joined[65];
    lpg_sha256("left", 4, left);
    lpg_sha256("right", 5, right);
    joined[0] = one;
    memcpy(joined + 1, left, 32);
    memcpy(joined + 33, right, 32);
    const lpg_iov_t parts[] = {{&one, 1}, {left, 32}, {NULL, 0}, {right, 32}};
    uint8_t hv[32], h[32];
    lpg_sha256v(parts, 4, hv);
    lpg_sha256(joined, sizeof joined, h);
    assert_memory_equal(hv, h, 32);
    assert_memory_not_equal(hv, left, 32);
    /* the same call again gives the same answer (the context is reused) */
    lpg_sha256v(parts, 4, h);
    assert_memory_equal(hv, h, 32);
    /* no parts at all is the empty string */
    lpg_sha256v(NULL, 0, hv);
    lpg_sha256("", 0, h);
    assert_memory_equal(hv, h, 32);
}

/*  A stream: the hash of its pieces one after another, any cut of them;
 *  FIPS 180-2's million 'a' in uneven pieces. */
static void
test_sha256_stream(void **state)
{
    lpg_sha256_stream_t *s = NULL;
    uint8_t h[32];
    assert_int_equal(lpg_sha256_stream_new(&s), LPG_OK);
    lpg_sha256_stream_add(s, "a", 1);
    lpg_sha256_stream_add(s, NULL, 0);
    lpg_sha256_stream_add(s, "bc", 2);
    lpg_sha256_stream_end(&s, h);
    assert_null(s);
    s_assert_hex(h, 32,
                 "ba7816bf8f01cfea414140de5dae2223"
                 "b00361a396177a9cb410ff61f20015ad");
    char a[1024]; /* every step below is shorter */
    memset(a, 'a', sizeof a);
    assert_int_equal(lpg_sha256_stream_new(&s), LPG_OK);
    for (size_t done = 0, step = 1; done < 1000000; step = step % 977 + 13) {
        size_t n = 1000000 - done < step ? 1000000 - done : step;
        lpg_sha256_stream_add(s, a, n);
        done += n;
    }
    lpg_sha256_stream_end(&s, h);
    s_assert_hex(h, 32,
                 "cdc76e5c9914fb9281a1c7e284d73e67"
                 "f1809a48a497200e046d39ccc7112cd0");
    /* nothing added: the empty string's; ending none leaves out alone */
    assert_int_equal(lpg_sha256_stream_new(&s), LPG_OK);
    lpg_sha256_stream_end(&s, h);
    s_assert_hex(h, 32,
                 "e3b0c44298fc1c149afbf4c8996fb924"
                 "27ae41e4649b934ca495991b7852b855");
    lpg_sha256_stream_end(&s, h);
    s_assert_hex(h, 32,
                 "e3b0c44298fc1c149afbf4c8996fb924"
                 "27ae41e4649b934ca495991b7852b855");
}

/*  SipHash-2-4's published vector (key 00..0f, message 00..0e), and a
 *  hash that moves with its key. */
static void
test_shorthash(void **state)
{
    uint8_t key[16], msg[15];
    for (int i = 0; i < 16; i++)
        key[i] = (uint8_t)i;
    for (int i = 0; i < 15; i++)
        msg[i] = (uint8_t)i;
    uint64_t h = lpg_shorthash(key, msg, sizeof msg);
    uint8_t le[8];
    memcpy(le, &h, 8);
    s_assert_hex(le, 8, "e545be4961ca29a1");
    key[0] ^= 1;
    assert_true(lpg_shorthash(key, msg, sizeof msg) != h);
    assert_true(lpg_shorthash(key, msg, sizeof msg) ==
                lpg_shorthash(key, msg, sizeof msg));
}

static void
test_hmac_rfc4231(void **state)
{
    uint8_t key[20], mac[32];
    /* test case 1 */
    memset(key, 0x0b, sizeof key);
    lpg_hmac_sha256(key, sizeof key, "Hi There", 8, mac);
    s_assert_hex(mac, 32,
                 "b0344c61d8db38535ca8afceaf0bf12b"
                 "881dc200c9833da726e9376c2e32cff7");
    /* test case 2 */
    const char *data = "what do ya want for nothing?";
    lpg_hmac_sha256((const uint8_t *)"Jefe", 4, data, strlen(data), mac);
    s_assert_hex(mac, 32,
                 "5bdcc146bf60754e6a042426089575c7"
                 "5a003f089d2739839dec58b964ec3843");
    /* a different key gives a different answer */
    uint8_t mac2[32];
    lpg_hmac_sha256((const uint8_t *)"Jeff", 4, data, strlen(data), mac2);
    assert_memory_not_equal(mac, mac2, 32);
}

/* --------------------------------------------------------------- AEAD */

static void
test_aead(void **state)
{
    uint8_t key[32], key2[32];
    assert_int_equal(lpg_random(key, sizeof key), LPG_OK);
    memcpy(key2, key, sizeof key);
    key2[0] ^= 1;
    const char pt[] = "张三 13800138000 110101199003074514";
    const char aad[] = "person:42";
    uint8_t box[128], box2[128], back[128];
    size_t n = 0, n2 = 0, m = 0;
    assert_int_equal(lpg_aead_seal(key, aad, strlen(aad), pt, sizeof pt, box,
                                   sizeof box, &n),
                     LPG_OK);
    assert_int_equal(n, sizeof pt + 28);
    assert_memory_not_equal(box + 12, pt, sizeof pt);
    assert_int_equal(
        lpg_aead_open(key, aad, strlen(aad), box, n, back, sizeof back, &m),
        LPG_OK);
    assert_int_equal(m, sizeof pt);
    assert_memory_equal(back, pt, sizeof pt);

    /* a fresh nonce each time */
    assert_int_equal(lpg_aead_seal(key, aad, strlen(aad), pt, sizeof pt, box2,
                                   sizeof box2, &n2),
                     LPG_OK);
    assert_int_equal(n2, n);
    assert_memory_not_equal(box, box2, 12);
    assert_memory_not_equal(box + 12, box2 + 12, n - 12);

    /* tampering anywhere (nonce, ciphertext, tag) is caught */
    const size_t spots[] = {0, 11, 12, 20, n - 17, n - 16, n - 1};
    for (size_t i = 0; i < sizeof spots / sizeof spots[0]; i++) {
        box[spots[i]] ^= 0x40;
        memset(back, 0x55, sizeof back);
        m = 99;
        assert_int_equal(lpg_aead_open(key, aad, strlen(aad), box, n, back,
                                       sizeof back, &m),
                         LPG_EBADSIG);
        assert_int_equal(m, 0);
        uint8_t zero[sizeof pt] = {0};
        assert_memory_equal(back, zero, sizeof pt); /* nothing leaks */
        box[spots[i]] ^= 0x40;
    }
    /* wrong AAD, no AAD, wrong key */
    assert_int_equal(
        lpg_aead_open(key, "person:43", 9, box, n, back, sizeof back, &m),
        LPG_EBADSIG);
    assert_int_equal(
        lpg_aead_open(key, NULL, 0, box, n, back, sizeof back, &m),
        LPG_EBADSIG);
    assert_int_equal(
        lpg_aead_open(key2, aad, strlen(aad), box, n, back, sizeof back, &m),
        LPG_EBADSIG);
    /* untouched, it still opens */
    assert_int_equal(
        lpg_aead_open(key, aad, strlen(aad), box, n, back, sizeof back, &m),
        LPG_OK);

    /* sizes */
    assert_int_equal(
        lpg_aead_seal(key, NULL, 0, pt, sizeof pt, box, sizeof pt + 27, &n2),
        LPG_ERANGE);
    assert_int_equal(
        lpg_aead_open(key, aad, strlen(aad), box, n, back, sizeof pt - 1, &m),
        LPG_ERANGE);
    assert_int_equal(
        lpg_aead_open(key, NULL, 0, box, 27, back, sizeof back, &m),
        LPG_EMALFORMED);

    /* empty plaintext, no AAD */
    assert_int_equal(lpg_aead_seal(key, NULL, 0, NULL, 0, box, 28, &n2),
                     LPG_OK);
    assert_int_equal(n2, 28);
    assert_int_equal(lpg_aead_open(key, NULL, 0, box, 28, NULL, 0, &m),
                     LPG_OK);
    assert_int_equal(m, 0);
    box[27] ^= 1;
    assert_int_equal(lpg_aead_open(key, NULL, 0, box, 28, NULL, 0, &m),
                     LPG_EBADSIG);
}

static void
test_random(void **state)
{
    uint8_t a[32] = {0}, b[32] = {0}, zero[32] = {0};
    assert_int_equal(lpg_random(a, sizeof a), LPG_OK);
    assert_int_equal(lpg_random(b, sizeof b), LPG_OK);
    assert_memory_not_equal(a, zero, 32);
    assert_memory_not_equal(a, b, 32);
    assert_int_equal(lpg_random(NULL, 0), LPG_OK);
}

/* ------------------------------------------------------ base64 and hex */

/*  RFC 4648 section 10, with the URL-safe form (no padding) beside. */
static const struct {
    const char *raw, *std, *url;
} s_b64[] = {
    {"", "", ""},
    {"f", "Zg==", "Zg"},
    {"fo", "Zm8=", "Zm8"},
    {"foo", "Zm9v", "Zm9v"},
    {"foob", "Zm9vYg==", "Zm9vYg"},
    {"fooba", "Zm9vYmE=", "Zm9vYmE"},
    {"foobar", "Zm9vYmFy", "Zm9vYmFy"},
    /* bytes where the two alphabets differ */
    {"\xfb\xef\xff", "++//", "--__"},
    {"\xfb\xff", "+/8=", "-_8"},
    {"\xff", "/w==", "_w"},
};

static void
test_base64_vectors(void **state)
{
    for (size_t i = 0; i < sizeof s_b64 / sizeof s_b64[0]; i++) {
        const char *raw = s_b64[i].raw;
        size_t rawlen = strlen(raw);
        for (int url = 0; url < 2; url++) {
            const char *want = url ? s_b64[i].url : s_b64[i].std;
            char text[32];
            size_t n = 99;
            assert_int_equal(
                lpg_base64_encode(raw, rawlen, url, text, sizeof text, &n),
                LPG_OK);
            assert_string_equal(text, want);
            assert_int_equal(n, strlen(want));
            uint8_t back[32];
            size_t m = 99;
            assert_int_equal(lpg_base64_decode(want, strlen(want), url, back,
                                               sizeof back, &m),
                             LPG_OK);
            assert_int_equal(m, rawlen);
            assert_memory_equal(back, raw, rawlen);
        }
    }
    /* a signature in a cylinder code is 86 base64url characters */
    uint8_t sig[64], back[64];
    for (size_t i = 0; i < 64; i++)
        sig[i] = (uint8_t)(255 - i * 3);
    char text[100];
    size_t n = 0, m = 0;
    assert_int_equal(lpg_base64_encode(sig, 64, true, text, sizeof text, &n),
                     LPG_OK);
    assert_int_equal(n, 86);
    assert_int_equal(lpg_base64_decode(text, n, true, back, sizeof back, &m),
                     LPG_OK);
    assert_int_equal(m, 64);
    assert_memory_equal(back, sig, 64);
}

static void
test_base64_strict(void **state)
{
    static const char *bad_std[] = {
        "Zg",       /* padding missing */
        "Zg=",      /* length not a multiple of 4 */
        "Zh==",     /* non-zero trailing bits */
        "Zm9=",     /* non-zero trailing bits */
        "Zo==",     /* non-zero trailing bits */
        "Zm+=",     /* non-zero trailing bits */
        "Zg=a",     /* padding inside */
        "=Zg=",     /* padding first */
        "Zg==Zg==", /* padding in the middle */
        "Zm9v====", /* padding after a full group */
        "Z===",     /* too much padding */
        "====",     /* padding only */
        "Zm 9v",    /* space */
        "Zm9v\n",   /* newline */
        "Zm9\tv",   /* tab */
        "Zm9-",     /* URL alphabet */
        "Zm9_",     /* URL alphabet */
        "Zm9v\x80Zg=",
    };
    static const char *bad_url[] = {
        "Zg==",  /* no padding in the URL form */
        "Zm8=",  /* no padding in the URL form */
        "Zm9vY", /* one character left over */
        "Z",     /* one character left over */
        "Zh",    /* non-zero trailing bits */
        "Zm9",   /* non-zero trailing bits */
        "Zo",    /* non-zero trailing bits */
        "Zm-",   /* non-zero trailing bits */
        "Zm+v",  /* standard alphabet */
        "Zm/v",  /* standard alphabet */
        "Zm9v ", /* space */
        "Zm.v",  /* not base64 at all */
    };
    uint8_t out[32];
    size_t n = 99;
    for (size_t i = 0; i < sizeof bad_std / sizeof bad_std[0]; i++) {
        assert_int_equal(lpg_base64_decode(bad_std[i], strlen(bad_std[i]),
                                           false, out, sizeof out, &n),
                         LPG_EMALFORMED);
        assert_int_equal(n, 0);
    }
    for (size_t i = 0; i < sizeof bad_url / sizeof bad_url[0]; i++) {
        n = 99;
        assert_int_equal(lpg_base64_decode(bad_url[i], strlen(bad_url[i]),
                                           true, out, sizeof out, &n),
                         LPG_EMALFORMED);
        assert_int_equal(n, 0);
    }
    /* a NUL inside the given length is a bad character too */
    assert_int_equal(lpg_base64_decode("Zm\0v", 4, false, out, sizeof out, &n),
                     LPG_EMALFORMED);
}

static void
test_base64_sizes(void **state)
{
    char text[16];
    size_t n = 0;
    /* "foob" needs 8 characters and the NUL */
    assert_int_equal(lpg_base64_encode("foob", 4, false, text, 8, &n),
                     LPG_ERANGE);
    assert_int_equal(lpg_base64_encode("foob", 4, false, text, 9, &n), LPG_OK);
    assert_string_equal(text, "Zm9vYg==");
    assert_int_equal(lpg_base64_encode("foob", 4, true, text, 6, &n),
                     LPG_ERANGE);
    assert_int_equal(lpg_base64_encode("foob", 4, true, text, 7, &n), LPG_OK);
    assert_string_equal(text, "Zm9vYg");
    assert_int_equal(lpg_base64_encode("", 0, false, text, 0, &n), LPG_ERANGE);
    assert_int_equal(lpg_base64_encode("", 0, false, text, 1, &n), LPG_OK);
    assert_string_equal(text, "");
    uint8_t out[8];
    assert_int_equal(lpg_base64_decode("Zm9vYmFy", 8, false, out, 5, &n),
                     LPG_ERANGE);
    assert_int_equal(lpg_base64_decode("Zm9vYmFy", 8, false, out, 6, &n),
                     LPG_OK);
    assert_int_equal(n, 6);
    assert_memory_equal(out, "foobar", 6);
    assert_int_equal(lpg_base64_decode("Zm9vYmE", 7, true, out, 4, &n),
                     LPG_ERANGE);
    assert_int_equal(lpg_base64_decode("Zm9vYmE", 7, true, out, 5, &n),
                     LPG_OK);
    assert_int_equal(n, 5);
}

static void
test_hex(void **state)
{
    char out[16];
    memset(out, 'x', sizeof out);
    lpg_hex("\x00\x01\xab\xff\x7f", 5, out);
    assert_string_equal(out, "0001abff7f");
    lpg_hex(NULL, 0, out);
    assert_string_equal(out, "");
}

/* ------------------------------------------------------------ threads */

#define S_THREADS 4
#define S_ROUNDS 60

typedef struct {
    const lpg_key_t *key;
    const uint8_t (*sigs)[64];
    size_t ok;
    size_t rejected;
    size_t wrong;
} s_worker_t;

static void
s_message_for(size_t i, uint8_t msg[40])
{
    memset(msg, 0, 40);
    snprintf((char *)msg, 40, "event number %zu", i);
}

static void *
s_worker(void *arg)
{
    s_worker_t *w = arg;
    for (size_t round = 0; round < S_ROUNDS; round++) {
        size_t i = round % 8;
        uint8_t msg[40];
        s_message_for(i, msg);
        if (lpg_verify(w->key, LPG_CTX_EVENT, msg, sizeof msg, w->sigs[i]) ==
            LPG_OK)
            w->ok++;
        else
            w->wrong++;
        /* a signature for another message must fail, under load too */
        int rc = lpg_verify(w->key, LPG_CTX_EVENT, msg, sizeof msg,
                            w->sigs[(i + 1) % 8]);
        if (rc == LPG_EBADSIG)
            w->rejected++;
        else
            w->wrong++;
        /* the per-thread digest context works in every thread */
        uint8_t h[32], id[32], raw[32];
        lpg_key_raw_public(w->key, raw);
        lpg_sha256(raw, 32, h);
        lpg_key_id(w->key, id);
        if (memcmp(h, id, 32) != 0)
            w->wrong++;
    }
    return NULL;
}

static void
test_verify_threads(void **state)
{
    lpg_key_t *key = NULL, *pub = NULL;
    assert_int_equal(lpg_key_generate(&key), LPG_OK);
    uint8_t raw[32];
    lpg_key_raw_public(key, raw);
    assert_int_equal(lpg_key_from_raw_public(&pub, raw), LPG_OK);
    uint8_t sigs[8][64];
    for (size_t i = 0; i < 8; i++) {
        uint8_t msg[40];
        s_message_for(i, msg);
        assert_int_equal(
            lpg_sign(key, LPG_CTX_EVENT, msg, sizeof msg, sigs[i]), LPG_OK);
    }
    /* the same key object, shared by every thread */
    s_worker_t w[S_THREADS];
    pthread_t t[S_THREADS];
    for (size_t i = 0; i < S_THREADS; i++) {
        w[i] = (s_worker_t){.key = pub, .sigs = (const uint8_t(*)[64])sigs};
        assert_int_equal(pthread_create(&t[i], NULL, s_worker, &w[i]), 0);
    }
    for (size_t i = 0; i < S_THREADS; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        assert_int_equal(w[i].ok, S_ROUNDS);
        assert_int_equal(w[i].rejected, S_ROUNDS);
        assert_int_equal(w[i].wrong, 0);
    }
    lpg_key_destroy(&pub);
    lpg_key_destroy(&key);
}

int
main(void)
{
    assert_non_null(mkdtemp(s_dir));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc8032_vectors),
        cmocka_unit_test(test_small_order_key_refused),
        cmocka_unit_test(test_noncanonical_s_refused),
        cmocka_unit_test(test_small_order_r_refused),
        cmocka_unit_test(test_openssl_bench_check),
        cmocka_unit_test(test_context_prefixes),
        cmocka_unit_test(test_context_separation),
        cmocka_unit_test(test_tampering),
        cmocka_unit_test(test_key_accessors),
        cmocka_unit_test(test_pem_round_trip),
        cmocka_unit_test(test_no_overwrite),
        cmocka_unit_test(test_key_permissions),
        cmocka_unit_test(test_key_file_errors),
        cmocka_unit_test(test_pem_fast_path),
        cmocka_unit_test(test_sha256_stream),
        cmocka_unit_test(test_shorthash),
        cmocka_unit_test(test_pem_rfc8410),
        cmocka_unit_test(test_pem_fallback),
        cmocka_unit_test(test_sha256),
        cmocka_unit_test(test_sha256v),
        cmocka_unit_test(test_hmac_rfc4231),
        cmocka_unit_test(test_aead),
        cmocka_unit_test(test_random),
        cmocka_unit_test(test_base64_vectors),
        cmocka_unit_test(test_base64_strict),
        cmocka_unit_test(test_base64_sizes),
        cmocka_unit_test(test_hex),
        cmocka_unit_test(test_verify_threads),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", s_dir);
    if (system(cmd) != 0)
        return 1;
    return rc;
}
