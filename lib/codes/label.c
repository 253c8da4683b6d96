/*  label.c - see label.h. Draws labels with cairo from libqrencode symbols.
 *
 *  Everything is laid out in printer dots: the module is a whole number of
 *  dots, the label's corner sits on the dot grid, and PNG pixels are dots.
 *  SVG (in mm) and PDF (in points) draw the same layout scaled to size.
 */
#include "codes/label.h"
#include "base/error.h"

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <cairo.h>
#include <qrencode.h>

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define S_MM_PER_INCH 25.4
#define S_PT_PER_INCH 72.0
#define S_QUIET 4 /* quiet zone, modules on each side */
#define S_MIN_DPI 72
#define S_MAX_DPI 4800
#define S_MAX_MODULE_MM 5.0
#define S_MIN_CELL_MM 10.0
#define S_MAX_CELL_MM 280.0
#define S_A4_W_MM 210.0
#define S_A4_H_MM 297.0
#define S_A4_MARGIN_MM 10.0
#define S_TEXT_EM_MM 2.6    /* font size of the lines under the code */
#define S_TEXT_PITCH_MM 3.4 /* distance between text lines */
#define S_TEXT_PAD_MM 1.0   /* white under the last line */
#define S_MAX_LINE 64       /* longest short id or serial printed */
#define S_MAX_PIXELS 32767  /* cairo's image surface limit */
/*  Above this version, plain 8-bit mode is tried too. Version 12 at level
 *  H holds the 155 bytes of the longest cylinder code in 8-bit mode. */
#define S_BYTE_MODE_VERSION 12

/*  Families tried, in order, for the "钢印" line; the first with glyphs
 *  for both characters wins, else the line reads "STAMP". */
static const char *const s_cjk_families[] = {
    "Noto Sans CJK SC",    "Source Han Sans SC",  "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei", "Droid Sans Fallback", "AR PL UMing CN",
};
#define S_STAMP_CJK "\xe9\x92\xa2\xe5\x8d\xb0" /* 钢印 in UTF-8 */
#define S_STAMP_ASCII "STAMP"

/*  Fontconfig, reached through cairo's font lookup, keeps a cache for the
 *  life of the process and loses a few hundred bytes once while parsing
 *  its configuration. Neither grows with use; LeakSanitizer is told not
 *  to report them (this hook is only read in sanitizer builds). */
const char *__lsan_default_suppressions(void);
const char *
__lsan_default_suppressions(void)
{
    return "leak:libfontconfig.so\n";
}

typedef enum { S_PNG, S_SVG, S_PDF } s_format_t;

/*  Options with defaults applied and checked. */
typedef struct {
    int dpi;
    int dpm; /* dots per module */
    bool roll;
    double cell_w_mm;
    double cell_h_mm;
    lpg_label_progress_fn *progress;
    void *progress_arg;
} s_opts_t;

/*  The fonts of one run; the stamp face may be a CJK face. */
typedef struct {
    cairo_font_face_t *id_face;
    cairo_font_face_t *stamp_face;
    const char *stamp_word;
} s_fonts_t;

/*  Where bytes go: a file, or memory (the PNG, patched before saving). */
typedef struct {
    FILE *f;
    unsigned char *buf;
    size_t len;
    size_t cap;
    int err; /* errno of the first failure */
} s_sink_t;

static int
s_cairo_err(cairo_status_t st, const char *what, char *why, size_t whysz)
{
    lpg_why(why, whysz, "%s: %s", what, cairo_status_to_string(st));
    if (st == CAIRO_STATUS_NO_MEMORY)
        return LPG_ENOMEM;
    if (st == CAIRO_STATUS_WRITE_ERROR)
        return LPG_EIO;
    return LPG_ELABEL;
}

