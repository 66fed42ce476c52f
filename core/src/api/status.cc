// Stable names and log messages for every sso_status.
#include "sso/sso.h"

namespace {

struct StatusText {
  const char *name;
  const char *message;
};

// The name is the enumerator itself, stringified, so a name cannot drift from its value;
// -Werror=switch (CMakeLists.txt) fails the build when a status has no case here.
#define SSO_STATUS_TEXT(status, message) \
  case SSO_##status:                     \
    return {#status, message};

StatusText TextOf(sso_status status) {
  switch (status) {
    SSO_STATUS_TEXT(OK, "ok")
    SSO_STATUS_TEXT(ERR_INVALID_ARGUMENT, "invalid argument")
    SSO_STATUS_TEXT(ERR_OUT_OF_MEMORY, "out of memory")
    SSO_STATUS_TEXT(ERR_INTERNAL, "internal error")
    SSO_STATUS_TEXT(ERR_BAD_STATE, "call out of order for this transaction")
    SSO_STATUS_TEXT(CONFIG_BAD_COOKIE_NAME,
                    "sso_session cookie=: the cookie name is not a valid cookie token")
    SSO_STATUS_TEXT(CONFIG_INSECURE_HOST_COOKIE,
                    "sso_session: a __Host- or __Secure- cookie requires secure=on")
    SSO_STATUS_TEXT(CONFIG_BAD_TTL, "sso_session: ttl= must be longer than 0")
    SSO_STATUS_TEXT(
        CONFIG_BAD_LOGIN_URL,
        "sso_login_url: the login url must be a same-origin path starting with a single /")
    SSO_STATUS_TEXT(CONFIG_BAD_KEY_PREFIX,
                    "sso_redis prefix=: the redis key prefix is too long or has control characters")
    SSO_STATUS_TEXT(CONFIG_BAD_CACHE_TTL,
                    "sso_session cache=: the session cache must be >= 0 and at most idle=")
    SSO_STATUS_TEXT(CONFIG_BAD_LOGOUT_REDIRECT,
                    "sso_logout_redirect: the logout redirect must be a same-origin path starting "
                    "with a single /, without //, backslash, spaces or control characters")
    SSO_STATUS_TEXT(SESSION_NO_COOKIE, "no session cookie")
    SSO_STATUS_TEXT(SESSION_MALFORMED_COOKIE, "session cookie is malformed")
    SSO_STATUS_TEXT(SESSION_NOT_FOUND, "session not found (unknown, revoked or idle-expired)")
    SSO_STATUS_TEXT(SESSION_EXPIRED, "session passed its absolute lifetime")
    SSO_STATUS_TEXT(SESSION_CORRUPT_RECORD, "session record in the store is not valid")
    SSO_STATUS_TEXT(SESSION_VALID, "session valid")
    SSO_STATUS_TEXT(IDENTITY_MISSING_SUBJECT, "identity has no subject")
    SSO_STATUS_TEXT(IDENTITY_MISSING_PROVIDER, "identity has no provider")
    SSO_STATUS_TEXT(IDENTITY_BAD_CHARACTER, "identity value contains a control character")
    SSO_STATUS_TEXT(IDENTITY_TOO_LARGE, "identity is larger than the session record limit")
    SSO_STATUS_TEXT(STORE_UNAVAILABLE, "session store unavailable")
    SSO_STATUS_TEXT(STORE_TIMEOUT, "session store timed out")
    SSO_STATUS_TEXT(STORE_ERROR_REPLY, "session store answered with an error")
    SSO_STATUS_TEXT(STORE_UNEXPECTED_REPLY, "session store answered with an unexpected reply type")
    SSO_STATUS_TEXT(LOGIN_NO_PROVIDER, "no identity provider is configured")
    SSO_STATUS_TEXT(
        LOGIN_URL_GATED,
        "the login URL is itself behind the session gate: serve it with an sso_endpoints location")
    SSO_STATUS_TEXT(SAML_RESPONSE_TOO_LARGE, "SAML response is larger than the limit")
    SSO_STATUS_TEXT(SAML_BAD_ENCODING, "SAML response is not valid base64")
    SSO_STATUS_TEXT(SAML_XML_MALFORMED, "SAML response is not well-formed XML")
    SSO_STATUS_TEXT(SAML_DTD_FORBIDDEN, "SAML response contains a DTD")
    SSO_STATUS_TEXT(SAML_NOT_A_RESPONSE, "document is not a SAML 2.0 Response")
    SSO_STATUS_TEXT(SAML_ENCRYPTED_UNSUPPORTED, "encrypted assertion, but no SP key is configured")
    SSO_STATUS_TEXT(SAML_ASSERTION_COUNT, "SAML response must contain exactly one assertion")
    SSO_STATUS_TEXT(SAML_DUPLICATE_ID, "SAML response has duplicate or missing IDs")
    SSO_STATUS_TEXT(SAML_NOT_SIGNED, "neither the SAML response nor its assertion is signed")
    SSO_STATUS_TEXT(SAML_SIGNATURE_MALFORMED, "SAML signature is malformed")
    SSO_STATUS_TEXT(SAML_SIGNATURE_ALGORITHM,
                    "SAML signature uses an algorithm that is not allowed")
    SSO_STATUS_TEXT(SAML_SIGNATURE_REFERENCE,
                    "SAML signature does not reference exactly the signed element")
    SSO_STATUS_TEXT(SAML_SIGNATURE_INVALID, "SAML signature does not verify with the IdP's keys")
    SSO_STATUS_TEXT(SAML_KEY_INVALID, "IdP certificate or SP key is unreadable")
    SSO_STATUS_TEXT(SAML_DESTINATION_MISMATCH, "SAML Destination is not our ACS URL")
    SSO_STATUS_TEXT(SAML_ISSUER_MISMATCH, "SAML Issuer is not the configured IdP")
    SSO_STATUS_TEXT(SAML_STATUS_NOT_SUCCESS, "IdP answered with a non-success status")
    SSO_STATUS_TEXT(SAML_IN_RESPONSE_TO_MISMATCH, "SAML InResponseTo does not match our request")
    SSO_STATUS_TEXT(SAML_UNSOLICITED, "IdP-initiated login is not enabled for this provider")
    SSO_STATUS_TEXT(SAML_NOT_YET_VALID, "SAML assertion is not valid yet")
    SSO_STATUS_TEXT(SAML_EXPIRED, "SAML assertion has expired")
    SSO_STATUS_TEXT(SAML_AUDIENCE_MISMATCH, "SAML assertion is not for our entity ID")
    SSO_STATUS_TEXT(SAML_RECIPIENT_MISMATCH, "SAML Recipient is not our ACS URL")
    SSO_STATUS_TEXT(SAML_SUBJECT_CONFIRMATION,
                    "SAML assertion has no valid bearer confirmation or AuthnStatement")
    SSO_STATUS_TEXT(SAML_MISSING_NAMEID, "SAML assertion has no NameID")
    SSO_STATUS_TEXT(SAML_REPLAY, "SAML assertion was already used")
    SSO_STATUS_TEXT(SAML_METADATA_INVALID, "IdP metadata is not usable")
    SSO_STATUS_TEXT(SAML_ENCRYPTION_ALGORITHM,
                    "encrypted assertion uses an algorithm that is not allowed")
    SSO_STATUS_TEXT(SAML_DECRYPTION_FAILED,
                    "encrypted assertion could not be decrypted with our key")
    SSO_STATUS_TEXT(JWT_MALFORMED, "ID token is not a well-formed JWS")
    SSO_STATUS_TEXT(JWT_ALG_NOT_ALLOWED, "ID token algorithm is not the provider's")
    SSO_STATUS_TEXT(JWT_UNKNOWN_KID, "ID token key ID is not in the provider's JWKS")
    SSO_STATUS_TEXT(JWT_KEY_TYPE_MISMATCH, "ID token key does not fit the algorithm")
    SSO_STATUS_TEXT(JWT_BAD_SIGNATURE, "ID token signature does not verify")
    SSO_STATUS_TEXT(JWT_ISSUER_MISMATCH, "ID token issuer is not the provider")
    SSO_STATUS_TEXT(JWT_AUDIENCE_MISMATCH, "ID token audience does not contain our client ID")
    SSO_STATUS_TEXT(JWT_AZP_MISMATCH, "ID token authorized party is not our client ID")
    SSO_STATUS_TEXT(JWT_EXPIRED, "ID token has expired")
    SSO_STATUS_TEXT(JWT_ISSUED_IN_FUTURE, "ID token was issued in the future")
    SSO_STATUS_TEXT(JWT_NOT_YET_VALID, "ID token is not valid yet")
    SSO_STATUS_TEXT(JWT_NONCE_MISMATCH, "ID token nonce does not match our request")
    SSO_STATUS_TEXT(JWKS_INVALID, "JWKS has no usable signing key")
    SSO_STATUS_TEXT(OIDC_DISCOVERY_INVALID, "OIDC discovery document is not usable")
    SSO_STATUS_TEXT(OIDC_ISSUER_MISMATCH,
                    "OIDC issuer (in discovery or the iss parameter) is not the provider")
    SSO_STATUS_TEXT(OIDC_TOKEN_ERROR,
                    "token endpoint refused the code or answered without an ID token")
    SSO_STATUS_TEXT(OIDC_ERROR_RESPONSE, "the OpenID provider answered with an error")
    SSO_STATUS_TEXT(OIDC_STATE_INVALID,
                    "OIDC state is malformed, not ours, or from another browser")
    SSO_STATUS_TEXT(OIDC_UNAVAILABLE, "the OpenID provider could not be reached")
    SSO_STATUS_TEXT(SAML_RELAY_STATE_INVALID, "RelayState names a login we cannot read")
    SSO_STATUS_TEXT(LOGIN_UNKNOWN_PROVIDER, "no provider of that name is configured")
    SSO_STATUS_TEXT(ACS_BAD_REQUEST, "the ACS needs a POSTed SAMLResponse")
    SSO_STATUS_TEXT(OIDC_USERINFO_INVALID, "userinfo answer is unusable or names another subject")
    SSO_STATUS_TEXT(JIT_EMAIL_REQUIRED,
                    "the identity has no email address; no account is made without one")
    SSO_STATUS_TEXT(JIT_EMAIL_UNVERIFIED, "the identity's email address is not verified")
    SSO_STATUS_TEXT(JIT_DOMAIN_NOT_ALLOWED,
                    "the email domain is not one this provider may speak for")
    SSO_STATUS_TEXT(JIT_DENIED, "the app's provisioning hook denied the login")
    SSO_STATUS_TEXT(JIT_PENDING, "the account is waiting for approval in the app")
    SSO_STATUS_TEXT(JIT_CONFLICT,
                    "an account exists in the app that may not be linked to this identity")
    SSO_STATUS_TEXT(
        JIT_UNAVAILABLE,
        "the app's provisioning hook gave no usable answer (timeout, broken connection, 5xx); "
        "what it did is unknown, so the account's lock is kept until its lease ends")
    SSO_STATUS_TEXT(JIT_HOOK_INVALID,
                    "the provisioning hook's answer is invalid or beyond what was allowed")
    SSO_STATUS_TEXT(
        JIT_BUSY,
        "another login of this account is being provisioned, or its outcome is unknown and the "
        "lock's lease has not ended")
    SSO_STATUS_TEXT(CONFIG_BAD_HOOK_LEASE,
                    "sso_provision_hook: lease= must be at least 1s longer than its timeout= (the "
                    "single-flight lock must outlive the call it guards)")
    SSO_STATUS_TEXT(
        KEY_REFUSED,
        "a provider's public key was refused (RSA exponent or modulus out of range, or an invalid "
        "EC point)")
    SSO_STATUS_TEXT(
        HTTP_BAD_URL,
        "back-channel URL or method cannot be called (http(s) with a host, no userinfo, no spaces "
        "or control characters)")
    SSO_STATUS_TEXT(
        HTTP_MALFORMED_STATUS_LINE,
        "the answer's status line is not HTTP/1.0 or HTTP/1.1 with a code 100..599 (or is a 101)")
    SSO_STATUS_TEXT(
        HTTP_MALFORMED_HEADER,
        "a header line of the answer is malformed (bare CR or LF, obs-fold, bad name or value)")
    SSO_STATUS_TEXT(HTTP_HEADERS_TOO_LARGE,
                    "the answer's headers or trailers are larger than the limit")
    SSO_STATUS_TEXT(HTTP_BAD_CONTENT_LENGTH,
                    "the answer's Content-Length is not a number, or is repeated "
                    "with another value")
    SSO_STATUS_TEXT(
        HTTP_BAD_TRANSFER_ENCODING,
        "the answer's Transfer-Encoding is not one chunked, or comes with a Content-Length or in "
        "an HTTP/1.0 answer")
    SSO_STATUS_TEXT(HTTP_MALFORMED_CHUNK, "a chunk of the answer is malformed")
    SSO_STATUS_TEXT(HTTP_BODY_TOO_LARGE, "the answer's body is larger than the limit")
    SSO_STATUS_TEXT(HTTP_TRUNCATED, "the connection closed before the end of the answer")
    SSO_STATUS_TEXT(
        HTTP_TRAILING_DATA,
        "the answer goes on after its end (a second answer, or bytes beyond its length)")
    SSO_STATUS_TEXT(LOGOUT_TOKEN_NOT_A_LOGOUT,
                    "logout token has no events claim with the back-channel logout event")
    SSO_STATUS_TEXT(LOGOUT_TOKEN_HAS_NONCE,
                    "logout token carries a nonce (an ID token is not a "
                    "logout token)")
    SSO_STATUS_TEXT(LOGOUT_TOKEN_NO_SUBJECT, "logout token names neither a sub nor a sid")
    SSO_STATUS_TEXT(LOGOUT_TOKEN_NO_JTI, "logout token has no jti")
    SSO_STATUS_TEXT(LOGOUT_TOKEN_STALE,
                    "logout token was issued too long ago (its iat is out of the window)")
    SSO_STATUS_TEXT(LOGOUT_TOKEN_REPLAY, "logout token (its jti) was already used")
    SSO_STATUS_TEXT(SAML_NOT_A_LOGOUT_MESSAGE,
                    "not a SAML 2.0 LogoutRequest or LogoutResponse (root, Version, IssueInstant "
                    "or Status missing)")
    SSO_STATUS_TEXT(CONFIG_IDLE_OVER_TTL, "sso_session: idle= must not be longer than ttl=")
    SSO_STATUS_TEXT(CONFIG_BAD_HOOK_URL,
                    "sso_provision_hook needs an http:// or https:// URL without spaces or control "
                    "characters")
    SSO_STATUS_TEXT(CONFIG_WEAK_HOOK_SECRET,
                    "sso_provision_hook needs secret_file= with a secret of at least 16 characters "
                    "(the key the app checks X-SSO-Signature with)")
    SSO_STATUS_TEXT(LOGOUT_TOKEN_MISSING,
                    "the back-channel logout request has no logout_token form parameter")
    SSO_STATUS_TEXT(CONFIG_BAD_POST_LOGOUT_URI,
                    "oidc_post_logout_redirect_uri must be an absolute https URL (http only on "
                    "loopback) without a fragment")
    SSO_STATUS_TEXT(CONFIG_BAD_SLO_URL,
                    "saml_slo_url and saml_idp_slo_url must be absolute https URLs (http only on "
                    "loopback) without a fragment")
    SSO_STATUS_TEXT(SAML_SLO_NOT_CONFIGURED,
                    "single logout is not set up for this provider: it needs saml_sp_key (logout "
                    "messages are signed) and a SingleLogoutService of ours (saml_slo_url)")
    SSO_STATUS_TEXT(FRONTCHANNEL_LOGOUT_INVALID,
                    "front-channel logout needs iss and sid, iss the issuer of a provider with "
                    "oidc_frontchannel_logout on")
    SSO_STATUS_TEXT(CONFIG_BAD_REQUIRE,
                    "sso_require takes signed_in, or role, group, email_domain, provider or user "
                    "with one or more values, or attr NAME with one or more values")
    SSO_STATUS_TEXT(ACCESS_DENIED,
                    "signed in, but a sso_require rule of this location does not hold")
    SSO_STATUS_TEXT(CONFIG_BAD_IDENTITY_TOKEN,
                    "sso_identity_token needs key= files with P-256 (ES256) or Ed25519 (EdDSA) "
                    "keys, the first one private, issuer= an https URL, and ttl= from 10s to 1h")
    SSO_STATUS_TEXT(JIT_ACCOUNT_INACTIVE,
                    "the account is deactivated or deleted through SCIM by the identity provider")
    SSO_STATUS_TEXT(CONFIG_WEAK_SCIM_TOKEN,
                    "scim_token_file needs a token of at least 32 characters without control "
                    "characters (the bearer token the identity provider sends)")
    SSO_STATUS_TEXT(SCIM_UNAUTHORIZED, "SCIM request without the provider's bearer token")
    SSO_STATUS_TEXT(SCIM_BAD_REQUEST, "SCIM request refused (see its scimType and detail)")
    SSO_STATUS_TEXT(SCIM_APP_NOT_TOLD,
                    "the app's hook did not take a SCIM event (no answer or not 2xx); the "
                    "identity provider gets a 503 and retries")
    SSO_STATUS_TEXT(CONFIG_SP_KEY_REQUIRED, "signed AuthnRequests need an SP key (saml_sp_key)")
    SSO_STATUS_TEXT(LOGIN_STATE_SPENT,
                    "the sign-in's state (OIDC state or SAML RelayState) is no longer stored: "
                    "already used (a reload, the back button) or expired")
    SSO_STATUS_TEXT(CONFIG_BAD_PAGE_TEMPLATE, "sso_pages: a page template is not usable")
    SSO_STATUS_TEXT(CONFIG_BAD_DISPLAY_NAME,
                    "display_name must be 1 to 100 bytes without control characters")
    SSO_STATUS_TEXT(CONFIG_MISSING_LINE, "a provider is missing a line it needs")
    SSO_STATUS_TEXT(CONFIG_BAD_URL, "a provider's URL is not one the module can use")
    SSO_STATUS_TEXT(CONFIG_URL_NOT_SERVED,
                    "a provider's URL of ours is not served by an sso_endpoints location")
    SSO_STATUS_TEXT(CONFIG_NO_RESOLVER,
                    "a provider's back-channel URL names a host, and there is no resolver")
    SSO_STATUS_TEXT(CONFIG_BAD_EMAIL_DOMAIN, "an email_domains value matches no address")
    SSO_STATUS_TEXT(SAML_METADATA_UNAVAILABLE,
                    "the provider has no usable IdP metadata yet: its saml_idp_metadata_url has "
                    "not been fetched successfully")
    SSO_STATUS_TEXT(SAML_METADATA_EXPIRED, "the IdP metadata is past its validUntil")
    SSO_STATUS_TEXT(SAML_SOAP_MALFORMED,
                    "not a SOAP 1.1 envelope whose Body holds exactly one LogoutRequest")
    SSO_STATUS_TEXT(SAML_SOAP_MUST_UNDERSTAND,
                    "a SOAP header block is marked mustUnderstand, and we understand none")
    case SSO_STATUS_COUNT:
      break;
  }
  return TextOf(SSO_ERR_INTERNAL);
}

#undef SSO_STATUS_TEXT

}  // namespace

extern "C" const char *sso_status_name(sso_status status) { return TextOf(status).name; }
extern "C" const char *sso_status_message(sso_status status) { return TextOf(status).message; }
