// Keys, JWKS and signed tokens for the OIDC tests, made with OpenSSL in the test.
#pragma once

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "oidc/jwt.h"

namespace jwt_test {

using namespace sso::oidc;
using Json = nlohmann::json;

constexpr int64_t kNow = 1'767'225'600'000;  // 2026-01-01T00:00:00Z
constexpr const char *kIssuer = "https://op.test.invalid";
constexpr const char *kClient = "app-client";

struct Key {
  std::string kid;
  Algorithm alg;
  std::shared_ptr<EVP_PKEY> pkey;
};

inline std::shared_ptr<EVP_PKEY> Generate(const char *type, const char *param = nullptr) {
  EVP_PKEY *key = nullptr;
  if (std::string(type) == "RSA")
    key = EVP_RSA_gen(2048);
  else if (std::string(type) == "EC")
    key = EVP_EC_gen(param);
  else
    key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  return std::shared_ptr<EVP_PKEY>(key, EVP_PKEY_free);
}

inline std::string Bn(EVP_PKEY *key, const char *name) {
  BIGNUM *bn = nullptr;
  EVP_PKEY_get_bn_param(key, name, &bn);
  std::string out(static_cast<size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char *>(out.data()));
  BN_free(bn);
  return out;
}

inline Json PublicJwk(const Key &k) {
  Json j = {{"kid", k.kid}, {"use", "sig"}};
  EVP_PKEY *p = k.pkey.get();
  switch (EVP_PKEY_get_base_id(p)) {
    case EVP_PKEY_RSA:
      j["kty"] = "RSA";
      j["n"] = Base64UrlEncode(Bn(p, OSSL_PKEY_PARAM_RSA_N));
      j["e"] = Base64UrlEncode(Bn(p, OSSL_PKEY_PARAM_RSA_E));
      break;
    case EVP_PKEY_EC: {
      j["kty"] = "EC";
      j["crv"] = "P-256";
      unsigned char point[65];
      size_t len = 0;
      EVP_PKEY_get_octet_string_param(p, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point, &len);
      j["x"] = Base64UrlEncode(std::string(reinterpret_cast<char *>(point + 1), 32));
      j["y"] = Base64UrlEncode(std::string(reinterpret_cast<char *>(point + 33), 32));
      break;
    }
    default: {
      j["kty"] = "OKP";
      j["crv"] = "Ed25519";
      unsigned char raw[32];
      size_t len = sizeof raw;
      EVP_PKEY_get_raw_public_key(p, raw, &len);
      j["x"] = Base64UrlEncode(std::string(reinterpret_cast<char *>(raw), len));
    }
  }
  return j;
}

inline std::string SignBytes(const Key &k, const std::string &input) {
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX *pctx = nullptr;
  const EVP_MD *md = k.alg == Algorithm::kEdDSA ? nullptr : EVP_sha256();
  EVP_DigestSignInit(ctx, &pctx, md, nullptr, k.pkey.get());
  if (k.alg == Algorithm::kPS256) {
    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32);
  }
  size_t len = 0;
  EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char *>(input.data()),
                 input.size());
  std::string sig(len, '\0');
  EVP_DigestSign(ctx, reinterpret_cast<unsigned char *>(sig.data()), &len,
                 reinterpret_cast<const unsigned char *>(input.data()), input.size());
  sig.resize(len);
  EVP_MD_CTX_free(ctx);
  if (k.alg == Algorithm::kES256) {  // DER -> r || s
    const unsigned char *p = reinterpret_cast<const unsigned char *>(sig.data());
    ECDSA_SIG *es = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size()));
    unsigned char rs[64] = {};
    BN_bn2binpad(ECDSA_SIG_get0_r(es), rs, 32);
    BN_bn2binpad(ECDSA_SIG_get0_s(es), rs + 32, 32);
    ECDSA_SIG_free(es);
    sig.assign(reinterpret_cast<char *>(rs), 64);
  }
  return sig;
}

// The provider's discovery document (kIssuer's endpoints, RS256).
inline Json DiscoveryDocument() {
  return {{"issuer", kIssuer},
          {"authorization_endpoint", std::string(kIssuer) + "/auth"},
          {"token_endpoint", std::string(kIssuer) + "/token"},
          {"jwks_uri", std::string(kIssuer) + "/jwks"},
          {"id_token_signing_alg_values_supported", {"RS256"}}};
}

inline Json Claims() {
  return {{"iss", kIssuer},
          {"aud", kClient},
          {"sub", "248289761001"},
          {"exp", kNow / 1000 + 300},
          {"iat", kNow / 1000 - 10},
          {"nonce", "n-0S6_WzA2Mj"},
          {"email", "new.hire@corp.example"}};
}

inline std::string Token(const Key &k, const Json &claims = Claims(), Json header = {}) {
  if (!header.contains("alg")) header["alg"] = AlgorithmName(k.alg);
  if (!header.contains("kid")) header["kid"] = k.kid;
  std::string input = Base64UrlEncode(header.dump()) + "." + Base64UrlEncode(claims.dump());
  return input + "." + Base64UrlEncode(SignBytes(k, input));
}

// A token signed by `k` over header and payload exactly as given (not necessarily JSON).
inline std::string RawToken(const Key &k, const std::string &header, const std::string &payload) {
  std::string input = Base64UrlEncode(header) + "." + Base64UrlEncode(payload);
  return input + "." + Base64UrlEncode(SignBytes(k, input));
}

// An RS256 token "signed" for an RSA key with public exponent 1 and a 2048-bit modulus: as
// s^1 mod n = s, the signature is just the EMSA-PKCS1-v1_5 encoding of the digest, which
// anyone can compute without a private key.
inline std::string ForgedWithExponentOne(const std::string &kid, const Json &claims) {
  Json header = {{"alg", "RS256"}, {"kid", kid}};
  std::string input = Base64UrlEncode(header.dump()) + "." + Base64UrlEncode(claims.dump());
  unsigned char digest[32];
  unsigned int len = 0;
  EVP_Digest(input.data(), input.size(), digest, &len, EVP_sha256(), nullptr);
  // DigestInfo for SHA-256 (RFC 8017 9.2), then the digest
  std::string t("\x30\x31\x30\x0d\x06\x09\x60\x86\x48\x01\x65\x03\x04\x02\x01\x05\x00\x04\x20", 19);
  t.append(reinterpret_cast<char *>(digest), sizeof digest);
  std::string em("\x00\x01", 2);
  em.append(256 - t.size() - 3, '\xff');
  em.push_back('\0');
  em += t;
  return input + "." + Base64UrlEncode(em);
}

}  // namespace jwt_test
