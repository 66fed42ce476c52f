#include "saml/decrypt.h"

#include <xmlsec/crypto.h>
#include <xmlsec/keysmngr.h>
#include <xmlsec/xmlenc.h>

#include <array>
#include <memory>
#include <string>

#include "saml/xml_util.h"

namespace sso::saml {
namespace {

constexpr const char *kNsXenc = "http://www.w3.org/2001/04/xmlenc#";
constexpr std::array<const char *, 2> kContentAlgorithms = {
    "http://www.w3.org/2009/xmlenc11#aes128-gcm", "http://www.w3.org/2009/xmlenc11#aes256-gcm"};
constexpr const char *kKeyTransport = "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p";
constexpr std::array<const char *, 2> kOaepDigests = {"http://www.w3.org/2000/09/xmldsig#sha1",
                                                      "http://www.w3.org/2001/04/xmlenc#sha256"};

struct KeysMngrFree {
  void operator()(xmlSecKeysMngr *m) const { xmlSecKeysMngrDestroy(m); }
};
struct EncCtxFree {
  void operator()(xmlSecEncCtx *c) const { xmlSecEncCtxDestroy(c); }
};

template <size_t N>
bool OneOf(const std::optional<std::string> &v, const std::array<const char *, N> &allowed) {
  if (!v) return false;
  for (const char *a : allowed)
    if (*v == a) return true;
  return false;
}

// Every EncryptedKey below `node` must use RSA-OAEP.
bool KeyTransportAllowed(xmlNode *node, size_t &keys) {
  for (xmlNode *child = node->children; child; child = child->next) {
    if (child->type != XML_ELEMENT_NODE) continue;
    if (Is(child, kNsXenc, "EncryptedKey")) {
      ++keys;
      size_t n = 0;
      xmlNode *method = OnlyChild(child, kNsXenc, "EncryptionMethod", &n);
      if (!method || Attribute(method, "Algorithm") != kKeyTransport) return false;
      for (xmlNode *digest : Children(method, kNsDSig, "DigestMethod"))
        if (!OneOf(Attribute(digest, "Algorithm"), kOaepDigests)) return false;
    }
    if (!KeyTransportAllowed(child, keys)) return false;
  }
  return true;
}

// Some IdPs put the EncryptedKey next to the EncryptedData and point at it with a
// RetrievalMethod; move it into the KeyInfo so no URI ever needs resolving.
bool InlineEncryptedKey(xmlNode *encrypted_assertion, xmlNode *encrypted_data) {
  size_t n = 0;
  xmlNode *key_info = OnlyChild(encrypted_data, kNsDSig, "KeyInfo", &n);
  if (key_info && !Children(key_info, kNsXenc, "EncryptedKey").empty()) return true;
  xmlNode *sibling = OnlyChild(encrypted_assertion, kNsXenc, "EncryptedKey", &n);
  if (!sibling) return false;
  if (!key_info) {
    key_info = xmlNewChild(encrypted_data, nullptr, BAD_CAST "KeyInfo", nullptr);
    if (!key_info) return false;
    xmlSetNs(key_info, xmlNewNs(key_info, BAD_CAST kNsDSig, BAD_CAST "ds"));
  }
  for (xmlNode *retrieval : Children(key_info, kNsDSig, "RetrievalMethod")) {
    xmlUnlinkNode(retrieval);
    xmlFreeNode(retrieval);
  }
  xmlUnlinkNode(sibling);
  return xmlAddChild(key_info, sibling) != nullptr;
}

}  // namespace

sso_status LoadDecryptionKey(std::string_view pem, SharedKey &out) {
  if (!InitXmlSec()) return SSO_ERR_INTERNAL;
  xmlSecKey *key = xmlSecCryptoAppKeyLoadMemory(reinterpret_cast<const xmlSecByte *>(pem.data()),
                                                static_cast<xmlSecSize>(pem.size()),
                                                xmlSecKeyDataFormatPem, nullptr, nullptr, nullptr);
  if (!key) return SSO_SAML_KEY_INVALID;
  out = SharedKey(key, XmlSecKeyFree{});
  if (!(xmlSecKeyGetType(key) & xmlSecKeyDataTypePrivate)) return SSO_SAML_KEY_INVALID;
  return SSO_OK;
}

sso_status DecryptAssertion(xmlDoc *doc, xmlNode *response, const SharedKey &key) {
  size_t n = 0;
  xmlNode *encrypted_assertion = OnlyChild(response, kNsAssertion, "EncryptedAssertion", &n);
  if (!encrypted_assertion) return SSO_SAML_ASSERTION_COUNT;
  if (!key) return SSO_SAML_ENCRYPTED_UNSUPPORTED;
  xmlNode *encrypted_data = OnlyChild(encrypted_assertion, kNsXenc, "EncryptedData", &n);
  if (!encrypted_data) return SSO_SAML_DECRYPTION_FAILED;

  xmlNode *method = OnlyChild(encrypted_data, kNsXenc, "EncryptionMethod", &n);
  if (!method || !OneOf(Attribute(method, "Algorithm"), kContentAlgorithms))
    return SSO_SAML_ENCRYPTION_ALGORITHM;
  auto type = Attribute(encrypted_data, "Type");
  if (type && *type != "http://www.w3.org/2001/04/xmlenc#Element")
    return SSO_SAML_ENCRYPTION_ALGORITHM;
  size_t keys = 0;
  if (!KeyTransportAllowed(encrypted_assertion, keys)) return SSO_SAML_ENCRYPTION_ALGORITHM;
  if (keys != 1 || !InlineEncryptedKey(encrypted_assertion, encrypted_data))
    return SSO_SAML_DECRYPTION_FAILED;

  std::unique_ptr<xmlSecKeysMngr, KeysMngrFree> manager(xmlSecKeysMngrCreate());
  if (!manager || xmlSecCryptoAppDefaultKeysMngrInit(manager.get()) < 0)
    return SSO_ERR_OUT_OF_MEMORY;
  xmlSecKey *copy = xmlSecKeyDuplicate(key.get());
  if (!copy || xmlSecCryptoAppDefaultKeysMngrAdoptKey(manager.get(), copy) < 0) {
    if (copy) xmlSecKeyDestroy(copy);
    return SSO_ERR_OUT_OF_MEMORY;
  }
  std::unique_ptr<xmlSecEncCtx, EncCtxFree> ctx(xmlSecEncCtxCreate(manager.get()));
  if (!ctx) return SSO_ERR_OUT_OF_MEMORY;
  for (xmlSecTransformId id : {xmlSecTransformAes128GcmId, xmlSecTransformAes256GcmId}) {
    // xmlsec keeps transform classes in a list of untyped pointers.
    void *klass = const_cast<void *>(static_cast<const void *>(id));
    if (xmlSecPtrListAdd(&ctx->transformCtx.enabledTransforms, klass) < 0)
      return SSO_ERR_OUT_OF_MEMORY;
  }
  ctx->transformCtx.enabledUris = xmlSecTransformUriTypeNone;
  ctx->keyInfoReadCtx.retrievalMethodCtx.enabledUris = xmlSecTransformUriTypeNone;

  if (xmlSecEncCtxDecrypt(ctx.get(), encrypted_data) < 0 || !ctx->resultReplaced)
    return SSO_SAML_DECRYPTION_FAILED;

  // The decrypted Assertion now sits inside the EncryptedAssertion: lift it out.
  xmlNode *assertion = OnlyChild(encrypted_assertion, kNsAssertion, "Assertion", &n);
  if (!assertion) return SSO_SAML_DECRYPTION_FAILED;
  xmlUnlinkNode(assertion);
  xmlReplaceNode(encrypted_assertion, assertion);
  xmlFreeNode(encrypted_assertion);
  (void)doc;
  return SSO_OK;
}

}  // namespace sso::saml
