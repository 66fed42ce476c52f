#include "scim/user_flow.h"

#include <algorithm>

#include "engine/engine.h"
#include "engine/flow_steps.h"
#include "engine/txn.h"
#include "provision/hook.h"
#include "scim/answer.h"
#include "scim/change_flow.h"
#include "scim/patch.h"
#include "scim/store.h"
#include "scim/user.h"
#include "session/notify.h"
#include "session/session_id.h"
#include "text/email_domain.h"
#include "text/http_text.h"
#include "text/views.h"

namespace sso {
namespace {

using scim::Error;
using scim::Json;
using scim::StoredUser;
using Stage = ScimState::Stage;
using Op = ScimRequest::Op;

// Loads after a concurrent change made the write fail, before giving up with a 503.
constexpr int kMaxAttempts = 3;

const std::string &Prefix(const sso_txn &txn) { return txn.engine.settings.key_prefix; }

std::vector<StoreCommand> One(StoreCommand command) {
  std::vector<StoreCommand> commands;
  commands.push_back(std::move(command));
  return commands;
}
bool HasHook(const sso_txn &txn) { return txn.engine.provisioning.has_value(); }

std::string NameKey(const sso_txn &txn, const ScimState &s, const StoredUser &user) {
  return scim::ValueKey(Prefix(txn), s.request.provider, 'n',
                        scim::MatchValuesOf(user.attributes).user_name_lower);
}

// A random (version 4) UUID from the request's CSPRNG bytes.
std::string NewId(const std::vector<uint8_t> &random) {
  static constexpr char kHex[] = "0123456789abcdef";
  uint8_t b[16] = {};
  std::copy_n(random.begin(), std::min<size_t>(16, random.size()), b);
  b[6] = static_cast<uint8_t>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<uint8_t>((b[8] & 0x3f) | 0x80);
  std::string out;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[b[i] >> 4]);
    out.push_back(kHex[b[i] & 0xf]);
  }
  return out;
}

const std::vector<std::string> &DomainsOf(const sso_txn &txn, const std::string &provider) {
  static const std::vector<std::string> kNone;
  if (auto s = txn.engine.saml_providers.find(provider); s != txn.engine.saml_providers.end())
    return s->second.email_domains;
  if (auto o = txn.engine.oidc_providers.find(provider); o != txn.engine.oidc_providers.end())
    return o->second.email_domains;
  return kNone;
}

const ProvisionPolicy &PolicyOf(const sso_txn &txn, const std::string &provider) {
  static const ProvisionPolicy kDefault;
  auto it = txn.engine.policies.find(provider);
  return it == txn.engine.policies.end() ? kDefault : it->second;
}

// Whether the app may link a provisioned user to an account with the same email: as for a
// login, link_existing verified_email and a domain the provider may speak for.
bool LinkAllowed(const sso_txn &txn, const std::string &provider, const std::string &email) {
  if (PolicyOf(txn, provider).link_existing != SSO_LINK_VERIFIED_EMAIL) return false;
  auto domain = EmailDomain(email);
  if (!domain) return false;
  const auto &domains = DomainsOf(txn, provider);
  return std::any_of(domains.begin(), domains.end(),
                     [&](const std::string &d) { return DomainMatches(*domain, d); });
}

void Unavailable(sso_txn &txn, sso_status why, sso_step &out) {
  scim::AnswerUnavailable(txn, why, "the user store is unavailable; retry", out);
}

void Load(sso_txn &txn, ScimState &s, sso_step &out) {
  std::string key = ScimRecordKey(txn, s);
  std::vector<StoreCommand> commands;
  commands.push_back(StoreCommand{"GET", key});
  commands.push_back(StoreCommand{"GET", scim::PendingKey(key)});
  s.stage = Stage::kLoad;
  FlowStore(txn, std::move(commands), out);
}

