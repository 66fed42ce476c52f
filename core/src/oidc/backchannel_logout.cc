#include "oidc/backchannel_logout.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "engine/engine.h"
#include "engine/flow_steps.h"
#include "engine/store_keys.h"
#include "engine/txn.h"
#include "oidc/logout_token.h"
#include "oidc/provider_documents.h"
#include "session/notify.h"
#include "session/revoke.h"
#include "session/session_id.h"
#include "text/http_text.h"
#include "text/views.h"

namespace sso {
namespace {

using Json = nlohmann::json;

OidcProvider *ProviderNamed(sso_txn &txn, const std::string &name) {
  auto it = txn.engine.oidc_providers.find(name);
  return it == txn.engine.oidc_providers.end() ? nullptr : &it->second;
}

// The provider an unverified token claims to come from (issuer, and our client among its
// audiences): only to choose whose keys and rules to verify it by.
OidcProvider *ClaimedProvider(sso_txn &txn, std::string_view token) {
  oidc::Jwt jwt;
  if (oidc::ParseJwt(token, jwt) != SSO_OK) return nullptr;
  auto issuer = jwt.claims.String("iss");
  if (!issuer) return nullptr;
  for (auto &[name, p] : txn.engine.oidc_providers)
    if (p.issuer == *issuer &&
        oidc::CheckIssuerAndAudience(jwt.claims, p.issuer, p.client.client_id) == SSO_OK)
      return &p;
  return nullptr;
}

bool FrontChannel(const sso_txn &txn) {
  const auto *logout = std::get_if<BackchannelLogoutState>(&txn.flow);
  return logout && logout->front_channel;
}

// The answer to the provider: a JSON body (Back-Channel Logout §2.8), or for the front
// channel a page for the provider's iframe.
void Answer(sso_txn &txn, bool front, int http_status, sso_status reason, std::string body,
            sso_step &out) {
  if (front)
    body =
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Signed out</title>"
        "</head><body></body></html>\n";
  FlowAnswer(txn, http_status, reason, front ? "text/html; charset=utf-8" : "application/json",
             std::move(body), out);
}

void Refuse(sso_txn &txn, sso_status reason, sso_step &out) {
  bool front = FrontChannel(txn);
  const char *channel = front ? "front-channel" : "back-channel";
  // what kept us from checking the token (not the token's fault): the provider may retry
  bool ours = reason == SSO_OIDC_UNAVAILABLE || reason == SSO_OIDC_DISCOVERY_INVALID ||
              reason == SSO_JWKS_INVALID || reason == SSO_STORE_UNAVAILABLE ||
              reason == SSO_STORE_TIMEOUT || reason == SSO_STORE_ERROR_REPLY ||
              reason == SSO_STORE_UNEXPECTED_REPLY;
  Json body = {{"error", ours ? "temporarily_unavailable" : "invalid_request"},
               {"error_description", sso_status_message(reason)}};
  Answer(txn, front, ours ? 503 : 400, reason, body.dump(), out);
  txn.output.warning = std::string(channel) + " logout refused: " + sso_status_name(reason) + " (" +
                       sso_status_message(reason) + "), request_id: " + txn.request_id;
  out.warning = Str(txn.output.warning);
}

void Fetch(sso_txn &txn, BackchannelLogoutState &logout, BackchannelLogoutState::Stage stage,
           std::string url, sso_step &out) {
  logout.stage = stage;
  FlowHttp(txn, {"GET", std::move(url), "", "", "", "", 0}, out);
}

void Verify(sso_txn &txn, BackchannelLogoutState &logout, OidcProvider &p, int64_t now_ms,
            sso_step &out) {
  bool may_refresh = !logout.jwks_refreshed && MayRefreshJwks(p, now_ms);
  auto fetch_keys = [&] {
    if (!p.discovery || p.discovery->jwks_uri.empty())
      return Fetch(txn, logout, BackchannelLogoutState::Stage::kDiscovery, DiscoveryUrl(p), out);
    logout.jwks_refreshed = true;
    Fetch(txn, logout, BackchannelLogoutState::Stage::kJwks, p.discovery->jwks_uri, out);
  };
  if (!p.jwks || p.jwks->empty()) {
    if (!may_refresh) return Refuse(txn, SSO_JWKS_INVALID, out);
    return fetch_keys();
  }
  oidc::LogoutToken token;
  oidc::LogoutTokenRules rules{p.issuer, p.client.client_id, now_ms, p.clock_skew_ms};
  sso_status s = oidc::VerifyLogoutToken(logout.token, p.algorithm, *p.jwks, rules, token);
  if (s == SSO_JWT_UNKNOWN_KID && may_refresh) return fetch_keys();  // a rotation
  if (s != SSO_OK) return Refuse(txn, s, out);

  logout.token.clear();
  logout.subject = std::move(token.subject);
  logout.sid = std::move(token.sid);
  // A jti is spent once, for as long as its token could still be accepted.
  std::string jti_key =
      txn.engine.settings.key_prefix + "lt:" + Sha256Hex(p.issuer + '\0' + token.jti);
  int64_t ttl = std::max<int64_t>(token.replay_until_ms - now_ms, 1000);
  std::vector<StoreCommand> commands;
  commands.push_back(StoreCommand{"SET", std::move(jti_key), "1", "PX", std::to_string(ttl), "NX"});
  logout.stage = BackchannelLogoutState::Stage::kReplay;
  FlowStore(txn, std::move(commands), out);
}

// The sid names one session at the provider, and so exactly the sessions it made here;
// only a token without one ends every session of its subject.
void Revoke(sso_txn &txn, BackchannelLogoutState &logout, sso_step &out) {
  const auto &prefix = txn.engine.settings.key_prefix;
  std::string index = logout.sid.empty() ? SubjectIndexKey(prefix, logout.provider, logout.subject)
                                         : SidIndexKey(prefix, logout.provider, logout.sid);
  std::vector<StoreCommand> commands;
  commands.push_back(RevokeIndexes(prefix, txn.engine.revocation_channel, {index}, ""));
  logout.stage = BackchannelLogoutState::Stage::kRevoke;
  FlowStore(txn, std::move(commands), out);
}

void Ended(sso_txn &txn, const BackchannelLogoutState &logout, sso_step &out) {
  long long sessions = logout.sessions;
  const char *reason = logout.front_channel ? "frontchannel" : "backchannel";
  Json audit = {{"event", "logout"},
                {"reason", reason},
                {"channel", reason},
                {"provider", logout.provider},
                {"subject", logout.subject},
                {"user", logout.user},
                {"sid_given", !logout.sid.empty()},
                {"sessions", sessions},
                {"app", logout.app.empty() ? "no hook" : logout.app},
                {"request_id", txn.request_id}};
  std::string notice = std::string(logout.front_channel ? "front" : "back") +
                       "-channel logout: " + std::to_string(sessions) +
                       " session(s) ended, provider \"" + LogSafe(logout.provider, 64) +
                       "\", request_id: " + txn.request_id;
  Answer(txn, logout.front_channel, 200, SSO_OK, "{}", out);
  txn.output.audit = audit.dump(-1, ' ', false, Json::error_handler_t::replace);
  txn.output.notice = std::move(notice);
  out.audit = Str(txn.output.audit);
  out.notice = Str(txn.output.notice);
  out.event = SSO_EVENT_LOGOUT;
  out.event_label = {reason, std::char_traits<char>::length(reason)};
  out.event_count = sessions;
}

void Notify(sso_txn &txn, BackchannelLogoutState &logout, int64_t now_ms, sso_step &out) {
  HookEvent event{"logout",        logout.front_channel ? "frontchannel" : "backchannel",
                  logout.provider, logout.subject,
                  logout.user,     logout.sessions,
                  txn.request_id,  now_ms};
  if (logout.sessions > 0 && NotifyApp(txn, event, out)) {
    logout.stage = BackchannelLogoutState::Stage::kNotify;
    return;
  }
  BackchannelLogoutState done = EndFlow<BackchannelLogoutState>(txn.flow);
  Ended(txn, done, out);
}

}  // namespace

void BackchannelLogoutBegin(sso_txn &txn, std::string_view form_body, int64_t now_ms,
                            sso_step &out) {
  out = sso_step{};
  txn.flow = std::monostate{};
  auto form = ParseForm(form_body);
  std::string token = form ? (*form)["logout_token"] : std::string();
  if (token.empty() || token.size() > oidc::kMaxTokenBytes)
    return Refuse(txn, SSO_LOGOUT_TOKEN_MISSING, out);
  OidcProvider *p = ClaimedProvider(txn, token);
  if (!p) return Refuse(txn, SSO_JWT_ISSUER_MISMATCH, out);
  auto &logout = txn.flow.emplace<BackchannelLogoutState>();
  logout.provider = p->name;
  logout.token = std::move(token);
  Verify(txn, logout, *p, now_ms, out);
}

void BackchannelLogoutResumeHttp(sso_txn &txn, BackchannelLogoutState &logout, int status,
                                 std::string_view body, int64_t now_ms, sso_step &out) {
  out = sso_step{};
  if (logout.stage == BackchannelLogoutState::Stage::kNotify) {
    logout.app = NotifyOutcome(status);
    BackchannelLogoutState done = EndFlow<BackchannelLogoutState>(txn.flow);
    return Ended(txn, done, out);
  }
  OidcProvider *p = ProviderNamed(txn, logout.provider);
  if (!p) return Refuse(txn, SSO_ERR_BAD_STATE, out);
  if (logout.stage == BackchannelLogoutState::Stage::kDiscovery) {
    if (sso_status s = AcceptDiscovery(*p, status, body, now_ms); s != SSO_OK)
      return Refuse(txn, s, out);
    return Verify(txn, logout, *p, now_ms, out);
  }
  std::string refused;
  sso_status s = AcceptJwks(*p, status, body, now_ms, refused);
  if (s == SSO_OK)
    Verify(txn, logout, *p, now_ms, out);  // may end the flow: `logout` is gone then
  else
    Refuse(txn, s, out);
  if (!refused.empty() && out.warning.len == 0) {
    txn.output.warning = std::move(refused);
    out.warning = Str(txn.output.warning);
  }
}

void BackchannelLogoutResumeStore(sso_txn &txn, BackchannelLogoutState &logout,
                                  std::span<const sso_store_reply> replies, int64_t now_ms,
                                  sso_step &out) {
  out = sso_step{};
  // the sessions are gone whatever the barrier's reply: only other caches' timing was at stake
  if (logout.stage == BackchannelLogoutState::Stage::kBarrier)
    return Notify(txn, logout, now_ms, out);
  sso_status why;
  if (FlowStoreFailed(replies, why)) return Refuse(txn, why, out);
  switch (logout.stage) {
    case BackchannelLogoutState::Stage::kReplay:
      if (replies[0].type == SSO_REPLY_NIL) return Refuse(txn, SSO_LOGOUT_TOKEN_REPLAY, out);
      return Revoke(txn, logout, out);
    case BackchannelLogoutState::Stage::kRevoke: {
      RevokeAnswer answer;
      if (!ReadRevokeAnswer(replies[0], answer))
        return Refuse(txn, SSO_STORE_UNEXPECTED_REPLY, out);
      EvictRevoked(txn.engine.cache, answer);
      logout.sessions = answer.sessions;
      logout.user = std::move(answer.user);
      std::vector<StoreCommand> commands;
      commands.push_back(AnnouncementBarrier());
      logout.stage = BackchannelLogoutState::Stage::kBarrier;
      return FlowStore(txn, std::move(commands), out);
    }
    default:
      return Refuse(txn, SSO_ERR_BAD_STATE, out);
  }
}

void FrontchannelLogoutBegin(sso_txn &txn, std::string_view query, sso_step &out) {
  out = sso_step{};
  txn.flow = std::monostate{};
  auto params = ParseForm(query);
  std::string iss = params ? (*params)["iss"] : std::string();
  std::string sid = params ? (*params)["sid"] : std::string();
  const OidcProvider *provider = nullptr;
  for (const auto &[name, p] : txn.engine.oidc_providers)
    if (p.frontchannel_logout && !iss.empty() && p.issuer == iss) provider = &p;
  auto &logout = txn.flow.emplace<BackchannelLogoutState>();
  logout.front_channel = true;
  // Without a sid the request names nobody we could find without the session cookie, which
  // a third-party iframe does not carry (SameSite=Lax).
  if (!provider || sid.empty() || sid.size() > 256)
    return Refuse(txn, SSO_FRONTCHANNEL_LOGOUT_INVALID, out);
  logout.provider = provider->name;
  logout.sid = std::move(sid);
  Revoke(txn, logout, out);
}

}  // namespace sso
