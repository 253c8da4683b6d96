/*  fuzz_code.c - libFuzzer target for the cylinder code: lpg_code_parse
 *  and lpg_code_verify on any bytes, with a fixed authority key pair built
 *  once from a fixed seed (the same as tests/unit/test_code.c, so saved
 *  valid codes verify). Aborts if an invariant breaks: the result is OK or
 *  a code of the LPG_ECODE_* band with a reason, and a text that parses is
 *  exactly the canonical text of its own fields.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codes/code.h"
#include "crypto/crypto.h"
#include "base/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define S_RESOLVER "id.lpg.example"

static lpg_key_t *s_key;

static void
s_check_result(int rc, const lpg_code_t *code)
{
    if (memchr(code->why, '\0', sizeof code->why) == NULL)
        abort();
    if (rc == LPG_OK) {
        if (code->why[0] != '\0' || code->at != 0)
            abort();
        return;
    }
    if (rc > LPG_ECODE_NOTURL || rc < LPG_ECODE_REVOKED)
        abort();
    if (code->why[0] == '\0')
        abort();
}

/*  A code that parsed (or parsed with its case swapped) formats back to
 *  the input, letter case swapped when want_swapped. */
static void
s_check_canonical(const uint8_t *data, size_t size, const lpg_code_t *code,
                  int want_swapped)
{
    char text[LPG_CODE_MAX_TEXT + 1];
    if (lpg_code_format(code, text, sizeof text) != LPG_OK)
        abort();
    if (strlen(text) != size)
        abort();
    for (size_t i = 0; i < size; i++) {
        char c = text[i];
        if (want_swapped && c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        else if (want_swapped && c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != (char)data[i])
            abort();
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!s_key) {
        uint8_t seed[32];
        memset(seed, 0x11, sizeof seed);
        if (lpg_key_from_raw_private(&s_key, seed) != LPG_OK)
            abort();
    }
    const char *text = (const char *)data;
    lpg_code_t code;

    int rc = lpg_code_parse(text, size, NULL, &code);
    s_check_result(rc, &code);
    if (rc == LPG_ECODE_FORGED)
        abort(); /* parsing checks no signature */
    if (rc == LPG_OK || rc == LPG_ECODE_CASE)
        s_check_canonical(data, size, &code, rc == LPG_ECODE_CASE);

    int parsed = lpg_code_parse(text, size, S_RESOLVER, &code);
    s_check_result(parsed, &code);
    rc = lpg_code_verify(text, size, S_RESOLVER, s_key, &code);
    s_check_result(rc, &code);
    /* Verify says what parse says, unless the signature is all that is
     * wrong. */
    if (parsed != LPG_OK && parsed != LPG_ECODE_CASE && rc != parsed)
        abort();
    if ((parsed == LPG_OK || parsed == LPG_ECODE_CASE) && rc != parsed &&
        rc != LPG_ECODE_FORGED)
        abort();
    if (rc == LPG_OK || rc == LPG_ECODE_CASE) {
        s_check_canonical(data, size, &code, rc == LPG_ECODE_CASE);
        if (strcmp(code.resolver, S_RESOLVER) != 0)
            abort();
    }
    return 0;
}
