// Public keys from outside are checked before use (public_key_check.h): RSA exponent and
// modulus ranges, EC points on their curve; a bad JWKS key is skipped and reported by kid, a
// bad IdP metadata certificate is skipped with a warning, and nothing usable left fails.
#include "crypto/public_key_check.h"

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>

#include <string>
#include <vector>

#include "saml/metadata.h"
#include "saml/signature.h"
#include "support/jwt_fixtures.h"
#include "support/saml_fixtures.h"
#include "support/test_support.h"

namespace {

using jwt_test::Json;

struct BnFree {
  void operator()(BIGNUM *b) const { BN_free(b); }
};
using BnPtr = std::unique_ptr<BIGNUM, BnFree>;

// An RSA public key with the modulus of `of` and exponent `e` (hex), as a JWKS could carry.
std::shared_ptr<EVP_PKEY> RsaWith(EVP_PKEY *of, const char *e_hex) {
  BIGNUM *n = nullptr, *e = nullptr;
  EVP_PKEY_get_bn_param(of, OSSL_PKEY_PARAM_RSA_N, &n);
  BN_hex2bn(&e, e_hex);
  BnPtr n_owner(n), e_owner(e);
  OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n);
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e);
  OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr);
  EVP_PKEY *key = nullptr;
  EVP_PKEY_fromdata_init(ctx);
  EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params);
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  return std::shared_ptr<EVP_PKEY>(key, EVP_PKEY_free);
}

class PublicKeyCheck : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    rsa2048_ = new std::shared_ptr<EVP_PKEY>(jwt_test::Generate("RSA"));
    rsa1024_ = new std::shared_ptr<EVP_PKEY>(EVP_RSA_gen(1024), EVP_PKEY_free);
  }
  static EVP_PKEY *Rsa2048() { return rsa2048_->get(); }
  static std::shared_ptr<EVP_PKEY> *rsa2048_, *rsa1024_;
};
std::shared_ptr<EVP_PKEY> *PublicKeyCheck::rsa2048_ = nullptr;
std::shared_ptr<EVP_PKEY> *PublicKeyCheck::rsa1024_ = nullptr;

TEST_F(PublicKeyCheck, RsaExponentMustBeOddAndAtLeast65537) {
  auto problem = [](const std::shared_ptr<EVP_PKEY> &k) {
    const char *p = sso::PublicKeyProblem(k.get());
    return std::string(p ? p : "");
  };
  EXPECT_EQ(problem(RsaWith(Rsa2048(), "1")), "RSA public exponent is below 65537");
  EXPECT_EQ(problem(RsaWith(Rsa2048(), "3")), "RSA public exponent is below 65537");
  EXPECT_EQ(problem(RsaWith(Rsa2048(), "10000")), "RSA public exponent is even");  // 65536
  EXPECT_EQ(problem(RsaWith(Rsa2048(), "10001")), "");                             // 65537
  // 2^256 + 1: odd, but not below 2^256
  EXPECT_EQ(problem(RsaWith(Rsa2048(),
                            "1"
                            "0000000000000000000000000000000000000000000000000000000000"
                            "000001")),
            "RSA public exponent is not below 2^256");
  EXPECT_EQ(sso::PublicKeyProblem(Rsa2048()), nullptr);
}

TEST_F(PublicKeyCheck, RsaModulusFrom2048Bits) {
  ASSERT_TRUE(*rsa1024_);
  EXPECT_STREQ(sso::PublicKeyProblem(rsa1024_->get()), "RSA modulus is shorter than 2048 bits");
  EXPECT_EQ(sso::PublicKeyProblem(Rsa2048()), nullptr);
}

TEST_F(PublicKeyCheck, EcAndEd25519KeysThatAreFinePass) {
  EXPECT_EQ(sso::PublicKeyProblem(jwt_test::Generate("EC", "P-256").get()), nullptr);
  EXPECT_EQ(sso::PublicKeyProblem(jwt_test::Generate("EC", "P-384").get()), nullptr);
  EXPECT_EQ(sso::PublicKeyProblem(jwt_test::Generate("ED25519").get()), nullptr);
  EXPECT_STREQ(sso::PublicKeyProblem(jwt_test::Generate("EC", "prime192v1").get()),
               "EC curve is smaller than 256 bits");
}

