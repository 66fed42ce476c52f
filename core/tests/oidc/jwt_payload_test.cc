// ID token header and claims as bytes, not as a JSON library would write them: validly signed
// tokens whose JSON is odd (types confused, duplicate names, huge numbers, invalid UTF-8,
// bytes after the document) get the same precise status whichever parser reads them.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "support/jwt_fixtures.h"

namespace {

using namespace jwt_test;

// The members of a JSON object as raw text, in order (so duplicates can be written).
using Members = std::vector<std::pair<std::string, std::string>>;

Members Standard() {
  return {{"iss", "\"https://op.test.invalid\""},
          {"aud", "\"app-client\""},
          {"sub", "\"248289761001\""},
          {"exp", std::to_string(kNow / 1000 + 300)},
          {"iat", std::to_string(kNow / 1000 - 10)},
          {"nonce", "\"n-0S6_WzA2Mj\""},
          {"email", "\"new.hire@corp.example\""}};
}

std::string Text(const Members &members) {
  std::string out = "{";
  for (const auto &[name, value] : members) {
    if (out.size() > 1) out += ",";
    out += "\"" + name + "\":" + value;
  }
  return out + "}";
}

Members Set(Members m, const std::string &name, const std::string &value) {
  for (auto &[n, v] : m)
    if (n == name) v = value;
  return m;
}

Members Drop(Members m, const std::string &name) {
  std::erase_if(m, [&](const auto &member) { return member.first == name; });
  return m;
}

Members Add(Members m, const std::string &name, const std::string &value) {
  m.emplace_back(name, value);
  return m;
}

class JwtPayloadTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    key_ = new Key{"rsa-1", Algorithm::kRS256, Generate("RSA")};
    Json jwks = {{"keys", {PublicJwk(*key_)}}};
    keys_ = new std::vector<Jwk>;
    ASSERT_EQ(ParseJwks(jwks.dump(), *keys_), SSO_OK);
  }

  static sso_status Verify(const std::string &payload,
                           const std::string &header = R"({"alg":"RS256","kid":"rsa-1"})") {
    ClaimRules rules{kIssuer, kClient, "n-0S6_WzA2Mj", kNow, 120'000};
    Jwt jwt;
    return VerifyIdToken(RawToken(*key_, header, payload), Algorithm::kRS256, *keys_, rules, jwt);
  }
  static sso_status Verify(const Members &members) { return Verify(Text(members)); }

  static Key *key_;
  static std::vector<Jwk> *keys_;
};
Key *JwtPayloadTest::key_ = nullptr;
std::vector<Jwk> *JwtPayloadTest::keys_ = nullptr;

TEST_F(JwtPayloadTest, TheStandardClaimsVerify) { EXPECT_EQ(Verify(Standard()), SSO_OK); }

