// SCIM writes and reads of one User: POST (the app told "provision" first), GET, PUT, PATCH
// and DELETE of /Users/{id}; a deactivation ends the person's sessions and tells the app,
// and what it still owes is kept (pending) until done, so a retry finishes it.
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
