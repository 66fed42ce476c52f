// Local logout through the logout endpoint: the record goes before the announcement, the
// browser's cookie is cleared, and only then does the person land on the logout redirect.
#include <gtest/gtest.h>

#include <array>

#include "session/session_id.h"
#include "support/test_support.h"
#include "text/http_text.h"

namespace {

using namespace sso_test;

std::string Cookie(uint8_t seed) { return *sso::EncodeSessionId(std::array<uint8_t, 32>{seed}); }

EndpointRequest LogoutOf(std::vector<std::string> cookie_headers) {
  return {.method = "POST", .path = "/sso/logout", .cookie_headers = std::move(cookie_headers)};
}

TEST(Logout, DeletesTheRecordThenAnnouncesItAndClearsTheCookie) {
  auto engine = MakeEngine();
  auto txn = MakeTxn(engine.get());
  std::string cookie = Cookie(9);
  sso_step step;
  ASSERT_EQ(BeginEndpoint(txn.get(), LogoutOf({"__Host-sso=" + cookie}), &step), SSO_OK);
  // DEL first: a worker that hears the PUBLISH and reads the session again must not find it
  // (it would cache it anew); both in one pipelined step, in this order.
  ASSERT_EQ(step.kind, SSO_STEP_STORE);
  ASSERT_EQ(step.commands_count, 2u);
  EXPECT_EQ(Args(step.commands[0]),
            (std::vector<std::string>{"GETDEL", "sso:s:" + sso::Sha256Hex(cookie)}));
  EXPECT_EQ(Args(step.commands[1]),
            (std::vector<std::string>{"PUBLISH", "sso:revoked", sso::Sha256Hex(cookie)}));
  EXPECT_EQ(step.cleanup.argc, 0u) << "no announcement sent ahead of the DEL";

  std::array<sso_store_reply, 2> replies{IntegerReply(1), IntegerReply(2)};
  ASSERT_EQ(sso_flow_resume(txn.get(), replies.data(), replies.size(), 0, &step), SSO_OK);
  std::string notice, warning;
  step = PassBarrier(txn.get(), step, &notice, &warning);
  EXPECT_EQ(step.kind, SSO_STEP_REDIRECT);
  EXPECT_EQ(step.http_status, 303);
  EXPECT_EQ(Str(step.location), "/") << "the default logout redirect";
  EXPECT_NE(Str(step.set_cookie).find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(notice, "logout");
  EXPECT_EQ(warning, "");
}

TEST(Logout, FindsTheSessionCookieInAnyCookieHeader) {
  auto engine = MakeEngine();
  auto txn = MakeTxn(engine.get());
  std::string cookie = Cookie(3);
  sso_step step;
  ASSERT_EQ(
      BeginEndpoint(txn.get(), LogoutOf({"a=1; b=2", "theme=dark; __Host-sso=" + cookie}), &step),
      SSO_OK);
  ASSERT_EQ(step.kind, SSO_STEP_STORE);
  EXPECT_EQ(Args(step.commands[0])[1], "sso:s:" + sso::Sha256Hex(cookie));
}

TEST(Logout, WithoutAWellFormedCookieGoesStraightToTheRedirect) {
  auto engine = MakeEngine();
  for (std::vector<std::string> headers :
       {std::vector<std::string>{}, {"__Host-sso=garbage"}, {"sso=" + Cookie(1)}}) {
    auto txn = MakeTxn(engine.get());
    sso_step step;
    ASSERT_EQ(BeginEndpoint(txn.get(), LogoutOf(headers), &step), SSO_OK);
    EXPECT_EQ(step.kind, SSO_STEP_REDIRECT);
    EXPECT_EQ(step.commands_count, 0u);
    EXPECT_EQ(Str(step.location), "/");
    EXPECT_NE(Str(step.set_cookie).find("Max-Age=0"), std::string::npos);
  }
}

TEST(Logout, ARecordThatCouldNotBeDeletedIsAnErrorNotARedirect) {
  auto engine = MakeEngine();
  for (auto del : {FailedReply(SSO_STORE_TIMEOUT), sso_store_reply{.type = SSO_REPLY_ERROR}}) {
    auto txn = MakeTxn(engine.get());
    sso_step step;
    ASSERT_EQ(BeginEndpoint(txn.get(), LogoutOf({"__Host-sso=" + Cookie(4)}), &step), SSO_OK);
    std::array<sso_store_reply, 2> replies{del, IntegerReply(1)};
    ASSERT_EQ(sso_flow_resume(txn.get(), replies.data(), replies.size(), 0, &step), SSO_OK);
    EXPECT_EQ(step.kind, SSO_STEP_ERROR);
    EXPECT_TRUE(step.reason == SSO_STORE_TIMEOUT || step.reason == SSO_STORE_ERROR_REPLY);
    EXPECT_EQ(Str(step.notice), "");
  }
}

TEST(Logout, AnUnannouncedLogoutStillRedirectsWithAWarning) {
  auto engine = MakeEngine();
  auto txn = MakeTxn(engine.get());
  sso_step step;
  ASSERT_EQ(BeginEndpoint(txn.get(), LogoutOf({"__Host-sso=" + Cookie(5)}), &step), SSO_OK);
  std::array<sso_store_reply, 2> replies{IntegerReply(1), FailedReply(SSO_STORE_UNAVAILABLE)};
  ASSERT_EQ(sso_flow_resume(txn.get(), replies.data(), replies.size(), 0, &step), SSO_OK);
  std::string warning;
  step = PassBarrier(txn.get(), step, nullptr, &warning);
  EXPECT_EQ(step.kind, SSO_STEP_REDIRECT);
  EXPECT_EQ(warning,
            "logout not announced to the other workers: STORE_UNAVAILABLE; their session "
            "caches drop it when their entries expire");
}

TEST(Logout, RedirectsToTheConfiguredPath) {
  EngineOptions o;
  o.logout_redirect = "/signed-out?from=sso";
  auto engine = MakeEngine(o);
  ASSERT_TRUE(engine);
  auto txn = MakeTxn(engine.get());
  sso_step step;
  ASSERT_EQ(BeginEndpoint(txn.get(), LogoutOf({"__Host-sso=" + Cookie(7)}), &step), SSO_OK);
  std::array<sso_store_reply, 2> replies{IntegerReply(1), IntegerReply(1)};
  ASSERT_EQ(sso_flow_resume(txn.get(), replies.data(), replies.size(), 0, &step), SSO_OK);
  step = PassBarrier(txn.get(), step);
  EXPECT_EQ(Str(step.location), "/signed-out?from=sso");
  auto bare = MakeTxn(engine.get());
  ASSERT_EQ(BeginEndpoint(bare.get(), LogoutOf({}), &step), SSO_OK);
  EXPECT_EQ(Str(step.location), "/signed-out?from=sso") << "without a session too";
}

// ---- RP-Initiated Logout: a session from an OpenID provider set up for it ends there too ----

constexpr const char *kOp = "https://op.test.invalid";

sso_test::EnginePtr EngineWithProvider(const std::string &post_logout, bool explicit_endpoints) {
  auto engine = MakeEngine();
  sso_oidc_provider_config c = OidcProviderConfig(kOp, "app client");
  c.post_logout_redirect_uri = S(post_logout);
  std::string auth = std::string(kOp) + "/auth", token = std::string(kOp) + "/token",
              jwks = std::string(kOp) + "/jwks", end = std::string(kOp) + "/end?tenant=a";
  if (explicit_endpoints) {
    c.authorization_endpoint = S(auth);
    c.token_endpoint = S(token);
    c.jwks_uri = S(jwks);
    c.end_session_endpoint = S(end);
  }
  EXPECT_EQ(sso_engine_add_oidc_provider(engine.get(), &c), SSO_OK);
  return engine;
}

// The record a login through "op" left: what GETDEL answers.
std::string RecordOf(const std::string &provider, const std::string &id_token) {
  return R"({"v":1,"provider":")" + provider +
         R"(","subject":"alice","user":"alice","created":1,"expires":9999999999999,"lo":{"sid":"s1","idt":")" +
         id_token + R"("}})";
}

