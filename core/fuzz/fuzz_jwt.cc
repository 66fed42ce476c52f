// libFuzzer target for JWT and JWKS parsing: arbitrary bytes as a token (verified against a
// JWKS the fuzzer also controls) and as a JWKS document. Crashes, sanitizer reports, and an
// accepted token whose signature the fuzzer could not have made, are bugs.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "oidc/jwt.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string_view input(reinterpret_cast<const char *>(data), size);
  size_t split = input.find('\n');
  std::string_view token = input.substr(0, split);
  std::string_view jwks_json = split == std::string_view::npos ? "" : input.substr(split + 1);

  sso::oidc::Jwt jwt;
  (void)sso::oidc::ParseJwt(token, jwt);
  std::vector<sso::oidc::Jwk> keys;
  (void)sso::oidc::ParseJwks(jwks_json, keys);
  (void)sso::oidc::ParseJwks(input, keys);

  // With no keys at all, nothing may ever verify.
  std::vector<sso::oidc::Jwk> none;
  sso::oidc::ClaimRules rules{"https://op.test.invalid", "client", "", 1'767'225'600'000, 0};
  for (auto alg :
       {sso::oidc::Algorithm::kRS256, sso::oidc::Algorithm::kES256, sso::oidc::Algorithm::kEdDSA}) {
    if (sso::oidc::VerifyIdToken(token, alg, none, rules, jwt) == SSO_OK) std::abort();
    (void)sso::oidc::VerifyIdToken(token, alg, keys, rules, jwt);
  }
  return 0;
}
