// SAML Single Logout messages: what we build carries what the IdP needs, and every check on a
// received LogoutRequest or LogoutResponse has a negative test.
#include "saml/logout_message.h"

#include <gtest/gtest.h>

#include <functional>

#include "support/saml_fixtures.h"

namespace {

using namespace saml_test;
using namespace sso::saml;

constexpr const char *kSlo = "https://app.test.invalid/sso/saml/slo";

struct RequestSpec {
  std::string id = "_idp-lr-1";
  std::string issuer = kIdp;
  std::optional<std::string> destination = kSlo;
  int64_t issued = kNow - 5'000;
  std::string not_on_or_after;
  std::string name_id =
      "<saml:NameID Format=\"urn:oasis:names:tc:SAML:1.1:nameid-format:"
      "emailAddress\" SPNameQualifier=\"sp\">new.hire@corp.example</saml:NameID>";
  std::string session_indexes =
      "<samlp:SessionIndex>_s1</samlp:SessionIndex>"
      "<samlp:SessionIndex>_s2</samlp:SessionIndex>";
  std::string root = "LogoutRequest";
  std::string version = "2.0";
};

std::string RequestXml(const RequestSpec &s) {
  std::string xml = "<samlp:" + s.root +
                    " xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" "
                    "xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"" +
                    s.id + "\" Version=\"" + s.version + "\" IssueInstant=\"" + Iso(s.issued) +
                    "\"";
  if (s.destination) xml += " Destination=\"" + *s.destination + "\"";
  if (!s.not_on_or_after.empty()) xml += " NotOnOrAfter=\"" + s.not_on_or_after + "\"";
  xml += "><saml:Issuer>" + s.issuer + "</saml:Issuer>" + s.name_id + s.session_indexes +
         "</samlp:" + s.root + ">";
  return xml;
}

LogoutRules Rules(bool signature_in_xml = true) { return {kSlo, kNow, 180'000, signature_in_xml}; }

sso_status ValidateSigned(const RequestSpec &spec, ReceivedLogoutRequest &out,
                          const SignOptions &sign = {}) {
  return ValidateLogoutRequest(Sign(RequestXml(spec), spec.id, sign), Idp(), Rules(), out);
}

TEST(LogoutRequestOut, CarriesTheNameIdAsAssertedAndEverySessionIndex) {
  std::string xml = BuildLogoutRequest({"_lr1",
                                        kNow,
                                        "https://idp.example/slo",
                                        kSp,
                                        {"a&b@corp.example", "urn:f", "idp-q", "sp-q"},
                                        {"_s1", "_s2"}});
  EXPECT_NE(xml.find("ID=\"_lr1\""), std::string::npos);
  EXPECT_NE(xml.find("Destination=\"https://idp.example/slo\""), std::string::npos);
  EXPECT_NE(xml.find("<saml:Issuer>" + std::string(kSp) + "</saml:Issuer>"), std::string::npos);
  EXPECT_NE(xml.find("<saml:NameID Format=\"urn:f\" NameQualifier=\"idp-q\" "
                     "SPNameQualifier=\"sp-q\">a&amp;b@corp.example</saml:NameID>"),
            std::string::npos);
  EXPECT_NE(xml.find("<samlp:SessionIndex>_s1</samlp:SessionIndex><samlp:SessionIndex>_s2"),
            std::string::npos);
  EXPECT_EQ(BuildLogoutRequest({"_x", kNow, "d", "i", {"v", "", "", ""}, {}}).find("Format="),
            std::string::npos)
      << "absent qualifiers stay absent";
}

TEST(LogoutResponseOut, AnswersTheRequestWithItsStatus) {
  std::string xml = BuildLogoutResponse({"_r1", kNow, "https://idp.example/slo", kSp, "_idp-lr-1"});
  EXPECT_NE(xml.find("InResponseTo=\"_idp-lr-1\""), std::string::npos);
  EXPECT_NE(xml.find("urn:oasis:names:tc:SAML:2.0:status:Success"), std::string::npos);
}

TEST(LogoutRequestIn, ASignedRequestNamesTheSubjectAndSessions) {
  ReceivedLogoutRequest out;
  ASSERT_EQ(ValidateSigned({}, out), SSO_OK);
  EXPECT_EQ(out.id, "_idp-lr-1");
  EXPECT_EQ(out.name_id.value, "new.hire@corp.example");
  EXPECT_EQ(out.name_id.format, "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress");
  EXPECT_EQ(out.name_id.sp_name_qualifier, "sp");
  EXPECT_EQ(out.session_indexes, (std::vector<std::string>{"_s1", "_s2"}));
  EXPECT_GE(out.replay_until_ms, kNow + kLogoutMessageWindowMs);
}

TEST(LogoutRequestIn, EveryCheckRefuses) {
  struct Case {
    const char *what;
    std::function<void(RequestSpec &)> change;
    sso_status expected;
  };
  std::vector<Case> cases = {
      {"other issuer", [](RequestSpec &s) { s.issuer = "https://evil.example"; },
       SSO_SAML_ISSUER_MISMATCH},
      {"no destination", [](RequestSpec &s) { s.destination.reset(); },
       SSO_SAML_DESTINATION_MISMATCH},
      {"other destination", [](RequestSpec &s) { s.destination = "https://other/slo"; },
       SSO_SAML_DESTINATION_MISMATCH},
      {"issued in the future", [](RequestSpec &s) { s.issued = kNow + 600'000; },
       SSO_SAML_NOT_YET_VALID},
      {"issued long ago", [](RequestSpec &s) { s.issued = kNow - 3'600'000; }, SSO_SAML_EXPIRED},
      {"past NotOnOrAfter", [](RequestSpec &s) { s.not_on_or_after = Iso(kNow - 600'000); },
       SSO_SAML_EXPIRED},
      {"bad NotOnOrAfter", [](RequestSpec &s) { s.not_on_or_after = "soon"; }, SSO_SAML_EXPIRED},
      {"no NameID", [](RequestSpec &s) { s.name_id = ""; }, SSO_SAML_MISSING_NAMEID},
      {"two NameIDs",
       [](RequestSpec &s) { s.name_id += "<saml:NameID>other@corp.example</saml:NameID>"; },
       SSO_SAML_MISSING_NAMEID},
      {"an EncryptedID",
       [](RequestSpec &s) { s.name_id = "<saml:EncryptedID>x</saml:EncryptedID>"; },
       SSO_SAML_MISSING_NAMEID},
      {"a response, not a request", [](RequestSpec &s) { s.root = "LogoutResponse"; },
       SSO_SAML_NOT_A_LOGOUT_MESSAGE},
      {"SAML 1.1", [](RequestSpec &s) { s.version = "1.1"; }, SSO_SAML_NOT_A_LOGOUT_MESSAGE},
  };
  for (const auto &c : cases) {
    RequestSpec spec;
    c.change(spec);
    ReceivedLogoutRequest out;
    EXPECT_EQ(ValidateSigned(spec, out), c.expected) << c.what;
  }
}

TEST(LogoutRequestIn, TheSignatureIsRequiredAndMustBeThePinnedKeysOverTheMessage) {
  ReceivedLogoutRequest out;
  RequestSpec spec;
  EXPECT_EQ(ValidateLogoutRequest(RequestXml(spec), Idp(), Rules(), out), SSO_SAML_NOT_SIGNED);
  EXPECT_EQ(ValidateSigned(spec, out, {.key = "attacker"}), SSO_SAML_SIGNATURE_INVALID);
  EXPECT_EQ(ValidateSigned(spec, out, {.signature_method = "rsa-sha1", .digest = "sha1"}),
            SSO_SAML_SIGNATURE_ALGORITHM);
  std::string tampered = Sign(RequestXml(spec), spec.id);
  tampered.replace(tampered.find("new.hire@"), 9, "the.boss@");
  EXPECT_EQ(ValidateLogoutRequest(tampered, Idp(), Rules(), out), SSO_SAML_SIGNATURE_INVALID);
  // the Redirect binding checked its own signature: an unsigned XML is then fine
  EXPECT_EQ(ValidateLogoutRequest(RequestXml(spec), Idp(), Rules(false), out), SSO_OK);
}

TEST(LogoutRequestIn, HostileDocumentsAreRefused) {
  ReceivedLogoutRequest out;
  EXPECT_EQ(ValidateLogoutRequest("<!DOCTYPE x [<!ENTITY e \"y\">]><x/>", Idp(), Rules(), out),
            SSO_SAML_DTD_FORBIDDEN);
  EXPECT_EQ(ValidateLogoutRequest("<not xml", Idp(), Rules(), out), SSO_SAML_XML_MALFORMED);
  EXPECT_EQ(ValidateLogoutRequest("", Idp(), Rules(), out), SSO_SAML_XML_MALFORMED);
}

struct ResponseSpec2 {
  std::string in_response_to = "_lr1";
  std::string status = kStatusSuccess;
  std::string destination = kSlo;
};

std::string ResponseXml(const ResponseSpec2 &s) {
  return BuildLogoutResponse(
      {"_idp-resp-1", kNow - 1'000, s.destination, kIdp, s.in_response_to, s.status});
}

TEST(LogoutResponseIn, ASuccessAnswersOurRequest) {
  ReceivedLogoutResponse out;
  std::string signed_xml = Sign(ResponseXml({}), "_idp-resp-1");
  ASSERT_EQ(ValidateLogoutResponse(signed_xml, Idp(), Rules(), "_lr1", out), SSO_OK);
  EXPECT_TRUE(out.success);
  ASSERT_EQ(ValidateLogoutResponse(Sign(ResponseXml({.status = kStatusResponder}), "_idp-resp-1"),
                                   Idp(), Rules(), "_lr1", out),
            SSO_OK);
  EXPECT_FALSE(out.success) << "a failed logout at the IdP is read, not hidden";
  EXPECT_EQ(out.status, kStatusResponder);
}

TEST(LogoutResponseIn, EveryCheckRefuses) {
  ReceivedLogoutResponse out;
  auto validate = [&](const ResponseSpec2 &spec, std::string_view expected_id = "_lr1") {
    return ValidateLogoutResponse(Sign(ResponseXml(spec), "_idp-resp-1"), Idp(), Rules(),
                                  expected_id, out);
  };
  EXPECT_EQ(validate({.in_response_to = "_other"}), SSO_SAML_IN_RESPONSE_TO_MISMATCH);
  EXPECT_EQ(validate({}, ""), SSO_SAML_IN_RESPONSE_TO_MISMATCH) << "nothing was asked";
  EXPECT_EQ(validate({.destination = "https://other/slo"}), SSO_SAML_DESTINATION_MISMATCH);
  EXPECT_EQ(ValidateLogoutResponse(ResponseXml({}), Idp(), Rules(), "_lr1", out),
            SSO_SAML_NOT_SIGNED);
  EXPECT_EQ(ValidateLogoutResponse(Sign(ResponseXml({}), "_idp-resp-1", {.key = "attacker"}), Idp(),
                                   Rules(), "_lr1", out),
            SSO_SAML_SIGNATURE_INVALID);
}

}  // namespace
