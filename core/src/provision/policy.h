// A provider's provisioning policy, applied to a validated identity before any account is
// touched: email required, verified and in the provider's domains; roles only from the
// group -> role table; whether linking by email is allowed for this login.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "session/record.h"
#include "sso/sso.h"

namespace sso {

struct ProvisionPolicy {
  std::vector<std::pair<std::string, std::string>> role_map;  // group -> role, in order
  std::string default_role;
  sso_link_policy link_existing = SSO_LINK_OFF;
  sso_sync_policy sync = SSO_SYNC_ON_EACH_LOGIN;
  bool auto_create = true;
};

struct PolicyOutcome {
  sso_status status = SSO_OK;  // SSO_OK, or the JIT_* reason to deny
  bool email_verified = false;
  bool link_allowed = false;
  std::string attributes_hash;  // of everything the hook would be told; sync on_change
};

struct PolicyInput {
  const ProvisionPolicy &policy;
  const std::vector<std::string> &email_domains;  // ASCII (IDNA) and lower-cased
  bool oidc;           // email_verified comes from the claim; SAML IdPs assert it
  bool require_email;  // when accounts are provisioned
};

// Sets identity.roles from the table and identity.email to its normalized form (lower-cased
// ASCII domain); denies what the policy does not allow.
PolicyOutcome ApplyPolicy(const PolicyInput &input, Identity &identity);

sso_status MakeProvisionPolicy(const sso_provider_policy &config, ProvisionPolicy &out);

}  // namespace sso
