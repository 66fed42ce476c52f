// Back-Channel Logout through the endpoint: the provider's keys fetched when this worker has
// none, the jti spent once, every session the sid (or sub) names ended in one script, and the
// answers the provider gets: 200, 400 for a token that is not valid, 503 when we cannot check.
#include <gtest/gtest.h>

#include <functional>

#include "session/session_id.h"
#include "support/jwt_fixtures.h"
#include "support/test_support.h"
#include "text/http_text.h"

namespace {

using namespace jwt_test;
using sso_test::Args;
using sso_test::BeginEndpoint;
using sso_test::FailedReply;
using sso_test::IntegerReply;
using sso_test::MakeEngine;
using sso_test::MakeTxn;
using sso_test::S;
using sso_test::Str;

const char *kEvent = "http://schemas.openid.net/event/backchannel-logout";

Json LogoutClaims() {
  return {{"iss", kIssuer},         {"aud", kClient},
          {"sub", "248289761001"},  {"sid", "op-session-7"},
          {"iat", kNow / 1000 - 5}, {"exp", kNow / 1000 + 115},
          {"jti", "jti-1"},         {"events", {{kEvent, Json::object()}}}};
}

std::string Hash(const std::string &provider, const std::string &value) {
  return sso::Sha256Hex(provider + '\0' + value);
}

class BackchannelLogout : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { key_ = new Key{"key-1", Algorithm::kRS256, Generate("RSA")}; }

  void SetUp() override {
    engine_ = MakeEngine();
    sso_oidc_provider_config c = sso_test::OidcProviderConfig(kIssuer, kClient);
    c.clock_skew_ms = 120000;
    ASSERT_EQ(sso_engine_add_oidc_provider(engine_.get(), &c), SSO_OK);
  }

  struct Outcome {
    std::string hook_body, hook_headers;
    int64_t hook_timeout_ms = 0;
    sso_step step{};
    std::vector<std::string> urls;                   // back-channel calls, in order
    std::vector<std::vector<std::string>> commands;  // store commands, in order
  };

  // POSTs `form` to the endpoint and plays the provider and Redis: `store` answers each store
  // step, `http_status` each back-channel call.
  Outcome Post(const std::string &form,
               std::function<sso_store_reply(const std::vector<std::string> &)> store = nullptr,
               int http_status = 200) {
    if (!store)
      store = [](const std::vector<std::string> &c) {
        return c[0] == "EVAL" ? sso_store_reply{SSO_REPLY_STRING, S("2\nuser-42"), 0, SSO_OK}
                              : sso_store_reply{SSO_REPLY_STATUS, S("OK"), 0, SSO_OK};
      };
    Outcome o;
    txn_ = MakeTxn(engine_.get());
    EXPECT_EQ(
        BeginEndpoint(txn_.get(),
                      {.method = "POST", .path = "/sso/oidc/backchannel-logout", .now_ms = kNow},
                      &o.step),
        SSO_OK);
    EXPECT_EQ(o.step.kind, SSO_STEP_READ_BODY);
    EXPECT_EQ(sso_endpoint_resume_body(txn_.get(), S(form), kNow, &o.step), SSO_OK);
    for (int round = 0; round < 10; ++round) {
      if (o.step.kind == SSO_STEP_HTTP) {
        std::string url = Str(o.step.http.url);
        o.urls.push_back(url);
        int status = http_status;
        if (url == kHook) {
          o.hook_body = Str(o.step.http.body);
          o.hook_headers = Str(o.step.http.headers);
          o.hook_timeout_ms = o.step.http.timeout_ms;
          status = hook_status_;
        }
        held_ = url.ends_with("/jwks") ? Json{{"keys", {PublicJwk(*key_)}}}.dump()
                                       : DiscoveryDocument().dump();
        EXPECT_EQ(sso_flow_resume_http(txn_.get(), status, S(held_), kNow, &o.step), SSO_OK);
      } else if (o.step.kind == SSO_STEP_STORE) {
        std::vector<sso_store_reply> replies;
        for (size_t i = 0; i < o.step.commands_count; ++i) {
          o.commands.push_back(Args(o.step.commands[i]));
          replies.push_back(store(o.commands.back()));
        }
        EXPECT_EQ(sso_flow_resume(txn_.get(), replies.data(), replies.size(), kNow, &o.step),
                  SSO_OK);
      } else {
        break;
      }
    }
    return o;
  }

