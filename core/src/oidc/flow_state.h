// What the OIDC flows carry between store round trips and back-channel calls.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "oidc/client.h"
#include "oidc/jwt.h"
#include "session/record.h"

namespace sso {

// The login endpoint chose an OpenID provider: the authorization redirect.
struct OidcLoginState {
  enum class Stage {
    kDiscovery,  // fetching the provider's discovery document
    kStore,      // storing the state record the callback will look up
  };
  Stage stage = Stage::kDiscovery;
  bool AwaitsHttpAnswer() const { return stage == Stage::kDiscovery; }

  std::string provider;
  std::string return_to;
  std::vector<uint8_t> random;  // the authorization request's secrets; wiped once used
  // Held until the state record is stored.
  std::string redirect;
  std::string binding_cookie;  // Set-Cookie binding this login to this browser
};

// The redirect back from the provider: state, token exchange, ID token, then the state spent.
struct OidcCallbackState {
  enum class Stage {
    kState,      // reading the state record
    kDiscovery,  // this worker has no discovery document for the provider yet
    kToken,      // exchanging the code
    kJwks,       // fetching the provider's keys (a first use or a rotation)
    kUserinfo,   // completing the ID token's claims
    kConsume,    // spending the state record: one callback per login goes on
  };
  Stage stage = Stage::kState;
  bool AwaitsHttpAnswer() const {
    return stage == Stage::kDiscovery || stage == Stage::kToken || stage == Stage::kJwks ||
           stage == Stage::kUserinfo;
  }

  // From the callback request.
  std::string state_key;  // spent only by the login it completes
  std::string binding;    // the browser's binding cookie value (secret)
  std::string binding_name;
  std::string code;
  std::optional<std::string> iss;
  std::vector<uint8_t> session_random;  // the new session's id bytes
  // From the state record.
  std::string provider;
  std::string nonce;
  std::string code_verifier;
  std::string return_to;
  // The provider's documents this login uses (a refresh in between never changes them).
  std::shared_ptr<const oidc::Discovery> discovery;
  std::shared_ptr<const oidc::JwkSet> jwks;
  bool jwks_refreshed = false;
  // From the token endpoint.
  std::string id_token;
  std::string access_token;  // only for the userinfo call
  std::string claims;        // the verified ID token's claims (JSON), until userinfo
  // Valid, waiting for the state to be spent.
  Identity identity;
  LogoutRefs logout;          // the ID token's sid, and the token itself as id_token_hint
  std::string binding_clear;  // Set-Cookie clearing the spent binding
};

// A provider's back-channel logout: its logout token verified, its jti spent, then every
// session it names ended.
struct BackchannelLogoutState {
  enum class Stage {
    kDiscovery,  // this worker has no discovery document for the provider yet
    kJwks,       // fetching the provider's keys (a first use or a rotation)
    kReplay,     // spending the token's jti
    kRevoke,     // ending the sessions its sid or sub names
    kBarrier,    // until every worker's subscriber has the announcement
    kNotify,     // telling the app through its hook
  };
  Stage stage = Stage::kDiscovery;
  bool AwaitsHttpAnswer() const {
    return stage == Stage::kDiscovery || stage == Stage::kJwks || stage == Stage::kNotify;
  }

  bool front_channel = false;  // Front-Channel Logout 1.0: iss and sid in a GET
  std::string provider;
  std::string token;  // until verified
  bool jwks_refreshed = false;
  std::string subject;  // what the verified token names
  std::string sid;
  long long sessions = 0;  // how many it ended
  std::string user;        // the app's user id, from one of their records
  std::string app;         // what telling the app gave; empty: no hook
};

}  // namespace sso
