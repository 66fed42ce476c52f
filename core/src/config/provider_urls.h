// A provider's URLs as nginx -t checks them: ours (where the browser comes back to) must be
// absolute, end in the endpoint's path and be served by an sso_endpoints location; a
// back-channel URL that names a host needs a resolver where the calls are made.
#pragma once

#include <string>
#include <string_view>

#include "config/config_error.h"
#include "sso/sso.h"

namespace sso {

// An IPv4 or IPv6 address (without brackets), which needs no resolver.
bool IsIpAddress(const std::string &host);

// `directive` "saml_acs_url" with `url`, answered by the endpoint `endpoint` ("/saml/acs").
// With `facts` (nginx's answers; NULL: not asked), an sso_endpoints location must serve it.
sso_status CheckOwnUrl(const std::string &directive, const std::string &url,
                       std::string_view endpoint, const sso_config_facts *facts,
                       ConfigError *error);

// A back-channel URL (`directive` with `url`, already known to be acceptable) called while
// the browser is at `own_url` (ours, checked by CheckOwnUrl): a host name, unlike an IP
// address, needs a resolver in the location serving it.
sso_status CheckBackchannelHost(const std::string &directive, const std::string &url,
                                const std::string &own_url, const sso_config_facts *facts,
                                ConfigError *error);

// An https URL of the provider's (or a loopback http one, for tests): SSO_CONFIG_BAD_URL
// naming the line and saying `what` the URL is otherwise.
sso_status CheckProviderUrl(const std::string &directive, const std::string &url,
                            std::string_view what, ConfigError *error);

}  // namespace sso
