#include "email_domain.h"

#include <gtest/gtest.h>

namespace {

TEST(EmailDomain, ExactlyOneAtAndALowerCasedDomain) {
  EXPECT_EQ(sso::EmailDomain("New.Hire@Corp.Example"), "corp.example");
  EXPECT_FALSE(sso::EmailDomain("a@evil.example@corp.example"));
  EXPECT_FALSE(sso::EmailDomain("no-at-sign"));
  EXPECT_FALSE(sso::EmailDomain("@corp.example"));
  EXPECT_FALSE(sso::EmailDomain("a@"));
  EXPECT_FALSE(sso::EmailDomain("a@corp..example"));
  EXPECT_FALSE(sso::EmailDomain("a b@corp.example"));
  EXPECT_FALSE(sso::EmailDomain("a@corp.example\r\n"));
}

TEST(DomainMatches, OnLabelBoundariesOnly) {
  EXPECT_TRUE(sso::DomainMatches("corp.example", "corp.example"));
  EXPECT_TRUE(sso::DomainMatches("eng.corp.example", "corp.example"));
  EXPECT_TRUE(sso::DomainMatches("CORP.example", "corp.EXAMPLE"));
  EXPECT_FALSE(sso::DomainMatches("corp.example.evil.example", "corp.example"));
  EXPECT_FALSE(sso::DomainMatches("notcorp.example", "corp.example"));
  EXPECT_FALSE(sso::DomainMatches("example", "corp.example"));
  EXPECT_FALSE(sso::DomainMatches("corp.example", ""));
}

}  // namespace
