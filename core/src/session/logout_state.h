// A local logout: the record deleted (and read: whose session it was), the app told, perhaps
// the provider's discovery document fetched, then the redirect.
#pragma once

#include <cstdint>
#include <string>

namespace sso {

struct LogoutState {
  enum class Stage {
    kDelete,       // GETDEL of the record, then PUBLISH
    kBarrier,      // until every worker's subscriber has the announcement
    kNotify,       // telling the app through its hook
    kDiscovery,    // this worker has no discovery document for the session's provider yet
    kSamlPending,  // remembering the SAML LogoutRequest we are about to send
  };
  Stage stage = Stage::kDelete;
  bool AwaitsHttpAnswer() const { return stage == Stage::kNotify || stage == Stage::kDiscovery; }

  std::string state;  // RP-Initiated Logout's state parameter
  // Whose session ended (empty when the cookie named none).
  std::string provider;
  std::string subject;
  std::string user;
  bool had_record = false;  // the cookie named a session that existed
  std::string app;          // what telling the app gave ("told", "no answer"...); empty: no hook
  std::string id_token;     // the provider's id_token_hint, when it ends there too (secret)
  // SAML Single Logout: our LogoutRequest's ID, the request, and the key remembering it.
  std::string saml_request_id;
  std::string saml_provider;
  std::string saml_request;
  std::string saml_pending_key;
  int64_t saml_pending_ttl_ms = 0;
};

}  // namespace sso
