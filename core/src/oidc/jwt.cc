#include "oidc/jwt.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include "crypto/public_key_check.h"

namespace sso::oidc {
namespace {

using Json = nlohmann::json;

struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX *c) const { EVP_PKEY_CTX_free(c); }
};
struct BnFree {
  void operator()(BIGNUM *b) const { BN_free(b); }
};
struct ParamBldFree {
  void operator()(OSSL_PARAM_BLD *b) const { OSSL_PARAM_BLD_free(b); }
};
struct ParamFree {
  void operator()(OSSL_PARAM *p) const { OSSL_PARAM_free(p); }
};
struct EcdsaSigFree {
  void operator()(ECDSA_SIG *s) const { ECDSA_SIG_free(s); }
};
using BnPtr = std::unique_ptr<BIGNUM, BnFree>;

// A base64url member of a JWK, decoded.
std::optional<std::string> DecodedField(const Json &jwk, const char *name) {
  auto value = StringMember(jwk, name);
  return value ? Base64UrlDecode(*value) : std::nullopt;
}

PublicKey FromParams(const char *type, OSSL_PARAM_BLD *bld) {
  std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(bld));
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY *key = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1)
    return nullptr;
  return PublicKey(key, PkeyFree{});
}

PublicKey RsaKey(const Json &jwk) {
  auto n = DecodedField(jwk, "n");
  auto e = DecodedField(jwk, "e");
  if (!n || !e || n->empty() || e->empty()) return nullptr;
  BnPtr bn_n(BN_bin2bn(reinterpret_cast<const unsigned char *>(n->data()),
                       static_cast<int>(n->size()), nullptr));
  BnPtr bn_e(BN_bin2bn(reinterpret_cast<const unsigned char *>(e->data()),
                       static_cast<int>(e->size()), nullptr));
  std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree> bld(OSSL_PARAM_BLD_new());
  if (!bn_n || !bn_e || !bld ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()))
    return nullptr;
  return FromParams("RSA", bld.get());  // the exponent and size are checked by the caller
}

PublicKey EcKey(const Json &jwk) {
  auto x = DecodedField(jwk, "x");
  auto y = DecodedField(jwk, "y");
  if (!x || !y || x->size() != 32 || y->size() != 32) return nullptr;
  std::string point = "\x04" + *x + *y;
  std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree> bld(OSSL_PARAM_BLD_new());
  if (!bld ||
      !OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) ||
      !OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                        point.size()))
    return nullptr;
  return FromParams("EC", bld.get());  // fromdata refuses a point off the curve already
}

PublicKey OkpKey(const Json &jwk) {
  auto x = DecodedField(jwk, "x");
  if (!x || x->size() != 32) return nullptr;
  EVP_PKEY *key = EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char *>(x->data()), x->size());
  return key ? PublicKey(key, PkeyFree{}) : nullptr;
}

bool KeyFits(const Jwk &jwk, Algorithm alg) {
  int id = EVP_PKEY_get_base_id(jwk.key.get());
  switch (alg) {
    case Algorithm::kRS256:
    case Algorithm::kPS256:
      return id == EVP_PKEY_RSA;
    case Algorithm::kES256:
      return id == EVP_PKEY_EC;
    case Algorithm::kEdDSA:
      return id == EVP_PKEY_ED25519;
  }
  return false;
}

// Sets `ctx` up to verify `alg` signatures with `key`: the digest, and for PS256 the padding
// of RFC 7518 3.5 (MGF1 with SHA-256, salt as long as the hash).
bool InitVerify(EVP_MD_CTX *ctx, Algorithm alg, EVP_PKEY *key) {
  EVP_PKEY_CTX *pctx = nullptr;
  const EVP_MD *md = alg == Algorithm::kEdDSA ? nullptr : EVP_sha256();
  if (EVP_DigestVerifyInit(ctx, &pctx, md, nullptr, key) != 1) return false;
  if (alg == Algorithm::kPS256 && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
                                   EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32) != 1))
    return false;
  return true;
}

// The verification contexts of every algorithm `jwk` fits, set up once for all its tokens.
// One that cannot be set up stays empty (VerifySignature then sets one up per token).
void Prepare(Jwk &jwk) {
  for (Algorithm alg :
       {Algorithm::kRS256, Algorithm::kPS256, Algorithm::kES256, Algorithm::kEdDSA}) {
    if (!KeyFits(jwk, alg)) continue;
    std::shared_ptr<EVP_MD_CTX> ctx(EVP_MD_CTX_new(), MdCtxFree{});
    if (ctx && InitVerify(ctx.get(), alg, jwk.key.get()))
      jwk.prepared[static_cast<size_t>(alg)] = std::move(ctx);
  }
}

