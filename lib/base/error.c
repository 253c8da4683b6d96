/*  error.c - words and tokens for lpg_err_t. */
#include "base/error.h"

#include <stdarg.h>
#include <stdio.h>

const char *
lpg_strerror(int err)
{
    switch ((lpg_err_t)err) {
    case LPG_OK:
        return "success";
    case LPG_ENOMEM:
        return "out of memory";
    case LPG_EINVAL:
        return "invalid argument or input";
    case LPG_EIO:
        return "file or system I/O failed";
    case LPG_ENOTFOUND:
        return "no such object";
    case LPG_EEXIST:
        return "already exists";
    case LPG_ERANGE:
        return "value out of the allowed range";
    case LPG_ETOOBIG:
        return "over a size limit";
    case LPG_EMALFORMED:
        return "bytes do not decode";
    case LPG_ECONFIG:
        return "configuration is wrong";
    case LPG_EPERM:
        return "not allowed";
    case LPG_ETIMEOUT:
        return "no answer in time";
    case LPG_EUNAVAILABLE:
        return "service not reachable";
    case LPG_EINTERNAL:
        return "a bug: should not happen";
    case LPG_EWRONGSERVICE:
        return "this kind of event is recorded by another service";
    case LPG_ENOSPC:
        return "disk full: no space left on the device";
    case LPG_EKEYPERM:
        return "key file readable by group or others";
    case LPG_EKEYFORMAT:
        return "key file is not an Ed25519 / Z85 key";
    case LPG_ECRYPTO:
        return "the crypto library failed";
    case LPG_EBADSIG:
        return "signature does not verify";
    case LPG_EUNKNOWNKEY:
        return "signer is not an enrolled device";
    case LPG_EREVOKED:
        return "signer's key was revoked";
    case LPG_EBINDING:
        return "signer acts outside its enrolment";
    case LPG_EDB:
        return "the database failed";
    case LPG_EMAPFULL:
        return "the ledger's map is full";
    case LPG_ECONFLICT:
        return "same event id, different body";
    case LPG_ECORRUPT:
        return "stored data fails its checks";
    case LPG_EBADPROOF:
        return "a Merkle proof does not verify";
    case LPG_EINCONSISTENT:
        return "checkpoint not consistent with tree";
    case LPG_EBADNOTE:
        return "signed note malformed";
    case LPG_ESTALE:
        return "state tables projected by an older version";
    case LPG_ENEWER:
        return "ledger written by a newer version (its state or layout)";
    case LPG_EREOPEN:
        return "the ledger was upgraded by a newer lpgtrace since this "
               "process opened it: restart it";
    case LPG_EUPGRADE:
        return "the ledger needs an upgrade and another process has it "
               "open: stop them all, then start one";
    case LPG_ECODE_NOTURL:
        return "text is not an https URL";
    case LPG_ECODE_HOST:
        return "URL host is not our resolver";
    case LPG_ECODE_SYNTAX:
        return "path or query not in our form";
    case LPG_ECODE_CHECKDIGIT:
        return "GRAI check digit wrong";
    case LPG_ECODE_NOSIG:
        return "no signature (AI 8030)";
    case LPG_ECODE_SIGFORMAT:
        return "signature not 86 base64url chars";
    case LPG_ECODE_FORGED:
        return "signature not by the authority";
    case LPG_ECODE_TRUNCATED:
        return "text cut short";
    case LPG_ECODE_TOOLONG:
        return "text over the size limit";
    case LPG_ECODE_NONASCII:
        return "non-ASCII or control bytes";
    case LPG_ECODE_CASE:
        return "verifies only with swapped case";
    case LPG_ECODE_SERIAL:
        return "serial not [0-9A-Z]{1,16}";
    case LPG_ECODE_REVOKED:
        return "code revision revoked";
    case LPG_ECODE:
        return "not a cylinder code in our form";
    case LPG_EIMAGE:
        return "image file unreadable or corrupt";
    case LPG_ENOCODE:
        return "no code found";
    case LPG_ELABEL:
        return "label rendering failed";
    case LPG_ENOCODE_TIME:
        return "no code found in time";
    case LPG_ECERT_MALFORMED:
        return "not a gas-use certificate in our form";
    case LPG_ECERT_HOST:
        return "certificate URL host is not our resolver";
    case LPG_ECERT_TOOLONG:
        return "certificate text over the size limit";
    case LPG_ECERT_FORGED:
        return "certificate signature does not verify";
    case LPG_ECLOCK_AHEAD:
        return "device time too far ahead of the service's clock";
    case LPG_ECLOCK_BEHIND:
        return "device time older than the late window";
    case LPG_EFRAMES:
        return "expected one payload frame (DEALER) or an empty delimiter "
               "and one payload frame (REQ)";
    case LPG_EVERSION:
        return "protocol version not supported";
    case LPG_EBATCH:
        return "a SubmitMany holds from one event to limit.batch events";
    case LPG_EUNSUPPORTED:
        return "this service does not answer that request";
    case LPG_ENOMASTER:
        return "the registry has no master key";
    case LPG_ENOREVEAL:
        return "no recorded reveal allows this look at personal data";
    case LPG_EREVEAL_EXPIRED:
        return "the recorded reveal is too old: record a new one";
    case LPG_ERASED:
        return "the person was erased: the personal data is destroyed";
    case LPG_ENOKEY:
        return "no data key is kept for this person";
    case LPG_EADDRESS_GIVEN:
        return "this recorded look is answered again only to its own "
               "device, within its window: sign a new look";
    case LPG_ESIGFIELD:
        return "the Signature or Signature-Input field is malformed";
    case LPG_ESIGLABEL:
        return "the request carries no signature under the expected label";
    case LPG_ESIGCOMPONENT:
        return "a component the signature covers is absent or not "
               "supported";
    case LPG_EDIGEST:
        return "the Content-Digest field is malformed or not the body's "
               "digest";
    }
    return "unknown error";
}

