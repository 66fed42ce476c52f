// ID token verification speed: our full VerifyIdToken (JWS parsing, key by kid in a
// three-key JWKS, signature, every claim check) for RS256, PS256, ES256 and EdDSA. Prints two
// lines per algorithm: "ALG <verifications/s>", and "ALG-bare <verifications/s>" for the least
// any verifier of that token does: OpenSSL's EVP_DigestVerify of its signing input with the
// right key and padding (PSS for PS256), nothing else. scripts/bench-jwt puts both next to
// `openssl speed` for the same algorithm in the same run.
//
// Seconds are this process's CPU seconds (user + system), as `openssl speed` counts by default
// (user CPU time): on a shared machine, wall-clock seconds would also count the time other
// processes had the core, on our side only.
#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
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
// (--toggle-collect='*::VerifyOnce*'; '*VerifyOnce*' would count BareVerifyOnce too).
[[gnu::noinline]] void VerifyOnce(const std::string &token, Algorithm alg,
                                  const std::vector<Jwk> &keys, const ClaimRules &rules) {
  Jwt jwt;
  if (VerifyIdToken(token, alg, keys, rules, jwt) != SSO_OK) {
    std::fprintf(stderr, "jwt_bench: a verification failed\n");
    std::exit(1);
  }
}

// The signature of `input` as OpenSSL makes it (DER for ECDSA), with the JWS algorithm's
// padding.
std::string SignForEvp(const Key &k, const std::string &input) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_PKEY_CTX *pctx = nullptr;
  EVP_DigestSignInit(ctx.get(), &pctx, k.alg == Algorithm::kEdDSA ? nullptr : EVP_sha256(), nullptr,
                     k.pkey.get());
  if (k.alg == Algorithm::kPS256) {
    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32);
  }
  size_t len = 0;
  const auto *in = reinterpret_cast<const unsigned char *>(input.data());
  EVP_DigestSign(ctx.get(), nullptr, &len, in, input.size());
  std::string sig(len, '\0');
  EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char *>(sig.data()), &len, in, input.size());
  sig.resize(len);
  return sig;
}

// The bare verification, as a tuned verifier of one key does it: a context prepared once for
// the key and padding, copied per signature (EVP_MD_CTX_FLAG_FINALISE: no second copy inside),
// the signing input hashed, the public-key operation. Nothing of a JWS; what `openssl speed`
// leaves out (hashing the input, PSS instead of PKCS#1 v1.5) is in.
[[gnu::noinline]] void BareVerifyOnce(const EVP_MD_CTX *prepared, const std::string &input,
                                      const std::string &sig) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  bool ok = EVP_MD_CTX_copy_ex(ctx.get(), prepared) == 1;
  EVP_MD_CTX_set_flags(ctx.get(), EVP_MD_CTX_FLAG_FINALISE);
  if (!ok ||
      EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char *>(sig.data()), sig.size(),
                       reinterpret_cast<const unsigned char *>(input.data()), input.size()) != 1) {
    std::fprintf(stderr, "jwt_bench: a bare verification failed\n");
    std::exit(1);
  }
}

// A verification context for `k`, ready to be copied.
std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> PreparedContext(const Key &k) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_PKEY_CTX *pctx = nullptr;
  if (EVP_DigestVerifyInit(ctx.get(), &pctx, k.alg == Algorithm::kEdDSA ? nullptr : EVP_sha256(),
                           nullptr, k.pkey.get()) != 1 ||
      (k.alg == Algorithm::kPS256 &&
       (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32) != 1))) {
    std::fprintf(stderr, "jwt_bench: no verification context\n");
    std::exit(1);
  }
  return ctx;
}

// `once` per CPU second, after a warm-up; `count_only` > 0: exactly that many, untimed.
template <typename Once>
double PerCpuSecond(const Once &once, double seconds, long count_only) {
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

struct Rates {
  double ours = 0, bare = 0;
};

// `count` > 0: exactly that many verifications after the warm-up (for callgrind), no timing.
Rates VerificationsPerSecond(Algorithm alg, double seconds, long count_only = 0) {
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

  Rates rates;
  rates.ours = PerCpuSecond([&] { VerifyOnce(token, alg, keys, rules); }, seconds, count_only);
  const std::string input = token.substr(0, token.rfind('.'));
  const std::string sig = SignForEvp(signer, input);
  auto prepared = PreparedContext(signer);
  rates.bare =
      PerCpuSecond([&] { BareVerifyOnce(prepared.get(), input, sig); }, seconds, count_only);
  return rates;
}

}  // namespace

// jwt_bench [SECONDS]: every algorithm, timed. jwt_bench 0 ALG COUNT: COUNT verifications of
// ALG, ours then the bare one, untimed (to count instructions with callgrind: ours with
// --toggle-collect='*::VerifyOnce*', the bare one with '*BareVerifyOnce*').
int main(int argc, char **argv) {
  double seconds = argc > 1 ? std::atof(argv[1]) : 2.0;
  if (argc > 3) {
    auto alg = ParseAlgorithm(argv[2]);
    if (!alg) return 2;
    VerificationsPerSecond(*alg, 0, std::atol(argv[3]));
    return 0;
  }
  for (Algorithm alg :
       {Algorithm::kRS256, Algorithm::kPS256, Algorithm::kES256, Algorithm::kEdDSA}) {
    Rates rates = VerificationsPerSecond(alg, seconds);
    const std::string name(AlgorithmName(alg));
    std::printf("%s %.0f\n%s-bare %.0f\n", name.c_str(), rates.ours, name.c_str(), rates.bare);
  }
  return 0;
}
