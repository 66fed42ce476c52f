#include "saml/metadata.h"

#include "saml/signature.h"
#include "saml/xml_util.h"
#include "text/http_text.h"

namespace sso::saml {
namespace {

constexpr const char *kRedirectBinding = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";
constexpr const char *kPostBinding = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";

// The first SingleLogoutService of each binding we speak (HTTP-Redirect, HTTP-POST); a
// Location that is not an absolute https (or loopback http) URL is not taken.
void ReadSingleLogout(xmlNode *idp, IdentityProvider &out) {
  for (xmlNode *slo : Children(idp, kNsMetadata, "SingleLogoutService")) {
    auto binding = Attribute(slo, "Binding");
    std::string location = Attribute(slo, "Location").value_or("");
    std::string response = Attribute(slo, "ResponseLocation").value_or(location);
    if (!IsAcceptableEndpoint(location) || !IsAcceptableEndpoint(response)) continue;
    if (binding == kRedirectBinding && out.slo_redirect_url.empty()) {
      out.slo_redirect_url = location;
      out.slo_redirect_response_url = response;
    } else if (binding == kPostBinding && out.slo_post_url.empty()) {
      out.slo_post_url = location;
      out.slo_post_response_url = response;
    }
  }
}

xmlNode *FindIdpEntity(xmlNode *root) {
  if (Is(root, kNsMetadata, "EntityDescriptor")) return root;
  if (!Is(root, kNsMetadata, "EntitiesDescriptor")) return nullptr;
  xmlNode *found = nullptr;
  for (xmlNode *entity : Children(root, kNsMetadata, "EntityDescriptor")) {
    if (Children(entity, kNsMetadata, "IDPSSODescriptor").empty()) continue;
    if (found) return nullptr;  // several IdPs: which one is meant is not ours to guess
    found = entity;
  }
  return found;
}

}  // namespace

sso_status ParseIdpMetadata(std::string_view xml, IdpMetadata &out) {
  out = IdpMetadata{};
  if (!InitXmlSec()) return SSO_ERR_INTERNAL;
  bool dtd = false;
  XmlDocPtr doc = ParseUntrusted(xml, &dtd);
  if (!doc) return SSO_SAML_METADATA_INVALID;
  xmlNode *entity = FindIdpEntity(xmlDocGetRootElement(doc.get()));
  if (!entity) return SSO_SAML_METADATA_INVALID;
  auto entity_id = Attribute(entity, "entityID");
  if (!entity_id || entity_id->empty()) return SSO_SAML_METADATA_INVALID;
  size_t n = 0;
  xmlNode *idp = OnlyChild(entity, kNsMetadata, "IDPSSODescriptor", &n);
  if (!idp) return SSO_SAML_METADATA_INVALID;

  out.idp.entity_id = *entity_id;
  out.wants_signed_requests = Attribute(idp, "WantAuthnRequestsSigned") == "true";
  for (xmlNode *sso : Children(idp, kNsMetadata, "SingleSignOnService")) {
    if (Attribute(sso, "Binding") == kRedirectBinding) {
      out.idp.sso_url = Attribute(sso, "Location").value_or("");
      break;
    }
  }
  if (out.idp.sso_url.empty()) return SSO_SAML_METADATA_INVALID;
  ReadSingleLogout(idp, out.idp);

  size_t index = 0;
  for (xmlNode *descriptor : Children(idp, kNsMetadata, "KeyDescriptor")) {
    auto use = Attribute(descriptor, "use");
    if (use && *use != "signing") continue;
    for (xmlNode *key_info : Children(descriptor, kNsDSig, "KeyInfo"))
      for (xmlNode *data : Children(key_info, kNsDSig, "X509Data"))
        for (xmlNode *cert : Children(data, kNsDSig, "X509Certificate")) {
          SharedKey key;
          std::string why;
          sso_status s = LoadCertificateKey(Text(cert), key, &why);
          ++index;
          if (s == SSO_KEY_REFUSED) {
            out.warnings.push_back("IdP metadata signing certificate " + std::to_string(index) +
                                   " skipped: " + why);
            continue;
          }
          if (s != SSO_OK) return s;
          out.idp.signing_keys.push_back(std::move(key));
        }
  }
  if (out.idp.signing_keys.empty())
    return out.warnings.empty() ? SSO_SAML_METADATA_INVALID : SSO_KEY_REFUSED;
  return SSO_OK;
}

std::string PemBody(std::string_view pem) {
  size_t begin = pem.find("-----BEGIN CERTIFICATE-----");
  size_t end = pem.find("-----END CERTIFICATE-----");
  if (begin == std::string_view::npos || end == std::string_view::npos || end < begin) return {};
  std::string body;
  for (char c : pem.substr(begin + 27, end - begin - 27))
    if (!std::isspace(static_cast<unsigned char>(c))) body.push_back(c);
  return body;
}

std::string SpMetadata(const SpMetadataInput &sp) {
  std::string x;
  x += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  x += "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\"";
  x += " xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" entityID=\"" + HtmlEscape(sp.entity_id);
  x += "\">\n  <md:SPSSODescriptor AuthnRequestsSigned=\"";
  x += sp.sign_requests ? "true" : "false";
  x += "\" WantAssertionsSigned=\"true\"";
  x += " protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">\n";
  if (!sp.certificate_base64.empty()) {
    for (const char *use : {"signing", "encryption"}) {
      x += "    <md:KeyDescriptor use=\"";
      x += use;
      x += "\"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>" + sp.certificate_base64 +
           "</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>\n";
    }
  }
  // The schema puts SingleLogoutService before NameIDFormat.
  if (!sp.slo_url.empty()) {
    for (const char *binding : {"HTTP-Redirect", "HTTP-POST"}) {
      x += "    <md:SingleLogoutService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:";
      x += binding;
      x += "\" Location=\"" + HtmlEscape(sp.slo_url) + "\"/>\n";
    }
  }
  x += "    <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
       "</md:NameIDFormat>\n";
  x += "    <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
       "</md:NameIDFormat>\n";
  x += "    <md:AssertionConsumerService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:"
       "HTTP-POST\" Location=\"" +
       HtmlEscape(sp.acs_url) + "\" index=\"0\" isDefault=\"true\"/>\n";
  x += "  </md:SPSSODescriptor>\n</md:EntityDescriptor>\n";
  return x;
}

}  // namespace sso::saml
