// A provider's documents this process learns at run time (discovery, JWKS): where to fetch
// them, what to keep from an answer, and when a refresh is allowed. Shared by every flow
// that verifies the provider's tokens (login callback, back-channel logout).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "oidc/provider.h"
#include "sso/sso.h"

namespace sso {

std::string DiscoveryUrl(const OidcProvider &p);

// Keeps a fetched discovery document. An outage while refreshing keeps the one we have; a
// changed one we cannot accept drops it (flows in flight keep their own snapshot).
sso_status AcceptDiscovery(OidcProvider &p, int status, std::string_view body, int64_t now_ms);

// Keeps a fetched JWKS. `refused_line` gets a log line naming the keys that failed a check
// (empty when none did).
sso_status AcceptJwks(OidcProvider &p, int status, std::string_view body, int64_t now_ms,
                      std::string &refused_line);

// At most one JWKS fetch per refresh interval (an unknown kid cannot make us hammer the
// provider).
bool MayRefreshJwks(const OidcProvider &p, int64_t now_ms);

}  // namespace sso
