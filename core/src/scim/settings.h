// A provider's SCIM settings: the bearer token the identity provider authenticates with,
// kept only as its digest, and the check of a request's Authorization header.
#pragma once

#include <string>
#include <string_view>

#include "sso/sso.h"

namespace sso::scim {

inline constexpr size_t kMinTokenBytes = 32;

struct Settings {
  std::string token_digest;  // SHA-256 of the token, hex
};

// SSO_CONFIG_WEAK_SCIM_TOKEN for a token shorter than kMinTokenBytes or with control
// characters or spaces.
sso_status MakeSettings(std::string_view token, Settings &out);

// True when `authorization` is "Bearer <token>" (the scheme in any case) with the provider's
// token. The digests are compared in constant time (CRYPTO_memcmp), so neither the token's
// bytes nor its length show in the time taken.
bool Authorized(const Settings &settings, std::string_view authorization);

}  // namespace sso::scim
