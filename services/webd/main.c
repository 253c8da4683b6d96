/*  lpg-webd - the HTTP face of lpgtrace: the public page behind every
 *  cylinder code (a GS1-conformant resolver), tips from the public, and
 *  the handheld API. See webd.h.
 *
 *  It is a client of the services like any device: enrolled with its
 *  own keys (webd.key: <key>.pem signs tips, <key>.curve connects) and
 *  the role gateway, holding no other device's key. It reads the ledger
 *  of its home read-only when there is one. Serves HTTPS itself with
 *  webd.tls_cert and webd.tls_key, or plain HTTP (on loopback, behind a
 *  reverse proxy named by webd.trusted_proxy). Stops on SIGTERM /
 *  SIGINT.
 *
 *  usage: lpg-webd [--home DIR] [--port N]
 */
#include "base/error.h"
#include "base/log.h"
#include "daemon.h"
#include "domain/kind.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*  Each serving thread's clients of the services. */
#define S_NSERVICES 6
static const char *const s_services[S_NSERVICES] = {
    "registry", "filling", "delivery", "inspection", "trace", "order"};

typedef struct {
    lpg_client_t *c[S_NSERVICES];
    bool tried[S_NSERVICES];
} s_clients_t;

static void
s_clients_free(void *p)
{
    s_clients_t *cs = p;
    for (int i = 0; i < S_NSERVICES; i++)
        lpg_client_destroy(&cs->c[i]);
    free(cs);
}

lpg_client_t *
lpg_webd_client(lpg_webd_t *w, const char *service)
{
    int i = 0;
    while (i < S_NSERVICES && strcmp(s_services[i], service) != 0)
        i++;
    if (i == S_NSERVICES || !w->clients_key_made)
        return NULL;
    s_clients_t *cs = pthread_getspecific(w->clients);
    if (!cs) {
        cs = calloc(1, sizeof *cs);
        if (!cs || pthread_setspecific(w->clients, cs) != 0) {
            free(cs);
            return NULL;
        }
    }
    if (!cs->c[i] && !cs->tried[i]) {
        cs->tried[i] = true; /* one try per thread: a missing key stays so */
        if (lpg_client_from_config(&cs->c[i], w->cfg, service) != LPG_OK)
            cs->c[i] = NULL;
    }
    return cs->c[i];
}

lpg_ledger_t *
lpg_webd_ledger(lpg_webd_t *w)
{
    return w->ledger;
}

const char *
lpg_webd_home(lpg_webd_t *w)
{
    return lpg_config_home(w->cfg);
}

const lpg_config_t *
lpg_webd_config(lpg_webd_t *w)
{
    return w->cfg;
}

const lpg_key_t *
lpg_webd_authority(lpg_webd_t *w)
{
    return w->authority;
}

/*  An unsigned setting within [lo, hi]. */
static int
s_uint(const lpg_config_t *cfg, const char *key, int64_t lo, int64_t hi,
       unsigned *out, char *why, size_t whysz)
{
    const char *v = lpg_config_get(cfg, key);
    char *end = NULL;
    long long n = v ? strtoll(v, &end, 10) : -1;
    if (!v || end == v || *end || n < lo || n > hi) {
        snprintf(why, whysz, "%s = '%s': a whole number from %lld to %lld",
                 key, v ? v : "", (long long)lo, (long long)hi);
        return LPG_ECONFIG;
    }
    *out = (unsigned)n;
    return LPG_OK;
}

