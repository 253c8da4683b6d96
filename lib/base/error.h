/*  error.h - the one error enum of lpgtrace.
 *
 *  Every function that can fail returns 0 (LPG_OK) or one of these negative
 *  codes. lpg_strerror() gives words a person understands; lpg_errtoken()
 *  gives the stable machine token used on the wire and in scripts. Codes are
 *  never renumbered: add new ones at the end of their band.
 */
#ifndef LPG_ERROR_H
#define LPG_ERROR_H

#include <stddef.h>

typedef enum {
    LPG_OK = 0,
    /* general */
    LPG_ENOMEM = -1,         /* out of memory */
    LPG_EINVAL = -2,         /* invalid argument or input */
    LPG_EIO = -3,            /* file or system I/O failed */
    LPG_ENOTFOUND = -4,      /* no such object */
    LPG_EEXIST = -5,         /* already exists */
    LPG_ERANGE = -6,         /* value out of the allowed range */
    LPG_ETOOBIG = -7,        /* over a size limit */
    LPG_EMALFORMED = -8,     /* bytes do not decode */
    LPG_ECONFIG = -9,        /* configuration is wrong */
    LPG_EPERM = -10,         /* not allowed */
    LPG_ETIMEOUT = -11,      /* no answer in time */
    LPG_EUNAVAILABLE = -12,  /* service not reachable */
    LPG_EINTERNAL = -13,     /* a bug: should not happen */
    LPG_EWRONGSERVICE = -14, /* event kind recorded by another service */
    LPG_ENOSPC = -15,        /* disk full: no space left on the device */
    LPG_EUPGRADE = -16,      /* ledger needs an upgrade, others have it open */
    /* keys and signatures */
    LPG_EKEYPERM = -20,    /* key file readable by group or others */
    LPG_EKEYFORMAT = -21,  /* key file is not an Ed25519 / Z85 key */
    LPG_ECRYPTO = -22,     /* the crypto library failed */
    LPG_EBADSIG = -23,     /* signature does not verify */
    LPG_EUNKNOWNKEY = -24, /* signer is not an enrolled device */
    LPG_EREVOKED = -25,    /* signer's key was revoked */
    LPG_EBINDING = -26,    /* signer acts outside its enrolment */
    /* ledger */
    LPG_EDB = -30,           /* the database failed */
    LPG_EMAPFULL = -31,      /* the ledger's map is full */
    LPG_ECONFLICT = -32,     /* same event id, different body */
    LPG_ECORRUPT = -33,      /* stored data fails its checks */
    LPG_EBADPROOF = -34,     /* a Merkle proof does not verify */
    LPG_EINCONSISTENT = -35, /* checkpoint not consistent with tree */
    LPG_EBADNOTE = -36,      /* signed note malformed */
    LPG_ESTALE = -37,        /* state projected by an older version */
    LPG_ENEWER = -38,        /* state or layout of a newer version */
    LPG_EREOPEN = -39,       /* ledger upgraded since this process opened it */
    /* cylinder codes */
    LPG_ECODE_NOTURL = -40,     /* text is not an https URL */
    LPG_ECODE_HOST = -41,       /* URL host is not our resolver */
    LPG_ECODE_SYNTAX = -42,     /* path or query not in our form */
    LPG_ECODE_CHECKDIGIT = -43, /* GRAI check digit wrong */
    LPG_ECODE_NOSIG = -44,      /* no signature (AI 8030) */
    LPG_ECODE_SIGFORMAT = -45,  /* signature not 86 base64url chars */
    LPG_ECODE_FORGED = -46,     /* signature not by the authority */
    LPG_ECODE_TRUNCATED = -47,  /* text cut short */
    LPG_ECODE_TOOLONG = -48,    /* text over the size limit */
    LPG_ECODE_NONASCII = -49,   /* non-ASCII or control bytes */
    LPG_ECODE_CASE = -50,       /* verifies only with swapped case */
    LPG_ECODE_SERIAL = -51,     /* serial not [0-9A-Z]{1,16} */
    LPG_ECODE_REVOKED = -52,    /* code revision revoked */
    LPG_ECODE = -53,            /* not a cylinder code (why says which part) */
    /* images and labels */
    LPG_EIMAGE = -60,       /* image file unreadable or corrupt */
    LPG_ENOCODE = -61,      /* no code found */
    LPG_ELABEL = -62,       /* label rendering failed */
    LPG_ENOCODE_TIME = -63, /* no code found in time */
    /* gas-use certificates (供气使用凭证) */
    LPG_ECERT_MALFORMED = -70, /* not a gas-use certificate in our form */
    LPG_ECERT_HOST = -71,      /* certificate URL host is not our resolver */
    LPG_ECERT_TOOLONG = -72,   /* certificate text over the size limit */
    LPG_ECERT_FORGED = -73,    /* certificate signature does not verify */
    /* device clocks */
    LPG_ECLOCK_AHEAD = -80,  /* device time too far ahead of the service */
    LPG_ECLOCK_BEHIND = -81, /* device time older than the late window */
    /* the wire protocol (net/service.c) */
    LPG_EFRAMES = -90,      /* not one payload frame (DEALER), nor an
                                  empty delimiter and one (REQ) */
    LPG_EVERSION = -91,     /* protocol version not spoken here */
    LPG_EBATCH = -92,       /* a SubmitMany of 0 or over limit.batch */
    LPG_EUNSUPPORTED = -93, /* a request this service does not answer */
    /* personal data (the registry) */
    LPG_ENOMASTER = -100,       /* the registry has no master key */
    LPG_ENOREVEAL = -101,       /* no recorded reveal allows the look */
    LPG_EREVEAL_EXPIRED = -102, /* the recorded reveal is too old */
    LPG_ERASED = -103,          /* the person's data was erased */
    LPG_ENOKEY = -104,          /* no data key kept for the person */
    LPG_EADDRESS_GIVEN = -105,  /* a driver's look answered already */
    /* HTTP message signatures and digests (net/httpsig.c) */
    LPG_ESIGFIELD = -110,     /* Signature(-Input) field malformed */
    LPG_ESIGLABEL = -111,     /* no signature under the expected label */
    LPG_ESIGCOMPONENT = -112, /* covered component absent or unsupported */
    LPG_EDIGEST = -113,       /* Content-Digest malformed or not the body's */
} lpg_err_t;

/*  Words for a person (English). Never NULL; static storage. */
const char *lpg_strerror(int err);

/*  Stable machine token, e.g. "EBADSIG". Never NULL; static storage. */
const char *lpg_errtoken(int err);

/*  Says why in the caller's buffer (printf format; cut to whysz). why
 *  may be NULL (or whysz 0): nothing is written. */
void lpg_why(char *why, size_t whysz, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*  The same, returning err: `return lpg_why_rc(why, whysz, LPG_E..,
 *  "...")`. */
int lpg_why_rc(char *why, size_t whysz, int err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
