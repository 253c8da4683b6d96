/*  machine.h - this machine's own limits, as the benchmarks measure them
 *  in the same run as what they compare with them.
 */
#ifndef LPG_MACHINE_H
#define LPG_MACHINE_H

#include <stddef.h>

/*  Seconds on the monotonic clock, and the CPU seconds this process has
 *  used (every thread): what the benchmarks time with. */
double lpg_machine_now(void);
double lpg_machine_cpu(void);

/*  Ed25519 verifies per second on the calling thread (one core), by the
 *  verifier in use: the best of three rounds of `round` verifies of
 *  event-sized messages (300 bytes, the event context), 256 distinct
 *  keys and signatures in turn as a ledger has them, after one untimed
 *  round (code and tables cold). The best round is the quietest
 *  moment of a shared machine. 0 if no key could be made. */
double lpg_machine_verifies(unsigned round);

/*  The same with `threads` threads verifying at once (the cores a
 *  pipeline verifies on): all of them together, per second, the best of
 *  three timed rounds after an untimed one. Two cores of a shared
 *  machine need not verify twice what one does: this is the limit
 *  verification alone reaches on them. 0 if no key or thread could be
 *  made. */
double lpg_machine_verifies_at_once(unsigned round, unsigned threads);

#endif
