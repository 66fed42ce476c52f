// JSON Web Tokens for OpenID Connect: parsing (JWS compact form), keys from a JWKS, and
// signature verification with an algorithm fixed per provider.
#pragma once

#include <openssl/evp.h>

#include <array>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "oidc/claims.h"
#include "sso/sso.h"
#include "text/encoding.h"

namespace sso::oidc {

enum class Algorithm { kRS256, kPS256, kES256, kEdDSA };

// "RS256" -> kRS256 ...; nullopt for everything else ("none", "HS256", "RS1", ...).
std::optional<Algorithm> ParseAlgorithm(std::string_view name);
const char *AlgorithmName(Algorithm alg);

struct Jwt {
  std::string algorithm;      // header "alg", as sent
  std::string key_id;         // header "kid", may be empty
  ClaimSet claims;            // the payload, a JSON object
  std::string signing_input;  // base64url(header) "." base64url(payload)
  std::string signature;      // raw bytes
};

// Largest token accepted, checked before decoding.
inline constexpr size_t kMaxTokenBytes = 16 * 1024;

// Splits and decodes a compact JWS. Header fields that could name a key ("jwk", "jku",
// "x5c", "x5u") are never used: keys come only from the provider's JWKS.
sso_status ParseJwt(std::string_view token, Jwt &out);

struct PkeyFree {
  void operator()(EVP_PKEY *k) const { EVP_PKEY_free(k); }
};
using PublicKey = std::shared_ptr<EVP_PKEY>;
struct MdCtxFree {
  void operator()(EVP_MD_CTX *c) const { EVP_MD_CTX_free(c); }
};

inline constexpr size_t kAlgorithms = 4;

struct Jwk {
  std::string key_id;
  std::string kty;  // "RSA", "EC", "OKP"
  PublicKey key;
  // Per Algorithm (by its value), for those the key fits: a verification context set up once
  // with the key, the digest and the padding. A token is verified with a copy of it, so it is
  // never changed and may be shared. Empty: VerifySignature sets one up for the token.
  std::array<std::shared_ptr<const EVP_MD_CTX>, kAlgorithms> prepared;
};
using JwkSet = std::vector<Jwk>;

// A JWKS key that was not taken: its kid (as sent) and the check it failed.
struct RefusedJwk {
  std::string key_id;
  const char *problem;
};

// The signing keys of a JWKS document ({"keys": [...]}); keys for encryption ("use":"enc")
// and key types or curves we do not verify with are skipped. A key of a type we do verify
// with that is malformed or fails PublicKeyProblem (public_key_check.h) is never used: it
// goes to `refused`. SSO_JWKS_INVALID if nothing usable is left.
sso_status ParseJwks(std::string_view json, std::vector<Jwk> &out,
                     std::vector<RefusedJwk> *refused = nullptr);

// The key for a token: by kid, or the only key of the right type when the token has none.
// SSO_JWT_UNKNOWN_KID when no key has that kid (the caller may refresh the JWKS once).
sso_status SelectKey(const std::vector<Jwk> &keys, std::string_view kid, Algorithm alg,
                     const Jwk *&out);

// Verifies the signature with exactly `alg` (the provider's, never the header's choice).
sso_status VerifySignature(const Jwt &jwt, Algorithm alg, const Jwk &key);

struct ClaimRules {
  std::string issuer;
  std::string client_id;
  std::string nonce;  // empty: not checked (e.g. a refreshed ID token)
  int64_t now_ms = 0;
  int64_t clock_skew_ms = 120'000;
};

// A string member of a JSON object; nullopt when absent or not a string.
std::optional<std::string> StringMember(const nlohmann::json &object, const char *name);
// A NumericDate claim in milliseconds; nullopt when absent, not a number or out of range.
std::optional<int64_t> NumericDateMs(const ClaimSet &claims, std::string_view name);

// iss exact; aud contains client_id; azp (when present or several audiences) = client_id.
sso_status CheckIssuerAndAudience(const ClaimSet &claims, std::string_view issuer,
                                  std::string_view client_id);

// iss exact, aud contains client_id, azp (when present or several audiences) = client_id,
// exp in the future, iat not in the future, nbf passed, nonce equal, sub present.
sso_status CheckIdTokenClaims(const Jwt &jwt, const ClaimRules &rules);

// Parse + key selection + signature + claims, in that order.
sso_status VerifyIdToken(std::string_view token, Algorithm alg, const std::vector<Jwk> &keys,
                         const ClaimRules &rules, Jwt &out);

using sso::Base64UrlDecode;
using sso::Base64UrlEncode;

}  // namespace sso::oidc
