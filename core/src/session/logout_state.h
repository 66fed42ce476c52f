// A local logout: the record deleted (and read, for what the provider needs to end its own
// session), then perhaps the provider's discovery document, before the redirect.
#pragma once

#include <string>

namespace sso {

struct LogoutState {
  enum class Stage {
    kDelete,     // GETDEL of the record, then PUBLISH
    kDiscovery,  // this worker has no discovery document for the session's provider yet
  };
  Stage stage = Stage::kDelete;
  bool AwaitsHttpAnswer() const { return stage == Stage::kDiscovery; }

  std::string state;     // RP-Initiated Logout's state parameter
  std::string provider;  // the ended session's, when it may end at the provider too
  std::string id_token;  // its id_token_hint (secret: never logged)
};

}  // namespace sso
