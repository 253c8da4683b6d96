/*  cmd_code.c - lpgtrace code: issue a cylinder code with the authority
 *  key (config authority.key), or verify one with the authority public key
 *  (authority.public), against the resolver of config key code.resolver.
 *
 *  verify exits 0 for a valid code, 1 for any invalid one (Caps Lock too:
 *  the text as scanned is not a valid code, though the fields it would
 *  have are shown), 2 for bad usage or an unreadable key.
 */
#include "cli.h"
#include "codes/code.h"
#include "crypto/crypto.h"
#include "base/error.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
s_usage(FILE *f)
{
    fprintf(f,
            "usage: lpgtrace code issue --prefix P --type T --serial S "
            "[--rev N]\n"
            "       lpgtrace code verify TEXT     (TEXT '-': one line from "
            "stdin)\n\n"
            "issue   signs a cylinder code with the authority key and prints "
            "it;\n"
            "        prefix + type are 12 digits together, serial is the "
            "steel-stamp\n"
            "        serial [0-9A-Z]{1,16}, revision defaults to 1; it "
            "records\n"
            "        nothing (a registered cylinder's new label is "
            "`lpgtrace\n"
            "        cylinder relabel`).\n"
            "verify  checks a code with the authority public key and prints "
            "what it\n"
            "        binds or why it is invalid; exit 0 valid, 1 invalid, 2 "
            "error.\n");
}

/*  Matches "--name VALUE" or "--name=VALUE" at argv[*i]. */
static bool
s_opt(int argc, char **argv, int *i, const char *name, const char **val)
{
    size_t n = strlen(name);
    if (strncmp(argv[*i], name, n) != 0)
        return false;
    if (argv[*i][n] == '=') {
        *val = argv[*i] + n + 1;
        return true;
    }
    if (argv[*i][n] == '\0' && *i + 1 < argc) {
        *val = argv[++*i];
        return true;
    }
    return false;
}

