// The SAML 2.0 SOAP binding (Bindings §3.2) over SOAP 1.1, as an IdP uses it for back-channel
// Single Logout: its LogoutRequest in a SOAP envelope POSTed to our SingleLogoutService, our
// LogoutResponse in the HTTP answer. What is read here is untrusted: the envelope must be
// exactly an Envelope, an optional Header and a Body holding one LogoutRequest, nothing else.
#pragma once

#include <string>
#include <string_view>

#include "sso/sso.h"

namespace sso::saml {

inline constexpr const char *kNsSoap11 = "http://schemas.xmlsoap.org/soap/envelope/";

// A SOAP request's media type, parameters such as charset allowed: text/xml (SOAP 1.1's), or
// application/soap+xml, which pysaml2 labels its SOAP 1.1 envelopes with (the envelope must
// still be SOAP 1.1's). The browser bindings post forms (application/x-www-form-urlencoded).
bool IsSoapContentType(std::string_view content_type);

// The one LogoutRequest of a SOAP 1.1 envelope, as a document of its own (the namespaces it
// uses declared on it), its signature not yet checked: the caller validates it as it would
// a LogoutRequest of the HTTP-POST binding. SSO_SAML_RESPONSE_TOO_LARGE,
// SSO_SAML_DTD_FORBIDDEN, SSO_SAML_XML_MALFORMED, SSO_SAML_SOAP_MUST_UNDERSTAND (a header
// block marked mustUnderstand: we understand none) or SSO_SAML_SOAP_MALFORMED otherwise.
sso_status OpenSoapLogoutRequest(std::string_view body, std::string &xml);

// `message`, a SAML message (an XML declaration at its start is dropped), in a SOAP 1.1
// envelope's Body.
std::string SoapEnvelope(std::string_view message);

enum class SoapFaultCode { kClient, kServer, kMustUnderstand };

// A SOAP 1.1 Fault in an envelope; `reason` becomes the faultstring (escaped).
std::string SoapFault(SoapFaultCode code, std::string_view reason);

}  // namespace sso::saml
