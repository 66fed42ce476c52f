#include "flow_steps.h"

#include "gate.h"

namespace sso {

void FlowFail(sso_txn &txn, sso_status reason, sso_step &out) {
  txn.flow = sso_txn::Flow::kNone;
  ErrorStep(txn, reason, "", out);
}

void FlowStore(sso_txn &txn, sso_txn::Flow next, std::vector<StoreCommand> commands,
               sso_step &out) {
  txn.flow = next;
  txn.plan_commands = std::move(commands);
  txn.step_views.clear();
  for (auto &c : txn.plan_commands) txn.step_views.push_back(c.View());
  out.kind = SSO_STEP_STORE;
  out.reason = SSO_OK;
  out.commands = txn.step_views.data();
  out.commands_count = txn.step_views.size();
}

bool FlowStoreFailed(std::span<const sso_store_reply> replies, sso_status &why) {
  for (const auto &r : replies) {
    if (r.type == SSO_REPLY_FAILED) {
      why = r.failure == SSO_STORE_TIMEOUT ? SSO_STORE_TIMEOUT : SSO_STORE_UNAVAILABLE;
      return true;
    }
    if (r.type == SSO_REPLY_ERROR) {
      why = SSO_STORE_ERROR_REPLY;
      return true;
    }
  }
  return false;
}

}  // namespace sso
