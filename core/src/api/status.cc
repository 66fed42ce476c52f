// Stable names and log messages for every sso_status.
#include <array>

#include "sso/sso.h"

namespace {

struct StatusText {
  const char *name;
  const char *message;
};

constexpr std::array<StatusText, SSO_STATUS_COUNT> kStatusTexts = {{
    {"OK", "ok"},
    {"ERR_INVALID_ARGUMENT", "invalid argument"},
    {"ERR_OUT_OF_MEMORY", "out of memory"},
    {"ERR_INTERNAL", "internal error"},
    {"ERR_BAD_STATE", "call out of order for this transaction"},
    {"CONFIG_BAD_COOKIE_NAME", "cookie name is not a valid cookie token"},
    {"CONFIG_INSECURE_HOST_COOKIE", "a __Host- or __Secure- cookie requires secure=on"},
    {"CONFIG_BAD_TTL", "session ttl must be > 0 and idle must be between 0 and ttl"},
    {"CONFIG_BAD_LOGIN_URL", "login url must be a same-origin path starting with a single /"},
    {"CONFIG_BAD_KEY_PREFIX", "redis key prefix is too long or has control characters"},
    {"CONFIG_BAD_CACHE_TTL", "session cache must be >= 0 and at most half of idle"},
    {"CONFIG_BAD_LOGOUT_REDIRECT",
     "logout redirect must be a same-origin path starting with a single /, without //, "
     "backslash, spaces or control characters"},
    {"SESSION_NO_COOKIE", "no session cookie"},
    {"SESSION_MALFORMED_COOKIE", "session cookie is malformed"},
    {"SESSION_NOT_FOUND", "session not found (unknown, revoked or idle-expired)"},
    {"SESSION_EXPIRED", "session passed its absolute lifetime"},
    {"SESSION_CORRUPT_RECORD", "session record in the store is not valid"},
    {"SESSION_VALID", "session valid"},
    {"IDENTITY_MISSING_SUBJECT", "identity has no subject"},
    {"IDENTITY_MISSING_PROVIDER", "identity has no provider"},
    {"IDENTITY_BAD_CHARACTER", "identity value contains a control character"},
    {"IDENTITY_TOO_LARGE", "identity is larger than the session record limit"},
    {"STORE_UNAVAILABLE", "session store unavailable"},
    {"STORE_TIMEOUT", "session store timed out"},
    {"STORE_ERROR_REPLY", "session store answered with an error"},
    {"STORE_UNEXPECTED_REPLY", "session store answered with an unexpected reply type"},
    {"LOGIN_NO_PROVIDER", "no identity provider is configured"},
    {"LOGIN_URL_GATED",
     "the login URL is itself behind the session gate: serve it with an sso_endpoints location"},
    {"SAML_RESPONSE_TOO_LARGE", "SAML response is larger than the limit"},
    {"SAML_BAD_ENCODING", "SAML response is not valid base64"},
    {"SAML_XML_MALFORMED", "SAML response is not well-formed XML"},
    {"SAML_DTD_FORBIDDEN", "SAML response contains a DTD"},
    {"SAML_NOT_A_RESPONSE", "document is not a SAML 2.0 Response"},
    {"SAML_ENCRYPTED_UNSUPPORTED", "encrypted assertion, but no SP key is configured"},
    {"SAML_ASSERTION_COUNT", "SAML response must contain exactly one assertion"},
    {"SAML_DUPLICATE_ID", "SAML response has duplicate or missing IDs"},
    {"SAML_NOT_SIGNED", "neither the SAML response nor its assertion is signed"},
    {"SAML_SIGNATURE_MALFORMED", "SAML signature is malformed"},
    {"SAML_SIGNATURE_ALGORITHM", "SAML signature uses an algorithm that is not allowed"},
    {"SAML_SIGNATURE_REFERENCE", "SAML signature does not reference exactly the signed element"},
    {"SAML_SIGNATURE_INVALID", "SAML signature does not verify with the IdP's keys"},
    {"SAML_KEY_INVALID", "IdP certificate or SP key is unreadable"},
    {"SAML_DESTINATION_MISMATCH", "SAML Destination is not our ACS URL"},
    {"SAML_ISSUER_MISMATCH", "SAML Issuer is not the configured IdP"},
    {"SAML_STATUS_NOT_SUCCESS", "IdP answered with a non-success status"},
    {"SAML_IN_RESPONSE_TO_MISMATCH", "SAML InResponseTo does not match our request"},
    {"SAML_UNSOLICITED", "IdP-initiated login is not enabled for this provider"},
    {"SAML_NOT_YET_VALID", "SAML assertion is not valid yet"},
    {"SAML_EXPIRED", "SAML assertion has expired"},
    {"SAML_AUDIENCE_MISMATCH", "SAML assertion is not for our entity ID"},
    {"SAML_RECIPIENT_MISMATCH", "SAML Recipient is not our ACS URL"},
    {"SAML_SUBJECT_CONFIRMATION",
     "SAML assertion has no valid bearer confirmation or AuthnStatement"},
    {"SAML_MISSING_NAMEID", "SAML assertion has no NameID"},
    {"SAML_REPLAY", "SAML assertion was already used"},
    {"SAML_METADATA_INVALID", "IdP metadata is not usable"},
    {"SAML_ENCRYPTION_ALGORITHM", "encrypted assertion uses an algorithm that is not allowed"},
    {"SAML_DECRYPTION_FAILED", "encrypted assertion could not be decrypted with our key"},
    {"JWT_MALFORMED", "ID token is not a well-formed JWS"},
    {"JWT_ALG_NOT_ALLOWED", "ID token algorithm is not the provider's"},
    {"JWT_UNKNOWN_KID", "ID token key ID is not in the provider's JWKS"},
    {"JWT_KEY_TYPE_MISMATCH", "ID token key does not fit the algorithm"},
    {"JWT_BAD_SIGNATURE", "ID token signature does not verify"},
    {"JWT_ISSUER_MISMATCH", "ID token issuer is not the provider"},
    {"JWT_AUDIENCE_MISMATCH", "ID token audience does not contain our client ID"},
    {"JWT_AZP_MISMATCH", "ID token authorized party is not our client ID"},
    {"JWT_EXPIRED", "ID token has expired"},
    {"JWT_ISSUED_IN_FUTURE", "ID token was issued in the future"},
    {"JWT_NOT_YET_VALID", "ID token is not valid yet"},
    {"JWT_NONCE_MISMATCH", "ID token nonce does not match our request"},
    {"JWKS_INVALID", "JWKS has no usable signing key"},
    {"OIDC_DISCOVERY_INVALID", "OIDC discovery document is not usable"},
    {"OIDC_ISSUER_MISMATCH", "OIDC issuer (in discovery or the iss parameter) is not the provider"},
    {"OIDC_TOKEN_ERROR", "token endpoint refused the code or answered without an ID token"},
    {"OIDC_ERROR_RESPONSE", "the OpenID provider answered with an error"},
    {"OIDC_STATE_INVALID", "OIDC state is unknown, used, expired or from another browser"},
    {"OIDC_UNAVAILABLE", "the OpenID provider could not be reached"},
    {"SAML_RELAY_STATE_INVALID", "RelayState is unknown, expired or already used"},
    {"LOGIN_UNKNOWN_PROVIDER", "no provider of that name is configured"},
    {"ACS_BAD_REQUEST", "the ACS needs a POSTed SAMLResponse"},
    {"OIDC_USERINFO_INVALID", "userinfo answer is unusable or names another subject"},
    {"JIT_EMAIL_REQUIRED", "the identity has no email address; no account is made without one"},
    {"JIT_EMAIL_UNVERIFIED", "the identity's email address is not verified"},
    {"JIT_DOMAIN_NOT_ALLOWED", "the email domain is not one this provider may speak for"},
    {"JIT_DENIED", "the app's provisioning hook denied the login"},
    {"JIT_PENDING", "the account is waiting for approval in the app"},
    {"JIT_CONFLICT", "an account exists in the app that may not be linked to this identity"},
    {"JIT_UNAVAILABLE",
     "the app's provisioning hook gave no usable answer (timeout, broken connection, 5xx); "
     "what it did is unknown, so the account's lock is kept until its lease ends"},
    {"JIT_HOOK_INVALID", "the provisioning hook's answer is invalid or beyond what was allowed"},
    {"JIT_BUSY",
     "another login of this account is being provisioned, or its outcome is unknown and the "
     "lock's lease has not ended"},
    {"CONFIG_BAD_HOOK_LEASE",
     "the hook's lease= must be at least 1s longer than its timeout= (the single-flight lock "
     "must outlive the call it guards)"},
    {"KEY_REFUSED",
     "a provider's public key was refused (RSA exponent or modulus out of range, or an invalid "
     "EC point)"},
    {"HTTP_BAD_URL",
     "back-channel URL or method cannot be called (http(s) with a host, no userinfo, no spaces "
     "or control characters)"},
    {"HTTP_MALFORMED_STATUS_LINE",
     "the answer's status line is not HTTP/1.0 or HTTP/1.1 with a code 100..599 (or is a 101)"},
    {"HTTP_MALFORMED_HEADER",
     "a header line of the answer is malformed (bare CR or LF, obs-fold, bad name or value)"},
    {"HTTP_HEADERS_TOO_LARGE", "the answer's headers or trailers are larger than the limit"},
    {"HTTP_BAD_CONTENT_LENGTH",
     "the answer's Content-Length is not a number, or is repeated "
     "with another value"},
    {"HTTP_BAD_TRANSFER_ENCODING",
     "the answer's Transfer-Encoding is not one chunked, or comes with a Content-Length or in "
     "an HTTP/1.0 answer"},
    {"HTTP_MALFORMED_CHUNK", "a chunk of the answer is malformed"},
    {"HTTP_BODY_TOO_LARGE", "the answer's body is larger than the limit"},
    {"HTTP_TRUNCATED", "the connection closed before the end of the answer"},
    {"HTTP_TRAILING_DATA",
     "the answer goes on after its end (a second answer, or bytes beyond its length)"},
}};

const StatusText &TextOf(sso_status status) {
  auto index = static_cast<size_t>(status);
  if (index >= kStatusTexts.size()) index = SSO_ERR_INTERNAL;
  return kStatusTexts[index];
}

}  // namespace

extern "C" const char *sso_status_name(sso_status status) { return TextOf(status).name; }
extern "C" const char *sso_status_message(sso_status status) { return TextOf(status).message; }
