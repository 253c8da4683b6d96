/*  gascert_sign.c - test tool: signs a gas-use certificate with any key,
 *  with none of the checks `lpgtrace user cert` makes, so the tests can
 *  make the certificates a forger or a careless admin would.
 *
 *    gascert_sign KEY.pem RESOLVER COMPANY USER NUMBER YYYYMMDD
 *
 *  Prints the certificate text. Exit status 0, or 2 on an error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "base/error.h"
#include "codes/gascert.h"

int
main(int argc, char **argv)
{
    if (argc != 7) {
        fprintf(stderr, "usage: gascert_sign KEY.pem RESOLVER COMPANY USER "
                        "NUMBER YYYYMMDD\n");
        return 2;
    }
    char *end = NULL;
    unsigned long until = strtoul(argv[6], &end, 10);
    if (!*argv[6] || *end || until > 99991231) {
        fprintf(stderr, "gascert_sign: %s is no date YYYYMMDD\n", argv[6]);
        return 2;
    }
    lpg_key_t *key = NULL;
    int rc = lpg_key_load_private(&key, argv[1]);
    char text[LPG_GASCERT_MAX_TEXT + 1];
    if (rc == LPG_OK)
        rc = lpg_gascert_issue(text, sizeof text, key, argv[2], argv[3],
                               argv[4], argv[5], (uint32_t)until);
    lpg_key_destroy(&key);
    if (rc != LPG_OK) {
        fprintf(stderr, "gascert_sign: %s\n", lpg_strerror(rc));
        return 2;
    }
    puts(text);
    return 0;
}
