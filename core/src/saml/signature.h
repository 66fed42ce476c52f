// XML signature checks for SAML: pinned keys only, one reference to the signed element,
// exclusive c14n + enveloped-signature only, asymmetric SHA-2 algorithms only.
#pragma once

#include <libxml/tree.h>

#include <span>
#include <string_view>

#include "saml/xml_ptr.h"
#include "sso/sso.h"

namespace sso::saml {

// A public key from a certificate: PEM text, or the base64 DER of a metadata
// <ds:X509Certificate>. Only the key is kept: trust comes from configuration, not from
// certificate chains. RSA keys must have at least 2048 bits, EC keys at least 256.
sso_status LoadCertificateKey(std::string_view certificate, SharedKey &out);

// Verifies `signature`, which must be a direct child of `signed_element` and reference it by
// its ID (already registered with xmlAddID). Tries each key in turn (rollover).
sso_status VerifyEnvelopedSignature(xmlNode *signature, xmlNode *signed_element,
                                    std::span<const SharedKey> keys);

}  // namespace sso::saml
