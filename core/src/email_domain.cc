#include "email_domain.h"

#include <algorithm>
#include <cctype>

namespace sso {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

std::optional<std::string> EmailDomain(std::string_view email) {
  size_t at = email.find('@');
  if (at == std::string_view::npos || at == 0 || email.find('@', at + 1) != std::string_view::npos)
    return std::nullopt;
  std::string domain = Lower(email.substr(at + 1));
  if (domain.empty() || domain.front() == '.' || domain.back() == '.' ||
      domain.find("..") != std::string::npos)
    return std::nullopt;
  for (unsigned char c : email)
    if (c <= 0x20 || c == 0x7f) return std::nullopt;
  return domain;
}

bool DomainMatches(std::string_view domain, std::string_view allowed) {
  std::string d = Lower(domain), a = Lower(allowed);
  if (a.empty() || d.size() < a.size()) return false;
  if (d == a) return true;
  return d.size() > a.size() && d.compare(d.size() - a.size(), a.size(), a) == 0 &&
         d[d.size() - a.size() - 1] == '.';
}

}  // namespace sso
