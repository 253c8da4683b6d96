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
    s_write("# comment\n\n  code.resolver =  id.x.cn  \nfill.tare_tolerance_g=5\n");
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
