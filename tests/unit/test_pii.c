/*  test_pii.c - personal data: normalisation and look-up HMACs, masked
 *  names (UTF-8), sealing under a person's data key, wrapping that key
 *  under the master key, and the key files with their permissions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "base/error.h"
#include "domain/pii.h"

static const uint8_t s_key[32] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11,
                                  12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
                                  23, 24, 25, 26, 27, 28, 29, 30, 31, 32};

static void
s_norm(lpg_pii_field_t f, const char *in, const char *want)
{
    char out[128];
    assert_int_equal(lpg_pii_normalise(f, in, out, sizeof out), LPG_OK);
    assert_string_equal(out, want);
}

static void
test_normalise(void **state)
{
    s_norm(LPG_PII_NAME, "  张三丰 ", "张三丰");
    s_norm(LPG_PII_NAME, "\t张 三\r\n", "张 三");
    s_norm(LPG_PII_NAME, "\xe3\x80\x80张三\xe3\x80\x80", "张三");
    s_norm(LPG_PII_ID_CARD, " 32060219800101123x ", "32060219800101123X");
    s_norm(LPG_PII_ID_CARD, "e1234567a", "E1234567A");
    s_norm(LPG_PII_PHONE, " 138-0013 8000 ", "13800138000");
    s_norm(LPG_PII_PHONE, "+86 138 0013 8000", "+8613800138000");
    s_norm(LPG_PII_TEXT, " 南通市 崇川区 1号 ", "南通市 崇川区 1号");
    /* Names keep their case; only ID cards are upper-cased. */
    s_norm(LPG_PII_NAME, "li wei", "li wei");

    char out[16];
    assert_int_equal(lpg_pii_normalise(LPG_PII_NAME, "   ", out, sizeof out),
                     LPG_EINVAL);
    assert_int_equal(lpg_pii_normalise(LPG_PII_NAME, "", out, sizeof out),
                     LPG_EINVAL);
    assert_int_equal(lpg_pii_normalise(LPG_PII_NAME, NULL, out, sizeof out),
                     LPG_EINVAL);
    assert_int_equal(lpg_pii_normalise(LPG_PII_PHONE, " - ", out, sizeof out),
                     LPG_EINVAL);
    assert_int_equal(lpg_pii_normalise(LPG_PII_NAME, "a\tb", out, sizeof out),
                     LPG_EINVAL);
    assert_int_equal(
        lpg_pii_normalise(LPG_PII_NAME, "\xc3\x28", out, sizeof out),
        LPG_EINVAL);
    assert_int_equal(
        lpg_pii_normalise(LPG_PII_NAME, "0123456789abcdef", out, sizeof out),
        LPG_ERANGE);
    assert_int_equal(
        lpg_pii_normalise(LPG_PII_NAME, "0123456789abcde", out, sizeof out),
        LPG_OK);
}

static void
test_hmac(void **state)
{
    uint8_t a[32], b[32], direct[32];
    assert_int_equal(
        lpg_pii_hmac(s_key, LPG_PII_ID_CARD, "32060219800101123X", a), LPG_OK);
    /* The value under the key, nothing else: any holder of the key can
     * compute it the same way. */
    lpg_hmac_sha256(s_key, 32, "32060219800101123X", 18, direct);
    assert_memory_equal(a, direct, 32);
    /* Spaces around and a lower-case x make no difference. */
    assert_int_equal(
        lpg_pii_hmac(s_key, LPG_PII_ID_CARD, "  32060219800101123x\n", b),
        LPG_OK);
    assert_memory_equal(a, b, 32);
    /* Another number, or another key, is another HMAC. */
    assert_int_equal(
        lpg_pii_hmac(s_key, LPG_PII_ID_CARD, "32060219800101124X", b), LPG_OK);
    assert_memory_not_equal(a, b, 32);
    uint8_t other[32];
    memcpy(other, s_key, 32);
    other[0] ^= 1;
    assert_int_equal(
        lpg_pii_hmac(other, LPG_PII_ID_CARD, "32060219800101123X", b), LPG_OK);
    assert_memory_not_equal(a, b, 32);
    /* A name keeps its case, so "Li" and "li" differ. */
    assert_int_equal(lpg_pii_hmac(s_key, LPG_PII_NAME, "Li", a), LPG_OK);
    assert_int_equal(lpg_pii_hmac(s_key, LPG_PII_NAME, "li", b), LPG_OK);
    assert_memory_not_equal(a, b, 32);
    /* Phone numbers with or without separators are one number. */
    assert_int_equal(lpg_pii_hmac(s_key, LPG_PII_PHONE, "138-0013-8000", a),
                     LPG_OK);
    assert_int_equal(lpg_pii_hmac(s_key, LPG_PII_PHONE, "13800138000", b),
                     LPG_OK);
    assert_memory_equal(a, b, 32);
    assert_int_equal(lpg_pii_hmac(s_key, LPG_PII_ID_CARD, " ", a), LPG_EINVAL);
}

