#include "session/logout.h"

#include <nlohmann/json.hpp>

#include "engine/engine.h"
#include "engine/flow_steps.h"
#include "engine/store_keys.h"
#include "engine/txn.h"
#include "oidc/provider_documents.h"
#include "saml/slo_flow.h"
#include "session/notify.h"
#include "session/record.h"
#include "session/revoke.h"
#include "session/session_id.h"
#include "text/encoding.h"
#include "text/http_text.h"
#include "text/views.h"

namespace sso {
namespace {

// The 303 that ends every logout: the cookie cleared, and `location` (the logout redirect,
// or the provider's end_session_endpoint).
void Redirect(sso_txn &txn, std::string location, sso_step &out) {
  const auto &settings = txn.engine.settings;
  txn.flow = std::monostate{};
  txn.output.set_cookie = SetCookieValue({settings.cookie_name, settings.cookie_secure}, "", 0);
  txn.output.location = std::move(location);
  out.kind = SSO_STEP_REDIRECT;
  out.reason = SSO_OK;
  out.http_status = 303;
  out.location = Str(txn.output.location);
  out.set_cookie = Str(txn.output.set_cookie);
}

OidcProvider *EndsAtProvider(sso_txn &txn, const std::string &name) {
  auto it = txn.engine.oidc_providers.find(name);
  if (it == txn.engine.oidc_providers.end() || it->second.post_logout_redirect_uri.empty())
    return nullptr;
  return &it->second;
}

// The logout's audit line, on its last step: whose session ended and whether the app knows.
void Audit(sso_txn &txn, const LogoutState &logout, sso_step &out) {
  nlohmann::json line = {{"event", "logout"},
                         {"reason", "user"},
                         {"channel", "user"},
                         {"provider", logout.provider},
                         {"subject", logout.subject},
                         {"user", logout.user},
                         {"sessions", 1},
                         {"app", logout.app.empty() ? "no hook" : logout.app},
                         {"request_id", txn.request_id}};
  txn.output.audit = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  out.audit = Str(txn.output.audit);
  out.event = SSO_EVENT_LOGOUT;
  out.event_label = {"user", 4};
  out.event_count = 1;
}

// RP-Initiated Logout 1.0 §2: the provider's end_session_endpoint with the ID token as the
// hint, our registered post-logout URL exactly as configured, our client id and a state.
void ToProvider(sso_txn &txn, LogoutState &logout, const OidcProvider &p, sso_step &out) {
  const std::string &end = p.discovery ? p.discovery->end_session_endpoint : std::string();
  if (end.empty()) return Redirect(txn, txn.engine.settings.logout_redirect, out);
  std::string url = end + (end.find('?') == std::string::npos ? "?" : "&");
  url += "id_token_hint=" + UrlEncode(logout.id_token) +
         "&post_logout_redirect_uri=" + UrlEncode(p.post_logout_redirect_uri) +
         "&client_id=" + UrlEncode(p.client.client_id) + "&state=" + logout.state;
  Redirect(txn, std::move(url), out);
}

// SAML Single Logout: the LogoutRequest is remembered (its LogoutResponse must answer it),
// then goes to the IdP. The session here is gone already: if the store cannot remember the
// request, the person goes home instead.
void ToSamlIdp(sso_txn &txn, std::span<const sso_store_reply> replies, sso_step &out) {
  LogoutState done = EndFlow<LogoutState>(txn.flow);
  sso_status why = SSO_OK;
  auto p = txn.engine.saml_providers.find(done.saml_provider);
  bool sent =
      replies.size() == 1 && !FlowStoreFailed(replies, why) &&
      p != txn.engine.saml_providers.end() &&
      SendToIdp(txn, p->second, saml::MessageParameter::kRequest, done.saml_request, "", out);
  if (!sent) {
    Redirect(txn, txn.engine.settings.logout_redirect, out);
    txn.output.warning = std::string("SAML logout request not sent to the IdP: ") +
                         (why == SSO_OK ? "it could not be signed" : sso_status_name(why)) +
                         "; the session here has ended, request_id: " + txn.request_id;
    out.warning = Str(txn.output.warning);
  }
  Audit(txn, done, out);
}

void Leave(sso_txn &txn, LogoutState &logout, sso_step &out);

// Every worker can hear of it now (whatever the barrier's reply: the record is gone): the app
// is told, then the person leaves.
void Announced(sso_txn &txn, LogoutState &logout, int64_t now_ms, sso_step &out) {
  HookEvent event{"logout",    "user", logout.provider, logout.subject,
                  logout.user, 1,      txn.request_id,  now_ms};
  if (logout.had_record && NotifyApp(txn, event, out))
    logout.stage = LogoutState::Stage::kNotify;
  else
    Leave(txn, logout, out);
}

// Once the app knows: to the provider when the session may end there too, else home.
void Leave(sso_txn &txn, LogoutState &logout, sso_step &out) {
  if (!logout.saml_request.empty()) {
    std::vector<StoreCommand> commands;
    commands.push_back(StoreCommand{"SET", logout.saml_pending_key, "1", "PX",
                                    std::to_string(logout.saml_pending_ttl_ms)});
    logout.stage = LogoutState::Stage::kSamlPending;
    return FlowStore(txn, std::move(commands), out);
  }
  LogoutState done = logout;  // the flow's state goes with its last step
  OidcProvider *p = logout.id_token.empty() ? nullptr : EndsAtProvider(txn, logout.provider);
  if (p && !p->discovery) {
    logout.stage = LogoutState::Stage::kDiscovery;
    return FlowHttp(txn, {"GET", DiscoveryUrl(*p), "", "", "", "", 0}, out);
  }
  if (p)
    ToProvider(txn, logout, *p, out);
  else
    Redirect(txn, txn.engine.settings.logout_redirect, out);
  if (!done.provider.empty()) Audit(txn, done, out);
}

}  // namespace

void LogoutBegin(sso_txn &txn, std::string_view cookie, std::span<const uint8_t> random,
                 sso_step &out) {
  const auto &settings = txn.engine.settings;
  out = sso_step{};
  if (!IsWellFormedSessionId(cookie) || random.size() < 16)
    return Redirect(txn, settings.logout_redirect, out);
  std::string digest = Sha256Hex(cookie);
  txn.engine.cache.EvictCookie(cookie);
  // The record goes before the announcement, on one connection: a worker that hears it and
  // reads the session again must find it gone, or it would cache it anew. GETDEL also tells
  // whose session it was (for the app, and the provider that may end its own).
  std::vector<StoreCommand> commands;
  commands.push_back(StoreCommand{"GETDEL", SessionKeyFromDigest(settings.key_prefix, digest)});
  commands.push_back(StoreCommand{"PUBLISH", txn.engine.revocation_channel, std::move(digest)});
  auto &logout = txn.flow.emplace<LogoutState>();
  auto bytes = random.first(16);
  logout.state =
      Base64UrlEncode(std::string_view(reinterpret_cast<const char *>(bytes.data()), bytes.size()));
  if (random.size() >= 32) logout.saml_request_id = "_" + Hex(random.subspan(16, 16));
  FlowStore(txn, std::move(commands), out);
}

void LogoutResume(sso_txn &txn, LogoutState &logout, std::span<const sso_store_reply> replies,
                  int64_t now_ms, sso_step &out) {
  out = sso_step{};
  if (logout.stage == LogoutState::Stage::kSamlPending) return ToSamlIdp(txn, replies, out);
  if (logout.stage == LogoutState::Stage::kBarrier) return Announced(txn, logout, now_ms, out);
  if (replies.size() != 2 || logout.stage != LogoutState::Stage::kDelete)
    return FlowFail(txn, SSO_ERR_BAD_STATE, out);
  sso_status why;
  // the GETDEL's: unless it succeeded, the session may still be alive
  if (FlowStoreFailed(replies.first(1), why)) return FlowFail(txn, why, out);
  std::string warning;
  // the PUBLISH's: the session is gone already, only other caches may hold it a while
  if (FlowStoreFailed(replies.subspan(1), why))
    warning = std::string("logout not announced to the other workers: ") + sso_status_name(why) +
              "; their session caches drop it when their entries expire";

  std::optional<SessionRecord> record;
  if (replies[0].type == SSO_REPLY_STRING) record = ParseRecord(View(replies[0].str));
  if (record) {
    logout.provider = record->identity.provider;
    logout.subject = record->identity.subject;
    logout.user = record->identity.user;
    logout.id_token = std::move(record->logout.id_token);
    if (auto saml = PrepareSpLogout(txn, *record, logout.saml_request_id, now_ms)) {
      logout.saml_provider = saml->provider->name;
      logout.saml_request = std::move(saml->xml);
      logout.saml_pending_key = std::move(saml->pending_key);
      logout.saml_pending_ttl_ms = saml->pending_ttl_ms;
    }
  }
  logout.had_record = record.has_value();
  std::vector<StoreCommand> commands;
  commands.push_back(AnnouncementBarrier());
  logout.stage = LogoutState::Stage::kBarrier;
  FlowStore(txn, std::move(commands), out);
  txn.output.notice = "logout";
  out.notice = Str(txn.output.notice);
  if (!warning.empty()) {
    txn.output.warning = std::move(warning);
    out.warning = Str(txn.output.warning);
  }
}

void LogoutResumeHttp(sso_txn &txn, LogoutState &logout, int status, std::string_view body,
                      int64_t now_ms, sso_step &out) {
  out = sso_step{};
  if (logout.stage == LogoutState::Stage::kNotify) {
    logout.app = NotifyOutcome(status);
    return Leave(txn, logout, out);
  }
  // The session is gone here whatever the provider answers: a provider we cannot reach
  // only means the person lands on our logout redirect instead of its page.
  LogoutState done = logout;
  OidcProvider *p = EndsAtProvider(txn, logout.provider);
  if (p && AcceptDiscovery(*p, status, body, now_ms) == SSO_OK)
    ToProvider(txn, logout, *p, out);
  else
    Redirect(txn, txn.engine.settings.logout_redirect, out);
  Audit(txn, done, out);
}

}  // namespace sso