sso_step LogoutWithRecord(sso_txn *txn, const std::string &record) {
  sso_step step;
  EXPECT_EQ(BeginEndpoint(txn, LogoutOf({"__Host-sso=" + Cookie(8)}), &step), SSO_OK);
  EXPECT_EQ(step.kind, SSO_STEP_STORE);
  std::array<sso_store_reply, 2> replies{sso_store_reply{SSO_REPLY_STRING, S(record), 0, SSO_OK},
                                         IntegerReply(1)};
  EXPECT_EQ(sso_flow_resume(txn, replies.data(), replies.size(), 0, &step), SSO_OK);
  return PassBarrier(txn, step);
}

TEST(RpInitiatedLogout, TheSessionEndsAtTheProviderWithItsIdTokenAsTheHint) {
  auto engine = EngineWithProvider("https://app.test.invalid/signed-out", true);
  auto txn = MakeTxn(engine.get());
  sso_step step = LogoutWithRecord(txn.get(), RecordOf("op", "eyJ.the.token"));
  ASSERT_EQ(step.kind, SSO_STEP_REDIRECT);
  EXPECT_EQ(step.http_status, 303);
  std::string location = Str(step.location);
  EXPECT_EQ(location.rfind(std::string(kOp) + "/end?tenant=a&id_token_hint=eyJ.the.token&", 0), 0u)
      << location;
  auto query = *sso::ParseForm(location.substr(location.find('?') + 1));
  EXPECT_EQ(query["post_logout_redirect_uri"], "https://app.test.invalid/signed-out")
      << "exactly the configured URL";
  EXPECT_EQ(query["client_id"], "app client");
  EXPECT_EQ(query["state"].size(), 22u) << "16 random bytes";
  EXPECT_NE(Str(step.set_cookie).find("Max-Age=0"), std::string::npos) << "cleared here too";
}

