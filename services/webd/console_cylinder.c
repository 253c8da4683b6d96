/*  console_cylinder.c - the cylinder page (GET /console/cylinder?q=...). */
#include "console_int.h"

void
lpg_console_cylinder(lpg_webd_t *w, const lpg_webd_req_t *req,
                     lpg_webd_resp_t *resp, const lpg_console_who_t *who)
{
    lpg_console_send_page(resp, 200, who, "气瓶", "Cylinder", "", NULL);
}
