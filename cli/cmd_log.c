/*  cmd_log.c - lpgtrace log (not built yet). */
#include "cli.h"

#include <stdio.h>

int
lpg_cmd_log(lpg_cli_t *cli, int argc, char **argv)
{
    fprintf(stderr, "lpgtrace: 'log' is not available yet\n");
    return 2;
}
