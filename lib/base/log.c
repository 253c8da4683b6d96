/*  log.c - see log.h. */
#include "base/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static int s_level = -1;
static const char *s_component = "lpgtrace";

static int
s_current_level(void)
{
    if (s_level < 0) {
        const char *env = getenv("LPG_LOG_LEVEL");
        s_level = LPG_LOG_INFO;
        if (env && strcmp(env, "debug") == 0)
            s_level = LPG_LOG_DEBUG;
        else if (env && strcmp(env, "warn") == 0)
            s_level = LPG_LOG_WARN;
        else if (env && strcmp(env, "error") == 0)
            s_level = LPG_LOG_ERROR;
    }
    return s_level;
}

void
lpg_log_set_level(lpg_log_level_t level)
{
    s_level = (int)level;
}

void
lpg_log_set_component(const char *name)
{
    s_component = name ? name : "lpgtrace";
}

void
lpg_log(lpg_log_level_t level, const char *fmt, ...)
{
    static const char *names[] = {"debug", "info", "warn", "error"};
    if ((int)level < s_current_level())
        return;
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    gmtime_r(&tv.tv_sec, &tm);
    char when[32];
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s.%03dZ %-5s %s: %s\n", when, (int)(tv.tv_usec / 1000),
            names[level], s_component, msg);
}
