// Creating sessions (the store commands, the cookie), and hearing of revocations.
#pragma once

#include <span>

#include "session/record.h"
#include "sso/sso.h"

namespace sso {

// A brand-new session of `identity`: fills txn.output's plan_commands (and plan_views),
// cookie_value and set_cookie.
// `logout`: what later logout messages may name the session by (indexed when set).
sso_status PlanSession(sso_txn &txn, Identity identity, std::span<const uint8_t> random,
                       int64_t now_ms, LogoutRefs logout = {});

// A revocation announcement: drops the named sessions from this process's cache.
void OnRevocation(sso_engine &engine, std::string_view message);

}  // namespace sso
