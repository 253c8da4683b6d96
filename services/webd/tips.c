/*  tips.c - reports from the public (举报).
 */
#include "daemon.h"

void
lpg_webd_tip_form(lpg_webd_t *w, const lpg_webd_req_t *req,
                  lpg_webd_resp_t *resp)
{
    lpg_webd_problem(resp, 501, "not-implemented", "Not implemented", NULL);
}

void
lpg_webd_tip_post(lpg_webd_t *w, const lpg_webd_req_t *req,
                  lpg_webd_resp_t *resp)
{
    lpg_webd_problem(resp, 501, "not-implemented", "Not implemented", NULL);
}
