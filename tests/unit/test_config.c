/*  test_config.c - configuration defaults, file, errors; error strings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/config.h"
#include "base/error.h"

static char s_dir[] = "/tmp/lpgtest-config-XXXXXX";

static void
s_write(const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/lpgtrace.conf", s_dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void
test_defaults(void **state)
{
    lpg_config_t *cfg = NULL;
    assert_int_equal(lpg_config_load(&cfg, s_dir, NULL, 0), LPG_OK);
    assert_string_equal(lpg_config_get(cfg, "time.zone"), "Asia/Shanghai");
    assert_int_equal(lpg_config_get_int(cfg, "fill.tare_tolerance_g", -1),
                     300);
    assert_null(lpg_config_get(cfg, "no.such.key"));
    assert_string_equal(lpg_config_home(cfg), s_dir);
    lpg_config_destroy(&cfg);
    assert_null(cfg);
    lpg_config_destroy(&cfg); /* safe twice */
}

static void
test_file_overrides(void **state)
{
    s_write("# comment\n\n  code.resolver =  id.x.cn  "
            "\nfill.tare_tolerance_g=5\n");
    lpg_config_t *cfg = NULL;
    assert_int_equal(lpg_config_load(&cfg, s_dir, NULL, 0), LPG_OK);
    assert_string_equal(lpg_config_get(cfg, "code.resolver"), "id.x.cn");
    assert_int_equal(lpg_config_get_int(cfg, "fill.tare_tolerance_g", -1), 5);
    lpg_config_destroy(&cfg);
}

static void
test_unknown_key_refused(void **state)
{
    s_write("fill.tare_tolerence_g = 5\n");
    lpg_config_t *cfg = NULL;
    char why[256] = "";
    assert_int_equal(lpg_config_load(&cfg, s_dir, why, sizeof why),
                     LPG_ECONFIG);
    assert_null(cfg);
    assert_non_null(strstr(why, ":1: unknown key 'fill.tare_tolerence_g'"));
    s_write("just words\n");
    assert_int_equal(lpg_config_load(&cfg, s_dir, why, sizeof why),
                     LPG_ECONFIG);
    assert_non_null(strstr(why, "expected 'key = value'"));
}

