// Steps shared by the flows that go through the store and the back channel: failing, asking
// the store, making an HTTP call, reading store replies. The caller sets its state's stage.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/step_output.h"
#include "engine/store_command.h"
#include "engine/txn.h"
#include "sso/sso.h"

namespace sso {

// Fills `out` as an ERROR step with the page for `reason`, showing `request_id`.
void ErrorStep(sso_txn &txn, sso_status reason, std::string_view request_id, sso_step &out);

// Ends the flow with the error page for `reason`. The flow's state is gone afterwards: this
// is the flow's last word.
void FlowFail(sso_txn &txn, sso_status reason, sso_step &out);

// Ends the flow with a machine's answer: `body` of `content_type`, with `http_status`.
void FlowAnswer(sso_txn &txn, int http_status, sso_status reason, std::string content_type,
                std::string body, sso_step &out);

// Asks the caller to run `commands` (pipelined) and resume the flow with the replies.
void FlowStore(sso_txn &txn, std::vector<StoreCommand> commands, sso_step &out);

// Asks the caller to make `call` (a back-channel HTTP request) and resume the flow with the answer.
void FlowHttp(sso_txn &txn, HttpCall call, sso_step &out);

// True, with the reason, when any reply says the store failed.
bool FlowStoreFailed(std::span<const sso_store_reply> replies, sso_status &why);

}  // namespace sso
