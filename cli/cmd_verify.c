/*  cmd_verify.c - lpgtrace verify (not built yet). */
#include "cli.h"

#include <stdio.h>

int
lpg_cmd_verify(lpg_cli_t *cli, int argc, char **argv)
{
    fprintf(stderr, "lpgtrace: 'verify' is not available yet\n");
    return 2;
}
