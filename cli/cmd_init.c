/*  cmd_init.c - lpgtrace init (not built yet). */
#include "cli.h"

#include <stdio.h>

int
lpg_cmd_init(lpg_cli_t *cli, int argc, char **argv)
{
    fprintf(stderr, "lpgtrace: 'init' is not available yet\n");
    return 2;
}