TEST_F(JwtPayloadTest, TimesMustBeNumbersInRange) {
  const std::string exp = std::to_string(kNow / 1000 + 300);
  struct Case {
    const char *claim;
    std::string value;
    sso_status expected;
  };
  const Case cases[] = {
      {"exp", "\"" + exp + "\"", SSO_JWT_EXPIRED},
      {"exp", "true", SSO_JWT_EXPIRED},
      {"exp", "null", SSO_JWT_EXPIRED},
      {"exp", "[" + exp + "]", SSO_JWT_EXPIRED},
      {"exp", "{\"t\":" + exp + "}", SSO_JWT_EXPIRED},
      {"exp", exp + ".75", SSO_OK},
      {"exp", exp + "e0", SSO_OK},
      {"exp", "1.7672259e9", SSO_OK},
      {"exp", "-" + exp, SSO_JWT_EXPIRED},
      {"exp", "-0", SSO_JWT_EXPIRED},
      {"exp", "100000000001", SSO_JWT_EXPIRED},  // beyond year 5138: out of range
      {"exp", "1e11", SSO_OK},
      {"exp", "18446744073709551615", SSO_JWT_EXPIRED},
      {"exp", "9223372036854775808", SSO_JWT_EXPIRED},
      {"exp", "1e400", SSO_JWT_MALFORMED},  // not a number a double holds
      {"exp", "-1e400", SSO_JWT_MALFORMED},
      {"exp", "1e-400", SSO_JWT_EXPIRED},
      {"exp", "01", SSO_JWT_MALFORMED},
      {"exp", "1.", SSO_JWT_MALFORMED},
      {"exp", "NaN", SSO_JWT_MALFORMED},
      {"exp", "Infinity", SSO_JWT_MALFORMED},
      {"exp", "0x7fffffff", SSO_JWT_MALFORMED},
      {"iat", "\"0\"", SSO_JWT_ISSUED_IN_FUTURE},
      {"iat", "false", SSO_JWT_ISSUED_IN_FUTURE},
      {"iat", "-1", SSO_JWT_ISSUED_IN_FUTURE},
  };
  for (const auto &c : cases)
    EXPECT_EQ(Verify(Set(Standard(), c.claim, c.value)), c.expected) << c.claim << "=" << c.value;
  EXPECT_EQ(Verify(Drop(Standard(), "iat")), SSO_JWT_ISSUED_IN_FUTURE);
  // nbf is optional, but once there it must be a time that has passed
  EXPECT_EQ(Verify(Add(Standard(), "nbf", std::to_string(kNow / 1000))), SSO_OK);
  for (const char *nbf : {"null", "\"0\"", "[]", "{}", "true", "-5"})
    EXPECT_EQ(Verify(Add(Standard(), "nbf", nbf)), SSO_JWT_NOT_YET_VALID) << nbf;
}

// Integers a double holds but 64 bits do not: read as the (huge) number they are.
TEST_F(JwtPayloadTest, IntegersBeyond64BitsAreNumbers) {
  EXPECT_EQ(Verify(Set(Standard(), "exp", "18446744073709551616")), SSO_JWT_EXPIRED);
  EXPECT_EQ(Verify(Set(Standard(), "exp", "123456789012345678901234567890")), SSO_JWT_EXPIRED);
  EXPECT_EQ(Verify(Set(Standard(), "iat", "-9223372036854775809")), SSO_JWT_ISSUED_IN_FUTURE);
  EXPECT_EQ(Verify(Add(Standard(), "employee", "123456789012345678901234567890")), SSO_OK);
  EXPECT_EQ(Verify(Add(Standard(), "big", "[18446744073709551616,-9223372036854775809]")), SSO_OK);
}

TEST_F(JwtPayloadTest, IssuerAudienceAndAzpMustBeStrings) {
  for (const char *iss : {"null", "1", "[\"https://op.test.invalid\"]",
                          "{\"iss\":\"https://op.test.invalid\"}", "\"https://op.test.invalid \""})
    EXPECT_EQ(Verify(Set(Standard(), "iss", iss)), SSO_JWT_ISSUER_MISMATCH) << iss;
  EXPECT_EQ(Verify(Drop(Standard(), "iss")), SSO_JWT_ISSUER_MISMATCH);

  EXPECT_EQ(Verify(Set(Standard(), "aud", "[\"app-client\"]")), SSO_OK);
  for (const char *aud :
       {"[]", "null", "7", "{\"aud\":\"app-client\"}", "[[\"app-client\"]]", "[\"app-client\",7]",
        "[7,\"app-client\"]", "[{\"a\":1},\"app-client\"]", "\"app-client2\"", "[\"APP-CLIENT\"]"})
    EXPECT_EQ(Verify(Set(Standard(), "aud", aud)), SSO_JWT_AUDIENCE_MISMATCH) << aud;
  EXPECT_EQ(Verify(Drop(Standard(), "aud")), SSO_JWT_AUDIENCE_MISMATCH);

  Members two = Set(Standard(), "aud", "[\"other\",\"app-client\"]");
  EXPECT_EQ(Verify(two), SSO_JWT_AZP_MISMATCH);
  EXPECT_EQ(Verify(Add(two, "azp", "\"app-client\"")), SSO_OK);
  for (const char *azp : {"null", "[\"app-client\"]", "1", "\"other\""}) {
    EXPECT_EQ(Verify(Add(two, "azp", azp)), SSO_JWT_AZP_MISMATCH) << azp;
    EXPECT_EQ(Verify(Add(Standard(), "azp", azp)), SSO_JWT_AZP_MISMATCH) << "one audience, " << azp;
  }
}

