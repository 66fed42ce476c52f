// SCIM writes and reads of one User: POST (the app told "provision" first), GET, PUT, PATCH
// and DELETE of /Users/{id}: the user loaded, the change made and written over the version
// read; what the change then owes (sessions, the app's notice) is scim/change_flow's.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "scim/flow_state.h"
#include "sso/sso.h"

namespace sso {

void ScimUserBegin(sso_txn &txn, ScimRequest request, std::string body, int64_t now_ms,
                   sso_step &out);
void ScimUserResumeStore(sso_txn &txn, ScimState &s, std::span<const sso_store_reply> replies,
                         int64_t now_ms, sso_step &out);
void ScimUserResumeHttp(sso_txn &txn, ScimState &s, int status, std::string_view body,
                        int64_t now_ms, sso_step &out);

}  // namespace sso
