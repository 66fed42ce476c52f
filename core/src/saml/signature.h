// XML signature checks for SAML: pinned keys only, one reference to the signed element,
// exclusive c14n + enveloped-signature only, asymmetric SHA-2 algorithms only.
#pragma once

#include <libxml/tree.h>

#include <span>
#include <string>
#include <string_view>

#include "saml/xml_ptr.h"
#include "sso/sso.h"

namespace sso::saml {

// A public key from a certificate: PEM text, or the base64 DER of a metadata
// <ds:X509Certificate>. Only the key is kept: trust comes from configuration, not from
// certificate chains. SSO_SAML_KEY_INVALID for an unreadable certificate; SSO_KEY_REFUSED
// for a key PublicKeyProblem (public_key_check.h) refuses, and then `why` (if given) names
// the certificate (subject, serial) and the failed check.
sso_status LoadCertificateKey(std::string_view certificate, SharedKey &out,
                              std::string *why = nullptr);

// Verifies `signature`, which must be a direct child of `signed_element` and reference it by
// its ID (already registered with xmlAddID). Tries each key in turn (rollover).
sso_status VerifyEnvelopedSignature(xmlNode *signature, xmlNode *signed_element,
                                    std::span<const SharedKey> keys);

}  // namespace sso::saml
