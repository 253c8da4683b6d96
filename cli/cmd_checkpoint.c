/*  cmd_checkpoint.c - lpgtrace checkpoint (not built yet). */
#include "cli.h"

#include <stdio.h>

int
lpg_cmd_checkpoint(lpg_cli_t *cli, int argc, char **argv)
{
    fprintf(stderr, "lpgtrace: 'checkpoint' is not available yet\n");
    return 2;
}
