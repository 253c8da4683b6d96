/*  test_label.c - label geometry, PNG/SVG/PDF output read back, errors.
 *
 *  Every file is written into a fresh temporary directory, which must hold
 *  no half-written leftovers after a failure.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cairo.h>
#include <dirent.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/error.h"
#include "codes/label.h"

static char s_dir[] = "/tmp/lpgtest-label-XXXXXX";

/*  A code-like text: 58 bytes of URL and an 86-character signature,
 *  144 bytes in all, which needs version 12 at level H. */
#define S_CODE                                                        \
    "https://id.lpg.example/8003/06901234567890AB12345678?8030="      \
    "kX3p_Qm2vR9sT1uW4yZ7aB0cD5eF8gH6iJ3kL2mN1oP4qR7sT0uV9wX8yZ5aB2c" \
    "Dd4Ee6Ff8Gg0Hh2Ii4Jj6Kk"

static const char *
s_path(const char *name)
{
    static char buf[512];
    snprintf(buf, sizeof buf, "%s/%s", s_dir, name);
    return buf;
}

static char *
s_repeat(char c, size_t n)
{
    char *s = malloc(n + 1);
    assert_non_null(s);
    memset(s, c, n);
    s[n] = '\0';
    return s;
}

static unsigned char *
s_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    assert_true(n > 0);
    rewind(f);
    unsigned char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/*  Number of entries in the test directory (no leftovers check). */
