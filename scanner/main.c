/*  main.c - lpg-scan: reads QR codes from photos (PNG, JPEG), from the
 *  command line or line by line from a keyboard-wedge scanner on stdin,
 *  and says of each whether it is a cylinder code the authority signed.
 *  Any QR code is decoded; only codes of our resolver get a verdict other
 *  than "not ours". Output for a person, or --json for machines.
 */
#include "codes/code.h"
#include "base/config.h"
#include "crypto/crypto.h"
#include "base/error.h"
#include "decode.h"
#include "address.h"
#include "delivery.h"
#include "fill.h"
#include "image.h"
#include "inspection.h"
#include "queue.h"
#include "zxing_c.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>

#define S_EXIT_OK 0         /* found / verified */
#define S_EXIT_NONE 1       /* nothing found / not verified */
#define S_EXIT_ERROR 2      /* unreadable input, usage, configuration */
#define S_EXIT_TIME 3       /* no code found in an image within the budget */
#define S_MAX_SYMBOLS 16    /* codes looked for in one image */
#define S_LINE_MAX 1024     /* longest stdin line kept (codes are ~140) */
#define S_REPEAT_MAX 100000 /* --repeat: most decodings of one image */

typedef enum {
    S_UNCHECKED, /* no authority key: nothing to check against */
    S_VERIFIED,
    S_FORGED,
    S_NOT_OURS,
    S_CAPS_LOCK,
} s_kind_t;

typedef struct {
    s_kind_t kind;
    int err;         /* the lpg_code_verify result */
    lpg_code_t code; /* filled when verified or Caps Lock */
    char short_id[LPG_CODE_SHORT_ID_MAX + 1];
} s_verdict_t;

typedef struct {
    bool json;
    const char *resolver; /* code.resolver of the home */
    lpg_key_t *authority; /* NULL: no verdicts */
    char key_path[PATH_MAX];
    lpg_scan_reader_t *reader; /* the decoding passes */
    long budget_ms;            /* --decode-budget-ms, 0: the home's */
    long repeat;               /* --repeat: decodings of each image, timed */
    bool json_failed;          /* a JSON value could not be built */
} s_scan_t;

static void
s_usage(FILE *f)
{
    fprintf(f,
            "usage: lpg-scan [--home DIR] decode [--json] [--repeat N] "
            "[--decode-budget-ms MS] IMAGE...\n"
            "       lpg-scan [--home DIR] decode [--json] --code TEXT...\n"
            "       lpg-scan [--home DIR] decode [--json] [-]\n"
            "       lpg-scan [--home DIR] fill-check (--image F | --code T "
            "| -) --tare-g G [--check ITEM=ok|fail ...] [--json]\n"
            "       lpg-scan [--home DIR] fill-done --allow ID --full-g G "
            "--leak ok|fail [--json]\n"
            "       lpg-scan [--home DIR] override --check ID --supervisor "
            "STAFF --reason TEXT --token T...\n"
            "       lpg-scan [--home DIR] inspect --user ID --check "
            "ITEM=ok|fail... [--photo FILE...] --ack yes|no\n"
            "       lpg-scan [--home DIR] rectify --hazard ID [--json]\n"
            "       lpg-scan [--home DIR] periodic --code T --pass yes|no "
            "[--next DATE]\n"
            "       lpg-scan [--home DIR] dispatch|deliver|collect|return "
            "--code T ... (the driver's handheld)\n"
            "       lpg-scan [--home DIR] address --order ID [--keep FILE] "
            "[--json] (the address of an order assigned to the driver; "
            "recorded; --again FILE retries a kept look)\n"
            "       lpg-scan [--home DIR] sync [--json] (sends the steps "
            "the handheld queued offline)\n"
            "\n"
            "Decodes every QR code in each PNG or JPEG image, or checks the\n"
            "code given with --code, or one code per line on stdin (as a\n"
            "keyboard-wedge scanner types them). With the authority public\n"
            "key of the home (authority.public), says of each code:\n"
            "verified, forged, not ours, or Caps Lock?\n"
            "\n"
            "--decode-budget-ms MS: the wall-clock time spent looking for\n"
            "codes in one image (default: scan.decode_budget_ms of the\n"
            "home, 1000); past it the image gets \"no code found in time\".\n"
            "--repeat N decodes each image N times and prints the\n"
            "decoding times on stderr (the file read not counted):\n"
            "  FILE: decode_ms runs=N median=.. p99=.. min=.. max=..\n"
            "\n"
            "Exit status: 0 a code found (--code, stdin: all verified),\n"
            "1 none found (not all verified), 2 error, 3 no code found in\n"
            "time in some image (and no error).\n"
            "The home defaults to $LPGTRACE_HOME, else ./var.\n");
}

