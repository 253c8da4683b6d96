/*  fuzz_httpsig.c - libFuzzer target for RFC 9421 signatures and RFC 9530
 *  digests (net/httpsig.c). The input is lines: Signature-Input,
 *  Signature, Content-Digest, the target URI, then the body (the rest).
 *  The other covered fields are those of RFC 9421's example request, and
 *  the key is its test-key-ed25519 (B.1.4), so the saved example verifies.
 *
 *  Aborts if an invariant breaks: every result is LPG_OK or a defined
 *  code with a reason in words; a base is NUL-terminated at its length
 *  and within the limit; a parsed Signature-Input formats to a value that
 *  parses back to the same parameters; whatever parses can be signed
 *  again with the key, and that signature verifies; a digest check says
 *  LPG_OK, LPG_EDIGEST or LPG_ETOOBIG.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/error.h"
#include "crypto/crypto.h"
#include "net/httpsig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define S_PARTS 4

static lpg_key_t *s_key;

typedef struct {
    char *part[S_PARTS]; /* NUL-terminated copies (cut at a NUL) */
    const char *input;   /* may be replaced by a signed one */
    const char *sig;
} s_req_t;

static const char *
s_header(void *hctx, const char *name)
{
    s_req_t *r = hctx;
    if (strcasecmp(name, "signature-input") == 0)
        return r->input;
    if (strcasecmp(name, "signature") == 0)
        return r->sig;
    if (strcasecmp(name, "content-digest") == 0)
        return r->part[2];
    if (strcasecmp(name, "date") == 0)
        return "Tue, 20 Apr 2021 02:07:55 GMT";
    if (strcasecmp(name, "content-type") == 0)
        return "application/json";
    if (strcasecmp(name, "content-length") == 0)
        return "18";
    return NULL;
}

static void
s_check_rc(int rc, const char *why)
{
    if (rc > 0 || strcmp(lpg_errtoken(rc), "EUNKNOWN") == 0)
        abort();
    if (rc != LPG_OK && why[0] == '\0')
        abort();
}

static void
s_same_params(const lpg_httpsig_params_t *a, const lpg_httpsig_params_t *b)
{
    if (a->ncomponents != b->ncomponents || a->has != b->has ||
        a->created != b->created || a->expires != b->expires ||
        strcmp(a->nonce, b->nonce) != 0 || strcmp(a->alg, b->alg) != 0 ||
        strcmp(a->keyid, b->keyid) != 0 || strcmp(a->tag, b->tag) != 0)
        abort();
    for (size_t i = 0; i < a->ncomponents; i++)
        if (strcmp(a->components[i], b->components[i]) != 0)
            abort();
}

/*  The parsed Signature-Input formats back to a value that parses to
 *  the same parameters. */
