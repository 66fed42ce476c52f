// OpenID Connect Back-Channel Logout 1.0: the logout token a provider POSTs to us, checked as
// its section 2.6 says. The replay check of its jti needs the store: the flow does it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "oidc/jwt.h"
#include "sso/sso.h"

namespace sso::oidc {

// How far in the past a logout token's iat may lie; its jti is remembered as long.
inline constexpr int64_t kLogoutTokenWindowMs = 10 * 60 * 1000;

struct LogoutTokenRules {
  std::string issuer;
  std::string client_id;
  int64_t now_ms = 0;
  int64_t clock_skew_ms = 120'000;
};

struct LogoutToken {
  std::string subject;  // may be empty when sid is set
  std::string sid;      // may be empty when subject is set
  std::string jti;
  int64_t replay_until_ms = 0;  // how long the jti must be remembered
};

// Signature with the provider's keys and its one algorithm, then iss, aud, iat (in the
// window, not in the future), exp (when present), the back-channel logout event, no nonce,
// a jti, and a sub or a sid.
sso_status VerifyLogoutToken(std::string_view token, Algorithm alg, const std::vector<Jwk> &keys,
                             const LogoutTokenRules &rules, LogoutToken &out);

}  // namespace sso::oidc
