#include "saml/signed_metadata.h"

#include <utility>

#include "saml/signature.h"
#include "saml/xml_util.h"

namespace sso::saml {

sso_status VerifyMetadataSignature(std::string_view xml, std::span<const SharedKey> keys,
                                   XmlDocPtr &verified, std::string &error) {
  verified.reset();
  if (!InitXmlSec()) return SSO_ERR_INTERNAL;
  bool dtd = false;
  XmlDocPtr doc = ParseUntrusted(xml, &dtd);
  if (!doc) {
    error = dtd ? "it has a DOCTYPE (refused: no DTD is read)" : "it is not well-formed XML";
    return dtd ? SSO_SAML_DTD_FORBIDDEN : SSO_SAML_XML_MALFORMED;
  }
  xmlNode *root = xmlDocGetRootElement(doc.get());
  if (!root || (!Is(root, kNsMetadata, "EntityDescriptor") &&
                !Is(root, kNsMetadata, "EntitiesDescriptor"))) {
    error = "its root element is not an EntityDescriptor or EntitiesDescriptor";
    return SSO_SAML_METADATA_INVALID;
  }
  size_t count = 0;
  xmlNode *signature = OnlyChild(root, kNsDSig, "Signature", &count);
  if (count == 0) {
    error = "it is not signed (no Signature on its root element)";
    return SSO_SAML_NOT_SIGNED;
  }
  if (!signature) {
    error = "its root element has " + std::to_string(count) + " signatures (one is allowed)";
    return SSO_SAML_SIGNATURE_MALFORMED;
  }
  if (!RegisterId(doc.get(), root)) {
    error = "its root element has no ID for the signature to reference";
    return SSO_SAML_SIGNATURE_REFERENCE;
  }
  sso_status s = VerifyEnvelopedSignature(signature, root, keys);
  switch (s) {
    case SSO_OK:
      verified = std::move(doc);
      return SSO_OK;
    case SSO_SAML_SIGNATURE_INVALID:
      error =
          "its signature does not verify with the pinned signing certificate "
          "(saml_idp_metadata_signing_certificate): signed by another key, or changed "
          "after signing";
      break;
    case SSO_SAML_SIGNATURE_REFERENCE:
      error =
          "its signature does not cover the root element (the Reference must be \"#\" and "
          "the root's ID, with the enveloped-signature transform)";
      break;
    case SSO_SAML_SIGNATURE_ALGORITHM:
      error =
          "its signature uses an algorithm that is not allowed (exclusive c14n, RSA or "
          "ECDSA with SHA-256/384/512 only)";
      break;
    default:
      error = std::string("its signature is not usable (") + sso_status_name(s) + ")";
      break;
  }
  return s;
}

}  // namespace sso::saml
