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
