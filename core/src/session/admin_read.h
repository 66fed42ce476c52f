// What sso-admin shows an administrator: the live sessions of a person (named as for a
// revocation: subject, app user id or email) and the account record of just-in-time
// provisioning. Read-only; the last step is a PAGE with the JSON answer (core/include/sso/sso.h
// sso_admin_sessions_begin, sso_admin_account_begin).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "session/admin_read_state.h"
#include "sso/sso.h"

namespace sso {

// At most this many index members are read (the answer says "truncated").
inline constexpr int kAdminListLimit = 1000;

void AdminSessionsBegin(sso_txn &txn, sso_admin_by by, std::string_view provider,
                        std::string_view value, int64_t now_ms, sso_step &out);
void AdminAccountBegin(sso_txn &txn, std::string_view issuer, std::string_view subject,
                       int64_t now_ms, sso_step &out);
void AdminReadResumeStore(sso_txn &txn, AdminReadState &read,
                          std::span<const sso_store_reply> replies, sso_step &out);

}  // namespace sso
