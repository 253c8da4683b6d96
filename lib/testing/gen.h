/*  gen.h - a generator of realistic signed events, before the services
 *  exist: a fleet of companies, filling stations and enrolled devices,
 *  registered cylinders (with real codes), then fill checks and fill
 *  records as a station's scanner would sign them.
 *
 *  Used by `lpgtrace gen`, by the tests and by the benchmarks. The
 *  authority key signs enrolments and registrations; each device key is
 *  made here and signs that device's events.
 */
#ifndef LPG_GEN_H
#define LPG_GEN_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"

typedef struct {
    unsigned companies;   /* gas companies (default 2) */
    unsigned sites;       /* filling stations, spread over companies (4) */
    unsigned devices;     /* scanners, spread over stations (8) */
    unsigned cylinders;   /* registered cylinders (100) */
    unsigned fills;       /* fills: a fill check and a fill record each */
    unsigned hot_fills;   /* of those, fills of cylinder 0, spread evenly
                            through the rest (0: every cylinder alike) */
    uint64_t seed;        /* names and weights follow from it */
    const char *resolver; /* code resolver host */
} lpg_gen_opts_t;

typedef struct lpg_gen lpg_gen_t;

/*  A generator; authority must have its private half. Caller owns *out. */
int lpg_gen_new(lpg_gen_t **out, const lpg_key_t *authority,
                const lpg_gen_opts_t *opts);

/*  The next SignedEvent, in an order the ledger accepts (enrolments,
 *  registrations, then fills). Caller frees *data. LPG_ENOTFOUND when
 *  every event has been produced. */
int lpg_gen_next(lpg_gen_t *g, uint8_t **data, size_t *len);

/*  Cylinder i's code text, registered tare and filling station (valid
 *  while the generator lives); i < opts.cylinders. */
const char *lpg_gen_cylinder(const lpg_gen_t *g, unsigned i, uint32_t *tare_g,
                             char *site, size_t sitesz);

/*  The key of generated device i (to sign more events as it), and the
 *  station it is enrolled at. */
const lpg_key_t *lpg_gen_device(const lpg_gen_t *g, unsigned i, char *site,
                                size_t sitesz);

/*  Events in all (setup + 2 per fill). */
uint64_t lpg_gen_total(const lpg_gen_t *g);

void lpg_gen_destroy(lpg_gen_t **p);

#endif
