/*  api_openapi.c - the API's OpenAPI 3.1 document, served at
 *  /api/v1/openapi.json. The document is services/webd/openapi.json,
 *  built into the binary as it is (the assembler's .incbin: nothing to
 *  find at run time, and the file stays one a linter reads).
 */
#include "api.h"

#include <stdlib.h>
#include <string.h>

__asm__(".section .rodata\n"
        ".balign 16\n"
        "lpg_webd_openapi_start:\n"
        ".incbin \"services/webd/openapi.json\"\n"
        "lpg_webd_openapi_end:\n"
        ".byte 0\n"
        ".previous\n");
extern const char lpg_webd_openapi_start[] __asm__("lpg_webd_openapi_start");
extern const char lpg_webd_openapi_end[] __asm__("lpg_webd_openapi_end");

void
lpg_webd_api_openapi(lpg_webd_resp_t *resp)
{
    size_t n = (size_t)(lpg_webd_openapi_end - lpg_webd_openapi_start);
    char *body = malloc(n + 1);
    if (!body) {
        lpg_webd_problem(resp, 500, "internal", "Internal error", NULL);
        return;
    }
    memcpy(body, lpg_webd_openapi_start, n);
    body[n] = '\0';
    resp->status = 200;
    resp->content_type = "application/json";
    resp->body = body;
    resp->body_len = n;
}
