#include "saml/xml_sign.h"

#include <libxml/parser.h>
#include <xmlsec/openssl/evp.h>
#include <xmlsec/templates.h>
#include <xmlsec/transforms.h>

#include "saml/xml_ptr.h"
#include "saml/xml_util.h"

namespace sso::saml {
namespace {

const xmlChar *X(const char *text) { return reinterpret_cast<const xmlChar *>(text); }

// The key as xmlsec wants it, sharing the EVP_PKEY (its reference count goes up).
XmlSecKeyPtr SigningKey(const PrivateKey &key) {
  if (!key || EVP_PKEY_up_ref(key.get()) != 1) return nullptr;
  xmlSecKeyDataPtr data = xmlSecOpenSSLEvpKeyAdopt(key.get());
  if (!data) {
    EVP_PKEY_free(key.get());
    return nullptr;
  }
  XmlSecKeyPtr out(xmlSecKeyCreate());
  if (!out || xmlSecKeySetValue(out.get(), data) < 0) {
    xmlSecKeyDataDestroy(data);
    return nullptr;
  }
  return out;
}

}  // namespace

std::optional<std::string> SignEnveloped(std::string_view xml, const PrivateKey &key) {
  if (!key || !InitXmlSec()) return std::nullopt;
  // Our own message: parsed with the same hardened options as anything else.
  bool dtd = false;
  XmlDocPtr doc = ParseUntrusted(xml, &dtd);
  xmlNode *root = doc ? xmlDocGetRootElement(doc.get()) : nullptr;
  if (!root || !RegisterId(doc.get(), root)) return std::nullopt;
  xmlNode *issuer = xmlFirstElementChild(root);
  auto id = Attribute(root, "ID");
  if (!issuer || !id) return std::nullopt;

  bool ec = EVP_PKEY_get_base_id(key.get()) == EVP_PKEY_EC;
  xmlNode *signature = xmlSecTmplSignatureCreate(
      doc.get(), xmlSecTransformExclC14NId,
      ec ? xmlSecOpenSSLTransformEcdsaSha256GetKlass() : xmlSecOpenSSLTransformRsaSha256GetKlass(),
      nullptr);
  if (!signature || !xmlAddNextSibling(issuer, signature)) {
    if (signature) xmlFreeNode(signature);
    return std::nullopt;
  }
  std::string uri = "#" + *id;
  xmlNode *reference = xmlSecTmplSignatureAddReference(
      signature, xmlSecOpenSSLTransformSha256GetKlass(), nullptr, X(uri.c_str()), nullptr);
  if (!reference || !xmlSecTmplReferenceAddTransform(reference, xmlSecTransformEnvelopedId) ||
      !xmlSecTmplReferenceAddTransform(reference, xmlSecTransformExclC14NId))
    return std::nullopt;

  DSigCtxPtr ctx(xmlSecDSigCtxCreate(nullptr));
  if (!ctx) return std::nullopt;
  ctx->signKey = SigningKey(key).release();  // the context destroys it
  if (!ctx->signKey || xmlSecDSigCtxSign(ctx.get(), signature) < 0) return std::nullopt;

  xmlChar *text = nullptr;
  int len = 0;
  xmlDocDumpMemoryEnc(doc.get(), &text, &len, "UTF-8");
  if (!text) return std::nullopt;
  XmlCharPtr owned(text);
  return std::string(reinterpret_cast<const char *>(text), static_cast<size_t>(len));
}

}  // namespace sso::saml