static int
s_settings(lpg_webd_t *w, char *why, size_t whysz)
{
    const lpg_config_t *cfg = w->cfg;
    snprintf(w->listen, sizeof w->listen, "%s",
             lpg_config_get(cfg, "webd.listen"));
    unsigned body = 0, tip = 0;
    int rc = s_uint(cfg, "webd.port", 0, 65535, &w->port, why, whysz);
    if (rc == LPG_OK)
        rc = s_uint(cfg, "webd.body_max_bytes", 256, 16 << 20, &body, why,
                    whysz);
    if (rc == LPG_OK)
        rc = s_uint(cfg, "webd.timeout_s", 1, 3600, &w->timeout_s, why, whysz);
    if (rc == LPG_OK)
        rc = s_uint(cfg, "webd.max_connections", 1, 65536, &w->max_connections,
                    why, whysz);
    if (rc == LPG_OK)
        rc = s_uint(cfg, "webd.max_per_ip", 1, 65536, &w->max_per_ip, why,
                    whysz);
    if (rc == LPG_OK)
        rc = s_uint(cfg, "webd.threads", 1, 256, &w->threads, why, whysz);
    if (rc == LPG_OK)
        rc = s_uint(cfg, "webd.tip_text_max", 16, LPG_TIP_TEXT_MAX, &tip, why,
                    whysz);
    if (rc == LPG_OK)
        rc = s_uint(cfg, "webd.tips_per_hour", 0, 1000000, &w->tips_per_hour,
                    why, whysz);
    if (rc != LPG_OK)
        return rc;
    w->body_max = body;
    w->tip_text_max = tip;
    const char *cert = lpg_config_get(cfg, "webd.tls_cert");
    const char *key = lpg_config_get(cfg, "webd.tls_key");
    if ((*cert != '\0') != (*key != '\0')) {
        snprintf(why, whysz,
                 "webd.tls_cert and webd.tls_key: set both (HTTPS) or "
                 "neither (HTTP)");
        return LPG_ECONFIG;
    }
    w->tls = *cert != '\0';
    if (w->tls) {
        if (lpg_config_path(cfg, cert, w->tls_cert, sizeof w->tls_cert) !=
                LPG_OK ||
            lpg_config_path(cfg, key, w->tls_key, sizeof w->tls_key) !=
                LPG_OK) {
            snprintf(why, whysz, "webd.tls_cert / webd.tls_key: too long");
            return LPG_ECONFIG;
        }
        if (*cert == '/')
            snprintf(w->tls_cert, sizeof w->tls_cert, "%s", cert);
        if (*key == '/')
            snprintf(w->tls_key, sizeof w->tls_key, "%s", key);
    }
    const char *base = lpg_config_get(cfg, "webd.public_base");
    if (*base && strncmp(base, "https://", 8) != 0 &&
        strncmp(base, "http://", 7) != 0) {
        snprintf(why, whysz, "webd.public_base = '%s': an http(s) URL", base);
        return LPG_ECONFIG;
    }
    snprintf(w->public_base, sizeof w->public_base, "%s", base);
    size_t n = strlen(w->public_base);
    while (n > 0 && w->public_base[n - 1] == '/')
        w->public_base[--n] = '\0';
    snprintf(w->trusted_proxy, sizeof w->trusted_proxy, "%s",
             lpg_config_get(cfg, "webd.trusted_proxy"));
    return LPG_OK;
}

