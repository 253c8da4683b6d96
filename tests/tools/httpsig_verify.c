/*  httpsig_verify.c - test tool: checks an HTTP request's RFC 9421
 *  signature and RFC 9530 Content-Digest with lib/net/httpsig.c, so a
 *  signer written in another language can be tried against ours.
 *
 *    httpsig_verify PUBKEY.pem METHOD TARGET-URI BODY-FILE [NAME: VALUE]...
 *
 *  The request's fields are the NAME: VALUE arguments. Checks the first
 *  signature of Signature-Input, and Content-Digest against the body when
 *  the field is there. Prints "ok" and the signature's keyid, or the
 *  error token and the reason. Exit status 0 if both hold, 1 if not, 2 on
 *  a usage error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/error.h"
#include "crypto/crypto.h"
#include "net/httpsig.h"

#define S_MAXH 32
#define S_MAXBODY (1 << 20)

typedef struct {
    char *name[S_MAXH];
    const char *value[S_MAXH];
    int n;
} s_headers_t;

static const char *
s_header(void *hctx, const char *name)
{
    s_headers_t *h = hctx;
    for (int i = 0; i < h->n; i++)
        if (strcasecmp(h->name[i], name) == 0)
            return h->value[i];
    return NULL;
}

static int
s_fail(int rc, const char *why)
{
    printf("%s: %s\n", lpg_errtoken(rc), why[0] ? why : lpg_strerror(rc));
    return 1;
}

int
main(int argc, char **argv)
{
    if (argc < 5 || argc - 5 > S_MAXH) {
        fprintf(stderr, "usage: httpsig_verify PUBKEY.pem METHOD TARGET-URI "
                        "BODY-FILE [NAME: VALUE]...\n");
        return 2;
    }
    lpg_key_t *key = NULL;
    if (lpg_key_load_public(&key, argv[1]) != LPG_OK)
        return 2;
    FILE *f = fopen(argv[4], "rb");
    static char body[S_MAXBODY];
    size_t len = f ? fread(body, 1, sizeof body, f) : 0;
    if (!f || ferror(f)) {
        fprintf(stderr, "httpsig_verify: cannot read %s\n", argv[4]);
        return 2;
    }
    fclose(f);
    s_headers_t h = {{NULL}, {NULL}, 0};
    for (int i = 5; i < argc; i++) {
        char *colon = strchr(argv[i], ':');
        if (!colon) {
            fprintf(stderr, "httpsig_verify: %s is not NAME: VALUE\n",
                    argv[i]);
            return 2;
        }
        *colon = '\0';
        h.name[h.n] = argv[i];
        h.value[h.n++] = colon + 1; /* the signature base trims it */
    }
    lpg_httpsig_req_t req = {argv[2], argv[3], s_header, &h};
    lpg_httpsig_t sig;
    char why[256] = "";
    int rc = lpg_httpsig_parse(&req, NULL, &sig, why, sizeof why);
    if (rc == LPG_OK)
        rc = lpg_httpsig_check(&req, &sig, key, why, sizeof why);
    lpg_key_destroy(&key);
    if (rc != LPG_OK)
        return s_fail(rc, why);
    const char *cd = s_header(&h, "content-digest");
    if (cd) {
        while (*cd == ' ')
            cd++;
        rc = lpg_content_digest_check(cd, strlen(cd), body, len, why,
                                      sizeof why);
        if (rc != LPG_OK)
            return s_fail(rc, why);
    }
    printf("ok keyid=%s label=%s created=%lld\n", sig.params.keyid, sig.label,
           (long long)sig.params.created);
    return 0;
}
