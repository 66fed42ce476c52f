// ID token verification: one key type per algorithm, "flip every signature bit", and each
// attack DESIGN.md §6 names for OIDC (alg none, HS256 with the RSA public key, keys from
// jwk/jku/x5c headers, wrong key type, expired, future iat, wrong aud/iss/nonce/azp).
#include "oidc/jwt.h"

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <map>
#include <memory>

#include "support/jwt_fixtures.h"

namespace {

using namespace jwt_test;

ClaimRules Rules(int64_t now = kNow) { return {kIssuer, kClient, "n-0S6_WzA2Mj", now, 120'000}; }

class JwtTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    keys_ = new std::map<std::string, Key>{
        {"rsa", {"rsa-1", Algorithm::kRS256, Generate("RSA")}},
        {"pss", {"rsa-2", Algorithm::kPS256, Generate("RSA")}},
        {"ec", {"ec-1", Algorithm::kES256, Generate("EC", "P-256")}},
        {"ed", {"ed-1", Algorithm::kEdDSA, Generate("ED25519")}},
        {"attacker", {"rsa-1", Algorithm::kRS256, Generate("RSA")}},
    };
    Json jwks = {{"keys", Json::array()}};
    for (const char *name : {"rsa", "pss", "ec", "ed"})
      jwks["keys"].push_back(PublicJwk(keys_->at(name)));
    jwks["keys"].push_back({{"kty", "RSA"},
                            {"use", "enc"},
                            {"kid", "enc-1"},
                            {"n", PublicJwk(keys_->at("rsa"))["n"]},
                            {"e", "AQAB"}});
    jwks_json_ = new std::string(jwks.dump());
  }
  static const Key &K(const std::string &name) { return keys_->at(name); }

  sso_status Verify(const std::string &token, Algorithm alg, const ClaimRules &rules = Rules()) {
    std::vector<Jwk> jwks;
    EXPECT_EQ(ParseJwks(*jwks_json_, jwks), SSO_OK);
    Jwt jwt;
    return VerifyIdToken(token, alg, jwks, rules, jwt);
  }

  static std::map<std::string, Key> *keys_;
  static std::string *jwks_json_;
};
std::map<std::string, Key> *JwtTest::keys_ = nullptr;
std::string *JwtTest::jwks_json_ = nullptr;

TEST_F(JwtTest, EachAlgorithmVerifiesWithItsKeyType) {
  EXPECT_EQ(Verify(Token(K("rsa")), Algorithm::kRS256), SSO_OK);
  EXPECT_EQ(Verify(Token(K("pss")), Algorithm::kPS256), SSO_OK);
  EXPECT_EQ(Verify(Token(K("ec")), Algorithm::kES256), SSO_OK);
  EXPECT_EQ(Verify(Token(K("ed")), Algorithm::kEdDSA), SSO_OK);
}

TEST_F(JwtTest, EncryptionKeysAreNotSigningKeys) {
  std::vector<Jwk> jwks;
  ASSERT_EQ(ParseJwks(*jwks_json_, jwks), SSO_OK);
  EXPECT_EQ(jwks.size(), 4u);
  EXPECT_EQ(ParseJwks("{\"keys\":[]}", jwks), SSO_JWKS_INVALID);
  EXPECT_EQ(ParseJwks("not json", jwks), SSO_JWKS_INVALID);
}

TEST_F(JwtTest, FlippingAnySignatureBitFails) {
  for (const char *name : {"rsa", "ec", "ed"}) {
    const Key &k = K(name);
    std::string token = Token(k);
    size_t dot = token.rfind('.');
    std::string sig = *Base64UrlDecode(token.substr(dot + 1));
    for (size_t bit = 0; bit < sig.size() * 8; ++bit) {
      std::string flipped = sig;
      flipped[bit / 8] = static_cast<char>(flipped[bit / 8] ^ (1 << (bit % 8)));
      ASSERT_NE(Verify(token.substr(0, dot + 1) + Base64UrlEncode(flipped), k.alg), SSO_OK)
          << name << " bit " << bit;
    }
  }
}

TEST_F(JwtTest, AlgNoneIsRefused) {
  Json header = {{"alg", "none"}, {"kid", "rsa-1"}};
  std::string token = Base64UrlEncode(header.dump()) + "." + Base64UrlEncode(Claims().dump()) + ".";
  EXPECT_EQ(Verify(token, Algorithm::kRS256), SSO_JWT_ALG_NOT_ALLOWED);
  EXPECT_FALSE(ParseAlgorithm("none"));
  EXPECT_FALSE(ParseAlgorithm("HS256"));
}

TEST_F(JwtTest, Hs256KeyedWithThePublicKeyIsRefused) {
  // The classic confusion: HMAC with the RSA public key (which anyone has) as the secret.
  BIO *bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, K("rsa").pkey.get());
  char *pem = nullptr;
  long pem_len = BIO_get_mem_data(bio, &pem);
  Json header = {{"alg", "HS256"}, {"kid", "rsa-1"}};
  std::string input = Base64UrlEncode(header.dump()) + "." + Base64UrlEncode(Claims().dump());
  unsigned char mac[32];
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), pem, static_cast<int>(pem_len),
       reinterpret_cast<const unsigned char *>(input.data()), input.size(), mac, &mac_len);
  BIO_free(bio);
  std::string token =
      input + "." + Base64UrlEncode(std::string(reinterpret_cast<char *>(mac), mac_len));
  EXPECT_EQ(Verify(token, Algorithm::kRS256), SSO_JWT_ALG_NOT_ALLOWED);
}

