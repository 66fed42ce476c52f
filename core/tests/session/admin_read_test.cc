// sso-admin's reads: a person's sessions through the index their logins wrote (one read-only
// EVAL), and the account record of just-in-time provisioning.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "engine/store_keys.h"
#include "session/record.h"
#include "support/test_support.h"

namespace {

using namespace sso_test;
using Json = nlohmann::json;
constexpr int64_t kNow = 1'700'000'000'000;
constexpr int64_t kIdle = 30 * 60 * 1000LL;

std::string Record(const std::string &provider, const std::string &subject, int64_t created) {
  sso::SessionRecord r;
  r.identity.provider = provider;
  r.identity.subject = subject;
  r.identity.user = "42";
  r.identity.email = "Sam@Corp.example";
  r.created_ms = created;
  r.expires_ms = created + 8 * 3600 * 1000LL;
  return sso::SerializeRecord(r);
}

TEST(AdminSessions, ListsTheNamedPersonsLiveSessionsWithLastSeen) {
  auto engine = MakeEngine();
  auto txn = MakeTxn(engine.get());
  sso_step step;
  ASSERT_EQ(
      sso_admin_sessions_begin(txn.get(), SSO_ADMIN_BY_SUBJECT, S("corp"), S("00u1"), kNow, &step),
      SSO_OK);
  ASSERT_EQ(step.kind, SSO_STEP_STORE);
  ASSERT_EQ(step.commands_count, 1u);
  auto eval = Args(step.commands[0]);
  EXPECT_EQ(eval[0], "EVAL");
  EXPECT_EQ(eval[3], sso::SubjectIndexKey("sso:", "corp", "00u1"));
  EXPECT_EQ(eval[1].find("getex"), std::string::npos) << "reading never slides a session";

  std::string a(64, 'a'), b(64, 'b'), c(64, 'c');
  Json reply = {{"t", false},
                {"s",
                 {{b, Record("corp", "00u1", kNow - 7200000), kIdle - 60000},
                  {a, Record("corp", "00u1", kNow - 3600000), -1},
                  {c, Record("corp", "00u2", kNow), kIdle}}}};
  std::string text = reply.dump();
  sso_store_reply r{SSO_REPLY_STRING, S(text), 0, SSO_OK};
  ASSERT_EQ(sso_flow_resume(txn.get(), &r, 1, kNow, &step), SSO_OK);
  ASSERT_EQ(step.kind, SSO_STEP_PAGE);
  Json answer = Json::parse(Str(step.body));
  ASSERT_EQ(answer["sessions"].size(), 2u) << "another subject's record is not listed";
  Json first = answer["sessions"][0];  // oldest first
  EXPECT_EQ(first["session"], b.substr(0, 12));
  EXPECT_EQ(first["created_ms"], kNow - 7200000);
  EXPECT_EQ(first["idle_expires_ms"], kNow + kIdle - 60000);
  EXPECT_EQ(first["last_seen_ms"], kNow - 60000);
  EXPECT_EQ(first["email"], "Sam@Corp.example");
  EXPECT_FALSE(answer["sessions"][1].contains("last_seen_ms")) << "no TTL, no last seen";
  EXPECT_EQ(answer["truncated"], false);
}

TEST(AdminSessions, ByEmailInAnyCaseAndNoneIsAnEmptyList) {
  auto engine = MakeEngine();
  auto txn = MakeTxn(engine.get());
  sso_step step;
  ASSERT_EQ(sso_admin_sessions_begin(txn.get(), SSO_ADMIN_BY_EMAIL, S(""), S("sam@corp.EXAMPLE"),
                                     kNow, &step),
            SSO_OK);
  EXPECT_EQ(Args(step.commands[0])[3], sso::EmailIndexKey("sso:", "Sam@Corp.example"));
  std::string text =
      Json{{"t", true}, {"s", {{std::string(64, 'a'), Record("x", "y", kNow), 5}}}}.dump();
  sso_store_reply r{SSO_REPLY_STRING, S(text), 0, SSO_OK};
  ASSERT_EQ(sso_flow_resume(txn.get(), &r, 1, kNow, &step), SSO_OK);
  Json answer = Json::parse(Str(step.body));
  EXPECT_EQ(answer["sessions"].size(), 1u);
  EXPECT_EQ(answer["truncated"], true);

  txn = MakeTxn(engine.get());
  ASSERT_EQ(sso_admin_sessions_begin(txn.get(), SSO_ADMIN_BY_USER, S(""), S("7"), kNow, &step),
            SSO_OK);
  sso_store_reply empty{SSO_REPLY_STRING, S("{\"s\":{},\"t\":false}"), 0, SSO_OK};
  ASSERT_EQ(sso_flow_resume(txn.get(), &empty, 1, kNow, &step), SSO_OK);
  ASSERT_EQ(step.kind, SSO_STEP_PAGE);
  EXPECT_EQ(Json::parse(Str(step.body))["sessions"], Json::array());
}

TEST(AdminSessions, AnUnexpectedReplyIsAnError) {
  auto engine = MakeEngine();
  auto txn = MakeTxn(engine.get());
  sso_step step;
  ASSERT_EQ(sso_admin_sessions_begin(txn.get(), SSO_ADMIN_BY_USER, S(""), S("7"), kNow, &step),
            SSO_OK);
  sso_store_reply bad{SSO_REPLY_STRING, S("{\"s\":[[1]],\"t\":false}"), 0, SSO_OK};
  ASSERT_EQ(sso_flow_resume(txn.get(), &bad, 1, kNow, &step), SSO_OK);
  EXPECT_EQ(step.kind, SSO_STEP_ERROR);
  EXPECT_EQ(step.reason, SSO_STORE_UNEXPECTED_REPLY);
}

TEST(AdminAccount, ShowsTheProvisioningRecordOrSaysThereIsNone) {
  auto engine = MakeEngine();
  auto txn = MakeTxn(engine.get());
  sso_step step;
  ASSERT_EQ(sso_admin_account_begin(txn.get(), S("https://idp.example"), S("00u1"), kNow, &step),
            SSO_OK);
  ASSERT_EQ(step.commands_count, 2u);
  std::string key = sso::AccountKey("sso:", "https://idp.example", "00u1");
  EXPECT_EQ(Args(step.commands[0]), (std::vector<std::string>{"GET", key}));
  EXPECT_EQ(Args(step.commands[1]), (std::vector<std::string>{"PTTL", key}));
  std::string record = R"({"user_id":"8","roles":["developer"],"hash":"h","at":1699999000000})";
  sso_store_reply replies[] = {{SSO_REPLY_STRING, S(record), 0, SSO_OK},
                               {SSO_REPLY_INTEGER, S(""), 5000, SSO_OK}};
  ASSERT_EQ(sso_flow_resume(txn.get(), replies, 2, kNow, &step), SSO_OK);
  ASSERT_EQ(step.kind, SSO_STEP_PAGE);
  Json answer = Json::parse(Str(step.body));
  EXPECT_EQ(answer["found"], true);
  EXPECT_EQ(answer["user"], "8");
  EXPECT_EQ(answer["roles"], Json::array({"developer"}));
  EXPECT_EQ(answer["provisioned_ms"], 1699999000000);
  EXPECT_EQ(answer["expires_ms"], kNow + 5000);

  txn = MakeTxn(engine.get());
  ASSERT_EQ(sso_admin_account_begin(txn.get(), S("https://idp.example"), S("nobody"), kNow, &step),
            SSO_OK);
  sso_store_reply none[] = {{SSO_REPLY_NIL, S(""), 0, SSO_OK},
                            {SSO_REPLY_INTEGER, S(""), -2, SSO_OK}};
  ASSERT_EQ(sso_flow_resume(txn.get(), none, 2, kNow, &step), SSO_OK);
  EXPECT_EQ(Json::parse(Str(step.body)), (Json{{"found", false}}));
}

}  // namespace
