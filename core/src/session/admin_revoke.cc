#include "session/admin_revoke.h"

#include <nlohmann/json.hpp>

#include "engine/engine.h"
#include "engine/flow_steps.h"
#include "engine/store_keys.h"
#include "engine/txn.h"
#include "session/notify.h"
#include "session/revoke.h"
#include "text/views.h"

namespace sso {
namespace {

using Json = nlohmann::json;

void Done(sso_txn &txn, const RevokeState &revoke, sso_step &out) {
  std::string app = revoke.app.empty() ? "no hook" : revoke.app;
  Json result = {{"sessions", revoke.sessions}, {"user", revoke.user}, {"app", app}};
  Json audit = {{"event", "logout"},
                {"reason", "admin"},
                {"channel", "admin"},
                {"by", revoke.by},
                {"provider", revoke.provider},
                {"subject", revoke.subject},
                {"user", revoke.user},
                {"sessions", revoke.sessions},
                {"app", app},
                {"request_id", txn.request_id}};
  if (!revoke.email.empty()) audit["email"] = revoke.email;
  txn.flow = std::monostate{};
  txn.output.body = result.dump(-1, ' ', false, Json::error_handler_t::replace);
  txn.output.content_type = "application/json";
  txn.output.audit = audit.dump(-1, ' ', false, Json::error_handler_t::replace);
  out.kind = SSO_STEP_PAGE;
  out.reason = SSO_OK;
  out.http_status = 200;
  out.content_type = Str(txn.output.content_type);
  out.body = Str(txn.output.body);
  out.audit = Str(txn.output.audit);
  out.event = SSO_EVENT_LOGOUT;
  out.event_label = {"admin", 5};
  out.event_count = revoke.sessions;
}

// Whatever the barrier's reply: the sessions are gone, only the timing of other caches was
// at stake.
void Notify(sso_txn &txn, RevokeState &revoke, int64_t now_ms, sso_step &out) {
  HookEvent event{"logout",    "admin",         revoke.provider, revoke.subject,
                  revoke.user, revoke.sessions, txn.request_id,  now_ms};
  if (revoke.sessions > 0 && NotifyApp(txn, event, out)) {
    revoke.stage = RevokeState::Stage::kNotify;
    return;
  }
  Done(txn, EndFlow<RevokeState>(txn.flow), out);
}

}  // namespace

std::string AdminIndexKey(const std::string &prefix, sso_admin_by by, std::string_view provider,
                          std::string_view value) {
  switch (by) {
    case SSO_ADMIN_BY_SUBJECT:
      return SubjectIndexKey(prefix, provider, value);
    case SSO_ADMIN_BY_USER:
      return UserIndexKey(prefix, value);
    case SSO_ADMIN_BY_EMAIL:
      return EmailIndexKey(prefix, value);
  }
  return "";
}

const char *AdminByName(sso_admin_by by) {
  switch (by) {
    case SSO_ADMIN_BY_SUBJECT:
      return "subject";
    case SSO_ADMIN_BY_USER:
      return "user";
    case SSO_ADMIN_BY_EMAIL:
      return "email";
  }
  return "";
}

void AdminRevokeBegin(sso_txn &txn, sso_admin_by by, std::string_view provider,
                      std::string_view value, sso_step &out) {
  out = sso_step{};
  const auto &prefix = txn.engine.settings.key_prefix;
  auto &revoke = txn.flow.emplace<RevokeState>();
  revoke.by = AdminByName(by);
  revoke.provider = std::string(provider);
  // A subject's index is the provider's: the script checks each record's subject too. The user
  // id and email indexes hold only the sessions whose login wrote them there.
  std::string only_subject;
  if (by == SSO_ADMIN_BY_SUBJECT) revoke.subject = only_subject = std::string(value);
  if (by == SSO_ADMIN_BY_USER) revoke.user = std::string(value);
  if (by == SSO_ADMIN_BY_EMAIL) revoke.email = std::string(value);
  std::vector<StoreCommand> commands;
  commands.push_back(RevokeIndexes(prefix, txn.engine.revocation_channel,
                                   {AdminIndexKey(prefix, by, provider, value)}, only_subject));
  FlowStore(txn, std::move(commands), out);
}

void AdminRevokeResumeStore(sso_txn &txn, RevokeState &revoke,
                            std::span<const sso_store_reply> replies, int64_t now_ms,
                            sso_step &out) {
  out = sso_step{};
  if (revoke.stage == RevokeState::Stage::kBarrier) return Notify(txn, revoke, now_ms, out);
  sso_status why = SSO_ERR_BAD_STATE;
  RevokeAnswer answer;
  if (revoke.stage != RevokeState::Stage::kRevoke || replies.size() != 1 ||
      FlowStoreFailed(replies, why) || !ReadRevokeAnswer(replies[0], answer))
    return FlowFail(txn, why == SSO_ERR_BAD_STATE ? SSO_STORE_UNEXPECTED_REPLY : why, out);
  EvictRevoked(txn.engine.cache, answer);
  revoke.sessions = answer.sessions;
  if (!answer.user.empty()) revoke.user = std::move(answer.user);
  std::vector<StoreCommand> commands;
  commands.push_back(AnnouncementBarrier());
  revoke.stage = RevokeState::Stage::kBarrier;
  FlowStore(txn, std::move(commands), out);
}

void AdminRevokeResumeHttp(sso_txn &txn, RevokeState &revoke, int status, sso_step &out) {
  out = sso_step{};
  if (revoke.stage != RevokeState::Stage::kNotify) return FlowFail(txn, SSO_ERR_BAD_STATE, out);
  revoke.app = NotifyOutcome(status);
  Done(txn, EndFlow<RevokeState>(txn.flow), out);
}

}  // namespace sso