static int
s_resolve(s_opts_t *o, const lpg_label_opts_t *in, char *why, size_t whysz)
{
    lpg_label_opts_t def = {0};
    if (!in)
        in = &def;
    o->dpi = in->dpi ? in->dpi : LPG_LABEL_DEFAULT_DPI;
    if (o->dpi < S_MIN_DPI || o->dpi > S_MAX_DPI) {
        lpg_why(why, whysz, "dpi %d is outside %d..%d", o->dpi, S_MIN_DPI,
                S_MAX_DPI);
        return LPG_ERANGE;
    }
    double mm = in->module_mm != 0 ? in->module_mm : LPG_LABEL_MIN_MODULE_MM;
    if (!(mm >= LPG_LABEL_MIN_MODULE_MM && mm <= S_MAX_MODULE_MM)) {
        lpg_why(why, whysz, "module size %g mm is outside %g..%g mm", mm,
                LPG_LABEL_MIN_MODULE_MM, S_MAX_MODULE_MM);
        return LPG_ERANGE;
    }
    /* Round up to whole dots; the small slack keeps 0.5 mm at 254 dpi at
     * exactly 5 dots despite floating point. */
    o->dpm = (int)ceil(mm * o->dpi / S_MM_PER_INCH - 1e-9);
    if (o->dpm < 1)
        o->dpm = 1;
    if (!in->page || strcmp(in->page, "a4") == 0)
        o->roll = false;
    else if (strcmp(in->page, "roll") == 0)
        o->roll = true;
    else {
        lpg_why(why, whysz, "unknown page '%s' (a4 or roll)", in->page);
        return LPG_EINVAL;
    }
    o->cell_w_mm =
        in->label_w_mm != 0 ? in->label_w_mm : LPG_LABEL_DEFAULT_W_MM;
    o->cell_h_mm =
        in->label_h_mm != 0 ? in->label_h_mm : LPG_LABEL_DEFAULT_H_MM;
    if (!(o->cell_w_mm >= S_MIN_CELL_MM && o->cell_w_mm <= S_MAX_CELL_MM &&
          o->cell_h_mm >= S_MIN_CELL_MM && o->cell_h_mm <= S_MAX_CELL_MM)) {
        lpg_why(why, whysz, "label size %g x %g mm is outside %g..%g mm",
                o->cell_w_mm, o->cell_h_mm, S_MIN_CELL_MM, S_MAX_CELL_MM);
        return LPG_ERANGE;
    }
    o->progress = in->progress;
    o->progress_arg = in->progress_arg;
    return LPG_OK;
}

static int
s_dots(const s_opts_t *o, double mm)
{
    return (int)lround(mm * o->dpi / S_MM_PER_INCH);
}

static bool
s_line_ok(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if ((unsigned char)s[n] < 0x20 || (unsigned char)s[n] > 0x7e)
            return false;
    return n <= S_MAX_LINE;
}

static int
s_line_count(const lpg_label_item_t *item)
{
    return (item->short_id && *item->short_id) +
           (item->serial && *item->serial);
}

/*  Encodes item's text; caller frees *out with QRcode_free. */
static int
s_encode(QRcode **out, const lpg_label_item_t *item, char *why, size_t whysz)
{
    *out = NULL;
    if (!item->text || !*item->text) {
        lpg_why(why, whysz, "empty code text");
        return LPG_EINVAL;
    }
    size_t len = strlen(item->text);
    if (len > LPG_LABEL_MAX_TEXT) {
        lpg_why(why, whysz,
                "code text of %zu bytes is over the %d a QR "
                "code holds at level H",
                len, LPG_LABEL_MAX_TEXT);
        return LPG_ETOOBIG;
    }
    if ((item->short_id && !s_line_ok(item->short_id)) ||
        (item->serial && !s_line_ok(item->serial))) {
        lpg_why(why, whysz,
                "short id or serial is not printable ASCII of at "
                "most %d characters",
                S_MAX_LINE);
        return LPG_EINVAL;
    }
    errno = 0;
    QRcode *qr =
        QRcode_encodeString(item->text, 0, QR_ECLEVEL_H, QR_MODE_8, 1);
    if (qr && qr->version > S_BYTE_MODE_VERSION) {
        /* The mixed-mode split is a heuristic and, very rarely, needs one
         * version more than plain bytes would: keep the smaller symbol. */
        QRcode *bytes = QRcode_encodeString8bit(item->text, 0, QR_ECLEVEL_H);
        if (bytes && bytes->version < qr->version) {
            QRcode_free(qr);
            qr = bytes;
        } else {
            QRcode_free(bytes);
        }
    }
    if (!qr) {
        if (errno == ERANGE) {
            lpg_why(why, whysz,
                    "code text of %zu bytes does not fit a QR "
                    "code at level H",
                    len);
            return LPG_ETOOBIG;
        }
        if (errno == ENOMEM) {
            lpg_why(why, whysz, "out of memory encoding the QR code");
            return LPG_ENOMEM;
        }
        lpg_why(why, whysz, "QR encoding failed: %s", strerror(errno));
        return LPG_ELABEL;
    }
    *out = qr;
    return LPG_OK;
}

