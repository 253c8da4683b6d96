/*  test_httpsig.c - RFC 9421 signatures and RFC 9530 digests: the
 *  Ed25519 example of RFC 9421 Appendix B.2.6 (the exact signature base,
 *  its signature verified with the published public key and made again,
 *  byte for byte, with the published private key, both read from PEM),
 *  the derived components, and the refusals: a tampered component, the
 *  wrong key, malformed or over-long fields, unsupported components,
 *  stale or future signatures, and digests that are not the body's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/error.h"
#include "crypto/crypto.h"
#include "net/httpsig.h"

/* RFC 9421 Appendix B.1.4: the test-key-ed25519 key pair. */
static const char s_pub_pem[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=\n"
    "-----END PUBLIC KEY-----\n";
static const char s_priv_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF\n"
    "-----END PRIVATE KEY-----\n";

/* RFC 9421 Appendix B.2.6. */
static const char s_b26_base[] =
    "\"date\": Tue, 20 Apr 2021 02:07:55 GMT\n"
    "\"@method\": POST\n"
    "\"@path\": /foo\n"
    "\"@authority\": example.com\n"
    "\"content-type\": application/json\n"
    "\"content-length\": 18\n"
    "\"@signature-params\": (\"date\" \"@method\" \"@path\" \"@authority\" "
    "\"content-type\" \"content-length\");created=1618884473;keyid=\"test-key-"
    "ed25519\"";
static const char s_b26_input[] =
    "sig-b26=(\"date\" \"@method\" \"@path\" \"@authority\" \"content-type\" "
    "\"content-length\");created=1618884473;keyid=\"test-key-ed25519\"";
static const char s_b26_sig[] =
    "sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu"
    "4A0w6vuQv5lIp5WPpBKRCw==:";
static const char s_body[] = "{\"hello\": \"world\"}";

static char s_dir[] = "/tmp/lpgtest-httpsig-XXXXXX";
static lpg_key_t *s_pub;
static lpg_key_t *s_priv;
static lpg_key_t *s_other;

/*  A request's fields, looked up without regard to case. */
#define S_MAXH 12
typedef struct {
    const char *name[S_MAXH];
    const char *value[S_MAXH];
    size_t n;
} s_headers_t;

static const char *
s_header(void *hctx, const char *name)
{
    s_headers_t *h = hctx;
    for (size_t i = 0; i < h->n; i++)
        if (strcasecmp(h->name[i], name) == 0)
            return h->value[i];
    return NULL;
}

static void
s_set(s_headers_t *h, const char *name, const char *value)
{
    for (size_t i = 0; i < h->n; i++)
        if (strcasecmp(h->name[i], name) == 0) {
            h->value[i] = value;
            return;
        }
    assert_true(h->n < S_MAXH);
    h->name[h->n] = name;
    h->value[h->n++] = value;
}

/*  The request of Appendix B.2, signed as B.2.6 says. */
static void
s_b2_request(s_headers_t *h, lpg_httpsig_req_t *req)
{
    memset(h, 0, sizeof *h);
    s_set(h, "Host", "example.com");
    s_set(h, "Date", "Tue, 20 Apr 2021 02:07:55 GMT");
    s_set(h, "Content-Type", "application/json");
    s_set(h, "Content-Digest",
          "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrI"
          "iYllu7BNNyealdVLvRwEmTHWXvJwew==:");
    s_set(h, "Content-Length", "18");
    s_set(h, "Signature-Input", s_b26_input);
    s_set(h, "Signature", s_b26_sig);
    req->method = "POST";
    req->target_uri = "https://example.com/foo?param=Value&Pet=dog";
    req->header = s_header;
    req->hctx = h;
}

static void
s_b26_params(lpg_httpsig_params_t *p)
{
    lpg_httpsig_params_init(p);
    const char *names[] = {"date",       "@method",      "@path",
                           "@authority", "content-type", "content-length"};
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(lpg_httpsig_params_add(p, names[i]), LPG_OK);
    assert_int_equal(
        lpg_httpsig_params_set_time(p, LPG_HTTPSIG_CREATED, 1618884473),
        LPG_OK);
    assert_int_equal(
        lpg_httpsig_params_set(p, LPG_HTTPSIG_KEYID, "test-key-ed25519"),
        LPG_OK);
}

static void
s_write(const char *name, const char *text, mode_t mode, char *path,
        size_t pathsz)
{
    snprintf(path, pathsz, "%s/%s", s_dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(chmod(path, mode), 0);
}

static int
s_setup(void **state)
{
    if (!mkdtemp(s_dir))
        return -1;
    char path[256];
    s_write("pub.pem", s_pub_pem, 0644, path, sizeof path);
    if (lpg_key_load_public(&s_pub, path) != LPG_OK)
        return -1;
    s_write("priv.pem", s_priv_pem, 0600, path, sizeof path);
    if (lpg_key_load_private(&s_priv, path) != LPG_OK)
        return -1;
    return lpg_key_generate(&s_other) == LPG_OK ? 0 : -1;
}

static int
s_teardown(void **state)
{
    lpg_key_destroy(&s_pub);
    lpg_key_destroy(&s_priv);
    lpg_key_destroy(&s_other);
    char path[256];
    snprintf(path, sizeof path, "%s/pub.pem", s_dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/priv.pem", s_dir);
    unlink(path);
    rmdir(s_dir);
    return 0;
}

/* ---------------------------------------------------------- B.2.6 */

static void
test_b26_keys_match(void **state)
{
    uint8_t a[32], b[32];
    lpg_key_raw_public(s_pub, a);
    lpg_key_raw_public(s_priv, b);
    assert_memory_equal(a, b, 32);
}

static void
test_b26_base(void **state)
{
    s_headers_t h;
    lpg_httpsig_req_t req;
    s_b2_request(&h, &req);
    lpg_httpsig_params_t p;
    s_b26_params(&p);
    char base[LPG_HTTPSIG_MAX_BASE + 1], why[256] = "";
    size_t len = 0;
    assert_int_equal(
        lpg_httpsig_base(&req, &p, base, sizeof base, &len, why, sizeof why),
        LPG_OK);
    assert_string_equal(base, s_b26_base);
    assert_int_equal(len, strlen(s_b26_base));
    /* the same base from the parsed Signature-Input */
    lpg_httpsig_t sig;
    assert_int_equal(lpg_httpsig_parse(&req, "sig-b26", &sig, why, sizeof why),
                     LPG_OK);
    assert_int_equal(lpg_httpsig_base(&req, &sig.params, base, sizeof base,
                                      &len, why, sizeof why),
                     LPG_OK);
    assert_string_equal(base, s_b26_base);
    /* a buffer one byte short */
    assert_int_equal(lpg_httpsig_base(&req, &p, base, strlen(s_b26_base), &len,
                                      why, sizeof why),
                     LPG_ERANGE);
}

static void
test_b26_verify(void **state)
{
    s_headers_t h;
    lpg_httpsig_req_t req;
    s_b2_request(&h, &req);
    lpg_httpsig_t sig;
    char why[256] = "";
    /* by its label, and as the first (only) member */
    assert_int_equal(lpg_httpsig_parse(&req, "sig-b26", &sig, why, sizeof why),
                     LPG_OK);
    assert_int_equal(lpg_httpsig_check(&req, &sig, s_pub, why, sizeof why),
                     LPG_OK);
    assert_int_equal(lpg_httpsig_parse(&req, NULL, &sig, why, sizeof why),
                     LPG_OK);
    assert_string_equal(sig.label, "sig-b26");
    assert_int_equal(sig.params.ncomponents, 6);
    assert_string_equal(sig.params.components[0], "date");
    assert_true(lpg_httpsig_covers(&sig.params, "@authority"));
    assert_false(lpg_httpsig_covers(&sig.params, "content-digest"));
    assert_int_equal(sig.params.created, 1618884473);
    assert_string_equal(sig.params.keyid, "test-key-ed25519");
    assert_int_equal(sig.params.has,
                     1u << LPG_HTTPSIG_CREATED | 1u << LPG_HTTPSIG_KEYID);
    assert_int_equal(lpg_httpsig_check(&req, &sig, s_pub, why, sizeof why),
                     LPG_OK);
    /* the body's digest, sha-512 as the RFC sends it */
    const char *cd = s_header(&h, "content-digest");
    assert_int_equal(lpg_content_digest_check(cd, strlen(cd), s_body,
                                              strlen(s_body), why, sizeof why),
                     LPG_OK);
}

static void
test_b26_sign(void **state)
{
    s_headers_t h;
    lpg_httpsig_req_t req;
    s_b2_request(&h, &req);
    lpg_httpsig_params_t p;
    s_b26_params(&p);
    char input[512], signature[256], why[256] = "";
    assert_int_equal(lpg_httpsig_sign(&req, &p, "sig-b26", s_priv, input,
                                      sizeof input, signature,
                                      sizeof signature, why, sizeof why),
                     LPG_OK);
    assert_string_equal(input, s_b26_input);
    assert_string_equal(signature, s_b26_sig);
    /* a public key alone cannot sign; buffers too small are refused */
    assert_int_equal(lpg_httpsig_sign(&req, &p, "sig-b26", s_pub, input,
                                      sizeof input, signature,
                                      sizeof signature, why, sizeof why),
                     LPG_EPERM);
    assert_int_equal(lpg_httpsig_sign(&req, &p, "sig-b26", s_priv, input, 20,
                                      signature, sizeof signature, why,
                                      sizeof why),
                     LPG_ERANGE);
    assert_string_equal(input, "");
    assert_int_equal(lpg_httpsig_sign(&req, &p, "Bad Label", s_priv, input,
                                      sizeof input, signature,
                                      sizeof signature, why, sizeof why),
                     LPG_ESIGFIELD);
}

/* ----------------------------------------------------------- refusals */

static int
s_check_b2(s_headers_t *h, lpg_httpsig_req_t *req, const lpg_key_t *key)
{
    lpg_httpsig_t sig;
    char why[256] = "";
    int rc = lpg_httpsig_parse(req, "sig-b26", &sig, why, sizeof why);
    if (rc == LPG_OK)
        rc = lpg_httpsig_check(req, &sig, key, why, sizeof why);
    if (rc != LPG_OK)
        assert_true(why[0] != '\0'); /* every refusal says why */
    return rc;
}

static void
test_tampered(void **state)
{
    s_headers_t h;
    lpg_httpsig_req_t req;
    s_b2_request(&h, &req);
    assert_int_equal(s_check_b2(&h, &req, s_pub), LPG_OK);
    /* each covered component changed in turn */
    s_set(&h, "Date", "Tue, 20 Apr 2021 02:07:56 GMT");
    assert_int_equal(s_check_b2(&h, &req, s_pub), LPG_EBADSIG);
    s_b2_request(&h, &req);
    req.method = "PUT";
    assert_int_equal(s_check_b2(&h, &req, s_pub), LPG_EBADSIG);
    s_b2_request(&h, &req);
    req.target_uri = "https://example.com/fo?param=Value&Pet=dog";
    assert_int_equal(s_check_b2(&h, &req, s_pub), LPG_EBADSIG);
    req.target_uri = "https://example.org/foo?param=Value&Pet=dog";
    assert_int_equal(s_check_b2(&h, &req, s_pub), LPG_EBADSIG);
    s_b2_request(&h, &req);
    s_set(&h, "Content-Length", "19");
    assert_int_equal(s_check_b2(&h, &req, s_pub), LPG_EBADSIG);
    /* what is not covered may change: the query, Content-Digest */
    s_b2_request(&h, &req);
    req.target_uri = "https://example.com/foo?param=Other";
    s_set(&h, "Content-Digest", "sha-256=:AAAA:");
    assert_int_equal(s_check_b2(&h, &req, s_pub), LPG_OK);
    /* surrounding spaces in a field value are not part of it */
    s_set(&h, "Content-Type", " \tapplication/json  ");
    assert_int_equal(s_check_b2(&h, &req, s_pub), LPG_OK);
    /* a changed parameter changes @signature-params */
    s_b2_request(&h, &req);
    s_set(&h, "Signature-Input",
          "sig-b26=(\"date\" \"@method\" \"@path\" \"@authority\" "
          "\"content-type\" \"content-length\");created=1618884474;keyid="
          "\"test-key-ed25519\"");
    assert_int_equal(s_check_b2(&h, &req, s_pub), LPG_EBADSIG);
    /* one bit of the signature */
    s_b2_request(&h, &req);
    s_set(&h, "Signature",
          "sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9ED"
          "gwUPiu4A0w6vuQv5lIp5WPpBKRCg==:");
    assert_int_equal(s_check_b2(&h, &req, s_pub), LPG_EBADSIG);
}

static void
test_wrong_key(void **state)
{
    s_headers_t h;
    lpg_httpsig_req_t req;
    s_b2_request(&h, &req);
    assert_int_equal(s_check_b2(&h, &req, s_other), LPG_EBADSIG);
}

static void
test_missing(void **state)
{
    s_headers_t h;
    lpg_httpsig_req_t req;
    s_b2_request(&h, &req);
    /* a covered field absent */
    s_set(&h, "Date", NULL);
    assert_int_equal(s_check_b2(&h, &req, s_pub), LPG_ESIGCOMPONENT);
    /* no Signature, no Signature-Input, another label */
    s_b2_request(&h, &req);
    s_set(&h, "Signature", NULL);
    assert_int_equal(s_check_b2(&h, &req, s_pub), LPG_ESIGLABEL);
    s_b2_request(&h, &req);
    s_set(&h, "Signature-Input", NULL);
    assert_int_equal(s_check_b2(&h, &req, s_pub), LPG_ESIGLABEL);
    s_b2_request(&h, &req);
    s_set(&h, "Signature", "sig1=:AAAA:");
    assert_int_equal(s_check_b2(&h, &req, s_pub), LPG_ESIGLABEL);
    /* a field holding a control byte */
    s_b2_request(&h, &req);
    s_set(&h, "Date", "Tue, 20 Apr 2021\n02:07:55 GMT");
    assert_int_equal(s_check_b2(&h, &req, s_pub), LPG_ESIGCOMPONENT);
}

/*  Signature-Input values that must be refused, with the code. */
static void
test_malformed_input(void **state)
{
    static const struct {
        const char *field;
        int rc;
    } cases[] = {
        {"", LPG_ESIGFIELD},
        {"   ", LPG_ESIGFIELD},
        {"sig-b26", LPG_ESIGFIELD},           /* true, no list */
        {"sig-b26=\"date\"", LPG_ESIGFIELD},  /* not a list */
        {"sig-b26=(\"date\"", LPG_ESIGFIELD}, /* unclosed */
        {"sig-b26=(date)", LPG_ESIGFIELD},    /* a token */
        {"sig-b26=(\"date\")created=1", LPG_ESIGFIELD},
        {"sig-b26=(\"date\");created=-1", LPG_ESIGFIELD},
        {"sig-b26=(\"date\");created=1.5", LPG_ESIGFIELD},
        {"sig-b26=(\"date\");created=\"1\"", LPG_ESIGFIELD},
        {"sig-b26=(\"date\");created=1234567890123456", LPG_ESIGFIELD},
        {"sig-b26=(\"date\");keyid=k", LPG_ESIGFIELD},
        {"sig-b26=(\"date\");created=1;created=2", LPG_ESIGFIELD},
        {"sig-b26=(\"date\");color=\"red\"", LPG_ESIGFIELD},
        {"sig-b26=(\"da\\te\")", LPG_ESIGFIELD}, /* bad escape */
        {"sig-b26=(\"date\"),", LPG_ESIGFIELD},  /* trailing comma */
        {"sig-b26=(\"date\") x", LPG_ESIGFIELD},
        {"Sig=(\"date\")", LPG_ESIGFIELD}, /* upper-case key */
        {"sig-b26=(\"date\"), sig-b26=(\"date\")", LPG_ESIGFIELD},
        {"sig-b26=(\"date\"\"@path\")", LPG_ESIGFIELD},
        {"sig1=(\"date\")", LPG_ESIGLABEL},
        {"sig-b26=(\"Date\")", LPG_ESIGCOMPONENT}, /* not lower case */
        {"sig-b26=(\"@request-target\")", LPG_ESIGCOMPONENT},
        {"sig-b26=(\"@query-param\";name=\"a\")", LPG_ESIGCOMPONENT},
        {"sig-b26=(\"date\";sf)", LPG_ESIGCOMPONENT},
        {"sig-b26=(\"date\" \"date\")", LPG_ESIGCOMPONENT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        lpg_httpsig_t sig;
        char why[256] = "";
        int rc =
            lpg_httpsig_parse_input(cases[i].field, strlen(cases[i].field),
                                    "sig-b26", &sig, why, sizeof why);
        if (rc != cases[i].rc)
            fail_msg("'%s': %s (%s), not %s", cases[i].field, lpg_errtoken(rc),
                     why, lpg_errtoken(cases[i].rc));
        assert_true(why[0] != '\0');
    }
    /* other members may hold anything RFC 8941 allows */
    static const char mixed[] =
        "a=?1, b=1.25;x, c=tok/en:1, sig-b26=(\"date\");created=5, "
        "d=:AAAA:, e=(1 \"x\";y=?0);z";
    lpg_httpsig_t sig;
    char why[256] = "";
    assert_int_equal(lpg_httpsig_parse_input(mixed, strlen(mixed), "sig-b26",
                                             &sig, why, sizeof why),
                     LPG_OK);
    assert_int_equal(sig.params.created, 5);
    /* limits: too many components, an over-long field, parameter, label */
    char big[LPG_HTTPSIG_MAX_FIELD + 2];
    strcpy(big, "sig-b26=(");
    for (int i = 0; i <= LPG_HTTPSIG_MAX_COMPONENTS; i++) {
        char c[16];
        snprintf(c, sizeof c, "\"h%d\" ", i);
        strcat(big, c);
    }
    strcat(big, ")");
    assert_int_equal(lpg_httpsig_parse_input(big, strlen(big), "sig-b26", &sig,
                                             why, sizeof why),
                     LPG_ETOOBIG);
    memset(big, ' ', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    memcpy(big, "sig-b26=(\"date\")", 16);
    assert_int_equal(lpg_httpsig_parse_input(big, strlen(big), "sig-b26", &sig,
                                             why, sizeof why),
                     LPG_ETOOBIG);
    strcpy(big, "sig-b26=(\"date\");nonce=\"");
    size_t off = strlen(big);
    memset(big + off, 'n', LPG_HTTPSIG_MAX_PARAM + 1);
    strcpy(big + off + LPG_HTTPSIG_MAX_PARAM + 1, "\"");
    assert_int_equal(lpg_httpsig_parse_input(big, strlen(big), "sig-b26", &sig,
                                             why, sizeof why),
                     LPG_ETOOBIG);
    memset(big, 'k', LPG_HTTPSIG_MAX_NAME + 1);
    strcpy(big + LPG_HTTPSIG_MAX_NAME + 1, "=(\"date\")");
    assert_int_equal(
        lpg_httpsig_parse_input(big, strlen(big), NULL, &sig, why, sizeof why),
        LPG_ETOOBIG);
    /* a NUL inside the field */
    static const char nul[] = "sig-b26=(\"date\")\0x";
    assert_int_equal(lpg_httpsig_parse_input(nul, sizeof nul - 1, "sig-b26",
                                             &sig, why, sizeof why),
                     LPG_ESIGFIELD);
}

static void
test_malformed_signature(void **state)
{
    static const struct {
        const char *field;
        int rc;
    } cases[] = {
        {"sig-b26=:AAAA:", LPG_ESIGFIELD},     /* 3 bytes */
        {"sig-b26=\"abc\"", LPG_ESIGFIELD},    /* a string */
        {"sig-b26=(:AAAA:)", LPG_ESIGFIELD},   /* a list */
        {"sig-b26=:wqcA*mYJ:", LPG_ESIGFIELD}, /* not base64 */
        {"sig-b26=:wqcAqbmY", LPG_ESIGFIELD},  /* unclosed */
        {"sig-b26", LPG_ESIGFIELD},            /* true */
        {"sig2=:AAAA:", LPG_ESIGLABEL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t sig[64];
        char why[256] = "";
        int rc =
            lpg_httpsig_parse_signature(cases[i].field, strlen(cases[i].field),
                                        "sig-b26", sig, why, sizeof why);
        if (rc != cases[i].rc)
            fail_msg("'%s': %s (%s), not %s", cases[i].field, lpg_errtoken(rc),
                     why, lpg_errtoken(cases[i].rc));
    }
    /* base64 without its padding is accepted (RFC 8941 section 4.2.7) */
    uint8_t sig[64], want[64];
    char why[256] = "";
    assert_int_equal(lpg_httpsig_parse_signature(s_b26_sig, strlen(s_b26_sig),
                                                 "sig-b26", want, why,
                                                 sizeof why),
                     LPG_OK);
    char unpadded[sizeof s_b26_sig];
    strcpy(unpadded, s_b26_sig);
    strcpy(strstr(unpadded, "=="), ":");
    assert_int_equal(lpg_httpsig_parse_signature(unpadded, strlen(unpadded),
                                                 "sig-b26", sig, why,
                                                 sizeof why),
                     LPG_OK);
    assert_memory_equal(sig, want, 64);
}

/*  An alg other than ed25519 is refused before any verification. */
static void
test_alg(void **state)
{
    s_headers_t h;
    lpg_httpsig_req_t req;
    s_b2_request(&h, &req);
    lpg_httpsig_params_t p;
    s_b26_params(&p);
    assert_int_equal(lpg_httpsig_params_set(&p, LPG_HTTPSIG_ALG, "ed25519"),
                     LPG_OK);
    char input[512], signature[256], why[256] = "";
    assert_int_equal(lpg_httpsig_sign(&req, &p, "sig-b26", s_priv, input,
                                      sizeof input, signature,
                                      sizeof signature, why, sizeof why),
                     LPG_OK);
    assert_non_null(strstr(input, ";alg=\"ed25519\";keyid="));
    s_set(&h, "Signature-Input", input);
    s_set(&h, "Signature", signature);
    assert_int_equal(s_check_b2(&h, &req, s_pub), LPG_OK);
    assert_int_equal(
        lpg_httpsig_params_set(&p, LPG_HTTPSIG_ALG, "hmac-sha256"), LPG_OK);
    assert_int_equal(lpg_httpsig_sign(&req, &p, "sig-b26", s_priv, input,
                                      sizeof input, signature,
                                      sizeof signature, why, sizeof why),
                     LPG_OK);
    s_set(&h, "Signature-Input", input);
    s_set(&h, "Signature", signature);
    assert_int_equal(s_check_b2(&h, &req, s_pub), LPG_ESIGFIELD);
    /* setters refuse what cannot be serialised */
    assert_int_equal(lpg_httpsig_params_set(&p, LPG_HTTPSIG_NONCE, "a\nb"),
                     LPG_EINVAL);
    assert_int_equal(lpg_httpsig_params_set(&p, LPG_HTTPSIG_CREATED, "1"),
                     LPG_EINVAL);
    assert_int_equal(lpg_httpsig_params_set_time(&p, LPG_HTTPSIG_NONCE, 1),
                     LPG_EINVAL);
    assert_int_equal(lpg_httpsig_params_add(&p, "date"), LPG_ESIGCOMPONENT);
    assert_int_equal(lpg_httpsig_params_add(&p, "@status"), LPG_ESIGCOMPONENT);
}

/* -------------------------------------------- derived components */

static void
test_derived(void **state)
{
    s_headers_t h = {0};
    s_set(&h, "Content-Digest",
          "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf"
          "7kbu9DBPE=:");
    lpg_httpsig_req_t req = {"POST",
                             "HTTPS://Api.Example.COM:443/api/v1/"
                             "submit?a=1&b=%20",
                             s_header, &h};
    lpg_httpsig_params_t p;
    lpg_httpsig_params_init(&p);
    const char *names[] = {"@method",       "@target-uri", "@authority",
                           "@scheme",       "@path",       "@query",
                           "content-digest"};
    for (size_t i = 0; i < 7; i++)
        assert_int_equal(lpg_httpsig_params_add(&p, names[i]), LPG_OK);
    assert_int_equal(lpg_httpsig_params_set(&p, LPG_HTTPSIG_NONCE, "n\"1\\"),
                     LPG_OK);
    assert_int_equal(lpg_httpsig_params_set_time(&p, LPG_HTTPSIG_CREATED, 7),
                     LPG_OK);
    char base[1024], why[256] = "";
    assert_int_equal(
        lpg_httpsig_base(&req, &p, base, sizeof base, NULL, why, sizeof why),
        LPG_OK);
    assert_string_equal(
        base, "\"@method\": POST\n"
              "\"@target-uri\": HTTPS://Api.Example.COM:443/api/v1/submit"
              "?a=1&b=%20\n"
              "\"@authority\": api.example.com\n"
              "\"@scheme\": https\n"
              "\"@path\": /api/v1/submit\n"
              "\"@query\": ?a=1&b=%20\n"
              "\"content-digest\": sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf"
              "7kbu9DBPE=:\n"
              "\"@signature-params\": (\"@method\" \"@target-uri\" "
              "\"@authority\" \"@scheme\" \"@path\" \"@query\" "
              "\"content-digest\");created=7;nonce=\"n\\\"1\\\\\"");
    /* no query: "?"; no path: "/"; a port that is not the default stays */
    lpg_httpsig_params_init(&p);
    assert_int_equal(lpg_httpsig_params_add(&p, "@path"), LPG_OK);
    assert_int_equal(lpg_httpsig_params_add(&p, "@query"), LPG_OK);
    assert_int_equal(lpg_httpsig_params_add(&p, "@authority"), LPG_OK);
    req.target_uri = "http://127.0.0.1:8080";
    assert_int_equal(
        lpg_httpsig_base(&req, &p, base, sizeof base, NULL, why, sizeof why),
        LPG_OK);
    assert_string_equal(base, "\"@path\": /\n\"@query\": ?\n"
                              "\"@authority\": 127.0.0.1:8080\n"
                              "\"@signature-params\": (\"@path\" \"@query\" "
                              "\"@authority\")");
    /* target URIs and methods that are not in form */
    const char *bad[] = {
        "/api/v1/submit", "https//x/",     "https://",
        "https://u@x/",   "https://x/a b", "https://x/#frag",
        "https://x/\x01", "1https://x/",   "https://x/\xc3\xa9"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        req.target_uri = bad[i];
        assert_int_equal(lpg_httpsig_base(&req, &p, base, sizeof base, NULL,
                                          why, sizeof why),
                         LPG_EMALFORMED);
    }
    req.target_uri = "https://x/";
    req.method = "PO ST";
    assert_int_equal(
        lpg_httpsig_base(&req, &p, base, sizeof base, NULL, why, sizeof why),
        LPG_EMALFORMED);
    req.method = "";
    assert_int_equal(
        lpg_httpsig_base(&req, &p, base, sizeof base, NULL, why, sizeof why),
        LPG_EMALFORMED);
}

/*  A fresh key signs a request covering what the handheld API asks for,
 *  with the parameters in another order than ours; it verifies. */
static void
test_round_trip(void **state)
{
    lpg_key_t *key = NULL;
    assert_int_equal(lpg_key_generate(&key), LPG_OK);
    char digest[64];
    assert_int_equal(
        lpg_content_digest(s_body, strlen(s_body), digest, sizeof digest),
        LPG_OK);
    s_headers_t h = {0};
    s_set(&h, "Content-Digest", digest);
    lpg_httpsig_req_t req = {"POST", "https://lpg.example/api/v1/submit",
                             s_header, &h};
    lpg_httpsig_params_t p;
    lpg_httpsig_params_init(&p);
    assert_int_equal(lpg_httpsig_params_add(&p, "@method"), LPG_OK);
    assert_int_equal(lpg_httpsig_params_add(&p, "@target-uri"), LPG_OK);
    assert_int_equal(lpg_httpsig_params_add(&p, "content-digest"), LPG_OK);
    p.norder = 1; /* keyid first, then in the order set */
    p.order[0] = LPG_HTTPSIG_KEYID;
    assert_int_equal(lpg_httpsig_params_set(&p, LPG_HTTPSIG_KEYID, "abc"),
                     LPG_OK);
    assert_int_equal(lpg_httpsig_params_set(&p, LPG_HTTPSIG_NONCE, "xyz"),
                     LPG_OK);
    assert_int_equal(
        lpg_httpsig_params_set_time(&p, LPG_HTTPSIG_CREATED, 1700000000),
        LPG_OK);
    char input[512], signature[256], why[256] = "";
    assert_int_equal(lpg_httpsig_sign(&req, &p, "sig1", key, input,
                                      sizeof input, signature,
                                      sizeof signature, why, sizeof why),
                     LPG_OK);
    assert_string_equal(input, "sig1=(\"@method\" \"@target-uri\" "
                               "\"content-digest\");keyid=\"abc\";nonce="
                               "\"xyz\";created=1700000000");
    s_set(&h, "Signature-Input", input);
    s_set(&h, "Signature", signature);
    lpg_httpsig_t sig;
    assert_int_equal(lpg_httpsig_parse(&req, "sig1", &sig, why, sizeof why),
                     LPG_OK);
    assert_int_equal(lpg_httpsig_check(&req, &sig, key, why, sizeof why),
                     LPG_OK);
    assert_int_equal(lpg_httpsig_check(&req, &sig, s_pub, why, sizeof why),
                     LPG_EBADSIG);
    lpg_key_destroy(&key);
}

static void
test_fresh(void **state)
{
    lpg_httpsig_params_t p;
    lpg_httpsig_params_init(&p);
    char why[128];
    assert_int_equal(lpg_httpsig_fresh(&p, 1000, 300, 5, why, sizeof why),
                     LPG_ESIGFIELD);
    lpg_httpsig_params_set_time(&p, LPG_HTTPSIG_CREATED, 1000);
    assert_int_equal(lpg_httpsig_fresh(&p, 1000, 300, 5, why, sizeof why),
                     LPG_OK);
    assert_int_equal(lpg_httpsig_fresh(&p, 1300, 300, 5, why, sizeof why),
                     LPG_OK);
    assert_int_equal(lpg_httpsig_fresh(&p, 1301, 300, 5, why, sizeof why),
                     LPG_ECLOCK_BEHIND);
    assert_int_equal(lpg_httpsig_fresh(&p, 995, 300, 5, why, sizeof why),
                     LPG_OK);
    assert_int_equal(lpg_httpsig_fresh(&p, 994, 300, 5, why, sizeof why),
                     LPG_ECLOCK_AHEAD);
    lpg_httpsig_params_set_time(&p, LPG_HTTPSIG_EXPIRES, 1010);
    assert_int_equal(lpg_httpsig_fresh(&p, 1010, 300, 5, why, sizeof why),
                     LPG_OK);
    assert_int_equal(lpg_httpsig_fresh(&p, 1011, 300, 5, why, sizeof why),
                     LPG_ECLOCK_BEHIND);
}

/* ------------------------------------------------------ Content-Digest */

static void
test_content_digest(void **state)
{
    char out[64], why[256] = "";
    assert_int_equal(
        lpg_content_digest(s_body, strlen(s_body), out, sizeof out), LPG_OK);
    /* RFC 9530 section 2's example for this body */
    assert_string_equal(
        out, "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:");
    assert_int_equal(lpg_content_digest(s_body, strlen(s_body), out, 54),
                     LPG_ERANGE);
    assert_int_equal(lpg_content_digest(NULL, 0, out, sizeof out), LPG_OK);
    assert_string_equal(
        out, "sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:");
    static const struct {
        const char *field;
        int rc;
    } cases[] = {
        {"sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:", LPG_OK},
        {"sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE:", LPG_OK},
        {"sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrI"
         "iYllu7BNNyealdVLvRwEmTHWXvJwew==:",
         LPG_OK},
        {"md5=:AAAA:, sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:",
         LPG_OK},
        {"sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:, sha-512=:"
         "WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNy"
         "ealdVLvRwEmTHWXvJwew==:",
         LPG_OK},
        /* one of two wrong */
        {"sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:, sha-512=:"
         "WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNy"
         "ealdVLvRwEwA==:",
         LPG_EDIGEST},
        {"sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:",
         LPG_EDIGEST},
        {"md5=:AAAA:", LPG_EDIGEST},
        {"", LPG_EDIGEST},
        {"sha-256", LPG_EDIGEST},
        {"sha-256=\"X48E9q\"", LPG_EDIGEST},
        {"sha-256=:AAAA:", LPG_EDIGEST},
        {"sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=", LPG_EDIGEST},
        {"SHA-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:",
         LPG_EDIGEST},
        {"sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:, sha-256=:"
         "X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:",
         LPG_EDIGEST},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc =
            lpg_content_digest_check(cases[i].field, strlen(cases[i].field),
                                     s_body, strlen(s_body), why, sizeof why);
        if (rc != cases[i].rc)
            fail_msg("'%s': %s (%s), not %s", cases[i].field, lpg_errtoken(rc),
                     why, lpg_errtoken(cases[i].rc));
    }
    /* the body changed by one byte */
    assert_int_equal(lpg_content_digest_check(
                         cases[0].field, strlen(cases[0].field),
                         "{\"hello\": \"World\"}", 18, why, sizeof why),
                     LPG_EDIGEST);
    char big[LPG_HTTPSIG_MAX_DIGEST_FIELD + 2];
    memset(big, ' ', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    memcpy(big, cases[0].field, strlen(cases[0].field));
    assert_int_equal(lpg_content_digest_check(big, strlen(big), s_body,
                                              strlen(s_body), why, sizeof why),
                     LPG_ETOOBIG);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_b26_keys_match),
        cmocka_unit_test(test_b26_base),
        cmocka_unit_test(test_b26_verify),
        cmocka_unit_test(test_b26_sign),
        cmocka_unit_test(test_tampered),
        cmocka_unit_test(test_wrong_key),
        cmocka_unit_test(test_missing),
        cmocka_unit_test(test_malformed_input),
        cmocka_unit_test(test_malformed_signature),
        cmocka_unit_test(test_alg),
        cmocka_unit_test(test_derived),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_fresh),
        cmocka_unit_test(test_content_digest),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
