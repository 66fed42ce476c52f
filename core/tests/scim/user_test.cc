// The User resource: what a client's body becomes, what is stored, what is answered.
#include "scim/user.h"

#include <gtest/gtest.h>

namespace {

using namespace sso::scim;

Json Sanitized(const Json &input, std::optional<bool> *active = nullptr) {
  Json out;
  std::optional<bool> a;
  Error error;
  EXPECT_TRUE(SanitizeUser(input, out, a, error)) << error.detail;
  if (active) *active = a;
  return out;
}

Error Refused(const Json &input) {
  Json out;
  std::optional<bool> active;
  Error error;
  EXPECT_FALSE(SanitizeUser(input, out, active, error)) << input.dump();
  return error;
}

TEST(ScimUser, NamesAreCanonicalAndServerFieldsAreOurs) {
  std::optional<bool> active;
  Json r = Sanitized(
      {{"USERNAME", "a@corp.example"},
       {"Name", {{"GIVENNAME", "A"}}},
       {"id", "chosen-by-client"},
       {"meta", {{"version", "W/\"9\""}}},
       {"schemas", {"x"}},
       {"password", "hunter2"},
       {"groups", {{{"value", "g1"}}}},
       {"nickName", nullptr},
       {"urn:ietf:params:scim:schemas:extension:enterprise:2.0:user", {{"Department", "R&D"}}},
       {"active", "False"}},
      &active);
  EXPECT_EQ(r["userName"], "a@corp.example");
  EXPECT_EQ(r["name"]["givenName"], "A");
  for (const char *gone : {"id", "meta", "schemas", "password", "groups", "nickName", "active"})
    EXPECT_FALSE(r.contains(gone)) << gone;
  EXPECT_EQ(r[std::string(kEnterpriseSchema)]["department"], "R&D");
  ASSERT_TRUE(active);
  EXPECT_FALSE(*active) << "Entra ID's \"False\"";
  Json emails = Sanitized(
      {{"userName", "a"}, {"emails", {{{"value", "a@x"}, {"primary", "True"}}}}})["emails"];
  EXPECT_EQ(emails[0]["primary"], true);
  Sanitized({{"userName", "a"}}, &active);
  EXPECT_FALSE(active) << "absent: the caller decides";
}

TEST(ScimUser, RefusesWhatCannotBeAUser) {
  EXPECT_EQ(Refused(Json::array()).scim_type, "invalidSyntax");
  EXPECT_EQ(Refused({{"displayName", "x"}}).scim_type, "invalidValue");
  EXPECT_EQ(Refused({{"userName", ""}}).scim_type, "invalidValue");
  EXPECT_EQ(Refused({{"userName", 42}}).scim_type, "invalidValue");
  EXPECT_EQ(Refused({{"userName", "a\r\nX-Remote-User: 1"}}).scim_type, "invalidValue");
  EXPECT_EQ(Refused({{"userName", std::string(257, 'a')}}).scim_type, "invalidValue");
  EXPECT_EQ(Refused({{"userName", "a"}, {"externalId", "a\nb"}}).scim_type, "invalidValue");
  EXPECT_EQ(Refused({{"userName", "a"}, {"active", "yes"}}).scim_type, "invalidValue");
  EXPECT_EQ(Refused({{"userName", "a"}, {"emails", "a@x"}}).scim_type, "invalidValue");
  EXPECT_EQ(Refused({{"userName", "a"}, {"emails", {{{"type", "work"}}}}}).scim_type,
            "invalidValue");
  Json many = Json::array();
  for (int i = 0; i < 21; ++i) many.push_back({{"value", "a" + std::to_string(i) + "@x"}});
  EXPECT_EQ(Refused({{"userName", "a"}, {"emails", many}}).scim_type, "invalidValue");
  EXPECT_EQ(Refused({{"userName", "a"}, {"title", std::string(33 * 1024, 'x')}}).status, 413);
  Json r = Sanitized({{"userName", "a"}, {"externalId", ""}});
  EXPECT_FALSE(r.contains("externalId")) << "an empty externalId is none";
}

TEST(ScimUser, StoredAndAnswered) {
  StoredUser u;
  u.id = "id-1";
  u.version = 3;
  u.created_ms = 1'700'000'000'123;
  u.modified_ms = 1'700'000'100'000;
  u.active = false;
  u.app_user = "42";
  u.keys = {"k1", "k2"};
  u.attributes = Sanitized(
      {{"userName", "a@corp.example"}, {std::string(kEnterpriseSchema), {{"department", "R&D"}}}});
  auto back = ParseStoredUser(SerializeStoredUser(u));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->version, 3);
  EXPECT_EQ(back->app_user, "42");
  EXPECT_EQ(back->keys, u.keys);
  EXPECT_FALSE(back->active);
  EXPECT_EQ(back->attributes, u.attributes);

  Json answer = RenderUser(*back, "/sso/scim/v2/corp");
  EXPECT_EQ(answer["id"], "id-1");
  EXPECT_EQ(answer["active"], false);
  EXPECT_EQ(answer["schemas"], Json({kUserSchema, kEnterpriseSchema}));
  EXPECT_EQ(answer["meta"]["version"], "W/\"3\"");
  EXPECT_EQ(answer["meta"]["created"], "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(answer["meta"]["location"], "/sso/scim/v2/corp/Users/id-1");
  EXPECT_FALSE(answer.contains("app_user")) << "the app's id is not SCIM's business";

  for (const char *bad : {"", "{", "[]", R"({"id":"x"})", R"({"id":1,"v":1,"r":{},"keys":[]})",
                          R"({"id":"x","v":"1","r":{},"keys":[]})"})
    EXPECT_FALSE(ParseStoredUser(bad)) << bad;
  auto odd = ParseStoredUser(R"({"id":"x","v":1,"r":{},"keys":[],"active":"no","app_user":5})");
  ASSERT_TRUE(odd) << "fields of the wrong type fall back, never throw";
  EXPECT_TRUE(odd->active);
  EXPECT_EQ(odd->app_user, "");
}

TEST(ScimUser, MatchValuesAreNormalized) {
  Json r = Sanitized({{"userName", "Alice@Corp.Example"},
                      {"externalId", "00uAbC"},
                      {"emails",
                       {{{"value", "ALICE@corp.example"}},
                        {{"value", "alice@corp.example"}},
                        {{"value", "a.l@home.example"}, {"primary", true}}}}});
  MatchValues v = MatchValuesOf(r);
  EXPECT_EQ(v.user_name, "Alice@Corp.Example");
  EXPECT_EQ(v.user_name_lower, "alice@corp.example");
  EXPECT_EQ(v.external_id, "00uAbC") << "externalId is exact";
  EXPECT_EQ(v.emails, (std::vector<std::string>{"alice@corp.example", "a.l@home.example"}));
  EXPECT_EQ(PrimaryEmail(r), "a.l@home.example");
  EXPECT_EQ(DisplayName(Sanitized(
                {{"userName", "a"}, {"name", {{"givenName", "A"}, {"familyName", "B"}}}})),
            "A B");
}

}  // namespace
