#include "session/plan.h"

#include <algorithm>

#include "engine/engine.h"
#include "engine/store_keys.h"
#include "engine/txn.h"
#include "session/revoke_state.h"
#include "session/session_id.h"
#include "text/http_text.h"

namespace sso {
sso_status PlanSession(sso_txn &txn, Identity identity, std::span<const uint8_t> random,
                       int64_t now_ms, LogoutRefs logout) {
  if (sso_status status = ValidateIdentity(identity); status != SSO_OK) return status;
  const auto &settings = txn.engine.settings;

  auto cookie = EncodeSessionId(random);
  if (!cookie) return SSO_ERR_INVALID_ARGUMENT;
  std::string digest = Sha256Hex(*cookie);
  if (digest.empty()) return SSO_ERR_INTERNAL;

  SessionRecord record;
  record.created_ms = now_ms;
  record.expires_ms = now_ms + settings.ttl_ms;
  // every name a logout message may use for this session: the subject, and the provider's
  // session (OIDC sid, SAML SessionIndex)
  std::vector<std::string> index_keys = {
      SubjectIndexKey(settings.key_prefix, identity.provider, identity.subject)};
  if (!logout.sid.empty())
    index_keys.push_back(SidIndexKey(settings.key_prefix, identity.provider, logout.sid));
  if (!logout.session_index.empty())
    index_keys.push_back(
        SessionIndexKey(settings.key_prefix, identity.provider, logout.session_index));
  // and what an administrator may name the person by (sso-admin): the app's user id, the email
  if (!identity.user.empty())
    index_keys.push_back(UserIndexKey(settings.key_prefix, identity.user));
  if (!identity.email.empty())
    index_keys.push_back(EmailIndexKey(settings.key_prefix, identity.email));
  record.identity = std::move(identity);
  record.logout = std::move(logout);
  std::string json = SerializeRecord(record);
  if (json.size() > kMaxRecordBytes) return SSO_IDENTITY_TOO_LARGE;

  // The record lives for the idle timeout (slid by every GETEX) and never past the lifetime,
  // which the gate also checks against `expires`.
  int64_t first_ttl = settings.idle_ms > 0 ? settings.idle_ms : settings.ttl_ms;
  std::string ttl = std::to_string(settings.ttl_ms);

  txn.output.plan_commands.clear();
  txn.output.plan_commands.push_back(
      StoreCommand{"SET", SessionKeyFromDigest(settings.key_prefix, digest), std::move(json), "PX",
                   std::to_string(first_ttl)});
  for (const auto &index_key : index_keys) {
    txn.output.plan_commands.push_back(StoreCommand{"SADD", index_key, digest});
    // An index must outlive every member: set a TTL if none (NX), extend it if shorter (GT).
    // Members of ended sessions go with it, so no index grows without bound.
    txn.output.plan_commands.push_back(StoreCommand{"PEXPIRE", index_key, ttl, "NX"});
    txn.output.plan_commands.push_back(StoreCommand{"PEXPIRE", index_key, ttl, "GT"});
  }
  txn.output.plan_views.clear();
  for (auto &command : txn.output.plan_commands) txn.output.plan_views.push_back(command.View());

  txn.output.cookie_value = std::move(*cookie);
  txn.output.set_cookie = SetCookieValue({settings.cookie_name, settings.cookie_secure},
                                         txn.output.cookie_value, settings.ttl_ms / 1000);
  return SSO_OK;
}

void OnRevocation(sso_engine &engine, std::string_view message) {
  std::vector<std::string_view> revoked;
  while (!message.empty()) {
    size_t space = message.find(' ');
    std::string_view digest = message.substr(0, space);
    if (IsHexDigest(digest)) revoked.push_back(digest);
    if (space == std::string_view::npos) break;
    message.remove_prefix(space + 1);
  }
  engine.cache.EvictDigests(revoked);  // also marks the cache: a revocation was heard
}

}  // namespace sso