void Write(sso_txn &txn, ScimState &s, scim::WriteMode mode, const StoredUser &user,
           long long expected_version, std::string pending, sso_step &out) {
  scim::WriteArgs args;
  args.mode = mode;
  args.record_key = ScimRecordKey(txn, s);
  args.all_key = scim::AllUsersKey(Prefix(txn), s.request.provider);
  args.name_key = NameKey(txn, s, user);
  args.expected_version = expected_version;
  args.record = s.record;
  args.score = user.created_ms;
  args.pending = std::move(pending);
  s.stage = Stage::kWrite;
  FlowStore(txn, One(scim::WriteUser(args)), out);
}

void CallProvision(sso_txn &txn, ScimState &s, int64_t now_ms, sso_step &out) {
  auto user = scim::ParseStoredUser(s.record);
  if (!user) return Unavailable(txn, SSO_ERR_INTERNAL, out);
  scim::MatchValues values = scim::MatchValuesOf(user->attributes);
  const ProvisionPolicy &policy = PolicyOf(txn, s.request.provider);
  AccountEvent event;
  event.event = "provision";
  event.provider = s.request.provider;
  event.issuer = ScimIssuer(txn, s.request.provider);
  event.scim_id = user->id;
  event.user_name = values.user_name;
  event.external_id = values.external_id;
  event.email = scim::PrimaryEmail(user->attributes);
  event.name = scim::DisplayName(user->attributes);
  event.active = user->active;
  if (!policy.default_role.empty()) event.roles = {policy.default_role};
  event.create = policy.auto_create;
  event.link_allowed = LinkAllowed(txn, s.request.provider, event.email);
  // The same request again (the identity provider retrying after a 503) gets the same key.
  Json what = {{"attributes", user->attributes}, {"active", user->active}};
  event.idempotency_key = Sha256Hex("scim-provision\n" + s.request.provider + "\n" +
                                    what.dump(-1, ' ', false, Json::error_handler_t::replace))
                              .substr(0, 32);
  event.request_id = txn.request_id;
  event.now_ms = now_ms;
  s.stage = Stage::kProvision;
  ScimCallHook(txn, event, out);
}

void WriteCreated(sso_txn &txn, ScimState &s, sso_step &out) {
  auto user = scim::ParseStoredUser(s.record);
  if (!user) return Unavailable(txn, SSO_ERR_INTERNAL, out);
  Write(txn, s, scim::WriteMode::kCreate, *user, 0, s.event, out);
}

void Create(sso_txn &txn, ScimState &s, int64_t now_ms, sso_step &out) {
  auto body = scim::ParseBody(s.body);
  if (!body) return scim::AnswerError(txn, {400, "invalidSyntax", "the body is not JSON"}, out);
  Json attributes;
  std::optional<bool> active;
  Error error;
  if (!scim::SanitizeUser(*body, attributes, active, error))
    return scim::AnswerError(txn, error, out);
  StoredUser user;
  user.id = NewId(s.request.random);
  user.created_ms = user.modified_ms = now_ms;
  user.active = active.value_or(true);
  user.attributes = std::move(attributes);
  user.keys =
      scim::IndexKeysOf(Prefix(txn), s.request.provider, scim::MatchValuesOf(user.attributes));
  s.request.id = user.id;
  s.record = scim::SerializeStoredUser(user);
  s.status = 201;
  s.action = "created";
  // created inactive: like a deactivation (a person who signed in before may have sessions)
  if (!user.active) s.event = std::string(kScimDeactivated);
  if (!HasHook(txn)) return WriteCreated(txn, s, out);
  // A userName taken is a 409 before the app hears of it.
  s.stage = Stage::kNameCheck;
  FlowStore(txn, One(scim::NameTaken(NameKey(txn, s, user))), out);
}

