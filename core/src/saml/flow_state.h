// What the SAML flows carry between store round trips.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "session/record.h"

namespace sso {

// SP-initiated login: the redirect to the IdP, held until its RelayState record is stored.
struct SamlLoginState {
  std::string redirect;
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

}  // namespace sso
