/*  image.c - see image.h. libpng and libjpeg report fatal errors by
 *  longjmp; each decoder runs in its own function whose resources live in a
 *  context owned by the caller, so the caller can free them whichever way
 *  the decoder left. PNG rows are converted one at a time (only interlaced
 *  PNGs are held whole), JPEGs are decoded straight to grayscale.
 */
#include "image.h"
#include "base/error.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <png.h>

#define S_JPEG_MEMORY (512L * 1024L * 1024L) /* libjpeg's working memory */
/*  Most scans a progressive JPEG may have. The standard sets no limit, and
 *  each scan can cost a pass over every block of the image for a few bytes
 *  of file (an end-of-band run), so a small file of thousands of scans
 *  takes minutes. libjpeg's own progressive scripts use at most 10 scans
 *  and optimising encoders not many more; libjpeg-turbo advises counting
 *  the scans from a progress monitor and stopping past a limit. */
#define S_JPEG_MAX_SCANS 100

static lpg_image_t *
s_image_new(int width, int height)
{
    lpg_image_t *img = calloc(1, sizeof *img);
    if (!img)
        return NULL;
    img->pixels = malloc((size_t)width * (size_t)height);
    if (!img->pixels) {
        free(img);
        return NULL;
    }
    img->width = width;
    img->height = height;
    return img;
}

void
lpg_image_destroy(lpg_image_t **p)
{
    if (!p || !*p)
        return;
    free((*p)->pixels);
    free(*p);
    *p = NULL;
}

static int
s_check_size(unsigned long width, unsigned long height, char *why,
             size_t whysz)
{
    if (width == 0 || height == 0) {
        lpg_why(why, whysz, "image has no pixels");
        return LPG_EIMAGE;
    }
    if (width > LPG_IMAGE_MAX_SIDE || height > LPG_IMAGE_MAX_SIDE ||
        (unsigned long long)width * height > LPG_IMAGE_MAX_PIXELS) {
        lpg_why(why, whysz, "image too large: %lux%lu pixels", width, height);
        return LPG_ETOOBIG;
    }
    return LPG_OK;
}

/*  Luminance of an RGBA pixel laid over white paper. */
static uint8_t
s_gray(const uint8_t *px)
{
    unsigned lum = (306u * px[0] + 601u * px[1] + 117u * px[2] + 512u) >> 10;
    unsigned a = px[3];
    return (uint8_t)((lum * a + 255u * (255u - a) + 127u) / 255u);
}

/* ---- PNG ---------------------------------------------------------------- */

typedef struct {
    FILE *f;
    png_structp png;
    png_infop info;
    uint8_t *rgba;   /* one row, or the whole image if interlaced */
    png_bytep *rows; /* row pointers into rgba, interlaced only */
    lpg_image_t *img;
    char msg[160];
} s_png_t;

static void
s_png_error(png_structp png, png_const_charp msg)
{
    s_png_t *c = png_get_error_ptr(png);
    snprintf(c->msg, sizeof c->msg, "%s", msg);
    png_longjmp(png, 1);
}

static void
s_png_warning(png_structp png, png_const_charp msg)
{
    /* ancillary-chunk complaints (colour profiles...) do not matter here */
}

