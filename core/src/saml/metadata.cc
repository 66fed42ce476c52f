#include "saml/metadata.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "saml/signature.h"
#include "saml/xml_util.h"
#include "text/encoding.h"
#include "text/http_text.h"

namespace sso::saml {
namespace {

constexpr const char *kRedirectBinding = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";
constexpr const char *kPostBinding = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";
constexpr std::string_view kProtocol20 = "urn:oasis:names:tc:SAML:2.0:protocol";
constexpr int kMaxNesting = 16;    // EntitiesDescriptor inside EntitiesDescriptor
constexpr size_t kNamesShown = 3;  // entity IDs named in one message

std::string Quoted(std::string_view text) { return "\"" + LogSafe(text, 200) + "\""; }

// "HTTP-Redirect" for "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"; others as they are
std::string ShortBinding(std::string_view binding) {
  constexpr std::string_view kPrefix = "urn:oasis:names:tc:SAML:2.0:bindings:";
  if (binding.starts_with(kPrefix)) binding.remove_prefix(kPrefix.size());
  return LogSafe(binding, 100);
}

bool ListsWord(std::string_view list, std::string_view word) {
  size_t pos = 0;
  while (pos < list.size()) {
    size_t end = list.find_first_of(" \t\r\n", pos);
    if (end == std::string_view::npos) end = list.size();
    if (list.substr(pos, end - pos) == word) return true;
    pos = end + 1;
  }
  return false;
}

// The entity's IDPSSODescriptor for SAML 2.0 (an IdP may list a SAML 1.1 one too), or nullptr.
xmlNode *Saml2IdpDescriptor(xmlNode *entity) {
  for (xmlNode *d : Children(entity, kNsMetadata, "IDPSSODescriptor"))
    if (ListsWord(Attribute(d, "protocolSupportEnumeration").value_or(""), kProtocol20)) return d;
  return nullptr;
}

// Every EntityDescriptor of the document, those of nested EntitiesDescriptors included.
void CollectEntities(xmlNode *node, int depth, std::vector<xmlNode *> &out) {
  if (Is(node, kNsMetadata, "EntityDescriptor")) {
    out.push_back(node);
  } else if (Is(node, kNsMetadata, "EntitiesDescriptor") && depth < kMaxNesting) {
    for (xmlNode *child = node->children; child; child = child->next)
      CollectEntities(child, depth + 1, out);
  }
}

std::string EntityId(xmlNode *entity) { return Attribute(entity, "entityID").value_or(""); }

std::string SomeNames(const std::vector<xmlNode *> &entities) {
  std::string names;
  for (size_t i = 0; i < entities.size() && i < kNamesShown; ++i)
    names += (i ? ", " : "") + Quoted(EntityId(entities[i]));
  if (entities.size() > kNamesShown) names += ", ...";
  return names;
}

// The entity `wanted` names, or the only IdP of the document; nullptr with `error` set.
xmlNode *ChooseEntity(xmlNode *root, std::string_view wanted, std::string &error) {
  std::vector<xmlNode *> entities, idps;
  CollectEntities(root, 0, entities);
  for (xmlNode *e : entities)
    if (Saml2IdpDescriptor(e)) idps.push_back(e);
  if (entities.empty()) {
    error = "the IdP metadata has no EntityDescriptor (its root element is <" +
            LogSafe(reinterpret_cast<const char *>(root->name), 60) + ">)";
    return nullptr;
  }
  if (!wanted.empty()) {
    for (xmlNode *e : entities) {
      if (EntityId(e) != wanted) continue;
      if (Saml2IdpDescriptor(e)) return e;
      error = "entity " + Quoted(wanted) +
              " of the IdP metadata is not a SAML 2.0 IdP: it has no IDPSSODescriptor for " +
              std::string(kProtocol20);
      return nullptr;
    }
    // one IdP in the file: saml_idp_entity_id overrides its entityID
    if (idps.size() == 1) return idps.front();
  }
  if (idps.empty()) {
    error = "the IdP metadata describes no SAML 2.0 IdP: none of its " +
            std::to_string(entities.size()) + " entities (" + SomeNames(entities) +
            ") has an IDPSSODescriptor for " + std::string(kProtocol20);
    return nullptr;
  }
  if (!wanted.empty()) {
    error = "saml_idp_entity_id " + Quoted(wanted) + " is none of the " +
            std::to_string(idps.size()) + " IdPs of the metadata (" + SomeNames(idps) + ")";
    return nullptr;
  }
  if (idps.size() > 1) {
    error = "the IdP metadata describes " + std::to_string(idps.size()) + " IdPs (" +
            SomeNames(idps) + "): choose one with saml_idp_entity_id";
    return nullptr;
  }
  return idps.front();
}

// The first SingleSignOnService of each HTTP binding we speak; every binding listed is noted.
void ReadSingleSignOn(xmlNode *idp, IdpMetadata &out) {
  for (xmlNode *sso : Children(idp, kNsMetadata, "SingleSignOnService")) {
    std::string binding = Attribute(sso, "Binding").value_or("");
    std::string location = Attribute(sso, "Location").value_or("");
    std::string name = ShortBinding(binding);
    if (std::find(out.sso_bindings.begin(), out.sso_bindings.end(), name) == out.sso_bindings.end())
      out.sso_bindings.push_back(name);
    bool redirect = binding == kRedirectBinding, post = binding == kPostBinding;
    if (!redirect && !post) continue;
    if (!IsAcceptableEndpoint(location)) {
      out.skipped_sso.push_back(name + " " + Quoted(location));
      out.warnings.push_back("IdP " + Quoted(out.idp.entity_id) + ": SingleSignOnService (" + name +
                             ") " + Quoted(location) +
                             " skipped: not an https URL (http only on loopback)");
      continue;
    }
    std::string &url = redirect ? out.idp.sso_url : out.idp.sso_post_url;
    if (url.empty()) url = location;
  }
}

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

// Why a <ds:X509Certificate> would not read, should it not: the usual mistakes by name.
std::string Unreadable(std::string_view base64) {
  if (base64.empty()) return "the X509Certificate element is empty";
  auto der = Base64Decode(base64);
  if (der && der->starts_with("-----BEGIN"))
    return "not a readable X.509 certificate (the element holds a base64-encoded PEM "
           "certificate; it takes the base64 of the DER, without the PEM lines)";
  return "not a readable X.509 certificate";
}

// Every signing certificate (KeyDescriptor without `use`, or use="signing"), each once; one
// that cannot serve is skipped with a warning naming it and the check it failed.
sso_status ReadSigningKeys(xmlNode *idp, IdpMetadata &out) {
  std::set<std::string> seen;
  size_t index = 0;
  for (xmlNode *descriptor : Children(idp, kNsMetadata, "KeyDescriptor")) {
    auto use = Attribute(descriptor, "use");
    if (use && *use != "signing") continue;
    std::vector<xmlNode *> certs;
    for (xmlNode *key_info : Children(descriptor, kNsDSig, "KeyInfo"))
      for (xmlNode *data : Children(key_info, kNsDSig, "X509Data"))
        for (xmlNode *cert : Children(data, kNsDSig, "X509Certificate")) certs.push_back(cert);
    if (certs.empty()) {
      out.warnings.push_back("IdP " + Quoted(out.idp.entity_id) +
                             ": a signing KeyDescriptor without an X509Certificate skipped "
                             "(only certificates are read)");
      continue;
    }
    for (xmlNode *cert : certs) {
      std::string text = Text(cert);
      std::erase_if(text, [](char c) { return std::isspace(static_cast<unsigned char>(c)); });
      if (!seen.insert(text).second) continue;  // the same certificate listed again
      ++index;
      SharedKey key;
      std::string why = Unreadable(text);
      sso_status s = LoadCertificateKey(text, key, &why);
      if (s == SSO_ERR_INTERNAL || s == SSO_ERR_OUT_OF_MEMORY) return s;
      if (s != SSO_OK) {
        ++out.skipped_certificates;
        if (s == SSO_KEY_REFUSED) ++out.refused_certificates;
        out.warnings.push_back("IdP " + Quoted(out.idp.entity_id) +
                               ": metadata signing certificate " + std::to_string(index) +
                               " skipped: " + why);
        continue;
      }
      out.idp.signing_keys.push_back(std::move(key));
    }
  }
  return SSO_OK;
}

// validUntil of the entity and of every EntitiesDescriptor around it: the earliest counts.
void ReadValidUntil(xmlNode *entity, IdpMetadata &out) {
  for (xmlNode *n = entity; n && n->type == XML_ELEMENT_NODE; n = n->parent) {
    auto text = Attribute(n, "validUntil");
    if (!text) continue;
    auto ms = ParseDateTime(*text);
    if (!ms) {
      out.valid_until_text = LogSafe(*text, 60);
      out.valid_until_ms = 0;
      return;
    }
    if (!out.valid_until_ms || *ms < out.valid_until_ms) out.valid_until_ms = *ms;
  }
}

}  // namespace

XmlDocPtr ParseMetadataXml(std::string_view xml, std::string &error) {
  bool dtd = false;
  XmlDocPtr doc = ParseUntrusted(xml, &dtd);
  if (!doc)
    error = dtd ? "the IdP metadata has a DOCTYPE (refused: no DTD is read)"
                : "the IdP metadata is not well-formed XML";
  return doc;
}

sso_status ParseIdpMetadata(std::string_view xml, IdpMetadata &out, std::string_view entity_id) {
  out = IdpMetadata{};
  if (!InitXmlSec()) return SSO_ERR_INTERNAL;
  XmlDocPtr doc = ParseMetadataXml(xml, out.error);
  if (!doc) return SSO_SAML_METADATA_INVALID;
  return ParseIdpMetadata(*doc, out, entity_id);
}

sso_status ParseIdpMetadata(const xmlDoc &doc, IdpMetadata &out, std::string_view entity_id) {
  out = IdpMetadata{};
  if (!InitXmlSec()) return SSO_ERR_INTERNAL;
  xmlNode *root = xmlDocGetRootElement(&doc);
  if (!root) {
    out.error = "the IdP metadata has no root element";
    return SSO_SAML_METADATA_INVALID;
  }
  xmlNode *entity = ChooseEntity(root, entity_id, out.error);
  if (!entity) return SSO_SAML_METADATA_INVALID;
  out.entity_in_document = EntityId(entity);
  out.idp.entity_id = entity_id.empty() ? out.entity_in_document : std::string(entity_id);
  if (out.idp.entity_id.empty()) {
    out.error = "the IdP's EntityDescriptor has no entityID";
    return SSO_SAML_METADATA_INVALID;
  }
  xmlNode *idp = Saml2IdpDescriptor(entity);
  out.wants_signed_requests = Attribute(idp, "WantAuthnRequestsSigned") == "true";
  ReadSingleSignOn(idp, out);
  ReadSingleLogout(idp, out.idp);
  ReadValidUntil(entity, out);
  return ReadSigningKeys(idp, out);
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
    for (const char *binding : {"HTTP-Redirect", "HTTP-POST", "SOAP"}) {
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
