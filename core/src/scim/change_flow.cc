#include "scim/change_flow.h"

#include <algorithm>

#include "engine/engine.h"
#include "engine/flow_steps.h"
#include "engine/store_keys.h"
#include "engine/txn.h"
#include "provision/hook.h"
#include "scim/answer.h"
#include "scim/store.h"
#include "scim/user.h"
#include "session/notify.h"
#include "session/revoke.h"
#include "text/http_text.h"
#include "text/views.h"

namespace sso {
namespace {

using scim::Json;
using Stage = ScimState::Stage;

const std::string &Prefix(const sso_txn &txn) { return txn.engine.settings.key_prefix; }
bool HasHook(const sso_txn &txn) { return txn.engine.provisioning.has_value(); }

std::vector<StoreCommand> One(StoreCommand command) {
  std::vector<StoreCommand> commands;
  commands.push_back(std::move(command));
  return commands;
}

std::string AuditTime(int64_t now_ms) {
  std::string iso = scim::IsoTime(now_ms);  // keep the audit log's second precision
  return iso.substr(0, 19) + "Z";
}

// The audit and info lines of a change (ids only, no SCIM data); `result` says whether it is
// done.
void Record(sso_txn &txn, const ScimState &s, std::string_view result, int64_t now_ms,
            sso_step &out) {
  if (s.action.empty()) return;
  std::string app = !s.app.empty() ? s.app : HasHook(txn) ? "not told" : "no hook";
  Json audit = {{"time", AuditTime(now_ms)},      {"event", "scim"},         {"action", s.action},
                {"provider", s.request.provider}, {"scim_id", s.request.id}, {"app", app},
                {"request_id", txn.request_id}};
  if (!s.user.empty()) audit["user_id"] = s.user;
  if (ScimDeprovision(s.event)) audit["sessions"] = s.sessions;
  if (result != "done") audit["result"] = result;
  txn.output.audit = audit.dump(-1, ' ', false, Json::error_handler_t::replace);
  out.audit = Str(txn.output.audit);
  txn.output.event_label = s.action;  // a fixed word of the flow
  out.event = SSO_EVENT_SCIM;
  out.event_label = Str(txn.output.event_label);
  out.event_count = ScimDeprovision(s.event) ? static_cast<long long>(s.sessions) : 0;
  std::string notice = "scim: user " + LogSafe(s.request.id, 64) + " " + s.action;
  if (ScimDeprovision(s.event)) notice += ", " + std::to_string(s.sessions) + " session(s) ended";
  notice += ", app " + app + ", provider \"" + LogSafe(s.request.provider, 64) +
            "\", request_id: " + txn.request_id;
  txn.output.notice = std::move(notice);
  out.notice = Str(txn.output.notice);
}

void Clear(sso_txn &txn, ScimState &s, sso_step &out) {
  s.stage = Stage::kClear;
  FlowStore(txn, One(scim::ClearPending(scim::PendingKey(ScimRecordKey(txn, s)), s.event)), out);
}

void Notify(sso_txn &txn, ScimState &s, int64_t now_ms, sso_step &out) {
  if (!HasHook(txn))
    return ScimDeprovision(s.event) ? Clear(txn, s, out) : ScimDone(txn, now_ms, out);
  auto user = scim::ParseStoredUser(s.record);
  if (!user) return ScimUnfinished(txn, SSO_ERR_INTERNAL, now_ms, out);
  scim::MatchValues values = scim::MatchValuesOf(user->attributes);
  AccountEvent event;
  event.event = ScimDeprovision(s.event) ? "deprovision" : "reactivate";
  if (ScimDeprovision(s.event)) {
    event.reason = s.event.substr(s.event.find(':') + 1);
    event.sessions = s.sessions;
  }
  event.provider = s.request.provider;
  event.issuer = ScimIssuer(txn, s.request.provider);
  event.user_id = s.user;
  event.scim_id = user->id;
  event.user_name = values.user_name;
  event.external_id = values.external_id;
  event.email = scim::PrimaryEmail(user->attributes);
  event.name = scim::DisplayName(user->attributes);
  event.active = user->active && !user->deleted;
  event.request_id = txn.request_id;
  event.now_ms = now_ms;
  s.stage = Stage::kNotify;
  ScimCallHook(txn, event, out);
}

}  // namespace

// Where the sessions of the person a record stands for are: the seen sets of its values, and
// the subject indexes of its userName and externalId. Both of the record before and after a
// change, so a deactivation that also renames finds the logins of either.
void ScimAddSessionKeys(const sso_txn &txn, ScimState &s, const Json &attributes) {
  scim::MatchValues values = scim::MatchValuesOf(attributes);
  auto add = [](std::vector<std::string> &to, std::vector<std::string> keys) {
    for (auto &k : keys)
      if (std::find(to.begin(), to.end(), k) == to.end()) to.push_back(std::move(k));
  };
  add(s.seen_keys, scim::SeenKeysOf(Prefix(txn), s.request.provider, values));
  // logins whose subject is the userName or the externalId exactly
  std::vector<std::string> subjects;
  for (const auto *subject : {&values.user_name, &values.external_id})
    if (!subject->empty())
      subjects.push_back(SubjectIndexKey(Prefix(txn), s.request.provider, *subject));
  add(s.revoke_keys, std::move(subjects));
}

void ScimCallHook(sso_txn &txn, const AccountEvent &event, sso_step &out) {
  const ProvisionSettings &hook = *txn.engine.provisioning;
  HookRequest request = BuildAccountEventRequest(event, hook.hook_secret);
  FlowHttp(txn,
           {"POST", hook.hook_url, "", "application/json", std::move(request.body),
            std::move(request.headers), hook.hook_timeout_ms},
           out);
}

std::string ScimRecordKey(const sso_txn &txn, const ScimState &s) {
  return scim::RecordKey(Prefix(txn), s.request.provider, s.request.id);
}

std::string ScimIssuer(const sso_txn &txn, const std::string &provider) {
  if (auto s = txn.engine.saml_providers.find(provider); s != txn.engine.saml_providers.end())
    return s->second.idp.entity_id;
  if (auto o = txn.engine.oidc_providers.find(provider); o != txn.engine.oidc_providers.end())
    return o->second.issuer;
  return {};
}

// The answer once everything is done: the user (201 with Location, 200), or 204.
void ScimDone(sso_txn &txn, int64_t now_ms, sso_step &out) {
  ScimState s = EndFlow<ScimState>(txn.flow);
  auto user = scim::ParseStoredUser(s.record);
  if (!user) return scim::AnswerUnavailable(txn, SSO_ERR_INTERNAL, "internal error", out);
  if (s.status == 204) {
    scim::Answer(txn, 204, "", out);
  } else {
    Json resource = scim::RenderUser(*user, s.request.base);
    std::string location = s.status == 201 ? s.request.base + "/Users/" + user->id : "";
    scim::Answer(txn, s.status, resource.dump(-1, ' ', false, Json::error_handler_t::replace), out,
                 scim::ETagOf(user->version), std::move(location));
  }
  Record(txn, s, "done", now_ms, out);
}

// The change is saved, but ending sessions or telling the app failed: the identity provider
// gets a 503 and retries; its retry finds the pending event and finishes it.
void ScimUnfinished(sso_txn &txn, sso_status why, int64_t now_ms, sso_step &out) {
  ScimState s = EndFlow<ScimState>(txn.flow);
  scim::AnswerUnavailable(txn, why,
                          "the change is saved, but its sessions or the app's notice are not "
                          "done; retry the request",
                          out);
  Record(txn, s, "incomplete", now_ms, out);
}

// What a change (or an earlier request's unfinished one) still has to do.
void ScimFinish(sso_txn &txn, ScimState &s, int64_t now_ms, sso_step &out) {
  if (s.event.empty()) return ScimDone(txn, now_ms, out);
  if (!ScimDeprovision(s.event)) return Notify(txn, s, now_ms, out);
  auto user = scim::ParseStoredUser(s.record);
  if (!user) return ScimUnfinished(txn, SSO_ERR_INTERNAL, now_ms, out);
  ScimAddSessionKeys(txn, s, user->attributes);
  s.stage = Stage::kSeen;
  FlowStore(txn, One(scim::SeenIndexes(s.seen_keys)), out);
}

// Whether an event left pending by an earlier request still fits the user as it is now.
bool ScimPendingFits(std::string_view pending, bool active, bool deleted) {
  if (pending == kScimDeleted) return deleted;
  if (pending == kScimDeactivated) return !active && !deleted;
  if (pending == kScimReactivate) return active && !deleted;
  return false;
}

void ScimChangeResumeStore(sso_txn &txn, ScimState &s, std::span<const sso_store_reply> replies,
                           int64_t now_ms, sso_step &out) {
  sso_status why;
  bool failed = FlowStoreFailed(replies, why);
  switch (s.stage) {
    case Stage::kSeen: {
      std::vector<std::string> seen;
      if (failed || !scim::ParseSeenIndexes(replies[0], seen))
        return ScimUnfinished(txn, failed ? why : SSO_STORE_UNEXPECTED_REPLY, now_ms, out);
      for (auto &key : seen)
        if (std::find(s.revoke_keys.begin(), s.revoke_keys.end(), key) == s.revoke_keys.end())
          s.revoke_keys.push_back(std::move(key));
      s.stage = Stage::kRevoke;
      return FlowStore(
          txn, One(RevokeIndexes(Prefix(txn), txn.engine.revocation_channel, s.revoke_keys, "")),
          out);
    }
    case Stage::kRevoke: {
      RevokeAnswer answer;
      if (failed || !ReadRevokeAnswer(replies[0], answer))
        return ScimUnfinished(txn, failed ? why : SSO_STORE_UNEXPECTED_REPLY, now_ms, out);
      EvictRevoked(txn.engine.cache, answer);
      s.sessions = answer.sessions;
      if (s.user.empty()) s.user = std::move(answer.user);
      s.stage = Stage::kBarrier;
      return FlowStore(txn, One(AnnouncementBarrier()), out);
    }
    case Stage::kBarrier:
      // the sessions are gone whatever its reply: only other caches' timing was at stake
      return Notify(txn, s, now_ms, out);
    case Stage::kClear:
      // not cleared (the store failed): a repeat of the request tells the app again, harmless
      return ScimDone(txn, now_ms, out);
    default:
      return scim::AnswerUnavailable(txn, SSO_ERR_BAD_STATE, "internal error", out);
  }
}

void ScimChangeResumeHttp(sso_txn &txn, ScimState &s, int status, int64_t now_ms, sso_step &out) {
  s.app = NotifyOutcome(status);
  if (status >= 200 && status < 300) return Clear(txn, s, out);
  return ScimUnfinished(txn, SSO_SCIM_APP_NOT_TOLD, now_ms, out);
}

}  // namespace sso