static void
s_geometry(lpg_label_geom_t *g, const QRcode *qr, const s_opts_t *o,
           int nlines)
{
    g->version = qr->version;
    g->modules = qr->width + 2 * S_QUIET;
    g->dots_per_module = o->dpm;
    g->width_dots = g->modules * o->dpm;
    g->height_dots = g->width_dots;
    if (nlines > 0)
        g->height_dots +=
            nlines * s_dots(o, S_TEXT_PITCH_MM) + s_dots(o, S_TEXT_PAD_MM);
    g->module_mm = o->dpm * S_MM_PER_INCH / o->dpi;
}

int
lpg_label_geometry(lpg_label_geom_t *out, const lpg_label_item_t *item,
                   const lpg_label_opts_t *opts)
{
    assert(out && item);
    memset(out, 0, sizeof *out);
    s_opts_t o;
    int rc = s_resolve(&o, opts, NULL, 0);
    if (rc != LPG_OK)
        return rc;
    QRcode *qr = NULL;
    rc = s_encode(&qr, item, NULL, 0);
    if (rc != LPG_OK)
        return rc;
    s_geometry(out, qr, &o, s_line_count(item));
    QRcode_free(qr);
    return LPG_OK;
}

/* ---- fonts -------------------------------------------------------- */

/*  True if face has a glyph for every character of utf8. */
static bool
s_face_covers(cairo_font_face_t *face, const char *utf8)
{
    cairo_matrix_t m, ctm;
    cairo_matrix_init_scale(&m, 12, 12);
    cairo_matrix_init_identity(&ctm);
    cairo_font_options_t *fo = cairo_font_options_create();
    cairo_scaled_font_t *sf = cairo_scaled_font_create(face, &m, &ctm, fo);
    cairo_font_options_destroy(fo);
    bool ok = cairo_scaled_font_status(sf) == CAIRO_STATUS_SUCCESS;
    cairo_glyph_t *glyphs = NULL;
    int n = 0;
    if (ok)
        ok = cairo_scaled_font_text_to_glyphs(sf, 0, 0, utf8, -1, &glyphs, &n,
                                              NULL, NULL,
                                              NULL) == CAIRO_STATUS_SUCCESS;
    for (int i = 0; ok && i < n; i++)
        if (glyphs[i].index == 0)
            ok = false;
    cairo_glyph_free(glyphs);
    cairo_scaled_font_destroy(sf);
    return ok && n > 0;
}

static void
s_fonts_fini(s_fonts_t *f)
{
    if (f->id_face)
        cairo_font_face_destroy(f->id_face);
    if (f->stamp_face)
        cairo_font_face_destroy(f->stamp_face);
    memset(f, 0, sizeof *f);
}

