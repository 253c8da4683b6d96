/*  test_csv.c - splitting one CSV line: plain and quoted fields, doubled
 *  quotes, blanks, line ends, and the malformed lines the importer
 *  reports; writing one cell: quoting, and cells a spreadsheet would run
 *  as formulas neutralised.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/csv.h"
#include "base/error.h"

/*  Splits text (copied) and checks the fields against want[]. */
static void
s_split(const char *text, const char *const *want, size_t nwant)
{
    char line[256];
    snprintf(line, sizeof line, "%s", text);
    char *fields[8];
    size_t n = 99, col = 99;
    assert_int_equal(lpg_csv_split(line, fields, 8, &n, &col), LPG_OK);
    assert_int_equal(n, nwant);
    assert_int_equal(col, 0);
    for (size_t i = 0; i < nwant; i++)
        assert_string_equal(fields[i], want[i]);
}

static void
test_plain(void **state)
{
    s_split("a,b,c", (const char *[]){"a", "b", "c"}, 3);
    s_split("C1,00015,AB12,15300,14500\r\n",
            (const char *[]){"C1", "00015", "AB12", "15300", "14500"}, 5);
    s_split(" a , b\t,c ", (const char *[]){"a", "b", "c"}, 3);
    s_split(",,", (const char *[]){"", "", ""}, 3);
    s_split("", (const char *[]){""}, 1);
    s_split("\n", (const char *[]){""}, 1);
    s_split("张三,南通市 崇川区", (const char *[]){"张三", "南通市 崇川区"},
            2);
    s_split("a,", (const char *[]){"a", ""}, 2);
}

static void
test_quoted(void **state)
{
    s_split("\"a, b\",c", (const char *[]){"a, b", "c"}, 2);
    s_split("\"say \"\"hi\"\"\",x", (const char *[]){"say \"hi\"", "x"}, 2);
    s_split("\"\",\"\"", (const char *[]){"", ""}, 2);
    s_split(" \"  kept  \" ,y", (const char *[]){"  kept  ", "y"}, 2);
    s_split("x,\"last\"\r\n", (const char *[]){"x", "last"}, 2);
    s_split("\"\"\"\"", (const char *[]){"\""}, 1);
}

static void
test_malformed(void **state)
{
    char *fields[4];
    size_t n, col;
    char a[] = "a,\"unterminated,b";
    assert_int_equal(lpg_csv_split(a, fields, 4, &n, &col), LPG_EMALFORMED);
    assert_int_equal(col, 2);
    char b[] = "\"closed\"junk,b";
    assert_int_equal(lpg_csv_split(b, fields, 4, &n, &col), LPG_EMALFORMED);
    assert_int_equal(col, 1);
    char c[] = "1,2,3,4,5";
    assert_int_equal(lpg_csv_split(c, fields, 4, &n, &col), LPG_ETOOBIG);
    char d[] = "1,2,3,4";
    assert_int_equal(lpg_csv_split(d, fields, 4, &n, &col), LPG_OK);
    assert_int_equal(n, 4);
    assert_string_equal(fields[3], "4");
}

/*  The bytes lpg_csv_write_cell writes for text (as a last cell). */
static void
s_cell(const char *text, const char *want)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(lpg_csv_write_cell(f, text, false), LPG_OK);
    assert_int_equal(lpg_csv_write_cell(f, text, true), LPG_OK);
    assert_int_equal(fclose(f), 0);
    char expect[256];
    snprintf(expect, sizeof expect, "%s,%s\n", want, want);
    assert_string_equal(buf, expect);
    free(buf);
}

static void
test_cell_plain(void **state)
{
    s_cell("C1", "C1");
    s_cell("", "");
    s_cell(NULL, "");
    s_cell("张三", "张三");
    s_cell("a, b", "\"a, b\"");
    s_cell("say \"hi\"", "\"say \"\"hi\"\"\"");
    s_cell("two\nlines", "\"two\nlines\"");
    s_cell("x=1+1", "x=1+1"); /* only the first character counts */
    s_cell("'quoted", "'quoted");
}

static void
test_cell_formula(void **state)
{
    s_cell("=cmd|' /C calc'!A0", "\"'=cmd|' /C calc'!A0\"");
    s_cell("=1+1", "\"'=1+1\"");
    s_cell("+1+1", "\"'+1+1\"");
    s_cell("-1+1", "\"'-1+1\"");
    s_cell("-cmd", "\"'-cmd\"");
    s_cell("@SUM(A1:A9)", "\"'@SUM(A1:A9)\"");
    s_cell("\t=1+1", "\"'\t=1+1\"");
    s_cell("\r=1+1", "\"'\r=1+1\"");
    s_cell("=HYPERLINK(\"http://x\",\"y\")",
           "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"");
    s_cell("-", "-");     /* "none" in the reports: no formula */
    s_cell("-12", "-12"); /* numbers stay numbers */
    s_cell("-0.5", "-0.5");
    s_cell("12.5", "12.5");
    s_cell("-1.", "\"'-1.\"");
    s_cell("-.5", "\"'-.5\"");
    s_cell("-1e5", "\"'-1e5\"");
    s_cell("+5", "\"'+5\"");
    s_cell("--", "\"'--\"");
}

static void
test_unsafe(void **state)
{
    const char *bad[] = {"=x", "+x", "-x", "@x", "\tx", "\rx", "-1", "-"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_true(lpg_csv_unsafe(bad[i]));
    const char *good[] = {"", "x", "U-1", " =x", "1", "'=x", "张"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        assert_false(lpg_csv_unsafe(good[i]));
    assert_false(lpg_csv_unsafe(NULL));
}

static void
test_cell_write_error(void **state)
{
    FILE *f = fopen("/dev/full", "w");
    if (!f)
        skip();
    setvbuf(f, NULL, _IONBF, 0);
    assert_int_equal(lpg_csv_write_cell(f, "=1+1", true), LPG_EIO);
    fclose(f);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain),
        cmocka_unit_test(test_quoted),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_cell_plain),
        cmocka_unit_test(test_cell_formula),
        cmocka_unit_test(test_unsafe),
        cmocka_unit_test(test_cell_write_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