  static std::string Form(const Json &claims, const Key &key = *key_) {
    return "logout_token=" + sso::UrlEncode(Token(key, claims));
  }

  void UseHook(int status) {
    sso_provisioning_config hook{S(kHook), S("hook-secret-0123456789"), 5000, 0};
    ASSERT_EQ(sso_engine_set_provisioning(engine_.get(), &hook), SSO_OK);
    hook_status_ = status;
  }

  static constexpr const char *kHook = "http://127.0.0.1:9/hook";
  static Key *key_;
  int hook_status_ = 200;
  sso_test::EnginePtr engine_;
  sso_test::TxnPtr txn_;
  std::string held_;
};

Key *BackchannelLogout::key_ = nullptr;

TEST_F(BackchannelLogout, AValidTokenEndsEverySessionOfItsSid) {
  Outcome o = Post(Form(LogoutClaims()));
  ASSERT_EQ(o.step.kind, SSO_STEP_PAGE) << sso_status_name(o.step.reason);
  EXPECT_EQ(o.step.http_status, 200);
  EXPECT_EQ(o.urls,
            (std::vector<std::string>{std::string(kIssuer) + "/.well-known/openid-configuration",
                                      std::string(kIssuer) + "/jwks"}))
      << "a worker without the provider's keys fetches them";
  ASSERT_EQ(o.commands.size(), 3u);
  EXPECT_EQ(o.commands[2], std::vector<std::string>{"PING"})
      << "answered once every worker's subscriber has the announcement";
  EXPECT_EQ(o.commands[0][0], "SET");
  EXPECT_EQ(o.commands[0][1], "sso:lt:" + sso::Sha256Hex(std::string(kIssuer) + '\0' + "jti-1"));
  EXPECT_EQ(o.commands[0].back(), "NX") << "the jti is spent once";
  EXPECT_EQ(o.commands[1][0], "EVAL");
  EXPECT_EQ(o.commands[1][3], "sso:sid:" + Hash("op", "op-session-7"))
      << "the sid names the sessions, not every session of the subject";
  EXPECT_EQ(o.commands[1][4], "sso:");
  EXPECT_EQ(o.commands[1][5], "sso:revoked") << "every worker's cache hears of it";
  EXPECT_NE(Str(o.step.notice).find("2 session(s) ended"), std::string::npos);
  EXPECT_NE(Str(o.step.audit).find("\"reason\":\"backchannel\""), std::string::npos);
  EXPECT_NE(Str(o.step.audit).find("\"sessions\":2"), std::string::npos);

  Outcome again = Post(Form(LogoutClaims()));
  EXPECT_EQ(again.urls.size(), 0u) << "the keys are kept for the next token";
}

TEST_F(BackchannelLogout, WithoutASidEverySessionOfTheSubjectEnds) {
  Json claims = LogoutClaims();
  claims.erase("sid");
  Outcome o = Post(Form(claims));
  ASSERT_EQ(o.step.http_status, 200);
  EXPECT_EQ(o.commands[o.commands.size() - 2][3], "sso:u:" + Hash("op", "248289761001"));
}

