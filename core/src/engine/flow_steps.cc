#include "engine/flow_steps.h"

#include "api/c_views.h"
#include "session/gate.h"

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

void FlowHttp(sso_txn &txn, sso_txn::Flow next, HttpCall call, sso_step &out) {
  txn.flow = next;
  txn.http_method = std::move(call.method);
  txn.http_url = std::move(call.url);
  txn.http_authorization = std::move(call.authorization);
  txn.http_content_type = std::move(call.content_type);
  txn.http_body = std::move(call.body);
  txn.http_headers = std::move(call.headers);
  out.kind = SSO_STEP_HTTP;
  out.reason = SSO_OK;
  out.http.method = Str(txn.http_method);
  out.http.url = Str(txn.http_url);
  out.http.authorization = Str(txn.http_authorization);
  out.http.content_type = Str(txn.http_content_type);
  out.http.body = Str(txn.http_body);
  out.http.headers = Str(txn.http_headers);
  out.http.timeout_ms = call.timeout_ms;
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