TEST(RpInitiatedLogout, OnlyWhereItIsSetUp) {
  auto off = EngineWithProvider("", true);
  auto txn = MakeTxn(off.get());
  EXPECT_EQ(Str(LogoutWithRecord(txn.get(), RecordOf("op", "eyJ.t")).location), "/")
      << "no oidc_post_logout_redirect_uri: local logout only";
  auto on = EngineWithProvider("https://app.test.invalid/bye", true);
  txn = MakeTxn(on.get());
  EXPECT_EQ(Str(LogoutWithRecord(txn.get(), RecordOf("op", "")).location), "/")
      << "no ID token kept: nothing to hint with";
  txn = MakeTxn(on.get());
  EXPECT_EQ(Str(LogoutWithRecord(txn.get(), RecordOf("corp-saml", "eyJ.t")).location), "/")
      << "another provider's session";
  txn = MakeTxn(on.get());
  EXPECT_EQ(Str(LogoutWithRecord(txn.get(), "garbage").location), "/") << "an unreadable record";
}

TEST(RpInitiatedLogout, AWorkerWithoutDiscoveryFetchesItFirst) {
  auto engine = EngineWithProvider("https://app.test.invalid/bye", false);
  auto txn = MakeTxn(engine.get());
  sso_step step = LogoutWithRecord(txn.get(), RecordOf("op", "eyJ.t"));
  ASSERT_EQ(step.kind, SSO_STEP_HTTP);
  EXPECT_EQ(Str(step.http.url), std::string(kOp) + "/.well-known/openid-configuration");
  std::string discovery = R"({"issuer":")" + std::string(kOp) + R"(","authorization_endpoint":")" +
                          kOp + R"(/auth","token_endpoint":")" + kOp + R"(/token","jwks_uri":")" +
                          kOp + R"(/jwks","end_session_endpoint":")" + kOp +
                          R"(/logout","id_token_signing_alg_values_supported":["RS256"]})";
  ASSERT_EQ(sso_flow_resume_http(txn.get(), 200, S(discovery), 0, &step), SSO_OK);
  EXPECT_EQ(Str(step.location).rfind(std::string(kOp) + "/logout?id_token_hint=eyJ.t&", 0), 0u);

  auto down = MakeTxn(engine.get());
  auto fresh = EngineWithProvider("https://app.test.invalid/bye", false);
  down = MakeTxn(fresh.get());
  step = LogoutWithRecord(down.get(), RecordOf("op", "eyJ.t"));
  ASSERT_EQ(step.kind, SSO_STEP_HTTP);
  ASSERT_EQ(sso_flow_resume_http(down.get(), 0, S(""), 0, &step), SSO_OK);
  EXPECT_EQ(step.kind, SSO_STEP_REDIRECT);
  EXPECT_EQ(Str(step.location), "/") << "a provider out of reach: the local logout still holds";
}

TEST(RpInitiatedLogout, ThePostLogoutUrlCannotBeAnOpenRedirect) {
  auto engine = MakeEngine();
  for (const char *bad :
       {"//evil.example/", "/\\evil.example", "https:evil.example", "javascript:alert(1)",
        "http://evil.example/", "https://app.example/a\r\nSet-Cookie: x=1",
        "https://app.example/#frag", "/signed-out", "%2F%2Fevil.example"}) {
    sso_oidc_provider_config c = OidcProviderConfig(kOp, "app");
    c.post_logout_redirect_uri = S(bad);
    EXPECT_EQ(sso_engine_add_oidc_provider(engine.get(), &c), SSO_CONFIG_BAD_POST_LOGOUT_URI)
        << bad;
  }
}

}  // namespace

namespace {

TEST(LogoutNotice, TheAppIsToldWhoseSessionEndedBeforeThePersonLeaves) {
  auto engine = EngineWithProvider("", true);
  sso_provisioning_config hook{S("http://127.0.0.1:9/hook"), S("hook-secret-0123456789"), 5000, 0};
  ASSERT_EQ(sso_engine_set_provisioning(engine.get(), &hook), SSO_OK);
  auto txn = MakeTxn(engine.get());
  sso_step step = LogoutWithRecord(txn.get(), RecordOf("op", ""));
  ASSERT_EQ(step.kind, SSO_STEP_HTTP);
  EXPECT_EQ(Str(step.http.url), "http://127.0.0.1:9/hook");
  EXPECT_EQ(step.http.timeout_ms, 2000) << "the person waits at most this long";
  std::string body = Str(step.http.body);
  EXPECT_NE(body.find("\"event\":\"logout\""), std::string::npos);
  EXPECT_NE(body.find("\"reason\":\"user\""), std::string::npos);
  EXPECT_NE(body.find("\"user_id\":\"alice\""), std::string::npos);
  EXPECT_NE(Str(step.http.headers).find("X-SSO-Signature: t="), std::string::npos);
  ASSERT_EQ(sso_flow_resume_http(txn.get(), 0, S(""), 0, &step), SSO_OK);
  EXPECT_EQ(step.kind, SSO_STEP_REDIRECT) << "an app that does not answer does not keep anyone";
  EXPECT_NE(Str(step.audit).find("\"app\":\"no answer\""), std::string::npos);
  EXPECT_NE(Str(step.audit).find("\"reason\":\"user\""), std::string::npos);
}

}  // namespace
