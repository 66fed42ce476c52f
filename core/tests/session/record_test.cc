#include "session/record.h"

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace {

sso::SessionRecord Sample() {
  sso::SessionRecord r;
  r.identity = {"corp",
                "00u1",
                "http://idp",
                "42",
                "a@b.example",
                "A B",
                {"engineering", "CN=x,OU=y"},
                {"developer"},
                {{"department", "R&D"}}};
  r.created_ms = 1000;
  r.expires_ms = 2000;
  return r;
}

TEST(SessionRecord, RoundTrips) {
  auto parsed = sso::ParseRecord(sso::SerializeRecord(Sample()));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->identity.subject, "00u1");
  EXPECT_EQ(parsed->identity.groups.size(), 2u);
  EXPECT_EQ(parsed->identity.attributes.at("department"), "R&D");
  EXPECT_EQ(parsed->expires_ms, 2000);
}

TEST(SessionRecord, KeepsWhatALogoutMessageNamesTheSessionBy) {
  auto sample = Sample();
  EXPECT_EQ(sso::SerializeRecord(sample).find("\"lo\""), std::string::npos) << "none: absent";
  sample.logout = {"sid-1", "eyJ.id.token", "urn:f", "idp-q", "sp-q", "_s1"};
  auto parsed = sso::ParseRecord(sso::SerializeRecord(sample));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->logout.sid, "sid-1");
  EXPECT_EQ(parsed->logout.id_token, "eyJ.id.token");
  EXPECT_EQ(parsed->logout.name_id_format, "urn:f");
  EXPECT_EQ(parsed->logout.name_qualifier, "idp-q");
  EXPECT_EQ(parsed->logout.sp_name_qualifier, "sp-q");
  EXPECT_EQ(parsed->logout.session_index, "_s1");
  auto j = nlohmann::json::parse(sso::SerializeRecord(sample));
  j["lo"] = "sid-1";
  EXPECT_FALSE(sso::ParseRecord(j.dump())) << "a planted value of the wrong shape";
  j["lo"] = {{"sid", 7}};
  EXPECT_FALSE(sso::ParseRecord(j.dump()));
}

TEST(SessionRecord, RejectsNonRecords) {
  for (const char *text : {"", "null", "[]", "{", "{\"v\":2}", "{\"v\":\"1\"}",
                           "{\"v\":1,\"provider\":\"p\",\"subject\":\"s\"}" /* no times */}) {
    EXPECT_FALSE(sso::ParseRecord(text)) << text;
  }
}

TEST(SessionRecord, RejectsWrongTypes) {
  auto j = nlohmann::json::parse(sso::SerializeRecord(Sample()));
  for (const char *field : {"groups", "attrs", "user", "expires"}) {
    auto bad = j;
    bad[field] = 5.5;
    EXPECT_FALSE(sso::ParseRecord(bad.dump())) << field;
  }
}

// The reader works on the parser's events, not a document: every known field refuses every
// shape but its own, nested ones included, and nothing of a wrong shape is half-read.
TEST(SessionRecord, EveryKnownFieldRefusesEveryOtherShape) {
  const auto good = nlohmann::json::parse(sso::SerializeRecord(Sample()));
  const std::vector<nlohmann::json> shapes = {nullptr,
                                              true,
                                              7,
                                              -7,
                                              5.5,
                                              "text",
                                              nlohmann::json::array({"a"}),
                                              nlohmann::json::object({{"k", "v"}})};
  auto kind = [](const nlohmann::json &v) {
    return v.is_number_integer() ? "integer" : v.type_name();
  };
  const std::map<std::string, std::string> expected = {
      {"v", "integer"},   {"provider", "string"}, {"subject", "string"},  {"issuer", "string"},
      {"user", "string"}, {"email", "string"},    {"name", "string"},     {"groups", "array"},
      {"roles", "array"}, {"attrs", "object"},    {"created", "integer"}, {"expires", "integer"}};
  for (const auto &[field, type] : expected) {
    for (const auto &shape : shapes) {
      if (kind(shape) == type) continue;
      auto bad = good;
      bad[field] = shape;
      EXPECT_FALSE(sso::ParseRecord(bad.dump())) << field << " = " << shape.dump();
    }
  }
  for (const auto &[inner, value] :
       std::vector<std::pair<std::string, nlohmann::json>>{{"groups", {"a", 1}},
                                                           {"roles", {"a", {"b"}}},
                                                           {"attrs", {{"k", 1}}},
                                                           {"attrs", {{"k", {{"x", "y"}}}}},
                                                           {"lo", {{"sid", {"x"}}}},
                                                           {"lo", {{"si", nullptr}}}}) {
    auto bad = good;
    bad[inner] = value;
    EXPECT_FALSE(sso::ParseRecord(bad.dump())) << inner << " = " << value.dump();
  }
}

