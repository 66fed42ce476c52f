// The revoke script's answer: how many ended, whose, and which digests were announced.
#include "session/revoke.h"

#include <gtest/gtest.h>

#include "session/session_id.h"
#include "support/test_support.h"

namespace {

using sso_test::S;

TEST(RevokeAnswer, ReadsCountUserAndTheAnnouncedDigests) {
  std::string d1 = sso::Sha256Hex("a"), d2 = sso::Sha256Hex("b");
  std::string text = "2\n42\n" + d1 + " " + d2 + " not-a-digest";
  sso_store_reply reply{SSO_REPLY_STRING, S(text), 0, SSO_OK};
  sso::RevokeAnswer answer;
  ASSERT_TRUE(sso::ReadRevokeAnswer(reply, answer));
  EXPECT_EQ(answer.sessions, 2);
  EXPECT_EQ(answer.user, "42");
  EXPECT_EQ(answer.digests, (std::vector<std::string>{d1, d2}));
}

TEST(RevokeAnswer, NothingEnded) {
  sso_store_reply reply{SSO_REPLY_STRING, S("0\n\n"), 0, SSO_OK};
  sso::RevokeAnswer answer;
  ASSERT_TRUE(sso::ReadRevokeAnswer(reply, answer));
  EXPECT_EQ(answer.sessions, 0);
  EXPECT_TRUE(answer.digests.empty());
}

TEST(RevokeAnswer, RefusesWhatTheScriptCannotSay) {
  sso::RevokeAnswer answer;
  for (const char *text : {"", "x\n", "12", "-1\nu"}) {
    sso_store_reply reply{SSO_REPLY_STRING, S(text), 0, SSO_OK};
    EXPECT_FALSE(sso::ReadRevokeAnswer(reply, answer)) << text;
  }
  sso_store_reply integer{SSO_REPLY_INTEGER, S(""), 2, SSO_OK};
  EXPECT_FALSE(sso::ReadRevokeAnswer(integer, answer));
}

}  // namespace