// PUT, PATCH or DELETE of the user just loaded.
void Change(sso_txn &txn, ScimState &s, const StoredUser &current, const std::string &pending,
            int64_t now_ms, sso_step &out) {
  const ScimRequest &r = s.request;
  if (!r.if_match.empty() && r.if_match != "*" && r.if_match != scim::ETagOf(current.version))
    return scim::AnswerError(txn, {412, "", "the User changed since that version (If-Match)"}, out);
  StoredUser next = current;
  Error error;
  if (r.op == Op::kReplaceUser || r.op == Op::kPatchUser) {
    auto body = scim::ParseBody(s.body);
    if (!body) return scim::AnswerError(txn, {400, "invalidSyntax", "the body is not JSON"}, out);
    if (r.op == Op::kReplaceUser) {
      std::optional<bool> active;
      if (!scim::SanitizeUser(*body, next.attributes, active, error))
        return scim::AnswerError(txn, error, out);
      // a PUT without active leaves it as it is: a profile update does not reactivate
      next.active = active.value_or(current.active);
    } else if (!scim::ApplyPatch(*body, next.attributes, next.active, error)) {
      return scim::AnswerError(txn, error, out);
    }
  } else {
    next.deleted = true;
    next.active = false;
    s.status = 204;
  }

  bool changed =
      next.deleted || next.attributes != current.attributes || next.active != current.active;
  if (!changed) {
    // Nothing new: no write, no event; only what an earlier request left unfinished.
    s.record = scim::SerializeStoredUser(current);
    if (pending.empty() || !ScimPendingFits(pending, current.active, current.deleted))
      return ScimDone(txn, now_ms, out);
    s.event = pending;
    s.action = ScimDeprovision(pending) ? "deactivated" : "reactivated";
    return ScimFinish(txn, s, now_ms, out);
  }

  next.version = current.version + 1;
  next.modified_ms = now_ms;
  next.keys = scim::IndexKeysOf(Prefix(txn), r.provider, scim::MatchValuesOf(next.attributes));
  std::string write_pending;  // '' leaves the pending event, '-' drops it
  if (next.deleted) {
    s.event = std::string(kScimDeleted);
    s.action = "deleted";
  } else if (current.active && !next.active) {
    s.event = std::string(kScimDeactivated);
    s.action = "deactivated";
  } else if (!current.active && next.active) {
    s.event = std::string(kScimReactivate);
    s.action = "reactivated";
  } else {
    s.action = "updated";
  }
  if (ScimDeprovision(s.event) || (s.event == kScimReactivate && HasHook(txn)))
    write_pending = s.event;
  else if (s.event == kScimReactivate)
    write_pending = "-";
  // a deactivation also ends the logins of the values the user had until now
  if (ScimDeprovision(s.event)) ScimAddSessionKeys(txn, s, current.attributes);
  s.record = scim::SerializeStoredUser(next);
  Write(txn, s, next.deleted ? scim::WriteMode::kDelete : scim::WriteMode::kReplace, next,
        current.version, std::move(write_pending), out);
}

void Loaded(sso_txn &txn, ScimState &s, std::span<const sso_store_reply> replies, int64_t now_ms,
            sso_step &out) {
  if (replies[0].type == SSO_REPLY_NIL)
    return scim::AnswerError(txn, {404, "", "no User with that id"}, out);
  auto current = replies[0].type == SSO_REPLY_STRING ? scim::ParseStoredUser(View(replies[0].str))
                                                     : std::nullopt;
  if (!current) return Unavailable(txn, SSO_STORE_UNEXPECTED_REPLY, out);
  std::string pending = replies[1].type == SSO_REPLY_STRING ? String(replies[1].str) : "";
  s.user = current->app_user;
  if (current->deleted) {
    // a DELETE whose sessions or notice an earlier request could not finish
    if (s.request.op == Op::kDeleteUser && pending == kScimDeleted) {
      s.record = scim::SerializeStoredUser(*current);
      s.event = pending;
      s.action = "deleted";
      s.status = 204;
      return ScimFinish(txn, s, now_ms, out);
    }
    return scim::AnswerError(txn, {404, "", "no User with that id"}, out);
  }
  if (s.request.op == Op::kGetUser) {
    s.record = scim::SerializeStoredUser(*current);
    return ScimDone(txn, now_ms, out);
  }
  Change(txn, s, *current, pending, now_ms, out);
}

