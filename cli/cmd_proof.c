/*  cmd_proof.c - lpgtrace proof (not built yet). */
#include "cli.h"

#include <stdio.h>

int
lpg_cmd_proof(lpg_cli_t *cli, int argc, char **argv)
{
    fprintf(stderr, "lpgtrace: 'proof' is not available yet\n");
    return 2;
}
