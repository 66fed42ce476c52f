// sso_require: who may use a location, decided on the session's identity once the session
// is accepted. Lines of one level all hold (AND); the values of one line are alternatives
// (OR); values match exactly, byte for byte (a group "CN=ops,OU=groups,DC=corp" is one value).
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "session/record.h"
#include "sso/sso.h"

namespace sso {

struct AccessRule {
  enum class Kind {
    kSignedIn,     // "signed_in": a session is enough (clears rules inherited from above)
    kRole,         // one of the roles
    kGroup,        // one of the groups
    kEmailDomain,  // the email's domain is one of these or below one (as email_domains)
    kProvider,     // signed in through one of these providers
    kUser,         // the app's user id is one of these
    kAttribute,    // $sso_attr_NAME is one of these
  };
  Kind kind = Kind::kSignedIn;
  std::string attribute;            // kAttribute: NAME
  std::vector<std::string> values;  // kEmailDomain: normalized (lower case, IDNA)
  std::string text;                 // "sso_require group ops eng (nginx.conf:42)", for logs
};

struct AccessRules {
  std::vector<AccessRule> rules;
};

// One sso_require line: `args` after the directive's name, `where` "file:line".
// SSO_CONFIG_BAD_REQUIRE for an unknown kind, a missing value or an unusable domain.
sso_status ParseAccessRule(std::span<const std::string_view> args, std::string_view where,
                           AccessRule &out);

// The first rule `identity` does not meet; nullptr when all hold. `email_domain`: the
// identity's EmailDomain() (empty if none), computed once per session rather than per request
// (IDNA is not free).
const AccessRule *FirstUnmetRule(const AccessRules &rules, const Identity &identity,
                                 std::string_view email_domain);

}  // namespace sso

// The C handle: one configuration level's rules.
struct sso_access_rules {
  sso::AccessRules rules;
};
