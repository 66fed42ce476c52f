// What provisioning carries from a validated login to its session.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "provision/lock.h"
#include "provision/policy.h"
#include "session/record.h"

namespace sso {

// What a login hands to provisioning once its identity is validated (moved, not shared: the
// login's state ends there).
struct ValidatedLogin {
  std::string protocol;  // "saml" | "oidc"
  Identity identity;
  std::vector<uint8_t> session_random;  // the new session's id bytes, until it is planned
  std::string return_to;
  std::string binding_clear;  // an OIDC login's Set-Cookie clearing its spent binding
  LogoutRefs logout;          // what the provider's logout messages will name the session by
};

struct ProvisionState {
  enum class Stage {
    kScim,     // the provider has SCIM: is the person deactivated, or provisioned?
    kLock,     // taking the account's single-flight lock, reading its record
    kWait,     // another login of the account holds the lock
    kHook,     // calling the app's hook
    kSession,  // storing the session
  };
  Stage stage = Stage::kLock;
  bool AwaitsHttpAnswer() const { return stage == Stage::kHook; }
  bool AwaitsWakeUp() const { return stage == Stage::kWait; }

  ValidatedLogin login;  // its identity gets the app's user id and roles
  int64_t started_ms = 0;
  PolicyOutcome policy;
  std::string account_key;
  LockKeys lock;
  std::string lock_token;
  std::string fresh_key;    // the Idempotency-Key should this login start an attempt
  std::string attempt_key;  // the attempt's key, once the lock is ours
  bool attempt_new = false;
  std::optional<std::string> known_user;
  // SCIM (scim/login_match.h): where a matching SCIM user would be, where this login is
  // remembered, the app's user id of a provisioned match; the session's key, deleted again
  // when the check after writing it finds the person deactivated meanwhile.
  bool scim = false;
  std::vector<std::string> scim_lookup;
  std::vector<std::string> scim_seen;
  std::string provisioned_user;
  std::string session_key;
};

}  // namespace sso
