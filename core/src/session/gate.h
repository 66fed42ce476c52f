// The session gate: no cookie / unknown / expired / valid, and what to answer for each.
#pragma once

#include <cstdint>
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
// The store's reply to the worker's read `read_id`: checked once, cached, and handed to every
// request that waited on it (each then resumes with GateResumeRead).
void SessionReadDone(sso_engine &engine, uint64_t read_id, const sso_store_reply &reply,
                     int64_t now_ms);
// A request whose read ended: its answer.
void GateResumeRead(sso_txn &txn, sso_step &out);
// A request that goes away while it waits on a read.
void GateLeave(sso_txn &txn);

// After an UNAUTHORIZED step of the gate: its JSON body with the request's correlation id.
// The audit line of a refusal by an sso_require line (txn.denial), with the request id.
void AccessDeniedAudit(sso_txn &txn, std::string_view request_id, sso_step &out);

void UnauthorizedBody(sso_txn &txn, std::string_view request_id, sso_step &out);

}  // namespace sso
