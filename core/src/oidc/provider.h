// A configured OpenID provider: what we know from configuration, and what this process has
// learned at run time (discovery, JWKS).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/config_error.h"
#include "oidc/client.h"
#include "oidc/jwt.h"
#include "session/record.h"
#include "sso/sso.h"

namespace sso {

struct OidcProvider {
  std::string name;
  std::string issuer;
  oidc::ClientSettings client;
  oidc::Algorithm algorithm = oidc::Algorithm::kRS256;
  int64_t clock_skew_ms = 120'000;
  int64_t jwks_refresh_interval_ms = 60'000;  // at most one refresh per interval
  bool userinfo = false;                      // call userinfo after the ID token
  std::vector<std::string> email_domains;
  std::map<std::string, std::string> claim_map;  // profile field -> claim name
  std::string post_logout_redirect_uri;          // empty: no RP-initiated logout
  bool frontchannel_logout = false;              // GET with iss and sid ends sessions

  // Learned per process. Explicit endpoints fill `discovery` at configuration and are never
  // fetched; a fetched document is fetched again when older than kDiscoveryMaxAgeMs.
  // Both are immutable snapshots: a refresh replaces the pointer, and a login in flight keeps
  // the snapshot it started with (OidcCallbackState, oidc/flow_state.h).
  std::shared_ptr<const oidc::Discovery> discovery;
  bool discovery_explicit = false;
  int64_t discovery_fetched_ms = -1;
  std::shared_ptr<const oidc::JwkSet> jwks;
  std::vector<std::string> refused_kids;  // keys of the last JWKS fetch that failed a check
  int64_t jwks_fetched_ms = -1;
};

inline constexpr int64_t kDiscoveryMaxAgeMs = 24LL * 60 * 60 * 1000;

// Builds a provider from the C configuration; a refusal says why in `error` (the line at
// fault and what to do) when it can.
sso_status MakeOidcProvider(const sso_oidc_provider_config &config, OidcProvider &out,
                            ConfigError *error = nullptr);

// The identity an ID token's claims stand for: subject = sub at iss; email (with
// email_verified kept as an attribute), name and groups through the claim mapping.
Identity IdentityFromClaims(const OidcProvider &provider, const oidc::ClaimSet &claims);

}  // namespace sso
