/*  config.c - see config.h. The embedded defaults below are the whole list
 *  of keys; each is documented where it is used and in
 *  deploy/lpgtrace.conf.example.
 */
#include "base/config.h"
#include "base/error.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *key;
    const char *value;
    bool deprecated; /* read if set; never written by lpg_config_save */
} s_default_t;

static const s_default_t s_defaults[] = {
    /* ledger */
    {"ledger.origin", "lpgtrace.example/ledger"},
    {"ledger.map_size", "1TiB"},
    {"ledger.map_size_gib", "", true}, /* before ledger.map_size */
    {"ledger.key", "keys/ledger.pem"},
    {"authority.public", "keys/authority.pub"},
    {"authority.key", "keys/authority.pem"},
    /* this machine's device keys: <device.key>.pem and .curve */
    {"device.key", "keys/admin"},
    {"device.site", ""},     /* the station a scanner is enrolled at */
    {"device.operator", ""}, /* the staff id on shift at this scanner */
    {"client.timeout_ms", "3000"},
    /* the trace service's answers read a cylinder's whole history: the
     * first after a restart, from a cold disk, takes seconds at 10^7
     * entries, and a retry would only ask for the same work again */
    {"client.trace_timeout_ms", "10000"},
    {"client.retries", "2"},
    /* codes */
    {"code.resolver", "id.lpg.example"},
    /* lpg-scan: wall-clock time to look for codes in one image */
    {"scan.decode_budget_ms", "1000"},
    /* time */
    {"time.zone", "Asia/Shanghai"},
    /* device time: refused this far ahead of a service's clock, or
     * this far behind it (an offline device that synced late) */
    {"time.max_skew_s", "300"},
    {"time.max_late_s", "604800"},
    /* service endpoints (loopback by default) */
    {"endpoint.registry", "tcp://127.0.0.1:7101"},
    {"endpoint.filling", "tcp://127.0.0.1:7102"},
    {"endpoint.delivery", "tcp://127.0.0.1:7103"},
    {"endpoint.inspection", "tcp://127.0.0.1:7104"},
    {"endpoint.trace", "tcp://127.0.0.1:7105"},
    {"endpoint.feed", "tcp://127.0.0.1:7106"},
    {"endpoint.order", "tcp://127.0.0.1:7107"},
    /* Prometheus metrics: each daemon's port on 127.0.0.1 (0: none) */
    {"metrics.registry", "0"},
    {"metrics.filling", "0"},
    {"metrics.delivery", "0"},
    {"metrics.inspection", "0"},
    {"metrics.trace", "0"},
    {"metrics.order", "0"},
    /* notary */
    {"notary.enabled", "1"},
    {"notary.interval_ms", "5000"},
    {"notary.every_entries", "1000"},
    /* lpg-traced: the tree's upper levels kept in memory for proofs */
    {"trace.node_cache", "32MiB"},
    /* fill rules */
    {"fill.tare_tolerance_g", "300"}, /* above the tare: domain/fill_rules.h */
    {"fill.tare_below_g", "150"},     /* below the tare: the same */
    {"fill.over_tolerance_g", "500"},
    {"fill.under_tolerance_g", "500"},
    {"fill.travel_speed_kmh", "120"},
    /* household inspection: days to rectify a hazard, escalation timer */
    {"inspection.major_days", "3"},
    {"inspection.minor_days", "15"},
    {"inspection.tick_ms", "5000"},
    /* delivery: a step this much older than the service clock is LATE */
    {"delivery.late_ms", "600000"},
    {"device.vehicle", ""}, /* the plate a driver's handheld rides on */
    /* orders: the dispatch board highlights one not accepted within */
    {"order.accept_within_min", "30"},
    /* report anomalies: hoarding above these (cylinders held, hours) */
    {"report.hoard_household_max", "2"},
    {"report.hoard_business_max", "10"},
    {"report.hoard_vehicle_hours", "48"},
    /* protocol limits */
    {"limit.message_bytes", "65536"},
    {"limit.hard_message_bytes", "1048576"},
    /* GetTrace answers (lpg-traced): below the hard cap, which also
     * bounds what a client takes in, with room for the encryption;
     * "auto": 983040, or the hard cap less 4096 if that is smaller */
    {"limit.trace_reply_bytes", "auto"},
    /* replies a service keeps waiting for one client, in bytes */
    {"limit.send_queue_bytes", "67108864"},
    {"limit.batch", "256"},
    /* lpg-webd: where it listens, TLS (both empty: plain HTTP), links,
     * the proxy whose X-Forwarded-* it believes, its device key, limits */
    {"webd.listen", "127.0.0.1"},
    {"webd.port", "7180"},
    {"webd.tls_cert", ""},
    {"webd.tls_key", ""},
    {"webd.public_base", ""},
    {"webd.trusted_proxy", ""},
    {"webd.key", "keys/gateway"},
    {"webd.body_max_bytes", "65536"},
    {"webd.timeout_s", "10"},
    {"webd.max_connections", "1024"},
    {"webd.max_per_ip", "32"},
    {"webd.threads", "4"},
    {"webd.tip_text_max", "2000"},
    {"webd.tips_per_hour", "10"},
    /* the console: idle seconds before a session ends; where its pages'
     * files and the npm packages are (empty: in the source tree) */
    {"webd.session_idle_s", "900"},
    {"webd.www_dir", ""},
    {"webd.vendor_dir", ""},
};

