// libFuzzer target for what provisioning reads from outside: an email address and groups as an
// IdP sends them (through the policy: IDNA, domain allow-list, roles) and the hook's answer.
// Crashes and sanitizer reports are bugs, and so is an accepted answer whose user id or roles
// could put a control character into a header, or an allowed email outside the domains.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "provision/hook.h"
#include "provision/policy.h"
#include "text/email_domain.h"
#include "text/http_text.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string_view input(reinterpret_cast<const char *>(data), size);
  size_t split = input.find('\n');
  std::string_view email = input.substr(0, split);
  std::string_view answer = split == std::string_view::npos ? "" : input.substr(split + 1);

  sso::ProvisionPolicy policy;
  policy.role_map = {{"engineering", "developer"}};
  policy.link_existing = SSO_LINK_VERIFIED_EMAIL;
  static const std::vector<std::string> domains = {"corp.example", "xn--bcher-kva.example"};
  sso::Identity id;
  id.provider = "corp";
  id.email = std::string(email);
  id.groups = {std::string(answer.substr(0, 64)), "engineering"};
  id.attributes["email_verified"] = "true";
  sso::PolicyOutcome outcome = sso::ApplyPolicy({policy, domains, true, true}, id);
  if (outcome.status == SSO_OK) {
    auto domain = sso::EmailDomain(id.email);
    if (!domain ||
        (!sso::DomainMatches(*domain, domains[0]) && !sso::DomainMatches(*domain, domains[1])))
      std::abort();  // allowed, but not one of ours
    if (id.roles != std::vector<std::string>{"developer"}) std::abort();  // roles from the table
  }

  for (int status : {200, 201, 202, 403, 409, 500}) {
    sso::HookAnswer a = sso::ParseHookAnswer(status, answer, false, false);
    if (a.status != SSO_OK) continue;
    if (a.user_id.empty() || sso::HasControlCharacter(a.user_id)) std::abort();
    if (a.roles)
      for (const auto &r : *a.roles)
        if (sso::HasControlCharacter(r)) std::abort();
    if (a.outcome == sso::HookOutcome::kCreated || a.outcome == sso::HookOutcome::kLinked)
      std::abort();  // neither was allowed
  }
  return 0;
}