static int
s_fonts_init(s_fonts_t *f, char *why, size_t whysz)
{
    memset(f, 0, sizeof *f);
    f->id_face = cairo_toy_font_face_create(
        "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
    cairo_status_t st = cairo_font_face_status(f->id_face);
    if (st != CAIRO_STATUS_SUCCESS) {
        s_fonts_fini(f);
        return s_cairo_err(st, "font", why, whysz);
    }
    size_t nfam = sizeof s_cjk_families / sizeof s_cjk_families[0];
    for (size_t i = 0; i < nfam; i++) {
        cairo_font_face_t *face = cairo_toy_font_face_create(
            s_cjk_families[i], CAIRO_FONT_SLANT_NORMAL,
            CAIRO_FONT_WEIGHT_NORMAL);
        if (cairo_font_face_status(face) == CAIRO_STATUS_SUCCESS &&
            s_face_covers(face, S_STAMP_CJK)) {
            f->stamp_face = face;
            f->stamp_word = S_STAMP_CJK;
            return LPG_OK;
        }
        cairo_font_face_destroy(face);
    }
    f->stamp_face = cairo_toy_font_face_create(
        "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    f->stamp_word = S_STAMP_ASCII;
    st = cairo_font_face_status(f->stamp_face);
    if (st != CAIRO_STATUS_SUCCESS) {
        s_fonts_fini(f);
        return s_cairo_err(st, "font", why, whysz);
    }
    return LPG_OK;
}

/* ---- drawing ------------------------------------------------------ */

/*  Draws one text line centred in [0, width), its box starting at top. */
static void
s_draw_line(cairo_t *cr, cairo_font_face_t *face, const char *text, double em,
            double width, double top, double pitch)
{
    cairo_set_font_face(cr, face);
    cairo_set_font_size(cr, em);
    cairo_text_extents_t te;
    cairo_text_extents(cr, text, &te);
    double avail = width * 0.92;
    if (te.x_advance > avail && te.x_advance > 0) {
        em *= avail / te.x_advance;
        cairo_set_font_size(cr, em);
        cairo_text_extents(cr, text, &te);
    }
    cairo_font_extents_t fe;
    cairo_font_extents(cr, &fe);
    double base = top + (pitch - (fe.ascent + fe.descent)) / 2 + fe.ascent;
    cairo_move_to(cr, (width - te.x_advance) / 2, base);
    cairo_show_text(cr, text);
}

/*  Draws one label with its top-left corner at the origin, in dots. */
static void
s_draw_label(cairo_t *cr, const QRcode *qr, const lpg_label_geom_t *g,
             const lpg_label_item_t *item, const s_fonts_t *fonts,
             const s_opts_t *o)
{
    int dpm = g->dots_per_module;
    cairo_save(cr);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_rectangle(cr, 0, 0, g->width_dots, g->height_dots);
    cairo_fill(cr);

    /* The symbol: one rectangle per horizontal run of dark modules, all
     * on whole dots, filled at once without antialiasing. */
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_antialias(cr, CAIRO_ANTIALIAS_NONE);
    for (int y = 0; y < qr->width; y++) {
        const unsigned char *row = qr->data + (size_t)y * qr->width;
        int x = 0;
        while (x < qr->width) {
            if (!(row[x] & 1)) {
                x++;
                continue;
            }
            int start = x;
            while (x < qr->width && (row[x] & 1))
                x++;
            cairo_rectangle(cr, (double)(S_QUIET + start) * dpm,
                            (double)(S_QUIET + y) * dpm,
                            (double)(x - start) * dpm, dpm);
        }
    }
    cairo_fill(cr);
    cairo_restore(cr);

    cairo_save(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    double em = s_dots(o, S_TEXT_EM_MM);
    double pitch = s_dots(o, S_TEXT_PITCH_MM);
    double top = g->width_dots;
    if (item->short_id && *item->short_id) {
        s_draw_line(cr, fonts->id_face, item->short_id, em, g->width_dots, top,
                    pitch);
        top += pitch;
    }
    if (item->serial && *item->serial) {
        char line[S_MAX_LINE + 16];
        snprintf(line, sizeof line, "%s %s", fonts->stamp_word, item->serial);
        s_draw_line(cr, fonts->stamp_face, line, em, g->width_dots, top,
                    pitch);
    }
    cairo_restore(cr);
}

/* ---- output ------------------------------------------------------- */

static cairo_status_t
s_sink_write(void *closure, const unsigned char *data, unsigned int len)
{
    s_sink_t *s = closure;
    if (s->err)
        return CAIRO_STATUS_WRITE_ERROR;
    if (s->f) {
        if (fwrite(data, 1, len, s->f) != len) {
            s->err = errno ? errno : EIO;
            return CAIRO_STATUS_WRITE_ERROR;
        }
        return CAIRO_STATUS_SUCCESS;
    }
    if (s->len + len > s->cap) {
        size_t cap = s->cap ? s->cap : 4096;
        while (cap < s->len + len)
            cap *= 2;
        unsigned char *p = realloc(s->buf, cap);
        if (!p) {
            s->err = ENOMEM;
            return CAIRO_STATUS_WRITE_ERROR;
        }
        s->buf = p;
        s->cap = cap;
    }
    memcpy(s->buf + s->len, data, len);
    s->len += len;
    return CAIRO_STATUS_SUCCESS;
}

/*  Opens a fresh file beside path; *tmp receives its name. */
static int
s_open_tmp(s_sink_t *sink, const char *path, char *tmp, size_t tmpsz,
           char *why, size_t whysz)
{
    int n = snprintf(tmp, tmpsz, "%s.XXXXXX", path);
    if (n < 0 || (size_t)n >= tmpsz) {
        lpg_why(why, whysz, "%s: path too long", path);
        return LPG_EINVAL;
    }
    int fd = mkstemp(tmp);
    if (fd < 0) {
        lpg_why(why, whysz, "%s: %s", path, strerror(errno));
        tmp[0] = '\0';
        return LPG_EIO;
    }
    /* Labels are not secret: the usual mode of a new document. */
    if (fchmod(fd, 0644) != 0 || !(sink->f = fdopen(fd, "wb"))) {
        lpg_why(why, whysz, "%s: %s", tmp, strerror(errno));
        close(fd);
        return LPG_EIO;
    }
    return LPG_OK;
}

/*  Flushes and closes the sink's file, then renames tmp to path. */
static int
s_commit(s_sink_t *sink, const char *tmp, const char *path, char *why,
         size_t whysz)
{
    FILE *f = sink->f;
    sink->f = NULL;
    int err = sink->err;
    if (fflush(f) != 0 && !err)
        err = errno;
    if (fsync(fileno(f)) != 0 && !err)
        err = errno;
    if (fclose(f) != 0 && !err)
        err = errno;
    if (!err && rename(tmp, path) != 0)
        err = errno;
    if (err) {
        lpg_why(why, whysz, "%s: %s", path, strerror(err));
        return LPG_EIO;
    }
    return LPG_OK;
}

static uint32_t
s_crc32(uint32_t crc, const unsigned char *p, size_t n)
{
    crc = ~crc;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

static void
s_put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/*  Writes the PNG in buf to f with a pHYs chunk (the printer's dots per
 *  metre) after IHDR, so the image prints at its true size. */
static int
s_write_png_phys(FILE *f, const unsigned char *buf, size_t len, int dpi)
{
    static const unsigned char sig[8] = {0x89, 'P',  'N',  'G',
                                         '\r', '\n', 0x1a, '\n'};
    const size_t ihdr_end = 8 + 4 + 4 + 13 + 4;
    if (len < ihdr_end || memcmp(buf, sig, 8) != 0 ||
        memcmp(buf + 12, "IHDR", 4) != 0)
        return LPG_EINTERNAL;
    unsigned char chunk[4 + 4 + 9 + 4];
    uint32_t ppm = (uint32_t)lround(dpi / 0.0254);
    s_put32(chunk, 9);
    memcpy(chunk + 4, "pHYs", 4);
    s_put32(chunk + 8, ppm);
    s_put32(chunk + 12, ppm);
    chunk[16] = 1; /* unit: metre */
    s_put32(chunk + 17, s_crc32(0, chunk + 4, 4 + 9));
    if (fwrite(buf, 1, ihdr_end, f) != ihdr_end ||
        fwrite(chunk, 1, sizeof chunk, f) != sizeof chunk ||
        fwrite(buf + ihdr_end, 1, len - ihdr_end, f) != len - ihdr_end)
        return LPG_EIO;
    return LPG_OK;
}

static void
s_progress(const s_opts_t *o, size_t done, size_t total)
{
    if (o->progress)
        o->progress(o->progress_arg, done, total);
}

/*  One label as a PNG (pixels are dots) or SVG (sized in mm). */
static int
s_write_single(s_format_t fmt, const lpg_label_item_t *item, const s_opts_t *o,
               const s_fonts_t *fonts, s_sink_t *sink, char *why, size_t whysz)
{
    QRcode *qr = NULL;
    cairo_surface_t *surf = NULL;
    cairo_t *cr = NULL;
    s_sink_t mem = {0};
    int rc = s_encode(&qr, item, why, whysz);
    if (rc != LPG_OK)
        goto cleanup;
    lpg_label_geom_t g;
    s_geometry(&g, qr, o, s_line_count(item));
    if (fmt == S_PNG) {
        if (g.width_dots > S_MAX_PIXELS || g.height_dots > S_MAX_PIXELS) {
            lpg_why(why, whysz,
                    "a %d x %d pixel image is too large; lower "
                    "the dpi or module size",
                    g.width_dots, g.height_dots);
            rc = LPG_ERANGE;
            goto cleanup;
        }
        surf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, g.width_dots,
                                          g.height_dots);
    } else {
        double scale = S_MM_PER_INCH / o->dpi;
        surf = cairo_svg_surface_create_for_stream(
            s_sink_write, sink, g.width_dots * scale, g.height_dots * scale);
        if (cairo_surface_status(surf) == CAIRO_STATUS_SUCCESS)
            cairo_svg_surface_set_document_unit(surf, CAIRO_SVG_UNIT_MM);
    }
    cairo_status_t st = cairo_surface_status(surf);
    if (st != CAIRO_STATUS_SUCCESS) {
        rc = s_cairo_err(st, "surface", why, whysz);
        goto cleanup;
    }
    cr = cairo_create(surf);
    if (fmt == S_SVG)
        cairo_scale(cr, S_MM_PER_INCH / o->dpi, S_MM_PER_INCH / o->dpi);
    s_draw_label(cr, qr, &g, item, fonts, o);
    st = cairo_status(cr);
    if (st != CAIRO_STATUS_SUCCESS) {
        rc = s_cairo_err(st, "drawing", why, whysz);
        goto cleanup;
    }
    cairo_destroy(cr);
    cr = NULL;
    if (fmt == S_PNG) {
        cairo_surface_flush(surf);
        st = cairo_surface_write_to_png_stream(surf, s_sink_write, &mem);
        if (st != CAIRO_STATUS_SUCCESS) {
            rc = mem.err == ENOMEM ? LPG_ENOMEM
                                   : s_cairo_err(st, "png", why, whysz);
            goto cleanup;
        }
        rc = s_write_png_phys(sink->f, mem.buf, mem.len, o->dpi);
        if (rc == LPG_EIO)
            sink->err = errno ? errno : EIO;
        if (rc != LPG_OK) {
            lpg_why(why, whysz, "png: %s", lpg_strerror(rc));
            goto cleanup;
        }
    } else {
        cairo_surface_finish(surf);
        st = cairo_surface_status(surf);
        if (st != CAIRO_STATUS_SUCCESS) {
            rc = s_cairo_err(st, "svg", why, whysz);
            goto cleanup;
        }
    }
    s_progress(o, 1, 1);
    rc = LPG_OK;
cleanup:
    if (cr)
        cairo_destroy(cr);
    if (surf)
        cairo_surface_destroy(surf);
    if (qr)
        QRcode_free(qr);
    free(mem.buf);
    return rc;
}

/*  The grid of label cells on a page: columns, rows, first cell corner. */
typedef struct {
    double page_w_mm, page_h_mm;
    int cols, rows;
    double x0_mm, y0_mm;
} s_sheet_t;

static int
s_sheet(s_sheet_t *s, const s_opts_t *o, char *why, size_t whysz)
{
    if (o->roll) {
        s->page_w_mm = o->cell_w_mm;
        s->page_h_mm = o->cell_h_mm;
        s->cols = s->rows = 1;
        s->x0_mm = s->y0_mm = 0;
        return LPG_OK;
    }
    s->page_w_mm = S_A4_W_MM;
    s->page_h_mm = S_A4_H_MM;
    s->cols = (int)((S_A4_W_MM - 2 * S_A4_MARGIN_MM) / o->cell_w_mm + 1e-9);
    s->rows = (int)((S_A4_H_MM - 2 * S_A4_MARGIN_MM) / o->cell_h_mm + 1e-9);
    if (s->cols < 1 || s->rows < 1) {
        lpg_why(why, whysz,
                "a %g x %g mm label does not fit an A4 page with "
                "%g mm margins",
                o->cell_w_mm, o->cell_h_mm, S_A4_MARGIN_MM);
        return LPG_ERANGE;
    }
    s->x0_mm = (S_A4_W_MM - s->cols * o->cell_w_mm) / 2;
    s->y0_mm = (S_A4_H_MM - s->rows * o->cell_h_mm) / 2;
    return LPG_OK;
}

/*  Draws item k into its cell on the current page. */
static int
s_pdf_label(cairo_t *cr, const lpg_label_item_t *item, size_t k,
            const s_sheet_t *sh, const s_opts_t *o, const s_fonts_t *fonts,
            char *why, size_t whysz)
{
    QRcode *qr = NULL;
    int rc = s_encode(&qr, item, why, whysz);
    if (rc != LPG_OK)
        return rc;
    lpg_label_geom_t g;
    s_geometry(&g, qr, o, s_line_count(item));
    double w_mm = g.width_dots * S_MM_PER_INCH / o->dpi;
    double h_mm = g.height_dots * S_MM_PER_INCH / o->dpi;
    if (w_mm > o->cell_w_mm + 1e-9 || h_mm > o->cell_h_mm + 1e-9) {
        lpg_why(why, whysz,
                "a %.1f x %.1f mm code does not fit a %g x %g mm "
                "label",
                w_mm, h_mm, o->cell_w_mm, o->cell_h_mm);
        QRcode_free(qr);
        return LPG_ERANGE;
    }
    int per_page = sh->cols * sh->rows;
    int cell = (int)(k % (size_t)per_page);
    double x_mm = sh->x0_mm + (cell % sh->cols) * o->cell_w_mm +
                  (o->cell_w_mm - w_mm) / 2;
    double y_mm = sh->y0_mm + (cell / sh->cols) * o->cell_h_mm +
                  (o->cell_h_mm - h_mm) / 2;
    /* Put the label's corner on the printer's dot grid. */
    double pt_per_dot = S_PT_PER_INCH / o->dpi;
    cairo_save(cr);
    cairo_translate(cr, s_dots(o, x_mm) * pt_per_dot,
                    s_dots(o, y_mm) * pt_per_dot);
    cairo_scale(cr, pt_per_dot, pt_per_dot);
    s_draw_label(cr, qr, &g, item, fonts, o);
    cairo_restore(cr);
    QRcode_free(qr);
    cairo_status_t st = cairo_status(cr);
    return st == CAIRO_STATUS_SUCCESS ? LPG_OK
                                      : s_cairo_err(st, "pdf", why, whysz);
}

/*  Many labels as a PDF: A4 sheets of a grid, or one page per label. */
static int
s_write_pdf(const lpg_label_item_t *items, size_t n, const s_opts_t *o,
            const s_fonts_t *fonts, s_sink_t *sink, char *why, size_t whysz)
{
    s_sheet_t sh;
    int rc = s_sheet(&sh, o, why, whysz);
    if (rc != LPG_OK)
        return rc;
    double pt_per_mm = S_PT_PER_INCH / S_MM_PER_INCH;
    cairo_surface_t *surf = cairo_pdf_surface_create_for_stream(
        s_sink_write, sink, sh.page_w_mm * pt_per_mm,
        sh.page_h_mm * pt_per_mm);
    cairo_status_t st = cairo_surface_status(surf);
    if (st != CAIRO_STATUS_SUCCESS) {
        rc = s_cairo_err(st, "pdf", why, whysz);
        cairo_surface_destroy(surf);
        return rc;
    }
    cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_TITLE,
                                   "Cylinder labels");
    cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_CREATOR,
                                   "lpgtrace");
    cairo_t *cr = cairo_create(surf);
    size_t per_page = (size_t)sh.cols * (size_t)sh.rows;
    rc = LPG_OK;
    for (size_t k = 0; k < n && rc == LPG_OK; k++) {
        if (k > 0 && k % per_page == 0)
            cairo_show_page(cr);
        rc = s_pdf_label(cr, &items[k], k, &sh, o, fonts, why, whysz);
        if (rc != LPG_OK && why && whysz) {
            char inner[256];
            snprintf(inner, sizeof inner, "%s", why);
            lpg_why(why, whysz, "label %zu: %s", k + 1, inner);
        }
        if (rc == LPG_OK)
            s_progress(o, k + 1, n);
    }
    if (rc == LPG_OK)
        cairo_show_page(cr);
    cairo_destroy(cr);
    cairo_surface_finish(surf);
    st = cairo_surface_status(surf);
    if (rc == LPG_OK && st != CAIRO_STATUS_SUCCESS)
        rc = s_cairo_err(st, "pdf", why, whysz);
    cairo_surface_destroy(surf);
    return rc;
}

static int
s_format(s_format_t *out, const char *path)
{
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    if (!dot || (slash && dot < slash))
        return LPG_EINVAL;
    if (strcasecmp(dot, ".png") == 0)
        *out = S_PNG;
    else if (strcasecmp(dot, ".svg") == 0)
        *out = S_SVG;
    else if (strcasecmp(dot, ".pdf") == 0)
        *out = S_PDF;
    else
        return LPG_EINVAL;
    return LPG_OK;
}

int
lpg_label_write(const lpg_label_item_t *items, size_t n,
                const lpg_label_opts_t *opts, const char *path, char *why,
                size_t whysz)
{
    assert(path);
    assert(items || n == 0);
    lpg_why(why, whysz, "%s", ""); /* nothing wrong yet */
    s_format_t fmt;
    if (s_format(&fmt, path) != LPG_OK) {
        lpg_why(why, whysz, "%s: unknown format (use .png, .svg or .pdf)",
                path);
        return LPG_EINVAL;
    }
    if (n == 0 || (fmt != S_PDF && n != 1)) {
        lpg_why(why, whysz,
                "%s: %zu labels: PNG and SVG hold exactly one, "
                "PDF one or more",
                path, n);
        return LPG_EINVAL;
    }
    s_opts_t o;
    int rc = s_resolve(&o, opts, why, whysz);
    if (rc != LPG_OK)
        return rc;
    s_fonts_t fonts;
    rc = s_fonts_init(&fonts, why, whysz);
    if (rc != LPG_OK)
        return rc;
    char tmp[4096] = "";
    s_sink_t sink = {0};
    rc = s_open_tmp(&sink, path, tmp, sizeof tmp, why, whysz);
    if (rc != LPG_OK)
        goto cleanup;
    if (fmt == S_PDF)
        rc = s_write_pdf(items, n, &o, &fonts, &sink, why, whysz);
    else
        rc = s_write_single(fmt, items, &o, &fonts, &sink, why, whysz);
    if (rc == LPG_OK)
        rc = s_commit(&sink, tmp, path, why, whysz);
cleanup:
    if (sink.f)
        fclose(sink.f);
    if (rc != LPG_OK && tmp[0])
        unlink(tmp);
    s_fonts_fini(&fonts);
    return rc;
}