TEST_F(JwtTest, KeysInTheHeaderAreIgnored) {
  // Signed by the attacker, who offers its key every way a header can.
  const Key &evil = K("attacker");
  Json jwk = PublicJwk(evil);
  for (Json header : {Json{{"jwk", jwk}}, Json{{"jku", "https://evil.test.invalid/jwks"}},
                      Json{{"x5c", Json::array({"MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"})}},
                      Json{{"jwk", jwk}, {"kid", "attacker-kid"}}}) {
    sso_status s = Verify(Token(evil, Claims(), header), Algorithm::kRS256);
    EXPECT_TRUE(s == SSO_JWT_BAD_SIGNATURE || s == SSO_JWT_UNKNOWN_KID) << header.dump();
  }
}

TEST_F(JwtTest, TheAlgorithmIsTheProvidersNotTheTokens) {
  // An ES256 token for a provider fixed to RS256, even with a valid signature.
  EXPECT_EQ(Verify(Token(K("ec")), Algorithm::kRS256), SSO_JWT_ALG_NOT_ALLOWED);
  EXPECT_EQ(Verify(Token(K("pss")), Algorithm::kRS256), SSO_JWT_ALG_NOT_ALLOWED);
}

TEST_F(JwtTest, AKeyOfTheWrongTypeForTheAlgIsRefused) {
  // Header says RS256 (the provider's alg) but names the EC key.
  Key wrong = K("rsa");
  Json header = {{"kid", "ec-1"}};
  EXPECT_EQ(Verify(Token(wrong, Claims(), header), Algorithm::kRS256), SSO_JWT_KEY_TYPE_MISMATCH);
}

TEST_F(JwtTest, UnknownKidAsksForARefresh) {
  Json header = {{"kid", "rotated-key"}};
  EXPECT_EQ(Verify(Token(K("rsa"), Claims(), header), Algorithm::kRS256), SSO_JWT_UNKNOWN_KID);
}

