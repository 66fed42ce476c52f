#include "config/email_domains.h"

#include "text/email_domain.h"

namespace sso {
namespace {

// Letters, digits and hyphens between dots: what a normalized (ASCII) domain is made of.
bool IsHostName(const std::string &domain) {
  for (char c : domain)
    if (!(c == '.' || c == '-' || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return false;
  return true;
}

}  // namespace

sso_status CheckEmailDomains(const std::vector<std::string> &domains, std::vector<std::string> &out,
                             ConfigError *error) {
  out.clear();
  for (const std::string &value : domains) {
    std::string fix;
    if (value.starts_with("*.")) {
      fix = "a domain covers its subdomains, write \"" + value.substr(2) + "\"";
    } else if (value.starts_with("@")) {
      fix = "write the domain without the \"@\", \"" + value.substr(1) + "\"";
    }
    auto domain = fix.empty() ? NormalizeDomain(value) : std::nullopt;
    if (!domain || !IsHostName(*domain)) {
      if (fix.empty())
        fix =
            "write the part of the addresses after the \"@\", e.g. \"corp.example\" (which "
            "covers its subdomains)";
      return Refuse(error, SSO_CONFIG_BAD_EMAIL_DOMAIN, "email_domains", value,
                    Quoted("email_domains", value) + " matches nobody: " + fix);
    }
    out.push_back(std::move(*domain));
  }
  return SSO_OK;
}

}  // namespace sso
