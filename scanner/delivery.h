/*  delivery.h - the driver's handheld: lpg-scan dispatch, deliver,
 *  collect and return. Each builds the step's event for the scanned
 *  cylinder, signs it with this device's key (device.key + ".pem"),
 *  sends it to lpg-deliveryd over CURVE and shows the answer: OK or
 *  REFUSED with every reason, and LATE when it arrived late. A code
 *  that does not verify is refused here at once, and its step is
 *  recorded refused through the home's queue (queue.h).
 */
#ifndef LPG_SCAN_DELIVERY_H
#define LPG_SCAN_DELIVERY_H

#include <stdbool.h>

/*  Is command one of dispatch, deliver, collect, return? */
bool lpg_scan_is_delivery(const char *command);

/*  argv[0] is the command name. Exit status: 0 recorded (a late step
 *  too), 1 refused (a forged code too, recorded or queued), 2 error
 *  (usage, configuration, no service). */
int lpg_scan_delivery(const char *home, int argc, char **argv);

#endif
