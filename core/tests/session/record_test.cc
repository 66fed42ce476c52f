#include "session/record.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

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
