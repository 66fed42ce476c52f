// The session gate: no cookie / unknown / expired / valid, and what to answer for each.
#pragma once

#include <string_view>

#include "sso/sso.h"

namespace sso {

// True when a person's browser is navigating (so a redirect to login helps) rather than a
// script or API client (which needs a 401 it can act on).
bool IsBrowserNavigation(std::string_view method, std::string_view accept,
                         std::string_view sec_fetch_mode, std::string_view x_requested_with);

void GateBegin(sso_txn &txn, const sso_gate_request &request, sso_step &out);
void GateResume(sso_txn &txn, const sso_store_reply &reply, int64_t now_ms, sso_step &out);

}  // namespace sso
