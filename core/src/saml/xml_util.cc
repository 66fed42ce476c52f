#include "saml/xml_util.h"

#include <libxml/parser.h>
#include <libxml/valid.h>
#include <xmlsec/crypto.h>
#include <xmlsec/errors.h>
#include <xmlsec/xmlsec.h>

#include <cctype>
#include <ctime>
#include <mutex>

namespace sso::saml {

bool InitXmlSec() {
  static std::once_flag once;
  static bool ok = false;
  std::call_once(once, [] {
    xmlInitParser();
    if (xmlSecInit() < 0) return;
    if (xmlSecCheckVersion() != 1) return;
    if (xmlSecCryptoAppInit(nullptr) < 0) return;
    if (xmlSecCryptoInit() < 0) return;
    // Failures are reported through our status values, not printed by the library.
    xmlSecErrorsDefaultCallbackEnableOutput(0);
    ok = true;
  });
  return ok;
}

XmlDocPtr ParseUntrusted(std::string_view xml, bool *dtd) {
  *dtd = false;
  // Refuse any document type declaration outright: no entities, no external subsets.
  // Found by its '!', which is rare in SAML (comments, CDATA), unlike '<'.
  static constexpr std::string_view kDoctype = "<!doctype";
  for (size_t bang = xml.find('!', 1); bang != std::string_view::npos;
       bang = xml.find('!', bang + 1)) {
    size_t i = bang - 1;
    if (xml[i] != '<') continue;
    if (i + kDoctype.size() > xml.size()) break;
    size_t j = 2;
    while (j < kDoctype.size() &&
           std::tolower(static_cast<unsigned char>(xml[i + j])) == kDoctype[j])
      ++j;
    if (j == kDoctype.size()) {
      *dtd = true;
      return nullptr;
    }
  }
  if (xml.size() > static_cast<size_t>(INT32_MAX)) return nullptr;
  XmlDocPtr doc(xmlReadMemory(xml.data(), static_cast<int>(xml.size()), "untrusted.xml", nullptr,
                              XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING));
  if (doc && (doc->intSubset || doc->extSubset)) {
    *dtd = true;
    return nullptr;
  }
  if (doc && !xmlDocGetRootElement(doc.get())) return nullptr;
  return doc;
}

std::vector<xmlNode *> Children(const xmlNode *parent, const char *ns, const char *name) {
  std::vector<xmlNode *> out;
  if (!parent) return out;
  for (xmlNode *child = parent->children; child; child = child->next)
    if (Is(child, ns, name)) out.push_back(child);
  return out;
}

xmlNode *OnlyChild(const xmlNode *parent, const char *ns, const char *name, size_t *count) {
  size_t n = 0;
  xmlNode *found = nullptr;
  for (xmlNode *child = parent ? parent->children : nullptr; child; child = child->next) {
    if (!Is(child, ns, name)) continue;
    ++n;
    found = child;
  }
  if (count) *count = n;
  return n == 1 ? found : nullptr;
}

size_t CountDescendants(const xmlNode *root, const char *ns, const char *name) {
  size_t n = Is(root, ns, name) ? 1 : 0;
  for (xmlNode *child = root ? root->children : nullptr; child; child = child->next)
    if (child->type == XML_ELEMENT_NODE) n += CountDescendants(child, ns, name);
  return n;
}

xmlNode *ChildWalk::Iterator::Match(xmlNode *node, const char *ns, const char *name) {
  while (node && !Is(node, ns, name)) node = node->next;
  return node;
}

namespace {

// The value of an attribute the parser made (one text node), in place; nullopt for any other
// shape, which Attribute() reads.
std::optional<std::string_view> PlainAttributeValue(const xmlNode *node, const char *name) {
  const xmlAttr *attr = xmlHasNsProp(node, reinterpret_cast<const xmlChar *>(name), nullptr);
  if (!attr || attr->type != XML_ATTRIBUTE_NODE) return std::nullopt;
  const xmlNode *text = attr->children;
  if (!text || text->next || !text->content ||
      (text->type != XML_TEXT_NODE && text->type != XML_CDATA_SECTION_NODE))
    return std::nullopt;
  return std::string_view(reinterpret_cast<const char *>(text->content));
}

}  // namespace

bool AttributeIs(const xmlNode *node, const char *name, std::string_view expected) {
  if (!node) return false;
  if (auto value = PlainAttributeValue(node, name)) return *value == expected;
  auto value = Attribute(node, name);
  return value && *value == expected;
}

bool AttributeMatches(const xmlNode *node, const char *name,
                      const std::optional<std::string> &expected) {
  if (expected) return AttributeIs(node, name, std::string_view(*expected));
  return !Attribute(node, name);
}

std::optional<std::string> Attribute(const xmlNode *node, const char *name) {
  if (!node) return std::nullopt;
  // What xmlGetNoNsProp returns, without its intermediate copy when the value is one text
  // node (as the parser makes it).
  const xmlAttr *attr = xmlHasNsProp(node, reinterpret_cast<const xmlChar *>(name), nullptr);
  if (attr && attr->type == XML_ATTRIBUTE_NODE) {
    const xmlNode *text = attr->children;
    if (!text) return std::string();
    if (!text->next && (text->type == XML_TEXT_NODE || text->type == XML_CDATA_SECTION_NODE)) {
      if (!text->content) return std::nullopt;
      return std::string(reinterpret_cast<const char *>(text->content));
    }
  }
  XmlCharPtr value(xmlGetNoNsProp(node, reinterpret_cast<const xmlChar *>(name)));
  if (!value) return std::nullopt;
  return std::string(reinterpret_cast<const char *>(value.get()));
}

std::string Text(const xmlNode *node) {
  std::string out;
  for (const xmlNode *child = node ? node->children : nullptr; child; child = child->next) {
    if (child->type == XML_TEXT_NODE || child->type == XML_CDATA_SECTION_NODE) {
      if (child->content) out += reinterpret_cast<const char *>(child->content);
    } else if (child->type == XML_ELEMENT_NODE) {
      out += Text(child);
    }
  }
  return out;
}

namespace {

bool Digits(std::string_view s, size_t pos, size_t n, int &value) {
  if (pos + n > s.size()) return false;
  value = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    value = value * 10 + (s[i] - '0');
  }
  return true;
}

}  // namespace