/* ---- verdicts ----------------------------------------------------------- */

/*  True if the text starts with https://<resolver>/, in any letter case
 *  (host names are case-blind, and Caps Lock turns the whole text). */
static bool
s_is_ours(const s_scan_t *self, const uint8_t *text, size_t len)
{
    static const char scheme[] = "https://";
    size_t ls = sizeof scheme - 1;
    size_t lr = strlen(self->resolver);
    if (len < ls + lr + 1)
        return false;
    for (size_t i = 0; i < ls; i++)
        if (tolower(text[i]) != scheme[i])
            return false;
    for (size_t i = 0; i < lr; i++)
        if (tolower(text[ls + i]) != tolower((unsigned char)self->resolver[i]))
            return false;
    return text[ls + lr] == '/';
}

/*  Judges the code's bytes. LPG_OK with *out filled, or an error that is
 *  no verdict (out of memory, a bug). */
static int
s_judge(s_verdict_t *out, const s_scan_t *self, const uint8_t *text,
        size_t len)
{
    memset(out, 0, sizeof *out);
    if (!self->authority) {
        out->kind = S_UNCHECKED;
        return LPG_OK;
    }
    if (!s_is_ours(self, text, len)) {
        out->kind = S_NOT_OURS;
        return LPG_OK;
    }
    int rc = lpg_code_verify((const char *)text, len, self->resolver,
                             self->authority, &out->code);
    out->err = rc;
    switch (rc) {
    case LPG_OK:
        out->kind = S_VERIFIED;
        lpg_code_short_id(&out->code, out->short_id);
        return LPG_OK;
    case LPG_ECODE_CASE:
        out->kind = S_CAPS_LOCK;
        lpg_code_short_id(&out->code, out->short_id);
        return LPG_OK;
    case LPG_ECODE_NOTURL:
    case LPG_ECODE_HOST:
        out->kind = S_NOT_OURS;
        return LPG_OK;
    case LPG_ENOMEM:
    case LPG_ECRYPTO:
    case LPG_EINTERNAL:
        return rc; /* our failure, not the code's */
    default:
        out->kind = S_FORGED; /* our resolver, but not a valid code */
        return LPG_OK;
    }
}

static const char *
s_kind_token(s_kind_t kind)
{
    switch (kind) {
    case S_UNCHECKED:
        return "unchecked";
    case S_VERIFIED:
        return "verified";
    case S_FORGED:
        return "forged";
    case S_NOT_OURS:
        return "not_ours";
    case S_CAPS_LOCK:
        return "caps_lock";
    }
    return "unchecked";
}

static void
s_print_verdict(const s_scan_t *self, const s_verdict_t *v)
{
    switch (v->kind) {
    case S_UNCHECKED:
        printf("  not checked: no authority public key (%s)\n",
               self->key_path);
        break;
    case S_VERIFIED:
        printf("  verified: serial %s, short id %s, revision %u\n",
               v->code.serial, v->short_id, (unsigned)v->code.revision);
        break;
    case S_FORGED:
        printf("  forged: %s: %s%s%s\n", lpg_errtoken(v->err),
               lpg_strerror(v->err), v->code.why[0] ? ": " : "", v->code.why);
        break;
    case S_NOT_OURS:
        printf("  not ours: not a cylinder code of %s\n", self->resolver);
        break;
    case S_CAPS_LOCK:
        printf("  Caps Lock? verifies only with letter case swapped: "
               "serial %s, short id %s\n",
               v->code.serial, v->short_id);
        break;
    }
}

