// From a validated login identity to a session, for both protocols: the provider's policy,
// then (when the app has a hook) single-flight provisioning through the hook, then the
// session and the 303 back to the return URL.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "provision/flow_state.h"
#include "sso/sso.h"

namespace sso {

// Takes over from the login that validated `login` (its state ends here).
void ProvisionBegin(sso_txn &txn, ValidatedLogin login, int64_t now_ms, sso_step &out);

// Continuations (called by the generic resumes, engine/flow_resume.h).
void ProvisionResumeStore(sso_txn &txn, ProvisionState &p, std::span<const sso_store_reply> replies,
                          int64_t now_ms, sso_step &out);
void ProvisionResumeHttp(sso_txn &txn, ProvisionState &p, int status, std::string_view body,
                         int64_t now_ms, sso_step &out);
void ProvisionResumeWait(sso_txn &txn, ProvisionState &p, int64_t now_ms, sso_step &out);

}  // namespace sso
