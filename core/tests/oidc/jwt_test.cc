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

#include <algorithm>
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

// A PS256 token whose PSS salt is `salt` bytes (RFC 7518 requires 32).
std::string PssTokenWithSalt(const Key &k, int salt) {
  Json header = {{"alg", "PS256"}, {"kid", k.kid}};
  std::string input = Base64UrlEncode(header.dump()) + "." + Base64UrlEncode(Claims().dump());
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX *pctx = nullptr;
  EVP_DigestSignInit(ctx, &pctx, EVP_sha256(), nullptr, k.pkey.get());
  EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
  EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, salt);
  std::string sig(512, '\0');
  size_t len = sig.size();
  EVP_DigestSign(ctx, reinterpret_cast<unsigned char *>(sig.data()), &len,
                 reinterpret_cast<const unsigned char *>(input.data()), input.size());
  EVP_MD_CTX_free(ctx);
  sig.resize(len);
  return input + "." + Base64UrlEncode(sig);
}

// Each key's verification contexts are set up once (ParseJwks) and copied per token: one
// JWKS verifies many tokens, good and bad in turn, each judged on its own, and a key that
// fits two algorithms (RSA: RS256, PS256) keeps their paddings apart. The same holds for
// keys without prepared contexts, which set one up per token.
TEST_F(JwtTest, OneJwksJudgesEachTokenOnItsOwn) {
  std::vector<Jwk> prepared;
  ASSERT_EQ(ParseJwks(*jwks_json_, prepared), SSO_OK);
  for (const auto &k : prepared)
    EXPECT_EQ(std::count_if(k.prepared.begin(), k.prepared.end(), [](auto &p) { return !!p; }),
              k.kty == "RSA" ? 2 : 1)
        << k.key_id;
  std::vector<Jwk> unprepared = prepared;
  for (auto &k : unprepared) k.prepared = {};

  const Key &pss = K("pss");
  Key pss_as_rs256{pss.kid, Algorithm::kRS256, pss.pkey};
  Key rsa_as_ps256{K("rsa").kid, Algorithm::kPS256, K("rsa").pkey};
  for (const auto *jwks : {&prepared, &unprepared}) {
    auto verify = [&](const std::string &token, Algorithm alg) {
      Jwt jwt;
      return VerifyIdToken(token, alg, *jwks, Rules(), jwt);
    };
    for (int round = 0; round < 3; ++round) {
      for (const char *name : {"rsa", "pss", "ec", "ed"}) {
        const Key &k = K(name);
        std::string good = Token(k);
        std::string bad = good;
        bad[bad.size() - 5] = bad[bad.size() - 5] == 'A' ? 'B' : 'A';
        EXPECT_EQ(verify(good, k.alg), SSO_OK) << name;
        EXPECT_EQ(verify(bad, k.alg), SSO_JWT_BAD_SIGNATURE) << name;
        EXPECT_EQ(verify(good, k.alg), SSO_OK) << name;
      }
      EXPECT_EQ(verify(PssTokenWithSalt(pss, 32), Algorithm::kPS256), SSO_OK);
      EXPECT_EQ(verify(PssTokenWithSalt(pss, 20), Algorithm::kPS256), SSO_JWT_BAD_SIGNATURE);
      EXPECT_EQ(verify(PssTokenWithSalt(pss, 64), Algorithm::kPS256), SSO_JWT_BAD_SIGNATURE);
      // PKCS#1 v1.5 signatures are not PSS ones and the other way round, with one RSA key
      Json rs256_header = {{"alg", "PS256"}};
      EXPECT_EQ(verify(Token(pss_as_rs256, Claims(), rs256_header), Algorithm::kPS256),
                SSO_JWT_BAD_SIGNATURE);
      Json ps256_header = {{"alg", "RS256"}};
      EXPECT_EQ(verify(Token(rsa_as_ps256, Claims(), ps256_header), Algorithm::kRS256),
                SSO_JWT_BAD_SIGNATURE);
    }
  }
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

// The decoder works four characters at a time; it must take and refuse exactly what a plain
// bit-by-bit reading of RFC 4648 §5 (no padding, canonical trailing bits) does.
std::optional<std::string> BitByBitBase64Url(std::string_view text) {
  static const std::string kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    size_t v = kAlphabet.find(c);
    if (v == std::string::npos) return std::nullopt;
    buffer = (buffer << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xff));
    }
  }
  if (bits >= 6 || (buffer & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

TEST(Base64Url, AgreesWithABitByBitDecoder) {
  // every string of up to 3 characters over letters at both ends of each range, the two URL
  // characters, the standard alphabet's, padding, a space and a byte above 0x7f
  const std::string chars = "AB_-azZ09/+= \x80Qg";
  std::vector<std::string> inputs = {""};
  for (size_t len = 1; len <= 3; ++len) {
    std::vector<std::string> longer;
    for (const auto &s : inputs)
      if (s.size() == len - 1)
        for (char c : chars) longer.push_back(s + c);
    inputs.insert(inputs.end(), longer.begin(), longer.end());
  }
  // and longer ones: every tail length after whole groups, valid and not
  for (const std::string prefix : {"Zm9v", "Zm9vYmFy", "Zm9+", "Zm9vY/Fy"})
    for (const auto &s : std::vector<std::string>(inputs))
      if (s.size() <= 3) inputs.push_back(prefix + s);
  for (const auto &s : inputs) EXPECT_EQ(Base64UrlDecode(s), BitByBitBase64Url(s)) << s;
  // long ones, decoded 32 characters at a time: every byte value at every place of the first
  // blocks, and a bad byte anywhere in random ones
  std::string random_bytes;
  for (int i = 0; i < 300; ++i) random_bytes.push_back(static_cast<char>(i * 131 + 7));
  const std::string good = Base64UrlEncode(random_bytes);
  for (size_t at = 0; at < 70; ++at)
    for (int c = 0; c < 256; ++c) {
      std::string s = good;
      s[at] = static_cast<char>(c);
      ASSERT_EQ(Base64UrlDecode(s), BitByBitBase64Url(s)) << at << " " << c;
    }
  for (size_t len = 0; len <= 300; ++len) {
    std::string s = Base64UrlEncode(random_bytes.substr(0, len));
    ASSERT_EQ(Base64UrlDecode(s), random_bytes.substr(0, len));
    if (s.empty()) continue;
    s[(len * 37) % s.size()] = "+/= \x80."[len % 6];
    ASSERT_EQ(Base64UrlDecode(s), BitByBitBase64Url(s)) << s;
  }
  // all 256 byte values round-trip, at every length mod 3
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  for (size_t len = 250; len <= 256; ++len)
    EXPECT_EQ(Base64UrlDecode(Base64UrlEncode(bytes.substr(0, len))), bytes.substr(0, len));
}

}  // namespace
