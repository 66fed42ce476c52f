// RAII owners for libxml2 and xmlsec objects.
#pragma once

#include <libxml/tree.h>
#include <xmlsec/keys.h>
#include <xmlsec/xmldsig.h>

#include <memory>
#include <string>

namespace sso::saml {

struct XmlDocFree {
  void operator()(xmlDoc *doc) const { xmlFreeDoc(doc); }
};
struct XmlCharFree {
  void operator()(xmlChar *text) const { xmlFree(text); }
};
struct XmlSecKeyFree {
  void operator()(xmlSecKey *key) const { xmlSecKeyDestroy(key); }
};
struct DSigCtxFree {
  void operator()(xmlSecDSigCtx *ctx) const { xmlSecDSigCtxDestroy(ctx); }
};

using XmlDocPtr = std::unique_ptr<xmlDoc, XmlDocFree>;
using XmlCharPtr = std::unique_ptr<xmlChar, XmlCharFree>;
using XmlSecKeyPtr = std::unique_ptr<xmlSecKey, XmlSecKeyFree>;
using DSigCtxPtr = std::unique_ptr<xmlSecDSigCtx, DSigCtxFree>;

// Keys are shared by the provider configuration and every validation that uses them.
using SharedKey = std::shared_ptr<xmlSecKey>;

}  // namespace sso::saml
