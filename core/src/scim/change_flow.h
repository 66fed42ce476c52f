// What a SCIM change owes once it is written (or once a retry finds it pending): a
// deactivation or deletion ends every session of the person (the seen sets, then the shared
// revoke script), the app is told (deprovision, reactivate), the pending event is cleared;
// then the answer, an info line and an audit line (ids only). When ending the sessions or
// telling the app fails, the change stays pending and the identity provider gets a 503.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "provision/hook.h"
#include "scim/flow_state.h"
#include "scim/protocol.h"
#include "sso/sso.h"

namespace sso {

// The events a change may owe (kept in the record's pending key until done).
inline constexpr std::string_view kScimDeactivated = "deprovision:deactivated";
inline constexpr std::string_view kScimDeleted = "deprovision:deleted";
inline constexpr std::string_view kScimReactivate = "reactivate";
inline bool ScimDeprovision(std::string_view event) { return event.starts_with("deprovision:"); }

std::string ScimRecordKey(const sso_txn &txn, const ScimState &s);
// An HTTP step to the app's hook with `event`, signed, within the hook's timeout (the caller
// has checked there is a hook and set its stage).
void ScimCallHook(sso_txn &txn, const AccountEvent &event, sso_step &out);
// The provider's issuer (IdP entity ID or OIDC issuer), for the app's events.
std::string ScimIssuer(const sso_txn &txn, const std::string &provider);

// Adds where the sessions of the person these attributes stand for are: the seen sets of its
// values (s.seen_keys) and the subject indexes of its userName and externalId (s.revoke_keys).
void ScimAddSessionKeys(const sso_txn &txn, ScimState &s, const scim::Json &attributes);

// Does what s.event owes (nothing: straight to the answer). s.record is the user as written.
void ScimFinish(sso_txn &txn, ScimState &s, int64_t now_ms, sso_step &out);
// The answer once done: the user (201 with Location, 200) or 204, with the audit line.
void ScimDone(sso_txn &txn, int64_t now_ms, sso_step &out);
// The change is saved but not finished: 503, the audit line says "incomplete".
void ScimUnfinished(sso_txn &txn, sso_status why, int64_t now_ms, sso_step &out);
// Whether an event left pending by an earlier request still fits the user as it is now.
bool ScimPendingFits(std::string_view pending, bool active, bool deleted);

void ScimChangeResumeStore(sso_txn &txn, ScimState &s, std::span<const sso_store_reply> replies,
                           int64_t now_ms, sso_step &out);
void ScimChangeResumeHttp(sso_txn &txn, ScimState &s, int status, int64_t now_ms, sso_step &out);

}  // namespace sso
