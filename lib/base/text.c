/*  text.c - see text.h. */
#include "base/text.h"
#include "base/error.h"

#include <string.h>

int
lpg_text_check(const unsigned char *p, size_t len, size_t max)
{
    if (len > max)
        return LPG_EMALFORMED;
    size_t n = 0;
    while (n < len) {
        unsigned c = p[n];
        if (c < 0x20 || c == 0x7f)
            return LPG_EMALFORMED;
        if (c < 0x80) {
            n++;
            continue;
        }
        size_t extra;
        unsigned cp;
        if ((c & 0xe0) == 0xc0) {
            extra = 1;
            cp = c & 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            extra = 2;
            cp = c & 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            extra = 3;
            cp = c & 0x07;
        } else
            return LPG_EMALFORMED;
        if (extra >= len - n)
            return LPG_EMALFORMED;
        for (size_t k = 1; k <= extra; k++) {
            if ((p[n + k] & 0xc0) != 0x80)
                return LPG_EMALFORMED;
            cp = (cp << 6) | (p[n + k] & 0x3f);
        }
        if ((extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) ||
            (extra == 3 && cp < 0x10000) || cp > 0x10ffff ||
            (cp >= 0xd800 && cp <= 0xdfff) ||
            (cp >= 0x80 && cp <= 0x9f)) /* C1 controls */
            return LPG_EMALFORMED;
        n += extra + 1;
    }
    return LPG_OK;
}

int
lpg_string_check(const char *s, size_t max)
{
    if (!s)
        return LPG_OK;
    return lpg_text_check((const unsigned char *)s, strlen(s), max);
}
