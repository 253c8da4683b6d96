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

#include "crypto/crypto.h"

#define LPG_CODE_MAX_TEXT 200 /* longest text accepted */
#define LPG_CODE_MAX_SERIAL 16
#define LPG_CODE_GRAI_MAX 31     /* 14 digits + serial */
#define LPG_CODE_SHORT_ID_MAX 33 /* "0021-" + serial + "-R" + revision */
#define LPG_CODE_RESOLVER_MAX 63 /* longest resolver host name */
#define LPG_CODE_SIG_CHARS 86    /* base64url of 64 bytes, no padding */
#define LPG_CODE_WHY_MAX 127     /* longest reason in lpg_code_t.why */
/*  Longest text lpg_code_issue writes: the byte-mode capacity of a QR
 *  code of version 12 at error-correction level H. */
#define LPG_CODE_QR_MAX_BYTES 155

typedef struct {
    char resolver[LPG_CODE_RESOLVER_MAX + 1]; /* host of the URL */
    char grai[LPG_CODE_GRAI_MAX + 1];         /* full GRAI, digits + serial */
    char serial[LPG_CODE_MAX_SERIAL + 1];     /* the steel-stamp serial */
    uint32_t revision;                        /* re-labelling bumps it */
    uint8_t sig[LPG_ED25519_SIG_LEN];
    /* Set by lpg_code_parse / lpg_code_verify when they fail (and for
     * LPG_ECODE_CASE): one line saying exactly what is wrong, and the
     * byte offset in the text where it was found. Empty / 0 on success. */
    char why[LPG_CODE_WHY_MAX + 1];
    size_t at;
} lpg_code_t;

/*  GS1 mod-10 check digit of len decimal digits (weights 3, 1, 3, ...
 *  from the right). Returns 0..9, or LPG_EINVAL if a byte is not a digit
 *  or len is 0. */
int lpg_code_check_digit(const char *digits, size_t len);

/*  Builds the GRAI "0" + prefix + type + check digit + serial into out.
 *  prefix (at least one digit) and type (may be empty) must be 12 digits
 *  together. Errors: LPG_EINVAL (prefix/type), LPG_ECODE_SERIAL. */
int lpg_code_grai(char out[LPG_CODE_GRAI_MAX + 1], const char *prefix,
                  const char *type, const char *serial);

/*  Issues the code text for a cylinder: prefix + type must be 12 digits
 *  together; serial [0-9A-Z]{1,16}. Writes the NUL-terminated text to out.
 *  Errors: LPG_EINVAL (bad prefix/type, resolver not a lower-case host
 *  name), LPG_ECODE_SERIAL, LPG_ETOOBIG (text longer than
 *  LPG_CODE_QR_MAX_BYTES: the resolver is too long for this serial and
 *  revision), LPG_ERANGE (outsz too small), LPG_EPERM (key has no private
 *  half). */
int lpg_code_issue(const lpg_key_t *authority, const char *resolver,
                   const char *prefix, const char *type, const char *serial,
                   uint32_t revision, char *out, size_t outsz);

/*  Parses the text (syntax, check digit, signature encoding) without
 *  checking the signature. Reads exactly len bytes of text, which needs no
 *  NUL. resolver NULL accepts any host. Errors: the LPG_ECODE_* band, each
 *  for its own way of being wrong, with out->why and out->at set. A text
 *  that parses only with its letter case swapped gives LPG_ECODE_CASE with
 *  *out filled from the corrected text. */
int lpg_code_parse(const char *text, size_t len, const char *resolver,
                   lpg_code_t *out);

/*  Parses and verifies against the authority public key. If the text
 *  verifies only with letter case swapped (a keyboard-wedge scanner with
 *  Caps Lock on), fills *out from the corrected text and returns
 *  LPG_ECODE_CASE. A valid signature by another key, or none that
 *  verifies, is LPG_ECODE_FORGED (the fields in *out are then only what
 *  the text claims). */
int lpg_code_verify(const char *text, size_t len, const char *resolver,
                    const lpg_key_t *authority, lpg_code_t *out);

/*  The short human-readable id printed under the label: the last four
 *  digits of company prefix + asset type, the serial and the revision,
 *  e.g. "0021-AB12CD-R1". */
void lpg_code_short_id(const lpg_code_t *code,
                       char out[LPG_CODE_SHORT_ID_MAX + 1]);

/*  Canonical text of a parsed code (the form lpg_code_issue writes).
 *  Errors: LPG_EINVAL if the fields do not make a well-formed code,
 *  LPG_ERANGE if outsz is too small. */
int lpg_code_format(const lpg_code_t *code, char *out, size_t outsz);

#endif
