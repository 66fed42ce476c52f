// Small, strict helpers over libxml2 trees: namespaced lookups, text, safe parsing.
#pragma once

#include <libxml/tree.h>

#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "saml/xml_ptr.h"

namespace sso::saml {

inline constexpr const char *kNsProtocol = "urn:oasis:names:tc:SAML:2.0:protocol";
inline constexpr const char *kNsAssertion = "urn:oasis:names:tc:SAML:2.0:assertion";
inline constexpr const char *kNsMetadata = "urn:oasis:names:tc:SAML:2.0:metadata";
inline constexpr const char *kNsDSig = "http://www.w3.org/2000/09/xmldsig#";

// One-time process-wide setup of libxml2 and xmlsec (OpenSSL); false if it failed.
bool InitXmlSec();

// Parses untrusted XML: no DTD at all (refused, not just ignored), no network, no entity
// substitution. nullptr on any problem; `dtd` tells whether a DTD was the reason.
XmlDocPtr ParseUntrusted(std::string_view xml, bool *dtd);

// An element with that namespace and local name. Inline, with the names compared in place:
// the walks over a whole response call it for every element.
inline bool Is(const xmlNode *node, const char *ns, const char *name) {
  auto same = [](const xmlChar *a, const char *b) {  // xmlStrEqual, for a non-null b
    return a && a[0] == static_cast<xmlChar>(b[0]) &&
           std::strcmp(reinterpret_cast<const char *>(a), b) == 0;
  };
  // the local name first: it is short and tells most elements apart
  return node && node->type == XML_ELEMENT_NODE && same(node->name, name) && node->ns &&
         same(node->ns->href, ns);
}
// Element children of `parent` with that namespace and name.
std::vector<xmlNode *> Children(const xmlNode *parent, const char *ns, const char *name);
xmlNode *OnlyChild(const xmlNode *parent, const char *ns, const char *name, size_t *count);

// The same elements as Children, found as the loop goes instead of copied out first: for
// loops that leave the tree as it is.
class ChildWalk {
 public:
  class Iterator {
   public:
    Iterator(xmlNode *node, const char *ns, const char *name)
        : node_(Match(node, ns, name)), ns_(ns), name_(name) {}
    xmlNode *operator*() const { return node_; }
    Iterator &operator++() {
      node_ = Match(node_->next, ns_, name_);
      return *this;
    }
    bool operator!=(const Iterator &other) const { return node_ != other.node_; }

   private:
    static xmlNode *Match(xmlNode *node, const char *ns, const char *name);
    xmlNode *node_;
    const char *ns_, *name_;
  };
  ChildWalk(const xmlNode *parent, const char *ns, const char *name)
      : first_(parent ? parent->children : nullptr), ns_(ns), name_(name) {}
  Iterator begin() const { return {first_, ns_, name_}; }
  Iterator end() const { return {nullptr, ns_, name_}; }
  bool empty() const { return !(begin() != end()); }

 private:
  xmlNode *first_;
  const char *ns_, *name_;
};
inline ChildWalk EachChild(const xmlNode *parent, const char *ns, const char *name) {
  return {parent, ns, name};
}
// Every element with that namespace and name anywhere below `root` (root included).
size_t CountDescendants(const xmlNode *root, const char *ns, const char *name);

std::optional<std::string> Attribute(const xmlNode *node, const char *name);
// Attribute(node, name) == expected, without copying the value out.
bool AttributeIs(const xmlNode *node, const char *name, std::string_view expected);
// The same for an optional value: nullopt asks that the attribute be absent.
bool AttributeMatches(const xmlNode *node, const char *name,
                      const std::optional<std::string> &expected);
// The text of an element: all its text and CDATA descendants joined; comments ignored, so a
// comment cannot cut a value short (the signed canonical form also drops comments).
std::string Text(const xmlNode *node);

// Registers the ID attribute of `node` so "#id" references resolve to it, and only to it;
// false when it has none or another element already has that ID (signature wrapping).
bool RegisterId(xmlDoc *doc, xmlNode *node);

// xs:dateTime in UTC, whole seconds: "2026-01-02T03:04:05Z".
std::string FormatDateTime(int64_t ms);

// xs:dateTime ("2026-01-02T03:04:05Z", fractions and offsets allowed) to Unix milliseconds.
std::optional<int64_t> ParseDateTime(std::string_view text);

}  // namespace sso::saml