/*  Runs under setjmp: touches no local variable after a longjmp. */
static int
s_png_decode(s_png_t *c, char *why, size_t whysz)
{
    if (setjmp(png_jmpbuf(c->png))) {
        lpg_why(why, whysz, "corrupt PNG: %s", c->msg);
        return LPG_EIMAGE;
    }
    png_init_io(c->png, c->f);
    png_read_info(c->png, c->info);

    png_uint_32 w = png_get_image_width(c->png, c->info);
    png_uint_32 h = png_get_image_height(c->png, c->info);
    int rc = s_check_size(w, h, why, whysz);
    if (rc != LPG_OK)
        return rc;
    int type = png_get_color_type(c->png, c->info);
    int depth = png_get_bit_depth(c->png, c->info);
    bool interlaced =
        png_get_interlace_type(c->png, c->info) != PNG_INTERLACE_NONE;

    /* everything becomes 8-bit RGBA */
    if (type == PNG_COLOR_TYPE_PALETTE)
        png_set_palette_to_rgb(c->png);
    if (type == PNG_COLOR_TYPE_GRAY && depth < 8)
        png_set_expand_gray_1_2_4_to_8(c->png);
    bool alpha = (type & PNG_COLOR_MASK_ALPHA) != 0;
    if (png_get_valid(c->png, c->info, PNG_INFO_tRNS)) {
        png_set_tRNS_to_alpha(c->png);
        alpha = true;
    }
    if (depth == 16)
        png_set_strip_16(c->png);
    if (type == PNG_COLOR_TYPE_GRAY || type == PNG_COLOR_TYPE_GRAY_ALPHA)
        png_set_gray_to_rgb(c->png);
    if (!alpha)
        png_set_filler(c->png, 0xff, PNG_FILLER_AFTER);
    if (interlaced)
        png_set_interlace_handling(c->png);
    png_read_update_info(c->png, c->info);
    if (png_get_rowbytes(c->png, c->info) != (size_t)w * 4) {
        lpg_why(why, whysz, "PNG pixel layout not understood");
        return LPG_EIMAGE;
    }

    c->img = s_image_new((int)w, (int)h);
    c->rgba = malloc((size_t)w * 4 * (interlaced ? h : 1));
    if (!c->img || !c->rgba)
        return LPG_ENOMEM;
    if (interlaced) {
        c->rows = malloc(sizeof *c->rows * h);
        if (!c->rows)
            return LPG_ENOMEM;
        for (png_uint_32 y = 0; y < h; y++)
            c->rows[y] = c->rgba + (size_t)y * w * 4;
        png_read_image(c->png, c->rows);
        for (size_t i = 0; i < (size_t)w * h; i++)
            c->img->pixels[i] = s_gray(c->rgba + i * 4);
    } else {
        for (png_uint_32 y = 0; y < h; y++) {
            png_read_row(c->png, c->rgba, NULL);
            uint8_t *out = c->img->pixels + (size_t)y * w;
            for (png_uint_32 x = 0; x < w; x++)
                out[x] = s_gray(c->rgba + (size_t)x * 4);
        }
    }
    return LPG_OK;
}

static int
s_png_load(lpg_image_t **out, FILE *f, char *why, size_t whysz)
{
    s_png_t c = {.f = f};
    int rc = LPG_ENOMEM;
    c.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &c, s_png_error,
                                   s_png_warning);
    if (!c.png)
        goto cleanup;
    c.info = png_create_info_struct(c.png);
    if (!c.info)
        goto cleanup;
    rc = s_png_decode(&c, why, whysz);
    if (rc == LPG_OK) {
        *out = c.img;
        c.img = NULL;
    }
cleanup:
    if (rc == LPG_ENOMEM)
        lpg_why(why, whysz, "out of memory");
    if (c.png)
        png_destroy_read_struct(&c.png, c.info ? &c.info : NULL, NULL);
    free(c.rows);
    free(c.rgba);
    lpg_image_destroy(&c.img);
    return rc;
}

/* ---- JPEG --------------------------------------------------------------- */

typedef struct {
    struct jpeg_error_mgr mgr; /* first: libjpeg sees only this part */
    jmp_buf jmp;
    char msg[JMSG_LENGTH_MAX];
    char warning[JMSG_LENGTH_MAX];
    bool too_many_scans; /* the jump came from s_jpeg_progress */
} s_jpeg_err_t;

typedef struct {
    FILE *f;
    struct jpeg_decompress_struct cinfo;
    s_jpeg_err_t err;
    struct jpeg_progress_mgr progress;
    lpg_image_t *img;
} s_jpeg_t;

_Static_assert(sizeof((lpg_image_t *)0)->warning >= JMSG_LENGTH_MAX,
               "lpg_image_t.warning holds a libjpeg message");

static void
s_jpeg_error_exit(j_common_ptr cinfo)
{
    s_jpeg_err_t *err = (s_jpeg_err_t *)cinfo->err;
    err->mgr.format_message(cinfo, err->msg);
    longjmp(err->jmp, 1);
}

/*  Warnings (corrupt data libjpeg recovers from): keep the first, print
 *  nothing. */
static void
s_jpeg_output_message(j_common_ptr cinfo)
{
    s_jpeg_err_t *err = (s_jpeg_err_t *)cinfo->err;
    if (!err->warning[0])
        err->mgr.format_message(cinfo, err->warning);
}

/*  Called by libjpeg while it reads the file (for each row of blocks of
 *  each scan): stops a progressive image past S_JPEG_MAX_SCANS scans. */
static void
s_jpeg_progress(j_common_ptr cinfo)
{
    j_decompress_ptr d = (j_decompress_ptr)cinfo;
    if (!cinfo->is_decompressor || d->input_scan_number <= S_JPEG_MAX_SCANS)
        return;
    s_jpeg_err_t *err = (s_jpeg_err_t *)cinfo->err;
    err->too_many_scans = true;
    longjmp(err->jmp, 1);
}

