// A metadata document signed on its root element, checked against pinned keys: what a
// metadata URL serves (saml_idp_metadata_url) and its backing copy.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "saml/xml_ptr.h"
#include "sso/sso.h"

namespace sso::saml {

// SSO_OK when `xml`'s root element (EntityDescriptor or EntitiesDescriptor) carries exactly
// one enveloped <ds:Signature> as a direct child that references the root by its ID and
// verifies with one of `keys` under the strict rules of VerifyEnvelopedSignature (pinned key,
// exclusive c14n, SHA-2): the whole document is then covered, so whatever is read from it
// later is signed. `verified` is then the parsed document whose signature verified: read the
// metadata from it, never from `xml` parsed again (what is read must be what was verified).
// Verification leaves its content as parsed (it registers the root's ID as an ID, no more).
// Otherwise the failed check's status, `error` naming it, and `verified` empty.
sso_status VerifyMetadataSignature(std::string_view xml, std::span<const SharedKey> keys,
                                   XmlDocPtr &verified, std::string &error);

}  // namespace sso::saml
