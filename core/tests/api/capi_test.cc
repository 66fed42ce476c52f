// The C boundary: argument checks, status table, and no exception ever escaping.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "support/test_support.h"

namespace {

using namespace sso_test;

TEST(StatusTable, EveryStatusHasAUniqueNameAndMessage) {
  std::set<std::string> names;
  for (int s = 0; s < SSO_STATUS_COUNT; ++s) {
    std::string name = sso_status_name(static_cast<sso_status>(s));
    EXPECT_FALSE(name.empty());
    EXPECT_TRUE(names.insert(name).second) << name;
    EXPECT_FALSE(std::string(sso_status_message(static_cast<sso_status>(s))).empty());
  }
  EXPECT_STREQ(sso_status_name(SSO_SESSION_NOT_FOUND), "SESSION_NOT_FOUND");
  EXPECT_STREQ(sso_status_name(static_cast<sso_status>(9999)), "ERR_INTERNAL");
}

// The enumerators as sso.h declares them, in order: an independent list to hold the name
// table against, so a name given to the wrong value fails here.
std::vector<std::string> DeclaredStatuses() {
  std::ifstream header(SSO_SOURCE_DIR "/core/include/sso/sso.h");
  std::stringstream text;
  text << header.rdbuf();
  std::string all = text.str();
  size_t begin = all.find("typedef enum {\n  SSO_OK = 0,");
  size_t end = all.find("} sso_status;", begin);
  std::string body = all.substr(begin, end - begin);
  std::vector<std::string> names;
  std::regex enumerator(R"(\b(SSO_[A-Z0-9_]+)\b)");
  for (auto it = std::sregex_iterator(body.begin(), body.end(), enumerator);
       it != std::sregex_iterator(); ++it)
    names.push_back((*it)[1].str());
  return names;
}

TEST(StatusTable, EachNameIsItsEnumerator) {
  std::vector<std::string> declared = DeclaredStatuses();
  ASSERT_EQ(declared.size(), static_cast<size_t>(SSO_STATUS_COUNT) + 1);  // and the count
  ASSERT_EQ(declared.back(), "SSO_STATUS_COUNT");
  for (int s = 0; s < SSO_STATUS_COUNT; ++s)
    EXPECT_EQ("SSO_" + std::string(sso_status_name(static_cast<sso_status>(s))), declared[s])
        << "value " << s;
}

TEST(CApi, NullArgumentsAreRefusedNotCrashed) {
  sso_engine *engine = nullptr;
  EXPECT_EQ(sso_engine_create(nullptr, &engine), SSO_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(sso_txn_create(nullptr, nullptr), SSO_ERR_INVALID_ARGUMENT);
  sso_step step;
  EXPECT_EQ(sso_gate_begin(nullptr, nullptr, &step), SSO_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(sso_txn_identity_field(nullptr, SSO_FIELD_USER).len, 0u);
  sso_engine_destroy(nullptr);
  sso_txn_destroy(nullptr);

  auto e = MakeEngine();
  auto txn = MakeTxn(e.get());
  sso_identity id{};
  id.groups_count = 3;  // count without an array
  std::array<uint8_t, 32> random{};
  sso_session_plan plan;
  EXPECT_EQ(sso_session_plan_create(txn.get(), &id, random.data(), 32, 0, &plan),
            SSO_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(sso_gate_resume_read(txn.get(), &step), SSO_ERR_BAD_STATE);
  EXPECT_EQ(sso_gate_resume_read(nullptr, &step), SSO_ERR_INVALID_ARGUMENT);
}

TEST(CApi, InputsNeedNoTerminator) {
  auto e = MakeEngine();
  auto txn = MakeTxn(e.get());
  // The cookie view stops before the trailing garbage.
  std::string buffer = std::string(43, 'A') + "GARBAGE";
  sso_gate_request req{S("GET"), S("/"), S(""), S(""), S(""), {buffer.data(), 43}, 0};
  sso_step step;
  ASSERT_EQ(sso_gate_begin(txn.get(), &req, &step), SSO_OK);
  EXPECT_EQ(step.kind, SSO_STEP_SESSION_READ);
}

}  // namespace
