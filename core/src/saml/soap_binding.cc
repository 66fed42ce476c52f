#include "saml/soap_binding.h"

#include <libxml/tree.h>

#include <algorithm>
#include <cctype>

#include "saml/redirect_binding.h"
#include "saml/xml_util.h"
#include "text/http_text.h"

namespace sso::saml {
namespace {

bool Blank(const xmlChar *text) {
  for (; text && *text; ++text)
    if (*text != ' ' && *text != '\t' && *text != '\r' && *text != '\n') return false;
  return true;
}

// The element children of `parent`, in order; false if anything but elements, whitespace
// and comments sits beside them (text in an envelope is not SOAP).
bool ElementChildren(const xmlNode *parent, std::vector<xmlNode *> &out) {
  for (xmlNode *n = parent->children; n; n = n->next) {
    if (n->type == XML_ELEMENT_NODE)
      out.push_back(n);
    else if (n->type == XML_TEXT_NODE ? !Blank(n->content) : n->type != XML_COMMENT_NODE)
      return false;
  }
  return true;
}

// SOAP 1.1 §4.2.3: a header block marked mustUnderstand="1" must be processed or the message
// refused. We process no header blocks; the others may be ignored.
bool MustUnderstandAny(const xmlNode *header) {
  for (xmlNode *n = header->children; n; n = n->next) {
    if (n->type != XML_ELEMENT_NODE) continue;
    XmlCharPtr value(xmlGetNsProp(n, reinterpret_cast<const xmlChar *>("mustUnderstand"),
                                  reinterpret_cast<const xmlChar *>(kNsSoap11)));
    if (value && xmlStrcmp(value.get(), reinterpret_cast<const xmlChar *>("0")) != 0) return true;
  }
  return false;
}

// The Body's one LogoutRequest, or nullptr (with `why`) if the envelope is anything else.
xmlNode *FindRequest(xmlNode *envelope, sso_status &why) {
  why = SSO_SAML_SOAP_MALFORMED;
  std::vector<xmlNode *> parts;
  if (!Is(envelope, kNsSoap11, "Envelope") || !ElementChildren(envelope, parts)) return nullptr;
  // [Header] Body, and nothing after the Body
  size_t i = 0;
  if (i < parts.size() && Is(parts[i], kNsSoap11, "Header")) {
    if (MustUnderstandAny(parts[i])) {
      why = SSO_SAML_SOAP_MUST_UNDERSTAND;
      return nullptr;
    }
    ++i;
  }
  if (i + 1 != parts.size() || !Is(parts[i], kNsSoap11, "Body")) return nullptr;
  std::vector<xmlNode *> body;
  if (!ElementChildren(parts[i], body) || body.size() != 1) return nullptr;
  if (!Is(body[0], kNsProtocol, "LogoutRequest")) return nullptr;
  // none elsewhere either (a Header block carrying a second one)
  if (CountDescendants(envelope, kNsProtocol, "LogoutRequest") != 1) return nullptr;
  return body[0];
}

}  // namespace

bool IsSoapContentType(std::string_view content_type) {
  std::string_view type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
  while (!type.empty() && (type.front() == ' ' || type.front() == '\t')) type.remove_prefix(1);
  auto is = [&](std::string_view expected) {
    return type.size() == expected.size() &&
           std::equal(type.begin(), type.end(), expected.begin(), [](char a, char b) {
             return std::tolower(static_cast<unsigned char>(a)) == b;
           });
  };
  return is("text/xml") || is("application/soap+xml");
}

sso_status OpenSoapLogoutRequest(std::string_view body, std::string &xml) {
  xml.clear();
  // the cap of the other bindings' decoded message
  if (body.size() > kMaxRedirectMessageBytes) return SSO_SAML_RESPONSE_TOO_LARGE;
  if (!InitXmlSec()) return SSO_ERR_INTERNAL;
  bool dtd = false;
  XmlDocPtr doc = ParseUntrusted(body, &dtd);
  if (dtd) return SSO_SAML_DTD_FORBIDDEN;
  if (!doc) return SSO_SAML_XML_MALFORMED;
  sso_status why;
  xmlNode *request = FindRequest(xmlDocGetRootElement(doc.get()), why);
  if (!request) return why;
  // The request alone, as the IdP signed it before wrapping it: the namespaces it uses
  // from the envelope are declared on it (exclusive C14N renders them the same either way).
  XmlDocPtr alone(xmlNewDoc(reinterpret_cast<const xmlChar *>("1.0")));
  xmlNode *copy = alone ? xmlDocCopyNode(request, alone.get(), 1) : nullptr;
  if (!copy) return SSO_ERR_INTERNAL;
  xmlDocSetRootElement(alone.get(), copy);
  xmlChar *out = nullptr;
  int len = 0;
  xmlDocDumpMemory(alone.get(), &out, &len);
  XmlCharPtr owned(out);
  if (!out || len <= 0) return SSO_ERR_INTERNAL;
  xml.assign(reinterpret_cast<const char *>(out), static_cast<size_t>(len));
  return SSO_OK;
}

std::string SoapEnvelope(std::string_view message) {
  if (message.starts_with("<?xml")) {
    size_t end = message.find("?>");
    message.remove_prefix(end == std::string_view::npos ? 0 : end + 2);
    while (!message.empty() && (message.front() == '\n' || message.front() == '\r'))
      message.remove_prefix(1);
  }
  return std::string(
             "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<soap11:Envelope xmlns:soap11=\"") +
         kNsSoap11 + "\"><soap11:Body>" + std::string(message) +
         "</soap11:Body></soap11:Envelope>\n";
}

std::string SoapFault(SoapFaultCode code, std::string_view reason) {
  const char *name = code == SoapFaultCode::kServer           ? "Server"
                     : code == SoapFaultCode::kMustUnderstand ? "MustUnderstand"
                                                              : "Client";
  // faultcode and faultstring are unqualified (SOAP 1.1 §4.4)
  return SoapEnvelope(std::string("<soap11:Fault><faultcode>soap11:") + name +
                      "</faultcode><faultstring>" + HtmlEscape(reason) +
                      "</faultstring></soap11:Fault>");
}

}  // namespace sso::saml