/* ---- text and JSON helpers ---------------------------------------------- */

static void
s_set(s_scan_t *self, json_t *obj, const char *key, json_t *value)
{
    if (json_object_set_new(obj, key, value) != 0)
        self->json_failed = true;
}

/*  Length of the valid UTF-8 sequence at s (at most n bytes), 0 if none. */
static size_t
s_utf8_len(const uint8_t *s, size_t n)
{
    size_t len;
    uint32_t min;
    uint32_t cp;
    if (s[0] < 0x80)
        return 1;
    if ((s[0] & 0xE0) == 0xC0) {
        len = 2, min = 0x80, cp = s[0] & 0x1F;
    } else if ((s[0] & 0xF0) == 0xE0) {
        len = 3, min = 0x800, cp = s[0] & 0x0F;
    } else if ((s[0] & 0xF8) == 0xF0) {
        len = 4, min = 0x10000, cp = s[0] & 0x07;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

/*  The text made safe for a terminal: control characters and bytes that
 *  are not UTF-8 become \xHH. Caller frees; NULL when out of memory. */
static char *
s_printable(const uint8_t *text, size_t len)
{
    char *out = malloc(len * 4 + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        size_t n = s_utf8_len(text + i, len - i);
        if (n == 0 || (n == 1 && (text[i] < 0x20 || text[i] == 0x7F))) {
            snprintf(out + o, 5, "\\x%02X", text[i]);
            o += 4;
            i++;
        } else {
            memcpy(out + o, text + i, n);
            o += n;
            i += n;
        }
    }
    out[o] = '\0';
    return out;
}

/*  "text" as given if it is UTF-8, else its printable form plus
 *  "bytes_hex". */
static void
s_set_text(s_scan_t *self, json_t *obj, const uint8_t *text, size_t len)
{
    json_t *s = json_stringn((const char *)text, len);
    if (s) {
        s_set(self, obj, "text", s);
        return;
    }
    char *p = s_printable(text, len);
    char *hex = malloc(len * 2 + 1);
    if (p && hex) {
        lpg_hex(text, len, hex);
        s_set(self, obj, "text", json_string(p));
        s_set(self, obj, "bytes_hex", json_string(hex));
    } else {
        self->json_failed = true;
    }
    free(p);
    free(hex);
}

static void
s_set_verdict(s_scan_t *self, json_t *obj, const s_verdict_t *v)
{
    s_set(self, obj, "verdict", json_string(s_kind_token(v->kind)));
    if (v->kind == S_VERIFIED || v->kind == S_CAPS_LOCK) {
        s_set(self, obj, "serial", json_string(v->code.serial));
        s_set(self, obj, "short_id", json_string(v->short_id));
        s_set(self, obj, "grai", json_string(v->code.grai));
        s_set(self, obj, "revision", json_integer(v->code.revision));
    }
    if (v->kind == S_FORGED || v->kind == S_CAPS_LOCK) {
        s_set(self, obj, "reason", json_string(lpg_errtoken(v->err)));
        s_set(self, obj, "message", json_string(lpg_strerror(v->err)));
        if (v->code.why[0])
            s_set(self, obj, "detail", json_string(v->code.why));
    }
}

static json_t *
s_point(int x, int y)
{
    return json_pack("[ii]", x, y);
}

static const char *
s_format_name(ZXing_BarcodeFormat f)
{
    switch (f) {
    case ZXing_BarcodeFormat_QRCode:
        return "QRCode";
    case ZXing_BarcodeFormat_MicroQRCode:
        return "MicroQRCode";
    default:
        return "other";
    }
}

/*  Prints a JSON document on one line. */
static int
s_emit(s_scan_t *self, json_t *doc)
{
    if (!doc || self->json_failed ||
        json_dumpf(doc, stdout, JSON_COMPACT) != 0 || putchar('\n') == EOF) {
        fprintf(stderr, "lpg-scan: cannot write JSON output\n");
        return LPG_ENOMEM;
    }
    fflush(stdout);
    return LPG_OK;
}

/* ---- images ------------------------------------------------------------- */

static double
s_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int
s_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a;
    double y = *(const double *)b;
    return (x > y) - (x < y);
}

/*  --repeat: decodes img self->repeat times and prints the times on
 *  stderr. *out gets the last run's codes, as lpg_scan_read. */
static int
s_find_timed(lpg_scan_codes_t **out, const s_scan_t *self, const char *file,
             const lpg_image_t *img, char *why, size_t whysz)
{
    *out = NULL;
    double *ms = malloc((size_t)self->repeat * sizeof *ms);
    if (!ms)
        return LPG_ENOMEM;
    int rc = LPG_OK;
    for (long r = 0; r < self->repeat && rc == LPG_OK; r++) {
        lpg_scan_codes_destroy(out);
        double t0 = s_now_ms();
        rc = lpg_scan_read(self->reader, img, out, why, whysz);
        ms[r] = s_now_ms() - t0;
    }
    if (rc == LPG_OK) {
        long n = self->repeat;
        qsort(ms, (size_t)n, sizeof *ms, s_cmp_double);
        double median = n % 2 ? ms[n / 2] : (ms[n / 2 - 1] + ms[n / 2]) / 2;
        long i99 = (99 * n + 99) / 100 - 1; /* ceil(0.99 n) - 1 */
        fprintf(stderr,
                "lpg-scan: %s: decode_ms runs=%ld median=%.3f p99=%.3f "
                "min=%.3f max=%.3f\n",
                file, n, median, ms[i99], ms[0], ms[n - 1]);
    }
    free(ms);
    return rc;
}

/*  One decoded code: verdict, then printed or added to codes. */
static int
s_report_barcode(s_scan_t *self, const char *file, int n,
                 const lpg_scan_code_t *b, json_t *codes)
{
    const char *text = b->text;
    char *shown = NULL;
    s_verdict_t v;
    int rc = s_judge(&v, self, b->bytes ? b->bytes : (const uint8_t *)"",
                     (size_t)b->len);
    if (rc != LPG_OK)
        goto cleanup;
    ZXing_Position p = b->position;
    const char *format = s_format_name(b->format);
    bool inverted = b->inverted;
    if (self->json) {
        json_t *c = json_object();
        if (!c || json_array_append_new(codes, c) != 0) {
            rc = LPG_ENOMEM;
            goto cleanup;
        }
        s_set(self, c, "format", json_string(format));
        s_set_text(self, c, (const uint8_t *)text, strlen(text));
        s_set(self, c, "inverted", json_boolean(inverted));
        s_set(self, c, "position",
              json_pack("{s:o,s:o,s:o,s:o}", "top_left",
                        s_point(p.topLeft.x, p.topLeft.y), "top_right",
                        s_point(p.topRight.x, p.topRight.y), "bottom_right",
                        s_point(p.bottomRight.x, p.bottomRight.y),
                        "bottom_left",
                        s_point(p.bottomLeft.x, p.bottomLeft.y)));
        s_set_verdict(self, c, &v);
    } else {
        shown = s_printable((const uint8_t *)text, strlen(text));
        if (!shown) {
            rc = LPG_ENOMEM;
            goto cleanup;
        }
        printf("%s: code %d: %s%s at (%d,%d) (%d,%d) (%d,%d) (%d,%d)\n", file,
               n, format, inverted ? " (inverted)" : "", p.topLeft.x,
               p.topLeft.y, p.topRight.x, p.topRight.y, p.bottomRight.x,
               p.bottomRight.y, p.bottomLeft.x, p.bottomLeft.y);
        printf("  text: %s\n", shown);
        s_print_verdict(self, &v);
    }
cleanup:
    free(shown);
    return rc;
}

/*  Decodes one image. *found gets the number of codes. LPG_OK, or the
 *  error (already reported on stderr, and in entry for --json). */
static int
s_decode_file(s_scan_t *self, const char *file, json_t *entry, int *found)
{
    *found = 0;
    char why[256] = "";
    lpg_image_t *img = NULL;
    lpg_scan_codes_t *list = NULL;
    json_t *codes = NULL;
    int rc = lpg_image_load(&img, file, why, sizeof why);
    if (rc != LPG_OK)
        goto cleanup;
    if (img->warning[0])
        fprintf(stderr, "lpg-scan: %s: warning: %s\n", file, img->warning);
    if (self->repeat > 0)
        rc = s_find_timed(&list, self, file, img, why, sizeof why);
    else
        rc = lpg_scan_read(self->reader, img, &list, why, sizeof why);
    if (rc == LPG_ENOCODE_TIME && !self->json)
        printf("%s: no code found in time (decoding stopped after %ld "
               "ms)\n",
               file, lpg_scan_reader_budget_ms(self->reader));
    if (rc != LPG_OK)
        goto cleanup;
    if (self->json) {
        codes = json_array();
        if (!codes || json_object_set(entry, "codes", codes) != 0) {
            rc = LPG_ENOMEM;
            goto cleanup;
        }
    }
    for (int i = 0; i < list->count; i++) {
        rc = s_report_barcode(self, file, *found + 1, &list->codes[i], codes);
        if (rc != LPG_OK)
            goto cleanup;
        (*found)++;
    }
    if (*found == 0 && !self->json)
        printf("%s: no code found\n", file);
cleanup:
    if (rc != LPG_OK) {
        if (!why[0])
            snprintf(why, sizeof why, "%s", lpg_strerror(rc));
        if (rc != LPG_ENOCODE_TIME || self->json)
            fprintf(stderr, "lpg-scan: %s: %s\n", file, why);
        if (self->json) {
            json_t *err = json_pack("{s:s,s:s}", "token", lpg_errtoken(rc),
                                    "message", why);
            s_set(self, entry, "error", err);
        }
    }
    json_decref(codes);
    lpg_scan_codes_destroy(&list);
    lpg_image_destroy(&img);
    return rc;
}

static int
s_decode_images(s_scan_t *self, char **files, int nfiles)
{
    json_t *doc = NULL;
    json_t *images = NULL;
    if (self->json) {
        doc = json_object();
        images = json_array();
        if (!doc || !images || json_object_set(doc, "images", images) != 0)
            self->json_failed = true;
    }
    int total = 0;
    bool error = false;
    bool late = false; /* an image without a code found in time */
    for (int i = 0; i < nfiles; i++) {
        json_t *entry = NULL;
        if (self->json) {
            entry = json_pack("{s:s}", "file", files[i]);
            if (!entry || json_array_append_new(images, entry) != 0) {
                self->json_failed = true;
                break;
            }
        }
        int found = 0;
        int rc = s_decode_file(self, files[i], entry, &found);
        if (rc == LPG_ENOCODE_TIME)
            late = true;
        else if (rc != LPG_OK)
            error = true;
        total += found;
    }
    if (self->json) {
        s_set(self, doc, "found", json_integer(total));
        if (s_emit(self, doc) != LPG_OK)
            error = true;
    }
    json_decref(images);
    json_decref(doc);
    if (error)
        return S_EXIT_ERROR;
    if (late)
        return S_EXIT_TIME;
    return total > 0 ? S_EXIT_OK : S_EXIT_NONE;
}

/* ---- texts: --code and stdin -------------------------------------------- */

/*  Checks one text. *verified tells the verdict. For --json, the result
 *  object is added to list, or printed on its own line if list is NULL. */
static int
s_check_text(s_scan_t *self, const uint8_t *text, size_t len, bool truncated,
             json_t *list, bool *verified)
{
    *verified = false;
    s_verdict_t v;
    int rc = s_judge(&v, self, text, len);
    if (rc != LPG_OK) {
        fprintf(stderr, "lpg-scan: cannot check: %s\n", lpg_strerror(rc));
        return rc;
    }
    *verified = v.kind == S_VERIFIED;
    if (self->json) {
        json_t *obj = json_object();
        if (!obj)
            return LPG_ENOMEM;
        s_set_text(self, obj, text, len);
        if (truncated)
            s_set(self, obj, "truncated", json_true());
        s_set_verdict(self, obj, &v);
        if (list) {
            if (json_array_append_new(list, obj) != 0)
                self->json_failed = true;
            return LPG_OK;
        }
        rc = s_emit(self, obj);
        json_decref(obj);
        return rc;
    }
    char *shown = s_printable(text, len);
    if (!shown)
        return LPG_ENOMEM;
    printf("%s%s\n", shown, truncated ? "... (line too long, cut)" : "");
    free(shown);
    s_print_verdict(self, &v);
    fflush(stdout);
    return LPG_OK;
}

static int
s_check_codes(s_scan_t *self, char **codes, int ncodes)
{
    json_t *list = NULL;
    json_t *doc = NULL;
    if (self->json) {
        list = json_array();
        doc = json_object();
        if (!list || !doc || json_object_set(doc, "codes", list) != 0)
            self->json_failed = true;
    }
    bool all = true;
    bool error = false;
    for (int i = 0; i < ncodes; i++) {
        bool ok = false;
        if (s_check_text(self, (const uint8_t *)codes[i], strlen(codes[i]),
                         false, list, &ok) != LPG_OK)
            error = true;
        all = all && ok;
    }
    if (self->json && s_emit(self, doc) != LPG_OK)
        error = true;
    json_decref(list);
    json_decref(doc);
    if (error)
        return S_EXIT_ERROR;
    return all ? S_EXIT_OK : S_EXIT_NONE;
}

/*  One line from f into buf (at most S_LINE_MAX bytes kept, the rest of a
 *  longer line dropped, *truncated set), without CR / LF. False at the
 *  end of input. */
static bool
s_read_line(FILE *f, uint8_t *buf, size_t *len, bool *truncated)
{
    *len = 0;
    *truncated = false;
    int c;
    bool any = false;
    while ((c = getc(f)) != EOF) {
        any = true;
        if (c == '\n')
            break;
        if (*len < S_LINE_MAX)
            buf[(*len)++] = (uint8_t)c;
        else
            *truncated = true;
    }
    while (*len > 0 && buf[*len - 1] == '\r')
        (*len)--;
    return any;
}

static int
s_check_stdin(s_scan_t *self)
{
    uint8_t line[S_LINE_MAX];
    size_t len;
    bool truncated;
    int n = 0;
    bool all = true;
    bool error = false;
    while (s_read_line(stdin, line, &len, &truncated)) {
        if (len == 0)
            continue; /* a bare Enter */
        bool ok = false;
        if (s_check_text(self, line, len, truncated, NULL, &ok) != LPG_OK)
            error = true;
        all = all && ok;
        n++;
    }
    if (ferror(stdin)) {
        fprintf(stderr, "lpg-scan: reading stdin: %s\n", strerror(errno));
        error = true;
    }
    if (error)
        return S_EXIT_ERROR;
    return n > 0 && all ? S_EXIT_OK : S_EXIT_NONE;
}

/* ---- set-up ------------------------------------------------------------- */

/*  Reads the home's configuration and, if present, the authority public
 *  key. A missing key file is not an error (no verdicts then); a broken
 *  one is. */
static int
s_setup(s_scan_t *self, const char *home, lpg_config_t **cfg)
{
    char why[512] = "";
    int rc = lpg_config_load(cfg, home, why, sizeof why);
    if (rc != LPG_OK) {
        fprintf(stderr, "lpg-scan: configuration: %s\n",
                why[0] ? why : lpg_strerror(rc));
        return rc;
    }
    self->resolver = lpg_config_get(*cfg, "code.resolver");
    const char *rel = lpg_config_get(*cfg, "authority.public");
    if (!self->resolver || !rel) {
        fprintf(stderr, "lpg-scan: configuration: code.resolver or "
                        "authority.public not set\n");
        return LPG_ECONFIG;
    }
    if (rel[0] == '/') {
        if ((size_t)snprintf(self->key_path, sizeof self->key_path, "%s",
                             rel) >= sizeof self->key_path)
            rc = LPG_ERANGE;
    } else {
        rc = lpg_config_path(*cfg, rel, self->key_path, sizeof self->key_path);
    }
    if (rc != LPG_OK) {
        fprintf(stderr, "lpg-scan: authority.public: path too long\n");
        return rc;
    }
    struct stat st;
    if (stat(self->key_path, &st) != 0 && errno == ENOENT)
        return LPG_OK;
    rc = lpg_key_load_public(&self->authority, self->key_path);
    if (rc != LPG_OK)
        fprintf(stderr, "lpg-scan: authority public key %s: %s\n",
                self->key_path, lpg_strerror(rc));
    return rc;
}

/*  --repeat N: 1..S_REPEAT_MAX. */
static int
s_parse_repeat(long *out, const char *s)
{
    char *end = NULL;
    errno = 0;
    long n = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || n < 1 || n > S_REPEAT_MAX) {
        fprintf(stderr,
                "lpg-scan: --repeat wants a count of 1..%d, not "
                "'%s'\n",
                S_REPEAT_MAX, s);
        return LPG_EINVAL;
    }
    *out = n;
    return LPG_OK;
}