/*  Runs under setjmp: touches no local variable after a longjmp. */
static int
s_jpeg_decode(s_jpeg_t *c, char *why, size_t whysz)
{
    if (setjmp(c->err.jmp)) {
        if (c->err.too_many_scans) {
            lpg_why(why, whysz,
                    "progressive JPEG of more than %d scans refused",
                    S_JPEG_MAX_SCANS);
            return LPG_ETOOBIG;
        }
        lpg_why(why, whysz, "corrupt JPEG: %s", c->err.msg);
        return LPG_EIMAGE;
    }
    jpeg_create_decompress(&c->cinfo);
    c->cinfo.mem->max_memory_to_use = S_JPEG_MEMORY;
    c->progress.progress_monitor = s_jpeg_progress;
    c->cinfo.progress = &c->progress;
    jpeg_stdio_src(&c->cinfo, c->f);
    jpeg_read_header(&c->cinfo, TRUE);
    int rc =
        s_check_size(c->cinfo.image_width, c->cinfo.image_height, why, whysz);
    if (rc != LPG_OK)
        return rc;
    if (c->cinfo.jpeg_color_space == JCS_CMYK ||
        c->cinfo.jpeg_color_space == JCS_YCCK) {
        lpg_why(why, whysz, "CMYK JPEG images are not supported");
        return LPG_EIMAGE;
    }
    c->cinfo.out_color_space = JCS_GRAYSCALE;
    jpeg_start_decompress(&c->cinfo);
    if (c->cinfo.output_components != 1) {
        lpg_why(why, whysz, "JPEG did not decode to grayscale");
        return LPG_EIMAGE;
    }
    int w = (int)c->cinfo.output_width;
    int h = (int)c->cinfo.output_height;
    c->img = s_image_new(w, h);
    if (!c->img) {
        lpg_why(why, whysz, "out of memory");
        return LPG_ENOMEM;
    }
    while (c->cinfo.output_scanline < c->cinfo.output_height) {
        JSAMPROW row =
            c->img->pixels + (size_t)c->cinfo.output_scanline * (size_t)w;
        if (jpeg_read_scanlines(&c->cinfo, &row, 1) != 1) {
            lpg_why(why, whysz, "corrupt JPEG: no more scanlines");
            return LPG_EIMAGE;
        }
    }
    jpeg_finish_decompress(&c->cinfo);
    memcpy(c->img->warning, c->err.warning, sizeof c->err.warning);
    return LPG_OK;
}

static int
s_jpeg_load(lpg_image_t **out, FILE *f, char *why, size_t whysz)
{
    s_jpeg_t *c = calloc(1, sizeof *c);
    if (!c) {
        lpg_why(why, whysz, "out of memory");
        return LPG_ENOMEM;
    }
    c->f = f;
    c->cinfo.err = jpeg_std_error(&c->err.mgr);
    c->err.mgr.error_exit = s_jpeg_error_exit;
    c->err.mgr.output_message = s_jpeg_output_message;
    int rc = s_jpeg_decode(c, why, whysz);
    if (rc == LPG_OK) {
        *out = c->img;
        c->img = NULL;
    }
    jpeg_destroy_decompress(&c->cinfo); /* safe on a zeroed struct */
    lpg_image_destroy(&c->img);
    free(c);
    return rc;
}

/* ---- dispatch ----------------------------------------------------------- */

int
lpg_image_load(lpg_image_t **out, const char *path, char *why, size_t whysz)
{
    *out = NULL;
    lpg_why(why, whysz, "%s", ""); /* nothing wrong yet */
    FILE *f = fopen(path, "rb");
    if (!f) {
        int e = errno;
        lpg_why(why, whysz, "%s", strerror(e));
        return e == ENOENT ? LPG_ENOTFOUND : LPG_EIO;
    }
    uint8_t magic[8];
    size_t n = fread(magic, 1, sizeof magic, f);
    int rc;
    if (ferror(f)) {
        lpg_why(why, whysz, "%s", strerror(errno));
        rc = LPG_EIO;
    } else if (n == 0) {
        lpg_why(why, whysz, "empty file");
        rc = LPG_EIMAGE;
    } else if (fseek(f, 0, SEEK_SET) != 0) {
        lpg_why(why, whysz, "cannot rewind: %s", strerror(errno));
        rc = LPG_EIO;
    } else if (n == sizeof magic && png_sig_cmp(magic, 0, n) == 0) {
        rc = s_png_load(out, f, why, whysz);
    } else if (n >= 3 && magic[0] == 0xFF && magic[1] == 0xD8 &&
               magic[2] == 0xFF) {
        rc = s_jpeg_load(out, f, why, whysz);
    } else {
        lpg_why(why, whysz, "not a PNG or JPEG image");
        rc = LPG_EIMAGE;
    }
    fclose(f);
    return rc;
}