TEST_F(BackchannelLogout, AnInvalidTokenIsA400NamingTheCheck) {
  struct Case {
    const char *what;
    std::function<void(Json &)> change;
    sso_status expected;
  };
  std::vector<Case> cases = {
      {"a nonce", [](Json &c) { c["nonce"] = "n"; }, SSO_LOGOUT_TOKEN_HAS_NONCE},
      {"no event", [](Json &c) { c.erase("events"); }, SSO_LOGOUT_TOKEN_NOT_A_LOGOUT},
      {"expired", [](Json &c) { c["exp"] = kNow / 1000 - 600; }, SSO_JWT_EXPIRED},
      {"no jti", [](Json &c) { c.erase("jti"); }, SSO_LOGOUT_TOKEN_NO_JTI},
      {"another client", [](Json &c) { c["aud"] = "other"; }, SSO_JWT_ISSUER_MISMATCH},
      {"another issuer", [](Json &c) { c["iss"] = "https://evil.example"; },
       SSO_JWT_ISSUER_MISMATCH},
  };
  for (const auto &c : cases) {
    Json claims = LogoutClaims();
    c.change(claims);
    Outcome o = Post(Form(claims));
    EXPECT_EQ(o.step.kind, SSO_STEP_PAGE) << c.what;
    EXPECT_EQ(o.step.http_status, 400) << c.what;
    EXPECT_EQ(o.step.reason, c.expected) << c.what;
    EXPECT_NE(Str(o.step.warning).find(sso_status_name(c.expected)), std::string::npos) << c.what;
    EXPECT_NE(Str(o.step.body).find("\"error\":\"invalid_request\""), std::string::npos);
    for (const auto &command : o.commands) EXPECT_NE(command[0], "EVAL") << c.what;
  }
  Key attacker{"key-1", Algorithm::kRS256, Generate("RSA")};
  Outcome forged = Post(Form(LogoutClaims(), attacker));
  EXPECT_EQ(forged.step.http_status, 400);
  EXPECT_EQ(forged.step.reason, SSO_JWT_BAD_SIGNATURE);
  EXPECT_EQ(Post("").step.reason, SSO_LOGOUT_TOKEN_MISSING);
  EXPECT_EQ(Post("logout_token=not.a.token").step.reason, SSO_JWT_ISSUER_MISMATCH);
}

TEST_F(BackchannelLogout, AReplayedJtiEndsNothing) {
  Outcome o = Post(Form(LogoutClaims()), [](const std::vector<std::string> &c) {
    return c[0] == "SET" ? sso_store_reply{SSO_REPLY_NIL, S(""), 0, SSO_OK} : IntegerReply(1);
  });
  EXPECT_EQ(o.step.http_status, 400);
  EXPECT_EQ(o.step.reason, SSO_LOGOUT_TOKEN_REPLAY);
  EXPECT_EQ(o.commands.size(), 1u) << "no session touched";
}

TEST_F(BackchannelLogout, WhatWeCannotCheckIsA503TheProviderMayRetry) {
  Outcome down = Post(Form(LogoutClaims()), nullptr, 0);
  EXPECT_EQ(down.step.http_status, 503);
  EXPECT_EQ(down.step.reason, SSO_OIDC_UNAVAILABLE);
  Outcome store = Post(Form(LogoutClaims()), [](const std::vector<std::string> &) {
    return FailedReply(SSO_STORE_TIMEOUT);
  });
  EXPECT_EQ(store.step.http_status, 503);
  EXPECT_NE(Str(store.step.body).find("temporarily_unavailable"), std::string::npos);
}

TEST_F(BackchannelLogout, TheAppIsToldWithinABoundAndItsAnswerAudited) {
  UseHook(200);
  Outcome o = Post(Form(LogoutClaims()));
  ASSERT_EQ(o.step.http_status, 200) << sso_status_name(o.step.reason);
  Json told = Json::parse(o.hook_body);
  EXPECT_EQ(told["event"], "logout");
  EXPECT_EQ(told["reason"], "backchannel");
  EXPECT_EQ(told["provider"], "op");
  EXPECT_EQ(told["subject"], "248289761001");
  EXPECT_EQ(told["user_id"], "user-42") << "the app's own id, from the ended session's record";
  EXPECT_EQ(told["sessions"], 2);
  EXPECT_EQ(o.hook_headers.rfind("X-SSO-Signature: t=", 0), 0u) << "signed like the hook";
  EXPECT_EQ(o.hook_timeout_ms, 2000) << "the provider waits at most this long for the app";
  EXPECT_NE(Str(o.step.audit).find("\"app\":\"told\""), std::string::npos);

  UseHook(0);
  Outcome unheard = Post(Form(LogoutClaims()));
  EXPECT_EQ(unheard.step.http_status, 200) << "the sessions ended: the provider hears so";
  EXPECT_NE(Str(unheard.step.audit).find("\"app\":\"no answer\""), std::string::npos)
      << "never lost silently";
  UseHook(500);
  EXPECT_NE(Str(Post(Form(LogoutClaims())).step.audit).find("\"app\":\"status 500\""),
            std::string::npos);
}

