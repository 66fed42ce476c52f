// EncryptedAssertion: decryption with our SP key, safe algorithms only.
#pragma once

#include <libxml/tree.h>

#include <string_view>

#include "saml/xml_ptr.h"
#include "sso/sso.h"

namespace sso::saml {

// Our private key, for xmlsec (RSA, >= 2048 bits).
sso_status LoadDecryptionKey(std::string_view pem, SharedKey &out);

// Replaces the single EncryptedAssertion child of `response` by the Assertion inside it.
// Accepted: content AES-128-GCM or AES-256-GCM, key transport RSA-OAEP (MGF1, SHA-1 or
// SHA-256 digest). Refused: AES-CBC and 3DES (padding oracles), RSA PKCS#1 v1.5 key
// transport (Bleichenbacher), symmetric key wrap, and anything else.
sso_status DecryptAssertion(xmlDoc *doc, xmlNode *response, const SharedKey &key);

}  // namespace sso::saml
