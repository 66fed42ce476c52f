// Logins of a provider with SCIM (scim/login_match.h): refused while the SCIM user they match
// is deactivated or deleted, checked again once the session is written (a deactivation that
// came meanwhile deletes it again), remembered where a deactivation looks for the person's
// sessions, and given the account the app made when SCIM provisioned the person.
#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <nlohmann/json.hpp>

#include "engine/engine.h"
#include "engine/store_keys.h"
#include "engine/txn.h"
#include "provision/flow.h"
#include "scim/login_match.h"
#include "scim/store.h"
#include "support/test_support.h"

namespace {

using namespace sso_test;
using Json = nlohmann::json;

constexpr int64_t kNow = 1'800'000'000'000;

class ScimLogin : public ::testing::Test {
 protected:
  void SetUp() override {
    engine_ = MakeEngine();
    engine_->scim["corp"] = {};  // SCIM on for the provider (the token plays no part here)
  }

  void WithHook() {
    sso_provisioning_config hook{S("http://127.0.0.1:9/hook"), S("0123456789abcdef"), 1000, 0};
    ASSERT_EQ(sso_engine_set_provisioning(engine_.get(), &hook), SSO_OK);
  }

  void Begin(const std::string &subject = "00u-dana") {
    txn_ = MakeTxn(engine_.get());
    sso::Identity id;
    id.provider = "corp";
    id.issuer = "https://op.test.invalid";
    id.subject = subject;
    id.email = "Dana@corp.example";
    id.attributes["email_verified"] = "true";
    step_ = sso_step{};
    sso::ProvisionBegin(*txn_, {"oidc", id, std::vector<uint8_t>(32, 7), "/app", ""}, kNow, step_);
  }

  void Reply(std::vector<sso_store_reply> replies) {
    ASSERT_EQ(sso_flow_resume(txn_.get(), replies.data(), replies.size(), kNow, &step_), SSO_OK);
  }

  // Every command of the step answered OK, and the last one (the SCIM check) with `last`.
  void ReplyAllThen(const std::string &last) {
    ASSERT_EQ(step_.kind, SSO_STEP_STORE);
    std::vector<sso_store_reply> replies(step_.commands_count,
                                         sso_store_reply{SSO_REPLY_STATUS, S("OK"), 0, SSO_OK});
    texts_.push_back(last);
    replies.back() = {SSO_REPLY_STRING, S(texts_.back()), 0, SSO_OK};
    Reply(replies);
  }

  sso_store_reply Text(const std::string &text) {
    texts_.push_back(text);
    return {SSO_REPLY_STRING, S(texts_.back()), 0, SSO_OK};
  }

  EnginePtr engine_;
  TxnPtr txn_;
  sso_step step_{};
  std::deque<std::string> texts_;
};

TEST_F(ScimLogin, FirstAsksWhetherThePersonIsDeactivated) {
  Begin();
  ASSERT_EQ(step_.kind, SSO_STEP_STORE);
  ASSERT_EQ(step_.commands_count, 1u);
  auto eval = Args(step_.commands[0]);
  EXPECT_EQ(eval[1], sso::scim::kMatchLoginScript);
  EXPECT_EQ(eval[2], "4");
  EXPECT_EQ(eval[3], sso::scim::ValueKey("sso:", "corp", 'x', "00u-dana"));
  EXPECT_EQ(eval[6], sso::scim::ValueKey("sso:", "corp", 'e', "dana@corp.example"));

  Reply({Text("1\n")});
  EXPECT_EQ(step_.kind, SSO_STEP_ERROR);
  EXPECT_EQ(step_.reason, SSO_JIT_ACCOUNT_INACTIVE);
  EXPECT_EQ(step_.http_status, 403);
  EXPECT_NE(Str(step_.body).find("Account deactivated"), std::string::npos);
  Json audit = Json::parse(Str(step_.audit));
  EXPECT_EQ(audit["decision"], "denied");
  EXPECT_EQ(audit["reason"], "JIT_ACCOUNT_INACTIVE");

  Begin();
  Reply({FailedReply(SSO_STORE_TIMEOUT)});
  EXPECT_EQ(step_.reason, SSO_STORE_TIMEOUT) << "unknown: not let in";
  Begin();
  Reply({Text("maybe")});
  EXPECT_EQ(step_.reason, SSO_STORE_UNEXPECTED_REPLY);
}

TEST_F(ScimLogin, TheSessionIsRememberedAndCheckedAgainOnceWritten) {
  Begin();
  Reply({Text("0\n")});
  ASSERT_EQ(step_.kind, SSO_STEP_STORE) << "no hook: straight to the session";
  std::vector<std::vector<std::string>> commands;
  for (size_t i = 0; i < step_.commands_count; ++i) commands.push_back(Args(step_.commands[i]));
  std::string session_key = commands[0][1];
  EXPECT_EQ(commands[0][0], "SET");
  std::string subject_index = sso::SubjectIndexKey("sso:", "corp", "00u-dana");
  for (auto seen : {sso::scim::SeenKey("sso:", "corp", 'x', "00u-dana"),
                    sso::scim::SeenKey("sso:", "corp", 'n', "00u-dana"),
                    sso::scim::SeenKey("sso:", "corp", 'e', "dana@corp.example")}) {
    bool remembered = std::any_of(commands.begin(), commands.end(), [&](const auto &c) {
      return c == std::vector<std::string>{"SADD", seen, subject_index};
    });
    EXPECT_TRUE(remembered) << "the login is found from each of its values";
  }
  EXPECT_EQ(commands.back()[1], sso::scim::kMatchLoginScript) << "checked after the write";

  ReplyAllThen("1\n");  // deactivated while the login was under way
  EXPECT_EQ(step_.kind, SSO_STEP_ERROR);
  EXPECT_EQ(step_.reason, SSO_JIT_ACCOUNT_INACTIVE);
  EXPECT_EQ(step_.set_cookie.len, 0u) << "no cookie";
  EXPECT_EQ(Args(step_.cleanup), (std::vector<std::string>{"DEL", session_key}))
      << "and the session it wrote goes again";

  Begin();
  Reply({Text("0\n")});
  ReplyAllThen("0\n");
  EXPECT_EQ(step_.kind, SSO_STEP_REDIRECT);
  EXPECT_EQ(step_.cleanup.argc, 0u);
}

TEST_F(ScimLogin, AProvisionedPersonsFirstLoginNamesTheirAccount) {
  WithHook();
  Begin();
  Reply({Text("0\n1042")});
  ASSERT_EQ(step_.kind, SSO_STEP_STORE) << "the account's lock";
  Reply({Text("new " + std::string(32, 'a')), {SSO_REPLY_NIL, S(""), 0, SSO_OK}});
  ASSERT_EQ(step_.kind, SSO_STEP_HTTP);
  Json call = Json::parse(Str(step_.http.body));
  EXPECT_EQ(call["user_id"], "1042");
  EXPECT_EQ(call["first_login"], true);
}

TEST_F(ScimLogin, ProvidersWithoutScimAskNothing) {
  engine_->scim.clear();
  Begin();
  ASSERT_EQ(step_.kind, SSO_STEP_STORE);
  EXPECT_EQ(Args(step_.commands[0])[0], "SET") << "the session, as before";
  EXPECT_NE(Args(step_.commands[step_.commands_count - 1])[1], sso::scim::kMatchLoginScript);
}

}  // namespace
