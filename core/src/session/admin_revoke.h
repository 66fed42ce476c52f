// An administrator ends every session of a person, named by (provider, subject), by the app's
// user id or by email (sso_admin_by), as sso-admin does: on
// every worker and node at once, the app told ("event": "logout", "reason": "admin") like for
// any other logout. The last step is a PAGE whose JSON body says what happened:
// {"sessions": N, "user": "...", "app": "told" | "no hook" | "status 500" | "no answer"}.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "session/revoke_state.h"
#include "sso/sso.h"

namespace sso {

// The index that holds the sessions of the person named so ("" for an unknown `by`).
std::string AdminIndexKey(const std::string &prefix, sso_admin_by by, std::string_view provider,
                          std::string_view value);
// "subject", "user", "email".
const char *AdminByName(sso_admin_by by);

void AdminRevokeBegin(sso_txn &txn, sso_admin_by by, std::string_view provider,
                      std::string_view value, sso_step &out);
void AdminRevokeResumeStore(sso_txn &txn, RevokeState &revoke,
                            std::span<const sso_store_reply> replies, int64_t now_ms,
                            sso_step &out);
void AdminRevokeResumeHttp(sso_txn &txn, RevokeState &revoke, int status, sso_step &out);

}  // namespace sso
