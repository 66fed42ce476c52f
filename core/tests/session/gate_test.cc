// The session gate through the C interface, as the module drives it.
#include <gtest/gtest.h>

#include <array>

#include "session/session_id.h"
#include "support/test_support.h"

namespace {

using namespace sso_test;

constexpr int64_t kNow = 1'700'000'000'000;

class GateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    engine_ = MakeEngine(options_);
    ASSERT_TRUE(engine_);
    txn_ = MakeTxn(engine_.get());
    ASSERT_TRUE(txn_);
  }

  sso_step Begin(std::string_view cookie, std::string_view accept = "text/html",
                 std::string_view method = "GET", std::string_view uri = "/app?x=1") {
    sso_gate_request req{S(method), S(uri), S(accept), S(""), S(""), S(cookie), kNow};
    sso_step step;
    EXPECT_EQ(sso_gate_begin(txn_.get(), &req, &step), SSO_OK);
    read_id_ = step.kind == SSO_STEP_SESSION_READ ? step.read_id : 0;
    return step;
  }

  // Creates a real record through the session plan, as a login would.
  struct Session {
    std::string cookie, key, record;
  };
  Session NewSession(int64_t created = kNow) {
    std::array<uint8_t, 32> random{};
    random[0] = static_cast<uint8_t>(++counter_);
    std::array<sso_str, 2> groups{S("engineering"), S("a,b")};
    std::array<sso_str, 1> roles{S("developer")};
    std::array<sso_attribute, 1> attrs{{{S("department"), S("R&D")}}};
    sso_identity id{
        S("corp"),     S("00u1"),     S("http://idp"), S("42"),      S("new.hire@corp.example"),
        S("New Hire"), groups.data(), groups.size(),   roles.data(), roles.size(),
        attrs.data(),  attrs.size()};
    auto plan_txn = MakeTxn(engine_.get());
    sso_session_plan plan;
    EXPECT_EQ(
        sso_session_plan_create(plan_txn.get(), &id, random.data(), random.size(), created, &plan),
        SSO_OK);
    auto set = Args(plan.commands[0]);
    return {Str(plan.cookie_value), set[1], set[2]};
  }

  sso_step Resume(sso_reply_type type, std::string_view value = "", int64_t now = kNow,
                  sso_status failure = SSO_OK) {
    sso_store_reply reply{type, S(value), 0, failure};
    sso_step step;
    EXPECT_EQ(AnswerSessionRead(engine_.get(), txn_.get(), read_id_, reply, now, &step), SSO_OK);
    return step;
  }

  EngineOptions options_;
  EnginePtr engine_;
  TxnPtr txn_;
  int counter_ = 0;
  uint64_t read_id_ = 0;
};

TEST_F(GateTest, BrowserWithoutCookieIsSentToLoginWithReturnTo) {
  sso_step step = Begin("");
  EXPECT_EQ(step.kind, SSO_STEP_REDIRECT);
  EXPECT_EQ(step.http_status, 302);
  EXPECT_EQ(step.reason, SSO_SESSION_NO_COOKIE);
  EXPECT_EQ(Str(step.location), "/sso/login?return_to=/app%3Fx%3D1");
  EXPECT_EQ(step.set_cookie.len, 0u);  // nothing to clear
}

// The login URL behind the gate (no sso_endpoints location serves it): sending the browser
// there again would loop forever, and letting it through would open the gate.
TEST_F(GateTest, TheLoginUrlItselfIsNeverSentToLogin) {
  for (std::string_view uri : {"/sso/login", "/sso/login?return_to=%2Fapp", "/sso/login#x"}) {
    auto txn = MakeTxn(engine_.get());
    sso_gate_request req{S("GET"), S(uri), S("text/html"), S(""), S(""), S(""), kNow};
    sso_step step;
    ASSERT_EQ(sso_gate_begin(txn.get(), &req, &step), SSO_OK);
    EXPECT_EQ(step.kind, SSO_STEP_ERROR) << uri;
    EXPECT_EQ(step.reason, SSO_LOGIN_URL_GATED) << uri;
    EXPECT_EQ(step.http_status, 503) << uri;
    EXPECT_EQ(step.location.len, 0u) << uri;
  }
  // an API client is not told to go where it is either
  sso_step step = Begin("", "application/json", "GET", "/sso/login");
  EXPECT_EQ(step.reason, SSO_LOGIN_URL_GATED);
  // nor is a browser whose session is unknown to the store
  step = Begin(NewSession().cookie, "text/html", "GET", "/sso/login?return_to=/");
  ASSERT_EQ(step.kind, SSO_STEP_SESSION_READ);
  step = Resume(SSO_REPLY_NIL);
  EXPECT_EQ(step.kind, SSO_STEP_ERROR);
  EXPECT_EQ(step.reason, SSO_LOGIN_URL_GATED);
}

