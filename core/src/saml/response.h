// Validation of a SAML 2.0 Response received at the ACS (HTTP-POST binding).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "saml/xml_ptr.h"
#include "sso/sso.h"

namespace sso::saml {

// What we trust about one identity provider (from its metadata or from directives).
struct IdentityProvider {
  std::string entity_id;
  std::string sso_url;       // HTTP-Redirect SingleSignOnService (preferred)
  std::string sso_post_url;  // HTTP-POST SingleSignOnService: used when there is no sso_url
  // SingleLogoutService, when the IdP offers it: where a LogoutRequest goes (HTTP-Redirect,
  // or HTTP-POST when it offers only that) and where a LogoutResponse goes (its
  // ResponseLocation, else the same Location)
  std::string slo_redirect_url;
  std::string slo_redirect_response_url;
  std::string slo_post_url;
  std::string slo_post_response_url;
  std::vector<SharedKey> signing_keys;  // pinned; several during a certificate rollover
};

struct ServiceProvider {
  std::string entity_id;  // our Audience
  std::string acs_url;    // Destination and Recipient
  int64_t clock_skew_ms = 180'000;
  bool allow_unsolicited = false;  // IdP-initiated login
  SharedKey decryption_key;        // our private key, for EncryptedAssertion
};

// What the response must answer: the AuthnRequest ID we sent (from the RelayState handle),
// or nothing for an IdP-initiated login.
struct Expectation {
  std::optional<std::string> in_response_to;
  int64_t now_ms = 0;
};

// Data read only from the verified assertion.
struct Assertion {
  std::string assertion_id;
  std::string issuer;
  std::string name_id;
  std::string name_id_format;
  std::string name_qualifier;     // NameID's NameQualifier, for a later LogoutRequest
  std::string sp_name_qualifier;  // and its SPNameQualifier
  std::string session_index;
  std::map<std::string, std::vector<std::string>> attributes;
  int64_t replay_until_ms = 0;  // keep the assertion ID in the replay cache until then
};

// Largest SAMLResponse form value accepted, checked before decoding.
inline constexpr size_t kMaxResponseBase64 = 512 * 1024;

// Decodes (base64) and validates a SAMLResponse against every rule of DESIGN.md §6.
// SSO_OK and `out` filled, or the status naming the first failed check.
sso_status ValidateResponse(std::string_view saml_response_base64, const IdentityProvider &idp,
                            const ServiceProvider &sp, const Expectation &expect, Assertion &out);

// The Issuer an unverified response claims, only to choose whose rules to validate it by
// (IdP-initiated login, where no RelayState names the provider).
std::optional<std::string> PeekIssuer(std::string_view saml_response_base64);

// The Issuer child of `parent` is the IdP's entity ID (Format entity, if given); absent only
// when not `required`.
sso_status CheckIssuer(xmlNode *parent, const IdentityProvider &idp, bool required);

// Validates an already decoded document (the fuzz target and the tests use it).
sso_status ValidateResponseXml(std::string_view xml, const IdentityProvider &idp,
                               const ServiceProvider &sp, const Expectation &expect,
                               Assertion &out);

}  // namespace sso::saml
