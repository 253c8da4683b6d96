/*  cmd_label.c - lpgtrace label: print cylinder codes as labels.
 *
 *  Reads codes from the command line and/or a file (one a line), checks
 *  each one (its form, and its signature when the home has the authority
 *  public key), and writes them as a PNG, an SVG or a PDF sheet. If any
 *  code is refused nothing is written: a half-printed batch is worse than
 *  none.
 */
#include "cli.h"
#include "codes/code.h"
#include "crypto/crypto.h"
#include "base/error.h"
#include "codes/label.h"
#include "base/progress.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*  One code to print, with where it came from for error messages. */
typedef struct {
    char *text;
    const char *source; /* file name, or NULL for a command-line argument */
    size_t line;        /* line in source, or argument number */
    char short_id[LPG_CODE_SHORT_ID_MAX + 1];
    char serial[LPG_CODE_MAX_SERIAL + 1];
} s_input_t;

typedef struct {
    s_input_t *v;
    size_t n;
    size_t cap;
} s_inputs_t;

static void
s_usage(FILE *f)
{
    fprintf(f,
            "usage: lpgtrace label [CODE...] [--from FILE] --out FILE\n"
            "                      [--page a4|roll] [--dpi N] "
            "[--module-mm X]\n"
            "                      [--label-mm WxH]\n\n"
            "  --out FILE     .png or .svg (one code) or .pdf (any number)\n"
            "  --from FILE    codes one a line ('-' for standard input);\n"
            "                 blank lines and lines starting '#' are "
            "skipped\n"
            "  --page         PDF: a4 (a grid on A4 sheets, default) or "
            "roll\n"
            "                 (one label a page)\n"
            "  --dpi N        printer resolution (default %d)\n"
            "  --module-mm X  smallest module size, >= %g mm (default)\n"
            "  --label-mm WxH PDF: label size in mm (default %gx%g)\n\n"
            "Each code is checked before anything is printed; with the\n"
            "authority public key in the home, its signature too.\n",
            LPG_LABEL_DEFAULT_DPI, LPG_LABEL_MIN_MODULE_MM,
            LPG_LABEL_DEFAULT_W_MM, LPG_LABEL_DEFAULT_H_MM);
}

static int
s_push(s_inputs_t *in, const char *text, size_t len, const char *source,
       size_t line)
{
    if (in->n == in->cap) {
        size_t cap = in->cap ? in->cap * 2 : 16;
        s_input_t *v = realloc(in->v, cap * sizeof *v);
        if (!v)
            return LPG_ENOMEM;
        in->v = v;
        in->cap = cap;
    }
    s_input_t *it = &in->v[in->n];
    memset(it, 0, sizeof *it);
    it->text = strndup(text, len);
    if (!it->text)
        return LPG_ENOMEM;
    it->source = source;
    it->line = line;
    in->n++;
    return LPG_OK;
}

static void
s_inputs_free(s_inputs_t *in)
{
    for (size_t i = 0; i < in->n; i++)
        free(in->v[i].text);
    free(in->v);
    memset(in, 0, sizeof *in);
}

/*  Prints "where: message" for input it. */
static void
s_complain(const s_input_t *it, const char *msg)
{
    if (it->source)
        fprintf(stderr, "%s:%zu: %s\n", it->source, it->line, msg);
    else
        fprintf(stderr, "argument %zu: %s\n", it->line, msg);
}

/*  Reads codes one a line from path ("-": standard input). A line longer
 *  than any code is reported and counted in *bad, not stored. */
static int
s_read_file(s_inputs_t *in, const char *path, size_t *bad)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    const char *name = f == stdin ? "(stdin)" : path;
    if (!f) {
        fprintf(stderr, "lpgtrace: label: %s: %s\n", path, strerror(errno));
        return LPG_EIO;
    }
    char buf[LPG_CODE_MAX_TEXT + 4];
    size_t lineno = 0;
    int rc = LPG_OK;
    while (rc == LPG_OK && fgets(buf, sizeof buf, f)) {
        lineno++;
        size_t len = strlen(buf);
        if (len > 0 && buf[len - 1] != '\n' && !feof(f)) {
            int c;
            while ((c = fgetc(f)) != EOF && c != '\n')
                ;
            fprintf(stderr,
                    "%s:%zu: line longer than any code (%d "
                    "characters at most)\n",
                    name, lineno, LPG_CODE_MAX_TEXT);
            (*bad)++;
            continue;
        }
        char *s = buf;
        while (*s == ' ' || *s == '\t')
            s++;
        len = strlen(s);
        while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r' ||
                           s[len - 1] == ' ' || s[len - 1] == '\t'))
            len--;
        if (len == 0 || s[0] == '#')
            continue;
        rc = s_push(in, s, len, name, lineno);
    }
    if (rc == LPG_OK && ferror(f)) {
        fprintf(stderr, "lpgtrace: label: %s: read error\n", name);
        rc = LPG_EIO;
    }
    if (f != stdin)
        fclose(f);
    return rc;
}

