// SCIM PATCH as Okta and Entra ID send it, and what is refused (all or nothing).
#include "scim/patch.h"

#include <gtest/gtest.h>

#include "scim/user.h"

namespace {

using namespace sso::scim;

struct Patched {
  bool ok;
  Json attributes;
  bool active;
  Error error;
};

Json Alice() {
  return {{"userName", "alice@corp.example"},
          {"name", {{"givenName", "Alice"}, {"familyName", "Liddell"}}},
          {"emails", {{{"value", "alice@corp.example"}, {"type", "work"}, {"primary", true}}}}};
}

Patched Patch(const Json &operations, Json attributes = Alice(), bool active = true) {
  Patched p{false, attributes, active, {}};
  p.ok = ApplyPatch({{"schemas", {kPatchSchema}}, {"Operations", operations}}, p.attributes,
                    p.active, p.error);
  if (!p.ok) {
    EXPECT_EQ(p.attributes, attributes) << "nothing changed";
    EXPECT_EQ(p.active, active);
  }
  return p;
}

TEST(ScimPatch, OktaDeactivatesWithoutAPath) {
  auto p = Patch({{{"op", "replace"}, {"value", {{"active", false}}}}});
  ASSERT_TRUE(p.ok) << p.error.detail;
  EXPECT_FALSE(p.active);
  EXPECT_EQ(p.attributes, Alice());
  EXPECT_TRUE(Patch({{{"op", "replace"}, {"value", {{"active", true}}}}}, Alice(), false).active);
}

TEST(ScimPatch, EntraIdsOlderDialect) {
  auto p = Patch({{{"op", "Replace"}, {"path", "active"}, {"value", "False"}}});
  ASSERT_TRUE(p.ok) << p.error.detail;
  EXPECT_FALSE(p.active) << "capitalised op, the boolean as a string";
  p = Patch({{{"op", "Add"}, {"path", "displayName"}, {"value", "Alice L."}},
             {{"op", "Replace"},
              {"path", "emails[type eq \"work\"].value"},
              {"value", "alice.l@corp.example"}},
             {{"op", "Replace"}, {"path", "name.familyName"}, {"value", "L."}}});
  ASSERT_TRUE(p.ok) << p.error.detail;
  EXPECT_EQ(p.attributes["displayName"], "Alice L.");
  EXPECT_EQ(p.attributes["emails"][0]["value"], "alice.l@corp.example");
  EXPECT_EQ(p.attributes["emails"][0]["primary"], true) << "the element's other fields stay";
  EXPECT_EQ(p.attributes["name"], Json({{"givenName", "Alice"}, {"familyName", "L."}}));
  p = Patch({{{"op", "replace"},
              {"value", {{"name.givenName", "Ali"}, {"ACTIVE", "false"}, {"Title", "CEO"}}}}});
  ASSERT_TRUE(p.ok) << p.error.detail;
  EXPECT_EQ(p.attributes["name"]["givenName"], "Ali") << "a path as a key";
  EXPECT_EQ(p.attributes["title"], "CEO") << "names in any case";
  EXPECT_FALSE(p.active);
}

TEST(ScimPatch, ValueFiltersAddWhatIsMissing) {
  auto p = Patch({{{"op", "Add"},
                   {"path", "phoneNumbers[type eq \"mobile\"].value"},
                   {"value", "+1 555 0100"}},
                  {{"op", "add"},
                   {"path", "addresses[type eq \"work\"]"},
                   {"value", {{"locality", "Oxford"}}}}});
  ASSERT_TRUE(p.ok) << p.error.detail;
  EXPECT_EQ(p.attributes["phoneNumbers"], Json({{{"type", "mobile"}, {"value", "+1 555 0100"}}}));
  EXPECT_EQ(p.attributes["addresses"], Json({{{"type", "work"}, {"locality", "Oxford"}}}));
  p = Patch({{{"op", "remove"}, {"path", "emails[type eq \"WORK\"]"}}});
  ASSERT_TRUE(p.ok);
  EXPECT_TRUE(p.attributes["emails"].empty()) << "type compares in any case";
  p = Patch({{{"op", "remove"}, {"path", "emails[type eq \"work\"].primary"}}});
  ASSERT_TRUE(p.ok);
  EXPECT_FALSE(p.attributes["emails"][0].contains("primary"));
  p = Patch({{{"op", "remove"}, {"path", "emails[type eq \"home\"]"}}});
  ASSERT_TRUE(p.ok) << "removing what is not there";
  EXPECT_EQ(p.attributes, Alice());
}

TEST(ScimPatch, AddReplaceRemove) {
  auto p = Patch({{{"op", "add"},
                   {"path", "emails"},
                   {"value", {{{"value", "a2@corp.example"}}, {{"value", "a2@corp.example"}}}}}});
  ASSERT_TRUE(p.ok);
  EXPECT_EQ(p.attributes["emails"].size(), 2u) << "appended once";
  p = Patch({{{"op", "replace"}, {"path", "emails"}, {"value", {{{"value", "b@corp.example"}}}}}});
  EXPECT_EQ(p.attributes["emails"], Json({{{"value", "b@corp.example"}}})) << "replaced whole";
  p = Patch({{{"op", "replace"}, {"path", "name"}, {"value", {{"givenName", "Al"}}}}});
  EXPECT_EQ(p.attributes["name"]["familyName"], "Liddell") << "a complex replace merges";
  p = Patch({{{"op", "remove"}, {"path", "name"}}});
  EXPECT_FALSE(p.attributes.contains("name"));
  p = Patch(
      {{{"op", "remove"}, {"path", "emails"}, {"value", {{{"value", "ALICE@corp.example"}}}}}});
  EXPECT_TRUE(p.attributes["emails"].empty()) << "remove with a value list (Entra ID's members)";
  p = Patch({{{"op", "add"},
              {"path", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"},
              {"value", {{"value", "boss"}}}},
             {{"op", "replace"},
              {"path", "urn:ietf:params:scim:schemas:core:2.0:User:displayName"},
              {"value", "A"}}});
  ASSERT_TRUE(p.ok) << p.error.detail;
  EXPECT_EQ(p.attributes[std::string(kEnterpriseSchema)]["manager"]["value"], "boss");
  EXPECT_EQ(p.attributes["displayName"], "A");
  p = Patch({{{"op", "replace"},
              {"value",
               {{std::string(kEnterpriseSchema), {{"department", "R&D"}}},
                {"password", "never-kept"},
                {"id", "mine"}}}}});
  ASSERT_TRUE(p.ok) << p.error.detail;
  EXPECT_EQ(p.attributes[std::string(kEnterpriseSchema)]["department"], "R&D");
  EXPECT_FALSE(p.attributes.contains("password"));
  EXPECT_FALSE(p.attributes.contains("id"));
  p = Patch({{{"op", "remove"},
              {"path", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"}}});
  EXPECT_TRUE(p.ok) << "from an extension the user does not have: nothing";
  EXPECT_FALSE(p.attributes.contains(kEnterpriseSchema));
}

TEST(ScimPatch, RefusedAllOrNothing) {
  struct Case {
    Json ops;
    const char *scim_type;
  };
  Json many = Json::array();
  for (int i = 0; i < 101; ++i) many.push_back({{"op", "add"}, {"path", "title"}, {"value", "t"}});
  for (const Case &c : {
           Case{Json::array(), "invalidSyntax"},
           Case{many, "invalidSyntax"},
           Case{{{{"op", "move"}, {"path", "title"}}}, "invalidSyntax"},
           Case{{"not an object"}, "invalidSyntax"},
           Case{{{{"op", "remove"}}}, "noTarget"},
           Case{{{{"op", "replace"}, {"value", "x"}}}, "invalidValue"},
           Case{{{{"op", "add"}, {"path", "title"}}}, "invalidValue"},
           Case{{{{"op", "replace"}, {"path", "emails[type co \"w\"]"}, {"value", "x"}}},
                "invalidFilter"},
           Case{{{{"op", "replace"}, {"path", "emails[]"}, {"value", "x"}}}, "invalidFilter"},
           Case{{{{"op", "replace"}, {"path", "emails[type eq \"w\""}, {"value", "x"}}},
                "invalidPath"},
           Case{{{{"op", "replace"}, {"path", "urn:example:x:title"}, {"value", "x"}}},
                "invalidPath"},
           Case{{{{"op", "replace"}, {"path", "emails.value"}, {"value", "x"}}}, "invalidPath"},
           Case{{{{"op", "replace"}, {"path", "userName.x"}, {"value", "x"}}}, "invalidPath"},
           Case{{{{"op", "replace"}, {"path", "bad name"}, {"value", "x"}}}, "invalidPath"},
           Case{{{{"op", "remove"}, {"path", "userName"}}}, "invalidValue"},
           Case{{{{"op", "replace"}, {"path", "title"}, {"value", "ok"}},
                 {{"op", "replace"}, {"path", "active"}, {"value", "perhaps"}}},
                "invalidValue"},
       }) {
    auto p = Patch(c.ops);
    EXPECT_FALSE(p.ok) << c.ops.dump();
    EXPECT_EQ(p.error.status, 400) << c.ops.dump();
    EXPECT_EQ(p.error.scim_type, c.scim_type) << c.ops.dump();
  }
  Json attributes = Alice();
  bool active = true;
  Error error;
  EXPECT_FALSE(ApplyPatch(Json::array(), attributes, active, error));
  EXPECT_TRUE(ApplyPatch({{"operations", {{{"op", "add"}, {"path", "title"}, {"value", "x"}}}}},
                         attributes, active, error))
      << "\"Operations\" in any case";
}

}  // namespace
