#include "text/email_domain.h"

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

TEST(EmailDomain, IdnaGivesOneAsciiFormAndRefusesWhatItForbids) {
  EXPECT_EQ(sso::NormalizeDomain("BÜCHER.Example"), "xn--bcher-kva.example");
  EXPECT_EQ(sso::NormalizeDomain("xn--bcher-kva.example"), "xn--bcher-kva.example");
  EXPECT_EQ(sso::EmailDomain("jo@Bücher.example"), "xn--bcher-kva.example");
  EXPECT_FALSE(sso::NormalizeDomain("xn--a.example")) << "not a valid A-label";
  EXPECT_FALSE(sso::NormalizeDomain("-corp.example")) << "leading hyphen";
  EXPECT_FALSE(sso::NormalizeDomain("\xe2\x98\x83.example")) << "a symbol IDNA 2008 disallows";
  EXPECT_FALSE(sso::EmailDomain("a@\xe2\x98\x83.example"));
}