TEST_F(JwtPayloadTest, SubjectAndNonceMustBeStrings) {
  for (const char *sub : {"\"\"", "248289761001", "null", "[\"248289761001\"]", "{}"})
    EXPECT_EQ(Verify(Set(Standard(), "sub", sub)), SSO_JWT_MALFORMED) << sub;
  EXPECT_EQ(Verify(Drop(Standard(), "sub")), SSO_JWT_MALFORMED);
  for (const char *nonce : {"null", "[\"n-0S6_WzA2Mj\"]", "{\"n\":\"n-0S6_WzA2Mj\"}", "7"})
    EXPECT_EQ(Verify(Set(Standard(), "nonce", nonce)), SSO_JWT_NONCE_MISMATCH) << nonce;
  // escapes are the characters they stand for
  EXPECT_EQ(Verify(Set(Standard(), "nonce", R"("n-0S6\u005fWzA2Mj")")), SSO_OK);
  EXPECT_EQ(Verify(Set(Standard(), "nonce", R"("n-0S6_WzA2Mj\u0000")")), SSO_JWT_NONCE_MISMATCH);
  EXPECT_EQ(Verify(Text(Standard()).replace(1, 5, R"("\u0069ss")")), SSO_OK) << "escaped name";
}

// RFC 7519 4: a parser either refuses duplicate claim names or takes the last one; we take
// the last one, for each claim, as the JSON library did before.
TEST_F(JwtPayloadTest, OfDuplicateClaimsTheLastCounts) {
  Members first_wrong = Standard();
  first_wrong.insert(first_wrong.begin(), {"iss", "\"https://evil.test.invalid\""});
  EXPECT_EQ(Verify(first_wrong), SSO_OK);
  EXPECT_EQ(Verify(Add(Standard(), "iss", "\"https://evil.test.invalid\"")),
            SSO_JWT_ISSUER_MISMATCH);
  EXPECT_EQ(Verify(Add(Standard(), "aud", "\"other\"")), SSO_JWT_AUDIENCE_MISMATCH);
  EXPECT_EQ(Verify(Add(Standard(), "exp", "1")), SSO_JWT_EXPIRED);
  EXPECT_EQ(Verify(Add(Standard(), "nonce", "\"replayed\"")), SSO_JWT_NONCE_MISMATCH);
  EXPECT_EQ(Verify(Add(Standard(), "sub", "7")), SSO_JWT_MALFORMED);
  EXPECT_EQ(Verify(Add(Drop(Standard(), "sub"), "sub", "\"x\"")), SSO_OK);
}

TEST_F(JwtPayloadTest, OnlyOneValidUtf8JsonObject) {
  const std::string good = Text(Standard());
  const std::string bad[] = {
      "",
      "null",
      "[" + good + "]",
      "\"" + good + "\"",
      good + good,
      good + " x",
      good.substr(0, good.size() - 1),
      good + "}",
      Text(Add(Standard(), "name", "\"\xff\"")),          // not UTF-8
      Text(Add(Standard(), "name", "\"\xc3\"")),          // truncated sequence
      Text(Add(Standard(), "name", "\"\xed\xa0\x80\"")),  // a surrogate, encoded
      Text(Add(Standard(), "name", "\"\xc0\xaf\"")),      // overlong
      Text(Add(Standard(), "name", R"("\ud800")")),       // a lone surrogate, escaped
      Text(Add(Standard(), "name", R"("\udc00\ud800")")),
      Text(Add(Standard(), "name", "\"tab\there\"")),  // a raw control character
      Text(Add(Standard(), "name", R"("\x41")")),
      Text(Add(Standard(), "na\xffme", "\"x\"")),  // in a name
      Text(Add(Standard(), "name", "'single'")),
      "{\"iss\":\"https://op.test.invalid\",}",
      std::string(good).insert(good.size() - 1, ",\"x\":1\0", 7),
  };
  for (const auto &payload : bad) EXPECT_EQ(Verify(payload), SSO_JWT_MALFORMED) << payload;
  EXPECT_EQ(Verify(" \t\r\n" + good + " \n"), SSO_OK) << "whitespace around it";
  EXPECT_EQ(Verify(Text(Add(Standard(), "name", "\"Zo\xc3\xab \xf0\x9f\x98\x80\""))), SSO_OK);
}

