#include "saml/response.h"

#include <libxml/valid.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <memory>

#include "saml/decrypt.h"
#include "saml/signature.h"
#include "saml/xml_util.h"
#include "text/encoding.h"

namespace sso::saml {
namespace {

constexpr const char *kSuccess = "urn:oasis:names:tc:SAML:2.0:status:Success";
constexpr const char *kBearer = "urn:oasis:names:tc:SAML:2.0:cm:bearer";
// A decoded response larger than this does not keep its buffer for the next one.
constexpr size_t kKeptDecodeBuffer = 64 * 1024;

// Every ds:Signature in the document must be a direct child of the Response or of the
// Assertion: a signature anywhere else is something we would not check.
bool SignaturesOnlyWhereExpected(xmlNode *root, xmlNode *response, xmlNode *assertion) {
  for (xmlNode *child = root->children; child; child = child->next) {
    if (child->type != XML_ELEMENT_NODE) continue;
    if (Is(child, kNsDSig, "Signature") && root != response && root != assertion) return false;
    if (!SignaturesOnlyWhereExpected(child, response, assertion)) return false;
  }
  return true;
}

// The Assertion and EncryptedAssertion elements anywhere below `node` (itself included), in
// one walk.
void CountAssertions(const xmlNode *node, size_t &plain, size_t &encrypted) {
  if (Is(node, kNsAssertion, "Assertion")) ++plain;
  if (Is(node, kNsAssertion, "EncryptedAssertion")) ++encrypted;
  for (const xmlNode *child = node->children; child; child = child->next)
    if (child->type == XML_ELEMENT_NODE) CountAssertions(child, plain, encrypted);
}

bool WithinSkew(std::optional<int64_t> not_before, std::optional<int64_t> not_on_or_after,
                const Expectation &expect, const ServiceProvider &sp, sso_status &why) {
  if (not_before && expect.now_ms + sp.clock_skew_ms < *not_before) {
    why = SSO_SAML_NOT_YET_VALID;
    return false;
  }
  if (not_on_or_after && expect.now_ms - sp.clock_skew_ms >= *not_on_or_after) {
    why = SSO_SAML_EXPIRED;
    return false;
  }
  return true;
}

std::optional<int64_t> TimeAttribute(xmlNode *node, const char *name, bool &bad) {
  auto text = Attribute(node, name);
  if (!text) return std::nullopt;
  auto t = ParseDateTime(*text);
  if (!t) bad = true;
  return t;
}

sso_status CheckSubject(xmlNode *assertion, const ServiceProvider &sp, const Expectation &expect,
                        Assertion &out) {
  size_t n = 0;
  xmlNode *subject = OnlyChild(assertion, kNsAssertion, "Subject", &n);
  if (!subject) return SSO_SAML_MISSING_NAMEID;
  xmlNode *name_id = OnlyChild(subject, kNsAssertion, "NameID", &n);
  if (!name_id) return SSO_SAML_MISSING_NAMEID;
  out.name_id = Text(name_id);
  out.name_id_format = Attribute(name_id, "Format").value_or("");
  out.name_qualifier = Attribute(name_id, "NameQualifier").value_or("");
  out.sp_name_qualifier = Attribute(name_id, "SPNameQualifier").value_or("");
  if (out.name_id.empty()) return SSO_SAML_MISSING_NAMEID;

  // Web SSO profile: at least one bearer confirmation whose data all holds.
  sso_status last = SSO_SAML_SUBJECT_CONFIRMATION;
  for (xmlNode *sc : EachChild(subject, kNsAssertion, "SubjectConfirmation")) {
    if (!AttributeIs(sc, "Method", kBearer)) continue;
    xmlNode *data = OnlyChild(sc, kNsAssertion, "SubjectConfirmationData", &n);
    if (!data) continue;
    if (!AttributeIs(data, "Recipient", sp.acs_url)) {
      last = SSO_SAML_RECIPIENT_MISMATCH;
      continue;
    }
    if (!AttributeMatches(data, "InResponseTo", expect.in_response_to)) {
      last = SSO_SAML_IN_RESPONSE_TO_MISMATCH;
      continue;
    }
    bool bad = false;
    if (Attribute(data, "NotBefore")) continue;  // forbidden for bearer confirmations
    auto not_on_or_after = TimeAttribute(data, "NotOnOrAfter", bad);
    if (bad || !not_on_or_after) {
      last = SSO_SAML_EXPIRED;
      continue;
    }
    sso_status why = SSO_OK;
    if (!WithinSkew(std::nullopt, not_on_or_after, expect, sp, why)) {
      last = why;
      continue;
    }
    out.replay_until_ms = std::max(out.replay_until_ms, *not_on_or_after + sp.clock_skew_ms);
    return SSO_OK;
  }
  return last;
}

sso_status CheckConditions(xmlNode *assertion, const ServiceProvider &sp, const Expectation &expect,
                           Assertion &out) {
  size_t n = 0;
  xmlNode *conditions = OnlyChild(assertion, kNsAssertion, "Conditions", &n);
  if (!conditions) return SSO_SAML_AUDIENCE_MISMATCH;  // an audience is required
  bool bad = false;
  auto not_before = TimeAttribute(conditions, "NotBefore", bad);
  auto not_on_or_after = TimeAttribute(conditions, "NotOnOrAfter", bad);
  if (bad) return SSO_SAML_EXPIRED;
  sso_status why = SSO_OK;
  if (!WithinSkew(not_before, not_on_or_after, expect, sp, why)) return why;
  if (not_on_or_after)
    out.replay_until_ms = std::max(out.replay_until_ms, *not_on_or_after + sp.clock_skew_ms);

  // Every AudienceRestriction must name us (they are ANDed).
  auto restrictions = EachChild(conditions, kNsAssertion, "AudienceRestriction");
  if (restrictions.empty()) return SSO_SAML_AUDIENCE_MISMATCH;
  for (xmlNode *restriction : restrictions) {
    bool ours = false;
    for (xmlNode *audience : EachChild(restriction, kNsAssertion, "Audience"))
      ours = ours || Text(audience) == sp.entity_id;
    if (!ours) return SSO_SAML_AUDIENCE_MISMATCH;
  }
  return SSO_OK;
}

void ReadAttributes(xmlNode *assertion, Assertion &out) {
  for (xmlNode *statement : EachChild(assertion, kNsAssertion, "AttributeStatement")) {
    for (xmlNode *attribute : EachChild(statement, kNsAssertion, "Attribute")) {
      auto name = Attribute(attribute, "Name");
      if (!name || name->empty()) continue;
      auto &values = out.attributes.try_emplace(std::move(*name)).first->second;
      for (xmlNode *value : EachChild(attribute, kNsAssertion, "AttributeValue"))
        values.push_back(Text(value));
    }
  }
  for (xmlNode *statement : EachChild(assertion, kNsAssertion, "AuthnStatement")) {
    if (auto index = Attribute(statement, "SessionIndex")) {
      out.session_index = *index;
      break;
    }
  }
}

}  // namespace

sso_status CheckIssuer(xmlNode *parent, const IdentityProvider &idp, bool required) {
  size_t n = 0;
  xmlNode *issuer = OnlyChild(parent, kNsAssertion, "Issuer", &n);
  if (n == 0 && !required) return SSO_OK;
  if (!issuer || Text(issuer) != idp.entity_id) return SSO_SAML_ISSUER_MISMATCH;
  auto format = Attribute(issuer, "Format");
  if (format && *format != "urn:oasis:names:tc:SAML:2.0:nameid-format:entity")
    return SSO_SAML_ISSUER_MISMATCH;
  return SSO_OK;
}

std::optional<std::string> PeekIssuer(std::string_view saml_response_base64) {
  if (saml_response_base64.size() > kMaxResponseBase64 || !InitXmlSec()) return std::nullopt;
  auto xml = Base64Decode(saml_response_base64);
  if (!xml) return std::nullopt;
  bool dtd = false;
  XmlDocPtr doc = ParseUntrusted(*xml, &dtd);
  if (!doc) return std::nullopt;
  xmlNode *response = xmlDocGetRootElement(doc.get());
  size_t n = 0;
  if (xmlNode *issuer = OnlyChild(response, kNsAssertion, "Issuer", &n)) return Text(issuer);
  xmlNode *assertion = OnlyChild(response, kNsAssertion, "Assertion", &n);
  if (xmlNode *issuer = OnlyChild(assertion, kNsAssertion, "Issuer", &n)) return Text(issuer);
  return std::nullopt;
}

sso_status ValidateResponse(std::string_view saml_response_base64, const IdentityProvider &idp,
                            const ServiceProvider &sp, const Expectation &expect, Assertion &out) {
  if (saml_response_base64.size() > kMaxResponseBase64) return SSO_SAML_RESPONSE_TOO_LARGE;
  // One buffer per thread (a worker has one): decoding a response allocates nothing once it
  // has held one of that size.
  thread_local std::string xml;
  sso_status s = Base64DecodeTo(saml_response_base64, xml)
                     ? ValidateResponseXml(xml, idp, sp, expect, out)
                     : SSO_SAML_BAD_ENCODING;
  if (xml.capacity() > kKeptDecodeBuffer) std::string().swap(xml);
  return s;
}

sso_status ValidateResponseXml(std::string_view xml, const IdentityProvider &idp,
                               const ServiceProvider &sp, const Expectation &expect,
                               Assertion &out) {
  out = Assertion{};
  if (!InitXmlSec()) return SSO_ERR_INTERNAL;
  if (xml.size() > kMaxResponseBase64) return SSO_SAML_RESPONSE_TOO_LARGE;
  bool dtd = false;
  XmlDocPtr doc = ParseUntrusted(xml, &dtd);
  if (dtd) return SSO_SAML_DTD_FORBIDDEN;
  if (!doc) return SSO_SAML_XML_MALFORMED;

  xmlNode *response = xmlDocGetRootElement(doc.get());
  if (!Is(response, kNsProtocol, "Response")) return SSO_SAML_NOT_A_RESPONSE;
  if (!AttributeIs(response, "Version", "2.0")) return SSO_SAML_NOT_A_RESPONSE;

  if (!RegisterId(doc.get(), response)) return SSO_SAML_DUPLICATE_ID;

  // A Response signature is checked first: it may cover an EncryptedAssertion, which
  // decryption replaces.
  size_t response_sigs = 0, assertion_sigs = 0, n = 0;
  xmlNode *response_sig = OnlyChild(response, kNsDSig, "Signature", &response_sigs);
  if (response_sigs > 1) return SSO_SAML_SIGNATURE_REFERENCE;
  if (response_sig) {
    if (sso_status s = VerifyEnvelopedSignature(response_sig, response, idp.signing_keys);
        s != SSO_OK)
      return s;
  }

  // Exactly one assertion in the whole document, as a child of the Response.
  size_t plain = 0, encrypted = 0;
  CountAssertions(response, plain, encrypted);
  if (encrypted > 1 || (encrypted == 1 && plain)) return SSO_SAML_ASSERTION_COUNT;
  if (encrypted == 1) {
    if (sso_status s = DecryptAssertion(doc.get(), response, sp.decryption_key); s != SSO_OK)
      return s;
    plain = CountDescendants(response, kNsAssertion, "Assertion");  // what decryption put in
  }
  xmlNode *assertion = OnlyChild(response, kNsAssertion, "Assertion", &n);
  if (!assertion || plain != 1) return SSO_SAML_ASSERTION_COUNT;

  if (!RegisterId(doc.get(), assertion)) return SSO_SAML_DUPLICATE_ID;
  if (!SignaturesOnlyWhereExpected(response, response, assertion))
    return SSO_SAML_SIGNATURE_REFERENCE;

  // The Response, the Assertion, or both are signed; each signature present must verify.
  xmlNode *assertion_sig = OnlyChild(assertion, kNsDSig, "Signature", &assertion_sigs);
  if (assertion_sigs > 1) return SSO_SAML_SIGNATURE_REFERENCE;
  if (!response_sig && !assertion_sig) return SSO_SAML_NOT_SIGNED;
  if (assertion_sig) {
    if (sso_status s = VerifyEnvelopedSignature(assertion_sig, assertion, idp.signing_keys);
        s != SSO_OK)
      return s;
  }
  // From here on, everything read comes from the verified assertion (or the verified
  // Response that contains it) — never from elsewhere in the document.

  // Response-level checks.
  auto destination = Attribute(response, "Destination");
  if (response_sig && !destination) return SSO_SAML_DESTINATION_MISMATCH;
  if (destination && *destination != sp.acs_url) return SSO_SAML_DESTINATION_MISMATCH;
  if (sso_status s = CheckIssuer(response, idp, /*required=*/false); s != SSO_OK) return s;
  xmlNode *status = OnlyChild(response, kNsProtocol, "Status", &n);
  xmlNode *code = status ? OnlyChild(status, kNsProtocol, "StatusCode", &n) : nullptr;
  if (!code || !AttributeIs(code, "Value", kSuccess)) return SSO_SAML_STATUS_NOT_SUCCESS;

  auto in_response_to = Attribute(response, "InResponseTo");
  if (expect.in_response_to) {
    if (in_response_to != expect.in_response_to) return SSO_SAML_IN_RESPONSE_TO_MISMATCH;
  } else {
    if (!sp.allow_unsolicited) return SSO_SAML_UNSOLICITED;
    if (in_response_to) return SSO_SAML_IN_RESPONSE_TO_MISMATCH;
  }

  // Assertion-level checks.
  if (!AttributeIs(assertion, "Version", "2.0")) return SSO_SAML_NOT_A_RESPONSE;
  if (sso_status s = CheckIssuer(assertion, idp, /*required=*/true); s != SSO_OK) return s;
  if (sso_status s = CheckConditions(assertion, sp, expect, out); s != SSO_OK) return s;
  if (sso_status s = CheckSubject(assertion, sp, expect, out); s != SSO_OK) return s;
  size_t authn_statements = 0;
  OnlyChild(assertion, kNsAssertion, "AuthnStatement", &authn_statements);
  if (authn_statements == 0) return SSO_SAML_SUBJECT_CONFIRMATION;

  out.assertion_id = *Attribute(assertion, "ID");
  out.issuer = idp.entity_id;
  ReadAttributes(assertion, out);
  return SSO_OK;
}

}  // namespace sso::saml
