/*  inspection.h - the inspector's side of lpg-inspectiond: lpg-scan
 *  inspect (a household check, each failed item a hazard), lpg-scan
 *  rectify (a hazard found put right) and lpg-scan periodic (an
 *  inspection body's verdict on a cylinder). Each signs the event with
 *  this device's key (device.key + ".pem") and sends it to
 *  lpg-inspectiond over CURVE.
 */
#ifndef LPG_SCAN_INSPECTION_H
#define LPG_SCAN_INSPECTION_H

/*  argv[0] is the command name. Exit status: 0 recorded, 1 refused,
 *  2 error. */
int lpg_scan_inspect(const char *home, int argc, char **argv);
int lpg_scan_periodic(const char *home, int argc, char **argv);
int lpg_scan_rectify(const char *home, int argc, char **argv);

#endif