static void
test_parse_size(void **state)
{
    static const struct {
        const char *text;
        int rc;
        uint64_t bytes;
    } cases[] = {
        {"1TiB", LPG_OK, 1ULL << 40},
        {"512MiB", LPG_OK, 512ULL << 20},
        {"64GiB", LPG_OK, 64ULL << 30},
        {"4096B", LPG_OK, 4096},
        {"3KiB", LPG_OK, 3072},
        {" 2 gib ", LPG_OK, 2ULL << 30},
        {"1tib", LPG_OK, 1ULL << 40},
        {"0MiB", LPG_OK, 0},
        {"16777215TiB", LPG_OK, 16777215ULL << 40},
        {"16777216TiB", LPG_ERANGE, 0},
        {"18446744073709551615B", LPG_OK, UINT64_MAX},
        {"18446744073709551616B", LPG_ERANGE, 0},
        {"99999999999999999999999TiB", LPG_ERANGE, 0},
        {"1024", LPG_EINVAL, 0}, /* a bare number: which unit? */
        {"", LPG_EINVAL, 0},
        {"TiB", LPG_EINVAL, 0},
        {"garbage", LPG_EINVAL, 0},
        {"-1GiB", LPG_EINVAL, 0},
        {"+1GiB", LPG_EINVAL, 0},
        {"1.5TiB", LPG_EINVAL, 0},
        {"1TB", LPG_EINVAL, 0}, /* decimal or binary? refused */
        {"1 TiB x", LPG_EINVAL, 0},
        {"1GiBs", LPG_EINVAL, 0},
        {"0x10MiB", LPG_EINVAL, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint64_t got = 12345;
        int rc = lpg_config_parse_size(cases[i].text, &got);
        if (rc != cases[i].rc)
            fail_msg("'%s': rc %d, wanted %d", cases[i].text, rc, cases[i].rc);
        if (rc == LPG_OK && got != cases[i].bytes)
            fail_msg("'%s': %llu bytes, wanted %llu", cases[i].text,
                     (unsigned long long)got,
                     (unsigned long long)cases[i].bytes);
        if (rc != LPG_OK && got != 12345)
            fail_msg("'%s': out written on error", cases[i].text);
    }
}

/*  Loads text as the home's file; returns the load's result and, when it
 *  loaded, the map size's. */
static int
s_map(const char *text, uint64_t *bytes, char *why, size_t whysz)
{
    s_write(text);
    lpg_config_t *cfg = NULL;
    why[0] = '\0';
    int rc = lpg_config_load(&cfg, s_dir, why, whysz);
    if (rc == LPG_OK) {
        rc = lpg_config_map_size(cfg, bytes, why, whysz);
        lpg_config_destroy(&cfg);
    } else
        assert_null(cfg);
    return rc;
}

static void
test_map_size(void **state)
{
    uint64_t b = 0;
    char why[512];
    /* Default, and a file without the key. */
    assert_int_equal(s_map("", &b, why, sizeof why), LPG_OK);
    assert_int_equal(b, 1ULL << 40);
    assert_int_equal(s_map("ledger.map_size = 64GiB\n", &b, why, sizeof why),
                     LPG_OK);
    assert_int_equal(b, 64ULL << 30);
    assert_int_equal(s_map("ledger.map_size = 1MiB\n", &b, why, sizeof why),
                     LPG_OK);
    assert_int_equal(b, 1ULL << 20);
    /* The deprecated key still works alone. */
    assert_int_equal(s_map("ledger.map_size_gib = 2\n", &b, why, sizeof why),
                     LPG_OK);
    assert_int_equal(b, 2ULL << 30);
    /* Everything else is refused at load, naming file, line and key. */
    static const struct {
        const char *text, *says;
    } bad[] = {
        {"ledger.map_size = garbage\n", "not a size"},
        {"ledger.map_size = 1024\n", "not a size"},
        {"ledger.map_size = 0MiB\n", "below the smallest map"},
        {"ledger.map_size = -1GiB\n", "not a size"},
        {"ledger.map_size =\n", "not a size"},
        {"ledger.map_size = 99999999999999999999TiB\n", "too large"},
        {"ledger.map_size = 16777215TiB\n", "above the largest map"},
        {"ledger.map_size = 512KiB\n", "below the smallest map"},
        {"ledger.map_size_gib = lots\n", "not a whole number of GiB"},
        {"ledger.map_size_gib = -1\n", "not a whole number of GiB"},
        {"ledger.map_size_gib = 0\n", "below the smallest map"},
        {"ledger.map_size_gib = 99999999999999999999\n", "too large"},
        {"ledger.map_size_gib = 17179869184\n", "too large"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = s_map(bad[i].text, &b, why, sizeof why);
        if (rc != LPG_ECONFIG || !strstr(why, bad[i].says) ||
            !strstr(why, "lpgtrace.conf:1: ledger.map_size"))
            fail_msg("'%s': rc %d, why '%s'", bad[i].text, rc, why);
    }
    /* Both keys: the old one must go. */
    assert_int_equal(s_map("ledger.map_size_gib = 1024\n"
                           "ledger.map_size = 1TiB\n",
                           &b, why, sizeof why),
                     LPG_ECONFIG);
    assert_non_null(strstr(why, "lpgtrace.conf:1: ledger.map_size_gib"));
    assert_non_null(strstr(why, "keep ledger.map_size only"));
    s_write("");
}

static void
test_save_skips_deprecated(void **state)
{
    lpg_config_t *cfg = NULL;
    s_write("");
    assert_int_equal(lpg_config_load(&cfg, s_dir, NULL, 0), LPG_OK);
    char path[256], line[256];
    snprintf(path, sizeof path, "%s/saved.conf", s_dir);
    assert_int_equal(lpg_config_save(cfg, path), LPG_OK);
    lpg_config_destroy(&cfg);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    int size = 0, gib = 0;
    while (fgets(line, sizeof line, f)) {
        size += strcmp(line, "ledger.map_size = 1TiB\n") == 0;
        gib += strncmp(line, "ledger.map_size_gib", 19) == 0;
    }
    fclose(f);
    assert_int_equal(size, 1);
    assert_int_equal(gib, 0);
}

static void
test_home_from_env(void **state)
{
    setenv("LPGTRACE_HOME", "/some/where", 1);
    assert_string_equal(lpg_config_home_dir(NULL), "/some/where");
    assert_string_equal(lpg_config_home_dir("/x"), "/x");
    unsetenv("LPGTRACE_HOME");
    assert_string_equal(lpg_config_home_dir(NULL), "./var");
}

static void
test_error_tokens(void **state)
{
    assert_string_equal(lpg_errtoken(LPG_EBADSIG), "EBADSIG");
    assert_string_equal(lpg_errtoken(LPG_ECONFLICT), "ECONFLICT");
    assert_string_equal(lpg_errtoken(LPG_OK), "OK");
    assert_string_equal(lpg_strerror(LPG_EKEYPERM),
                        "key file readable by group or others");
    assert_string_equal(lpg_errtoken(12345), "EUNKNOWN");
}

int
main(void)
{
    assert_non_null(mkdtemp(s_dir));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_file_overrides),
        cmocka_unit_test(test_unknown_key_refused),
        cmocka_unit_test(test_parse_size),
        cmocka_unit_test(test_map_size),
        cmocka_unit_test(test_save_skips_deprecated),
        cmocka_unit_test(test_home_from_env),
        cmocka_unit_test(test_error_tokens),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", s_dir);
    if (system(cmd) != 0)
        return 1;
    return rc;
}
