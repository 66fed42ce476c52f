// SCIM filters: the "eq ... and ..." subset identity providers send, and nothing else.
#include "scim/filter.h"

#include <gtest/gtest.h>

namespace {

using sso::scim::ParseConjunction;
using sso::scim::ParseUserFilter;

TEST(ScimFilter, ReadsComparisonsJoinedByAnd) {
  auto c = ParseConjunction(R"(userName eq "a@corp.example" and externalId EQ "00u1")");
  ASSERT_TRUE(c);
  ASSERT_EQ(c->size(), 2u);
  EXPECT_EQ((*c)[0].attribute, "userName");
  EXPECT_EQ((*c)[0].value, "a@corp.example");
  EXPECT_EQ((*c)[1].attribute, "externalId");
  EXPECT_EQ((*c)[1].value, "00u1");
  EXPECT_TRUE(ParseConjunction(R"(  type  eq   "work"  AND  primary eq true )"));
  EXPECT_EQ((*ParseConjunction("primary eq true"))[0].value, true);
  EXPECT_EQ((*ParseConjunction(R"(userName eq "say \"hi\" \u00e9")"))[0].value, "say \"hi\" é")
      << "a JSON string, escapes and all";
  EXPECT_EQ((*ParseConjunction(R"(urn:ietf:params:scim:schemas:core:2.0:User:userName eq "x")"))[0]
                .attribute,
            "userName")
      << "the core schema's URN prefix is dropped";
}

TEST(ScimFilter, RefusesEverythingElse) {
  for (const char *bad :
       {"", "userName", "userName eq", R"(userName co "a")", R"(userName sw "a")",
        R"(userName eq "a" or userName eq "b")", R"((userName eq "a"))", "userName pr",
        R"(not (userName eq "a"))", R"(userName eq "a" and)", R"(userName eq "unterminated)",
        "userName eq bare", R"(userName eq "a"and externalId eq "b")",
        R"(emails[type eq "work"] eq "x")", R"(userName eq "a" extra)"}) {
    EXPECT_FALSE(ParseConjunction(bad)) << bad;
  }
  std::string many;
  for (int i = 0; i < 9; ++i) many += std::string(i ? " and " : "") + "userName eq \"x\"";
  EXPECT_FALSE(ParseConjunction(many)) << "nine terms";
  EXPECT_FALSE(ParseConjunction("userName eq \"" + std::string(1100, 'a') + "\"")) << "too long";
}

TEST(ScimFilter, UsersCanBeLookedUpByUserNameExternalIdAndEmail) {
  auto t = ParseUserFilter(
      R"(USERNAME eq "A@corp.example" and externalId eq "X1" and emails.value eq "b@corp.example")");
  ASSERT_TRUE(t);
  ASSERT_EQ(t->size(), 3u);
  EXPECT_EQ((*t)[0].kind, 'n');
  EXPECT_EQ((*t)[0].value, "A@corp.example") << "normalized by the caller";
  EXPECT_EQ((*t)[1].kind, 'x');
  EXPECT_EQ((*t)[2].kind, 'e');
  EXPECT_FALSE(ParseUserFilter(R"(displayName eq "A")")) << "not indexed";
  EXPECT_FALSE(ParseUserFilter(R"(emails eq "a@corp.example")")) << "emails.value only";
  EXPECT_FALSE(ParseUserFilter("userName eq 42")) << "strings only";
  EXPECT_FALSE(ParseUserFilter("active eq true"));
}

}  // namespace
