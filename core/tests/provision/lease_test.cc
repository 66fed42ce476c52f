// Single flight when the hook's outcome is unknown (issue 9): logins of one account driven
// through the provisioning flow against an in-memory store that runs the lock's scripts and
// has a clock. A timed-out call keeps the lock to the end of its lease, a waiter gets the 503
// page instead of calling the hook, the retry after the lease carries the same
// Idempotency-Key, and a provisioning after a completed one gets a new key.
#include <gtest/gtest.h>

#include <deque>
#include <map>
#include <optional>

#include "engine/engine.h"
#include "provision/flow.h"
#include "provision/lock.h"
#include "session/session_id.h"
#include "support/test_support.h"

namespace {

using sso_test::Args;
using sso_test::S;
using sso_test::Str;

constexpr int64_t kT0 = 1'800'000'000'000;
constexpr int64_t kTimeoutMs = 1000;
constexpr int64_t kLeaseMs = 2000;
const std::string kLock = "sso:lock:" + sso::Sha256Hex("https://op.test.invalid\ns-1");
const std::string kAttempt = "sso:attempt:" + sso::Sha256Hex("https://op.test.invalid\ns-1");

// Redis as far as the provisioning flow uses it, with expiry on a clock the test moves.
class Store {
 public:
  int64_t now = kT0;

  std::optional<std::string> Get(const std::string &key) {
    auto it = data_.find(key);
    if (it == data_.end()) return std::nullopt;
    if (it->second.expires && it->second.expires <= now) {
      data_.erase(it);
      return std::nullopt;
    }
    return it->second.value;
  }

  sso_store_reply Run(const std::vector<std::string> &a) {
    const std::string &cmd = a.at(0);
    if (cmd == "GET") return Text(Get(a.at(1)));
    if (cmd == "SET") {
      bool nx = false, keepttl = false;
      int64_t px = 0;
      for (size_t i = 3; i < a.size(); ++i) {
        if (a[i] == "NX") nx = true;
        if (a[i] == "KEEPTTL") keepttl = true;
        if (a[i] == "PX") px = std::stoll(a.at(++i));
      }
      if (nx && Get(a[1])) return Text(std::nullopt);
      int64_t expires = keepttl && Get(a[1]) ? data_[a[1]].expires : px ? now + px : 0;
      data_[a[1]] = {a[2], expires};
      return Status();
    }
    if (cmd == "EVAL") return Eval(a);
    return Status();  // the session's SET / SADD / PEXPIRE: not what these tests look at
  }

 private:
  struct Entry {
    std::string value;
    int64_t expires = 0;
  };
  std::map<std::string, Entry> data_;
  std::deque<std::string> texts_;  // behind the replies' views

  sso_store_reply Text(std::optional<std::string> v) {
    if (!v) return {SSO_REPLY_NIL, {"", 0}, 0, SSO_OK};
    texts_.push_back(*v);
    return {SSO_REPLY_STRING, S(texts_.back()), 0, SSO_OK};
  }
  sso_store_reply Status() { return {SSO_REPLY_STATUS, S("OK"), 0, SSO_OK}; }
  sso_store_reply Integer(long long n) { return {SSO_REPLY_INTEGER, {"", 0}, n, SSO_OK}; }

