/*  cmd_gen.c - lpgtrace gen (not built yet). */
#include "cli.h"

#include <stdio.h>

int
lpg_cmd_gen(lpg_cli_t *cli, int argc, char **argv)
{
    fprintf(stderr, "lpgtrace: 'gen' is not available yet\n");
    return 2;
}
