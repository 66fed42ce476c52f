// A configured SAML identity provider and how its answers become our identity.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "config/config_error.h"
#include "saml/authn_request.h"
#include "saml/response.h"
#include "saml/xml_ptr.h"
#include "session/record.h"
#include "sso/sso.h"

namespace sso {

// The explicit saml_idp_* lines: they complete or override every metadata document the
// provider uses, the one read at start and each one refreshed from its URL.
struct IdpLines {
  std::string entity_id;  // chooses the IdP of an aggregate; else overrides its entityID
  std::string sso_url;
  std::string slo_url;
  std::vector<std::string> certificates;  // PEM
  int sign_requests = -1;                 // saml_sign_requests: 1, 0, or -1 (as asked)
};

// The IdP's side of a provider, as one metadata document and the lines make it.
struct IdpData {
  saml::IdentityProvider idp;
  bool sign_requests = false;      // the metadata's WantAuthnRequestsSigned, or the line's
  int64_t valid_until_ms = 0;      // the metadata's validUntil (Unix ms); 0: none
  std::string valid_until_text;    // a validUntil that is not an xs:dateTime
  std::string entity_in_document;  // the entityID the metadata itself gives the IdP
};

// The IdP from metadata `xml` (empty: the lines alone) and the lines. Warnings for what was
// skipped go to `warn`; on failure `error` says what is wrong and the line that fixes it.
sso_status BuildIdp(const IdpLines &lines, std::string_view xml,
                    const std::function<void(std::string)> &warn, IdpData &out, std::string &error);

// The same from a metadata document already parsed (null: the lines alone), such as the one
// whose signature was verified; the string form parses and comes here.
sso_status BuildIdp(const IdpLines &lines, const xmlDoc *metadata,
                    const std::function<void(std::string)> &warn, IdpData &out, std::string &error);

// Why the AuthnRequests `data` asks for cannot be sent (signed ones without an SP key), and
// the fix; empty when they can.
std::string SpKeyProblem(const IdpLines &lines, const IdpData &data, bool have_sp_key);

struct SamlProvider {
  std::string name;
  saml::IdentityProvider idp;
  // false while a provider whose metadata comes from a URL has none it can use yet
  bool idp_ready = true;
  int64_t idp_valid_until_ms = 0;  // past it, the IdP data is not used; 0: no end
  // Usable now: loaded, and not past its validUntil (else SAML_METADATA_UNAVAILABLE or
  // SAML_METADATA_EXPIRED).
  sso_status IdpStatus(int64_t now_ms) const {
    if (!idp_ready) return SSO_SAML_METADATA_UNAVAILABLE;
    if (idp_valid_until_ms && now_ms >= idp_valid_until_ms) return SSO_SAML_METADATA_EXPIRED;
    return SSO_OK;
  }
  void SetIdp(IdpData data) {
    idp = std::move(data.idp);
    sign_requests = data.sign_requests;
    idp_valid_until_ms = data.valid_until_ms;
    idp_ready = true;
  }
  IdpLines idp_lines;
  saml::ServiceProvider sp;
  saml::PrivateKey sp_key;     // signs AuthnRequests when sign_requests
  std::string sp_certificate;  // base64 DER for our metadata
  bool sign_requests = false;
  // Our SingleLogoutService. Single Logout runs when it is set and we have a key: every
  // logout message is signed.
  std::string slo_url;
  bool SingleLogout() const { return sp_key && !slo_url.empty(); }
  std::vector<std::string> email_domains;
  std::map<std::string, std::string> attribute_map;  // profile field -> IdP attribute name
};

// Builds a provider from the C configuration (metadata XML or explicit IdP settings; the
// explicit ones complete or override the metadata). `warnings` gets a line for each metadata
// certificate or endpoint that was skipped, and for a configured certificate whose key is
// refused (which fails the provider); `error`, when it fails, what exactly is wrong (which
// line, entity, certificate or binding) and the line that fixes it.
// With idp_metadata_url, `feed` (if given) gets what refreshes need (see metadata_feed.h).
struct MetadataFeed;
sso_status MakeSamlProvider(const sso_saml_provider_config &config, SamlProvider &out,
                            std::vector<std::string> *warnings = nullptr,
                            ConfigError *error = nullptr, MetadataFeed *feed = nullptr);

// The identity a validated assertion stands for: subject = NameID (with its format and the
// IdP's entity ID), email / name / groups through the attribute mapping.
Identity IdentityFromAssertion(const SamlProvider &provider, const saml::Assertion &assertion);

}  // namespace sso