void Written(sso_txn &txn, ScimState &s, const sso_store_reply &reply, int64_t now_ms,
             sso_step &out) {
  switch (scim::ParseWriteReply(reply)) {
    case scim::WriteReply::kOk:
      return ScimFinish(txn, s, now_ms, out);
    case scim::WriteReply::kConflict:
      // changed by another request since we read it: read it again and redo the change
      if (++s.attempts < kMaxAttempts) {
        s.event.clear();
        s.action.clear();
        s.seen_keys.clear();
        s.revoke_keys.clear();
        return Load(txn, s, out);
      }
      return scim::AnswerUnavailable(txn, SSO_STORE_UNEXPECTED_REPLY,
                                     "the User is being changed by other requests; retry", out);
    case scim::WriteReply::kGone:
      return scim::AnswerError(txn, {404, "", "no User with that id"}, out);
    case scim::WriteReply::kTaken:
      return scim::AnswerError(txn, {409, "uniqueness", "userName is already taken"}, out);
    default:
      return Unavailable(txn, SSO_STORE_UNEXPECTED_REPLY, out);
  }
}

}  // namespace

void ScimUserBegin(sso_txn &txn, ScimRequest request, std::string body, int64_t now_ms,
                   sso_step &out) {
  out = sso_step{};
  auto &s = txn.flow.emplace<ScimState>();
  s.request = std::move(request);
  s.body = std::move(body);
  if (s.request.op == Op::kCreateUser) return Create(txn, s, now_ms, out);
  Load(txn, s, out);
}

void ScimUserResumeStore(sso_txn &txn, ScimState &s, std::span<const sso_store_reply> replies,
                         int64_t now_ms, sso_step &out) {
  sso_status why;
  bool failed = FlowStoreFailed(replies, why);
  switch (s.stage) {
    case Stage::kLoad:
      if (failed) return Unavailable(txn, why, out);
      return Loaded(txn, s, replies, now_ms, out);
    case Stage::kNameCheck:
      if (failed) return Unavailable(txn, why, out);
      if (replies[0].type != SSO_REPLY_INTEGER)
        return Unavailable(txn, SSO_STORE_UNEXPECTED_REPLY, out);
      if (replies[0].integer != 0)
        return scim::AnswerError(txn, {409, "uniqueness", "userName is already taken"}, out);
      return CallProvision(txn, s, now_ms, out);
    case Stage::kWrite:
      if (failed) return Unavailable(txn, why, out);
      return Written(txn, s, replies[0], now_ms, out);
    case Stage::kSeen:
    case Stage::kRevoke:
    case Stage::kBarrier:
    case Stage::kClear:
      return ScimChangeResumeStore(txn, s, replies, now_ms, out);
    default:
      return Unavailable(txn, SSO_ERR_BAD_STATE, out);
  }
}

void ScimUserResumeHttp(sso_txn &txn, ScimState &s, int status, std::string_view body,
                        int64_t now_ms, sso_step &out) {
  if (s.stage == Stage::kNotify) return ScimChangeResumeHttp(txn, s, status, now_ms, out);
  if (s.stage != Stage::kProvision) return Unavailable(txn, SSO_ERR_BAD_STATE, out);
  auto user = scim::ParseStoredUser(s.record);
  if (!user) return Unavailable(txn, SSO_ERR_INTERNAL, out);
  std::string email = scim::PrimaryEmail(user->attributes);
  HookAnswer answer = ParseHookAnswer(status, body, LinkAllowed(txn, s.request.provider, email),
                                      PolicyOf(txn, s.request.provider).auto_create);
  s.app = NotifyOutcome(status);
  switch (answer.status) {
    case SSO_OK:
      user->app_user = answer.user_id;
      s.user = answer.user_id;
      s.record = scim::SerializeStoredUser(*user);
      return WriteCreated(txn, s, out);
    case SSO_JIT_PENDING:  // the app will decide later; the user is provisioned here
      return WriteCreated(txn, s, out);
    case SSO_JIT_DENIED:
      return scim::AnswerError(txn, {403, "", "the app refused this account"}, out);
    case SSO_JIT_CONFLICT:
      return scim::AnswerError(
          txn, {409, "uniqueness", "the app has an account for this person it may not link"}, out);
    default:
      return scim::AnswerUnavailable(txn, SSO_SCIM_APP_NOT_TOLD,
                                     "the app could not take the new account; retry", out);
  }
}

}  // namespace sso
