#include "engine/flow_steps.h"

#include "engine/engine.h"
#include "engine/txn.h"
#include "text/pages.h"
#include "text/views.h"

namespace sso {

void ErrorStep(sso_txn &txn, sso_status reason, std::string_view request_id, sso_step &out) {
  const auto &settings = txn.engine.settings;
  std::string logout_url = LogoutUrlBeside(settings.login_url);
  RenderedPage page = txn.json_errors
                          ? RenderErrorJson(reason, request_id)
                          : RenderErrorPage(txn.engine.pages, reason, request_id,
                                            {settings.login_url, txn.return_to, logout_url});
  txn.output.body = std::move(page.body);
  out.kind = SSO_STEP_ERROR;
  out.reason = reason;
  out.http_status = page.http_status;
  out.retry_after_s = page.retry_after_s;
  out.content_type =
      txn.json_errors ? sso_str{"application/json", 16} : sso_str{"text/html; charset=utf-8", 24};
  out.content_security_policy =
      page.content_security_policy ? Str(*page.content_security_policy) : sso_str{"", 0};
  out.body = Str(txn.output.body);
}

void FlowFail(sso_txn &txn, sso_status reason, sso_step &out) {
  txn.flow = std::monostate{};
  ErrorStep(txn, reason, "", out);
}

void FlowAnswer(sso_txn &txn, int http_status, sso_status reason, std::string content_type,
                std::string body, sso_step &out) {
  txn.flow = std::monostate{};
  txn.output.body = std::move(body);
  txn.output.content_type = std::move(content_type);
  out.kind = SSO_STEP_PAGE;
  out.reason = reason;
  out.http_status = http_status;
  out.content_type = Str(txn.output.content_type);
  out.body = Str(txn.output.body);
}

void FlowStore(sso_txn &txn, std::vector<StoreCommand> commands, sso_step &out) {
  txn.output.plan_commands = std::move(commands);
  txn.output.step_views.clear();
  for (auto &c : txn.output.plan_commands) txn.output.step_views.push_back(c.View());
  out.kind = SSO_STEP_STORE;
  out.reason = SSO_OK;
  out.commands = txn.output.step_views.data();
  out.commands_count = txn.output.step_views.size();
}

void FlowHttp(sso_txn &txn, HttpCall call, sso_step &out) {
  const HttpCall &http = txn.output.http = std::move(call);
  out.kind = SSO_STEP_HTTP;
  out.reason = SSO_OK;
  out.http.method = Str(http.method);
  out.http.url = Str(http.url);
  out.http.authorization = Str(http.authorization);
  out.http.content_type = Str(http.content_type);
  out.http.body = Str(http.body);
  out.http.headers = Str(http.headers);
  out.http.timeout_ms = http.timeout_ms;
  out.http.hook = txn.engine.provisioning && http.url == txn.engine.provisioning->hook_url;
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
