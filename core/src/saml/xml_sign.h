// Enveloped XML signatures on the messages we send over the HTTP-POST binding (SAML Bindings
// §3.5.4): the signature covers the root element by its ID, with exclusive C14N and SHA-256.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "crypto/private_key.h"

namespace sso::saml {

// `xml`, a message we built (root with an ID, an Issuer as its first child), signed with `key`
// (RSA-SHA256 or ECDSA-SHA256); the ds:Signature goes right after the Issuer, where the schema
// wants it. nullopt if signing fails.
std::optional<std::string> SignEnveloped(std::string_view xml, const PrivateKey &key);

}  // namespace sso::saml