// ---- JWKS ----

using jwt_test::Algorithm;
using jwt_test::Key;

Json RsaJwk(const std::string &kid, EVP_PKEY *key, const std::string &e_b64url) {
  Json j =
      jwt_test::PublicJwk({kid, Algorithm::kRS256, std::shared_ptr<EVP_PKEY>(key, [](auto) {})});
  j["e"] = e_b64url;
  return j;
}

jwt_test::ClaimRules Rules() {
  return {jwt_test::kIssuer, jwt_test::kClient, "n-0S6_WzA2Mj", jwt_test::kNow, 120'000};
}

TEST_F(PublicKeyCheck, AJwksKeyWithExponentOneCannotVouchForAForgedToken) {
  Key good{"good", Algorithm::kRS256, *rsa2048_};
  Json jwks = {{"keys", {RsaJwk("forged", Rsa2048(), "AQ"), jwt_test::PublicJwk(good)}}};
  std::vector<jwt_test::Jwk> keys;
  ASSERT_EQ(jwt_test::ParseJwks(jwks.dump(), keys), SSO_OK);
  jwt_test::Jwt jwt;
  EXPECT_NE(jwt_test::VerifyIdToken(jwt_test::ForgedWithExponentOne("forged", jwt_test::Claims()),
                                    Algorithm::kRS256, keys, Rules(), jwt),
            SSO_OK);
  // the good key still verifies what its holder signed
  EXPECT_EQ(jwt_test::VerifyIdToken(jwt_test::Token(good), Algorithm::kRS256, keys, Rules(), jwt),
            SSO_OK);
}

TEST_F(PublicKeyCheck, OnlyTheGoodKeysOfAJwksAreUsedAndTheBadOnesReported) {
  Key good{"good", Algorithm::kRS256, *rsa2048_};
  Json off_curve =
      jwt_test::PublicJwk({"ec-off", Algorithm::kES256, jwt_test::Generate("EC", "P-256")});
  off_curve["y"] = jwt_test::Base64UrlEncode(std::string(32, '\x01'));  // x with another y
  Json jwks = {{"keys",
                {RsaJwk("e1", Rsa2048(), "AQ"), RsaJwk("e3", Rsa2048(), "Aw"),
                 RsaJwk("e65536", Rsa2048(), "AQAA"), off_curve,
                 RsaJwk("small", rsa1024_->get(), "AQAB"), jwt_test::PublicJwk(good)}}};
  std::vector<jwt_test::Jwk> keys;
  std::vector<jwt_test::RefusedJwk> refused;
  ASSERT_EQ(jwt_test::ParseJwks(jwks.dump(), keys, &refused), SSO_OK);
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].key_id, "good");
  ASSERT_EQ(refused.size(), 5u);
  EXPECT_EQ(refused[0].key_id, "e1");
  EXPECT_STREQ(refused[0].problem, "RSA public exponent is below 65537");
  EXPECT_EQ(refused[1].key_id, "e3");
  EXPECT_EQ(refused[2].key_id, "e65536");
  EXPECT_STREQ(refused[2].problem, "RSA public exponent is even");
  EXPECT_EQ(refused[3].key_id, "ec-off");
  EXPECT_STREQ(refused[3].problem, "EC key is malformed or its point is not on P-256");
  EXPECT_EQ(refused[4].key_id, "small");
  EXPECT_STREQ(refused[4].problem, "RSA modulus is shorter than 2048 bits");

  // only bad keys: nothing usable
  Json bad_only = {{"keys", {RsaJwk("e1", Rsa2048(), "AQ")}}};
  EXPECT_EQ(jwt_test::ParseJwks(bad_only.dump(), keys, &refused), SSO_JWKS_INVALID);
  EXPECT_EQ(refused.size(), 1u);
}

