#include <gtest/gtest.h>

#include <array>

#include "engine/store_keys.h"
#include "session/session_id.h"
#include "support/test_support.h"

namespace {

using namespace sso_test;

constexpr int64_t kNow = 1'700'000'000'000;

sso_identity Identity(std::string_view subject = "00u1") {
  return {S("corp"), S(subject), S(""),   S("42"), S("a@b"), S("A"),
          nullptr,   0,          nullptr, 0,       nullptr,  0};
}

TEST(SessionPlan, WritesHashedRecordIndexAndSecureCookie) {
  EngineOptions o;
  auto engine = MakeEngine(o);
  auto txn = MakeTxn(engine.get());
  std::array<uint8_t, 32> random{1, 2, 3};
  sso_identity id = Identity();
  sso_session_plan plan;
  ASSERT_EQ(sso_session_plan_create(txn.get(), &id, random.data(), random.size(), kNow, &plan),
            SSO_OK);

  std::string cookie = Str(plan.cookie_value);
  std::string digest = sso::Sha256Hex(cookie);
  // the record, then three commands per index: subject, app user id, email
  ASSERT_EQ(plan.commands_count, 10u);
  auto set = Args(plan.commands[0]);
  EXPECT_EQ(set[0], "SET");
  EXPECT_EQ(set[1], "sso:s:" + digest);
  EXPECT_EQ(set[3], "PX");
  EXPECT_EQ(set[4], std::to_string(o.idle_ms));
  auto sadd = Args(plan.commands[1]);
  EXPECT_EQ(sadd[0], "SADD");
  EXPECT_EQ(sadd[1].rfind("sso:u:", 0), 0u);
  EXPECT_EQ(sadd[2], digest);
  EXPECT_EQ(Args(plan.commands[2]).back(), "NX");
  EXPECT_EQ(Args(plan.commands[3]).back(), "GT");

  // sso-admin finds the session by the app's user id and by the email (any case), in indexes
  // that outlive it like the subject's
  auto uid = Args(plan.commands[4]);
  EXPECT_EQ(uid[0], "SADD");
  EXPECT_EQ(uid[1], sso::UserIndexKey("sso:", "42"));
  EXPECT_EQ(uid[2], digest);
  auto email = Args(plan.commands[7]);
  EXPECT_EQ(email[1], sso::EmailIndexKey("sso:", "A@B"));
  EXPECT_EQ(email[2], digest);
  EXPECT_EQ(Args(plan.commands[9]).back(), "GT");

  // The cookie secret appears in no command.
  for (size_t i = 0; i < plan.commands_count; ++i)
    for (const auto &arg : Args(plan.commands[i])) EXPECT_EQ(arg.find(cookie), std::string::npos);

  EXPECT_EQ(Str(plan.set_cookie),
            "__Host-sso=" + cookie + "; Path=/; Max-Age=28800; Secure; HttpOnly; SameSite=Lax");
}

TEST(SessionPlan, EveryLoginGetsAFreshId) {
  auto engine = MakeEngine();
  auto txn = MakeTxn(engine.get());
  sso_identity id = Identity();
  std::array<uint8_t, 32> a{1}, b{2};
  sso_session_plan plan;
  ASSERT_EQ(sso_session_plan_create(txn.get(), &id, a.data(), 32, kNow, &plan), SSO_OK);
  std::string first = Str(plan.cookie_value);
  ASSERT_EQ(sso_session_plan_create(txn.get(), &id, b.data(), 32, kNow, &plan), SSO_OK);
  EXPECT_NE(first, Str(plan.cookie_value));
}

TEST(SessionPlan, RefusesBadIdentitiesAndShortRandom) {
  auto engine = MakeEngine();
  auto txn = MakeTxn(engine.get());
  std::array<uint8_t, 32> random{};
  sso_session_plan plan;
  sso_identity id = Identity("");
  EXPECT_EQ(sso_session_plan_create(txn.get(), &id, random.data(), 32, kNow, &plan),
            SSO_IDENTITY_MISSING_SUBJECT);
  id = Identity("a\nb");
  EXPECT_EQ(sso_session_plan_create(txn.get(), &id, random.data(), 32, kNow, &plan),
            SSO_IDENTITY_BAD_CHARACTER);
  id = Identity();
  EXPECT_EQ(sso_session_plan_create(txn.get(), &id, random.data(), 16, kNow, &plan),
            SSO_ERR_INVALID_ARGUMENT);
}

TEST(SessionPlan, WithoutIdleTheRecordLivesForTheTtl) {
  EngineOptions o;
  o.idle_ms = 0;
  auto engine = MakeEngine(o);
  auto txn = MakeTxn(engine.get());
  std::array<uint8_t, 32> random{};
  sso_identity id = Identity();
  sso_session_plan plan;
  ASSERT_EQ(sso_session_plan_create(txn.get(), &id, random.data(), 32, kNow, &plan), SSO_OK);
  EXPECT_EQ(Args(plan.commands[0])[4], std::to_string(o.ttl_ms));
}

}  // namespace