int
main(int argc, char **argv)
{
    const char *home = NULL;
    const char *port = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--home") == 0 && i + 1 < argc)
            home = argv[++i];
        else if (strcmp(argv[i], "--port") == 0 && i + 1 < argc)
            port = argv[++i];
        else {
            fprintf(stderr, "usage: %s [--home DIR] [--port N]\n", argv[0]);
            return 2;
        }
    }
    lpg_log_set_component("webd");
    static lpg_webd_t w;
    char why[512] = "";
    int rc = lpg_config_load(&w.cfg, home, why, sizeof why);
    if (rc != LPG_OK) {
        lpg_error("configuration: %s", *why ? why : lpg_strerror(rc));
        return 2;
    }
    /* The gateway connects and signs with its own key, whatever device
     * the home's other programs are. */
    rc =
        lpg_config_set(w.cfg, "device.key", lpg_config_get(w.cfg, "webd.key"));
    if (rc == LPG_OK && port)
        rc = lpg_config_set(w.cfg, "webd.port", port);
    if (rc == LPG_OK)
        rc = s_settings(&w, why, sizeof why);
    if (rc != LPG_OK) {
        lpg_error("configuration: %s", *why ? why : lpg_strerror(rc));
        lpg_config_destroy(&w.cfg);
        return 2;
    }
    pthread_mutex_init(&w.rate_lock, NULL);
    w.clients_key_made = pthread_key_create(&w.clients, s_clients_free) == 0;

    /* The ledger, read-only, when this home holds it. */
    char path[4096];
    struct stat st;
    lpg_config_path(w.cfg, "ledger", path, sizeof path);
    if (stat(path, &st) == 0) {
        uint64_t map_size = 0;
        rc = lpg_config_map_size(w.cfg, &map_size, why, sizeof why);
        if (rc == LPG_OK)
            rc = lpg_ledger_open(&w.ledger, path, LPG_LEDGER_RDONLY, map_size,
                                 &lpg_domain_projection);
        if (rc != LPG_OK) {
            lpg_error("%s: %s", path, *why ? why : lpg_strerror(rc));
            lpg_config_destroy(&w.cfg);
            return 1;
        }
    }
    /* State tables an older version projected answer wrongly (an order's
     * cylinders handed over, a household's certificate on record): wait
     * for a service's start (or lpgtrace rebuild) to upgrade them rather
     * than serve those answers. */
    rc = w.ledger ? lpg_ledger_state_check(w.ledger, NULL, why, sizeof why)
                  : LPG_OK;
    if (rc == LPG_ESTALE) {
        lpg_warn("%s; lpg-webd waits for that before it serves", why);
        while (rc == LPG_ESTALE) {
            sleep(1);
            rc = lpg_ledger_state_check(w.ledger, NULL, why, sizeof why);
        }
        if (rc == LPG_OK)
            lpg_info("the state tables are upgraded: serving");
    }
    if (rc != LPG_OK) {
        lpg_error("%s", *why ? why : lpg_strerror(rc));
        lpg_ledger_close(&w.ledger);
        lpg_config_destroy(&w.cfg);
        return 1;
    }
    /* The gateway's signing key (tips); without it tips are refused. */
    char rel[512];
    snprintf(rel, sizeof rel, "%s.pem", lpg_config_get(w.cfg, "webd.key"));
    lpg_config_path(w.cfg, rel, path, sizeof path);
    if (lpg_key_load_private(&w.key, path) != LPG_OK) {
        char key[4096];
        lpg_config_path(w.cfg, lpg_config_get(w.cfg, "webd.key"), key,
                        sizeof key);
        lpg_warn("%s: no gateway key: tips are refused until the gateway "
                 "is enrolled (then restart lpg-webd): lpgtrace keygen --out "
                 "%s && lpgtrace --home %s device enroll --key %s --company "
                 "authority --role gateway --name lpg-webd",
                 path, key, lpg_config_home(w.cfg), key);
    }

    /* The authority's public key, which checks every code scanned:
     * loaded once, not per scan. */
    lpg_config_path(w.cfg, lpg_config_get(w.cfg, "authority.public"), path,
                    sizeof path);
    if (lpg_key_load_public(&w.authority, path) != LPG_OK)
        lpg_warn("%s: no authority key: codes cannot be checked", path);

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL); /* every thread after this */
    signal(SIGPIPE, SIG_IGN);
    rc = lpg_webd_http_start(&w, why, sizeof why);
    if (rc != LPG_OK) {
        lpg_error("%s", why);
        lpg_webd_http_stop(&w);
    } else {
        lpg_info("serving HTTP%s on %s port %u", w.tls ? "S" : "", w.listen,
                 w.port);
        int sig = 0;
        sigwait(&set, &sig);
        lpg_info("stopping (signal %d)", sig);
        lpg_webd_http_stop(&w);
    }
    lpg_key_destroy(&w.key);
    lpg_key_destroy(&w.authority);
    lpg_ledger_close(&w.ledger);
    lpg_config_destroy(&w.cfg);
    return rc == LPG_OK ? 0 : 1;
}
