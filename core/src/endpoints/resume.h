// The generic resumes: what the caller brings back (store replies, an HTTP answer, the end of
// a wait) goes to the flow the transaction runs now, chosen by the type of that flow's state.
// The C API asks first whether the running flow takes it, and refuses with SSO_ERR_BAD_STATE
// when it does not.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "sso/sso.h"

namespace sso {

// Any login or provisioning flow takes store replies; at a stage that waits for something
// else, they end it with an error page.
bool TakesStoreReplies(const sso_txn &txn) noexcept;
void FlowResume(sso_txn &txn, std::span<const sso_store_reply> replies, int64_t now_ms,
                sso_step &out);

// Only a stage that made an HTTP call takes its answer.
bool AwaitsHttpAnswer(const sso_txn &txn) noexcept;
void FlowResumeHttp(sso_txn &txn, int status, std::string_view body, int64_t now_ms, sso_step &out);

// Only provisioning waiting for another login's lock takes the end of a wait.
bool AwaitsWakeUp(const sso_txn &txn) noexcept;
void FlowResumeWait(sso_txn &txn, int64_t now_ms, sso_step &out);

// After every step of an endpoint: the last step of an ACS or OIDC callback says that a login
// ended (SSO_EVENT_LOGIN, its outcome in `reason`), with the protocol and the provider.
void NoteLogin(sso_txn &txn, sso_step &out);

}  // namespace sso
