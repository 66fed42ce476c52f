#include "saml/logout_message.h"

#include "saml/signature.h"
#include "saml/xml_util.h"
#include "text/http_text.h"

namespace sso::saml {
namespace {

constexpr const char *kOpen =
    " xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\""
    " xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\"";

std::string Attr(const char *name, std::string_view value) {
  if (value.empty()) return {};
  return std::string(" ") + name + "=\"" + HtmlEscape(value) + "\"";
}

// The parts both messages start with.
std::string Header(const char *element, std::string_view id, int64_t now_ms,
                   std::string_view destination, std::string_view extra_attributes,
                   std::string_view issuer) {
  return std::string("<samlp:") + element + kOpen + Attr("ID", id) + " Version=\"2.0\"" +
         Attr("IssueInstant", FormatDateTime(now_ms)) + Attr("Destination", destination) +
         std::string(extra_attributes) + "><saml:Issuer>" + HtmlEscape(issuer) + "</saml:Issuer>";
}

// Parsed, the root named `element`, its ID registered, Version 2.0.
sso_status ParseMessage(std::string_view xml, const char *element, XmlDocPtr &doc, xmlNode *&root) {
  if (!InitXmlSec()) return SSO_ERR_INTERNAL;
  bool dtd = false;
  doc = ParseUntrusted(xml, &dtd);
  if (dtd) return SSO_SAML_DTD_FORBIDDEN;
  if (!doc) return SSO_SAML_XML_MALFORMED;
  root = xmlDocGetRootElement(doc.get());
  if (!Is(root, kNsProtocol, element) || Attribute(root, "Version") != "2.0")
    return SSO_SAML_NOT_A_LOGOUT_MESSAGE;
  if (!RegisterId(doc.get(), root)) return SSO_SAML_DUPLICATE_ID;
  return SSO_OK;
}

// The enveloped signature of the POST binding: exactly one, on the message itself.
sso_status CheckXmlSignature(xmlNode *root, const IdentityProvider &idp) {
  if (CountDescendants(root, kNsDSig, "Signature") == 0) return SSO_SAML_NOT_SIGNED;
  size_t n = 0;
  xmlNode *signature = OnlyChild(root, kNsDSig, "Signature", &n);
  if (!signature || CountDescendants(root, kNsDSig, "Signature") != 1)
    return SSO_SAML_SIGNATURE_REFERENCE;
  return VerifyEnvelopedSignature(signature, root, idp.signing_keys);
}

// Issuer, Destination and IssueInstant, common to both messages; the signature first.
sso_status CheckEnvelope(xmlNode *root, const IdentityProvider &idp, const LogoutRules &rules,
                         int64_t &issued_ms) {
  if (rules.signature_in_xml) {
    if (sso_status s = CheckXmlSignature(root, idp); s != SSO_OK) return s;
  }
  if (sso_status s = CheckIssuer(root, idp, true); s != SSO_OK) return s;
  if (Attribute(root, "Destination") != rules.slo_url) return SSO_SAML_DESTINATION_MISMATCH;
  auto issued = ParseDateTime(Attribute(root, "IssueInstant").value_or(""));
  if (!issued) return SSO_SAML_NOT_A_LOGOUT_MESSAGE;
  if (*issued > rules.now_ms + rules.clock_skew_ms) return SSO_SAML_NOT_YET_VALID;
  if (*issued < rules.now_ms - rules.clock_skew_ms - kLogoutMessageWindowMs)
    return SSO_SAML_EXPIRED;
  issued_ms = *issued;
  return SSO_OK;
}

// A received message, parsed and its envelope checked.
struct OpenedMessage {
  XmlDocPtr doc;  // owns what root points into
  xmlNode *root = nullptr;
  int64_t issued_ms = 0;
};

sso_status OpenMessage(std::string_view xml, const char *element, const IdentityProvider &idp,
                       const LogoutRules &rules, OpenedMessage &out) {
  if (sso_status s = ParseMessage(xml, element, out.doc, out.root); s != SSO_OK) return s;
  return CheckEnvelope(out.root, idp, rules, out.issued_ms);
}

}  // namespace

std::string BuildLogoutRequest(const LogoutRequestInput &in) {
  const NameId &name = in.name_id;
  std::string xml = Header("LogoutRequest", in.id, in.now_ms, in.destination, "", in.issuer);
  xml += "<saml:NameID" + Attr("Format", name.format) + Attr("NameQualifier", name.name_qualifier) +
         Attr("SPNameQualifier", name.sp_name_qualifier) + ">" + HtmlEscape(name.value) +
         "</saml:NameID>";
  for (const auto &index : in.session_indexes)
    xml += "<samlp:SessionIndex>" + HtmlEscape(index) + "</samlp:SessionIndex>";
  return xml + "</samlp:LogoutRequest>";
}

std::string BuildLogoutResponse(const LogoutResponseInput &in) {
  return Header("LogoutResponse", in.id, in.now_ms, in.destination,
                Attr("InResponseTo", in.in_response_to), in.issuer) +
         "<samlp:Status><samlp:StatusCode Value=\"" + HtmlEscape(in.status) +
         "\"/></samlp:Status></samlp:LogoutResponse>";
}

sso_status ValidateLogoutRequest(std::string_view xml, const IdentityProvider &idp,
                                 const LogoutRules &rules, ReceivedLogoutRequest &out) {
  out = ReceivedLogoutRequest{};
  OpenedMessage message;
  if (sso_status s = OpenMessage(xml, "LogoutRequest", idp, rules, message); s != SSO_OK) return s;
  xmlNode *root = message.root;
  if (auto until = Attribute(root, "NotOnOrAfter")) {
    auto t = ParseDateTime(*until);
    if (!t || rules.now_ms - rules.clock_skew_ms >= *t) return SSO_SAML_EXPIRED;
  }
  size_t n = 0;
  xmlNode *name_id = OnlyChild(root, kNsAssertion, "NameID", &n);
  // an EncryptedID, a BaseID, or several: nothing we could match a session by
  if (!name_id || Text(name_id).empty()) return SSO_SAML_MISSING_NAMEID;
  out.id = Attribute(root, "ID").value_or("");
  out.name_id = {Text(name_id), Attribute(name_id, "Format").value_or(""),
                 Attribute(name_id, "NameQualifier").value_or(""),
                 Attribute(name_id, "SPNameQualifier").value_or("")};
  for (xmlNode *index : Children(root, kNsProtocol, "SessionIndex"))
    out.session_indexes.push_back(Text(index));
  out.replay_until_ms = message.issued_ms + rules.clock_skew_ms + kLogoutMessageWindowMs;
  return SSO_OK;
}

sso_status ValidateLogoutResponse(std::string_view xml, const IdentityProvider &idp,
                                  const LogoutRules &rules, std::string_view request_id,
                                  ReceivedLogoutResponse &out) {
  out = ReceivedLogoutResponse{};
  OpenedMessage message;
  if (sso_status s = OpenMessage(xml, "LogoutResponse", idp, rules, message); s != SSO_OK) return s;
  xmlNode *root = message.root;
  if (request_id.empty() || Attribute(root, "InResponseTo") != request_id)
    return SSO_SAML_IN_RESPONSE_TO_MISMATCH;
  size_t n = 0;
  xmlNode *status = OnlyChild(root, kNsProtocol, "Status", &n);
  xmlNode *code = status ? OnlyChild(status, kNsProtocol, "StatusCode", &n) : nullptr;
  if (!code) return SSO_SAML_NOT_A_LOGOUT_MESSAGE;
  out.status = Attribute(code, "Value").value_or("");
  out.success = out.status == kStatusSuccess;
  return SSO_OK;
}

sso_status ClaimedIssuer(std::string_view xml, std::string &issuer) {
  XmlDocPtr doc;
  xmlNode *root = nullptr;
  sso_status s = ParseMessage(xml, "LogoutRequest", doc, root);
  if (s == SSO_SAML_NOT_A_LOGOUT_MESSAGE) s = ParseMessage(xml, "LogoutResponse", doc, root);
  if (s != SSO_OK) return s;
  size_t n = 0;
  xmlNode *element = OnlyChild(root, kNsAssertion, "Issuer", &n);
  if (!element) return SSO_SAML_ISSUER_MISMATCH;
  issuer = Text(element);
  return SSO_OK;
}

std::optional<std::string> ClaimedInResponseTo(std::string_view xml) {
  XmlDocPtr doc;
  xmlNode *root = nullptr;
  if (ParseMessage(xml, "LogoutResponse", doc, root) != SSO_OK) return std::nullopt;
  return Attribute(root, "InResponseTo");
}

}  // namespace sso::saml
