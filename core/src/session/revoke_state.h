// An administrator's revocation of every session of a person (sso-admin session revoke): the
// sessions deleted, then the app told.
#pragma once

#include <string>

namespace sso {

struct RevokeState {
  enum class Stage {
    kRevoke,   // the EVAL that ends the sessions
    kBarrier,  // until every worker's subscriber has the announcement
    kNotify,   // telling the app
  };
  Stage stage = Stage::kRevoke;
  bool AwaitsHttpAnswer() const { return stage == Stage::kNotify; }

  std::string by;  // what the administrator named the person by: subject, user, email
  std::string provider;
  std::string subject;
  std::string email;  // by email: the address named
  long long sessions = 0;
  std::string user;  // the app's user id, from one of the records
  std::string app;   // what telling the app gave; empty: no hook
};

}  // namespace sso