// JOSE carries ECDSA signatures as r || s; OpenSSL wants DER.
std::optional<std::string> EcdsaToDer(std::string_view raw) {
  if (raw.size() != 64) return std::nullopt;
  std::unique_ptr<ECDSA_SIG, EcdsaSigFree> sig(ECDSA_SIG_new());
  BIGNUM *r = BN_bin2bn(reinterpret_cast<const unsigned char *>(raw.data()), 32, nullptr);
  BIGNUM *s = BN_bin2bn(reinterpret_cast<const unsigned char *>(raw.data() + 32), 32, nullptr);
  if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return std::nullopt;
  }
  int len = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (len <= 0) return std::nullopt;
  std::string der(static_cast<size_t>(len), '\0');
  auto *p = reinterpret_cast<unsigned char *>(der.data());
  i2d_ECDSA_SIG(sig.get(), &p);
  return der;
}

}  // namespace

std::optional<std::string> StringMember(const Json &j, const char *name) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

std::optional<int64_t> NumericDateMs(const ClaimSet &claims, std::string_view name) {
  auto seconds = claims.Number(name);
  if (!seconds || *seconds < 0 || *seconds > 1e11) return std::nullopt;
  return static_cast<int64_t>(*seconds * 1000);
}

std::optional<Algorithm> ParseAlgorithm(std::string_view name) {
  if (name == "RS256") return Algorithm::kRS256;
  if (name == "PS256") return Algorithm::kPS256;
  if (name == "ES256") return Algorithm::kES256;
  if (name == "EdDSA") return Algorithm::kEdDSA;
  return std::nullopt;
}

const char *AlgorithmName(Algorithm alg) {
  switch (alg) {
    case Algorithm::kRS256:
      return "RS256";
    case Algorithm::kPS256:
      return "PS256";
    case Algorithm::kES256:
      return "ES256";
    case Algorithm::kEdDSA:
      return "EdDSA";
  }
  return "?";
}

sso_status ParseJwt(std::string_view token, Jwt &out) {
  out = Jwt{};
  if (token.empty() || token.size() > kMaxTokenBytes) return SSO_JWT_MALFORMED;
  size_t first = token.find('.');
  size_t second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos)
    return SSO_JWT_MALFORMED;  // not three parts (a JWE has five)
  auto header_json = Base64UrlDecode(token.substr(0, first));
  auto payload_json = Base64UrlDecode(token.substr(first + 1, second - first - 1));
  auto signature = Base64UrlDecode(token.substr(second + 1));
  if (!header_json || !payload_json || !signature) return SSO_JWT_MALFORMED;
  JoseHeader header;
  if (!ReadJoseHeader(*header_json, header) || !out.claims.Parse(*payload_json))
    return SSO_JWT_MALFORMED;
  // "crit" names extensions we would have to understand: we understand none.
  if (header.critical) return SSO_JWT_MALFORMED;
  out.algorithm = std::move(header.algorithm);
  out.key_id = std::move(header.key_id);
  out.signing_input = std::string(token.substr(0, second));
  out.signature = std::move(*signature);
  return SSO_OK;
}

sso_status ParseJwks(std::string_view json, std::vector<Jwk> &out,
                     std::vector<RefusedJwk> *refused) {
  out.clear();
  if (refused) refused->clear();
  if (json.size() > 256 * 1024) return SSO_JWKS_INVALID;
  Json doc = Json::parse(json, nullptr, false);
  if (!doc.is_object() || !doc.contains("keys") || !doc["keys"].is_array()) return SSO_JWKS_INVALID;
  for (const auto &jwk : doc["keys"]) {
    if (!jwk.is_object()) continue;
    if (auto use = StringMember(jwk, "use"); use && *use != "sig") continue;
    auto kty = StringMember(jwk, "kty");
    if (!kty) continue;
    auto crv = StringMember(jwk, "crv");
    PublicKey key;
    const char *malformed = nullptr;
    if (*kty == "RSA") {
      key = RsaKey(jwk);
      malformed = "RSA key is malformed";
    } else if (*kty == "EC" && crv == "P-256") {
      key = EcKey(jwk);
      malformed = "EC key is malformed or its point is not on P-256";
    } else if (*kty == "OKP" && crv == "Ed25519") {
      key = OkpKey(jwk);
      malformed = "Ed25519 key is malformed";
    } else {
      continue;  // a type or curve we do not verify with
    }
    std::string kid = StringMember(jwk, "kid").value_or("");
    const char *problem = key ? PublicKeyProblem(key.get()) : malformed;
    if (problem) {
      if (refused) refused->push_back({std::move(kid), problem});
      continue;
    }
    out.push_back({std::move(kid), *kty, std::move(key), {}});
    Prepare(out.back());
  }
  return out.empty() ? SSO_JWKS_INVALID : SSO_OK;
}

