// Telling the app through its hook that sessions ended (a logout, a revocation). The call is
// bounded (kNotifyTimeoutMs, or the hook's timeout if shorter) so that the answer to the
// browser or the provider waits at most that long; its outcome goes into the audit line.
#pragma once

#include <cstdint>
#include <string>

#include "provision/hook.h"
#include "sso/sso.h"

namespace sso {

inline constexpr int64_t kNotifyTimeoutMs = 2000;

// An HTTP step to the hook with `event`; false (and no step) when the app has no hook.
bool NotifyApp(sso_txn &txn, const HookEvent &event, sso_step &out);

// "told", or what went wrong ("status 500", "no answer"), for the audit line.
std::string NotifyOutcome(int http_status);

}  // namespace sso