static void
s_mask(const char *in, const char *want)
{
    char out[64];
    assert_int_equal(lpg_pii_mask(in, out, sizeof out), LPG_OK);
    assert_string_equal(out, want);
}

static void
test_mask(void **state)
{
    s_mask("张三丰", "张*丰");
    s_mask("张三", "张*");
    s_mask("张", "*");
    s_mask("欧阳娜娜", "欧**娜");
    s_mask(" 张三丰\n", "张*丰");
    s_mask("John Smith", "J********h");
    s_mask("Li", "L*");
    /* A 4-byte character (U+20BB7 𠮷) is one character. */
    s_mask("\xf0\xa0\xae\xb7三丰", "\xf0\xa0\xae\xb7*丰");
    s_mask("阿\xf0\xa0\xae\xb7", "阿*");

    char out[8];
    assert_int_equal(lpg_pii_mask("", out, sizeof out), LPG_EINVAL);
    assert_int_equal(lpg_pii_mask("\xff\xfe", out, sizeof out), LPG_EINVAL);
    /* 张*丰 is 7 bytes: it fits in 8, not in 7. */
    assert_int_equal(lpg_pii_mask("张三丰", out, 8), LPG_OK);
    assert_string_equal(out, "张*丰");
    assert_int_equal(lpg_pii_mask("张三丰", out, 7), LPG_ERANGE);
}

static void
test_seal_open(void **state)
{
    uint8_t key[32];
    assert_int_equal(lpg_random(key, sizeof key), LPG_OK);
    Lpg__PersonalData pd = LPG__PERSONAL_DATA__INIT;
    pd.name = "张三丰";
    pd.id_card = "32060219800101123X";
    pd.phone = "13800138000";
    uint8_t *sealed = NULL;
    size_t len = 0;
    assert_int_equal(lpg_pii_seal(key, "U1", &pd, &sealed, &len), LPG_OK);
    assert_int_equal(len, lpg__personal_data__get_packed_size(&pd) + 28);
    /* Nothing of the clear text shows. */
    assert_null(memmem(sealed, len, "32060219800101123X", 18));
    assert_null(memmem(sealed, len, "张三丰", strlen("张三丰")));

    Lpg__PersonalData *back = NULL;
    assert_int_equal(lpg_pii_open(key, "U1", sealed, len, &back), LPG_OK);
    assert_string_equal(back->name, "张三丰");
    assert_string_equal(back->id_card, "32060219800101123X");
    assert_string_equal(back->phone, "13800138000");
    assert_null(back->address);
    lpg__personal_data__free_unpacked(back, NULL);

    /* Bound to the user, the key and every byte. */
    assert_int_equal(lpg_pii_open(key, "U2", sealed, len, &back), LPG_EBADSIG);
    assert_null(back);
    uint8_t other[32];
    memcpy(other, key, 32);
    other[31] ^= 0x80;
    assert_int_equal(lpg_pii_open(other, "U1", sealed, len, &back),
                     LPG_EBADSIG);
    sealed[len / 2] ^= 1;
    assert_int_equal(lpg_pii_open(key, "U1", sealed, len, &back), LPG_EBADSIG);
    assert_int_equal(lpg_pii_open(key, "U1", sealed, 27, &back),
                     LPG_EMALFORMED);
    free(sealed);
}

