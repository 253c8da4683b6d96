/*  qrpng.c - test tool: writes a QR code of a text as a grayscale PNG.
 *
 *    qrpng [-s SCALE] [-m MARGIN] [-l L|M|Q|H] [-i] OUT.png TEXT
 *
 *  SCALE pixels per module (default 4), MARGIN modules of quiet zone
 *  (default 4), error-correction level (default H), -i for light modules
 *  on a dark ground. The text is encoded in byte mode, exactly as given.
 */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>
#include <qrencode.h>

static int
s_usage(void)
{
    fprintf(stderr,
            "usage: qrpng [-s SCALE] [-m MARGIN] [-l L|M|Q|H] [-i] OUT.png "
            "TEXT\n");
    return 2;
}

static int
s_number(const char *s, int lo, int hi, int *out)
{
    char *end = NULL;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < lo || v > hi)
        return -1;
    *out = (int)v;
    return 0;
}

static int
s_write(const char *path, const QRcode *qr, int scale, int margin, int invert)
{
    int side = (qr->width + 2 * margin) * scale;
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        return 1;
    }
    png_structp png =
        png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    unsigned char *row = malloc((size_t)side);
    int rc = 1;
    if (!png || !info || !row)
        goto cleanup;
    if (setjmp(png_jmpbuf(png)))
        goto cleanup;
    png_init_io(png, f);
    png_set_IHDR(png, info, (png_uint_32)side, (png_uint_32)side, 8,
                 PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    unsigned char dark = invert ? 255 : 0;
    unsigned char light = invert ? 0 : 255;
    for (int y = 0; y < side; y++) {
        int my = y / scale - margin;
        for (int x = 0; x < side; x++) {
            int mx = x / scale - margin;
            int on = mx >= 0 && my >= 0 && mx < qr->width && my < qr->width &&
                     (qr->data[my * qr->width + mx] & 1);
            row[x] = on ? dark : light;
        }
        png_write_row(png, row);
    }
    png_write_end(png, NULL);
    rc = 0;
cleanup:
    if (rc)
        fprintf(stderr, "qrpng: cannot write %s\n", path);
    png_destroy_write_struct(&png, &info);
    free(row);
    if (fclose(f) != 0)
        rc = 1;
    return rc;
}

int
main(int argc, char **argv)
{
    int scale = 4, margin = 4, invert = 0;
    QRecLevel level = QR_ECLEVEL_H;
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        const char *o = argv[i];
        if (strcmp(o, "-i") == 0) {
            invert = 1;
        } else if (strcmp(o, "-s") == 0 && i + 1 < argc) {
            if (s_number(argv[++i], 1, 100, &scale) != 0)
                return s_usage();
        } else if (strcmp(o, "-m") == 0 && i + 1 < argc) {
            if (s_number(argv[++i], 0, 100, &margin) != 0)
                return s_usage();
        } else if (strcmp(o, "-l") == 0 && i + 1 < argc) {
            const char *l = argv[++i];
            if (strcmp(l, "L") == 0)
                level = QR_ECLEVEL_L;
            else if (strcmp(l, "M") == 0)
                level = QR_ECLEVEL_M;
            else if (strcmp(l, "Q") == 0)
                level = QR_ECLEVEL_Q;
            else if (strcmp(l, "H") == 0)
                level = QR_ECLEVEL_H;
            else
                return s_usage();
        } else {
            return s_usage();
        }
    }
    if (argc - i != 2)
        return s_usage();
    const char *out = argv[i];
    const char *text = argv[i + 1];
    QRcode *qr = QRcode_encodeData((int)strlen(text),
                                   (const unsigned char *)text, 0, level);
    if (!qr) {
        perror("qrpng: encode");
        return 1;
    }
    int rc = s_write(out, qr, scale, margin, invert);
    QRcode_free(qr);
    return rc;
}
