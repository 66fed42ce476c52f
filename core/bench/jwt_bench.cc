// ID token verification speed: our full VerifyIdToken (JWS parsing, key by kid in a
// three-key JWKS, signature, every claim check) for RS256, PS256, ES256 and EdDSA. Prints one
// line per algorithm: "ALG <verifications/s>". scripts/bench-jwt puts it next to
// `openssl speed` for the same algorithm in the same run.
//
// Seconds are this process's CPU seconds (user + system), as `openssl speed` counts by default
// (user CPU time): on a shared machine, wall-clock seconds would also count the time other
// processes had the core, on our side only.
#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "support/jwt_fixtures.h"

namespace {

using namespace jwt_test;
// CPU seconds this process has used.
double CpuSeconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

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

// One verification, its Jwt destroyed too; not inlined, so that callgrind can count it alone
// (--toggle-collect='*VerifyOnce*').
[[gnu::noinline]] void VerifyOnce(const std::string &token, Algorithm alg,
                                  const std::vector<Jwk> &keys, const ClaimRules &rules) {
  Jwt jwt;
  if (VerifyIdToken(token, alg, keys, rules, jwt) != SSO_OK) {
    std::fprintf(stderr, "jwt_bench: a verification failed\n");
    std::exit(1);
  }
}

// `count` > 0: exactly that many verifications after the warm-up (for callgrind), no timing.
double VerificationsPerSecond(Algorithm alg, double seconds, long count_only = 0) {
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

  auto once = [&] { VerifyOnce(token, alg, keys, rules); };
  for (int i = 0; i < 100; ++i) once();  // warm up
  if (count_only > 0) {
    for (long i = 0; i < count_only; ++i) once();
    return 0;
  }
  long count = 0;
  double start = CpuSeconds(), elapsed = 0;
  do {
    for (int i = 0; i < 100; ++i) once();
    count += 100;
    elapsed = CpuSeconds() - start;
  } while (elapsed < seconds);
  return static_cast<double>(count) / elapsed;
}

}  // namespace

// jwt_bench [SECONDS]: every algorithm, timed. jwt_bench 0 ALG COUNT: COUNT verifications of
// ALG only, untimed (to count instructions with callgrind).
int main(int argc, char **argv) {
  double seconds = argc > 1 ? std::atof(argv[1]) : 2.0;
  if (argc > 3) {
    auto alg = ParseAlgorithm(argv[2]);
    if (!alg) return 2;
    VerificationsPerSecond(*alg, 0, std::atol(argv[3]));
    return 0;
  }
  for (Algorithm alg : {Algorithm::kRS256, Algorithm::kPS256, Algorithm::kES256, Algorithm::kEdDSA})
    std::printf("%s %.0f\n", std::string(AlgorithmName(alg)).c_str(),
                VerificationsPerSecond(alg, seconds));
  return 0;
}
