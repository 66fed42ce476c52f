// SAML metadata: reading an IdP's EntityDescriptor, writing our SP's.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "saml/response.h"
#include "sso/sso.h"

namespace sso::saml {

struct IdpMetadata {
  IdentityProvider idp;
  bool wants_signed_requests = false;
  // one line per signing certificate that was skipped: which one, and the check it failed
  std::vector<std::string> warnings;
};

// entityID, the HTTP-Redirect SingleSignOnService and every signing certificate (several
// during a rollover) of the one IdP in `xml`. A certificate whose key is refused
// (SSO_KEY_REFUSED from LoadCertificateKey) is skipped with a warning; SSO_KEY_REFUSED when
// that leaves no key at all.
sso_status ParseIdpMetadata(std::string_view xml, IdpMetadata &out);

struct SpMetadataInput {
  std::string entity_id;
  std::string acs_url;
  std::string certificate_base64;  // DER, no PEM armour; empty if we have no key
  bool sign_requests = false;
  std::string slo_url;  // our SingleLogoutService (HTTP-Redirect and HTTP-POST); empty: none
};

// An EntityDescriptor an IdP administrator can import as it is.
std::string SpMetadata(const SpMetadataInput &sp);

// PEM certificate to the base64 DER that goes into <ds:X509Certificate>.
std::string PemBody(std::string_view pem);

}  // namespace sso::saml
