/*  csv.c - see csv.h. When splitting, the line is rewritten in place: a
 *  quoted field's text (with doubled quotes made single) is moved to where
 *  the field starts, so it is never longer than the bytes it came from.
 */
#include "base/csv.h"
#include "base/error.h"

#include <stdbool.h>
#include <string.h>

static bool
s_blank(char c)
{
    return c == ' ' || c == '\t';
}

int
lpg_csv_split(char *line, char **fields, size_t max, size_t *n, size_t *col)
{
    *n = 0;
    if (col)
        *col = 0;
    size_t len = strlen(line);
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        line[--len] = '\0';
    char *p = line;
    for (;;) {
        if (*n == max)
            return LPG_ETOOBIG;
        while (s_blank(*p))
            p++;
        char *start = p, *end;
        if (*p == '"') {
            end = p;
            p++;
            for (;;) {
                if (*p == '\0') {
                    if (col)
                        *col = *n + 1;
                    return LPG_EMALFORMED;
                }
                if (*p == '"' && p[1] == '"') {
                    *end++ = '"';
                    p += 2;
                } else if (*p == '"') {
                    p++;
                    break;
                } else
                    *end++ = *p++;
            }
            while (s_blank(*p))
                p++;
            if (*p != ',' && *p != '\0') {
                if (col)
                    *col = *n + 1;
                return LPG_EMALFORMED;
            }
        } else {
            while (*p != ',' && *p != '\0')
                p++;
            end = p;
            while (end > start && s_blank(end[-1]))
                end--;
        }
        bool last = *p == '\0';
        *end = '\0'; /* may be the comma at p: last was read first */
        fields[(*n)++] = start;
        if (last)
            return LPG_OK;
        p++;
    }
}

bool
lpg_csv_unsafe(const char *text)
{
    return text && *text && strchr("=+-@\t\r", *text);
}

/*  -?[0-9]+(\.[0-9]+)? : a number, never a formula. */
static bool
s_plain_number(const char *s)
{
    if (*s == '-')
        s++;
    size_t n = strspn(s, "0123456789");
    if (n == 0)
        return false;
    s += n;
    if (*s == '.') {
        n = strspn(++s, "0123456789");
        if (n == 0)
            return false;
        s += n;
    }
    return *s == '\0';
}

int
lpg_csv_write_cell(FILE *out, const char *text, bool last)
{
    const char *s = text ? text : "";
    bool neutralise =
        lpg_csv_unsafe(s) && strcmp(s, "-") != 0 && !s_plain_number(s);
    bool quote = neutralise || strpbrk(s, ",\"\r\n") != NULL;
    if (quote && putc('"', out) == EOF)
        return LPG_EIO;
    if (neutralise && putc('\'', out) == EOF)
        return LPG_EIO;
    for (; *s; s++) {
        if (*s == '"' && quote && putc('"', out) == EOF)
            return LPG_EIO;
        if (putc(*s, out) == EOF)
            return LPG_EIO;
    }
    if (quote && putc('"', out) == EOF)
        return LPG_EIO;
    return putc(last ? '\n' : ',', out) == EOF ? LPG_EIO : LPG_OK;
}
