/*  cmd_keygen.c - lpgtrace keygen --out NAME: a device's two key pairs.
 *
 *  NAME.pem / NAME.pub: Ed25519, signs the device's events (PEM).
 *  NAME.curve / NAME.curve.pub: CURVE, the encrypted transport (Z85).
 *  Secret halves are mode 0600; nothing is overwritten.
 */
#include "cli.h"
#include "crypto/crypto.h"
#include "base/error.h"
#include "net/transport.h"

#include <stdio.h>
#include <string.h>

int
lpg_cmd_keygen(lpg_cli_t *cli, int argc, char **argv)
{
    const char *out = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
            out = argv[++i];
        else {
            out = NULL;
            break;
        }
    }
    if (!out || !*out) {
        fprintf(stderr, "usage: lpgtrace keygen --out NAME\n");
        return 2;
    }
    char path[4096];
    lpg_key_t *key = NULL;
    int rc = lpg_key_generate(&key);
    if (rc == LPG_OK) {
        snprintf(path, sizeof path, "%s.pem", out);
        rc = lpg_key_save_private(key, path);
    }
    if (rc == LPG_OK) {
        snprintf(path, sizeof path, "%s.pub", out);
        rc = lpg_key_save_public(key, path);
    }
    char z85[41] = "";
    if (rc == LPG_OK) {
        snprintf(path, sizeof path, "%s.curve", out);
        rc = lpg_curve_generate(out, z85);
    }
    if (rc != LPG_OK) {
        fprintf(stderr, "lpgtrace: %s: %s\n", path, lpg_strerror(rc));
        lpg_key_destroy(&key);
        return 2;
    }
    uint8_t id[32];
    char hex[65];
    lpg_key_id(key, id);
    lpg_hex(id, 32, hex);
    printf("signing key    %s.pem (public %s.pub)\n"
           "  key id       %s\n"
           "transport key  %s.curve (public %s.curve.pub)\n"
           "  public       %s\n",
           out, out, hex, out, out, z85);
    lpg_key_destroy(&key);
    return 0;
}