  // The scripts of provision_lock.cc, step by step as Redis runs them.
  sso_store_reply Eval(const std::vector<std::string> &a) {
    const std::string &script = a.at(1);
    if (script == sso::kAcquireLockScript) {
      const std::string &lock = a.at(3), &attempt = a.at(4), &token = a.at(5);
      if (!Get(lock)) {
        data_[lock] = {token, now + std::stoll(a.at(6))};
        int64_t attempt_expires = now + std::stoll(a.at(8));
        if (auto key = Get(attempt)) {
          data_[attempt].expires = attempt_expires;
          return Text("taken " + *key);
        }
        data_[attempt] = {a.at(7), attempt_expires};
        return Text("new " + a.at(7));
      }
      return Text(Get(lock)->starts_with("u:") ? "unknown" : "busy");
    }
    if (script == sso::kReleaseLockScript) {
      const std::string &lock = a.at(3), &attempt = a.at(4);
      if (Get(lock) != a.at(5)) return Integer(0);
      data_.erase(lock);
      if (!a.at(6).empty() && Get(attempt) == a.at(6)) data_.erase(attempt);
      return Integer(1);
    }
    if (script == sso::kHoldLockScript) {
      if (Get(a.at(3)) != a.at(4)) return Integer(0);
      data_[a.at(3)].value = "u:" + a.at(4);
      return Integer(1);
    }
    ADD_FAILURE() << "unknown script";
    return {SSO_REPLY_ERROR, S("ERR"), 0, SSO_OK};
  }
};

class ProvisionLease : public ::testing::Test {
 protected:
  void SetUp() override {
    engine_ = sso_test::MakeEngine();
    ASSERT_TRUE(engine_);
    sso_provisioning_config config{S("http://127.0.0.1:9/provision"), S("0123456789abcdef"),
                                   kTimeoutMs, kLeaseMs};
    ASSERT_EQ(sso_engine_set_provisioning(engine_.get(), &config), SSO_OK);
  }

  struct Login {
    sso_test::TxnPtr txn;
    sso_step step{};
  };

  // Runs the store steps (and each step's cleanup, as the module does) until the flow asks
  // for something else: the hook call, a wait, or its end.
  void Drive(Login &l) {
    for (;;) {
      if (l.step.cleanup.argc) store_.Run(Args(l.step.cleanup));
      if (l.step.kind != SSO_STEP_STORE) return;
      std::vector<sso_store_reply> replies;
      for (size_t i = 0; i < l.step.commands_count; ++i)
        replies.push_back(store_.Run(Args(l.step.commands[i])));
      ASSERT_EQ(sso_flow_resume(l.txn.get(), replies.data(), replies.size(), store_.now, &l.step),
                SSO_OK);
    }
  }

  Login Begin() {
    Login l{sso_test::MakeTxn(engine_.get())};
    sso::Identity id;
    id.provider = "corp";
    id.issuer = "https://op.test.invalid";
    id.subject = "s-1";
    id.email = "new.hire@corp.example";
    id.attributes["email_verified"] = "true";
    std::vector<uint8_t> random(32, static_cast<uint8_t>(++logins_));
    sso::ProvisionBegin(*l.txn, {"oidc", id, random, "/", ""}, store_.now, l.step);
    Drive(l);
    return l;
  }

  void Answer(Login &l, int status, std::string_view body) {
    ASSERT_EQ(l.step.kind, SSO_STEP_HTTP);
    ASSERT_EQ(sso_flow_resume_http(l.txn.get(), status, S(body), store_.now, &l.step), SSO_OK);
    Drive(l);
  }

  void Wait(Login &l) {
    ASSERT_EQ(l.step.kind, SSO_STEP_WAIT);
    ASSERT_EQ(sso_flow_resume_wait(l.txn.get(), store_.now, &l.step), SSO_OK);
    Drive(l);
  }

  static std::string KeyOf(const Login &l) {
    std::string headers = Str(l.step.http.headers);
    std::string name = "Idempotency-Key: ";
    auto at = headers.find(name);
    if (l.step.kind != SSO_STEP_HTTP || at == std::string::npos) return "";
    return headers.substr(at + name.size(), headers.find("\r\n", at) - at - name.size());
  }

  int PageStatus(const Login &l) {
    sso_step page{};
    if (sso_error_page(l.txn.get(), l.step.reason, S("req"), &page) != SSO_OK) return -1;
    return page.http_status;
  }

