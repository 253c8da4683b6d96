/*  pii.h - personal data (names, ID-card and phone numbers) that is never
 *  stored in clear: keyed HMACs of normalised values for look-up, masked
 *  names for display, and PersonalData sealed (AES-256-GCM) under a fresh
 *  per-person data key that the registry keeps wrapped under its master
 *  key, outside the log. Destroying the data key erases the person.
 */
#ifndef LPG_PII_H
#define LPG_PII_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/event.pb-c.h"
#include "proto/state.pb-c.h"

#define LPG_PII_KEY_LEN 32 /* look-up, data and master keys */
#define LPG_PII_HMAC_LEN 32
#define LPG_PII_WRAPPED_LEN 60 /* nonce + wrapped data key + tag */

/*  What a value is, for its normalisation. */
typedef enum {
    LPG_PII_NAME = 0,    /* trimmed */
    LPG_PII_ID_CARD = 1, /* trimmed, ASCII letters upper-cased (the X) */
    LPG_PII_PHONE = 2,   /* trimmed, inner spaces and hyphens dropped */
    LPG_PII_TEXT = 3,    /* an address: trimmed */
} lpg_pii_field_t;

/*  The normalised form of a value: surrounding white space (ASCII and the
 *  ideographic space U+3000) removed, then as the field says. Errors:
 *  LPG_EINVAL (not UTF-8 text without control characters, or nothing
 *  left), LPG_ERANGE (outsz too small; the input's length + 1 is always
 *  enough). */
int lpg_pii_normalise(lpg_pii_field_t field, const char *in, char *out,
                      size_t outsz);

/*  HMAC-SHA-256 under the look-up key of the normalised value. Errors as
 *  lpg_pii_normalise. */
int lpg_pii_hmac(const uint8_t key[LPG_PII_KEY_LEN], lpg_pii_field_t field,
                 const char *value, uint8_t out[LPG_PII_HMAC_LEN]);

/*  A name for display: first and last character kept, one '*' for each
 *  character between (张三丰 -> 张*丰); two characters keep the first
 *  (张三 -> 张*); one is all '*'. Characters are UTF-8 code points of
 *  the trimmed name. Errors: LPG_EINVAL (not text, or empty),
 *  LPG_ERANGE. */
int lpg_pii_mask(const char *name, char *out, size_t outsz);

/*  Seals pd under the person's data key, with the user id as associated
 *  data (a ciphertext cannot be moved to another user). *out is the
 *  caller's (free). */
int lpg_pii_seal(const uint8_t data_key[LPG_PII_KEY_LEN], const char *user,
                 const Lpg__PersonalData *pd, uint8_t **out, size_t *outlen);

/*  Opens what lpg_pii_seal made. LPG_EBADSIG for the wrong key or user,
 *  LPG_EMALFORMED if the clear text is no valid PersonalData. The caller
 *  frees *out with lpg__personal_data__free_unpacked. */
int lpg_pii_open(const uint8_t data_key[LPG_PII_KEY_LEN], const char *user,
                 const uint8_t *in, size_t len, Lpg__PersonalData **out);

/*  Wraps a data key under the master key, bound to the user id. */
int lpg_pii_wrap(const uint8_t master[LPG_PII_KEY_LEN], const char *user,
                 const uint8_t data_key[LPG_PII_KEY_LEN],
                 uint8_t out[LPG_PII_WRAPPED_LEN]);

/*  Unwraps; LPG_EBADSIG for the wrong master key or user, LPG_EMALFORMED
 *  for a value of the wrong length. */
int lpg_pii_unwrap(const uint8_t master[LPG_PII_KEY_LEN], const char *user,
                   const uint8_t *wrapped, size_t len,
                   uint8_t data_key[LPG_PII_KEY_LEN]);

/*  A key file: 32 random bytes as one line of base64, mode 0600. create
 *  refuses to overwrite (LPG_EEXIST); load refuses a file readable or
 *  writable by group or others (LPG_EKEYPERM), a missing one
 *  (LPG_ENOTFOUND) and anything but 32 bytes of base64
 *  (LPG_EKEYFORMAT). */
int lpg_pii_key_create(const char *path);
int lpg_pii_key_load(const char *path, uint8_t out[LPG_PII_KEY_LEN]);

/*  Whose users a device may look up (the registry's GetUser, the HTTP
 *  API's hazards): the regulator's workstation and the services every
 *  user (true, *company NULL); a company's admin, station, handheld and
 *  inspector devices their company's users only, the households they
 *  register, serve, deliver to and inspect (true, *company the device's
 *  company); any other device none (false). d NULL: none. */
bool lpg_pii_scope(const Lpg__DeviceState *d, const char **company);

/*  Overwrites len bytes of secret memory with zeros (not optimised out). */
void lpg_pii_wipe(void *p, size_t len);

#endif
