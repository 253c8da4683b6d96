/*  address.h - the driver's handheld: lpg-scan address --order ID.
 *
 *  Asks for the address (and the contact phone) of the household of an
 *  order assigned to this handheld's driver: signs an OrderAddress with
 *  the device key (device.key + ".pem"), naming the driver
 *  (device.operator, or --driver) and the order, and sends it to
 *  lpg-registryd (endpoint.registry, keys/registry.curve.pub), which
 *  records the look and answers the address with the recording.
 *  --keep FILE saves the signed look; --again FILE sends it again as it
 *  is (a retry whose answer was lost), answered the address again by
 *  the registry when sent by the device that signed it, within the
 *  look's window, while the order is open.
 *  Refused (ORDER_UNKNOWN, ORDER_NOT_YOURS, ORDER_CLOSED), the look is
 *  recorded too and nothing of the person is shown.
 */
#ifndef LPG_SCAN_ADDRESS_H
#define LPG_SCAN_ADDRESS_H

/*  argv[0] is "address". Exit status: 0 the address shown, 1 refused,
 *  2 error (usage, configuration, no service, no address to show). */
int lpg_scan_address(const char *home, int argc, char **argv);

#endif
