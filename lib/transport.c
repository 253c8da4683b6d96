/*  transport.c - see transport.h. */
#include "transport.h"
#include "error.h"
#include "log.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

static int
s_write_new(const char *path, const char *text, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
    if (fd < 0) {
        if (errno == EEXIST)
            return LPG_EEXIST;
        lpg_error("cannot create %s: %s", path, strerror(errno));
        return LPG_EIO;
    }
    size_t len = strlen(text);
    ssize_t w = write(fd, text, len);
    int rc = (w == (ssize_t)len && fsync(fd) == 0) ? LPG_OK : LPG_EIO;
    close(fd);
    return rc;
}

int
lpg_curve_generate(const char *prefix, char *pub_z85)
{
    char pub[41], sec[41];
    if (zmq_curve_keypair(pub, sec) != 0) {
        lpg_error("CURVE key generation failed: %s", zmq_strerror(errno));
        return LPG_ECRYPTO;
    }
    char path[4096], text[64];
    int n = snprintf(path, sizeof path, "%s.curve", prefix);
    if (n < 0 || (size_t)n >= sizeof path - 4)
        return LPG_ERANGE;
    snprintf(text, sizeof text, "%s\n", sec);
    int rc = s_write_new(path, text, 0600);
    memset(sec, 0, sizeof sec);
    memset(text, 0, sizeof text);
    if (rc != LPG_OK)
        return rc;
    snprintf(path, sizeof path, "%s.curve.pub", prefix);
    snprintf(text, sizeof text, "%s\n", pub);
    rc = s_write_new(path, text, 0644);
    if (rc == LPG_OK && pub_z85)
        memcpy(pub_z85, pub, 41);
    return rc;
}

int
lpg_curve_decode(const char *z85, uint8_t key[32])
{
    if (strlen(z85) != LPG_Z85_KEY_LEN)
        return LPG_EMALFORMED;
    return zmq_z85_decode(key, z85) ? LPG_OK : LPG_EMALFORMED;
}

int
lpg_curve_load(const char *path, uint8_t key[32])
{
    struct stat st;
    if (stat(path, &st) != 0)
        return LPG_ENOTFOUND;
    size_t plen = strlen(path);
    bool secret = !(plen > 4 && strcmp(path + plen - 4, ".pub") == 0);
    if (secret && (st.st_mode & 077)) {
        lpg_error("%s is readable by others: chmod 600 it", path);
        return LPG_EKEYPERM;
    }
    FILE *f = fopen(path, "r");
    if (!f)
        return LPG_EIO;
    char line[128];
    int rc = LPG_EKEYFORMAT;
    if (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (lpg_curve_decode(line, key) == LPG_OK)
            rc = LPG_OK;
    }
    memset(line, 0, sizeof line);
    fclose(f);
    return rc;
}
