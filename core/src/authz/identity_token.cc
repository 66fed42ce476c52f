#include "authz/identity_token.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "text/encoding.h"
#include "text/http_text.h"
#include "text/views.h"

namespace sso {
namespace {

using Json = nlohmann::json;

struct BioFree {
  void operator()(BIO *b) const { BIO_free(b); }
};
struct BnFree {
  void operator()(BIGNUM *b) const { BN_free(b); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX *c) const { EVP_MD_CTX_free(c); }
};
struct EcdsaSigFree {
  void operator()(ECDSA_SIG *s) const { ECDSA_SIG_free(s); }
};

constexpr int64_t kMinTtlMs = 10'000;
constexpr int64_t kMaxTtlMs = 3'600'000;

std::string B64u(const unsigned char *data, size_t len) {
  return Base64UrlEncode(std::string_view(reinterpret_cast<const char *>(data), len));
}

// A private key, or else a public one (a retired key we still publish).
PrivateKey ReadKey(std::string_view pem, bool &is_private) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return nullptr;
  is_private = true;
  EVP_PKEY *key = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
  if (!key) {
    is_private = false;
    bio.reset(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    key = bio ? PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr) : nullptr;
  }
  return key ? PrivateKey(key, PkeyFree{}) : nullptr;
}

// The public JWK's required members (RFC 7638 §3.2: the thumbprint's input), nullopt for a
// key that is neither P-256 nor Ed25519.
std::optional<Json> RequiredMembers(EVP_PKEY *key, std::string &alg) {
  if (EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519) {
    unsigned char raw[32];
    size_t len = sizeof raw;
    if (EVP_PKEY_get_raw_public_key(key, raw, &len) != 1 || len != sizeof raw) return std::nullopt;
    alg = "EdDSA";
    return Json{{"crv", "Ed25519"}, {"kty", "OKP"}, {"x", B64u(raw, len)}};
  }
  char group[32] = {0};
  if (EVP_PKEY_get_base_id(key) != EVP_PKEY_EC ||
      EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                     nullptr) != 1 ||
      std::string_view(group) != "prime256v1")
    return std::nullopt;
  BIGNUM *x = nullptr, *y = nullptr;
  EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X, &x);
  EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, &y);
  std::unique_ptr<BIGNUM, BnFree> bx(x), by(y);
  unsigned char xb[32], yb[32];
  if (!x || !y || BN_bn2binpad(x, xb, 32) != 32 || BN_bn2binpad(y, yb, 32) != 32)
    return std::nullopt;
  alg = "ES256";
  return Json{{"crv", "P-256"}, {"kty", "EC"}, {"x", B64u(xb, 32)}, {"y", B64u(yb, 32)}};
}

std::optional<IdentityTokenKey> MakeKey(std::string_view pem) {
  IdentityTokenKey out;
  out.key = ReadKey(pem, out.can_sign);
  if (!out.key) return std::nullopt;
  auto members = RequiredMembers(out.key.get(), out.alg);
  if (!members) return std::nullopt;
  // nlohmann's object keys are sorted and dump() has no spaces: RFC 7638's canonical form
  std::string canonical = members->dump();
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char *>(canonical.data()), canonical.size(), digest);
  out.kid = B64u(digest, sizeof digest);
  Json jwk = *members;
  jwk["kid"] = out.kid;
  jwk["alg"] = out.alg;
  jwk["use"] = "sig";
  out.jwk = jwk.dump();
  return out;
}

// JWS signature bytes: EdDSA's as they come; ES256's as R || S, 32 bytes each (RFC 7518 §3.4).
std::optional<std::string> Sign(const IdentityTokenKey &k, std::string_view input) {
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  bool ec = k.alg == "ES256";
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, ec ? EVP_sha256() : nullptr, nullptr,
                                 k.key.get()) != 1)
    return std::nullopt;
  const auto *bytes = reinterpret_cast<const unsigned char *>(input.data());
  size_t len = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &len, bytes, input.size()) != 1) return std::nullopt;
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char *>(sig.data()), &len, bytes,
                     input.size()) != 1)
    return std::nullopt;
  sig.resize(len);
  if (!ec) return sig;
  const auto *der = reinterpret_cast<const unsigned char *>(sig.data());
  std::unique_ptr<ECDSA_SIG, EcdsaSigFree> parsed(
      d2i_ECDSA_SIG(nullptr, &der, static_cast<long>(sig.size())));
  if (!parsed) return std::nullopt;
  std::string raw(64, '\0');
  auto *out = reinterpret_cast<unsigned char *>(raw.data());
  if (BN_bn2binpad(ECDSA_SIG_get0_r(parsed.get()), out, 32) != 32 ||
      BN_bn2binpad(ECDSA_SIG_get0_s(parsed.get()), out + 32, 32) != 32)
    return std::nullopt;
  return raw;
}

}  // namespace

sso_status MakeIdentityTokenSettings(const sso_identity_token_config &c,
                                     IdentityTokenSettings &out) {
  out = IdentityTokenSettings{};
  for (size_t i = 0; i < c.keys_count; ++i) {
    auto key = MakeKey(View(c.keys_pem[i]));
    if (!key || (i == 0 && !key->can_sign)) return SSO_CONFIG_BAD_IDENTITY_TOKEN;
    out.keys.push_back(std::move(*key));
  }
  out.issuer = std::string(View(c.issuer));
  out.default_audience = out.issuer;
  out.ttl_ms = c.ttl_ms ? c.ttl_ms : 60'000;
  if (out.keys.empty() || !IsAcceptableEndpoint(out.issuer) || out.ttl_ms < kMinTtlMs ||
      out.ttl_ms > kMaxTtlMs)
    return SSO_CONFIG_BAD_IDENTITY_TOKEN;
  return SSO_OK;
}

std::string SignIdentityToken(const IdentityTokenSettings &settings, const Identity &id,
                              const IdentityTokenClaims &claims) {
  const IdentityTokenKey &key = settings.keys.front();
  Json header = {{"alg", key.alg}, {"kid", key.kid}, {"typ", "JWT"}};
  int64_t iat = claims.now_ms / 1000;
  Json body = {
      {"iss", settings.issuer},
      {"aud", claims.audience.empty() ? settings.default_audience : std::string(claims.audience)},
      {"sub", id.user},
      {"email", id.email},
      {"name", id.name},
      {"groups", id.groups},
      {"roles", id.roles},
      {"provider", id.provider},
      {"iat", iat},
      {"exp", iat + settings.ttl_ms / 1000},
      {"jti", std::string(claims.jti)}};
  auto dump = [](const Json &j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); };
  std::string input = Base64UrlEncode(dump(header)) + "." + Base64UrlEncode(dump(body));
  auto signature = Sign(key, input);
  if (!signature) return {};
  return input + "." + Base64UrlEncode(*signature);
}

std::string IdentityTokenJwks(const IdentityTokenSettings &settings) {
  std::string out = "{\"keys\":[";
  for (size_t i = 0; i < settings.keys.size(); ++i) {
    if (i) out += ",";
    out += settings.keys[i].jwk;
  }
  return out + "]}";
}

}  // namespace sso
