/*  code.h - one code per cylinder (一瓶一码一印): issue, parse, verify.
 *
 *  A code is an HTTPS URL in GS1 Digital Link form naming the cylinder's
 *  GRAI (AI 8003: "0" + company prefix + asset type + check digit, then the
 *  steel-stamp serial) and carrying, in AI 8030, the authority's Ed25519
 *  signature (base64url) over a canonical, context-prefixed byte string of
 *  GRAI and revision. Verification needs only the authority public key.
 *  The exact text form is documented in code.c.
 */
#ifndef LPG_CODE_H
#define LPG_CODE_H

#include <stddef.h>
#include <stdint.h>

#include "crypto.h"

#define LPG_CODE_MAX_TEXT 200   /* longest text accepted */
#define LPG_CODE_MAX_SERIAL 16
#define LPG_CODE_GRAI_MAX 31     /* 14 digits + serial */
#define LPG_CODE_SHORT_ID_MAX 24

typedef struct {
    char resolver[64];                   /* host of the URL */
    char grai[LPG_CODE_GRAI_MAX + 1];    /* full GRAI, digits + serial */
    char serial[LPG_CODE_MAX_SERIAL + 1]; /* the steel-stamp serial */
    uint32_t revision;                   /* re-labelling bumps it */
    uint8_t sig[LPG_ED25519_SIG_LEN];
} lpg_code_t;

/*  Issues the code text for a cylinder: prefix + type must be 12 digits
 *  together; serial [0-9A-Z]{1,16}. Writes the NUL-terminated text to out.
 *  Errors: LPG_EINVAL (bad prefix/type), LPG_ECODE_SERIAL, LPG_ERANGE
 *  (outsz too small), LPG_EPERM (key has no private half). */
int lpg_code_issue(const lpg_key_t *authority, const char *resolver,
                   const char *prefix, const char *type, const char *serial,
                   uint32_t revision, char *out, size_t outsz);

/*  Parses the text (syntax, check digit, signature encoding) without
 *  checking the signature. resolver NULL accepts any host. Errors: the
 *  LPG_ECODE_* band, each for its own way of being wrong. */
int lpg_code_parse(const char *text, size_t len, const char *resolver,
                   lpg_code_t *out);

/*  Parses and verifies against the authority public key. If the text
 *  verifies only with letter case swapped (a keyboard-wedge scanner with
 *  Caps Lock on), fills *out from the corrected text and returns
 *  LPG_ECODE_CASE. A valid signature by another key, or none that
 *  verifies, is LPG_ECODE_FORGED. */
int lpg_code_verify(const char *text, size_t len, const char *resolver,
                    const lpg_key_t *authority, lpg_code_t *out);

/*  The short human-readable id printed under the label. */
void lpg_code_short_id(const lpg_code_t *code,
                       char out[LPG_CODE_SHORT_ID_MAX + 1]);

/*  Canonical text of a parsed code (the form lpg_code_issue writes). */
int lpg_code_format(const lpg_code_t *code, char *out, size_t outsz);

#endif
