#include "session/notify.h"

#include <algorithm>

#include "engine/engine.h"
#include "engine/flow_steps.h"
#include "engine/txn.h"

namespace sso {

bool NotifyApp(sso_txn &txn, const HookEvent &event, sso_step &out) {
  const auto &hook = txn.engine.provisioning;
  if (!hook) return false;
  HookRequest request = BuildEventRequest(event, hook->hook_secret);
  FlowHttp(txn,
           {"POST", hook->hook_url, "", "application/json", std::move(request.body),
            std::move(request.headers), std::min(hook->hook_timeout_ms, kNotifyTimeoutMs)},
           out);
  return true;
}

std::string NotifyOutcome(int http_status) {
  if (http_status >= 200 && http_status < 300) return "told";
  if (http_status == 0) return "no answer";
  return "status " + std::to_string(http_status);
}

}  // namespace sso
