// SAML metadata: reading an IdP's EntityDescriptor, writing our SP's.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "saml/response.h"
#include "saml/xml_ptr.h"
#include "sso/sso.h"

namespace sso::saml {

struct IdpMetadata {
  // entity_id; sso_url (HTTP-Redirect) and sso_post_url (HTTP-POST), either may be empty;
  // the SingleLogoutService endpoints; every usable signing key (may be none)
  IdentityProvider idp;
  // the chosen entity's own entityID (idp.entity_id is saml_idp_entity_id when one is set)
  std::string entity_in_document;
  bool wants_signed_requests = false;
  // every SingleSignOnService binding the IdP lists ("HTTP-Redirect", "SOAP"...), and those of
  // our bindings skipped for their URL ("HTTP-Redirect \"http://idp/sso\""), for messages
  std::vector<std::string> sso_bindings;
  std::vector<std::string> skipped_sso;
  // one line per certificate or endpoint that was skipped: which one, and the check it failed
  std::vector<std::string> warnings;
  size_t skipped_certificates = 0;  // unreadable or refused
  size_t refused_certificates = 0;  // of those, refused by the key checks (too weak)
  // when the status is not SSO_OK: what is wrong, naming the entity, and the fix
  std::string error;
  // the earliest validUntil of the entity and the EntitiesDescriptors around it (Unix ms;
  // 0: none); `valid_until_text` one that is not an xs:dateTime (then valid_until_ms is 0)
  int64_t valid_until_ms = 0;
  std::string valid_until_text;
};

// The IdP in `xml`: an EntityDescriptor, or an EntitiesDescriptor (a federation aggregate,
// nested ones too) in which `entity_id` chooses the entity; it may be left empty when the
// file holds one IdP only (then, if given and different, it overrides that IdP's entityID).
// Of that entity's SAML 2.0 IDPSSODescriptor: the first SingleSignOnService of each HTTP
// binding we speak, SingleLogoutService, WantAuthnRequestsSigned and every signing
// certificate (several during a rollover). A certificate that is unreadable or whose key is
// refused (too weak) is skipped with a warning; an endpoint that is not https (or loopback
// http) too. Certificates are key containers: their validity dates are not checked.
// SSO_OK even when no endpoint or key is left (explicit settings may complete the metadata:
// the caller checks); SSO_SAML_METADATA_INVALID (with `error`) when no IdP can be read.
sso_status ParseIdpMetadata(std::string_view xml, IdpMetadata &out,
                            std::string_view entity_id = {});

// The same, read from a document already parsed (by ParseMetadataXml, or the one whose
// signature VerifyMetadataSignature verified): the one reading that both use. `doc` is only
// read.
sso_status ParseIdpMetadata(const xmlDoc &doc, IdpMetadata &out, std::string_view entity_id = {});

// `xml` parsed the way IdP metadata is: untrusted (no DTD, no network); null, with `error`
// saying why, when it cannot be.
XmlDocPtr ParseMetadataXml(std::string_view xml, std::string &error);

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
