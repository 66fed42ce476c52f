// sso_require's grammar and matching: every kind positive and negative, exact values.
#include "authz/rules.h"

#include <gtest/gtest.h>

#include <vector>

#include "text/email_domain.h"

namespace {

using sso::AccessRule;
using sso::AccessRules;
using sso::Identity;

AccessRule Rule(std::vector<std::string_view> args) {
  AccessRule rule;
  EXPECT_EQ(sso::ParseAccessRule(args, "nginx.conf:7", rule), SSO_OK);
  return rule;
}

Identity Person() {
  Identity id;
  id.provider = "corp";
  id.subject = "s1";
  id.user = "42";
  id.email = "Ann@Eng.Corp.Example";
  id.groups = {"CN=ops,OU=groups,DC=corp", "engineering"};
  id.roles = {"developer"};
  id.attributes = {{"department", "Sales EMEA"}};
  return id;
}

bool Allows(std::vector<std::string_view> args, const Identity &id = Person()) {
  AccessRules rules{{Rule(args)}};
  return sso::FirstUnmetRule(rules, id, sso::EmailDomain(id.email).value_or("")) == nullptr;
}

TEST(AccessRules, EachKindHoldsOrNot) {
  EXPECT_TRUE(Allows({"signed_in"}));
  EXPECT_TRUE(Allows({"role", "admin", "developer"}));
  EXPECT_FALSE(Allows({"role", "admin", "Developer"})) << "exact, case included";
  EXPECT_TRUE(Allows({"group", "CN=ops,OU=groups,DC=corp"}));
  EXPECT_FALSE(Allows({"group", "CN=ops"})) << "no partial DN";
  EXPECT_FALSE(Allows({"group", "ops", "groups"}));
  EXPECT_TRUE(Allows({"email_domain", "corp.example"})) << "a subdomain, case-insensitive";
  EXPECT_FALSE(Allows({"email_domain", "eng.corp.example.evil"}));
  EXPECT_TRUE(Allows({"provider", "corp"}));
  EXPECT_FALSE(Allows({"provider", "partner"}));
  EXPECT_TRUE(Allows({"user", "41", "42"}));
  EXPECT_FALSE(Allows({"user", "4"}));
  EXPECT_TRUE(Allows({"attr", "department", "R&D", "Sales EMEA"}));
  EXPECT_FALSE(Allows({"attr", "department", "Sales"}));
  EXPECT_FALSE(Allows({"attr", "team", "Sales EMEA"})) << "another attribute";
}

TEST(AccessRules, AllLinesMustHoldAndTheFirstUnmetIsNamed) {
  AccessRules rules{{Rule({"role", "developer"}), Rule({"provider", "partner"})}};
  const AccessRule *unmet = sso::FirstUnmetRule(rules, Person(), "eng.corp.example");
  ASSERT_NE(unmet, nullptr);
  EXPECT_EQ(unmet->text, "sso_require provider partner (nginx.conf:7)");
  Identity nobody;
  nobody.provider = "corp";
  EXPECT_FALSE(Allows({"user", "42"}, nobody));
  EXPECT_FALSE(Allows({"email_domain", "corp.example"}, nobody)) << "no email: no domain";
}

TEST(AccessRules, MistakesAreRefused) {
  AccessRule rule;
  using Args = std::vector<std::string_view>;
  for (const Args &args : {Args{}, Args{"colour", "blue"}, Args{"role"}, Args{"attr", "department"},
                           Args{"email_domain", "*.corp.example"}, Args{"signed_in", "now"},
                           Args{"group", ""}, Args{"user", "a\nb"}})
    EXPECT_EQ(sso::ParseAccessRule(args, "x:1", rule), SSO_CONFIG_BAD_REQUIRE)
        << (args.empty() ? "(none)" : args[0]);
}

}  // namespace
