/*  httpsig.h - HTTP Message Signatures (RFC 9421) with Ed25519, and the
 *  Content-Digest field (RFC 9530), for the HTTPS face of lpgtrace.
 *
 *  Builds a request's signature base from its covered components and
 *  signature parameters, reads the Signature-Input and Signature fields
 *  (RFC 8941 structured fields) for one label, signs and verifies the base
 *  with an lpg_key_t (raw Ed25519, no lpgtrace context prefix), computes
 *  and checks Content-Digest. Every length is bounded; malformed input is
 *  an error code with a reason in the caller's `why` buffer, never a
 *  crash. Policy (which components must be covered, how old `created` may
 *  be, whether a nonce was seen, which key a keyid names) is the caller's.
 */
#ifndef LPG_HTTPSIG_H
#define LPG_HTTPSIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"

#define LPG_HTTPSIG_MAX_FIELD 4096        /* a Signature(-Input) field value */
#define LPG_HTTPSIG_MAX_COMPONENTS 16     /* covered components */
#define LPG_HTTPSIG_MAX_NAME 64           /* a component name, a label */
#define LPG_HTTPSIG_MAX_PARAM 128         /* nonce, keyid, alg, tag values */
#define LPG_HTTPSIG_MAX_VALUE 2048        /* one component's value */
#define LPG_HTTPSIG_MAX_BASE 8192         /* the whole signature base */
#define LPG_HTTPSIG_MAX_URI 2048          /* the target URI */
#define LPG_HTTPSIG_MAX_DIGEST_FIELD 1024 /* a Content-Digest field */

/*  The signature parameters (RFC 9421 section 2.3), in the order they
 *  are serialised unless params.order says otherwise. */
typedef enum {
    LPG_HTTPSIG_CREATED = 0,
    LPG_HTTPSIG_EXPIRES = 1,
    LPG_HTTPSIG_NONCE = 2,
    LPG_HTTPSIG_ALG = 3,
    LPG_HTTPSIG_KEYID = 4,
    LPG_HTTPSIG_TAG = 5,
    LPG_HTTPSIG_NPARAMS = 6,
} lpg_httpsig_param_t;

/*  What a signature covers. Component names are lower case: derived
 *  components (@method, @target-uri, @authority, @scheme, @path, @query)
 *  or field names ("content-digest", "date"). has is a bit set of
 *  (1u << lpg_httpsig_param_t) saying which parameters are present.
 *  norder == 0: serialise the present parameters in the enum's order;
 *  otherwise in order[0..norder) (lpg_httpsig_parse fills it as
 *  received, since the base must repeat the signer's order). */
typedef struct {
    size_t ncomponents;
    char components[LPG_HTTPSIG_MAX_COMPONENTS][LPG_HTTPSIG_MAX_NAME + 1];
    unsigned has;
    int64_t created; /* Unix seconds */
    int64_t expires;
    char nonce[LPG_HTTPSIG_MAX_PARAM + 1];
    char alg[LPG_HTTPSIG_MAX_PARAM + 1];
    char keyid[LPG_HTTPSIG_MAX_PARAM + 1];
    char tag[LPG_HTTPSIG_MAX_PARAM + 1];
    size_t norder;
    uint8_t order[LPG_HTTPSIG_NPARAMS];
} lpg_httpsig_params_t;

/*  The request as the signature sees it. target_uri is absolute:
 *  scheme://authority/path[?query]; @scheme, @authority, @path and @query
 *  are derived from it. header looks a field up by its lower-case name
 *  (case-insensitively), NULL if absent; a field sent on several lines is
 *  expected combined with ", " (RFC 9110 section 5.3). */
typedef struct {
    const char *method;
    const char *target_uri;
    const char *(*header)(void *hctx, const char *name);
    void *hctx;
} lpg_httpsig_req_t;

/*  A signature read from a request: its parameters and its bytes. */
typedef struct {
    char label[LPG_HTTPSIG_MAX_NAME + 1];
    lpg_httpsig_params_t params;
    uint8_t sig[LPG_ED25519_SIG_LEN];
} lpg_httpsig_t;

/*  Empties *p (no component, no parameter). */
void lpg_httpsig_params_init(lpg_httpsig_params_t *p);

/*  Appends a covered component. LPG_ETOOBIG past the limits,
 *  LPG_ESIGCOMPONENT for a name that is not a supported derived component
 *  nor a lower-case field name, or one already covered. */
int lpg_httpsig_params_add(lpg_httpsig_params_t *p, const char *name);

/*  Sets a string parameter (nonce, alg, keyid, tag): LPG_ETOOBIG if
 *  longer than LPG_HTTPSIG_MAX_PARAM, LPG_EINVAL for a byte outside
 *  printable ASCII or for created/expires. */
int lpg_httpsig_params_set(lpg_httpsig_params_t *p, lpg_httpsig_param_t which,
                           const char *value);

/*  Sets created or expires (Unix seconds, 0 to 10^15 - 1); LPG_EINVAL
 *  otherwise. */
int lpg_httpsig_params_set_time(lpg_httpsig_params_t *p,
                                lpg_httpsig_param_t which, int64_t t);

