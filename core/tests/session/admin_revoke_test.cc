// sso-admin's revocation: one EVAL over the person's index, the app told with reason "admin"
// when sessions ended, and a JSON result with its audit line.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "engine/store_keys.h"
#include "support/test_support.h"

namespace {

using namespace sso_test;
using Json = nlohmann::json;
constexpr int64_t kNow = 1'700'000'000'000;

TEST(AdminRevoke, EndsThePersonsIndexedSessionsInOneScript) {
  auto engine = MakeEngine();
  auto txn = MakeTxn(engine.get());
  sso_step step;
  ASSERT_EQ(sso_admin_revoke_begin(txn.get(), S("corp"), S("00u1"), S("r1"), &step), SSO_OK);
  ASSERT_EQ(step.kind, SSO_STEP_STORE);
  ASSERT_EQ(step.commands_count, 1u);
  auto eval = Args(step.commands[0]);
  ASSERT_EQ(eval.size(), 7u);
  EXPECT_EQ(eval[0], "EVAL");
  EXPECT_EQ(eval[2], "1");
  EXPECT_EQ(eval[3], sso::SubjectIndexKey("sso:", "corp", "00u1"));
  EXPECT_EQ(eval[4], "sso:");
  EXPECT_EQ(eval[5], "sso:revoked");
  EXPECT_EQ(eval[6], "00u1") << "only records of that subject end";
}

TEST(AdminRevoke, TellsTheAppWhenSessionsEnded) {
  auto engine = MakeEngine();
  sso_provisioning_config hook{S("http://127.0.0.1:9/hook"), S("hook-secret-0123456789"), 5000, 0};
  ASSERT_EQ(sso_engine_set_provisioning(engine.get(), &hook), SSO_OK);
  auto txn = MakeTxn(engine.get());
  sso_step step;
  ASSERT_EQ(sso_admin_revoke_begin(txn.get(), S("corp"), S("00u1"), S("r1"), &step), SSO_OK);
  sso_store_reply answer{SSO_REPLY_STRING, S("2\n42"), 0, SSO_OK};
  ASSERT_EQ(sso_flow_resume(txn.get(), &answer, 1, kNow, &step), SSO_OK);
  step = PassBarrier(txn.get(), step);
  ASSERT_EQ(step.kind, SSO_STEP_HTTP);
  EXPECT_EQ(Str(step.http.url), "http://127.0.0.1:9/hook");
  Json event = Json::parse(Str(step.http.body));
  EXPECT_EQ(event["event"], "logout");
  EXPECT_EQ(event["reason"], "admin");
  EXPECT_EQ(event["sessions"], 2);
  EXPECT_NE(Str(step.http.headers).find("X-SSO-Signature"), std::string::npos) << "signed";

  ASSERT_EQ(sso_flow_resume_http(txn.get(), 500, S(""), kNow, &step), SSO_OK);
  ASSERT_EQ(step.kind, SSO_STEP_PAGE);
  Json result = Json::parse(Str(step.body));
  EXPECT_EQ(result["sessions"], 2);
  EXPECT_EQ(result["user"], "42");
  EXPECT_EQ(result["app"], "status 500") << "a failure to tell the app is reported";
  Json audit = Json::parse(Str(step.audit));
  EXPECT_EQ(audit["reason"], "admin");
  EXPECT_EQ(audit["app"], "status 500");
  EXPECT_EQ(audit["request_id"], "r1");
}

TEST(AdminRevoke, NothingEndedTellsNobody) {
  auto engine = MakeEngine();
  sso_provisioning_config hook{S("http://127.0.0.1:9/hook"), S("hook-secret-0123456789"), 5000, 0};
  ASSERT_EQ(sso_engine_set_provisioning(engine.get(), &hook), SSO_OK);
  auto txn = MakeTxn(engine.get());
  sso_step step;
  ASSERT_EQ(sso_admin_revoke_begin(txn.get(), S("corp"), S("00u1"), S("r1"), &step), SSO_OK);
  sso_store_reply answer{SSO_REPLY_STRING, S("0\n"), 0, SSO_OK};
  ASSERT_EQ(sso_flow_resume(txn.get(), &answer, 1, kNow, &step), SSO_OK);
  step = PassBarrier(txn.get(), step);
  ASSERT_EQ(step.kind, SSO_STEP_PAGE);
  EXPECT_EQ(Json::parse(Str(step.body))["sessions"], 0);
}

TEST(AdminRevoke, AStoreFailureIsAnError) {
  auto engine = MakeEngine();
  auto txn = MakeTxn(engine.get());
  sso_step step;
  ASSERT_EQ(sso_admin_revoke_begin(txn.get(), S("corp"), S("00u1"), S("r1"), &step), SSO_OK);
  sso_store_reply bad{SSO_REPLY_INTEGER, S(""), 1, SSO_OK};
  ASSERT_EQ(sso_flow_resume(txn.get(), &bad, 1, kNow, &step), SSO_OK);
  EXPECT_EQ(step.kind, SSO_STEP_ERROR);
  EXPECT_EQ(step.reason, SSO_STORE_UNEXPECTED_REPLY);
  EXPECT_EQ(sso_admin_revoke_begin(txn.get(), S(""), S("00u1"), S("r1"), &step),
            SSO_ERR_INVALID_ARGUMENT);
}

TEST(AdminRevoke, ByUserIdOrEmailUsesTheirIndexesAcrossProviders) {
  auto engine = MakeEngine();
  auto txn = MakeTxn(engine.get());
  sso_step step;
  ASSERT_EQ(sso_admin_revoke_by(txn.get(), SSO_ADMIN_BY_USER, S(""), S("42"), S("r1"), &step),
            SSO_OK);
  auto eval = Args(step.commands[0]);
  EXPECT_EQ(eval[3], sso::UserIndexKey("sso:", "42"));
  EXPECT_EQ(eval[6], "") << "every session the login put in the index";
  sso_store_reply answer{SSO_REPLY_STRING, S("1\n42"), 0, SSO_OK};
  ASSERT_EQ(sso_flow_resume(txn.get(), &answer, 1, kNow, &step), SSO_OK);
  step = PassBarrier(txn.get(), step);
  ASSERT_EQ(step.kind, SSO_STEP_PAGE);
  Json audit = Json::parse(Str(step.audit));
  EXPECT_EQ(audit["by"], "user");
  EXPECT_EQ(audit["user"], "42");
  EXPECT_EQ(audit["sessions"], 1);

  txn = MakeTxn(engine.get());
  ASSERT_EQ(sso_admin_revoke_by(txn.get(), SSO_ADMIN_BY_EMAIL, S(""), S("Sam@Corp.example"),
                                S("r2"), &step),
            SSO_OK);
  EXPECT_EQ(Args(step.commands[0])[3], sso::EmailIndexKey("sso:", "sam@corp.example"))
      << "an email names the same index in any case";
  sso_store_reply none{SSO_REPLY_STRING, S("0\n"), 0, SSO_OK};
  ASSERT_EQ(sso_flow_resume(txn.get(), &none, 1, kNow, &step), SSO_OK);
  step = PassBarrier(txn.get(), step);
  audit = Json::parse(Str(step.audit));
  EXPECT_EQ(audit["by"], "email");
  EXPECT_EQ(audit["email"], "Sam@Corp.example");
}

TEST(AdminRevoke, ANameMustFitItsKind) {
  auto engine = MakeEngine();
  auto txn = MakeTxn(engine.get());
  sso_step step;
  EXPECT_EQ(sso_admin_revoke_by(txn.get(), SSO_ADMIN_BY_USER, S("corp"), S("42"), S("r"), &step),
            SSO_ERR_INVALID_ARGUMENT)
      << "a user id is the app's, not a provider's";
  EXPECT_EQ(sso_admin_revoke_by(txn.get(), SSO_ADMIN_BY_EMAIL, S(""), S(""), S("r"), &step),
            SSO_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(
      // 3: no name, but within the enum's range (a value outside it would be undefined behaviour)
      sso_admin_revoke_by(txn.get(), static_cast<sso_admin_by>(3), S(""), S("x"), S("r"), &step),
      SSO_ERR_INVALID_ARGUMENT);
}

}  // namespace
