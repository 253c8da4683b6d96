/*  fuzz_gascert.c - libFuzzer target for the gas-use certificate:
 *  lpg_gascert_parse and lpg_gascert_verify on any bytes, with a fixed
 *  company-admin key built once from a fixed seed (the same as
 *  tests/unit/test_gascert.c, so saved valid certificates verify). Aborts
 *  if an invariant breaks: the result is OK or a code of the LPG_ECERT_*
 *  band with a reason, verify agrees with parse, a text that parses is
 *  exactly the canonical text of its own fields, and the reason and the
 *  fields of a text that parses are UTF-8 text (they may go into a
 *  record).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "base/error.h"
#include "ledger/event.h"
#include "codes/gascert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define S_RESOLVER "id.lpg.example"

static lpg_key_t *s_key;

static void
s_check_result(int rc, const lpg_gascert_t *c)
{
    if (memchr(c->why, '\0', sizeof c->why) == NULL ||
        lpg_string_check(c->why, LPG_GASCERT_WHY_MAX) != LPG_OK)
        abort();
    if ((rc == LPG_OK || rc == LPG_ECERT_FORGED) &&
        (lpg_string_check(c->company, LPG_GASCERT_FIELD_MAX) != LPG_OK ||
         lpg_string_check(c->user, LPG_GASCERT_FIELD_MAX) != LPG_OK ||
         lpg_string_check(c->cert_no, LPG_GASCERT_FIELD_MAX) != LPG_OK))
        abort();
    if (rc == LPG_OK) {
        if (c->why[0] != '\0' || c->at != 0)
            abort();
        return;
    }
    if (rc > LPG_ECERT_MALFORMED || rc < LPG_ECERT_FORGED)
        abort();
    if (c->why[0] == '\0' || c->at > LPG_GASCERT_MAX_TEXT)
        abort();
}

static void
s_check_canonical(const uint8_t *data, size_t size, const lpg_gascert_t *c)
{
    char text[LPG_GASCERT_MAX_TEXT + 1];
    if (lpg_gascert_format(text, sizeof text, c) != LPG_OK)
        abort();
    if (strlen(text) != size || memcmp(text, data, size) != 0)
        abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!s_key) {
        uint8_t seed[32];
        memset(seed, 0x33, sizeof seed);
        if (lpg_key_from_raw_private(&s_key, seed) != LPG_OK)
            abort();
    }
    const char *text = (const char *)data;
    lpg_gascert_t c;

    int rc = lpg_gascert_parse(&c, text, size, NULL);
    s_check_result(rc, &c);
    if (rc == LPG_ECERT_FORGED)
        abort(); /* parsing checks no signature */
    if (rc == LPG_OK)
        s_check_canonical(data, size, &c);

    int parsed = lpg_gascert_parse(&c, text, size, S_RESOLVER);
    s_check_result(parsed, &c);
    rc = lpg_gascert_verify(&c, text, size, S_RESOLVER, s_key);
    s_check_result(rc, &c);
    if (parsed != LPG_OK && rc != parsed)
        abort();
    if (parsed == LPG_OK && rc != LPG_OK && rc != LPG_ECERT_FORGED)
        abort();
    if (rc == LPG_OK) {
        s_check_canonical(data, size, &c);
        if (strcmp(c.resolver, S_RESOLVER) != 0)
            abort();
    }
    return 0;
}
