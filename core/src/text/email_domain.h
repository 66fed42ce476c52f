// Email domains: which identity provider may speak for an address (home-realm discovery now,
// account linking later).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sso {

// The domain of an address with exactly one '@' and no spaces or control characters, in
// lower-cased ASCII (an internationalized domain through IDNA 2008 / UTS #46, so
// "bücher.example" is "xn--bcher-kva.example"); nullopt otherwise
// ("a@evil.example@corp.example" has none).
std::optional<std::string> EmailDomain(std::string_view email);

// A configured domain in the same form; nullopt if IDNA refuses it.
std::optional<std::string> NormalizeDomain(std::string_view domain);

// A provider's email_domains list, each normalized; nullopt if any is refused.
std::optional<std::vector<std::string>> NormalizeDomains(const std::vector<std::string> &domains);

// True when `domain` is `allowed` or a subdomain of it, on label boundaries:
// "eng.corp.example" matches "corp.example"; "corp.example.evil.example" and
// "notcorp.example" do not. Both sides are compared lower-cased.
bool DomainMatches(std::string_view domain, std::string_view allowed);

}  // namespace sso
