/*  cmd_ping.c - lpgtrace ping SERVICE: is the service up, and does it
 *  accept this device? Exit 0 if it answered OK. */
#include "cli.h"
#include "net/client.h"
#include "base/error.h"

#include <stdio.h>

int
lpg_cmd_ping(lpg_cli_t *cli, int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: lpgtrace ping registry|filling|delivery|"
                        "inspection|trace\n");
        return 2;
    }
    lpg_config_t *cfg = lpg_cli_config(cli);
    if (!cfg)
        return 2;
    lpg_client_t *c = NULL;
    int rc = lpg_client_from_config(&c, cfg, argv[1]);
    if (rc == LPG_ECONFIG) {
        fprintf(stderr, "lpgtrace: no service called '%s'\n", argv[1]);
        return 2;
    }
    Lpg__Request req = LPG__REQUEST__INIT;
    Lpg__Ping ping = LPG__PING__INIT;
    req.body_case = LPG__REQUEST__BODY_PING;
    req.ping = &ping;
    Lpg__Reply *r = NULL;
    if (rc == LPG_OK)
        rc = lpg_client_call(c, &req, &r);
    lpg_client_destroy(&c);
    if (rc != LPG_OK) {
        fprintf(stderr, "lpgtrace: %s: %s\n", argv[1],
                rc == LPG_EUNAVAILABLE ? "no answer (not running, or this "
                                         "device is not admitted)"
                                       : lpg_strerror(rc));
        return 2;
    }
    lpg_cli_print_reply(cli, r);
    int status = r->status == LPG__STATUS__STATUS_OK ? 0 : 1;
    lpg__reply__free_unpacked(r, NULL);
    return status;
}