TEST_F(GateTest, OnlyTheLoginPathItselfIsRefused) {
  for (std::string_view uri :
       {"/sso/login/x", "/sso/loginx", "/sso/logi", "/app?next=/sso/login"}) {
    auto txn = MakeTxn(engine_.get());
    sso_gate_request req{S("GET"), S(uri), S("text/html"), S(""), S(""), S(""), kNow};
    sso_step step;
    ASSERT_EQ(sso_gate_begin(txn.get(), &req, &step), SSO_OK);
    EXPECT_EQ(step.kind, SSO_STEP_REDIRECT) << uri;
  }
}

TEST_F(GateTest, AValidSessionStillReachesTheLoginUrl) {
  Session s = NewSession();
  ASSERT_EQ(Begin(s.cookie, "text/html", "GET", "/sso/login").kind, SSO_STEP_SESSION_READ);
  EXPECT_EQ(Resume(SSO_REPLY_STRING, s.record).kind, SSO_STEP_ALLOW);
}

TEST(GateLoginUrl, ALoginUrlWithAQueryIsComparedByItsPath) {
  EngineOptions o;
  o.login = "/auth/start?tenant=a";
  auto engine = MakeEngine(o);
  ASSERT_TRUE(engine);
  auto txn = MakeTxn(engine.get());
  sso_gate_request req{
      S("GET"), S("/auth/start?tenant=a&return_to=%2F"), S("text/html"), S(""), S(""), S(""), kNow};
  sso_step step;
  ASSERT_EQ(sso_gate_begin(txn.get(), &req, &step), SSO_OK);
  EXPECT_EQ(step.reason, SSO_LOGIN_URL_GATED);
}

TEST_F(GateTest, UnsafeTargetBecomesRoot) {
  sso_step step = Begin("", "text/html", "GET", "//evil.example/x");
  EXPECT_EQ(Str(step.location), "/sso/login?return_to=/");
}

TEST_F(GateTest, ApiClientsGet401WithWwwAuthenticate) {
  for (auto [accept, method] : std::initializer_list<std::pair<const char *, const char *>>{
           {"application/json", "GET"}, {"text/html", "POST"}, {"", "GET"}, {"*/*", "GET"}}) {
    sso_step step = Begin("", accept, method);
    EXPECT_EQ(step.kind, SSO_STEP_UNAUTHORIZED) << accept << " " << method;
    EXPECT_EQ(step.http_status, 401);
    EXPECT_EQ(Str(step.www_authenticate), "SSO realm=\"sso\", login=\"/sso/login\"");
  }
}

TEST_F(GateTest, BrowserFetchIsNotNavigation) {
  sso_gate_request req{S("GET"), S("/x"), S("text/html"), S("cors"), S(""), S(""), kNow};
  sso_step step;
  ASSERT_EQ(sso_gate_begin(txn_.get(), &req, &step), SSO_OK);
  EXPECT_EQ(step.kind, SSO_STEP_UNAUTHORIZED);
  sso_gate_request xhr{S("GET"), S("/x"), S("text/html"), S(""), S("XMLHttpRequest"), S(""), kNow};
  ASSERT_EQ(sso_gate_begin(txn_.get(), &xhr, &step), SSO_OK);
  EXPECT_EQ(step.kind, SSO_STEP_UNAUTHORIZED);
}