TEST_F(BackchannelLogout, NothingEndedNothingToTell) {
  UseHook(200);
  Outcome o = Post(Form(LogoutClaims()), [](const std::vector<std::string> &c) {
    return c[0] == "EVAL" ? sso_store_reply{SSO_REPLY_STRING, S("0\n"), 0, SSO_OK}
                          : sso_store_reply{SSO_REPLY_STATUS, S("OK"), 0, SSO_OK};
  });
  EXPECT_EQ(o.step.http_status, 200);
  EXPECT_EQ(o.hook_body, "");
}

}  // namespace

namespace {

// Front-Channel Logout: a GET that ends sessions, so off unless the provider's block says so.
sso_step FrontChannel(sso_txn *txn, const std::string &query) {
  sso_step step{};
  EXPECT_EQ(BeginEndpoint(txn, {.path = "/sso/oidc/frontchannel-logout", .query = query}, &step),
            SSO_OK);
  return step;
}

std::string IssuerQuery() { return "iss=" + sso::UrlEncode(kIssuer); }

TEST(FrontchannelLogout, IsOffUnlessTheProviderTurnsItOn) {
  auto engine = MakeEngine();
  sso_oidc_provider_config c = sso_test::OidcProviderConfig(kIssuer, kClient);
  ASSERT_EQ(sso_engine_add_oidc_provider(engine.get(), &c), SSO_OK);
  auto txn = MakeTxn(engine.get());
  sso_step step = FrontChannel(txn.get(), IssuerQuery() + "&sid=op-session-7");
  EXPECT_EQ(step.kind, SSO_STEP_PAGE);
  EXPECT_EQ(step.http_status, 400);
  EXPECT_EQ(step.reason, SSO_FRONTCHANNEL_LOGOUT_INVALID);
}

TEST(FrontchannelLogout, EndsTheSessionsOfItsSidOnly) {
  auto engine = MakeEngine();
  sso_oidc_provider_config c = sso_test::OidcProviderConfig(kIssuer, kClient);
  c.frontchannel_logout = 1;
  ASSERT_EQ(sso_engine_add_oidc_provider(engine.get(), &c), SSO_OK);
  auto txn = MakeTxn(engine.get());
  EXPECT_EQ(FrontChannel(txn.get(), IssuerQuery()).http_status, 400) << "no sid: nobody named";
  EXPECT_EQ(FrontChannel(txn.get(), "sid=op-session-7").http_status, 400) << "no iss";
  sso_step step = FrontChannel(txn.get(), IssuerQuery() + "&sid=op-session-7");
  ASSERT_EQ(step.kind, SSO_STEP_STORE);
  auto eval = Args(step.commands[0]);
  EXPECT_EQ(eval[0], "EVAL");
  EXPECT_EQ(eval[3], "sso:sid:" + Hash("op", "op-session-7"));
  sso_store_reply ended{SSO_REPLY_STRING, S("1\nuser-42"), 0, SSO_OK};
  ASSERT_EQ(sso_flow_resume(txn.get(), &ended, 1, kNow, &step), SSO_OK);
  step = sso_test::PassBarrier(txn.get(), step);
  EXPECT_EQ(step.kind, SSO_STEP_PAGE);
  EXPECT_EQ(step.http_status, 200);
  EXPECT_EQ(Str(step.content_type), "text/html; charset=utf-8") << "for the provider's iframe";
  EXPECT_NE(Str(step.audit).find("\"reason\":\"frontchannel\""), std::string::npos);
}

}  // namespace
