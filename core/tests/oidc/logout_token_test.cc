// Back-Channel Logout 1.0 §2.6: a negative test for every check of the logout token.
#include "oidc/logout_token.h"

#include <gtest/gtest.h>

#include <functional>

#include "support/jwt_fixtures.h"

namespace {

using namespace jwt_test;

const char *kEvent = "http://schemas.openid.net/event/backchannel-logout";

Json LogoutClaims() {
  return {{"iss", kIssuer},         {"aud", kClient},
          {"sub", "248289761001"},  {"sid", "08a5019c-17e1-4977-8f42-65a12843ea02"},
          {"iat", kNow / 1000 - 5}, {"exp", kNow / 1000 + 115},
          {"jti", "bWJq"},          {"events", {{kEvent, Json::object()}}}};
}

class LogoutTokenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    key_ = {"rsa-1", Algorithm::kRS256, Generate("RSA")};
    Json jwks = {{"keys", {PublicJwk(key_)}}};
    ASSERT_EQ(ParseJwks(jwks.dump(), keys_), SSO_OK);
  }

  sso_status Verify(const std::string &token, LogoutToken &out, int64_t now = kNow) {
    return VerifyLogoutToken(token, Algorithm::kRS256, keys_, {kIssuer, kClient, now, 120'000},
                             out);
  }

  sso_status VerifyClaims(const Json &claims) {
    LogoutToken out;
    return Verify(Token(key_, claims), out);
  }

  Key key_;
  std::vector<Jwk> keys_;
};

TEST_F(LogoutTokenTest, AValidTokenNamesTheSubjectTheSessionAndItsJti) {
  LogoutToken out;
  ASSERT_EQ(Verify(Token(key_, LogoutClaims()), out), SSO_OK);
  EXPECT_EQ(out.subject, "248289761001");
  EXPECT_EQ(out.sid, "08a5019c-17e1-4977-8f42-65a12843ea02");
  EXPECT_EQ(out.jti, "bWJq");
  EXPECT_GE(out.replay_until_ms, kNow + 115'000) << "remembered at least until it expires";
  EXPECT_GE(out.replay_until_ms, kNow - 5'000 + kLogoutTokenWindowMs)
      << "and as long as its iat is in the window";
}

TEST_F(LogoutTokenTest, SubOrSidAloneIsEnough) {
  Json only_sub = LogoutClaims();
  only_sub.erase("sid");
  EXPECT_EQ(VerifyClaims(only_sub), SSO_OK);
  Json only_sid = LogoutClaims();
  only_sid.erase("sub");
  EXPECT_EQ(VerifyClaims(only_sid), SSO_OK);
  Json neither = LogoutClaims();
  neither.erase("sub");
  neither.erase("sid");
  EXPECT_EQ(VerifyClaims(neither), SSO_LOGOUT_TOKEN_NO_SUBJECT);
  neither["sub"] = "";
  EXPECT_EQ(VerifyClaims(neither), SSO_LOGOUT_TOKEN_NO_SUBJECT);
}

TEST_F(LogoutTokenTest, EveryClaimCheckRefuses) {
  struct Case {
    const char *what;
    std::function<void(Json &)> change;
    sso_status expected;
  };
  std::vector<Case> cases = {
      {"other issuer", [](Json &c) { c["iss"] = "https://evil.example"; }, SSO_JWT_ISSUER_MISMATCH},
      {"other audience", [](Json &c) { c["aud"] = "other-client"; }, SSO_JWT_AUDIENCE_MISMATCH},
      {"no audience", [](Json &c) { c.erase("aud"); }, SSO_JWT_AUDIENCE_MISMATCH},
      {"no iat", [](Json &c) { c.erase("iat"); }, SSO_JWT_ISSUED_IN_FUTURE},
      {"iat in the future", [](Json &c) { c["iat"] = kNow / 1000 + 600; },
       SSO_JWT_ISSUED_IN_FUTURE},
      {"iat too old",
       [](Json &c) {
         c["iat"] = kNow / 1000 - 3600;
         c.erase("exp");
       },
       SSO_LOGOUT_TOKEN_STALE},
      {"expired", [](Json &c) { c["exp"] = kNow / 1000 - 300; }, SSO_JWT_EXPIRED},
      {"exp not a number", [](Json &c) { c["exp"] = "soon"; }, SSO_JWT_EXPIRED},
      {"no events", [](Json &c) { c.erase("events"); }, SSO_LOGOUT_TOKEN_NOT_A_LOGOUT},
      {"events not an object", [](Json &c) { c["events"] = Json::array({kEvent}); },
       SSO_LOGOUT_TOKEN_NOT_A_LOGOUT},
      {"another event",
       [](Json &c) {
         c["events"] = {{"urn:other", Json::object()}};
       },
       SSO_LOGOUT_TOKEN_NOT_A_LOGOUT},
      {"event member not an object",
       [](Json &c) {
         c["events"] = {{kEvent, "yes"}};
       },
       SSO_LOGOUT_TOKEN_NOT_A_LOGOUT},
      {"a nonce", [](Json &c) { c["nonce"] = "n-0S6_WzA2Mj"; }, SSO_LOGOUT_TOKEN_HAS_NONCE},
      {"no jti", [](Json &c) { c.erase("jti"); }, SSO_LOGOUT_TOKEN_NO_JTI},
      {"empty jti", [](Json &c) { c["jti"] = ""; }, SSO_LOGOUT_TOKEN_NO_JTI},
      {"jti not a string", [](Json &c) { c["jti"] = 7; }, SSO_LOGOUT_TOKEN_NO_JTI},
  };
  for (const auto &c : cases) {
    Json claims = LogoutClaims();
    c.change(claims);
    EXPECT_EQ(VerifyClaims(claims), c.expected) << c.what;
  }
}

TEST_F(LogoutTokenTest, AnIdTokenIsNotALogoutToken) {
  LogoutToken out;
  EXPECT_EQ(Verify(Token(key_, Claims()), out), SSO_LOGOUT_TOKEN_NOT_A_LOGOUT);
  Json id_with_event = Claims();
  id_with_event["events"] = {{kEvent, Json::object()}};
  id_with_event["jti"] = "x";
  EXPECT_EQ(VerifyClaims(id_with_event), SSO_LOGOUT_TOKEN_HAS_NONCE);
}

TEST_F(LogoutTokenTest, SignatureAndAlgorithmAreTheProvidersOnly) {
  LogoutToken out;
  std::string token = Token(key_, LogoutClaims());
  for (size_t i = token.rfind('.') + 1; i < token.size(); i += 7) {
    std::string flipped = token;
    flipped[i] = flipped[i] == 'A' ? 'B' : 'A';
    EXPECT_NE(Verify(flipped, out), SSO_OK) << "signature byte " << i;
  }
  Key attacker{"rsa-1", Algorithm::kRS256, Generate("RSA")};
  EXPECT_EQ(Verify(Token(attacker, LogoutClaims()), out), SSO_JWT_BAD_SIGNATURE);
  EXPECT_EQ(Verify(Token(key_, LogoutClaims(), {{"alg", "none"}}), out), SSO_JWT_ALG_NOT_ALLOWED);
  EXPECT_EQ(Verify(Token(key_, LogoutClaims(), {{"alg", "PS256"}}), out), SSO_JWT_ALG_NOT_ALLOWED);
  EXPECT_EQ(Verify(Token(key_, LogoutClaims(), {{"kid", "unknown"}}), out), SSO_JWT_UNKNOWN_KID);
  EXPECT_EQ(Verify("not.a.token", out), SSO_JWT_MALFORMED);
}

}  // namespace