TEST_F(JwtTest, TimeChecksWithSkew) {
  Json expired = Claims();
  expired["exp"] = kNow / 1000 - 121;
  EXPECT_EQ(Verify(Token(K("rsa"), expired), Algorithm::kRS256), SSO_JWT_EXPIRED);
  expired["exp"] = kNow / 1000 - 60;  // within the skew
  EXPECT_EQ(Verify(Token(K("rsa"), expired), Algorithm::kRS256), SSO_OK);
  Json future = Claims();
  future["iat"] = kNow / 1000 + 600;
  EXPECT_EQ(Verify(Token(K("rsa"), future), Algorithm::kRS256), SSO_JWT_ISSUED_IN_FUTURE);
  Json nbf = Claims();
  nbf["nbf"] = kNow / 1000 + 600;
  EXPECT_EQ(Verify(Token(K("rsa"), nbf), Algorithm::kRS256), SSO_JWT_NOT_YET_VALID);
  Json no_exp = Claims();
  no_exp.erase("exp");
  EXPECT_EQ(Verify(Token(K("rsa"), no_exp), Algorithm::kRS256), SSO_JWT_EXPIRED);
}

TEST_F(JwtTest, IssuerAudienceAzpNonce) {
  Json c = Claims();
  c["iss"] = "https://op.test.invalid/";  // exact match: a trailing slash is another issuer
  EXPECT_EQ(Verify(Token(K("rsa"), c), Algorithm::kRS256), SSO_JWT_ISSUER_MISMATCH);
  c = Claims();
  c["aud"] = "another-client";
  EXPECT_EQ(Verify(Token(K("rsa"), c), Algorithm::kRS256), SSO_JWT_AUDIENCE_MISMATCH);
  c["aud"] = Json::array({"another-client", kClient});
  EXPECT_EQ(Verify(Token(K("rsa"), c), Algorithm::kRS256), SSO_JWT_AZP_MISMATCH)
      << "several audiences need azp";
  c["azp"] = kClient;
  EXPECT_EQ(Verify(Token(K("rsa"), c), Algorithm::kRS256), SSO_OK);
  c["azp"] = "another-client";
  EXPECT_EQ(Verify(Token(K("rsa"), c), Algorithm::kRS256), SSO_JWT_AZP_MISMATCH);
  c = Claims();
  c["nonce"] = "replayed-nonce";
  EXPECT_EQ(Verify(Token(K("rsa"), c), Algorithm::kRS256), SSO_JWT_NONCE_MISMATCH);
  c.erase("nonce");
  EXPECT_EQ(Verify(Token(K("rsa"), c), Algorithm::kRS256), SSO_JWT_NONCE_MISMATCH);
}

TEST_F(JwtTest, MalformedTokens) {
  std::string good = Token(K("rsa"));
  for (std::string bad :
       {std::string(""), std::string("a.b"), good + ".extra", std::string("a.b.c.d.e"),
        good.substr(0, good.size() - 1) + "=", std::string(kMaxTokenBytes + 1, 'a')}) {
    EXPECT_NE(Verify(bad, Algorithm::kRS256), SSO_OK) << bad.substr(0, 40);
  }
  Json crit = {{"crit", Json::array({"b64"})}, {"b64", false}};
  EXPECT_EQ(Verify(Token(K("rsa"), Claims(), crit), Algorithm::kRS256), SSO_JWT_MALFORMED);
}

TEST(Base64Url, RoundTripsAndRefusesOtherAlphabets) {
  for (std::string s : {"", "f", "fo", "foo", "foob", "fooba", "foobar", "\xff\xfe\x00"})
    EXPECT_EQ(Base64UrlDecode(Base64UrlEncode(s)), s);
  EXPECT_FALSE(Base64UrlDecode("Zm9v+A"));
  EXPECT_FALSE(Base64UrlDecode("Zm9v/A"));
  EXPECT_FALSE(Base64UrlDecode("Zm8="));
  EXPECT_FALSE(
      Base64UrlDecode("Zm9"
                      "="));
  EXPECT_FALSE(Base64UrlDecode("Zh"));  // non-canonical trailing bits
}

}  // namespace
