/*  cmd_keygen.c - lpgtrace keygen (not built yet). */
#include "cli.h"

#include <stdio.h>

int
lpg_cmd_keygen(lpg_cli_t *cli, int argc, char **argv)
{
    fprintf(stderr, "lpgtrace: 'keygen' is not available yet\n");
    return 2;
}
