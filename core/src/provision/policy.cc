#include "provision/policy.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "session/session_id.h"
#include "text/email_domain.h"
#include "text/http_text.h"
#include "text/views.h"

namespace sso {
namespace {

bool Contains(const std::vector<std::string> &list, const std::string &value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

}  // namespace

sso_status MakeProvisionPolicy(const sso_provider_policy &c, ProvisionPolicy &out) {
  out = ProvisionPolicy{};
  for (size_t i = 0; i < c.role_map_count; ++i) {
    std::string group = String(c.role_map[i].name), role = String(c.role_map[i].value);
    if (group.empty() || role.empty() || HasControlCharacter(group) || HasControlCharacter(role) ||
        role.find(',') != std::string::npos)
      return SSO_ERR_INVALID_ARGUMENT;
    out.role_map.emplace_back(std::move(group), std::move(role));
  }
  out.default_role = String(c.default_role);
  if (HasControlCharacter(out.default_role) || out.default_role.find(',') != std::string::npos)
    return SSO_ERR_INVALID_ARGUMENT;
  if (c.link_existing != SSO_LINK_OFF && c.link_existing != SSO_LINK_VERIFIED_EMAIL)
    return SSO_ERR_INVALID_ARGUMENT;
  if (c.sync != SSO_SYNC_ON_EACH_LOGIN && c.sync != SSO_SYNC_ON_CHANGE &&
      c.sync != SSO_SYNC_ON_FIRST_LOGIN)
    return SSO_ERR_INVALID_ARGUMENT;
  out.link_existing = c.link_existing;
  out.sync = c.sync;
  out.auto_create = c.auto_create != 0;
  return SSO_OK;
}

PolicyOutcome ApplyPolicy(const PolicyInput &in, Identity &identity) {
  PolicyOutcome out;

  // Roles come from the table only: an IdP group named "admin" is not the app's admin role.
  identity.roles.clear();
  for (const auto &[group, role] : in.policy.role_map)
    if (Contains(identity.groups, group) && !Contains(identity.roles, role))
      identity.roles.push_back(role);
  if (identity.roles.empty() && !in.policy.default_role.empty())
    identity.roles.push_back(in.policy.default_role);

  bool domain_allowed = false;
  if (identity.email.empty()) {
    if (in.require_email) out.status = SSO_JIT_EMAIL_REQUIRED;
  } else {
    std::optional<std::string> domain = EmailDomain(identity.email);
    if (!domain) {
      out.status = SSO_JIT_DOMAIN_NOT_ALLOWED;  // two '@', spaces, a domain IDNA refuses
    } else {
      identity.email = identity.email.substr(0, identity.email.rfind('@') + 1) + *domain;
      domain_allowed = std::any_of(in.email_domains.begin(), in.email_domains.end(),
                                   [&](const std::string &d) { return DomainMatches(*domain, d); });
      if (!in.email_domains.empty() && !domain_allowed) out.status = SSO_JIT_DOMAIN_NOT_ALLOWED;
    }
  }

  auto verified = identity.attributes.find("email_verified");
  out.email_verified =
      !identity.email.empty() &&
      (in.oidc ? verified != identity.attributes.end() && verified->second == "true" : true);
  if (out.status == SSO_OK && in.require_email && !out.email_verified)
    out.status = SSO_JIT_EMAIL_UNVERIFIED;

  out.link_allowed = out.status == SSO_OK && in.policy.link_existing == SSO_LINK_VERIFIED_EMAIL &&
                     out.email_verified && domain_allowed;

  nlohmann::json facts = {{"email", identity.email},  {"verified", out.email_verified},
                          {"name", identity.name},    {"groups", identity.groups},
                          {"roles", identity.roles},  {"attributes", identity.attributes},
                          {"link", out.link_allowed}, {"create", in.policy.auto_create}};
  out.attributes_hash =
      Sha256Hex(facts.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  return out;
}

}  // namespace sso