static int
s_decode(const char *home, int argc, char **argv)
{
    s_scan_t self = {0};
    lpg_config_t *cfg = NULL;
    char **codes = calloc((size_t)argc + 1, sizeof *codes);
    char **files = calloc((size_t)argc + 1, sizeof *files);
    int ncodes = 0;
    int nfiles = 0;
    bool use_stdin = false;
    int status = S_EXIT_ERROR;
    if (!codes || !files) {
        fprintf(stderr, "lpg-scan: out of memory\n");
        goto cleanup;
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--json") == 0) {
            self.json = true;
        } else if (strcmp(a, "--repeat") == 0 && i + 1 < argc) {
            if (s_parse_repeat(&self.repeat, argv[++i]) != LPG_OK)
                goto cleanup;
        } else if (strncmp(a, "--repeat=", 9) == 0) {
            if (s_parse_repeat(&self.repeat, a + 9) != LPG_OK)
                goto cleanup;
        } else if ((strcmp(a, "--decode-budget-ms") == 0 && i + 1 < argc) ||
                   strncmp(a, "--decode-budget-ms=", 19) == 0) {
            const char *v = a[18] == '=' ? a + 19 : argv[++i];
            if (lpg_scan_budget_parse(&self.budget_ms, v) != LPG_OK) {
                fprintf(stderr,
                        "lpg-scan: --decode-budget-ms wants %ld..%ld "
                        "milliseconds, not '%s'\n",
                        LPG_SCAN_BUDGET_MIN_MS, LPG_SCAN_BUDGET_MAX_MS, v);
                goto cleanup;
            }
        } else if (strcmp(a, "--code") == 0 && i + 1 < argc) {
            codes[ncodes++] = argv[++i];
        } else if (strncmp(a, "--code=", 7) == 0) {
            codes[ncodes++] = argv[i] + 7;
        } else if (strcmp(a, "-") == 0) {
            use_stdin = true;
        } else if (strcmp(a, "--") == 0) {
            for (i++; i < argc; i++)
                files[nfiles++] = argv[i];
        } else if (a[0] == '-') {
            fprintf(stderr, "lpg-scan: unknown option '%s'\n", a);
            s_usage(stderr);
            goto cleanup;
        } else {
            files[nfiles++] = argv[i];
        }
    }
    if ((ncodes > 0) + (nfiles > 0) + use_stdin > 1) {
        fprintf(stderr, "lpg-scan: give images, --code or '-', not a mix\n");
        s_usage(stderr);
        goto cleanup;
    }
    if (ncodes == 0 && nfiles == 0)
        use_stdin = true;
    if (self.repeat > 0 && !nfiles) {
        fprintf(stderr, "lpg-scan: --repeat is for images only\n");
        s_usage(stderr);
        goto cleanup;
    }
    if (s_setup(&self, home, &cfg) != LPG_OK)
        goto cleanup;
    if (!self.authority && !nfiles) {
        fprintf(stderr,
                "lpg-scan: no authority public key at %s: cannot check "
                "codes\n",
                self.key_path);
        goto cleanup;
    }
    if (nfiles) {
        char why[256] = "";
        if (self.budget_ms == 0 &&
            lpg_scan_budget(&self.budget_ms, cfg, why, sizeof why) != LPG_OK) {
            fprintf(stderr, "lpg-scan: configuration: %s\n", why);
            goto cleanup;
        }
        if (lpg_scan_reader_new(&self.reader, S_MAX_SYMBOLS, self.budget_ms) !=
            LPG_OK) {
            fprintf(stderr, "lpg-scan: out of memory\n");
            goto cleanup;
        }
        status = s_decode_images(&self, files, nfiles);
    } else if (ncodes) {
        status = s_check_codes(&self, codes, ncodes);
    } else {
        status = s_check_stdin(&self);
    }
