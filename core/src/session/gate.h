// The session gate: no cookie / unknown / expired / valid, and what to answer for each.
#pragma once

#include <string_view>

#include "sso/sso.h"

namespace sso {

// True when a person's browser is navigating (so a redirect to login helps) rather than a
// script or API client (which needs a 401 it can act on).
bool IsBrowserNavigation(std::string_view method, std::string_view accept,
                         std::string_view sec_fetch_mode, std::string_view x_requested_with);

// True when the request accepts an HTML page (a browser's navigation, whatever its method),
// false for a script or API client (Accept without text/html, X-Requested-With, a fetch
// whose Sec-Fetch-Mode is not "navigate"), which gets its errors as JSON.
bool AcceptsHtml(std::string_view accept, std::string_view sec_fetch_mode,
                 std::string_view x_requested_with);

void GateBegin(sso_txn &txn, const sso_gate_request &request, sso_step &out);
void GateResume(sso_txn &txn, const sso_store_reply &reply, int64_t now_ms, sso_step &out);

// After an UNAUTHORIZED step of the gate: its JSON body with the request's correlation id.
void UnauthorizedBody(sso_txn &txn, std::string_view request_id, sso_step &out);

}  // namespace sso
