/*  fill.h - the station's side of the fill gate: lpg-scan fill-check,
 *  fill-done and override. Each builds the event, signs it with this
 *  device's key (device.key + ".pem"), sends it to lpg-fillingd over
 *  CURVE and shows the answer to the operator: ALLOW or DENY with every
 *  reason in plain words, and the stamp serial to compare.
 */
#ifndef LPG_SCAN_FILL_H
#define LPG_SCAN_FILL_H

#include <stddef.h>

/*  argv[0] is the command name. Exit status: 0 allowed / recorded,
 *  1 denied / refused, 2 error. */
int lpg_scan_fill_check(const char *home, int argc, char **argv);
int lpg_scan_fill_done(const char *home, int argc, char **argv);
int lpg_scan_override(const char *home, int argc, char **argv);

/*  Decodes IMAGE within the home's scan.decode_budget_ms and writes the
 *  first QR text found into out. Returns 0, 1 when no code was found, 2
 *  on an unreadable image or a bad configuration (why says), 3 when no
 *  code was found in time (why says). */
int lpg_scan_image_text(const char *home, const char *path, char *out,
                        size_t outsz, char *why, size_t whysz);

#endif