#define S_NDEFAULTS (sizeof s_defaults / sizeof s_defaults[0])

struct lpg_config {
    char *home;
    char *values[S_NDEFAULTS];
    int lines[S_NDEFAULTS]; /* where the file set it, 0 if not */
};

const char *
lpg_config_home_dir(const char *home)
{
    if (home && *home)
        return home;
    const char *env = getenv("LPGTRACE_HOME");
    if (env && *env)
        return env;
    return "./var";
}

static int
s_index(const char *key)
{
    for (size_t i = 0; i < S_NDEFAULTS; i++)
        if (strcmp(s_defaults[i].key, key) == 0)
            return (int)i;
    return -1;
}

static char *
s_trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *end = s + strlen(s);
    while (end > s && isspace((unsigned char)end[-1]))
        *--end = '\0';
    return s;
}

int
lpg_config_set(lpg_config_t *cfg, const char *key, const char *value)
{
    int i = s_index(key);
    if (i < 0)
        return LPG_ECONFIG;
    char *copy = strdup(value);
    if (!copy)
        return LPG_ENOMEM;
    free(cfg->values[i]);
    cfg->values[i] = copy;
    return LPG_OK;
}

int
lpg_config_load(lpg_config_t **out, const char *home, char *why, size_t whysz)
{
    *out = NULL;
    lpg_config_t *cfg = calloc(1, sizeof *cfg);
    if (!cfg)
        return LPG_ENOMEM;
    cfg->home = strdup(lpg_config_home_dir(home));
    if (!cfg->home) {
        lpg_config_destroy(&cfg);
        return LPG_ENOMEM;
    }
    char path[4096];
    int rc = lpg_config_path(cfg, "lpgtrace.conf", path, sizeof path);
    if (rc != LPG_OK) {
        lpg_config_destroy(&cfg);
        return rc;
    }
    FILE *f = fopen(path, "r");
    if (!f) {
        if (errno == ENOENT) {
            *out = cfg;
            return LPG_OK;
        }
        if (why)
            snprintf(why, whysz, "%s: %s", path, strerror(errno));
        lpg_config_destroy(&cfg);
        return LPG_ECONFIG;
    }
    char line[1024];
    int lineno = 0;
    rc = LPG_OK;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (!strchr(line, '\n') && !feof(f)) {
            if (why)
                snprintf(why, whysz, "%s:%d: line too long", path, lineno);
            rc = LPG_ECONFIG;
            break;
        }
        char *s = s_trim(line);
        if (*s == '\0' || *s == '#')
            continue;
        char *eq = strchr(s, '=');
        if (!eq) {
            if (why)
                snprintf(why, whysz, "%s:%d: expected 'key = value'", path,
                         lineno);
            rc = LPG_ECONFIG;
            break;
        }
        *eq = '\0';
        char *key = s_trim(s);
        char *value = s_trim(eq + 1);
        rc = lpg_config_set(cfg, key, value);
        if (rc != LPG_OK) {
            if (why)
                snprintf(why, whysz, "%s:%d: unknown key '%s'", path, lineno,
                         key);
            break;
        }
        cfg->lines[s_index(key)] = lineno;
    }
    fclose(f);
    if (rc == LPG_OK) {
        /* Values that must make sense before anything opens the ledger:
         * a bad one stops every program here, naming file, line and key. */
        uint64_t bytes;
        char reason[256] = "";
        rc = lpg_config_map_size(cfg, &bytes, reason, sizeof reason);
        if (rc != LPG_OK && why)
            snprintf(why, whysz, "%s:%s", path, reason);
    }
    if (rc != LPG_OK) {
        lpg_config_destroy(&cfg);
        return rc;
    }
    *out = cfg;
    return LPG_OK;
}

const char *
lpg_config_get(const lpg_config_t *cfg, const char *key)
{
    int i = s_index(key);
    if (i < 0)
        return NULL;
    return cfg->values[i] ? cfg->values[i] : s_defaults[i].value;
}

int64_t
lpg_config_get_int(const lpg_config_t *cfg, const char *key, int64_t def)
{
    const char *v = lpg_config_get(cfg, key);
    if (!v || !*v)
        return def;
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (errno || *end)
        return def;
    return (int64_t)n;
}

