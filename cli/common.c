/*  common.c - helpers shared by the lpgtrace commands. */
#include "cli.h"
#include "crypto/crypto.h"
#include "domain/kind.h"
#include "domain/state.h"
#include "base/clock.h"
#include "base/error.h"
#include "net/client.h"
#include "ledger/event.h"
#include "ledger/ledger.h"
#include "net/msg.h"

#include <jansson.h>

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
    uint64_t map_size = 0;
    char why[256] = "";
    if (lpg_config_map_size(cfg, &map_size, why, sizeof why) != LPG_OK) {
        fprintf(stderr, "lpgtrace: configuration: %s\n", why);
        return NULL;
    }
    lpg_ledger_t *l = NULL;
    int rc = lpg_ledger_open(&l, path, flags, map_size, &lpg_domain_projection);
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

bool
lpg_cli_date(const char *s, uint32_t *out)
{
    unsigned y, m, d;
    char tail;
    if (sscanf(s, "%4u-%2u-%2u%c", &y, &m, &d, &tail) == 3 ||
        (strlen(s) == 8 && sscanf(s, "%4u%2u%2u%c", &y, &m, &d, &tail) == 3)) {
        static const unsigned days[] = {31, 28, 31, 30, 31, 30,
                                        31, 31, 30, 31, 30, 31};
        bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        if (y >= 1900 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 &&
            d <= days[m - 1] + (m == 2 && leap ? 1u : 0u)) {
            *out = y * 10000 + m * 100 + d;
            return true;
        }
    }
    return false;
}

void
lpg_cli_print_reply(lpg_cli_t *cli, const Lpg__Reply *r)
{
    if (cli->json) {
        json_t *o = lpg_msg_reply_json(r);
        lpg_msg_emit_json(o);
        return;
    }
    printf("%s %s: %s", lpg_msg_status_name(r->status), r->token,
           r->message);
    if (r->has_seq)
        printf(" (entry %llu%s)", (unsigned long long)r->seq,
               r->has_duplicate && r->duplicate ? ", a retry" : "");
    printf("\n");
    for (size_t i = 0; i < r->n_reasons; i++)
        printf("  - %s: %s%s%s\n", r->reasons[i]->token,
               r->reasons[i]->zh ? r->reasons[i]->zh : "",
               r->reasons[i]->en ? " / " : "",
               r->reasons[i]->en ? r->reasons[i]->en : "");
    const char *advice = lpg_msg_advice(r);
    if (advice)
        fprintf(stderr, "lpgtrace: %s\n", advice);
}

int
lpg_cli_submit(lpg_cli_t *cli, const char *service, Lpg__Event *ev,
               const lpg_key_t *signer, Lpg__Reply **reply_out)
{
    if (reply_out)
        *reply_out = NULL;
    lpg_config_t *cfg = lpg_cli_config(cli);
    if (!cfg)
        return 2;
    uint8_t id[16];
    int rc = lpg_event_new_id(id);
    if (rc != LPG_OK)
        return lpg_cli_fail("event id", rc);
    ev->event_id.data = id;
    ev->event_id.len = sizeof id;
    ev->device_time_ms = lpg_clock_now_ms();
    uint8_t *data = NULL;
    size_t len = 0;
    rc = lpg_event_sign(ev, signer, &data, &len);
    if (rc != LPG_OK)
        return lpg_cli_fail("sign", rc);
    lpg_client_t *c = NULL;
    rc = lpg_client_from_config(&c, cfg, service);
    Lpg__Reply *r = NULL;
    if (rc == LPG_OK)
        rc = lpg_client_submit(c, data, len, &r);
    lpg_client_destroy(&c);
    free(data);
    if (rc == LPG_EUNAVAILABLE) {
        fprintf(stderr, "lpgtrace: the %s service does not answer (is it "
                        "running? endpoint %s)\n", service,
                lpg_config_get(cfg, "endpoint.registry"));
        return 2;
    }
    if (rc != LPG_OK)
        return lpg_cli_fail(service, rc);
    lpg_cli_print_reply(cli, r);
    int status = lpg_msg_exit(r);
    if (reply_out)
        *reply_out = r;
    else
        lpg__reply__free_unpacked(r, NULL);
    return status;
}
