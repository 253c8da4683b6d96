/*  config.h - configuration: embedded defaults, then the home's file.
 *
 *  The home is --home DIR, else $LPGTRACE_HOME, else ./var. It holds
 *  ledger/, keys/ and lpgtrace.conf ("key = value" lines, '#' comments).
 *  Every key has an embedded default (config.c), so a home with no file
 *  works; an unknown key in the file is an error (a typo must not pass
 *  silently).
 */
#ifndef LPG_CONFIG_H
#define LPG_CONFIG_H

#include <stddef.h>
#include <stdint.h>

typedef struct lpg_config lpg_config_t;

/*  The home directory: home if not NULL, else $LPGTRACE_HOME, else
 *  "./var". Static or caller's storage; never NULL. */
const char *lpg_config_home_dir(const char *home);

/*  Loads defaults, then <home>/lpgtrace.conf if it exists. On a bad line
 *  returns LPG_ECONFIG and writes "file:line: reason" to why (if given).
 *  Caller owns *out. */
int lpg_config_load(lpg_config_t **out, const char *home, char *why,
                    size_t whysz);

/*  Value of a key; NULL for a key that has no default and is not set. */
const char *lpg_config_get(const lpg_config_t *cfg, const char *key);

/*  Integer value; def if missing or not an integer. */
int64_t lpg_config_get_int(const lpg_config_t *cfg, const char *key,
                           int64_t def);

/*  Parses a byte size: a whole number and a unit, B, KiB, MiB, GiB or
 *  TiB (powers of 1024; case does not matter; blanks allowed around and
 *  between), e.g. "1TiB", "512MiB". LPG_EINVAL: not that form (a bare
 *  number, a sign, a fraction, another unit); LPG_ERANGE: more than
 *  64 bits hold. */
int lpg_config_parse_size(const char *text, uint64_t *out);

#define LPG_CONFIG_MAP_MIN (1ULL << 20) /* 1 MiB */
#define LPG_CONFIG_MAP_MAX (1ULL << 46) /* 64 TiB */

/*  The ledger's LMDB map size in bytes: ledger.map_size, or the
 *  deprecated ledger.map_size_gib (a number of GiB) in a file that sets
 *  only that. Between LPG_CONFIG_MAP_MIN and LPG_CONFIG_MAP_MAX.
 *  LPG_ECONFIG, with "LINE: key = 'value': reason" in why, for anything
 *  else; lpg_config_load already refuses such a file. */
int lpg_config_map_size(const lpg_config_t *cfg, uint64_t *out, char *why,
                        size_t whysz);

/*  Sets a value (copied). LPG_ECONFIG for an unknown key. */
int lpg_config_set(lpg_config_t *cfg, const char *key, const char *value);

/*  The resolved home directory of this configuration. */
const char *lpg_config_home(const lpg_config_t *cfg);

/*  Writes "<home>/<rel>" into out. LPG_ERANGE if it does not fit. */
int lpg_config_path(const lpg_config_t *cfg, const char *rel, char *out,
                    size_t outsz);

/*  Writes every key and value (defaults included) as a config file. */
int lpg_config_save(const lpg_config_t *cfg, const char *path);

void lpg_config_destroy(lpg_config_t **p);

#endif