  sso_test::EnginePtr engine_;
  Store store_;
  int logins_ = 0;
};

TEST_F(ProvisionLease, ATimedOutCallKeepsTheLockAndTheRetryReusesItsKey) {
  Login first = Begin();
  std::string key = KeyOf(first);
  ASSERT_EQ(key.size(), 32u) << "the first login calls the hook";
  Login tab = Begin();
  ASSERT_EQ(tab.step.kind, SSO_STEP_WAIT) << "the second tab waits for the lock";

  store_.now += kTimeoutMs;
  Answer(first, 0, "");  // the call timed out: did the app make the account? Nobody knows.
  EXPECT_EQ(first.step.kind, SSO_STEP_ERROR);
  EXPECT_EQ(first.step.reason, SSO_JIT_UNAVAILABLE);
  EXPECT_TRUE(store_.Get(kLock)) << "the lock stays until its lease ends";

  Wait(tab);
  EXPECT_EQ(tab.step.kind, SSO_STEP_ERROR) << "the waiter does not call the hook";
  EXPECT_EQ(tab.step.reason, SSO_JIT_BUSY);
  EXPECT_EQ(PageStatus(tab), 503);
  Login soon = Begin();
  EXPECT_EQ(soon.step.kind, SSO_STEP_ERROR) << "nor does a retry within the lease";
  EXPECT_EQ(soon.step.reason, SSO_JIT_BUSY);

  store_.now = kT0 + kLeaseMs;  // the lease ends
  EXPECT_FALSE(store_.Get(kLock));
  Login retry = Begin();
  EXPECT_EQ(KeyOf(retry), key) << "the retry after the lease carries the same Idempotency-Key";
  Answer(retry, 201, R"({"user_id":"42"})");
  EXPECT_EQ(retry.step.kind, SSO_STEP_REDIRECT);
  EXPECT_FALSE(store_.Get(kLock)) << "a known outcome releases the lock";
  EXPECT_FALSE(store_.Get(kAttempt)) << "and ends the attempt";

  store_.now += 60'000;
  Login later = Begin();
  ASSERT_EQ(later.step.kind, SSO_STEP_HTTP) << "sync on_each_login calls the hook again";
  EXPECT_NE(KeyOf(later), key) << "a new provisioning after a completed one gets a new key";
}

TEST_F(ProvisionLease, ASuccessfulCallThenALaterProvisioningUsesANewKey) {
  Login first = Begin();
  std::string key = KeyOf(first);
  Login tab = Begin();
  Answer(first, 201, R"({"user_id":"42"})");
  ASSERT_EQ(first.step.kind, SSO_STEP_REDIRECT);
  Wait(tab);
  EXPECT_EQ(tab.step.kind, SSO_STEP_REDIRECT) << "the waiter uses the account the first one got";
  EXPECT_FALSE(store_.Get(kLock));
  EXPECT_FALSE(store_.Get(kAttempt)) << "the waiter, which never called, leaves no attempt";
  store_.now += 1000;
  Login later = Begin();
  ASSERT_EQ(later.step.kind, SSO_STEP_HTTP);
  EXPECT_NE(KeyOf(later), key);
  EXPECT_EQ(KeyOf(later).size(), 32u);
}

// Which answers leave the outcome unknown (lock held, key kept) and which say what happened.
TEST_F(ProvisionLease, UnknownOutcomesHoldTheLockKnownOnesReleaseIt) {
  struct Case {
    int status;
    const char *body;
    bool known;
  };
  for (const Case &c : std::initializer_list<Case>{
           {0, "", false},                         // timeout, reset, cut short, two answers
           {500, "{}", false},                     // may come after the insert
           {502, "", false},                       // a proxy in front of a busy app
           {504, "", false},                       // ... whose app is still working
           {200, "not json", false},               // the app did something we cannot read
           {201, R"({"user_id":""})", false},      //
           {201, R"({"user_id":"a\nb"})", false},  //
           {403, R"({"reason":"no"})", true},      // denied
           {202, "{}", true},                      // pending
           {409, "{}", true},                      // conflict
           {404, "", true},                        // the app refused the request
           {401, R"({"reason":"bad signature"})", true},
           {201, R"({"user_id":"42"})", true},  // created
       }) {
    SCOPED_TRACE(std::to_string(c.status) + " " + c.body);
    store_.now += 60'000;  // a fresh start: any earlier lease is over
    Login l = Begin();
    std::string key = KeyOf(l);
    Answer(l, c.status, c.body);
    EXPECT_EQ(store_.Get(kLock).has_value(), !c.known);
    if (!c.known) {
      EXPECT_TRUE(store_.Get(kLock)->starts_with("u:")) << "marked: waiters stop waiting";
      store_.now += kLeaseMs;
      Login retry = Begin();
      EXPECT_EQ(KeyOf(retry), key) << "the retry reuses the unknown attempt's key";
      Answer(retry, 403, "{}");  // a known outcome ends the attempt
    }
    EXPECT_FALSE(store_.Get(kAttempt)) << "the next provisioning gets a new key";
  }
}

// A resume the stage does not wait for is refused and changes nothing.
TEST_F(ProvisionLease, EachStageTakesOnlyTheResumeItWaitsFor) {
  Login first = Begin();
  ASSERT_EQ(first.step.kind, SSO_STEP_HTTP);
  Login tab = Begin();
  ASSERT_EQ(tab.step.kind, SSO_STEP_WAIT);
  sso_step step{};
  sso_store_reply nil{SSO_REPLY_NIL, S(""), 0, SSO_OK};
  EXPECT_EQ(sso_flow_resume_wait(first.txn.get(), store_.now, &step), SSO_ERR_BAD_STATE);
  EXPECT_EQ(sso_gate_resume_read(first.txn.get(), &step), SSO_ERR_BAD_STATE);
  EXPECT_EQ(sso_flow_resume_http(tab.txn.get(), 201, S("{}"), store_.now, &step),
            SSO_ERR_BAD_STATE);
  EXPECT_EQ(sso_gate_resume_read(tab.txn.get(), &step), SSO_ERR_BAD_STATE);

  Answer(first, 201, R"({"user_id":"42"})");
  EXPECT_EQ(first.step.kind, SSO_STEP_REDIRECT);
  Wait(tab);
  EXPECT_EQ(tab.step.kind, SSO_STEP_REDIRECT);
  for (Login *l : {&first, &tab}) {
    EXPECT_EQ(sso_flow_resume(l->txn.get(), &nil, 1, store_.now, &step), SSO_ERR_BAD_STATE);
    EXPECT_EQ(sso_flow_resume_http(l->txn.get(), 201, S("{}"), store_.now, &step),
              SSO_ERR_BAD_STATE);
    EXPECT_EQ(sso_flow_resume_wait(l->txn.get(), store_.now, &step), SSO_ERR_BAD_STATE);
  }
}

TEST(ProvisionLeaseConfig, TheLeaseMustOutliveTheCall) {
  auto engine = sso_test::MakeEngine();
  auto set = [&](int64_t timeout, int64_t lease) {
    sso_provisioning_config c{S("http://127.0.0.1:9/p"), S("0123456789abcdef"), timeout, lease};
    return sso_engine_set_provisioning(engine.get(), &c);
  };
  EXPECT_EQ(set(5000, 0), SSO_OK) << "default: timeout + 5 s";
  EXPECT_EQ(engine->provisioning->lease_ms, 10000);
  EXPECT_EQ(set(1000, 2000), SSO_OK);
  EXPECT_EQ(set(2000, 2000), SSO_CONFIG_BAD_HOOK_LEASE);
  EXPECT_EQ(set(2000, 2999), SSO_CONFIG_BAD_HOOK_LEASE);
  EXPECT_EQ(set(2000, -1), SSO_CONFIG_BAD_HOOK_LEASE);
  EXPECT_STREQ(sso_status_name(SSO_CONFIG_BAD_HOOK_LEASE), "CONFIG_BAD_HOOK_LEASE");
}

}  // namespace