TEST(SessionRecord, IntegersMustBeWrittenAsIntegers) {
  auto j = nlohmann::json::parse(sso::SerializeRecord(Sample()));
  for (const char *field : {"v", "created", "expires"}) {
    auto bad = j;
    bad[field] = j[field].get<double>();  // 1.0, 1000.0: a number, not an integer
    EXPECT_FALSE(sso::ParseRecord(bad.dump())) << field << " = " << bad[field].dump();
  }
  auto huge = j;
  huge["expires"] = 18446744073709551615ULL;  // beyond int64
  EXPECT_FALSE(sso::ParseRecord(huge.dump()));
}

TEST(SessionRecord, SkipsUnknownFieldsWhateverTheyHold) {
  auto j = nlohmann::json::parse(sso::SerializeRecord(Sample()));
  j["future"] = {{"deep", {1, {{"x", {nullptr, true}}}, "s"}}};
  j["later"] = {1, 2, {3}};
  j["flag"] = false;
  j["lo"] = {{"sid", "s1"}, {"new", {{"a", {1}}}}, {"n", 3}};
  auto parsed = sso::ParseRecord(j.dump());
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->identity.user, "42");
  EXPECT_EQ(parsed->identity.groups, (std::vector<std::string>{"engineering", "CN=x,OU=y"}));
  EXPECT_EQ(parsed->logout.sid, "s1");
  EXPECT_EQ(parsed->expires_ms, 2000);
}

TEST(SessionRecord, RefusesTrailingDataAndBadUtf8) {
  const std::string text = sso::SerializeRecord(Sample());
  EXPECT_FALSE(sso::ParseRecord(text + "{}"));
  EXPECT_FALSE(sso::ParseRecord(text + "x"));
  std::string bad = text;
  bad.replace(bad.find("A B"), 3, "A\\q");  // an escape JSON does not have
  EXPECT_FALSE(sso::ParseRecord(bad));
  bad = text;
  bad.replace(bad.find("A B"), 3, "A\xc3(");  // a lead byte without its continuation
  EXPECT_FALSE(sso::ParseRecord(bad)) << "invalid UTF-8";
}

TEST(SessionRecord, RefusesPlantedHeaderInjection) {
  auto j = nlohmann::json::parse(sso::SerializeRecord(Sample()));
  j["user"] = "42\r\nX-Remote-Roles: admin";
  EXPECT_FALSE(sso::ParseRecord(j.dump()));
  j = nlohmann::json::parse(sso::SerializeRecord(Sample()));
  j["groups"] = {"ok", "bad\n"};
  EXPECT_FALSE(sso::ParseRecord(j.dump()));
}

TEST(SessionRecord, RefusesOversizedInput) {
  std::string big(sso::kMaxRecordBytes + 1, ' ');
  EXPECT_FALSE(sso::ParseRecord(big));
}

TEST(Identity, ValidationNamesTheProblem) {
  sso::Identity id = Sample().identity;
  EXPECT_EQ(sso::ValidateIdentity(id), SSO_OK);
  id.subject.clear();
  EXPECT_EQ(sso::ValidateIdentity(id), SSO_IDENTITY_MISSING_SUBJECT);
  id = Sample().identity;
  id.provider.clear();
  EXPECT_EQ(sso::ValidateIdentity(id), SSO_IDENTITY_MISSING_PROVIDER);
  id = Sample().identity;
  id.email = "a@b\r\n";
  EXPECT_EQ(sso::ValidateIdentity(id), SSO_IDENTITY_BAD_CHARACTER);
  id = Sample().identity;
  id.attributes["x"] = std::string("a\0b", 3);
  EXPECT_EQ(sso::ValidateIdentity(id), SSO_IDENTITY_BAD_CHARACTER);
  id = Sample().identity;
  id.groups.assign(600, "g");
  EXPECT_EQ(sso::ValidateIdentity(id), SSO_IDENTITY_TOO_LARGE);
}

TEST(JoinList, EscapesItems) {
  EXPECT_EQ(sso::JoinList({"a", "b,c", "d%"}), "a,b%2Cc,d%25");
  EXPECT_EQ(sso::JoinList({}), "");
}

}  // namespace
