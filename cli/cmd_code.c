/*  cmd_code.c - lpgtrace code (not built yet). */
#include "cli.h"

#include <stdio.h>

int
lpg_cmd_code(lpg_cli_t *cli, int argc, char **argv)
{
    fprintf(stderr, "lpgtrace: 'code' is not available yet\n");
    return 2;
}
