// Local logout through the logout endpoint: the record goes before the announcement, the
// browser's cookie is cleared, and only then does the person land on the logout redirect.
#include <gtest/gtest.h>

#include <array>

#include "session/session_id.h"
#include "support/test_support.h"

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
            (std::vector<std::string>{"DEL", "sso:s:" + sso::Sha256Hex(cookie)}));
  EXPECT_EQ(Args(step.commands[1]),
            (std::vector<std::string>{"PUBLISH", "sso:revoked", sso::Sha256Hex(cookie)}));
  EXPECT_EQ(step.cleanup.argc, 0u) << "no announcement sent ahead of the DEL";

  std::array<sso_store_reply, 2> replies{IntegerReply(1), IntegerReply(2)};
  ASSERT_EQ(sso_flow_resume(txn.get(), replies.data(), replies.size(), 0, &step), SSO_OK);
  EXPECT_EQ(step.kind, SSO_STEP_REDIRECT);
  EXPECT_EQ(step.http_status, 303);
  EXPECT_EQ(Str(step.location), "/") << "the default logout redirect";
  EXPECT_NE(Str(step.set_cookie).find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(Str(step.notice), "logout");
  EXPECT_EQ(Str(step.warning), "");
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
  EXPECT_EQ(step.kind, SSO_STEP_REDIRECT);
  EXPECT_EQ(Str(step.warning),
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
  EXPECT_EQ(Str(step.location), "/signed-out?from=sso");
  auto bare = MakeTxn(engine.get());
  ASSERT_EQ(BeginEndpoint(bare.get(), LogoutOf({}), &step), SSO_OK);
  EXPECT_EQ(Str(step.location), "/signed-out?from=sso") << "without a session too";
}

}  // namespace