static int
s_entries(void)
{
    DIR *d = opendir(s_dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

static size_t
s_count(const unsigned char *buf, size_t len, const char *needle)
{
    size_t n = 0, k = strlen(needle);
    for (size_t i = 0; i + k <= len; i++)
        if (memcmp(buf + i, needle, k) == 0)
            n++;
    return n;
}

/*  Pages of a cairo PDF: page objects, not the /Pages tree. */
static size_t
s_pdf_pages(const unsigned char *buf, size_t len)
{
    return s_count(buf, len, "/Type /Page") -
           s_count(buf, len, "/Type /Pages");
}

static void
test_geometry(void **state)
{
    lpg_label_geom_t g;
    lpg_label_item_t it = {"hello", NULL, NULL};
    assert_int_equal(lpg_label_geometry(&g, &it, NULL), LPG_OK);
    assert_int_equal(g.version, 1);
    assert_int_equal(g.modules, 21 + 8);
    assert_int_equal(g.dots_per_module, 6); /* ceil(0.5 * 300 / 25.4) */
    assert_int_equal(g.width_dots, 29 * 6);
    assert_int_equal(g.height_dots, 29 * 6); /* no text lines */
    assert_true(g.module_mm >= 0.5 && g.module_mm < 0.51);

    /* Byte mode at level H: 137 bytes is version 11, 138 version 12. */
    char *t = s_repeat('a', 137);
    it.text = t;
    assert_int_equal(lpg_label_geometry(&g, &it, NULL), LPG_OK);
    assert_int_equal(g.version, 11);
    assert_int_equal(g.modules, 17 + 4 * 11 + 8);
    free(t);
    t = s_repeat('a', 138);
    it.text = t;
    assert_int_equal(lpg_label_geometry(&g, &it, NULL), LPG_OK);
    assert_int_equal(g.version, 12);
    free(t);

    it.text = S_CODE;
    assert_int_equal(lpg_label_geometry(&g, &it, NULL), LPG_OK);
    assert_int_equal(g.version, 12);

    /* Dots per module follow the printer. */
    lpg_label_opts_t o = {.dpi = 203};
    assert_int_equal(lpg_label_geometry(&g, &it, &o), LPG_OK);
    assert_int_equal(g.dots_per_module, 4); /* 3.996 dots, rounded up */
    o.dpi = 254;
    assert_int_equal(lpg_label_geometry(&g, &it, &o), LPG_OK);
    assert_int_equal(g.dots_per_module, 5); /* exactly 5 dots */
    assert_true(fabs(g.module_mm - 0.5) < 1e-9);
    o.dpi = 600;
    assert_int_equal(lpg_label_geometry(&g, &it, &o), LPG_OK);
    assert_int_equal(g.dots_per_module, 12);
    o.dpi = 300;
    o.module_mm = 0.8;
    assert_int_equal(lpg_label_geometry(&g, &it, &o), LPG_OK);
    assert_int_equal(g.dots_per_module, 10); /* 9.45 dots, rounded up */
    assert_int_equal(g.width_dots, (65 + 8) * 10);

    /* Each text line adds to the height, nothing else does. */
    lpg_label_item_t one = {S_CODE, "ID", NULL};
    lpg_label_item_t two = {S_CODE, "ID", "AB12345678"};
    lpg_label_geom_t g1, g2;
    assert_int_equal(lpg_label_geometry(&g1, &one, NULL), LPG_OK);
    assert_int_equal(lpg_label_geometry(&g2, &two, NULL), LPG_OK);
    assert_int_equal(g1.width_dots, g2.width_dots);
    assert_true(g1.height_dots > g1.width_dots);
    assert_true(g2.height_dots > g1.height_dots);
    assert_int_equal(g2.height_dots - g1.height_dots,
                     (int)lround(3.4 * 300 / 25.4));
}

/*  The longest cylinder code is 155 bytes, which fits version 12 at level
 *  H in 8-bit mode. For this one, libqrencode's mixed-mode split (letters,
 *  digits and bytes) comes out at version 13; the label must still be
 *  version 12. */
#define S_CODE_155                                                          \
    "https://bdeiqlswjpvtogshatfkaib.qoftils/8003/36954162267575TH49?8030=" \
    "cTmfz5ju7526FR8iEmEYCQar5066NDnqWNJKHs4Clu8q_4NDeRbgh2LaqFU3I7hfJqpQ"  \
    "XhS8POnOG0RkFsEmiP"

static void
test_longest_code(void **state)
{
    assert_int_equal(strlen(S_CODE_155), 155);
    lpg_label_geom_t g;
    lpg_label_item_t it = {S_CODE_155, "0021-TH49-R1", "TH49"};
    assert_int_equal(lpg_label_geometry(&g, &it, NULL), LPG_OK);
    assert_int_equal(g.version, 12);
    assert_int_equal(g.modules, 17 + 4 * 12 + 8);

    /* The PNG drawn is that symbol: 73 modules of 6 dots wide. */
    assert_int_equal(
        lpg_label_write(&it, 1, NULL, s_path("long.png"), NULL, 0), LPG_OK);
    cairo_surface_t *png =
        cairo_image_surface_create_from_png(s_path("long.png"));
    assert_int_equal(cairo_surface_status(png), CAIRO_STATUS_SUCCESS);
    assert_int_equal(cairo_image_surface_get_width(png), 73 * 6);
    cairo_surface_destroy(png);
    assert_int_equal(unlink(s_path("long.png")), 0);

    /* The fallback keeps the smaller symbol: 600 digits are version 16 in
     * numeric mode and would be 27 as bytes. */
    char *digits = s_repeat('1', 600);
    it.text = digits;
    assert_int_equal(lpg_label_geometry(&g, &it, NULL), LPG_OK);
    assert_int_equal(g.version, 16);
    free(digits);

    /* One byte more than a cylinder code holds needs version 13 anyway. */
    char *t = s_repeat('a', 156);
    it.text = t;
    assert_int_equal(lpg_label_geometry(&g, &it, NULL), LPG_OK);
    assert_int_equal(g.version, 13);
    free(t);
}

static void
test_geometry_errors(void **state)
{
    lpg_label_geom_t g;
    lpg_label_item_t it = {"", NULL, NULL};
    assert_int_equal(lpg_label_geometry(&g, &it, NULL), LPG_EINVAL);

    char *t = s_repeat('a', LPG_LABEL_MAX_TEXT);
    it.text = t;
    assert_int_equal(lpg_label_geometry(&g, &it, NULL), LPG_OK);
    assert_int_equal(g.version, 40);
    free(t);
    t = s_repeat('a', LPG_LABEL_MAX_TEXT + 1);
    it.text = t;
    assert_int_equal(lpg_label_geometry(&g, &it, NULL), LPG_ETOOBIG);
    free(t);

    it.text = "x";
    lpg_label_opts_t o = {.dpi = 50};
    assert_int_equal(lpg_label_geometry(&g, &it, &o), LPG_ERANGE);
    o.dpi = 300;
    o.module_mm = 0.4; /* below the 0.5 mm floor */
    assert_int_equal(lpg_label_geometry(&g, &it, &o), LPG_ERANGE);
    o.module_mm = 0;
    o.page = "letter";
    assert_int_equal(lpg_label_geometry(&g, &it, &o), LPG_EINVAL);

    lpg_label_item_t bad = {"x", "tab\there", NULL};
    assert_int_equal(lpg_label_geometry(&g, &bad, NULL), LPG_EINVAL);
}

/*  True if the pixel at (x, y) is dark. */
static bool
s_dark(cairo_surface_t *s, int x, int y)
{
    const unsigned char *d = cairo_image_surface_get_data(s);
    int stride = cairo_image_surface_get_stride(s);
    uint32_t p;
    memcpy(&p, d + (size_t)y * stride + (size_t)x * 4, 4);
    int lum =
        (int)((p >> 16) & 0xff) + (int)((p >> 8) & 0xff) + (int)(p & 0xff);
    return lum < 3 * 128;
}

static void
test_png(void **state)
{
    lpg_label_item_t it = {S_CODE, "690123-AB12345678", "AB12345678"};
    lpg_label_geom_t g;
    assert_int_equal(lpg_label_geometry(&g, &it, NULL), LPG_OK);
    char why[256];
    assert_int_equal(
        lpg_label_write(&it, 1, NULL, s_path("one.png"), why, sizeof why),
        LPG_OK);
    assert_string_equal(why, "");

    cairo_surface_t *s =
        cairo_image_surface_create_from_png(s_path("one.png"));
    assert_int_equal(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
    int w = cairo_image_surface_get_width(s);
    int h = cairo_image_surface_get_height(s);
    /* Version 12 is 65 modules, plus 8 of quiet zone, 6 dots each. */
    assert_int_equal(w, (65 + 8) * 6);
    assert_int_equal(w, g.width_dots);
    assert_int_equal(h, g.height_dots);
    cairo_surface_flush(s);

    /* The quiet zone is white all round the symbol. */
    int pitch = w / g.modules;
    assert_int_equal(pitch * g.modules, w);
    int q = 4 * pitch;
    for (int y = 0; y < w; y++)
        for (int x = 0; x < w; x++)
            if (x < q || y < q || x >= w - q || y >= w - q)
                assert_false(s_dark(s, x, y));

    /* The top-left finder: dark ring of one module, light ring, dark
     * 3x3 centre; each edge falls exactly on a pixel boundary. */
    for (int i = 0; i < 7 * pitch; i++) {
        assert_true(s_dark(s, q + i, q));             /* top edge */
        assert_true(s_dark(s, q, q + i));             /* left edge */
        assert_true(s_dark(s, q + i, q + pitch - 1)); /* ring is 1 module */
    }
    assert_false(s_dark(s, q + pitch, q + pitch)); /* light ring */
    assert_false(s_dark(s, q + 2 * pitch - 1, q + 2 * pitch - 1));
    assert_true(s_dark(s, q + 2 * pitch, q + 2 * pitch)); /* centre */
    assert_true(s_dark(s, q + 5 * pitch - 1, q + 5 * pitch - 1));
    assert_false(s_dark(s, q + 5 * pitch, q + 5 * pitch)); /* light ring */
    assert_false(s_dark(s, q + 7 * pitch, q + 3 * pitch)); /* separator */

    /* Only black and white in the symbol: no antialiased module edges. */
    const unsigned char *d = cairo_image_surface_get_data(s);
    int stride = cairo_image_surface_get_stride(s);
    for (int y = 0; y < w; y++)
        for (int x = 0; x < w; x++) {
            uint32_t p;
            memcpy(&p, d + (size_t)y * stride + (size_t)x * 4, 4);
            p &= 0xffffff;
            assert_true(p == 0 || p == 0xffffff);
        }

    /* Text was printed under the quiet zone. */
    int dark = 0;
    for (int y = w; y < h; y++)
        for (int x = 0; x < w; x++)
            dark += s_dark(s, x, y);
    assert_true(dark > 100);
    cairo_surface_destroy(s);

    /* The PNG says its resolution: 300 dpi is 11811 dots per metre. */
    size_t len;
    unsigned char *buf = s_slurp(s_path("one.png"), &len);
    assert_int_equal(s_count(buf, len, "pHYs"), 1);
    const unsigned char *ph = NULL;
    for (size_t i = 0; i + 13 <= len && !ph; i++)
        if (memcmp(buf + i, "pHYs", 4) == 0)
            ph = buf + i + 4;
    uint32_t ppm = (uint32_t)ph[0] << 24 | (uint32_t)ph[1] << 16 |
                   (uint32_t)ph[2] << 8 | ph[3];
    assert_int_equal(ppm, 11811);
    assert_int_equal(ph[8], 1);
    free(buf);

    /* Mode of a normal document, not the private temporary one. */
    struct stat st;
    assert_int_equal(stat(s_path("one.png"), &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);
}

static void
test_png_dpi(void **state)
{
    lpg_label_item_t it = {"hello", NULL, NULL};
    lpg_label_opts_t o = {.dpi = 600, .module_mm = 1.0};
    assert_int_equal(lpg_label_write(&it, 1, &o, s_path("big.PNG"), NULL, 0),
                     LPG_OK);
    cairo_surface_t *s =
        cairo_image_surface_create_from_png(s_path("big.PNG"));
    assert_int_equal(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
    /* 1 mm at 600 dpi = 23.6 dots -> 24 per module, 29 modules. */
    assert_int_equal(cairo_image_surface_get_width(s), 29 * 24);
    assert_int_equal(cairo_image_surface_get_height(s), 29 * 24);
    cairo_surface_destroy(s);
}

static void
test_svg(void **state)
{
    lpg_label_item_t it = {"hello", "ID-1", "S1"};
    assert_int_equal(lpg_label_write(&it, 1, NULL, s_path("one.svg"), NULL, 0),
                     LPG_OK);
    size_t len;
    unsigned char *buf = s_slurp(s_path("one.svg"), &len);
    assert_non_null(strstr((char *)buf, "<svg"));
    /* 29 modules of 6 dots at 300 dpi = 14.732 mm wide. */
    assert_non_null(strstr((char *)buf, "width=\"14.732mm\""));
    assert_true(len > 1000);
    free(buf);
}

typedef struct {
    size_t calls;
    size_t last_done;
    size_t last_total;
} s_prog_t;

static void
s_on_progress(void *arg, size_t done, size_t total)
{
    s_prog_t *p = arg;
    p->calls++;
    p->last_done = done;
    p->last_total = total;
}

static void
test_pdf_a4(void **state)
{
    enum { N = 25 };
    lpg_label_item_t items[N];
    char ids[N][16];
    for (int i = 0; i < N; i++) {
        snprintf(ids[i], sizeof ids[i], "ID-%d", i);
        items[i] = (lpg_label_item_t){S_CODE, ids[i], "AB12345678"};
    }
    s_prog_t prog = {0};
    lpg_label_opts_t o = {.progress = s_on_progress, .progress_arg = &prog};
    assert_int_equal(
        lpg_label_write(items, N, &o, s_path("sheet.pdf"), NULL, 0), LPG_OK);
    assert_int_equal(prog.calls, N);
    assert_int_equal(prog.last_done, N);
    assert_int_equal(prog.last_total, N);
    size_t len;
    unsigned char *buf = s_slurp(s_path("sheet.pdf"), &len);
    assert_memory_equal(buf, "%PDF-", 5);
    /* 50 x 60 mm cells on A4 with 10 mm margins: 3 x 4 = 12 a page. */
    assert_int_equal(s_pdf_pages(buf, len), 3);
    assert_int_equal(s_count(buf, len, "/MediaBox [ 0 0 595.27"), 3);
    free(buf);
}

static void
test_pdf_roll(void **state)
{
    lpg_label_item_t items[3] = {
        {S_CODE, "A", "S1"}, {"short", "B", "S2"}, {S_CODE, NULL, NULL}};
    lpg_label_opts_t o = {.page = "roll", .label_w_mm = 40, .label_h_mm = 50};
    assert_int_equal(
        lpg_label_write(items, 3, &o, s_path("roll.pdf"), NULL, 0), LPG_OK);
    size_t len;
    unsigned char *buf = s_slurp(s_path("roll.pdf"), &len);
    assert_int_equal(s_pdf_pages(buf, len), 3);
    /* A page is one label: 40 x 50 mm = 113.39 x 141.73 pt. */
    assert_int_equal(s_count(buf, len, "/MediaBox [ 0 0 113.38"), 3);
    free(buf);
}

static void
test_write_errors(void **state)
{
    char why[256];
    lpg_label_item_t two[2] = {{"a", NULL, NULL}, {"b", NULL, NULL}};
    int before = s_entries();

    assert_int_equal(
        lpg_label_write(two, 1, NULL, s_path("x.jpg"), why, sizeof why),
        LPG_EINVAL);
    assert_non_null(strstr(why, "unknown format"));
    assert_int_equal(
        lpg_label_write(two, 1, NULL, s_path("noext"), why, sizeof why),
        LPG_EINVAL);
    assert_int_equal(
        lpg_label_write(two, 2, NULL, s_path("two.png"), why, sizeof why),
        LPG_EINVAL);
    assert_non_null(strstr(why, "exactly one"));
    assert_int_equal(lpg_label_write(two, 2, NULL, s_path("two.svg"), NULL, 0),
                     LPG_EINVAL);
    assert_int_equal(
        lpg_label_write(two, 0, NULL, s_path("none.pdf"), NULL, 0),
        LPG_EINVAL);

    char *t = s_repeat('a', LPG_LABEL_MAX_TEXT + 1);
    lpg_label_item_t big = {t, NULL, NULL};
    assert_int_equal(
        lpg_label_write(&big, 1, NULL, s_path("big.png"), why, sizeof why),
        LPG_ETOOBIG);
    /* In a batch, the reason names the label. */
    lpg_label_item_t batch[2] = {{"ok", NULL, NULL}, {t, NULL, NULL}};
    assert_int_equal(
        lpg_label_write(batch, 2, NULL, s_path("big.pdf"), why, sizeof why),
        LPG_ETOOBIG);
    assert_memory_equal(why, "label 2:", 8);
    free(t);

    /* A version-12 code needs 37 mm: it does not fit a 20 mm label. */
    lpg_label_item_t code = {S_CODE, "ID", "S"};
    lpg_label_opts_t o = {.page = "roll", .label_w_mm = 20, .label_h_mm = 20};
    assert_int_equal(
        lpg_label_write(&code, 1, &o, s_path("small.pdf"), why, sizeof why),
        LPG_ERANGE);
    assert_non_null(strstr(why, "does not fit"));
    o = (lpg_label_opts_t){.label_w_mm = 250};
    assert_int_equal(
        lpg_label_write(&code, 1, &o, s_path("wide.pdf"), NULL, 0),
        LPG_ERANGE);
    o = (lpg_label_opts_t){.page = "letter"};
    assert_int_equal(lpg_label_write(&code, 1, &o, s_path("p.pdf"), NULL, 0),
                     LPG_EINVAL);
    o = (lpg_label_opts_t){.dpi = 10000};
    assert_int_equal(lpg_label_write(&code, 1, &o, s_path("d.png"), NULL, 0),
                     LPG_ERANGE);

    /* Nothing, not even a temporary file, was left behind. */
    assert_int_equal(s_entries(), before);

    /* A directory that does not exist is an I/O error. */
    assert_int_equal(lpg_label_write(&code, 1, NULL, s_path("no/such/dir.png"),
                                     why, sizeof why),
                     LPG_EIO);
    assert_non_null(strstr(why, "no/such/dir.png"));
}

static int
s_setup(void **state)
{
    return mkdtemp(s_dir) ? 0 : -1;
}

static int
s_teardown(void **state)
{
    DIR *d = opendir(s_dir);
    if (!d)
        return -1;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            unlink(s_path(e->d_name));
    closedir(d);
    return rmdir(s_dir);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_geometry),
        cmocka_unit_test(test_geometry_errors),
        cmocka_unit_test(test_longest_code),
        cmocka_unit_test(test_png),
        cmocka_unit_test(test_png_dpi),
        cmocka_unit_test(test_svg),
        cmocka_unit_test(test_pdf_a4),
        cmocka_unit_test(test_pdf_roll),
        cmocka_unit_test(test_write_errors),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
