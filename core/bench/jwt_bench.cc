// ID token verification speed: our full VerifyIdToken (JWS parsing, key by kid in a
// three-key JWKS, signature, every claim check) for RS256, PS256, ES256 and EdDSA. Prints one
// line per algorithm: "ALG <verifications/s>". scripts/bench-jwt puts it next to
// `openssl speed` for the same algorithm in the same run.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "support/jwt_fixtures.h"

namespace {

using namespace jwt_test;
using Clock = std::chrono::steady_clock;

std::shared_ptr<EVP_PKEY> KeyFor(Algorithm alg) {
  switch (alg) {
    case Algorithm::kES256:
      return Generate("EC", "P-256");
    case Algorithm::kEdDSA:
      return Generate("ED25519");
    default:
      return Generate("RSA");
  }
}

double VerificationsPerSecond(Algorithm alg, double seconds) {
  Key signer{"current", alg, KeyFor(alg)};
  Key previous{"previous", alg, KeyFor(alg)};
  Key next{"next", alg, KeyFor(alg)};
  Json jwks = {{"keys", {PublicJwk(previous), PublicJwk(signer), PublicJwk(next)}}};
  std::vector<Jwk> keys;
  if (ParseJwks(jwks.dump(), keys) != SSO_OK) {
    std::fprintf(stderr, "jwt_bench: JWKS refused\n");
    std::exit(1);
  }
  Json claims = Claims();
  claims["name"] = "New Hire";
  claims["email_verified"] = true;
  claims["groups"] = {"engineering", "staff"};
  std::string token = Token(signer, claims);
  ClaimRules rules{kIssuer, kClient, "n-0S6_WzA2Mj", kNow, 120'000};

  auto once = [&] {
    Jwt jwt;
    if (VerifyIdToken(token, alg, keys, rules, jwt) != SSO_OK) {
      std::fprintf(stderr, "jwt_bench: a verification failed\n");
      std::exit(1);
    }
  };
  for (int i = 0; i < 100; ++i) once();  // warm up
  long count = 0;
  auto start = Clock::now();
  std::chrono::duration<double> elapsed{};
  do {
    for (int i = 0; i < 100; ++i) once();
    count += 100;
    elapsed = Clock::now() - start;
  } while (elapsed.count() < seconds);
  return static_cast<double>(count) / elapsed.count();
}

}  // namespace

int main(int argc, char **argv) {
  double seconds = argc > 1 ? std::atof(argv[1]) : 2.0;
  for (Algorithm alg : {Algorithm::kRS256, Algorithm::kPS256, Algorithm::kES256, Algorithm::kEdDSA})
    std::printf("%s %.0f\n", std::string(AlgorithmName(alg)).c_str(),
                VerificationsPerSecond(alg, seconds));
  return 0;
}
