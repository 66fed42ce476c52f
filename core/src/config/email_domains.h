// A provider's email_domains lines as nginx -t checks them: each value must be a domain an
// address can have ("*.corp.example" or "@corp.example" match nobody).
#pragma once

#include <string>
#include <vector>

#include "config/config_error.h"
#include "sso/sso.h"

namespace sso {

// The domains, normalized (text/email_domain.h), into `out`; SSO_CONFIG_BAD_EMAIL_DOMAIN
// naming the first value that is not a domain and what to write instead.
sso_status CheckEmailDomains(const std::vector<std::string> &domains, std::vector<std::string> &out,
                             ConfigError *error);

}  // namespace sso
