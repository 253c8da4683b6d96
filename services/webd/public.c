/*  public.c - the public page behind every cylinder code, the GS1
 *  resolver's linkset and description, and the page's style sheet.
 */
#include "daemon.h"

void
lpg_webd_public(lpg_webd_t *w, const lpg_webd_req_t *req,
                lpg_webd_resp_t *resp)
{
    lpg_webd_problem(resp, 501, "not-implemented", "Not implemented", NULL);
}

void
lpg_webd_resolver(lpg_webd_t *w, const lpg_webd_req_t *req,
                  lpg_webd_resp_t *resp)
{
    lpg_webd_problem(resp, 501, "not-implemented", "Not implemented", NULL);
}

void
lpg_webd_style(lpg_webd_resp_t *resp)
{
    lpg_webd_problem(resp, 501, "not-implemented", "Not implemented", NULL);
}
