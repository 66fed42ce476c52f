// private_key_jwt (OpenID Connect Core 9, RFC 7523): the token request authenticates with a
// short-lived JWT signed by our own key instead of a shared secret.
#pragma once

#include <openssl/evp.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace sso::oidc {

struct ClientKey {
  std::shared_ptr<EVP_PKEY> key;  // RSA (>= 2048 bits, RS256) or EC P-256 (ES256)
  std::string key_id;             // the kid the provider knows the key by; may be empty
};

// The key from PEM; nullopt for anything but an RSA >= 2048 or EC P-256 private key.
std::optional<ClientKey> LoadClientKey(std::string_view pem, std::string key_id);

// iss = sub = client_id, aud = the token endpoint, a unique jti, exp one minute after iat.
std::optional<std::string> ClientAssertion(const ClientKey &key, std::string_view client_id,
                                           std::string_view token_endpoint, std::string_view jti,
                                           int64_t now_ms);

inline constexpr std::string_view kClientAssertionType =
    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

}  // namespace sso::oidc
