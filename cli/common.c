/*  common.c - helpers shared by the lpgtrace commands. */
#include "cli.h"
#include "crypto.h"
#include "error.h"
#include "ledger.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct lpg_ledger *
lpg_cli_ledger(lpg_cli_t *cli, unsigned flags)
{
    lpg_config_t *cfg = lpg_cli_config(cli);
    if (!cfg)
        return NULL;
    char path[4096];
    if (lpg_config_path(cfg, "ledger", path, sizeof path) != LPG_OK) {
        lpg_cli_fail("ledger path", LPG_ERANGE);
        return NULL;
    }
    uint64_t gib = (uint64_t)lpg_config_get_int(cfg, "ledger.map_size_gib",
                                                1024);
    lpg_ledger_t *l = NULL;
    int rc = lpg_ledger_open(&l, path, flags, gib << 30);
    if (rc != LPG_OK) {
        if (rc == LPG_ENOTFOUND)
            fprintf(stderr, "lpgtrace: no ledger in %s (run 'lpgtrace "
                            "init' first, or give --home DIR)\n",
                    cli->home);
        else
            lpg_cli_fail("open ledger", rc);
        return NULL;
    }
    return l;
}

struct lpg_key *
lpg_cli_key(lpg_cli_t *cli, const char *config_key, bool private_key)
{
    lpg_config_t *cfg = lpg_cli_config(cli);
    if (!cfg)
        return NULL;
    const char *rel = lpg_config_get(cfg, config_key);
    char path[4096];
    if (!rel || lpg_config_path(cfg, rel, path, sizeof path) != LPG_OK) {
        fprintf(stderr, "lpgtrace: no path for %s\n", config_key);
        return NULL;
    }
    lpg_key_t *key = NULL;
    int rc = private_key ? lpg_key_load_private(&key, path)
                         : lpg_key_load_public(&key, path);
    if (rc != LPG_OK) {
        fprintf(stderr, "lpgtrace: %s (%s): %s\n", path, config_key,
                lpg_strerror(rc));
        return NULL;
    }
    return key;
}

char *
lpg_cli_read_file(const char *path, size_t max, size_t *len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "lpgtrace: %s: %s\n", path, strerror(errno));
        return NULL;
    }
    char *buf = malloc(max + 1);
    size_t n = buf ? fread(buf, 1, max + 1, f) : 0;
    bool err = ferror(f);
    if (f != stdin)
        fclose(f);
    if (!buf || err || n > max) {
        fprintf(stderr, "lpgtrace: %s: %s\n", path,
                !buf ? "out of memory" : err ? "read error" : "too large");
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

bool
lpg_cli_u64(const char *s, uint64_t *out)
{
    if (!s || !*s)
        return false;
    uint64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        uint64_t d = (uint64_t)(*s - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}
