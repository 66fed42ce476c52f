#include "provision/flow.h"

#include <chrono>
#include <ctime>
#include <nlohmann/json.hpp>

#include "engine/engine.h"
#include "engine/flow_steps.h"
#include "engine/store_keys.h"
#include "provision/hook.h"
#include "provision/lock.h"
#include "scim/login_match.h"
#include "session/plan.h"
#include "session/session_id.h"
#include "text/http_text.h"
#include "text/views.h"

namespace sso {
namespace {

using Json = nlohmann::json;

constexpr int64_t kLockPollMs = 50;
constexpr int64_t kAccountRecordTtlMs = 400LL * 24 * 60 * 60 * 1000;

const ProvisionPolicy &PolicyOf(const sso_txn &txn, const Identity &identity) {
  static const ProvisionPolicy kDefault;
  auto it = txn.engine.policies.find(identity.provider);
  return it == txn.engine.policies.end() ? kDefault : it->second;
}

const std::vector<std::string> &DomainsOf(const sso_txn &txn, const Identity &identity) {
  static const std::vector<std::string> kNone;
  const std::string &name = identity.provider;
  if (auto s = txn.engine.saml_providers.find(name); s != txn.engine.saml_providers.end())
    return s->second.email_domains;
  if (auto o = txn.engine.oidc_providers.find(name); o != txn.engine.oidc_providers.end())
    return o->second.email_domains;
  return kNone;
}

int64_t LeaseMs(const sso_txn &txn) { return txn.engine.provisioning->lease_ms; }

std::string IsoTime(int64_t now_ms) {
  std::time_t seconds = static_cast<std::time_t>(now_ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char out[32];
  std::strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return out;
}

// One JSON line per decision: no cookies, codes, tokens or secrets, only who and what.
void Audit(sso_txn &txn, const ValidatedLogin &login, std::string_view decision, int64_t now_ms,
           std::string_view reason, int hook_status, sso_step &out) {
  const Identity &id = login.identity;
  Json line = {{"time", IsoTime(now_ms)},      {"decision", decision},
               {"request_id", txn.request_id}, {"provider", id.provider},
               {"protocol", login.protocol},   {"issuer", id.issuer},
               {"subject", id.subject},        {"email", id.email}};
  if (!id.user.empty() && decision != "denied" && decision != "failed" && decision != "pending") {
    line["user_id"] = id.user;
    if (!id.roles.empty()) line["roles"] = id.roles;
  }
  if (!reason.empty()) line["reason"] = reason;
  if (hook_status >= 0) line["hook_status"] = hook_status;
  txn.output.audit = line.dump(-1, ' ', false, Json::error_handler_t::replace);
  out.audit = Str(txn.output.audit);
  out.decision = {decision.data(), decision.size()};  // one of the fixed words
}

// The login's own audit line, once its session is stored: who signed in, through what.
void AuditLogin(sso_txn &txn, const ValidatedLogin &login, int64_t now_ms, sso_step &out) {
  const Identity &id = login.identity;
  Json line = {{"time", IsoTime(now_ms)},     {"event", "login"},      {"provider", id.provider},
               {"protocol", login.protocol},  {"subject", id.subject}, {"user_id", id.user},
               {"request_id", txn.request_id}};
  txn.output.audit = line.dump(-1, ' ', false, Json::error_handler_t::replace);
  out.audit = Str(txn.output.audit);
}

// Releases the lock; `finished` also ends the attempt (its outcome is known, or the attempt was
// started just now and never called the hook), so the next provisioning gets a new key.
StoreCommand Unlock(const ProvisionState &p, bool finished) {
  bool ends = finished || p.attempt_new;
  return ReleaseLock(p.lock, p.lock_token, ends ? p.attempt_key : "");
}

// What happens to the lock when the login ends without a session.
enum class Lock { kNotHeld, kRelease, kReleaseFinished, kHold };

void Deny(sso_txn &txn, ProvisionState &p, sso_status why, std::string_view decision,
          std::string_view reason, int hook_status, int64_t now_ms, Lock lock, sso_step &out) {
  std::fill(p.login.session_random.begin(), p.login.session_random.end(), 0);
  Audit(txn, p.login, decision, now_ms, reason.empty() ? sso_status_name(why) : reason, hook_status,
        out);
  if (lock != Lock::kNotHeld) {
    txn.output.cleanup = lock == Lock::kHold ? HoldLock(p.lock, p.lock_token)
                                             : Unlock(p, lock == Lock::kReleaseFinished);
    out.cleanup = txn.output.cleanup.View();
  }
  FlowFail(txn, why, out);  // last: it ends the flow, and `p` with it
}

void AskForLock(sso_txn &txn, ProvisionState &p, sso_step &out) {
  std::vector<StoreCommand> commands;
  commands.push_back(AcquireLock(p.lock, p.lock_token, LeaseMs(txn), p.fresh_key));
  commands.push_back(StoreCommand{"GET", p.account_key});
  p.stage = ProvisionState::Stage::kLock;
  FlowStore(txn, std::move(commands), out);
}

// The session (and whatever else must be written with it), then the 303.
void StoreSession(sso_txn &txn, ProvisionState &p, std::vector<StoreCommand> before, int64_t now_ms,
                  sso_step &out) {
  auto &random = p.login.session_random;
  sso_status s = PlanSession(txn, p.login.identity, random, now_ms, std::move(p.login.logout));
  std::fill(random.begin(), random.end(), 0);
  if (s != SSO_OK) return FlowFail(txn, s, out);
  if (p.scim) p.session_key = txn.output.plan_commands[0].args()[1];
  for (auto &c : txn.output.plan_commands) before.push_back(std::move(c));
  if (p.scim) {
    // Remembered where a deactivation looks for the person's sessions; then the SCIM users
    // are checked again, after the session exists: a deactivation that came meanwhile either
    // finds this session or is found here (scim/store.h SeenIndexes).
    const Identity &id = p.login.identity;
    const std::string &prefix = txn.engine.settings.key_prefix;
    for (auto &c :
         scim::RememberLogin(p.scim_seen, SubjectIndexKey(prefix, id.provider, id.subject),
                             txn.engine.settings.ttl_ms))
      before.push_back(std::move(c));
    before.push_back(scim::MatchLogin(p.scim_lookup));
  }
  p.stage = ProvisionState::Stage::kSession;
  FlowStore(txn, std::move(before), out);
}

void UseRecord(sso_txn &txn, ProvisionState &p, const Json &record, int64_t now_ms, sso_step &out) {
  Identity &identity = p.login.identity;
  identity.user = record.value("user_id", "");
  if (auto roles = record.find("roles"); roles != record.end() && roles->is_array()) {
    identity.roles.clear();
    for (const auto &r : *roles)
      if (r.is_string()) identity.roles.push_back(r.get<std::string>());
  }
  std::vector<StoreCommand> commands;
  commands.push_back(Unlock(p, false));  // no call made: an earlier attempt's key stays
  Audit(txn, p.login, "unchanged", now_ms, "", -1, out);  // first: StoreSession may end the flow
  StoreSession(txn, p, std::move(commands), now_ms, out);
}

void CallHook(sso_txn &txn, ProvisionState &p, int64_t now_ms, sso_step &out) {
  const ProvisionSettings &settings = *txn.engine.provisioning;
  const Identity &identity = p.login.identity;
  HookRequest request =
      BuildHookRequest({p.login.protocol, identity, p.policy, PolicyOf(txn, identity).auto_create,
                        p.known_user, p.provisioned_user, txn.request_id, p.attempt_key, now_ms},
                       settings.hook_secret);
  p.stage = ProvisionState::Stage::kHook;
  FlowHttp(txn,
           {"POST", settings.hook_url, "", "application/json", std::move(request.body),
            std::move(request.headers), settings.hook_timeout_ms},
           out);
}

// Once the policy (and SCIM) allowed the login: the session, through the hook if there is one.
void AfterPolicy(sso_txn &txn, ProvisionState &p, int64_t now_ms, sso_step &out) {
  Identity &identity = p.login.identity;
  if (!txn.engine.provisioning) return StoreSession(txn, p, {}, now_ms, out);  // subject = user

  // One hook call at a time per account, across workers and nginx nodes.
  std::string account = AccountHash(identity.issuer, identity.subject);
  const std::string &prefix = txn.engine.settings.key_prefix;
  p.account_key = AccountKey(prefix, identity.issuer, identity.subject);
  p.lock = {prefix + "lock:" + account, prefix + "attempt:" + account};
  std::string bytes(p.login.session_random.begin(), p.login.session_random.end());
  p.lock_token = Sha256Hex(bytes + "lock").substr(0, 32);
  // The Idempotency-Key if this login starts a new attempt (one-way from the random bytes).
  p.fresh_key = Sha256Hex(bytes + "attempt").substr(0, 32);
  std::fill(bytes.begin(), bytes.end(), 0);
  AskForLock(txn, p, out);
}

}  // namespace

void ProvisionBegin(sso_txn &txn, ValidatedLogin login, int64_t now_ms, sso_step &out) {
  auto &p = txn.flow.emplace<ProvisionState>();
  p.login = std::move(login);
  p.started_ms = now_ms;
  Identity &identity = p.login.identity;
  bool hook = txn.engine.provisioning.has_value();

  p.policy = ApplyPolicy(
      {PolicyOf(txn, identity), DomainsOf(txn, identity), p.login.protocol == "oidc", hook},
      identity);
  if (p.policy.status != SSO_OK)
    return Deny(txn, p, p.policy.status, "denied", "", -1, now_ms, Lock::kNotHeld, out);
  if (txn.engine.scim.count(identity.provider)) {
    // Is the person deactivated (or deleted) through SCIM, or provisioned by it?
    p.scim = true;
    scim::LoginKeys keys =
        scim::LoginKeysOf(txn.engine.settings.key_prefix, identity.provider, identity.subject,
                          p.policy.email_verified ? identity.email : std::string());
    p.scim_lookup = std::move(keys.lookup);
    p.scim_seen = std::move(keys.seen);
    std::vector<StoreCommand> commands;
    commands.push_back(scim::MatchLogin(p.scim_lookup));
    p.stage = ProvisionState::Stage::kScim;
    return FlowStore(txn, std::move(commands), out);
  }
  AfterPolicy(txn, p, now_ms, out);
}

void ProvisionResumeWait(sso_txn &txn, ProvisionState &p, int64_t now_ms, sso_step &out) {
  out = sso_step{};
  if (p.stage != ProvisionState::Stage::kWait) return FlowFail(txn, SSO_ERR_BAD_STATE, out);
  (void)now_ms;
  AskForLock(txn, p, out);
}

void ProvisionResumeStore(sso_txn &txn, ProvisionState &p, std::span<const sso_store_reply> replies,
                          int64_t now_ms, sso_step &out) {
  sso_status why;
  bool failed = FlowStoreFailed(replies, why);

  switch (p.stage) {
    case ProvisionState::Stage::kScim: {
      if (failed) return Deny(txn, p, why, "failed", "", -1, now_ms, Lock::kNotHeld, out);
      scim::LoginMatch match = scim::ParseLoginMatch(replies[0]);
      if (!match.valid)
        return Deny(txn, p, SSO_STORE_UNEXPECTED_REPLY, "failed", "", -1, now_ms, Lock::kNotHeld,
                    out);
      if (match.inactive)
        return Deny(txn, p, SSO_JIT_ACCOUNT_INACTIVE, "denied", "", -1, now_ms, Lock::kNotHeld,
                    out);
      p.provisioned_user = std::move(match.app_user);
      return AfterPolicy(txn, p, now_ms, out);
    }

    case ProvisionState::Stage::kLock: {
      if (failed) return Deny(txn, p, why, "failed", "", -1, now_ms, Lock::kRelease, out);
      LockReply lock = ParseLockReply(replies[0]);
      switch (lock.kind) {
        case LockReply::Kind::kTaken:
          p.attempt_key = lock.key;
          p.attempt_new = lock.new_attempt;
          break;
        case LockReply::Kind::kBusy:
          // Another login of this account is calling the hook: wait for it, within the lease.
          if (now_ms - p.started_ms > LeaseMs(txn))
            return Deny(txn, p, SSO_JIT_BUSY, "failed", "", -1, now_ms, Lock::kNotHeld, out);
          p.stage = ProvisionState::Stage::kWait;
          out.kind = SSO_STEP_WAIT;
          out.reason = SSO_OK;
          out.delay_ms = kLockPollMs;
          return;
        case LockReply::Kind::kHeldUnknown:
          // Its call ended and nobody knows whether the app made the account: calling the hook
          // again now could make a second one. The lease ends the wait; the retry reuses the key.
          return Deny(txn, p, SSO_JIT_BUSY, "failed",
                      "JIT_BUSY: an earlier call's outcome is unknown", -1, now_ms, Lock::kNotHeld,
                      out);
        default:
          return Deny(txn, p, SSO_STORE_UNEXPECTED_REPLY, "failed", "", -1, now_ms, Lock::kRelease,
                      out);
      }
      Json record;
      if (replies[1].type == SSO_REPLY_STRING)
        record = Json::parse(View(replies[1].str), nullptr, false);
      bool known = record.is_object() && record.contains("user_id") &&
                   record["user_id"].is_string() && !record["user_id"].get<std::string>().empty();
      if (known) {
        p.known_user = record["user_id"].get<std::string>();
        int64_t at = record.value("at", int64_t{0});
        sso_sync_policy sync = PolicyOf(txn, p.login.identity).sync;
        bool fresh = at >= p.started_ms;  // another login of this account just did it
        bool same = record.value("hash", "") == p.policy.attributes_hash;
        if (fresh || sync == SSO_SYNC_ON_FIRST_LOGIN || (sync == SSO_SYNC_ON_CHANGE && same))
          return UseRecord(txn, p, record, now_ms, out);
      }
      return CallHook(txn, p, now_ms, out);
    }

    case ProvisionState::Stage::kSession:
      if (failed) return FlowFail(txn, why, out);
      if (p.scim) {
        // deactivated while this login was under way: its session goes again
        scim::LoginMatch match = scim::ParseLoginMatch(replies.back());
        if (!match.valid || match.inactive) {
          txn.output.cleanup = StoreCommand{"DEL", p.session_key};
          out.cleanup = txn.output.cleanup.View();
          sso_status reason = match.valid ? SSO_JIT_ACCOUNT_INACTIVE : SSO_STORE_UNEXPECTED_REPLY;
          return Deny(txn, p, reason, match.valid ? "denied" : "failed", "", -1, now_ms,
                      Lock::kNotHeld, out);
        }
      }
      AuditLogin(txn, p.login, now_ms, out);  // before the flow (and `p`) ends
      txn.output.notice = "login succeeded, provider \"" + LogSafe(p.login.identity.provider, 64) +
                          "\", subject \"" + LogSafe(p.login.identity.subject, 128) +
                          "\", new session, request_id: " + txn.request_id;
      txn.output.location = std::move(p.login.return_to);
      txn.output.set_cookie2 = std::move(p.login.binding_clear);  // an OIDC login's is spent
      txn.flow = std::monostate{};
      out.kind = SSO_STEP_REDIRECT;
      out.reason = SSO_OK;
      out.http_status = 303;
      out.location = Str(txn.output.location);
      out.set_cookie = Str(txn.output.set_cookie);  // the new session
      out.set_cookie2 = Str(txn.output.set_cookie2);
      out.notice = Str(txn.output.notice);
      return;

    default:
      return FlowFail(txn, SSO_ERR_BAD_STATE, out);
  }
}

void ProvisionResumeHttp(sso_txn &txn, ProvisionState &p, int status, std::string_view body,
                         int64_t now_ms, sso_step &out) {
  out = sso_step{};
  if (p.stage != ProvisionState::Stage::kHook) return FlowFail(txn, SSO_ERR_BAD_STATE, out);
  Identity &identity = p.login.identity;
  const ProvisionPolicy &policy = PolicyOf(txn, identity);
  HookAnswer answer = ParseHookAnswer(status, body, p.policy.link_allowed, policy.auto_create);
  switch (answer.status) {
    case SSO_OK:
      break;
    case SSO_JIT_DENIED:
      return Deny(txn, p, answer.status, "denied", answer.reason.empty() ? "hook" : answer.reason,
                  status, now_ms, Lock::kReleaseFinished, out);
    case SSO_JIT_PENDING:
      return Deny(txn, p, answer.status, "pending", "", status, now_ms, Lock::kReleaseFinished,
                  out);
    case SSO_JIT_CONFLICT:
      return Deny(txn, p, answer.status, "denied", "conflict", status, now_ms,
                  Lock::kReleaseFinished, out);
    default:
      // A known failure (the app refused the request) ends the attempt; after an unknown
      // outcome the lock is held to the end of its lease and the retry reuses the key.
      if (answer.outcome_known)
        return Deny(txn, p, answer.status, "failed", "", status, now_ms, Lock::kReleaseFinished,
                    out);
      return Deny(txn, p, answer.status, "failed",
                  std::string(sso_status_name(answer.status)) + ": outcome unknown, lock held",
                  status, now_ms, Lock::kHold, out);
  }

  identity.user = answer.user_id;
  if (answer.roles) identity.roles = *answer.roles;
  Json record = {{"user_id", answer.user_id},
                 {"roles", identity.roles},
                 {"hash", p.policy.attributes_hash},
                 {"at", now_ms}};
  std::vector<StoreCommand> commands;
  commands.push_back(StoreCommand{"SET", p.account_key,
                                  record.dump(-1, ' ', false, Json::error_handler_t::replace), "PX",
                                  std::to_string(kAccountRecordTtlMs)});
  commands.push_back(Unlock(p, true));
  // first, as in UseRecord
  Audit(txn, p.login, OutcomeName(answer.outcome), now_ms, "", status, out);
  StoreSession(txn, p, std::move(commands), now_ms, out);
}

}  // namespace sso