std::optional<int64_t> ParseDateTime(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)
  int year, month, day, hour, minute, second;
  if (!Digits(s, 0, 4, year) || s.size() < 20 || s[4] != '-' || !Digits(s, 5, 2, month) ||
      s[7] != '-' || !Digits(s, 8, 2, day) || s[10] != 'T' || !Digits(s, 11, 2, hour) ||
      s[13] != ':' || !Digits(s, 14, 2, minute) || s[16] != ':' || !Digits(s, 17, 2, second))
    return std::nullopt;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60)
    return std::nullopt;
  size_t pos = 19;
  int64_t millis = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) {
      if (digits < 3) millis = millis * 10 + (s[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return std::nullopt;
    for (int d = digits; d < 3; ++d) millis *= 10;
  }
  int64_t offset_s = 0;
  if (pos < s.size() && s[pos] == 'Z') {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (!Digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !Digits(s, pos + 4, 2, om) || oh > 14 || om > 59)
      return std::nullopt;
    offset_s = (oh * 3600 + om * 60) * (s[pos] == '+' ? 1 : -1);
    pos += 6;
  } else {
    return std::nullopt;  // a time without a zone is ambiguous: refuse it
  }
  if (pos != s.size()) return std::nullopt;
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  time_t t = timegm(&tm);
  return (static_cast<int64_t>(t) - offset_s) * 1000 + millis;
}

// Registers the ID attribute of `node` so "#id" references resolve to it, and only to it.
bool RegisterId(xmlDoc *doc, xmlNode *node) {
  xmlAttr *attr = xmlHasNsProp(node, reinterpret_cast<const xmlChar *>("ID"), nullptr);
  if (!attr || !attr->children || !attr->children->content) return false;
  const xmlChar *id = attr->children->content;
  if (xmlStrlen(id) == 0) return false;
  // A second element with the same ID is how signature wrapping starts: refuse it.
  if (xmlGetID(doc, id)) return false;
  return xmlAddID(nullptr, doc, id, attr) != nullptr;
}

std::string FormatDateTime(int64_t ms) {
  time_t t = static_cast<time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace sso::saml
