// Out-of-order calls: a resume is taken only by the flow the transaction runs now. Any other
// returns SSO_ERR_BAD_STATE and leaves that flow as it was, so it can still be resumed.
#include <gtest/gtest.h>

#include <array>
#include <string>

#include "session/session_id.h"
#include "support/test_support.h"

namespace {

using namespace sso_test;

constexpr int64_t kNow = 1'767'225'600'000;
constexpr const char *kIssuer = "https://op.test.invalid";

// The resumes of the C API, as a set of bits.
enum Resume : unsigned {
  kStoreReplies = 1,
  kHttpAnswer = 2,
  kWakeUp = 4,
  kSessionRead = 8,
  kEveryResume = 15
};

// Expects each resume in `refused` to return SSO_ERR_BAD_STATE.
void ExpectRefused(sso_txn *txn, unsigned refused) {
  sso_step step{};
  sso_store_reply nil{SSO_REPLY_NIL, S(""), 0, SSO_OK};
  if (refused & kStoreReplies) {
    EXPECT_EQ(sso_flow_resume(txn, &nil, 1, kNow, &step), SSO_ERR_BAD_STATE) << "store replies";
  }
  if (refused & kHttpAnswer) {
    EXPECT_EQ(sso_flow_resume_http(txn, 200, S("{}"), kNow, &step), SSO_ERR_BAD_STATE) << "HTTP";
  }
  if (refused & kWakeUp) {
    EXPECT_EQ(sso_flow_resume_wait(txn, kNow, &step), SSO_ERR_BAD_STATE) << "wake-up";
  }
  if (refused & kSessionRead) {
    EXPECT_EQ(sso_gate_resume_read(txn, &step), SSO_ERR_BAD_STATE) << "session read";
  }
}

// A flow that asked for one store read takes nothing else; a nil reply ends it with `reason`.
void ExpectOnlyTheReadUntilANilReplyEndsIt(sso_txn *txn, sso_status reason) {
  ExpectRefused(txn, kHttpAnswer | kWakeUp | kSessionRead);
  sso_store_reply nil{SSO_REPLY_NIL, S(""), 0, SSO_OK};
  sso_step step{};
  ASSERT_EQ(sso_flow_resume(txn, &nil, 1, kNow, &step), SSO_OK);
  EXPECT_EQ(step.reason, reason);
  ExpectRefused(txn, kEveryResume);
}

EnginePtr EngineWithOidcProvider() {
  auto engine = MakeEngine();
  sso_oidc_provider_config c = OidcProviderConfig(kIssuer, "client");
  EXPECT_EQ(sso_engine_add_oidc_provider(engine.get(), &c), SSO_OK);
  return engine;
}

// /sso/login?provider=op: the provider's discovery document is not known yet.
sso_step BeginOidcLogin(sso_txn *txn, std::array<uint8_t, 96> &random) {
  sso_login_request req{S("provider=op&return_to=/x"), kNow, random.data(), random.size()};
  sso_step step{};
  EXPECT_EQ(sso_login_begin(txn, &req, &step), SSO_OK);
  EXPECT_EQ(step.kind, SSO_STEP_HTTP);
  return step;
}

std::string DiscoveryDocument() {
  std::string issuer = kIssuer;
  return R"({"issuer":")" + issuer + R"(","authorization_endpoint":")" + issuer +
         R"(/auth","token_endpoint":")" + issuer + R"(/token","jwks_uri":")" + issuer +
         R"(/jwks","id_token_signing_alg_values_supported":["RS256"]})";
}

TEST(ResumeState, AnIdleTransactionTakesNoResume) {
  auto engine = MakeEngine();
  auto txn = MakeTxn(engine.get());
  ExpectRefused(txn.get(), kEveryResume);
}

TEST(ResumeState, TheGateTakesOnlyItsSessionRead) {
  auto engine = MakeEngine();
  auto txn = MakeTxn(engine.get());
  std::string cookie = *sso::EncodeSessionId(std::array<uint8_t, 32>{1});
  sso_gate_request req{S("GET"), S("/"), S("text/html"), S(""), S(""), S(cookie), kNow};
  sso_step step{};
  ASSERT_EQ(sso_gate_begin(txn.get(), &req, &step), SSO_OK);
  ASSERT_EQ(step.kind, SSO_STEP_SESSION_READ);
  ExpectRefused(txn.get(), kEveryResume);  // the read has not ended

  sso_store_reply nil{SSO_REPLY_NIL, S(""), 0, SSO_OK};
  sso_engine_session_read_done(engine.get(), step.read_id, &nil, kNow);
  EXPECT_EQ(sso_engine_session_read_waiter(engine.get(), step.read_id), txn.get());
  ExpectRefused(txn.get(), kEveryResume & ~kSessionRead);
  ASSERT_EQ(sso_gate_resume_read(txn.get(), &step), SSO_OK);
  EXPECT_EQ(step.kind, SSO_STEP_REDIRECT);
  EXPECT_EQ(step.reason, SSO_SESSION_NOT_FOUND);
  ExpectRefused(txn.get(), kEveryResume);  // decided
}

