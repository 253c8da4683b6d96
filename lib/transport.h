/*  transport.h - the ZeroMQ adapter: CURVE transport keys (and, as the
 *  services grow, sockets and the ZAP handler).
 *
 *  The only module that includes libzmq. CURVE keys are kept in Z85 text
 *  files: NAME.curve (secret, mode 0600) and NAME.curve.pub.
 */
#ifndef LPG_TRANSPORT_H
#define LPG_TRANSPORT_H

#include <stdint.h>

#define LPG_Z85_KEY_LEN 40 /* a 32-byte key in Z85, without the NUL */

/*  Makes a CURVE key pair and writes prefix.curve (0600) and
 *  prefix.curve.pub. Refuses to overwrite (LPG_EEXIST). If pub_z85 is
 *  not NULL it receives the public key in Z85 (41 bytes with NUL). */
int lpg_curve_generate(const char *prefix, char *pub_z85);

/*  Reads a Z85 key file into 32 raw bytes. A secret key file readable by
 *  others is refused (LPG_EKEYPERM). */
int lpg_curve_load(const char *path, uint8_t key[32]);

/*  Z85 text (40 chars) to 32 raw bytes; LPG_EMALFORMED if not a key. */
int lpg_curve_decode(const char *z85, uint8_t key[32]);

#endif
