/*  cmd_label.c - lpgtrace label (not built yet). */
#include "cli.h"

#include <stdio.h>

int
lpg_cmd_label(lpg_cli_t *cli, int argc, char **argv)
{
    fprintf(stderr, "lpgtrace: 'label' is not available yet\n");
    return 2;
}
