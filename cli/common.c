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
#include "report/report.h"

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
    char why[512] = "";
    if (lpg_config_map_size(cfg, &map_size, why, sizeof why) != LPG_OK) {
        fprintf(stderr, "lpgtrace: configuration: %s\n", why);
        return NULL;
    }
    lpg_ledger_t *l = NULL;
    int rc = lpg_ledger_open(&l, path, flags & ~LPG_CLI_STATE_QUIET, map_size,
                             &lpg_domain_projection);
    if (rc == LPG_ENEWER) {
        fprintf(stderr, "lpgtrace: this lpgtrace is older than the ledger's "
                        "state (see above): use the newer lpgtrace\n");
        return NULL;
    }
    if (rc == LPG_OK && (flags & LPG_LEDGER_RDONLY) &&
        !(flags & LPG_CLI_STATE_QUIET) &&
        lpg_ledger_state_check(l, NULL, why, sizeof why) == LPG_ESTALE)
        fprintf(stderr, "lpgtrace: warning: %s\n", why);
    if (rc != LPG_OK) {
        if (rc == LPG_ENOTFOUND)
            fprintf(stderr,
                    "lpgtrace: no ledger in %s (run 'lpgtrace "
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
                !buf  ? "out of memory"
                : err ? "read error"
                      : "too large");
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
    return lpg_report_date(s, out);
}

void
lpg_cli_print_reply(lpg_cli_t *cli, const Lpg__Reply *r)
{
    if (cli->json) {
        json_t *o = lpg_msg_reply_json(r);
        lpg_msg_emit_json(o);
        return;
    }
    printf("%s %s: %s", lpg_msg_status_name(r->status), r->token, r->message);
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

lpg_client_t *
lpg_cli_client(lpg_cli_t *cli, const char *service)
{
    lpg_config_t *cfg = lpg_cli_config(cli);
    if (!cfg)
        return NULL;
    lpg_client_t *c = NULL;
    int rc = lpg_client_from_config(&c, cfg, service);
    if (rc != LPG_OK) {
        char what[64];
        snprintf(what, sizeof what, "%s client", service);
        lpg_cli_fail(what, rc);
        return NULL;
    }
    return c;
}

int
lpg_cli_unanswered(lpg_cli_t *cli, const char *service, int err)
{
    if (err != LPG_EUNAVAILABLE)
        return lpg_cli_fail(service, err);
    lpg_config_t *cfg = lpg_cli_config(cli);
    char key[64];
    snprintf(key, sizeof key, "endpoint.%s", service);
    const char *endpoint = cfg ? lpg_config_get(cfg, key) : NULL;
    fprintf(stderr,
            "lpgtrace: the %s service does not answer (is it "
            "running? endpoint %s)\n",
            service, endpoint ? endpoint : "?");
    return 2;
}

int
lpg_cli_answer(lpg_cli_t *cli, Lpg__Reply *r, Lpg__Reply **reply_out)
{
    int status = lpg_msg_exit(r);
    if (reply_out) {
        *reply_out = r;
        return status;
    }
    lpg_cli_print_reply(cli, r);
    lpg__reply__free_unpacked(r, NULL);
    return status;
}

int
lpg_cli_submit(lpg_cli_t *cli, const char *service, Lpg__Event *ev,
               const lpg_key_t *signer, Lpg__Reply **reply_out)
{
    if (reply_out)
        *reply_out = NULL;
    lpg_client_t *c = lpg_cli_client(cli, service);
    if (!c)
        return 2;
    Lpg__Reply *r = NULL;
    int rc = lpg_client_sign_submit(c, signer, ev, NULL, 0, NULL, NULL, &r);
    lpg_client_destroy(&c);
    if (rc != LPG_OK)
        return lpg_cli_unanswered(cli, service, rc);
    return lpg_cli_answer(cli, r, reply_out);
}