/*  Prints a JSON object on stdout, one line; frees it. */
static int
s_print_json(json_t *obj)
{
    if (!obj)
        return lpg_cli_fail("json", LPG_ENOMEM);
    char *s = json_dumps(obj, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(obj);
    if (!s)
        return lpg_cli_fail("json", LPG_ENOMEM);
    puts(s);
    free(s);
    return 0;
}

/*  The fields a code binds, as a JSON object (NULL if out of memory). */
static json_t *
s_code_json(const lpg_code_t *code)
{
    char short_id[LPG_CODE_SHORT_ID_MAX + 1];
    lpg_code_short_id(code, short_id);
    char text[LPG_CODE_MAX_TEXT + 1];
    json_t *obj =
        json_pack("{s:s, s:s, s:I, s:s, s:s}", "grai", code->grai, "serial",
                  code->serial, "revision", (json_int_t)code->revision,
                  "resolver", code->resolver, "short_id", short_id);
    if (obj && lpg_code_format(code, text, sizeof text) == LPG_OK)
        json_object_set_new(obj, "text", json_string(text));
    return obj;
}

static void
s_print_fields(const lpg_code_t *code)
{
    char short_id[LPG_CODE_SHORT_ID_MAX + 1];
    lpg_code_short_id(code, short_id);
    printf("  grai:      %s\n"
           "  serial:    %s\n"
           "  revision:  %" PRIu32 "\n"
           "  resolver:  %s\n"
           "  short id:  %s\n",
           code->grai, code->serial, code->revision, code->resolver, short_id);
}

static int
s_issue(lpg_cli_t *cli, int argc, char **argv)
{
    const char *prefix = NULL, *type = NULL, *serial = NULL, *rev = NULL;
    for (int i = 1; i < argc; i++) {
        if (s_opt(argc, argv, &i, "--prefix", &prefix) ||
            s_opt(argc, argv, &i, "--type", &type) ||
            s_opt(argc, argv, &i, "--serial", &serial) ||
            s_opt(argc, argv, &i, "--rev", &rev))
            continue;
        fprintf(stderr, "lpgtrace: code issue: unexpected '%s'\n", argv[i]);
        s_usage(stderr);
        return 2;
    }
    if (!prefix || !type || !serial) {
        fprintf(stderr, "lpgtrace: code issue: --prefix, --type and "
                        "--serial are required\n");
        s_usage(stderr);
        return 2;
    }
    uint64_t revision = 1;
    if (rev && (!lpg_cli_u64(rev, &revision) || revision > UINT32_MAX)) {
        fprintf(stderr, "lpgtrace: code issue: --rev must be 0..%" PRIu32 "\n",
                UINT32_MAX);
        return 2;
    }
    /* Say which argument is wrong before touching the key. */
    char grai[LPG_CODE_GRAI_MAX + 1];
    int rc = lpg_code_grai(grai, prefix, type, serial);
    if (rc == LPG_EINVAL) {
        fprintf(stderr, "lpgtrace: code issue: --prefix and --type must be "
                        "digits, 12 together (prefix at least one)\n");
        return 2;
    }
    if (rc == LPG_ECODE_SERIAL) {
        fprintf(stderr,
                "lpgtrace: code issue: --serial '%s' is not a "
                "steel-stamp serial [0-9A-Z]{1,16}\n",
                serial);
        return 2;
    }
    lpg_config_t *cfg = lpg_cli_config(cli);
    if (!cfg)
        return 2;
    const char *resolver = lpg_config_get(cfg, "code.resolver");
    lpg_key_t *key = lpg_cli_key(cli, "authority.key", true);
    if (!key)
        return 2;
    char text[LPG_CODE_MAX_TEXT + 1];
    rc = lpg_code_issue(key, resolver, prefix, type, serial,
                        (uint32_t)revision, text, sizeof text);
    lpg_key_destroy(&key);
    if (rc == LPG_EINVAL) {
        fprintf(stderr,
                "lpgtrace: code issue: code.resolver '%s' is not a "
                "lower-case host name\n",
                resolver);
        return 2;
    }
    if (rc == LPG_ETOOBIG) {
        fprintf(stderr,
                "lpgtrace: code issue: the code would be longer "
                "than %d bytes (QR version 12, level H): "
                "code.resolver '%s' is too long for this serial "
                "and revision\n",
                LPG_CODE_QR_MAX_BYTES, resolver);
        return 2;
    }
    if (rc != LPG_OK)
        return lpg_cli_fail("code issue", rc);
    if (!cli->json) {
        puts(text);
        return 0;
    }
    lpg_code_t code;
    rc = lpg_code_parse(text, strlen(text), resolver, &code);
    if (rc != LPG_OK)
        return lpg_cli_fail("code issue", LPG_EINTERNAL);
    return s_print_json(s_code_json(&code));
}

static int
s_verify(lpg_cli_t *cli, int argc, char **argv)
{
    if (argc != 2) {
        s_usage(stderr);
        return 2;
    }
    char *owned = NULL;
    const char *text = argv[1];
    size_t len = strlen(text);
    if (strcmp(text, "-") == 0) {
        /* One scanned line; a wedge scanner ends it with Enter. */
        owned = lpg_cli_read_file("-", 4096, &len);
        if (!owned)
            return 2;
        if (len > 0 && owned[len - 1] == '\n')
            len--;
        if (len > 0 && owned[len - 1] == '\r')
            len--;
        text = owned;
    }
    int status = 2;
    lpg_key_t *key = NULL;
    lpg_code_t code;
    lpg_config_t *cfg = lpg_cli_config(cli);
    if (!cfg)
        goto cleanup;
    key = lpg_cli_key(cli, "authority.public", false);
    if (!key)
        goto cleanup;
    int rc = lpg_code_verify(text, len, lpg_config_get(cfg, "code.resolver"),
                             key, &code);
    bool invalid = rc <= LPG_ECODE_NOTURL && rc >= LPG_ECODE_REVOKED;
    if (rc != LPG_OK && !invalid) {
        status = lpg_cli_fail("code verify", rc);
        goto cleanup;
    }
    status = rc == LPG_OK ? 0 : 1;
    if (cli->json) {
        json_t *obj = rc == LPG_OK || rc == LPG_ECODE_CASE ? s_code_json(&code)
                                                           : json_object();
        if (obj) {
            json_object_set_new(obj, "valid", json_boolean(rc == LPG_OK));
            json_object_set_new(obj, "status", json_string(lpg_errtoken(rc)));
            if (rc != LPG_OK) {
                json_object_set_new(obj, "message", json_string(code.why));
                json_object_set_new(obj, "at",
                                    json_integer((json_int_t)code.at));
            }
        }
        if (s_print_json(obj) != 0)
            status = 2;
        goto cleanup;
    }
    if (rc == LPG_OK) {
        printf("valid code\n");
        s_print_fields(&code);
    } else if (rc == LPG_ECODE_CASE) {
        printf("invalid code: %s: %s\n"
               "read with the letter case swapped, it is valid:\n",
               lpg_errtoken(rc), code.why);
        s_print_fields(&code);
    } else {
        printf("invalid code: %s: %s (at byte %zu)\n", lpg_errtoken(rc),
               code.why, code.at);
    }

cleanup:
    lpg_key_destroy(&key);
    free(owned);
    return status;
}

int
lpg_cmd_code(lpg_cli_t *cli, int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "issue") == 0)
        return s_issue(cli, argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "verify") == 0)
        return s_verify(cli, argc - 1, argv + 1);
    if (argc >= 2 &&
        (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        s_usage(stdout);
        return 0;
    }
    s_usage(stderr);
    return 2;
}
