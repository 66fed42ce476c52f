#include "authz/rules.h"

#include <algorithm>
#include <array>

#include "text/email_domain.h"
#include "text/http_text.h"

namespace sso {
namespace {

struct KindName {
  std::string_view name;
  AccessRule::Kind kind;
};

constexpr std::array<KindName, 7> kKinds = {{
    {"signed_in", AccessRule::Kind::kSignedIn},
    {"role", AccessRule::Kind::kRole},
    {"group", AccessRule::Kind::kGroup},
    {"email_domain", AccessRule::Kind::kEmailDomain},
    {"provider", AccessRule::Kind::kProvider},
    {"user", AccessRule::Kind::kUser},
    {"attr", AccessRule::Kind::kAttribute},
}};

// DomainMatches for two normalized (lower-case ASCII) domains, without copying either: this
// runs on every request of a location with an email_domain rule.
bool AtOrBelow(std::string_view domain, std::string_view allowed) {
  if (domain.size() == allowed.size()) return domain == allowed;
  return domain.size() > allowed.size() && domain.ends_with(allowed) &&
         domain[domain.size() - allowed.size() - 1] == '.';
}

bool AnyOf(const std::vector<std::string> &values, std::string_view candidate) {
  return std::find(values.begin(), values.end(), candidate) != values.end();
}

bool AnyShared(const std::vector<std::string> &values, const std::vector<std::string> &held) {
  return std::any_of(held.begin(), held.end(), [&](const auto &h) { return AnyOf(values, h); });
}

bool Holds(const AccessRule &rule, const Identity &id, std::string_view email_domain) {
  switch (rule.kind) {
    case AccessRule::Kind::kSignedIn:
      return true;
    case AccessRule::Kind::kRole:
      return AnyShared(rule.values, id.roles);
    case AccessRule::Kind::kGroup:
      return AnyShared(rule.values, id.groups);
    case AccessRule::Kind::kEmailDomain:
      return !email_domain.empty() &&
             std::any_of(rule.values.begin(), rule.values.end(),
                         [&](const auto &v) { return AtOrBelow(email_domain, v); });
    case AccessRule::Kind::kProvider:
      return AnyOf(rule.values, id.provider);
    case AccessRule::Kind::kUser:
      return !id.user.empty() && AnyOf(rule.values, id.user);
    case AccessRule::Kind::kAttribute: {
      auto it = id.attributes.find(rule.attribute);
      return it != id.attributes.end() && AnyOf(rule.values, it->second);
    }
  }
  return false;
}

}  // namespace

sso_status ParseAccessRule(std::span<const std::string_view> args, std::string_view where,
                           AccessRule &out) {
  out = AccessRule{};
  if (args.empty()) return SSO_CONFIG_BAD_REQUIRE;
  auto kind = std::find_if(kKinds.begin(), kKinds.end(),
                           [&](const KindName &k) { return k.name == args[0]; });
  if (kind == kKinds.end()) return SSO_CONFIG_BAD_REQUIRE;
  out.kind = kind->kind;
  auto values = args.subspan(1);
  if (out.kind == AccessRule::Kind::kSignedIn) {
    if (!values.empty()) return SSO_CONFIG_BAD_REQUIRE;
  } else if (out.kind == AccessRule::Kind::kAttribute) {
    if (values.size() < 2 || values[0].empty()) return SSO_CONFIG_BAD_REQUIRE;
    out.attribute = std::string(values[0]);
    values = values.subspan(1);
  } else if (values.empty()) {
    return SSO_CONFIG_BAD_REQUIRE;
  }
  for (std::string_view v : values) {
    if (v.empty() || HasControlCharacter(v)) return SSO_CONFIG_BAD_REQUIRE;
    if (out.kind == AccessRule::Kind::kEmailDomain) {
      auto domain = NormalizeDomain(v);
      if (!domain || v.find('*') != std::string_view::npos) return SSO_CONFIG_BAD_REQUIRE;
      out.values.push_back(std::move(*domain));
    } else {
      out.values.emplace_back(v);
    }
  }
  out.text = "sso_require";
  for (std::string_view a : args) out.text.append(" ").append(LogSafe(a, 200));
  out.text.append(" (").append(LogSafe(where, 300)).append(")");
  return SSO_OK;
}

const AccessRule *FirstUnmetRule(const AccessRules &rules, const Identity &identity,
                                 std::string_view email_domain) {
  for (const auto &rule : rules.rules)
    if (!Holds(rule, identity, email_domain)) return &rule;
  return nullptr;
}

}  // namespace sso
