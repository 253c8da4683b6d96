/*  test_csv.c - splitting one CSV line: plain and quoted fields, doubled
 *  quotes, blanks, line ends, and the malformed lines the importer
 *  reports.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
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
    s_split("张三,南通市 崇川区",
            (const char *[]){"张三", "南通市 崇川区"}, 2);
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

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain),
        cmocka_unit_test(test_quoted),
        cmocka_unit_test(test_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
