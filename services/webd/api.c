/*  api.c - the handheld API (/api/v1/...): not served yet; every request
 *  is answered 501 with a problem document.
 */
#include "webd.h"

void
lpg_webd_api(lpg_webd_t *w, const lpg_webd_req_t *req, lpg_webd_resp_t *resp)
{
    lpg_webd_problem(resp, 501, "not-implemented", "Not implemented",
                     "The handheld API is not served yet.");
}