// A NUL byte ends nothing: what follows it is read (and refused) like any other byte.
TEST_F(JwtPayloadTest, BytesAfterANulAreNotIgnored) {
  const std::string good = Text(Standard());
  EXPECT_EQ(Verify(good + std::string(1, '\0')), SSO_JWT_MALFORMED);
  EXPECT_EQ(Verify(good + std::string(1, '\0') + "{\"sub\":\"other\"}"), SSO_JWT_MALFORMED);
  EXPECT_EQ(Verify(good, std::string(R"({"alg":"RS256","kid":"rsa-1"})") + '\0' + "junk"),
            SSO_JWT_MALFORMED);
}

TEST_F(JwtPayloadTest, ByteOrderMarkAndDeepNesting) {
  EXPECT_EQ(Verify("\xef\xbb\xbf" + Text(Standard())), SSO_OK) << "a UTF-8 byte order mark";
  EXPECT_EQ(Verify("\xef\xbb\xbf\xef\xbb\xbf" + Text(Standard())), SSO_JWT_MALFORMED);
  std::string deep = std::string(3000, '[') + std::string(3000, ']');
  EXPECT_EQ(Verify(Add(Standard(), "deep", deep)), SSO_OK) << "nesting is not limited";
  std::string objects;
  for (int i = 0; i < 1500; ++i) objects += "{\"a\":";
  objects += "1" + std::string(1500, '}');
  EXPECT_EQ(Verify(Add(Standard(), "deep", objects)), SSO_OK);
}

TEST_F(JwtPayloadTest, TheHeaderIsJsonToo) {
  const std::string good = Text(Standard());
  EXPECT_EQ(Verify(good, R"({"alg":"RS256","kid":"rsa-1","typ":"JWT"})"), SSO_OK);
  EXPECT_EQ(Verify(good, R"({"alg":"RS256"})"), SSO_OK) << "no kid: the only key";
  EXPECT_EQ(Verify(good, R"({"alg":"RS256","kid":7})"), SSO_OK) << "a kid not a string: none";
  EXPECT_EQ(Verify(good, R"({"alg":"none","kid":"rsa-1","alg":"RS256"})"), SSO_OK)
      << "the last alg";
  EXPECT_EQ(Verify(good, R"({"alg":"RS256","kid":"rsa-1","alg":"none"})"), SSO_JWT_ALG_NOT_ALLOWED);
  EXPECT_EQ(Verify(good, R"({"alg":"RS256","kid":"other","kid":"rsa-1"})"), SSO_OK);
  EXPECT_EQ(Verify(good, R"({"alg":"RS\u0032\u00356","kid":"rsa-1"})"), SSO_OK);
  for (const char *header :
       {"", "[]", "null", R"({"kid":"rsa-1"})", R"({"alg":null,"kid":"rsa-1"})",
        R"({"alg":["RS256"],"kid":"rsa-1"})", R"({"alg":"RS256","kid":"rsa-1","crit":null})",
        R"({"alg":"RS256","kid":"rsa-1","crit":[]})", R"({"alg":"RS256","kid":"rsa-1",})",
        "{\"alg\":\"RS256\",\"kid\":\"rsa-\xff\"}", R"({"alg":"RS256","kid":"\udfff"})",
        R"({"alg":"RS256","kid":"rsa-1","x":1e999})"})
    EXPECT_EQ(Verify(good, header), SSO_JWT_MALFORMED) << header;
  EXPECT_EQ(Verify(good, R"({"alg":"RS512","kid":"rsa-1"})"), SSO_JWT_ALG_NOT_ALLOWED);
  EXPECT_EQ(Verify(good, R"({"alg":"RS256","kid":"unknown"})"), SSO_JWT_UNKNOWN_KID);
}

}  // namespace