static void
test_wrap_unwrap(void **state)
{
    uint8_t master[32], data_key[32], wrapped[LPG_PII_WRAPPED_LEN], back[32];
    assert_int_equal(lpg_random(master, 32), LPG_OK);
    assert_int_equal(lpg_random(data_key, 32), LPG_OK);
    assert_int_equal(lpg_pii_wrap(master, "U1", data_key, wrapped), LPG_OK);
    assert_null(memmem(wrapped, sizeof wrapped, data_key, 32));
    assert_int_equal(
        lpg_pii_unwrap(master, "U1", wrapped, sizeof wrapped, back), LPG_OK);
    assert_memory_equal(back, data_key, 32);
    assert_int_equal(
        lpg_pii_unwrap(master, "U2", wrapped, sizeof wrapped, back),
        LPG_EBADSIG);
    assert_int_equal(
        lpg_pii_unwrap(master, "U1", wrapped, sizeof wrapped - 1, back),
        LPG_EMALFORMED);
    /* A wrapped key is no sealed PersonalData of the same user, and the
     * other way round: their associated data differ. */
    assert_int_equal(
        lpg_pii_unwrap(s_key, "U1", wrapped, sizeof wrapped, back),
        LPG_EBADSIG);
    Lpg__PersonalData *pd = NULL;
    assert_int_equal(lpg_pii_open(master, "U1", wrapped, sizeof wrapped, &pd),
                     LPG_EBADSIG);
}

static void
test_key_files(void **state)
{
    char dir[] = "/tmp/lpgtest-pii-XXXXXX", path[128];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/pii.hmac", dir);
    uint8_t a[32], b[32];
    assert_int_equal(lpg_pii_key_load(path, a), LPG_ENOTFOUND);
    assert_int_equal(lpg_pii_key_create(path), LPG_OK);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(st.st_size, 45); /* 44 base64 characters + newline */
    assert_int_equal(lpg_pii_key_load(path, a), LPG_OK);
    assert_int_equal(lpg_pii_key_load(path, b), LPG_OK);
    assert_memory_equal(a, b, 32);
    assert_int_equal(lpg_pii_key_create(path), LPG_EEXIST);
    assert_int_equal(lpg_pii_key_load(path, b), LPG_OK);
    assert_memory_equal(a, b, 32); /* not overwritten */
    chmod(path, 0640);
    assert_int_equal(lpg_pii_key_load(path, b), LPG_EKEYPERM);
    chmod(path, 0600);

    /* Two keys made are two different keys. */
    char path2[128];
    snprintf(path2, sizeof path2, "%s/registry.master", dir);
    assert_int_equal(lpg_pii_key_create(path2), LPG_OK);
    assert_int_equal(lpg_pii_key_load(path2, b), LPG_OK);
    assert_memory_not_equal(a, b, 32);

    /* Not 32 bytes of base64. */
    FILE *f = fopen(path2, "w");
    fputs("AAECAwQFBgcICQoLDA0ODw==\n", f); /* 16 bytes */
    fclose(f);
    assert_int_equal(lpg_pii_key_load(path2, b), LPG_EKEYFORMAT);
    f = fopen(path2, "w");
    fputs("not a key at all!\n", f);
    fclose(f);
    assert_int_equal(lpg_pii_key_load(path2, b), LPG_EKEYFORMAT);
    unlink(path);
    unlink(path2);
    rmdir(dir);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normalise),   cmocka_unit_test(test_hmac),
        cmocka_unit_test(test_mask),        cmocka_unit_test(test_seal_open),
        cmocka_unit_test(test_wrap_unwrap), cmocka_unit_test(test_key_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
