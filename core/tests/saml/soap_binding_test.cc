// The SAML SOAP binding's envelope: exactly one LogoutRequest in the Body or nothing, and the
// request taken out of it still verifies as the IdP signed it; our answers are well-formed.
#include "saml/soap_binding.h"

#include <gtest/gtest.h>

#include "saml/logout_message.h"
#include "saml/xml_util.h"
#include "support/saml_fixtures.h"

namespace {

using namespace saml_test;
using namespace sso::saml;

constexpr const char *kSlo = "https://app.test.invalid/sso/saml/slo";
constexpr const char *kSoapNs = "http://schemas.xmlsoap.org/soap/envelope/";

// A LogoutRequest whose prefixes are declared on the Envelope (or on itself: `own_ns`).
std::string Request(const std::string &id = "_lr1", const std::string &name_id = "a@corp.example",
                    bool own_ns = false) {
  return std::string("<samlp:LogoutRequest") +
         (own_ns ? " xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" "
                   "xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\""
                 : "") +
         " ID=\"" + id + "\" Version=\"2.0\" IssueInstant=\"" + Iso(kNow - 5'000) +
         "\" Destination=\"" + kSlo + "\"><saml:Issuer>" + kIdp +
         "</saml:Issuer><saml:NameID Format=\"urn:oasis:names:tc:SAML:1.1:nameid-format:"
         "emailAddress\">" +
         name_id + "</saml:NameID><samlp:SessionIndex>_s1</samlp:SessionIndex>" +
         "</samlp:LogoutRequest>";
}

std::string Envelope(const std::string &body, const std::string &header = "",
                     const std::string &after_body = "", const std::string &ns = kSoapNs) {
  return "<soap11:Envelope xmlns:soap11=\"" + ns +
         "\" xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" "
         "xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"_env\">" +
         header + "\n  <soap11:Body>" + body + "</soap11:Body>" + after_body + "</soap11:Envelope>";
}

LogoutRules Rules() { return {kSlo, kNow, 180'000, true}; }

sso_status Validate(const std::string &soap, ReceivedLogoutRequest &out) {
  std::string xml;
  if (sso_status s = OpenSoapLogoutRequest(soap, xml); s != SSO_OK) return s;
  return ValidateLogoutRequest(xml, Idp(), Rules(), out);
}

TEST(SoapBinding, TakesTheOneLogoutRequestOutAndItsSignatureStillVerifies) {
  ReceivedLogoutRequest out;
  // signed in place, its prefixes declared on the Envelope only
  ASSERT_EQ(Validate(Sign(Envelope(Request()), "_lr1"), out), SSO_OK);
  EXPECT_EQ(out.id, "_lr1");
  EXPECT_EQ(out.name_id.value, "a@corp.example");
  EXPECT_EQ(out.session_indexes, std::vector<std::string>{"_s1"});
  // signed alone, then wrapped (as pysaml2 does), with its own declarations
  std::string alone = Sign(Request("_lr2", "a@corp.example", true), "_lr2");
  alone.erase(0, alone.find("?>") + 2);
  ASSERT_EQ(Validate(Envelope(alone), out), SSO_OK);
  EXPECT_EQ(out.id, "_lr2");
  // header blocks that need not be understood are ignored
  std::string header =
      "<soap11:Header><x:Trace xmlns:x=\"urn:x\" soap11:mustUnderstand=\"0\">1</x:Trace>"
      "<y:Hint xmlns:y=\"urn:y\"/></soap11:Header>";
  EXPECT_EQ(Validate(Sign(Envelope(Request(), header), "_lr1"), out), SSO_OK);
}

TEST(SoapBinding, AnUnsignedOrTamperedRequestIsRefused) {
  ReceivedLogoutRequest out;
  EXPECT_EQ(Validate(Envelope(Request()), out), SSO_SAML_NOT_SIGNED);
  std::string soap = Sign(Envelope(Request()), "_lr1");
  soap.replace(soap.find("a@corp.example"), 14, "b@corp.example");
  EXPECT_EQ(Validate(soap, out), SSO_SAML_SIGNATURE_INVALID);
  EXPECT_EQ(Validate(Sign(Envelope(Request()), "_lr1", {.key = "attacker"}), out),
            SSO_SAML_SIGNATURE_INVALID);
}

TEST(SoapBinding, ASignatureOverAnotherElementDoesNotCount) {
  ReceivedLogoutRequest out;
  // in the request, but over the whole Envelope by its ID
  SignOptions other;
  other.reference_uri = "#_env";
  EXPECT_EQ(Validate(Sign(Envelope(Request()), "_lr1", other), out), SSO_SAML_SIGNATURE_REFERENCE);
  // a Signature that is the Envelope's, beside the request: the request is unsigned
  EXPECT_EQ(Validate(Sign(Envelope(Request()), "_env"), out), SSO_SAML_SOAP_MALFORMED)
      << "a Signature is not a header block or a Body part";
}

TEST(SoapBinding, OnlyOneLogoutRequestInTheBodyAndNothingElse) {
  std::string signed_request = Sign(Request("_ok", "victim@corp.example", true), "_ok");
  signed_request.erase(0, signed_request.find("?>") + 2);
  struct Case {
    const char *what;
    std::string soap;
  };
  std::vector<Case> cases = {
      {"two requests", Envelope(signed_request + Request("_evil"))},
      {"a signed request in the Header",
       Envelope(Request("_evil"), "<soap11:Header>" + signed_request + "</soap11:Header>")},
      {"a request after the Body", Envelope(Request("_evil"), "", signed_request)},
      {"a request outside the Body only", Envelope("", "", signed_request)},
      {"an extra element in the Body", Envelope(signed_request + "<x:More xmlns:x=\"urn:x\"/>")},
      {"text in the Body", Envelope(signed_request + "text")},
      {"an empty Body", Envelope("")},
      {"two Bodies", Envelope(signed_request, "", "<soap11:Body/>")},
      {"a Header after the Body", Envelope(signed_request, "", "<soap11:Header/>")},
      {"a LogoutResponse", Envelope("<samlp:LogoutResponse ID=\"_x\" Version=\"2.0\"/>")},
      {"SOAP 1.2", Envelope(signed_request, "", "", "http://www.w3.org/2003/05/soap-envelope")},
      {"no envelope", signed_request},
      {"a processing instruction", Envelope(signed_request + "<?pi x?>")},
  };
  for (const auto &c : cases) {
    std::string xml = "untouched";
    EXPECT_EQ(OpenSoapLogoutRequest(c.soap, xml), SSO_SAML_SOAP_MALFORMED) << c.what;
    EXPECT_EQ(xml, "") << c.what;
  }
}

TEST(SoapBinding, AMustUnderstandHeaderIsRefused) {
  std::string xml;
  for (const char *value : {"1", "true"}) {
    std::string header = std::string(
                             "<soap11:Header><x:Tx xmlns:x=\"urn:x\" "
                             "soap11:mustUnderstand=\"") +
                         value + "\"/></soap11:Header>";
    EXPECT_EQ(OpenSoapLogoutRequest(Sign(Envelope(Request(), header), "_lr1"), xml),
              SSO_SAML_SOAP_MUST_UNDERSTAND)
        << value;
  }
}

TEST(SoapBinding, UnsafeOrOversizedXmlIsRefusedBeforeAnyLook) {
  std::string xml;
  std::string doctype =
      "<!DOCTYPE x [<!ENTITY e \"a@corp.example\">]>" + Envelope(Request("_lr1", "&e;"));
  EXPECT_EQ(OpenSoapLogoutRequest(doctype, xml), SSO_SAML_DTD_FORBIDDEN);
  std::string huge =
      Envelope(Request(), "<soap11:Header><x:Pad xmlns:x=\"urn:x\">" +
                              std::string(300 * 1024, 'a') + "</x:Pad></soap11:Header>");
  EXPECT_EQ(OpenSoapLogoutRequest(huge, xml), SSO_SAML_RESPONSE_TOO_LARGE);
  EXPECT_EQ(OpenSoapLogoutRequest("SAMLRequest=abc", xml), SSO_SAML_XML_MALFORMED);
  EXPECT_EQ(OpenSoapLogoutRequest("", xml), SSO_SAML_XML_MALFORMED);
}

TEST(SoapBinding, TheContentTypeTellsSoapFromAForm) {
  for (const char *yes : {"text/xml", "text/xml; charset=utf-8", "TEXT/XML;charset=\"UTF-8\"",
                          " text/xml ", "application/soap+xml"})
    EXPECT_TRUE(IsSoapContentType(yes)) << yes;
  for (const char *no : {"", "application/x-www-form-urlencoded", "application/soap", "text/xmlx",
                         "application/xml", "text/html"})
    EXPECT_FALSE(IsSoapContentType(no)) << no;
}

xmlNode *Parse(const std::string &xml, XmlDocPtr &doc) {
  bool dtd = false;
  doc = ParseUntrusted(xml, &dtd);
  return doc ? xmlDocGetRootElement(doc.get()) : nullptr;
}

TEST(SoapBinding, AnswersAreWellFormedEnvelopes) {
  XmlDocPtr doc;
  xmlNode *root = Parse(SoapEnvelope("<?xml version=\"1.0\"?>\n<a:X xmlns:a=\"urn:a\"/>"), doc);
  ASSERT_TRUE(Is(root, kSoapNs, "Envelope"));
  xmlNode *body = OnlyChild(root, kSoapNs, "Body", nullptr);
  ASSERT_NE(body, nullptr);
  size_t n = 0;
  EXPECT_NE(OnlyChild(body, "urn:a", "X", &n), nullptr);

  root = Parse(SoapFault(SoapFaultCode::kClient, "SAML_NOT_SIGNED: <&> \"x\""), doc);
  ASSERT_TRUE(Is(root, kSoapNs, "Envelope"));
  xmlNode *fault = OnlyChild(OnlyChild(root, kSoapNs, "Body", &n), kSoapNs, "Fault", &n);
  ASSERT_NE(fault, nullptr);
  xmlNode *code = fault->children, *string = code->next;
  EXPECT_EQ(Text(code), "soap11:Client");
  EXPECT_EQ(Text(string), "SAML_NOT_SIGNED: <&> \"x\"");
  root = Parse(SoapFault(SoapFaultCode::kMustUnderstand, "x"), doc);
  EXPECT_EQ(Text(OnlyChild(OnlyChild(root, kSoapNs, "Body", &n), kSoapNs, "Fault", &n)->children),
            "soap11:MustUnderstand");
}

}  // namespace
