// $sso_identity_token: a compact JWS the module signs for the app behind it (as Pomerium's
// X-Pomerium-Jwt-Assertion or Google IAP's x-goog-iap-jwt-assertion), so an app can check
// who is calling with a library rather than trust a header. ES256 (P-256) or EdDSA (Ed25519);
// the first key signs, every key is published at .../jwks.json (two at once in a rotation).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/private_key.h"
#include "session/record.h"
#include "sso/sso.h"

namespace sso {

struct IdentityTokenKey {
  PrivateKey key;  // may hold only a public key (a retired key, still published)
  bool can_sign = false;
  std::string alg;  // "ES256" or "EdDSA"
  std::string kid;  // the RFC 7638 thumbprint
  std::string jwk;  // the public JWK, serialized
};

struct IdentityTokenSettings {
  std::vector<IdentityTokenKey> keys;  // keys[0] signs
  std::string issuer;
  std::string default_audience;  // the issuer unless a location names its own
  int64_t ttl_ms = 60'000;
};

// SSO_CONFIG_BAD_IDENTITY_TOKEN names what is wrong (a key neither P-256 nor Ed25519, the
// first key without its private half, an issuer that is not an https URL, a TTL out of
// 10 s .. 1 h).
sso_status MakeIdentityTokenSettings(const sso_identity_token_config &config,
                                     IdentityTokenSettings &out);

struct IdentityTokenClaims {
  std::string_view audience;
  int64_t now_ms = 0;
  std::string_view jti;
};

// The signed token, or empty if signing failed.
std::string SignIdentityToken(const IdentityTokenSettings &settings, const Identity &identity,
                              const IdentityTokenClaims &claims);

// {"keys": [...]} for the JWKS endpoint.
std::string IdentityTokenJwks(const IdentityTokenSettings &settings);

}  // namespace sso