int
lpg_config_parse_size(const char *text, uint64_t *out)
{
    static const struct {
        const char *unit;
        unsigned shift;
    } units[] = {
        {"B", 0}, {"KiB", 10}, {"MiB", 20}, {"GiB", 30}, {"TiB", 40},
    };
    const char *p = text;
    while (isspace((unsigned char)*p))
        p++;
    if (!isdigit((unsigned char)*p))
        return LPG_EINVAL; /* empty, a sign, a unit alone, garbage */
    uint64_t n = 0;
    bool big = false;
    for (; isdigit((unsigned char)*p); p++) {
        unsigned d = (unsigned)(*p - '0');
        if (n > (UINT64_MAX - d) / 10)
            big = true;
        else
            n = n * 10 + d;
    }
    while (*p == ' ' || *p == '\t')
        p++;
    const char *u = p;
    size_t ulen = strlen(u);
    while (ulen > 0 && isspace((unsigned char)u[ulen - 1]))
        ulen--;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strlen(units[i].unit) != ulen ||
            strncasecmp(u, units[i].unit, ulen) != 0)
            continue;
        if (big || (units[i].shift && n > (UINT64_MAX >> units[i].shift)))
            return LPG_ERANGE;
        *out = n << units[i].shift;
        return LPG_OK;
    }
    return LPG_EINVAL; /* no unit, or one we do not take */
}

/*  Says what is wrong with size key i: "LINE: key = 'value': what" (the
 *  caller puts "FILE:" in front). */
static int
s_size_why(const lpg_config_t *cfg, int i, char *why, size_t whysz,
           const char *what)
{
    char line[16] = "";
    if (cfg->lines[i])
        snprintf(line, sizeof line, "%d: ", cfg->lines[i]);
    lpg_why(why, whysz, "%s%s = '%s': %s", line, s_defaults[i].key,
            lpg_config_get(cfg, s_defaults[i].key), what);
    return LPG_ECONFIG;
}

int
lpg_config_map_size(const lpg_config_t *cfg, uint64_t *out, char *why,
                    size_t whysz)
{
    int im = s_index("ledger.map_size"), ig = s_index("ledger.map_size_gib");
    const char *gib = lpg_config_get(cfg, "ledger.map_size_gib");
    uint64_t bytes = 0;
    int used = im;
    if (gib && *gib && cfg->values[im])
        return s_size_why(cfg, ig, why, whysz,
                          "deprecated, and ledger.map_size is set too: "
                          "keep ledger.map_size only");
    if (gib && *gib) {
        /* The old key, a whole number of GiB, still read: older homes
         * have it. */
        used = ig;
        char *end;
        errno = 0;
        unsigned long long n = strtoull(gib, &end, 10);
        if (!isdigit((unsigned char)gib[0]) || *end)
            return s_size_why(cfg, ig, why, whysz,
                              "not a whole number of GiB (the key is "
                              "deprecated: write ledger.map_size = 1TiB, "
                              "say, instead)");
        if (errno == ERANGE || n > (UINT64_MAX >> 30))
            return s_size_why(cfg, ig, why, whysz, "too large a number");
        bytes = (uint64_t)n << 30;
    } else {
        const char *size = lpg_config_get(cfg, "ledger.map_size");
        int rc = lpg_config_parse_size(size ? size : "", &bytes);
        if (rc == LPG_ERANGE)
            return s_size_why(cfg, im, why, whysz, "too large a number");
        if (rc != LPG_OK)
            return s_size_why(cfg, im, why, whysz,
                              "not a size: write a whole number and a unit "
                              "(B, KiB, MiB, GiB or TiB), e.g. 1TiB, 64GiB "
                              "or 512MiB");
    }
    if (bytes < LPG_CONFIG_MAP_MIN)
        return s_size_why(cfg, used, why, whysz,
                          "below the smallest map, 1MiB");
    if (bytes > LPG_CONFIG_MAP_MAX)
        return s_size_why(cfg, used, why, whysz,
                          "above the largest map, 64TiB (the whole map is "
                          "reserved as address space when the ledger "
                          "opens)");
    *out = bytes;
    return LPG_OK;
}

const char *
lpg_config_home(const lpg_config_t *cfg)
{
    return cfg->home;
}

int
lpg_config_path(const lpg_config_t *cfg, const char *rel, char *out,
                size_t outsz)
{
    int n;
    if (rel[0] == '/')
        n = snprintf(out, outsz, "%s", rel);
    else
        n = snprintf(out, outsz, "%s/%s", cfg->home, rel);
    return (n < 0 || (size_t)n >= outsz) ? LPG_ERANGE : LPG_OK;
}

int
lpg_config_save(const lpg_config_t *cfg, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return LPG_EIO;
    fprintf(f, "# lpgtrace configuration. Every key is listed with its "
               "value;\n# delete a line to fall back to the built-in "
               "default.\n");
    for (size_t i = 0; i < S_NDEFAULTS; i++)
        if (!s_defaults[i].deprecated || cfg->values[i])
            fprintf(f, "%s = %s\n", s_defaults[i].key,
                    lpg_config_get(cfg, s_defaults[i].key));
    return fclose(f) == 0 ? LPG_OK : LPG_EIO;
}

void
lpg_config_destroy(lpg_config_t **p)
{
    if (!p || !*p)
        return;
    lpg_config_t *cfg = *p;
    for (size_t i = 0; i < S_NDEFAULTS; i++)
        free(cfg->values[i]);
    free(cfg->home);
    free(cfg);
    *p = NULL;
}