static void
s_round_trip(const lpg_httpsig_t *sig)
{
    char text[LPG_HTTPSIG_MAX_FIELD + LPG_HTTPSIG_MAX_NAME + 2];
    size_t n = strlen(sig->label);
    memcpy(text, sig->label, n);
    text[n++] = '=';
    size_t len = 0;
    if (lpg_httpsig_params_format(&sig->params, text + n, sizeof text - n,
                                  &len) != LPG_OK)
        abort();
    if (strlen(text) != n + len)
        abort();
    lpg_httpsig_t again;
    char why[256] = "";
    int rc = lpg_httpsig_parse_input(text, n + len, sig->label, &again, why,
                                     sizeof why);
    /* formatting never lengthens what fitted, save escapes in strings */
    if (rc == LPG_ETOOBIG && n + len > LPG_HTTPSIG_MAX_FIELD)
        return;
    if (rc != LPG_OK)
        abort();
    s_same_params(&sig->params, &again.params);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!s_key) {
        static const uint8_t seed[32] = {
            0x9f, 0x83, 0x62, 0xf8, 0x7a, 0x48, 0x4a, 0x95, 0x4e, 0x6e, 0x74,
            0x0c, 0x5b, 0x4c, 0x0e, 0x84, 0x22, 0x91, 0x39, 0xa2, 0x0a, 0xa8,
            0xab, 0x56, 0xff, 0x66, 0x58, 0x6f, 0x6a, 0x7d, 0x29, 0xc5};
        if (lpg_key_from_raw_private(&s_key, seed) != LPG_OK)
            abort();
    }
    /* split into the parts and the body */
    s_req_t r = {{NULL}, NULL, NULL};
    const uint8_t *p = data, *end = data + size;
    size_t lens[S_PARTS] = {0};
    const uint8_t *starts[S_PARTS] = {NULL};
    for (size_t i = 0; i < S_PARTS; i++) {
        const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
        const uint8_t *stop = nl ? nl : end;
        starts[i] = p;
        lens[i] = (size_t)(stop - p);
        r.part[i] = malloc(lens[i] + 1);
        if (!r.part[i])
            abort();
        memcpy(r.part[i], p, lens[i]);
        r.part[i][lens[i]] = '\0';
        p = nl ? nl + 1 : end;
    }
    const uint8_t *body = p;
    size_t body_len = (size_t)(end - p);
    r.input = r.part[0];
    r.sig = r.part[1];
    lpg_httpsig_req_t req = {"POST", r.part[3], s_header, &r};
    char why[256];

    /* the raw parsers, on the bytes as received (NULs and all) */
    lpg_httpsig_t sig;
    why[0] = '\0';
    int rc = lpg_httpsig_parse_input((const char *)starts[0], lens[0], NULL,
                                     &sig, why, sizeof why);
    s_check_rc(rc, why);
    if (rc == LPG_OK)
        s_round_trip(&sig);
    uint8_t raw[LPG_ED25519_SIG_LEN];
    why[0] = '\0';
    rc = lpg_httpsig_parse_signature((const char *)starts[1], lens[1], "sig1",
                                     raw, why, sizeof why);
    s_check_rc(rc, why);

    /* the whole check, as the daemon does it */
    why[0] = '\0';
    rc = lpg_httpsig_parse(&req, NULL, &sig, why, sizeof why);
    s_check_rc(rc, why);
    if (rc == LPG_OK) {
        why[0] = '\0';
        rc = lpg_httpsig_check(&req, &sig, s_key, why, sizeof why);
        s_check_rc(rc, why);
    }
    why[0] = '\0';
    rc = lpg_httpsig_parse_input(r.input, strlen(r.input), NULL, &sig, why,
                                 sizeof why);
    if (rc == LPG_OK) {
        char base[LPG_HTTPSIG_MAX_BASE + 1];
        size_t blen = 0;
        why[0] = '\0';
        rc = lpg_httpsig_base(&req, &sig.params, base, sizeof base, &blen, why,
                              sizeof why);
        s_check_rc(rc, why);
        if (rc == LPG_OK &&
            (blen > LPG_HTTPSIG_MAX_BASE || strlen(base) != blen))
            abort();
        /* signed again with the key, it verifies */
        char input[LPG_HTTPSIG_MAX_FIELD + 1], signature[256];
        why[0] = '\0';
        rc = lpg_httpsig_sign(&req, &sig.params, sig.label, s_key, input,
                              sizeof input, signature, sizeof signature, why,
                              sizeof why);
        s_check_rc(rc, why);
        if (rc == LPG_OK) {
            r.input = input;
            r.sig = signature;
            lpg_httpsig_t mine;
            why[0] = '\0';
            rc = lpg_httpsig_parse(&req, sig.label, &mine, why, sizeof why);
            if (rc == LPG_OK)
                rc = lpg_httpsig_check(&req, &mine, s_key, why, sizeof why);
            /* an alg other than ed25519 is refused by design */
            if (rc != LPG_OK && !(rc == LPG_ESIGFIELD &&
                                  (sig.params.has & 1u << LPG_HTTPSIG_ALG)))
                abort();
        }
    }

    /* the digest of the body */
    why[0] = '\0';
    rc = lpg_content_digest_check((const char *)starts[2], lens[2], body,
                                  body_len, why, sizeof why);
    s_check_rc(rc, why);
    if (rc != LPG_OK && rc != LPG_EDIGEST && rc != LPG_ETOOBIG)
        abort();
    char cd[64];
    if (lpg_content_digest(body, body_len, cd, sizeof cd) != LPG_OK ||
        lpg_content_digest_check(cd, strlen(cd), body, body_len, why,
                                 sizeof why) != LPG_OK)
        abort();

    for (size_t i = 0; i < S_PARTS; i++)
        free(r.part[i]);
    return 0;
}