const char *
lpg_errtoken(int err)
{
    switch ((lpg_err_t)err) {
    case LPG_OK:
        return "OK";
    case LPG_ENOMEM:
        return "ENOMEM";
    case LPG_EINVAL:
        return "EINVAL";
    case LPG_EIO:
        return "EIO";
    case LPG_ENOTFOUND:
        return "ENOTFOUND";
    case LPG_EEXIST:
        return "EEXIST";
    case LPG_ERANGE:
        return "ERANGE";
    case LPG_ETOOBIG:
        return "ETOOBIG";
    case LPG_EMALFORMED:
        return "EMALFORMED";
    case LPG_ECONFIG:
        return "ECONFIG";
    case LPG_EPERM:
        return "EPERM";
    case LPG_ETIMEOUT:
        return "ETIMEOUT";
    case LPG_EUNAVAILABLE:
        return "EUNAVAILABLE";
    case LPG_EINTERNAL:
        return "EINTERNAL";
    case LPG_EWRONGSERVICE:
        return "EWRONGSERVICE";
    case LPG_ENOSPC:
        return "ENOSPC";
    case LPG_EKEYPERM:
        return "EKEYPERM";
    case LPG_EKEYFORMAT:
        return "EKEYFORMAT";
    case LPG_ECRYPTO:
        return "ECRYPTO";
    case LPG_EBADSIG:
        return "EBADSIG";
    case LPG_EUNKNOWNKEY:
        return "EUNKNOWNKEY";
    case LPG_EREVOKED:
        return "EREVOKED";
    case LPG_EBINDING:
        return "EBINDING";
    case LPG_EDB:
        return "EDB";
    case LPG_EMAPFULL:
        return "EMAPFULL";
    case LPG_ECONFLICT:
        return "ECONFLICT";
    case LPG_ECORRUPT:
        return "ECORRUPT";
    case LPG_EBADPROOF:
        return "EBADPROOF";
    case LPG_EINCONSISTENT:
        return "EINCONSISTENT";
    case LPG_EBADNOTE:
        return "EBADNOTE";
    case LPG_ESTALE:
        return "ESTALE";
    case LPG_ENEWER:
        return "ENEWER";
    case LPG_EREOPEN:
        return "EREOPEN";
    case LPG_EUPGRADE:
        return "EUPGRADE";
    case LPG_ECODE_NOTURL:
        return "ECODE_NOTURL";
    case LPG_ECODE_HOST:
        return "ECODE_HOST";
    case LPG_ECODE_SYNTAX:
        return "ECODE_SYNTAX";
    case LPG_ECODE_CHECKDIGIT:
        return "ECODE_CHECKDIGIT";
    case LPG_ECODE_NOSIG:
        return "ECODE_NOSIG";
    case LPG_ECODE_SIGFORMAT:
        return "ECODE_SIGFORMAT";
    case LPG_ECODE_FORGED:
        return "ECODE_FORGED";
    case LPG_ECODE_TRUNCATED:
        return "ECODE_TRUNCATED";
    case LPG_ECODE_TOOLONG:
        return "ECODE_TOOLONG";
    case LPG_ECODE_NONASCII:
        return "ECODE_NONASCII";
    case LPG_ECODE_CASE:
        return "ECODE_CASE";
    case LPG_ECODE_SERIAL:
        return "ECODE_SERIAL";
    case LPG_ECODE_REVOKED:
        return "ECODE_REVOKED";
    case LPG_ECODE:
        return "ECODE";
    case LPG_EIMAGE:
        return "EIMAGE";
    case LPG_ENOCODE:
        return "ENOCODE";
    case LPG_ELABEL:
        return "ELABEL";
    case LPG_ENOCODE_TIME:
        return "ENOCODE_TIME";
    case LPG_ECERT_MALFORMED:
        return "ECERT_MALFORMED";
    case LPG_ECERT_HOST:
        return "ECERT_HOST";
    case LPG_ECERT_TOOLONG:
        return "ECERT_TOOLONG";
    case LPG_ECERT_FORGED:
        return "ECERT_FORGED";
    case LPG_ECLOCK_AHEAD:
        return "DEVICE_CLOCK_AHEAD";
    case LPG_ECLOCK_BEHIND:
        return "DEVICE_CLOCK_BEHIND";
    case LPG_EFRAMES:
        return "EFRAMES";
    case LPG_EVERSION:
        return "EVERSION";
    case LPG_EBATCH:
        return "EBATCH";
    case LPG_EUNSUPPORTED:
        return "EUNSUPPORTED";
    case LPG_ENOMASTER:
        return "ENOMASTER";
    case LPG_ENOREVEAL:
        return "ENOREVEAL";
    case LPG_EREVEAL_EXPIRED:
        return "EREVEAL_EXPIRED";
    case LPG_ERASED:
        return "ERASED";
    case LPG_ENOKEY:
        return "ENOKEY";
    case LPG_EADDRESS_GIVEN:
        return "EADDRESS_GIVEN";
    case LPG_ESIGFIELD:
        return "ESIGFIELD";
    case LPG_ESIGLABEL:
        return "ESIGLABEL";
    case LPG_ESIGCOMPONENT:
        return "ESIGCOMPONENT";
    case LPG_EDIGEST:
        return "EDIGEST";
    }
    return "EUNKNOWN";
}

static void s_vwhy(char *why, size_t whysz, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static void
s_vwhy(char *why, size_t whysz, const char *fmt, va_list ap)
{
    if (why && whysz > 0)
        vsnprintf(why, whysz, fmt, ap);
}

void
lpg_why(char *why, size_t whysz, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    s_vwhy(why, whysz, fmt, ap);
    va_end(ap);
}

int
lpg_why_rc(char *why, size_t whysz, int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    s_vwhy(why, whysz, fmt, ap);
    va_end(ap);
    return err;
}