TEST_F(GateTest, MalformedCookieNeverReachesTheStore) {
  sso_step step = Begin("not-a-session-id");
  EXPECT_EQ(step.kind, SSO_STEP_REDIRECT);
  EXPECT_EQ(step.reason, SSO_SESSION_MALFORMED_COOKIE);
  EXPECT_EQ(step.commands_count, 0u);
  EXPECT_NE(Str(step.set_cookie).find("Max-Age=0"), std::string::npos);
}

TEST_F(GateTest, WellFormedCookieAsksForTheHashedKeyAndSlidesIdle) {
  auto [cookie, key, record] = NewSession();
  sso_step step = Begin(cookie);
  ASSERT_EQ(step.kind, SSO_STEP_SESSION_READ);
  ASSERT_EQ(step.commands_count, 1u);
  auto args = Args(step.commands[0]);
  ASSERT_EQ(args.size(), 4u);
  EXPECT_EQ(args[0], "GETEX");
  EXPECT_EQ(args[1], "sso:s:" + sso::Sha256Hex(cookie));
  EXPECT_EQ(args[1], key);
  EXPECT_EQ(args[1].find(cookie), std::string::npos);
  EXPECT_EQ(args[2], "PX");
  EXPECT_EQ(args[3], std::to_string(options_.idle_ms));
}

TEST_F(GateTest, ValidSessionAllowsAndExposesIdentity) {
  auto [cookie, key, record] = NewSession();
  Begin(cookie);
  sso_step step = Resume(SSO_REPLY_STRING, record, kNow + 1000);
  EXPECT_EQ(step.kind, SSO_STEP_ALLOW);
  EXPECT_EQ(step.reason, SSO_SESSION_VALID);
  EXPECT_EQ(Str(sso_txn_identity_field(txn_.get(), SSO_FIELD_USER)), "42");
  EXPECT_EQ(Str(sso_txn_identity_field(txn_.get(), SSO_FIELD_EMAIL)), "new.hire@corp.example");
  EXPECT_EQ(Str(sso_txn_identity_field(txn_.get(), SSO_FIELD_NAME)), "New Hire");
  EXPECT_EQ(Str(sso_txn_identity_field(txn_.get(), SSO_FIELD_PROVIDER)), "corp");
  EXPECT_EQ(Str(sso_txn_identity_field(txn_.get(), SSO_FIELD_SUBJECT)), "00u1");
}

TEST_F(GateTest, GroupsRolesAndAttributes) {
  auto [cookie, key, record] = NewSession();
  // Rebuild the record the same way the fixture did, and feed it back.
  std::array<uint8_t, 32> random{};
  std::array<sso_str, 2> groups{S("engineering"), S("a,b")};
  std::array<sso_str, 2> roles{S("developer"), S("member")};
  std::array<sso_attribute, 1> attrs{{{S("department"), S("R&D")}}};
  sso_identity id{S("corp"),     S("s"), S(""),        S("1"), S(""),        S(""),
                  groups.data(), 2,      roles.data(), 2,      attrs.data(), 1};
  auto plan_txn = MakeTxn(engine_.get());
  sso_session_plan plan;
  ASSERT_EQ(sso_session_plan_create(plan_txn.get(), &id, random.data(), 32, kNow, &plan), SSO_OK);
  Begin(cookie);
  ASSERT_EQ(Resume(SSO_REPLY_STRING, Args(plan.commands[0])[2]).kind, SSO_STEP_ALLOW);
  EXPECT_EQ(Str(sso_txn_identity_field(txn_.get(), SSO_FIELD_GROUPS)), "engineering,a%2Cb");
  EXPECT_EQ(Str(sso_txn_identity_field(txn_.get(), SSO_FIELD_ROLES)), "developer,member");
  int found = 0;
  EXPECT_EQ(Str(sso_txn_identity_attribute(txn_.get(), S("department"), &found)), "R&D");
  EXPECT_EQ(found, 1);
  sso_txn_identity_attribute(txn_.get(), S("missing"), &found);
  EXPECT_EQ(found, 0);
}