cleanup:
    lpg_scan_reader_destroy(&self.reader);
    lpg_key_destroy(&self.authority);
    lpg_config_destroy(&cfg);
    free(codes);
    free(files);
    return status;
}

int
main(int argc, char **argv)
{
    const char *home = NULL;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--home") == 0 && i + 1 < argc) {
            home = argv[++i];
        } else if (strncmp(argv[i], "--home=", 7) == 0) {
            home = argv[i] + 7;
        } else if (strcmp(argv[i], "--help") == 0 ||
                   strcmp(argv[i], "-h") == 0) {
            s_usage(stdout);
            return S_EXIT_OK;
        } else {
            fprintf(stderr, "lpg-scan: unknown option '%s'\n", argv[i]);
            s_usage(stderr);
            return S_EXIT_ERROR;
        }
    }
    if (i >= argc) {
        s_usage(stderr);
        return S_EXIT_ERROR;
    }
    const char *command = argv[i];
    if (strcmp(command, "decode") != 0 && strcmp(command, "fill-check") != 0 &&
        strcmp(command, "fill-done") != 0 &&
        strcmp(command, "override") != 0 && strcmp(command, "inspect") != 0 &&
        strcmp(command, "periodic") != 0 && strcmp(command, "rectify") != 0 &&
        strcmp(command, "sync") != 0 && strcmp(command, "address") != 0 &&
        !lpg_scan_is_delivery(command)) {
        fprintf(stderr, "lpg-scan: unknown command '%s'\n", argv[i]);
        s_usage(stderr);
        return S_EXIT_ERROR;
    }
    /* --home may also follow the command */
    int n = 0;
    char **args = calloc((size_t)(argc - i) + 1, sizeof *args);
    if (!args) {
        fprintf(stderr, "lpg-scan: out of memory\n");
        return S_EXIT_ERROR;
    }
    for (int j = i; j < argc; j++) {
        if (strcmp(argv[j], "--home") == 0 && j + 1 < argc)
            home = argv[++j];
        else if (strncmp(argv[j], "--home=", 7) == 0)
            home = argv[j] + 7;
        else
            args[n++] = argv[j];
    }
    int status;
    if (strcmp(command, "fill-check") == 0)
        status = lpg_scan_fill_check(home, n, args);
    else if (strcmp(command, "fill-done") == 0)
        status = lpg_scan_fill_done(home, n, args);
    else if (strcmp(command, "override") == 0)
        status = lpg_scan_override(home, n, args);
    else if (strcmp(command, "inspect") == 0)
        status = lpg_scan_inspect(home, n, args);
    else if (strcmp(command, "periodic") == 0)
        status = lpg_scan_periodic(home, n, args);
    else if (strcmp(command, "rectify") == 0)
        status = lpg_scan_rectify(home, n, args);
    else if (lpg_scan_is_delivery(command))
        status = lpg_scan_delivery(home, n, args);
    else if (strcmp(command, "sync") == 0)
        status = lpg_scan_sync(home, n, args);
    else if (strcmp(command, "address") == 0)
        status = lpg_scan_address(home, n, args);
    else
        status = s_decode(home, n, args);
    free(args);
    return status;
}