static bool
s_parse_int(const char *s, int lo, int hi, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return false;
    *out = (int)v;
    return true;
}

static bool
s_parse_mm(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v) || v <= 0)
        return false;
    *out = v;
    return true;
}

/*  "WxH" in mm. */
static bool
s_parse_size(const char *s, double *w, double *h)
{
    const char *x = strchr(s, 'x');
    if (!x || x == s)
        return false;
    char wbuf[32];
    size_t n = (size_t)(x - s);
    if (n >= sizeof wbuf)
        return false;
    memcpy(wbuf, s, n);
    wbuf[n] = '\0';
    return s_parse_mm(wbuf, w) && s_parse_mm(x + 1, h);
}

/*  Parses, and with a key verifies, every input; fills short id and
 *  serial. Returns the number refused (each reported). */
static size_t
s_check(s_inputs_t *in, const char *resolver, const lpg_key_t *authority)
{
    size_t bad = 0;
    lpg_progress_t *bar = NULL;
    if (in->n >= 100)
        lpg_progress_new(&bar, "checking", in->n);
    for (size_t i = 0; i < in->n; i++) {
        s_input_t *it = &in->v[i];
        lpg_code_t code;
        size_t len = strlen(it->text);
        int rc = authority ? lpg_code_verify(it->text, len, resolver,
                                             authority, &code)
                           : lpg_code_parse(it->text, len, resolver, &code);
        if (rc == LPG_ECODE_CASE) {
            s_complain(it, "verifies only with letter case swapped (Caps "
                           "Lock?); not printed");
            bad++;
        } else if (rc != LPG_OK) {
            char msg[LPG_CODE_WHY_MAX + 64];
            snprintf(msg, sizeof msg, "%s (%s)",
                     code.why[0] ? code.why : lpg_strerror(rc),
                     lpg_errtoken(rc));
            s_complain(it, msg);
            bad++;
        } else {
            lpg_code_short_id(&code, it->short_id);
            snprintf(it->serial, sizeof it->serial, "%s", code.serial);
        }
        lpg_progress_update(bar, i + 1);
    }
    lpg_progress_finish(&bar);
    return bad;
}

static void
s_on_progress(void *arg, size_t done, size_t total)
{
    lpg_progress_update(arg, done);
}

/*  Loads the authority public key if the home has one; *out stays NULL
 *  otherwise. */
static int
s_authority(lpg_key_t **out, lpg_config_t *cfg)
{
    *out = NULL;
    const char *rel = lpg_config_get(cfg, "authority.public");
    char path[4096];
    if (!rel || !*rel)
        return LPG_OK;
    int rc = lpg_config_path(cfg, rel, path, sizeof path);
    if (rc != LPG_OK)
        return lpg_cli_fail("authority public key path", rc);
    if (access(path, F_OK) != 0) {
        fprintf(stderr,
                "lpgtrace: label: no authority public key at %s: "
                "checking the form of each code, not its signature\n",
                path);
        return LPG_OK;
    }
    rc = lpg_key_load_public(out, path);
    if (rc != LPG_OK) {
        fprintf(stderr, "lpgtrace: label: %s: %s\n", path, lpg_strerror(rc));
        return rc;
    }
    return LPG_OK;
}

