// SP-initiated login: an AuthnRequest sent over the HTTP-Redirect binding, or over HTTP-POST
// to an IdP that offers only that.
#pragma once

#include <openssl/evp.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "crypto/private_key.h"
#include "sso/sso.h"

namespace sso::saml {

using sso::LoadPrivateKey;
using sso::PrivateKey;

struct AuthnRequestInput {
  std::string id;  // "_" + random hex, stored to check InResponseTo
  int64_t now_ms = 0;
  std::string sp_entity_id;
  std::string acs_url;
  std::string idp_sso_url;  // Destination
  std::string relay_state;  // an opaque handle, never the return URL itself
  PrivateKey signing_key;   // sign the request (RSA-SHA256 or ECDSA-SHA256) when set
};

// The AuthnRequest element, unsigned.
std::string AuthnRequestXml(const AuthnRequestInput &input);

// The full redirect URL: IdP SSO URL + SAMLRequest (deflate, base64, URL-encoded) +
// RelayState [+ SigAlg + Signature over exactly those bytes, as the binding specifies].
std::optional<std::string> RedirectUrl(const AuthnRequestInput &input);

// The HTTP-POST binding: the page that posts SAMLRequest (base64; signed inside the XML,
// enveloped, when there is a key) and RelayState to the IdP's SSO URL. Send it with
// AutoPostPolicy() (saml/post_form.h).
std::optional<std::string> PostPage(const AuthnRequestInput &input);

// Raw DEFLATE (RFC 1951), as the HTTP-Redirect binding wants; and its inverse (tests).
std::optional<std::string> Deflate(std::string_view data);
std::optional<std::string> Inflate(std::string_view data, size_t max_size);

}  // namespace sso::saml
