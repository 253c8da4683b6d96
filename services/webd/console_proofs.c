/*  console_proofs.c - see console.h. */
#include "console.h"

void
lpg_console_proofs(lpg_webd_t *w, const lpg_webd_req_t *req,
                   lpg_webd_resp_t *resp, const lpg_console_who_t *who)
{
    lpg_webd_problem(resp, 501, "not-implemented", "Not implemented",
                     "This part of the console is not built yet.");
}
