// SAML 2.0 Single Logout messages (Core §3.7, Profiles §4.4): the LogoutRequest and
// LogoutResponse we send, and the checks on the ones an IdP sends us.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "saml/response.h"
#include "sso/sso.h"

namespace sso::saml {

// A NameID as the assertion carried it: a LogoutRequest repeats it exactly.
struct NameId {
  std::string value;
  std::string format;
  std::string name_qualifier;
  std::string sp_name_qualifier;
};

struct LogoutRequestInput {
  std::string id;  // "_" + random hex; the LogoutResponse must answer it
  int64_t now_ms = 0;
  std::string destination;  // the IdP's SingleLogoutService
  std::string issuer;       // our entity ID
  NameId name_id;
  std::vector<std::string> session_indexes;
};
std::string BuildLogoutRequest(const LogoutRequestInput &input);

inline constexpr const char *kStatusSuccess = "urn:oasis:names:tc:SAML:2.0:status:Success";
inline constexpr const char *kStatusRequester = "urn:oasis:names:tc:SAML:2.0:status:Requester";
inline constexpr const char *kStatusResponder = "urn:oasis:names:tc:SAML:2.0:status:Responder";

struct LogoutResponseInput {
  std::string id;
  int64_t now_ms = 0;
  std::string destination;     // the IdP's SingleLogoutService (its ResponseLocation)
  std::string issuer;          // our entity ID
  std::string in_response_to;  // the LogoutRequest's ID
  std::string status = kStatusSuccess;
};
std::string BuildLogoutResponse(const LogoutResponseInput &input);

// How a received message must look: from this IdP, to this URL of ours, fresh.
struct LogoutRules {
  std::string slo_url;  // our SingleLogoutService: the Destination
  int64_t now_ms = 0;
  int64_t clock_skew_ms = 180'000;
  // true for the HTTP-POST binding (an enveloped signature on the message, checked here);
  // false when the binding already checked a signature over the message (HTTP-Redirect)
  bool signature_in_xml = true;
};

// A LogoutRequest is accepted for this long after its IssueInstant; its ID is remembered as
// long (replay).
inline constexpr int64_t kLogoutMessageWindowMs = 10 * 60 * 1000;

struct ReceivedLogoutRequest {
  std::string id;
  NameId name_id;
  std::vector<std::string> session_indexes;  // none: every session of the NameID
  int64_t replay_until_ms = 0;
};

sso_status ValidateLogoutRequest(std::string_view xml, const IdentityProvider &idp,
                                 const LogoutRules &rules, ReceivedLogoutRequest &out);

struct ReceivedLogoutResponse {
  std::string status;  // top-level StatusCode
  bool success = false;
};

// `request_id`: the ID of the LogoutRequest we sent, which InResponseTo must name.
sso_status ValidateLogoutResponse(std::string_view xml, const IdentityProvider &idp,
                                  const LogoutRules &rules, std::string_view request_id,
                                  ReceivedLogoutResponse &out);

// The Issuer a LogoutRequest or LogoutResponse claims, its signature NOT checked: only to
// choose the IdP whose keys and rules then validate it. SSO_SAML_DTD_FORBIDDEN,
// SSO_SAML_XML_MALFORMED or SSO_SAML_NOT_A_LOGOUT_MESSAGE if it is not such a message.
sso_status ClaimedIssuer(std::string_view xml, std::string &issuer);
// The InResponseTo a LogoutResponse claims, likewise unchecked: which request of ours to
// validate it against.
std::optional<std::string> ClaimedInResponseTo(std::string_view xml);

}  // namespace sso::saml
