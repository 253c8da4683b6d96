/*  log.h - one-line, human-readable logging to stderr.
 *
 *  Each line: ISO-8601 UTC time, level, component, message. The level is
 *  set once at start (lpg_log_set_level) or from LPG_LOG_LEVEL
 *  (debug|info|warn|error).
 */
#ifndef LPG_LOG_H
#define LPG_LOG_H

typedef enum {
    LPG_LOG_DEBUG = 0,
    LPG_LOG_INFO = 1,
    LPG_LOG_WARN = 2,
    LPG_LOG_ERROR = 3,
} lpg_log_level_t;

void lpg_log_set_level(lpg_log_level_t level);
/*  Sets the component name printed on each line (static string). */
void lpg_log_set_component(const char *name);
void lpg_log(lpg_log_level_t level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define lpg_debug(...) lpg_log(LPG_LOG_DEBUG, __VA_ARGS__)
#define lpg_info(...) lpg_log(LPG_LOG_INFO, __VA_ARGS__)
#define lpg_warn(...) lpg_log(LPG_LOG_WARN, __VA_ARGS__)
#define lpg_error(...) lpg_log(LPG_LOG_ERROR, __VA_ARGS__)

#endif