sso_status SelectKey(const std::vector<Jwk> &keys, std::string_view kid, Algorithm alg,
                     const Jwk *&out) {
  out = nullptr;
  if (!kid.empty()) {
    for (const auto &k : keys) {
      if (k.key_id != kid) continue;
      if (!KeyFits(k, alg)) return SSO_JWT_KEY_TYPE_MISMATCH;
      out = &k;
      return SSO_OK;
    }
    return SSO_JWT_UNKNOWN_KID;
  }
  for (const auto &k : keys) {
    if (!KeyFits(k, alg)) continue;
    if (out) return SSO_JWT_UNKNOWN_KID;  // several candidates and no kid: ambiguous
    out = &k;
  }
  return out ? SSO_OK : SSO_JWT_UNKNOWN_KID;
}

sso_status VerifySignature(const Jwt &jwt, Algorithm alg, const Jwk &key) {
  if (!KeyFits(key, alg)) return SSO_JWT_KEY_TYPE_MISMATCH;
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  if (!ctx) return SSO_ERR_OUT_OF_MEMORY;
  const EVP_MD_CTX *prepared = key.prepared[static_cast<size_t>(alg)].get();
  if (prepared ? EVP_MD_CTX_copy_ex(ctx.get(), prepared) != 1
               : !InitVerify(ctx.get(), alg, key.key.get()))
    return SSO_JWT_BAD_SIGNATURE;
  // Used once: the final step may use its key context as it is, rather than on a copy.
  EVP_MD_CTX_set_flags(ctx.get(), EVP_MD_CTX_FLAG_FINALISE);
  std::string_view signature = jwt.signature;
  std::optional<std::string> der;
  if (alg == Algorithm::kES256) {
    der = EcdsaToDer(signature);
    if (!der) return SSO_JWT_BAD_SIGNATURE;
    signature = *der;
  }
  int rc = EVP_DigestVerify(
      ctx.get(), reinterpret_cast<const unsigned char *>(signature.data()), signature.size(),
      reinterpret_cast<const unsigned char *>(jwt.signing_input.data()), jwt.signing_input.size());
  return rc == 1 ? SSO_OK : SSO_JWT_BAD_SIGNATURE;
}

sso_status CheckIssuerAndAudience(const ClaimSet &c, std::string_view issuer,
                                  std::string_view client_id) {
  if (c.String("iss") != issuer) return SSO_JWT_ISSUER_MISMATCH;

  size_t audiences = 0;
  bool ours = false;
  if (auto aud = c.String("aud")) {
    audiences = 1;
    ours = *aud == client_id;
  } else if (auto list = c.Array("aud")) {
    for (const auto &a : *list) {
      if (!a) return SSO_JWT_AUDIENCE_MISMATCH;
      ++audiences;
      ours = ours || *a == client_id;
    }
  }
  if (!ours) return SSO_JWT_AUDIENCE_MISMATCH;
  if (c.Has("azp") || audiences > 1) {
    if (c.String("azp") != client_id) return SSO_JWT_AZP_MISMATCH;
  }
  return SSO_OK;
}

sso_status CheckIdTokenClaims(const Jwt &jwt, const ClaimRules &r) {
  const ClaimSet &c = jwt.claims;
  if (sso_status s = CheckIssuerAndAudience(c, r.issuer, r.client_id); s != SSO_OK) return s;

  auto exp = NumericDateMs(c, "exp");
  if (!exp || r.now_ms - r.clock_skew_ms >= *exp) return SSO_JWT_EXPIRED;
  auto iat = NumericDateMs(c, "iat");
  if (!iat || *iat > r.now_ms + r.clock_skew_ms) return SSO_JWT_ISSUED_IN_FUTURE;
  if (c.Has("nbf")) {
    auto nbf = NumericDateMs(c, "nbf");
    if (!nbf || *nbf > r.now_ms + r.clock_skew_ms) return SSO_JWT_NOT_YET_VALID;
  }
  if (!r.nonce.empty() && c.String("nonce") != r.nonce) return SSO_JWT_NONCE_MISMATCH;
  auto sub = c.String("sub");
  if (!sub || sub->empty()) return SSO_JWT_MALFORMED;
  return SSO_OK;
}

sso_status VerifyIdToken(std::string_view token, Algorithm alg, const std::vector<Jwk> &keys,
                         const ClaimRules &rules, Jwt &out) {
  if (sso_status s = ParseJwt(token, out); s != SSO_OK) return s;
  // The algorithm is the provider's: a header asking for another one is refused outright.
  if (out.algorithm != AlgorithmName(alg)) return SSO_JWT_ALG_NOT_ALLOWED;
  const Jwk *key = nullptr;
  if (sso_status s = SelectKey(keys, out.key_id, alg, key); s != SSO_OK) return s;
  if (sso_status s = VerifySignature(out, alg, *key); s != SSO_OK) return s;
  return CheckIdTokenClaims(out, rules);
}

}  // namespace sso::oidc
