// An administrator's look at the store (sso-admin session list, account show): one read, then
// the answer as JSON.
#pragma once

#include <cstdint>
#include <string>

#include "sso/sso.h"

namespace sso {

struct AdminReadState {
  enum class Stage {
    kSessions,  // the EVAL that reads a person's indexed session records
    kAccount,   // GET and PTTL of an account record
  };
  Stage stage = Stage::kSessions;
  sso_admin_by by = SSO_ADMIN_BY_SUBJECT;
  std::string provider;  // by subject
  std::string value;     // the subject, user id or email; for an account, the subject
  std::string issuer;    // for an account
  int64_t now_ms = 0;
};

}  // namespace sso
