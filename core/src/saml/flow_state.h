// What the SAML flows carry between store round trips.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "session/record.h"

namespace sso {

// SP-initiated login: the redirect to the IdP, held until its RelayState record is stored.
struct SamlLoginState {
  std::string redirect;   // HTTP-Redirect binding: where the browser goes
  std::string post_page;  // HTTP-POST binding (when `redirect` is empty): the page that posts
};

// The ACS: a posted SAMLResponse on its way to a validated, not yet replayed, identity.
struct SamlAcsState {
  enum class Stage {
    kRelay,   // spending our RelayState record (SP-initiated)
    kReplay,  // marking the assertion as used
  };
  Stage stage = Stage::kRelay;
  std::string saml_response;
  std::vector<uint8_t> session_random;  // the new session's id bytes
  std::string return_to;
  Identity identity;  // validated, waiting for the replay check
  LogoutRefs logout;  // the NameID's format and qualifiers, the SessionIndex
};

// How a Single Logout message came: in the query (HTTP-Redirect), a form (HTTP-POST), or a
// SOAP envelope straight from the IdP (SOAP, back-channel: the answer goes in the HTTP response).
enum class SloBinding { kRedirect, kPost, kSoap };

// Our SingleLogoutService: a LogoutRequest from the IdP on its way to ended sessions and our
// LogoutResponse, or the IdP's LogoutResponse to the LogoutRequest we sent it.
struct SamlSloState {
  enum class Stage {
    kReplay,   // marking the IdP's LogoutRequest ID as used
    kRevoke,   // ending the sessions it names
    kBarrier,  // until every worker's subscriber has the announcement
    kNotify,   // telling the app
    kPending,  // spending the record of the LogoutRequest we sent
  };
  Stage stage = Stage::kReplay;
  SloBinding binding = SloBinding::kRedirect;
  bool AwaitsHttpAnswer() const { return stage == Stage::kNotify; }

  std::string provider;
  std::string request_id;   // the IdP's LogoutRequest ID, which our answer names
  std::string relay_state;  // echoed in our answer
  std::string subject;      // the NameID
  std::vector<std::string> session_indexes;
  std::string response_id;  // our LogoutResponse's ID
  long long sessions = 0;
  std::string user;
  std::string app;         // what telling the app gave; empty: no hook
  std::string idp_status;  // a LogoutResponse's top-level status
};

}  // namespace sso