TEST_F(GateTest, UnknownSessionLogsInAgainAndClearsCookie) {
  auto [cookie, key, record] = NewSession();
  Begin(cookie);
  sso_step step = Resume(SSO_REPLY_NIL);
  EXPECT_EQ(step.kind, SSO_STEP_REDIRECT);
  EXPECT_EQ(step.reason, SSO_SESSION_NOT_FOUND);
  EXPECT_NE(Str(step.set_cookie).find("__Host-sso=;"), std::string::npos);
  EXPECT_EQ(sso_txn_identity_field(txn_.get(), SSO_FIELD_USER).len, 0u);
}

TEST_F(GateTest, AbsoluteExpiryIsEnforcedAndRecordDropped) {
  std::array<uint8_t, 32> random{};
  sso_identity id{S("corp"), S("s"), S(""),   S("1"), S(""),   S(""),
                  nullptr,   0,      nullptr, 0,      nullptr, 0};
  auto plan_txn = MakeTxn(engine_.get());
  sso_session_plan plan;
  ASSERT_EQ(sso_session_plan_create(plan_txn.get(), &id, random.data(), 32, kNow, &plan), SSO_OK);
  std::string record = Args(plan.commands[0])[2];
  std::string cookie = Str(plan.cookie_value);

  Begin(cookie);
  EXPECT_EQ(Resume(SSO_REPLY_STRING, record, kNow + options_.ttl_ms - 1).kind, SSO_STEP_ALLOW);
  Begin(cookie);
  sso_step step = Resume(SSO_REPLY_STRING, record, kNow + options_.ttl_ms);
  EXPECT_EQ(step.kind, SSO_STEP_REDIRECT);
  EXPECT_EQ(step.reason, SSO_SESSION_EXPIRED);
  EXPECT_EQ(Args(step.cleanup),
            (std::vector<std::string>{"DEL", "sso:s:" + sso::Sha256Hex(cookie)}));
}

TEST_F(GateTest, CorruptRecordIsRefused) {
  auto [cookie, key, record] = NewSession();
  Begin(cookie);
  sso_step step = Resume(SSO_REPLY_STRING, "{\"v\":1,\"user\":\"x\\r\\nX: y\"}");
  EXPECT_EQ(step.kind, SSO_STEP_REDIRECT);
  EXPECT_EQ(step.reason, SSO_SESSION_CORRUPT_RECORD);
  EXPECT_EQ(step.cleanup.argc, 2u);
}

TEST_F(GateTest, StoreFailuresGive503PageWithCorrelationId) {
  auto [cookie, key, record] = NewSession();
  struct Case {
    sso_reply_type type;
    sso_status failure;
    sso_status reason;
  };
  for (Case c : {Case{SSO_REPLY_FAILED, SSO_STORE_TIMEOUT, SSO_STORE_TIMEOUT},
                 Case{SSO_REPLY_FAILED, SSO_STORE_UNAVAILABLE, SSO_STORE_UNAVAILABLE},
                 Case{SSO_REPLY_ERROR, SSO_OK, SSO_STORE_ERROR_REPLY},
                 Case{SSO_REPLY_INTEGER, SSO_OK, SSO_STORE_UNEXPECTED_REPLY}}) {
    Begin(cookie);
    sso_step step = Resume(c.type, "ERR x", kNow, c.failure);
    EXPECT_EQ(step.kind, SSO_STEP_ERROR);
    EXPECT_EQ(step.http_status, 503);
    EXPECT_EQ(step.reason, c.reason);
    // the caller renders the page with its correlation id
    sso_step page;
    ASSERT_EQ(sso_error_page(txn_.get(), step.reason, S("rid-1"), &page), SSO_OK);
    EXPECT_EQ(page.http_status, 503);
    EXPECT_NE(Str(page.body).find("rid-1"), std::string::npos);
    EXPECT_EQ(Str(page.content_type), "text/html; charset=utf-8");
  }
}

