#include "oidc/login_flow.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "engine/engine.h"
#include "engine/flow_steps.h"
#include "engine/store_keys.h"
#include "engine/txn.h"
#include "oidc/provider_documents.h"
#include "provision/flow.h"
#include "session/gate.h"
#include "session/plan.h"
#include "session/session_id.h"
#include "text/encoding.h"
#include "text/http_text.h"
#include "text/views.h"

namespace sso {
namespace {

using Json = nlohmann::json;

constexpr int64_t kStateTtlMs = 10 * 60 * 1000;  // time a person may spend at the provider

std::string StateKey(const sso_txn &txn, std::string_view state) {
  return txn.engine.settings.key_prefix + "os:" + Sha256Hex(state);
}

// The binding cookie's name; without Secure, the __Host- prefix is not available.
std::string BindingName(const sso_txn &txn, std::string_view state) {
  std::string name = oidc::BindingCookieName(state);
  if (!txn.engine.settings.cookie_secure) name.erase(0, sizeof("__Host-") - 1);
  return name;
}

// A private_key_jwt assertion's unique id: derived from the login's CSPRNG bytes for the new
// session through SHA-256, so it is unpredictable and reveals nothing of the session id.
std::string Jti(const OidcCallbackState &callback) {
  const auto &random = callback.session_random;
  return Sha256Hex(std::string(random.begin(), random.end()) + "client-assertion").substr(0, 32);
}

OidcProvider *Provider(sso_txn &txn, const std::string &name) {
  auto it = txn.engine.oidc_providers.find(name);
  return it == txn.engine.oidc_providers.end() ? nullptr : &it->second;
}

void Http(sso_txn &txn, std::string method, std::string url, std::string authorization,
          std::string content_type, std::string body, sso_step &out) {
  FlowHttp(txn,
           {std::move(method), std::move(url), std::move(authorization), std::move(content_type),
            std::move(body), "", 0},
           out);
}

void FetchDiscovery(sso_txn &txn, const OidcProvider &p, sso_step &out) {
  Http(txn, "GET", DiscoveryUrl(p), "", "", "", out);
}

void Authorize(sso_txn &txn, OidcLoginState &login, OidcProvider &p,
               const oidc::Discovery &discovery, sso_step &out) {
  auto request = oidc::BuildAuthorizationRequest(discovery, p.client, login.random);
  std::fill(login.random.begin(), login.random.end(), 0);
  if (!request) return FlowFail(txn, SSO_ERR_INVALID_ARGUMENT, out);
  Json record = {{"p", p.name},
                 {"n", request->nonce},
                 {"v", request->code_verifier},
                 {"b", Sha256Hex(request->binding)},
                 {"to", login.return_to}};
  login.redirect = request->url;
  login.binding_cookie =
      SetCookieValue({BindingName(txn, request->state), txn.engine.settings.cookie_secure},
                     request->binding, kStateTtlMs / 1000);
  std::vector<StoreCommand> commands;
  commands.push_back(StoreCommand{"SET", StateKey(txn, request->state),
                                  record.dump(-1, ' ', false, Json::error_handler_t::replace), "PX",
                                  std::to_string(kStateTtlMs)});
  login.stage = OidcLoginState::Stage::kStore;
  FlowStore(txn, std::move(commands), out);
}

void Finish(sso_txn &txn, OidcCallbackState &callback, OidcProvider &p,
            const oidc::ClaimSet &claims, sso_step &out);

void FetchJwks(sso_txn &txn, OidcCallbackState &callback, sso_step &out) {
  callback.jwks_refreshed = true;
  callback.stage = OidcCallbackState::Stage::kJwks;
  Http(txn, "GET", callback.discovery->jwks_uri, "", "", "", out);
}

// Verifies the ID token we got, fetching the JWKS once if we have no key for it.
void VerifyAndFinish(sso_txn &txn, OidcCallbackState &callback, OidcProvider &p, int64_t now_ms,
                     sso_step &out) {
  if (!callback.jwks) callback.jwks = p.jwks;
  bool may_refresh = !callback.jwks_refreshed && MayRefreshJwks(p, now_ms);
  if (!callback.jwks || callback.jwks->empty()) {
    if (!may_refresh) return FlowFail(txn, SSO_JWKS_INVALID, out);
    return FetchJwks(txn, callback, out);
  }
  oidc::Jwt jwt;
  oidc::ClaimRules rules{p.issuer, p.client.client_id, callback.nonce, now_ms, p.clock_skew_ms};
  sso_status s = oidc::VerifyIdToken(callback.id_token, p.algorithm, *callback.jwks, rules, jwt);
  if (s == SSO_JWT_UNKNOWN_KID && may_refresh) return FetchJwks(txn, callback, out);  // rotation
  if (s == SSO_JWT_UNKNOWN_KID && !jwt.key_id.empty() &&
      std::find(p.refused_kids.begin(), p.refused_kids.end(), jwt.key_id) != p.refused_kids.end())
    s = SSO_KEY_REFUSED;  // the key is there, but we would not use it
  if (s != SSO_OK) return FlowFail(txn, s, out);

  if (p.userinfo) {
    if (callback.access_token.empty() || callback.discovery->userinfo_endpoint.empty())
      return FlowFail(txn, SSO_OIDC_USERINFO_INVALID, out);
    callback.claims = jwt.claims.Json();
    callback.stage = OidcCallbackState::Stage::kUserinfo;
    return Http(txn, "GET", callback.discovery->userinfo_endpoint,
                "Bearer " + callback.access_token, "", "", out);
  }
  Finish(txn, callback, p, jwt.claims, out);
}

// The ID token's claims, completed by userinfo: its sub must be the ID token's, and it only
// adds claims the ID token does not have (the signed ones win).
void MergeUserinfo(sso_txn &txn, OidcCallbackState &callback, OidcProvider &p, int status,
                   std::string_view body, sso_step &out) {
  std::fill(callback.access_token.begin(), callback.access_token.end(), '\0');
  callback.access_token.clear();
  if (status == 0) return FlowFail(txn, SSO_OIDC_UNAVAILABLE, out);
  Json claims = Json::parse(callback.claims, nullptr, false);
  Json info = Json::parse(body, nullptr, false);
  if (status != 200 || !claims.is_object() || !info.is_object() || !info.contains("sub") ||
      info["sub"] != claims["sub"])
    return FlowFail(txn, SSO_OIDC_USERINFO_INVALID, out);
  for (auto &[name, value] : info.items())
    if (!claims.contains(name)) claims[name] = value;
  oidc::ClaimSet merged;
  if (!merged.Parse(claims.dump(-1, ' ', false, Json::error_handler_t::replace)))
    return FlowFail(txn, SSO_OIDC_USERINFO_INVALID, out);
  Finish(txn, callback, p, merged, out);
}

// The login is valid: spend its state (GETDEL, so of two callbacks racing with one state only
// one goes on), then provision. Nothing before this point consumes the state, so a failure
// that is not the person's (an unreachable provider, a worker without discovery) leaves the
// login completable.
void Finish(sso_txn &txn, OidcCallbackState &callback, OidcProvider &p,
            const oidc::ClaimSet &claims, sso_step &out) {
  // the login's binding cookie is spent, whatever happens next
  callback.binding_clear =
      SetCookieValue({callback.binding_name, txn.engine.settings.cookie_secure}, "", 0);
  callback.identity = IdentityFromClaims(p, claims);
  if (auto sid = claims.String("sid")) callback.logout.sid = *sid;
  callback.logout.id_token = std::move(callback.id_token);
  std::vector<StoreCommand> commands;
  commands.push_back(StoreCommand{"GETDEL", callback.state_key});
  callback.stage = OidcCallbackState::Stage::kConsume;
  FlowStore(txn, std::move(commands), out);
}

// The callback's checks that need the provider's discovery document, then the token request.
void ExchangeCode(sso_txn &txn, OidcCallbackState &callback, OidcProvider &p, int64_t now_ms,
                  sso_step &out) {
  const oidc::Discovery &d = *callback.discovery;
  // RFC 9207: the iss parameter, when sent (or promised), names our provider exactly.
  if ((callback.iss && *callback.iss != p.issuer) ||
      (!callback.iss && d.issuer_parameter_supported))
    return FlowFail(txn, SSO_OIDC_ISSUER_MISMATCH, out);
  auto token = oidc::BuildTokenRequest(p.client, callback.code, callback.code_verifier,
                                       d.token_endpoint, Jti(callback), now_ms);
  if (!token) return FlowFail(txn, SSO_ERR_INTERNAL, out);
  callback.stage = OidcCallbackState::Stage::kToken;
  Http(txn, "POST", d.token_endpoint, token->authorization, "application/x-www-form-urlencoded",
       token->body, out);
}

}  // namespace

void OidcLoginBegin(sso_txn &txn, OidcProvider &provider, std::string return_to,
                    std::span<const uint8_t> random, int64_t now_ms, sso_step &out) {
  auto &login = txn.flow.emplace<OidcLoginState>();
  login.provider = provider.name;
  login.return_to = std::move(return_to);
  login.random.assign(random.begin(), random.end());
  if (login.random.size() < 96) return FlowFail(txn, SSO_ERR_INVALID_ARGUMENT, out);
  if (provider.discovery &&
      (provider.discovery_explicit || now_ms - provider.discovery_fetched_ms < kDiscoveryMaxAgeMs))
    return Authorize(txn, login, provider, *provider.discovery, out);
  login.stage = OidcLoginState::Stage::kDiscovery;
  FetchDiscovery(txn, provider, out);
}

void OidcCallbackBegin(sso_txn &txn, const sso_oidc_callback_request &request, sso_step &out) {
  out = sso_step{};
  txn.flow = std::monostate{};
  std::string_view query(request.query.data ? request.query.data : "", request.query.len);
  auto q = ParseForm(query);
  if (!q) return FlowFail(txn, SSO_ACS_BAD_REQUEST, out);
  if (q->count("error")) return FlowFail(txn, SSO_OIDC_ERROR_RESPONSE, out);
  std::string state = (*q)["state"], code = (*q)["code"];
  if (state.size() != 32 || !Base64UrlDecode(state) || code.empty() || code.size() > 2048)
    return FlowFail(txn, SSO_OIDC_STATE_INVALID, out);
  if (!request.random || request.random_len < kSessionIdBytes)
    return FlowFail(txn, SSO_ERR_INVALID_ARGUMENT, out);
  std::string_view cookies(request.cookie_header.data ? request.cookie_header.data : "",
                           request.cookie_header.len);
  auto &callback = txn.flow.emplace<OidcCallbackState>();
  callback.binding = std::string(CookieFromHeaders({&cookies, 1}, BindingName(txn, state)));
  callback.binding_name = BindingName(txn, state);
  callback.code = std::move(code);
  callback.iss = q->count("iss") ? std::optional<std::string>((*q)["iss"]) : std::nullopt;
  callback.session_random.assign(request.random, request.random + request.random_len);
  callback.state_key = StateKey(txn, state);
  std::vector<StoreCommand> commands;
  commands.push_back(StoreCommand{"GET", callback.state_key});  // spent by Finish()
  callback.stage = OidcCallbackState::Stage::kState;
  FlowStore(txn, std::move(commands), out);
}

void OidcLoginResumeStore(sso_txn &txn, OidcLoginState &login,
                          std::span<const sso_store_reply> replies, sso_step &out) {
  sso_status why;
  if (FlowStoreFailed(replies, why)) return FlowFail(txn, why, out);
  if (login.stage != OidcLoginState::Stage::kStore) return FlowFail(txn, SSO_ERR_BAD_STATE, out);
  txn.output.location = std::move(login.redirect);
  txn.output.set_cookie = std::move(login.binding_cookie);
  txn.flow = std::monostate{};
  out.kind = SSO_STEP_REDIRECT;
  out.http_status = 302;
  out.location = Str(txn.output.location);
  out.set_cookie = Str(txn.output.set_cookie);  // binds this login to this browser
}

void OidcCallbackResumeStore(sso_txn &txn, OidcCallbackState &callback,
                             std::span<const sso_store_reply> replies, int64_t now_ms,
                             sso_step &out) {
  sso_status why;
  if (FlowStoreFailed(replies, why)) return FlowFail(txn, why, out);

  switch (callback.stage) {
    case OidcCallbackState::Stage::kState: {
      // gone: this callback was loaded before (a reload, the back button), or the login is
      // older than the state's life
      if (replies[0].type == SSO_REPLY_NIL) return FlowFail(txn, SSO_LOGIN_STATE_SPENT, out);
      if (replies[0].type != SSO_REPLY_STRING) return FlowFail(txn, SSO_OIDC_STATE_INVALID, out);
      Json record =
          Json::parse(std::string_view(replies[0].str.data, replies[0].str.len), nullptr, false);
      if (!record.is_object() || !record.contains("p") || !record["p"].is_string() ||
          !record.contains("n") || !record.contains("v") || !record.contains("b") ||
          !record.contains("to"))
        return FlowFail(txn, SSO_OIDC_STATE_INVALID, out);
      callback.provider = record["p"].get<std::string>();
      OidcProvider *p = Provider(txn, callback.provider);
      if (!p) return FlowFail(txn, SSO_OIDC_STATE_INVALID, out);
      // The state must come back to the browser that started the login.
      if (callback.binding.empty() || Sha256Hex(callback.binding) != record.value("b", ""))
        return FlowFail(txn, SSO_OIDC_STATE_INVALID, out);
      callback.nonce = record.value("n", "");
      callback.code_verifier = record.value("v", "");
      callback.return_to = SafeReturnTo(record.value("to", "/"));
      txn.return_to = callback.return_to;  // a failure's "try again" leads back there
      // A worker that has not seen this provider yet (another worker, another node, or a
      // worker started by a reload began the login) fetches its discovery document first.
      callback.discovery = p->discovery;
      if (!callback.discovery) {
        callback.stage = OidcCallbackState::Stage::kDiscovery;
        return FetchDiscovery(txn, *p, out);
      }
      return ExchangeCode(txn, callback, *p, now_ms, out);
    }

    case OidcCallbackState::Stage::kConsume: {
      if (replies[0].type != SSO_REPLY_STRING)  // another callback with this state won
        return FlowFail(txn, SSO_LOGIN_STATE_SPENT, out);
      return ProvisionBegin(txn,
                            {"oidc", std::move(callback.identity),
                             std::move(callback.session_random), std::move(callback.return_to),
                             std::move(callback.binding_clear), std::move(callback.logout)},
                            now_ms, out);
    }

    default:
      return FlowFail(txn, SSO_ERR_BAD_STATE, out);
  }
}

void OidcLoginResumeHttp(sso_txn &txn, OidcLoginState &login, int status, std::string_view body,
                         int64_t now_ms, sso_step &out) {
  out = sso_step{};
  OidcProvider *p = Provider(txn, login.provider);
  if (!p || login.stage != OidcLoginState::Stage::kDiscovery)
    return FlowFail(txn, SSO_ERR_BAD_STATE, out);
  if (sso_status s = AcceptDiscovery(*p, status, body, now_ms); s != SSO_OK)
    return FlowFail(txn, s, out);
  Authorize(txn, login, *p, *p->discovery, out);
}

void OidcCallbackResumeHttp(sso_txn &txn, OidcCallbackState &callback, int status,
                            std::string_view body, int64_t now_ms, sso_step &out) {
  out = sso_step{};
  OidcProvider *p = Provider(txn, callback.provider);
  if (!p) return FlowFail(txn, SSO_ERR_BAD_STATE, out);
  switch (callback.stage) {
    case OidcCallbackState::Stage::kDiscovery:
      if (sso_status s = AcceptDiscovery(*p, status, body, now_ms); s != SSO_OK)
        return FlowFail(txn, s, out);
      callback.discovery = p->discovery;
      return ExchangeCode(txn, callback, *p, now_ms, out);
    case OidcCallbackState::Stage::kToken: {
      if (status == 0) return FlowFail(txn, SSO_OIDC_UNAVAILABLE, out);
      oidc::TokenResponse token;
      if (sso_status s = oidc::ParseTokenResponse(status, body, token); s != SSO_OK)
        return FlowFail(txn, s, out);
      callback.id_token = std::move(token.id_token);
      callback.access_token = std::move(token.access_token);
      return VerifyAndFinish(txn, callback, *p, now_ms, out);
    }
    case OidcCallbackState::Stage::kJwks: {
      std::string refused;
      if (sso_status s = AcceptJwks(*p, status, body, now_ms, refused); s == SSO_OK) {
        callback.jwks = p->jwks;
        VerifyAndFinish(txn, callback, *p, now_ms, out);  // may end the flow: `callback` is gone
      } else {
        FlowFail(txn, s, out);
      }
      if (!refused.empty()) {
        txn.output.warning = std::move(refused);
        out.warning = Str(txn.output.warning);
      }
      return;
    }
    case OidcCallbackState::Stage::kUserinfo:
      return MergeUserinfo(txn, callback, *p, status, body, out);
    default:
      return FlowFail(txn, SSO_ERR_BAD_STATE, out);
  }
}

}  // namespace sso