TEST(ResumeState, AnAdminRevocationTakesOnlyItsStoreReply) {
  auto engine = MakeEngine();
  auto txn = MakeTxn(engine.get());
  sso_step step{};
  ASSERT_EQ(sso_admin_revoke_begin(txn.get(), S("corp"), S("00u1"), S("r1"), &step), SSO_OK);
  ASSERT_EQ(step.kind, SSO_STEP_STORE);
  EXPECT_EQ(Args(step.commands[0])[0], "EVAL");
  ExpectRefused(txn.get(), kHttpAnswer | kWakeUp | kSessionRead);

  sso_store_reply answer{SSO_REPLY_STRING, S("2\n42"), 0, SSO_OK};
  ASSERT_EQ(sso_flow_resume(txn.get(), &answer, 1, kNow, &step), SSO_OK);
  step = sso_test::PassBarrier(txn.get(), step);
  EXPECT_EQ(step.kind, SSO_STEP_PAGE);  // no hook: done
  EXPECT_EQ(std::string(step.body.data, step.body.len),
            R"({"app":"no hook","sessions":2,"user":"42"})");
  ExpectRefused(txn.get(), kEveryResume);
}

TEST(ResumeState, TheAcsReadingItsRelayStateTakesOnlyStoreReplies) {
  auto engine = MakeEngine();
  auto txn = MakeTxn(engine.get());
  std::array<uint8_t, 32> random{2};
  std::string form = "SAMLResponse=PHg%2B&RelayState=" + std::string(22, 'A');
  sso_acs_request req{S(form), kNow, random.data(), random.size()};
  sso_step step{};
  ASSERT_EQ(sso_acs_begin(txn.get(), &req, &step), SSO_OK);
  ASSERT_EQ(step.kind, SSO_STEP_STORE);
  ExpectOnlyTheReadUntilANilReplyEndsIt(txn.get(), SSO_LOGIN_STATE_SPENT);
}

TEST(ResumeState, AnOidcLoginTakesWhatItsStageWaitsFor) {
  auto engine = EngineWithOidcProvider();
  auto txn = MakeTxn(engine.get());
  std::array<uint8_t, 96> random{3};
  sso_step step = BeginOidcLogin(txn.get(), random);
  ExpectRefused(txn.get(), kWakeUp | kSessionRead);

  std::string discovery = DiscoveryDocument();
  ASSERT_EQ(sso_flow_resume_http(txn.get(), 200, S(discovery), kNow, &step), SSO_OK);
  ASSERT_EQ(step.kind, SSO_STEP_STORE);
  ExpectRefused(txn.get(), kHttpAnswer | kWakeUp | kSessionRead);

  sso_store_reply ok{SSO_REPLY_STATUS, S("OK"), 0, SSO_OK};
  ASSERT_EQ(sso_flow_resume(txn.get(), &ok, 1, kNow, &step), SSO_OK);
  EXPECT_EQ(step.kind, SSO_STEP_REDIRECT);
  ExpectRefused(txn.get(), kEveryResume);  // over
}

// Store replies reach a login flow at any stage; at one that waits for an HTTP answer they end
// the login with an error page.
TEST(ResumeState, StoreRepliesDuringAnHttpCallEndTheLogin) {
  auto engine = EngineWithOidcProvider();
  auto txn = MakeTxn(engine.get());
  std::array<uint8_t, 96> random{4};
  sso_step step = BeginOidcLogin(txn.get(), random);
  sso_store_reply ok{SSO_REPLY_STATUS, S("OK"), 0, SSO_OK};
  ASSERT_EQ(sso_flow_resume(txn.get(), &ok, 0, kNow, &step), SSO_OK);
  EXPECT_EQ(step.kind, SSO_STEP_ERROR);
  EXPECT_EQ(step.reason, SSO_ERR_BAD_STATE);
  ExpectRefused(txn.get(), kEveryResume);
}

TEST(ResumeState, AnOidcCallbackReadingItsStateTakesOnlyStoreReplies) {
  auto engine = EngineWithOidcProvider();
  auto txn = MakeTxn(engine.get());
  std::array<uint8_t, 32> random{5};
  sso_oidc_callback_request req{S("state=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA&code=c"), S(""), kNow,
                                random.data(), random.size()};
  sso_step step{};
  ASSERT_EQ(sso_oidc_callback_begin(txn.get(), &req, &step), SSO_OK);
  ASSERT_EQ(step.kind, SSO_STEP_STORE);
  ExpectOnlyTheReadUntilANilReplyEndsIt(txn.get(), SSO_LOGIN_STATE_SPENT);
}

}  // namespace