TEST_F(PublicKeyCheck, AnEcPointOffTheCurveIsRefused) {
  // x = 1, y = 1 is not on P-256 (y^2 = x^3 - 3x + b)
  Json jwk = {{"kty", "EC"},
              {"crv", "P-256"},
              {"kid", "ec-1-1"},
              {"x", jwt_test::Base64UrlEncode(std::string(31, '\0') + "\x01")},
              {"y", jwt_test::Base64UrlEncode(std::string(31, '\0') + "\x01")}};
  Key good{"ec-good", Algorithm::kES256, jwt_test::Generate("EC", "P-256")};
  std::vector<jwt_test::Jwk> keys;
  std::vector<jwt_test::RefusedJwk> refused;
  ASSERT_EQ(
      jwt_test::ParseJwks(Json{{"keys", {jwk, jwt_test::PublicJwk(good)}}}.dump(), keys, &refused),
      SSO_OK);
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].key_id, "ec-good");
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(refused[0].key_id, "ec-1-1");
}

TEST_F(PublicKeyCheck, KeysOfOtherTypesAreSkippedNotReported) {
  Json jwks = {{"keys",
                {{{"kty", "oct"}, {"kid", "hmac"}, {"k", "c2VjcmV0"}},
                 {{"kty", "EC"}, {"crv", "P-384"}, {"kid", "p384"}},
                 jwt_test::PublicJwk({"good", Algorithm::kRS256, *rsa2048_})}}};
  std::vector<jwt_test::Jwk> keys;
  std::vector<jwt_test::RefusedJwk> refused;
  ASSERT_EQ(jwt_test::ParseJwks(jwks.dump(), keys, &refused), SSO_OK);
  EXPECT_EQ(keys.size(), 1u);
  EXPECT_TRUE(refused.empty());
}

// ---- SAML: IdP certificates and metadata ----

std::string Metadata(const std::vector<std::string> &certs) {
  std::string x =
      "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" "
      "xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" entityID=\"" +
      std::string(saml_test::kIdp) +
      "\"><md:IDPSSODescriptor protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:"
      "protocol\">";
  for (const auto &c : certs)
    x += "<md:KeyDescriptor use=\"signing\"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>" +
         sso::saml::PemBody(saml_test::ReadFile(saml_test::KeyPath(c + ".crt"))) +
         "</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>";
  x += "<md:SingleSignOnService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect\""
       " Location=\"https://idp.test.invalid/sso\"/></md:IDPSSODescriptor></md:EntityDescriptor>";
  return x;
}

TEST(IdpCertificateCheck, WeakCertificatesAreRefusedNamingTheCheck) {
  sso::saml::SharedKey key;
  std::string why;
  EXPECT_EQ(sso::saml::LoadCertificateKey(saml_test::ReadFile(saml_test::KeyPath("weak-e3.crt")),
                                          key, &why),
            SSO_KEY_REFUSED);
  EXPECT_NE(why.find("CN=weak-e3.test.invalid"), std::string::npos) << why;
  EXPECT_NE(why.find("serial 0x"), std::string::npos) << why;
  EXPECT_NE(why.find("RSA public exponent is below 65537"), std::string::npos) << why;
  EXPECT_EQ(sso::saml::LoadCertificateKey(saml_test::ReadFile(saml_test::KeyPath("weak-1024.crt")),
                                          key, &why),
            SSO_KEY_REFUSED);
  EXPECT_NE(why.find("RSA modulus is shorter than 2048 bits"), std::string::npos) << why;
  EXPECT_EQ(sso::saml::LoadCertificateKey(saml_test::ReadFile(saml_test::KeyPath("idp.crt")), key),
            SSO_OK);
  EXPECT_EQ(
      sso::saml::LoadCertificateKey(saml_test::ReadFile(saml_test::KeyPath("idp-ec.crt")), key),
      SSO_OK);
}

