// A configured SAML identity provider and how its answers become our identity.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "config/config_error.h"
#include "saml/authn_request.h"
#include "saml/response.h"
#include "session/record.h"
#include "sso/sso.h"

namespace sso {

struct SamlProvider {
  std::string name;
  saml::IdentityProvider idp;
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
sso_status MakeSamlProvider(const sso_saml_provider_config &config, SamlProvider &out,
                            std::vector<std::string> *warnings = nullptr,
                            ConfigError *error = nullptr);

// The identity a validated assertion stands for: subject = NameID (with its format and the
// IdP's entity ID), email / name / groups through the attribute mapping.
Identity IdentityFromAssertion(const SamlProvider &provider, const saml::Assertion &assertion);

}  // namespace sso
