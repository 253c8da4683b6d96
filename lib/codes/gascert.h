/*  gascert.h - the gas-use certificate (供气使用凭证): issue, parse, verify.
 *
 *  A certificate is an HTTPS URL on the code resolver naming the company,
 *  the user, the certificate number on record and the last day it is
 *  valid, signed (Ed25519, context LPG_CTX_CERT) by a company-admin key
 *  of that company, whose key id it carries. The company prints it as a
 *  QR code; the driver scans it at the door. Whether the key is such an
 *  admin key is the ledger's to say (lib/domain/delivery_rules.c): this module
 *  only checks the text and the signature. The exact form is in
 *  gascert.c.
 */
#ifndef LPG_GASCERT_H
#define LPG_GASCERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"

#define LPG_GASCERT_FIELD_MAX 64    /* bytes of company, user, number */
#define LPG_GASCERT_RESOLVER_MAX 63 /* longest resolver host name */
#define LPG_GASCERT_MAX_TEXT \
    1024 /* longest text accepted; also the
                                     * bound of Delivery.gas_cert */
#define LPG_GASCERT_WHY_MAX 127

typedef struct {
    char resolver[LPG_GASCERT_RESOLVER_MAX + 1];
    char company[LPG_GASCERT_FIELD_MAX + 1];
    char user[LPG_GASCERT_FIELD_MAX + 1];
    char cert_no[LPG_GASCERT_FIELD_MAX + 1];
    uint32_t until_ymd;            /* valid through this day */
    uint8_t key_id[LPG_KEYID_LEN]; /* the signer's key id */
    uint8_t sig[LPG_ED25519_SIG_LEN];
    /* Set when parse / verify fail: one line saying what is wrong and
     * the byte offset where it was found. Empty / 0 on success. */
    char why[LPG_GASCERT_WHY_MAX + 1];
    size_t at;
} lpg_gascert_t;

/*  Issues the certificate text: company, user and cert_no are 1 to 64
 *  bytes of UTF-8 text without control characters (and none is "." or
 *  ".."), until_ymd a calendar date YYYYMMDD. Writes the NUL-terminated
 *  text, never more than LPG_GASCERT_MAX_TEXT bytes, to out.
 *  Errors: LPG_EINVAL (a field, the date, or a resolver that is not a
 *  lower-case host name), LPG_ERANGE (outsz too small), LPG_EPERM (the
 *  key has no private half), LPG_ECERT_TOOLONG (a text over
 *  LPG_GASCERT_MAX_TEXT, which the field bounds rule out). */
int lpg_gascert_issue(char *out, size_t outsz, const lpg_key_t *signer,
                      const char *resolver, const char *company,
                      const char *user, const char *cert_no,
                      uint32_t until_ymd);

/*  Parses exactly len bytes of text (no NUL needed) without checking the
 *  signature. resolver NULL accepts any host. Errors, with out->why and
 *  out->at: LPG_ECERT_TOOLONG, LPG_ECERT_HOST, LPG_ECERT_MALFORMED. On
 *  failure no field of *out is set. */
int lpg_gascert_parse(lpg_gascert_t *out, const char *text, size_t len,
                      const char *resolver);

/*  Parses, then checks the signature with signer's public key. The
 *  errors of parse, or LPG_ECERT_FORGED when the signature is not
 *  signer's over these fields or the text names another key (the fields
 *  of *out are then what the text claims). */
int lpg_gascert_verify(lpg_gascert_t *out, const char *text, size_t len,
                       const char *resolver, const lpg_key_t *signer);

/*  The canonical text of a certificate's fields (the form issue writes).
 *  Errors: LPG_EINVAL (fields that make no certificate), LPG_ERANGE,
 *  LPG_ECERT_TOOLONG (as for issue). */
int lpg_gascert_format(char *out, size_t outsz, const lpg_gascert_t *cert);

/*  Is ymd a calendar date YYYYMMDD (years 1900..9999)? */
bool lpg_gascert_date_ok(uint32_t ymd);

#endif