TEST(IdpCertificateCheck, MetadataSkipsAWeakCertificateWithAWarning) {
  sso::saml::IdpMetadata m;
  ASSERT_EQ(sso::saml::ParseIdpMetadata(Metadata({"weak-e3", "idp", "weak-1024"}), m), SSO_OK);
  EXPECT_EQ(m.idp.signing_keys.size(), 1u);
  ASSERT_EQ(m.warnings.size(), 2u);
  EXPECT_NE(m.warnings[0].find("certificate 1 skipped"), std::string::npos) << m.warnings[0];
  EXPECT_NE(m.warnings[0].find("CN=weak-e3.test.invalid"), std::string::npos) << m.warnings[0];
  EXPECT_NE(m.warnings[0].find("exponent"), std::string::npos) << m.warnings[0];
  EXPECT_NE(m.warnings[1].find("certificate 3 skipped"), std::string::npos) << m.warnings[1];
  EXPECT_NE(m.warnings[1].find("modulus"), std::string::npos) << m.warnings[1];
}

TEST(IdpCertificateCheck, MetadataWithOnlyWeakCertificatesFails) {
  sso::saml::IdpMetadata m;
  ASSERT_EQ(sso::saml::ParseIdpMetadata(Metadata({"weak-e3", "weak-1024"}), m), SSO_OK);
  EXPECT_TRUE(m.idp.signing_keys.empty());
  EXPECT_EQ(m.warnings.size(), 2u);
  EXPECT_EQ(m.skipped_certificates, 2u);
}

// Through the C interface, as nginx configures providers.
struct SamlConfig {
  std::string metadata;
  std::vector<std::string> certs;  // PEM
  sso_status Add(sso_engine *engine) const {
    std::vector<sso_str> pem;
    for (const auto &c : certs) pem.push_back(sso_test::S(c));
    sso_saml_provider_config c{};
    c.name = sso_test::S("corp");
    c.idp_metadata_xml = sso_test::S(metadata);
    if (metadata.empty()) {
      c.idp_entity_id = sso_test::S(saml_test::kIdp);
      c.idp_sso_url = sso_test::S("https://idp.test.invalid/sso");
    }
    c.idp_certificates = pem.data();
    c.idp_certificates_count = pem.size();
    c.sp_entity_id = sso_test::S(saml_test::kSp);
    c.acs_url = sso_test::S(saml_test::kAcs);
    c.sign_requests = -1;
    c.clock_skew_ms = 120000;
    return sso_engine_add_saml_provider(engine, &c);
  }
};

TEST(IdpCertificateCheck, TheEngineReportsSkippedCertificatesAsWarnings) {
  auto engine = sso_test::MakeEngine();
  ASSERT_EQ((SamlConfig{Metadata({"idp", "weak-e3"}), {}}.Add(engine.get())), SSO_OK);
  ASSERT_EQ(sso_engine_warnings_count(engine.get()), 1u);
  std::string w = sso_test::Str(sso_engine_warning(engine.get(), 0));
  EXPECT_NE(w.find("certificate 2 skipped"), std::string::npos) << w;
  EXPECT_EQ(sso_engine_warning(engine.get(), 1).len, 0u);

  // nothing usable left in the metadata: the provider fails
  auto weak_only = sso_test::MakeEngine();
  EXPECT_EQ((SamlConfig{Metadata({"weak-e3", "weak-1024"}), {}}.Add(weak_only.get())),
            SSO_KEY_REFUSED);
  EXPECT_EQ(sso_engine_warnings_count(weak_only.get()), 2u);

  // a configured certificate that is weak fails the provider, and says why
  auto other = sso_test::MakeEngine();
  std::string weak = saml_test::ReadFile(saml_test::KeyPath("weak-e3.crt"));
  EXPECT_EQ((SamlConfig{"", {weak}}.Add(other.get())), SSO_KEY_REFUSED);
  ASSERT_EQ(sso_engine_warnings_count(other.get()), 1u);
  w = sso_test::Str(sso_engine_warning(other.get(), 0));
  EXPECT_NE(w.find("saml_idp_certificate 1 refused"), std::string::npos) << w;
  EXPECT_NE(w.find("exponent"), std::string::npos) << w;
  // the next provider starts with no warnings
  std::string good = saml_test::ReadFile(saml_test::KeyPath("idp.crt"));
  EXPECT_EQ((SamlConfig{"", {good}}.Add(other.get())), SSO_OK);
  EXPECT_EQ(sso_engine_warnings_count(other.get()), 0u);
}

}  // namespace
