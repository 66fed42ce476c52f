// Steps shared by the login flows (SAML, OIDC): failing, asking the store, reading replies.
#pragma once

#include <span>
#include <vector>

#include "engine/step_output.h"
#include "engine/store_command.h"
#include "engine/txn.h"
#include "sso/sso.h"

namespace sso {

// Ends the flow with the error page for `reason`.
void FlowFail(sso_txn &txn, sso_status reason, sso_step &out);

// Asks the caller to run `commands` (pipelined) and resume the flow at `next`.
void FlowStore(sso_txn &txn, sso_txn::Flow next, std::vector<StoreCommand> commands, sso_step &out);

// Asks the caller to make `call` (a back-channel HTTP request) and resume the flow at `next`.
void FlowHttp(sso_txn &txn, sso_txn::Flow next, HttpCall call, sso_step &out);

// True, with the reason, when any reply says the store failed.
bool FlowStoreFailed(std::span<const sso_store_reply> replies, sso_status &why);

}  // namespace sso