/*  Whether p covers the component name (exact, lower case). */
bool lpg_httpsig_covers(const lpg_httpsig_params_t *p, const char *name);

/*  The value of @signature-params: the inner list of components with the
 *  parameters, e.g. ("@method" "@path");created=1618884473;keyid="k".
 *  NUL-terminated; *outlen (may be NULL) excludes the NUL. LPG_ERANGE if
 *  outsz is too small. */
int lpg_httpsig_params_format(const lpg_httpsig_params_t *p, char *out,
                              size_t outsz, size_t *outlen);

/*  The signature base (RFC 9421 section 2.5): one line per covered
 *  component, `"name": value`, then `"@signature-params": ...` last, lines
 *  joined by LF with none after the last. Field values are trimmed of
 *  leading and trailing spaces and tabs. NUL-terminated in out.
 *  LPG_ESIGCOMPONENT if a covered field is absent or a value holds a
 *  control byte; LPG_EMALFORMED if the method or target URI is not in
 *  form; LPG_ETOOBIG or LPG_ERANGE over the limits or outsz. */
int lpg_httpsig_base(const lpg_httpsig_req_t *req,
                     const lpg_httpsig_params_t *p, char *out, size_t outsz,
                     size_t *outlen, char *why, size_t whysz);

/*  Parses a Signature-Input field value (an RFC 8941 dictionary) and
 *  returns the member under label in *out; label NULL takes the first
 *  member and out->label says which. The whole field must parse.
 *  LPG_ETOOBIG over the limits, LPG_ESIGFIELD if the field is not a
 *  dictionary or the member not an inner list of strings with known
 *  parameters (created and expires non-negative integers, the others
 *  strings), LPG_ESIGLABEL if no member has that label,
 *  LPG_ESIGCOMPONENT for an unsupported or repeated component. */
int lpg_httpsig_parse_input(const char *field, size_t len, const char *label,
                            lpg_httpsig_t *out, char *why, size_t whysz);

/*  Parses a Signature field value and copies the byte sequence under
 *  label into sig. LPG_ESIGFIELD if malformed or not 64 bytes,
 *  LPG_ESIGLABEL if absent, LPG_ETOOBIG over the limit. */
int lpg_httpsig_parse_signature(const char *field, size_t len,
                                const char *label,
                                uint8_t sig[LPG_ED25519_SIG_LEN], char *why,
                                size_t whysz);

/*  Reads the request's Signature-Input and Signature fields for label
 *  (NULL: the first member of Signature-Input) into *out. LPG_ESIGLABEL
 *  if either field is absent or lacks the label; the errors of the two
 *  parsers otherwise. Checks no signature: look the key up by
 *  out->params.keyid, then call lpg_httpsig_check. */
int lpg_httpsig_parse(const lpg_httpsig_req_t *req, const char *label,
                      lpg_httpsig_t *out, char *why, size_t whysz);

/*  Builds the base of req under sig->params and verifies sig->sig with
 *  key (Ed25519, strict, no prefix). LPG_OK, LPG_EBADSIG, LPG_ESIGFIELD if
 *  alg is present and not "ed25519", or lpg_httpsig_base's errors. */
int lpg_httpsig_check(const lpg_httpsig_req_t *req, const lpg_httpsig_t *sig,
                      const lpg_key_t *key, char *why, size_t whysz);

/*  Whether created and expires (those present) admit now: created no
 *  more than max_age seconds ago nor more than skew seconds ahead,
 *  expires not passed. LPG_ESIGFIELD without created;
 *  LPG_ECLOCK_BEHIND if too old or expired, LPG_ECLOCK_AHEAD if ahead. */
int lpg_httpsig_fresh(const lpg_httpsig_params_t *p, int64_t now,
                      int64_t max_age, int64_t skew, char *why, size_t whysz);

/*  Signs req under p with key (which must hold its private half) and
 *  writes the two field values: `label=(...);...` for Signature-Input and
 *  `label=:base64:` for Signature. LPG_EPERM without a private key,
 *  LPG_ESIGFIELD for a label that is not an RFC 8941 key, LPG_ERANGE if a
 *  buffer is too small, lpg_httpsig_base's errors. */
int lpg_httpsig_sign(const lpg_httpsig_req_t *req,
                     const lpg_httpsig_params_t *p, const char *label,
                     const lpg_key_t *key, char *input, size_t inputsz,
                     char *signature, size_t signaturesz, char *why,
                     size_t whysz);

/*  The Content-Digest field value of body (RFC 9530): sha-256=:base64:.
 *  outsz >= 55 (LPG_ERANGE otherwise). */
int lpg_content_digest(const void *body, size_t len, char *out, size_t outsz);

/*  Checks a received Content-Digest field value against body: every
 *  sha-256 and sha-512 member must match it, at least one of the two
 *  must be there; other algorithms are ignored (RFC 9530 section 2).
 *  LPG_EDIGEST if malformed, without sha-256 or sha-512, or not the
 *  body's digest; LPG_ETOOBIG over LPG_HTTPSIG_MAX_DIGEST_FIELD. */
int lpg_content_digest_check(const char *field, size_t fieldlen,
                             const void *body, size_t len, char *why,
                             size_t whysz);

#endif
