#include "oidc/client_assertion.h"

#include <openssl/ec.h>
#include <openssl/pem.h>

#include <nlohmann/json.hpp>

#include "crypto/private_key.h"
#include "text/encoding.h"

namespace sso::oidc {
namespace {

struct MdCtxFree {
  void operator()(EVP_MD_CTX *c) const { EVP_MD_CTX_free(c); }
};
struct EcdsaSigFree {
  void operator()(ECDSA_SIG *s) const { ECDSA_SIG_free(s); }
};

bool IsEs256(EVP_PKEY *key) { return EVP_PKEY_get_base_id(key) == EVP_PKEY_EC; }

// OpenSSL signs ECDSA as DER; JOSE wants r || s, 32 bytes each.
std::optional<std::string> DerToJose(const std::string &der) {
  const auto *p = reinterpret_cast<const unsigned char *>(der.data());
  std::unique_ptr<ECDSA_SIG, EcdsaSigFree> sig(
      d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig) return std::nullopt;
  unsigned char rs[64];
  if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), rs, 32) != 32 ||
      BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), rs + 32, 32) != 32)
    return std::nullopt;
  return std::string(reinterpret_cast<char *>(rs), sizeof rs);
}

}  // namespace

std::optional<ClientKey> LoadClientKey(std::string_view pem, std::string key_id) {
  std::shared_ptr<EVP_PKEY> key = LoadPrivateKey(pem);
  if (!key) return std::nullopt;
  int type = EVP_PKEY_get_base_id(key.get());
  bool ok = (type == EVP_PKEY_RSA && EVP_PKEY_get_bits(key.get()) >= 2048);
  if (type == EVP_PKEY_EC) {
    char curve[64] = {};
    size_t len = 0;
    ok = EVP_PKEY_get_utf8_string_param(key.get(), "group", curve, sizeof curve, &len) == 1 &&
         std::string_view(curve, len) == "prime256v1";
  }
  if (!ok) return std::nullopt;
  return ClientKey{std::move(key), std::move(key_id)};
}

std::optional<std::string> ClientAssertion(const ClientKey &k, std::string_view client_id,
                                           std::string_view token_endpoint, std::string_view jti,
                                           int64_t now_ms) {
  bool es256 = IsEs256(k.key.get());
  nlohmann::json header = {{"alg", es256 ? "ES256" : "RS256"}, {"typ", "JWT"}};
  if (!k.key_id.empty()) header["kid"] = k.key_id;
  int64_t now = now_ms / 1000;
  nlohmann::json claims = {{"iss", client_id}, {"sub", client_id}, {"aud", token_endpoint},
                           {"jti", jti},       {"iat", now},       {"exp", now + 60}};
  auto dump = [](const nlohmann::json &j) {
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  };
  std::string input = Base64UrlEncode(dump(header)) + "." + Base64UrlEncode(dump(claims));

  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  size_t len = 0;
  const auto *data = reinterpret_cast<const unsigned char *>(input.data());
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, k.key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, data, input.size()) != 1)
    return std::nullopt;
  std::string signature(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char *>(signature.data()), &len, data,
                     input.size()) != 1)
    return std::nullopt;
  signature.resize(len);
  if (es256) {
    auto jose = DerToJose(signature);
    if (!jose) return std::nullopt;
    signature = std::move(*jose);
  }
  return input + "." + Base64UrlEncode(signature);
}

}  // namespace sso::oidc