TEST_F(GateTest, ResumeBeforeTheReadEndedIsRefused) {
  sso_step step;
  EXPECT_EQ(sso_gate_resume_read(txn_.get(), &step), SSO_ERR_BAD_STATE);
  Begin("");  // decided at once: no read to wait for
  EXPECT_EQ(sso_gate_resume_read(txn_.get(), &step), SSO_ERR_BAD_STATE);
  ASSERT_EQ(Begin(NewSession().cookie).kind, SSO_STEP_SESSION_READ);
  EXPECT_EQ(sso_gate_resume_read(txn_.get(), &step), SSO_ERR_BAD_STATE) << "still reading";
}

TEST(GateNoIdle, UsesPlainGetWithoutIdleTimeout) {
  EngineOptions o;
  o.idle_ms = 0;
  auto engine = MakeEngine(o);
  auto txn = MakeTxn(engine.get());
  std::string cookie = *sso::EncodeSessionId(std::array<uint8_t, 32>{});
  sso_gate_request req{S("GET"), S("/"), S(""), S(""), S(""), S(cookie), kNow};
  sso_step step;
  ASSERT_EQ(sso_gate_begin(txn.get(), &req, &step), SSO_OK);
  ASSERT_EQ(step.commands_count, 1u);
  EXPECT_EQ(Args(step.commands[0]),
            (std::vector<std::string>{"GET", "sso:s:" + sso::Sha256Hex(cookie)}));
}

}  // namespace

// What the gate tells the caller's metrics: its decision, and nothing about the cache while
// the cache is off.
TEST_F(GateTest, StepsCarryTheGateDecision) {
  sso_step step = Begin("", "application/json");
  EXPECT_EQ(step.gate, SSO_GATE_LOGIN_REQUIRED);
  EXPECT_EQ(step.cache, SSO_CACHE_UNUSED);
  auto [cookie, key, record] = NewSession();
  step = Begin(cookie);
  EXPECT_EQ(step.gate, SSO_GATE_NONE) << "no decision while the read is under way";
  EXPECT_EQ(Resume(SSO_REPLY_STRING, record, kNow + 1000).gate, SSO_GATE_ALLOW);
  Begin(cookie);
  EXPECT_EQ(Resume(SSO_REPLY_FAILED, "", kNow, SSO_STORE_TIMEOUT).gate, SSO_GATE_ERROR);
}

// A refusal by an sso_require line: "denied", and an audit line with the rule, who, and the
// request id the caller gives when it renders the page.
TEST_F(GateTest, ARefusalHasItsDecisionAndAuditLine) {
  sso_access_rules *rules = nullptr;
  std::array<sso_str, 2> line{S("role"), S("admin")};
  ASSERT_EQ(sso_access_rules_add(&rules, line.data(), line.size(), S("t:1")), SSO_OK);
  auto [cookie, key, record] = NewSession();
  sso_gate_request req{S("GET"), S("/admin"), S("text/html"), S(""), S(""), S(cookie), kNow, rules};
  sso_step step;
  ASSERT_EQ(sso_gate_begin(txn_.get(), &req, &step), SSO_OK);
  read_id_ = step.read_id;
  step = Resume(SSO_REPLY_STRING, record, kNow + 1000);
  EXPECT_EQ(step.kind, SSO_STEP_ERROR);
  EXPECT_EQ(step.gate, SSO_GATE_DENIED);
  sso_step page;
  ASSERT_EQ(sso_error_page(txn_.get(), SSO_ACCESS_DENIED, S("rid-7"), &page), SSO_OK);
  std::string audit = Str(page.audit);
  EXPECT_NE(audit.find("\"event\":\"access_denied\""), std::string::npos) << audit;
  EXPECT_NE(audit.find("\"rule\":\"sso_require role admin (t:1)\""), std::string::npos) << audit;
  EXPECT_NE(audit.find("\"subject\":\"00u1\""), std::string::npos) << audit;
  EXPECT_NE(audit.find("\"request_id\":\"rid-7\""), std::string::npos) << audit;
  EXPECT_EQ(audit.find(cookie), std::string::npos) << "no cookie";
  sso_access_rules_destroy(rules);
}
