#include "text/email_domain.h"

#include <idn2.h>

#include <algorithm>
#include <cctype>
#include <memory>

namespace sso {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

struct Idn2Free {
  void operator()(char *p) const { idn2_free(p); }
};

}  // namespace

std::optional<std::string> NormalizeDomain(std::string_view text) {
  std::string domain = Lower(text);
  if (domain.empty() || domain.front() == '.' || domain.back() == '.' ||
      domain.find("..") != std::string::npos || domain.find('\0') != std::string::npos)
    return std::nullopt;
  for (unsigned char c : domain)
    if (c <= 0x20 || c == 0x7f || c == '@') return std::nullopt;
  // ASCII too: an "xn--" label must be a valid A-label, hyphens only where IDNA allows them
  char *out = nullptr;
  if (idn2_to_ascii_8z(domain.c_str(), &out, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL) != IDN2_OK)
    return std::nullopt;
  std::unique_ptr<char, Idn2Free> owned(out);
  return Lower(owned.get());
}

std::optional<std::vector<std::string>> NormalizeDomains(const std::vector<std::string> &domains) {
  std::vector<std::string> out;
  for (const std::string &d : domains) {
    auto domain = NormalizeDomain(d);
    if (!domain) return std::nullopt;
    out.push_back(std::move(*domain));
  }
  return out;
}

std::optional<std::string> EmailDomain(std::string_view email) {
  size_t at = email.find('@');
  if (at == std::string_view::npos || at == 0 || email.find('@', at + 1) != std::string_view::npos)
    return std::nullopt;
  for (unsigned char c : email)
    if (c <= 0x20 || c == 0x7f) return std::nullopt;
  return NormalizeDomain(email.substr(at + 1));
}

bool DomainMatches(std::string_view domain, std::string_view allowed) {
  std::string d = Lower(domain), a = Lower(allowed);
  if (a.empty() || d.size() < a.size()) return false;
  if (d == a) return true;
  return d.size() > a.size() && d.compare(d.size() - a.size(), a.size(), a) == 0 &&
         d[d.size() - a.size() - 1] == '.';
}

}  // namespace sso
