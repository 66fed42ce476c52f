// The HTTP-Redirect binding (SAML Bindings §3.4): a message deflated, base64-encoded and put
// in a URL's query, signed over the query's exact bytes rather than inside the XML.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "saml/authn_request.h"
#include "saml/xml_ptr.h"
#include "sso/sso.h"

namespace sso::saml {

// Which parameter carries the message.
enum class MessageParameter { kRequest, kResponse };

// `destination` + "SAMLRequest=" (or "SAMLResponse=") + [RelayState] [+ SigAlg + Signature,
// RSA-SHA256 or ECDSA-SHA256 with `signing_key` when set].
std::optional<std::string> RedirectBindingUrl(std::string_view destination,
                                              MessageParameter parameter, std::string_view xml,
                                              std::string_view relay_state,
                                              const PrivateKey &signing_key);

// Largest inflated message accepted.
inline constexpr size_t kMaxRedirectMessageBytes = 256 * 1024;

struct RedirectMessage {
  std::string xml;          // inflated, not yet parsed
  std::string relay_state;  // decoded; empty if none
};

// Reads a message from a request's raw query, the signature required: SigAlg one of the
// allowed SHA-2 algorithms, Signature verified with one of `keys` over exactly the query's
// bytes as received (SAMLRequest/SAMLResponse, RelayState, SigAlg, in that order). Refuses
// repeated parameters. SSO_SAML_NOT_SIGNED, SSO_SAML_SIGNATURE_ALGORITHM,
// SSO_SAML_SIGNATURE_INVALID, SSO_SAML_BAD_ENCODING or SSO_SAML_RESPONSE_TOO_LARGE.
sso_status ReadRedirectMessage(std::string_view raw_query, MessageParameter parameter,
                               std::span<const SharedKey> keys, RedirectMessage &out);

// Which message a raw query carries; nullopt for neither, both, or a repeated parameter.
std::optional<MessageParameter> RedirectMessageKind(std::string_view raw_query);

// The message inflated with its signature NOT checked: only to learn which IdP it claims to
// come from, whose keys ReadRedirectMessage then checks it with.
sso_status PeekRedirectMessage(std::string_view raw_query, MessageParameter parameter,
                               RedirectMessage &out);

}  // namespace sso::saml