int
lpg_cmd_label(lpg_cli_t *cli, int argc, char **argv)
{
    const char *out = NULL;
    const char *from = NULL;
    lpg_label_opts_t opts = {0};
    s_inputs_t in = {0};
    lpg_key_t *authority = NULL;
    lpg_label_item_t *items = NULL;
    lpg_progress_t *bar = NULL;
    int status = 2;
    size_t bad = 0;
    size_t nargs = 0;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        bool takes = strcmp(a, "--out") == 0 || strcmp(a, "--from") == 0 ||
                     strcmp(a, "--page") == 0 || strcmp(a, "--dpi") == 0 ||
                     strcmp(a, "--module-mm") == 0 ||
                     strcmp(a, "--label-mm") == 0;
        if (takes && !v) {
            fprintf(stderr, "lpgtrace: label: %s needs a value\n", a);
            goto cleanup;
        }
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            s_usage(stdout);
            status = 0;
            goto cleanup;
        } else if (strcmp(a, "--out") == 0) {
            out = v;
        } else if (strcmp(a, "--from") == 0) {
            from = v;
        } else if (strcmp(a, "--page") == 0) {
            if (strcmp(v, "a4") != 0 && strcmp(v, "roll") != 0) {
                fprintf(stderr,
                        "lpgtrace: label: --page is a4 or roll, "
                        "not '%s'\n",
                        v);
                goto cleanup;
            }
            opts.page = v;
        } else if (strcmp(a, "--dpi") == 0) {
            if (!s_parse_int(v, 1, 100000, &opts.dpi)) {
                fprintf(stderr, "lpgtrace: label: bad --dpi '%s'\n", v);
                goto cleanup;
            }
        } else if (strcmp(a, "--module-mm") == 0) {
            if (!s_parse_mm(v, &opts.module_mm)) {
                fprintf(stderr, "lpgtrace: label: bad --module-mm '%s'\n", v);
                goto cleanup;
            }
        } else if (strcmp(a, "--label-mm") == 0) {
            if (!s_parse_size(v, &opts.label_w_mm, &opts.label_h_mm)) {
                fprintf(stderr,
                        "lpgtrace: label: bad --label-mm '%s' "
                        "(expected WxH, e.g. 50x60)\n",
                        v);
                goto cleanup;
            }
        } else if (a[0] == '-' && a[1] == '-') {
            fprintf(stderr, "lpgtrace: label: unknown option '%s'\n", a);
            s_usage(stderr);
            goto cleanup;
        } else {
            nargs++;
            if (s_push(&in, a, strlen(a), NULL, nargs) != LPG_OK) {
                status = lpg_cli_fail("label", LPG_ENOMEM);
                goto cleanup;
            }
            continue;
        }
        if (takes)
            i++;
    }
    if (!out) {
        fprintf(stderr, "lpgtrace: label: --out FILE is required\n");
        s_usage(stderr);
        goto cleanup;
    }
    if (from) {
        int rc = s_read_file(&in, from, &bad);
        if (rc == LPG_ENOMEM) {
            status = lpg_cli_fail("label", rc);
            goto cleanup;
        }
        if (rc != LPG_OK)
            goto cleanup;
    }
    if (in.n == 0 && bad == 0) {
        fprintf(stderr, "lpgtrace: label: no codes given\n");
        s_usage(stderr);
        goto cleanup;
    }

    lpg_config_t *cfg = lpg_cli_config(cli);
    if (!cfg)
        goto cleanup;
    if (s_authority(&authority, cfg) != LPG_OK)
        goto cleanup;
    const char *resolver = lpg_config_get(cfg, "code.resolver");
    bad += s_check(&in, resolver, authority);
    if (bad > 0) {
        fprintf(stderr,
                "lpgtrace: label: %zu code%s refused; no labels "
                "written\n",
                bad, bad == 1 ? "" : "s");
        status = 1;
        goto cleanup;
    }

    items = calloc(in.n, sizeof *items);
    if (!items) {
        status = lpg_cli_fail("label", LPG_ENOMEM);
        goto cleanup;
    }
    for (size_t i = 0; i < in.n; i++)
        items[i] =
            (lpg_label_item_t){in.v[i].text, in.v[i].short_id, in.v[i].serial};
    if (in.n >= 100)
        lpg_progress_new(&bar, "labels", in.n);
    opts.progress = s_on_progress;
    opts.progress_arg = bar;
    char why[512] = "";
    int rc = lpg_label_write(items, in.n, &opts, out, why, sizeof why);
    lpg_progress_finish(&bar);
    if (rc != LPG_OK) {
        fprintf(stderr, "lpgtrace: label: %s\n",
                *why ? why : lpg_strerror(rc));
        goto cleanup;
    }
    printf("%zu label%s written to %s\n", in.n, in.n == 1 ? "" : "s", out);
    status = 0;
cleanup:
    lpg_progress_finish(&bar);
    free(items);
    lpg_key_destroy(&authority);
    s_inputs_free(&in);
    return status;
}
