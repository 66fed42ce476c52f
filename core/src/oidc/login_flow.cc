#include "oidc/login_flow.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "api/c_views.h"
#include "engine/flow_steps.h"
#include "engine/store_keys.h"
#include "engine/txn.h"
#include "provision/flow.h"
#include "session/gate.h"
#include "session/plan.h"
#include "session/session_id.h"
#include "text/encoding.h"
#include "text/http_text.h"

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

std::string CookieValue(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    size_t end = header.find(';');
    std::string_view pair = header.substr(0, end);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    if (pair.size() > name.size() && pair.substr(0, name.size()) == name &&
        pair[name.size()] == '=')
      return std::string(pair.substr(name.size() + 1));
    if (end == std::string_view::npos) break;
    header.remove_prefix(end + 1);
  }
  return {};
}

// A private_key_jwt assertion's unique id: derived from the login's CSPRNG bytes for the new
// session through SHA-256, so it is unpredictable and reveals nothing of the session id.
std::string Jti(const sso_txn &txn) {
  return Sha256Hex(std::string(txn.flow_session_random.begin(), txn.flow_session_random.end()) +
                   "client-assertion")
      .substr(0, 32);
}

OidcProvider *Provider(sso_txn &txn) {
  auto it = txn.engine.oidc_providers.find(txn.flow_provider);
  return it == txn.engine.oidc_providers.end() ? nullptr : &it->second;
}

void Http(sso_txn &txn, sso_txn::Flow next, std::string method, std::string url,
          std::string authorization, std::string content_type, std::string body, sso_step &out) {
  FlowHttp(txn, next,
           {std::move(method), std::move(url), std::move(authorization), std::move(content_type),
            std::move(body), "", 0},
           out);
}

void Authorize(sso_txn &txn, OidcProvider &p, sso_step &out) {
  auto request = oidc::BuildAuthorizationRequest(*txn.flow_discovery, p.client, txn.flow_random);
  std::fill(txn.flow_random.begin(), txn.flow_random.end(), 0);
  if (!request) return FlowFail(txn, SSO_ERR_INVALID_ARGUMENT, out);
  Json record = {{"p", p.name},
                 {"n", request->nonce},
                 {"v", request->code_verifier},
                 {"b", Sha256Hex(request->binding)},
                 {"to", txn.flow_return_to}};
  txn.output.location = request->url;
  txn.output.set_cookie =
      SetCookieValue({BindingName(txn, request->state), txn.engine.settings.cookie_secure},
                     request->binding, kStateTtlMs / 1000);
  std::vector<StoreCommand> commands;
  commands.push_back(StoreCommand{"SET", StateKey(txn, request->state),
                                  record.dump(-1, ' ', false, Json::error_handler_t::replace), "PX",
                                  std::to_string(kStateTtlMs)});
  FlowStore(txn, sso_txn::Flow::kOidcStore, std::move(commands), out);
}

void Finish(sso_txn &txn, OidcProvider &p, const Json &claims, sso_step &out);

// provider "op": JWKS key kid="x" refused: RSA public exponent is below 65537; ... (not used)
std::string RefusedKeysLine(const OidcProvider &p, const std::vector<oidc::RefusedJwk> &refused) {
  constexpr size_t kListed = 8;
  std::string line = "provider \"" + p.name + "\": JWKS";
  for (size_t i = 0; i < refused.size() && i < kListed; ++i)
    line += std::string(i ? ";" : "") + " key kid=\"" + LogSafe(refused[i].key_id, 64) +
            "\" refused: " + refused[i].problem;
  if (refused.size() > kListed)
    line += "; and " + std::to_string(refused.size() - kListed) + " more keys refused";
  line += " (not used)";
  return line;
}

void FetchJwks(sso_txn &txn, sso_step &out) {
  txn.flow_jwks_refreshed = true;
  Http(txn, sso_txn::Flow::kOidcJwks, "GET", txn.flow_discovery->jwks_uri, "", "", "", out);
}

// Verifies the ID token we got, fetching the JWKS once if we have no key for it.
void VerifyAndFinish(sso_txn &txn, OidcProvider &p, int64_t now_ms, sso_step &out) {
  if (!txn.flow_jwks) txn.flow_jwks = p.jwks;
  bool may_refresh =
      !txn.flow_jwks_refreshed &&
      (p.jwks_fetched_ms < 0 || now_ms - p.jwks_fetched_ms >= p.jwks_refresh_interval_ms);
  if (!txn.flow_jwks || txn.flow_jwks->empty()) {
    if (!may_refresh) return FlowFail(txn, SSO_JWKS_INVALID, out);
    return FetchJwks(txn, out);
  }
  oidc::Jwt jwt;
  oidc::ClaimRules rules{p.issuer, p.client.client_id, txn.flow_nonce, now_ms, p.clock_skew_ms};
  sso_status s = oidc::VerifyIdToken(txn.flow_id_token, p.algorithm, *txn.flow_jwks, rules, jwt);
  if (s == SSO_JWT_UNKNOWN_KID && may_refresh) return FetchJwks(txn, out);  // key rotation
  if (s == SSO_JWT_UNKNOWN_KID && !jwt.key_id.empty() &&
      std::find(p.refused_kids.begin(), p.refused_kids.end(), jwt.key_id) != p.refused_kids.end())
    s = SSO_KEY_REFUSED;  // the key is there, but we would not use it
  if (s != SSO_OK) return FlowFail(txn, s, out);

  if (p.userinfo) {
    if (txn.flow_access_token.empty() || txn.flow_discovery->userinfo_endpoint.empty())
      return FlowFail(txn, SSO_OIDC_USERINFO_INVALID, out);
    txn.flow_claims = jwt.claims.dump(-1, ' ', false, Json::error_handler_t::replace);
    return Http(txn, sso_txn::Flow::kOidcUserinfo, "GET", txn.flow_discovery->userinfo_endpoint,
                "Bearer " + txn.flow_access_token, "", "", out);
  }
  Finish(txn, p, jwt.claims, out);
}

// The ID token's claims, completed by userinfo: its sub must be the ID token's, and it only
// adds claims the ID token does not have (the signed ones win).
void MergeUserinfo(sso_txn &txn, OidcProvider &p, int status, std::string_view body,
                   sso_step &out) {
  std::fill(txn.flow_access_token.begin(), txn.flow_access_token.end(), '\0');
  txn.flow_access_token.clear();
  if (status == 0) return FlowFail(txn, SSO_OIDC_UNAVAILABLE, out);
  Json claims = Json::parse(txn.flow_claims, nullptr, false);
  Json info = Json::parse(body, nullptr, false);
  if (status != 200 || !claims.is_object() || !info.is_object() || !info.contains("sub") ||
      info["sub"] != claims["sub"])
    return FlowFail(txn, SSO_OIDC_USERINFO_INVALID, out);
  for (auto &[name, value] : info.items())
    if (!claims.contains(name)) claims[name] = value;
  Finish(txn, p, claims, out);
}

// The login is valid: spend its state (GETDEL, so of two callbacks racing with one state only
// one goes on), then provision. Nothing before this point consumes the state, so a failure
// that is not the person's (an unreachable provider, a worker without discovery) leaves the
// login completable.
void Finish(sso_txn &txn, OidcProvider &p, const Json &claims, sso_step &out) {
  // the login's binding cookie is spent, whatever happens next
  txn.flow_binding_clear =
      SetCookieValue({txn.flow_binding_name, txn.engine.settings.cookie_secure}, "", 0);
  txn.flow_identity = IdentityFromClaims(p, claims);
  std::vector<StoreCommand> commands;
  commands.push_back(StoreCommand{"GETDEL", txn.flow_state_key});
  FlowStore(txn, sso_txn::Flow::kOidcConsume, std::move(commands), out);
}

// The callback's checks that need the provider's discovery document, then the token request.
void ExchangeCode(sso_txn &txn, OidcProvider &p, int64_t now_ms, sso_step &out) {
  const oidc::Discovery &d = *txn.flow_discovery;
  // RFC 9207: the iss parameter, when sent (or promised), names our provider exactly.
  if ((txn.flow_iss && *txn.flow_iss != p.issuer) ||
      (!txn.flow_iss && d.issuer_parameter_supported))
    return FlowFail(txn, SSO_OIDC_ISSUER_MISMATCH, out);
  auto token = oidc::BuildTokenRequest(p.client, txn.flow_code, txn.flow_code_verifier,
                                       d.token_endpoint, Jti(txn), now_ms);
  if (!token) return FlowFail(txn, SSO_ERR_INTERNAL, out);
  Http(txn, sso_txn::Flow::kOidcToken, "POST", d.token_endpoint, token->authorization,
       "application/x-www-form-urlencoded", token->body, out);
}

void FetchDiscovery(sso_txn &txn, OidcProvider &p, bool in_callback, sso_step &out) {
  txn.flow_in_callback = in_callback;
  Http(txn, sso_txn::Flow::kOidcDiscovery, "GET", p.issuer + "/.well-known/openid-configuration",
       "", "", "", out);
}

}  // namespace

void OidcLoginBegin(sso_txn &txn, OidcProvider &provider, std::string return_to,
                    std::span<const uint8_t> random, int64_t now_ms, sso_step &out) {
  txn.flow_provider = provider.name;
  txn.flow_return_to = std::move(return_to);
  txn.flow_random.assign(random.begin(), random.end());
  if (txn.flow_random.size() < 96) return FlowFail(txn, SSO_ERR_INVALID_ARGUMENT, out);
  if (provider.discovery && (provider.discovery_explicit ||
                             now_ms - provider.discovery_fetched_ms < kDiscoveryMaxAgeMs)) {
    txn.flow_discovery = provider.discovery;
    return Authorize(txn, provider, out);
  }
  FetchDiscovery(txn, provider, false, out);
}

void OidcCallbackBegin(sso_txn &txn, const sso_oidc_callback_request &request, sso_step &out) {
  out = sso_step{};
  txn.flow = sso_txn::Flow::kNone;
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
  txn.flow_binding = CookieValue(cookies, BindingName(txn, state));
  txn.flow_binding_name = BindingName(txn, state);
  txn.flow_code = std::move(code);
  txn.flow_iss = q->count("iss") ? std::optional<std::string>((*q)["iss"]) : std::nullopt;
  txn.flow_session_random.assign(request.random, request.random + request.random_len);
  txn.flow_state_key = StateKey(txn, state);
  std::vector<StoreCommand> commands;
  commands.push_back(StoreCommand{"GET", txn.flow_state_key});  // spent by Finish()
  FlowStore(txn, sso_txn::Flow::kOidcState, std::move(commands), out);
}

void OidcResumeStore(sso_txn &txn, std::span<const sso_store_reply> replies, int64_t now_ms,
                     sso_step &out) {
  out = sso_step{};
  sso_status why;
  if (replies.size() != txn.output.step_views.size()) return FlowFail(txn, SSO_ERR_BAD_STATE, out);
  if (FlowStoreFailed(replies, why)) return FlowFail(txn, why, out);

  switch (txn.flow) {
    case sso_txn::Flow::kOidcStore:
      txn.flow = sso_txn::Flow::kNone;
      out.kind = SSO_STEP_REDIRECT;
      out.http_status = 302;
      out.location = Str(txn.output.location);
      out.set_cookie = Str(txn.output.set_cookie);  // binds this login to this browser
      return;

    case sso_txn::Flow::kOidcState: {
      if (replies[0].type != SSO_REPLY_STRING) return FlowFail(txn, SSO_OIDC_STATE_INVALID, out);
      Json record =
          Json::parse(std::string_view(replies[0].str.data, replies[0].str.len), nullptr, false);
      if (!record.is_object() || !record.contains("p") || !record["p"].is_string() ||
          !record.contains("n") || !record.contains("v") || !record.contains("b") ||
          !record.contains("to"))
        return FlowFail(txn, SSO_OIDC_STATE_INVALID, out);
      txn.flow_provider = record["p"].get<std::string>();
      OidcProvider *p = Provider(txn);
      if (!p) return FlowFail(txn, SSO_OIDC_STATE_INVALID, out);
      // The state must come back to the browser that started the login.
      if (txn.flow_binding.empty() || Sha256Hex(txn.flow_binding) != record.value("b", ""))
        return FlowFail(txn, SSO_OIDC_STATE_INVALID, out);
      txn.flow_nonce = record.value("n", "");
      txn.flow_code_verifier = record.value("v", "");
      txn.flow_return_to = SafeReturnTo(record.value("to", "/"));
      // A worker that has not seen this provider yet (another worker, another node, or a
      // worker started by a reload began the login) fetches its discovery document first.
      txn.flow_discovery = p->discovery;
      if (!txn.flow_discovery) return FetchDiscovery(txn, *p, true, out);
      return ExchangeCode(txn, *p, now_ms, out);
    }

    case sso_txn::Flow::kOidcConsume: {
      if (replies[0].type != SSO_REPLY_STRING)  // another callback with this state won
        return FlowFail(txn, SSO_OIDC_STATE_INVALID, out);
      return ProvisionBegin(txn, "oidc", std::move(txn.flow_identity),
                            std::move(txn.flow_session_random), now_ms, out);
    }

    default:
      return FlowFail(txn, SSO_ERR_BAD_STATE, out);
  }
}

void OidcResumeHttp(sso_txn &txn, int status, std::string_view body, int64_t now_ms,
                    sso_step &out) {
  out = sso_step{};
  OidcProvider *p = Provider(txn);
  if (!p) return FlowFail(txn, SSO_ERR_BAD_STATE, out);
  switch (txn.flow) {
    case sso_txn::Flow::kOidcDiscovery: {
      oidc::Discovery d;
      sso_status s = status == 200 ? oidc::ParseDiscovery(body, p->issuer, p->algorithm, d)
                                   : SSO_OIDC_UNAVAILABLE;
      if (s == SSO_OK) {
        p->discovery = std::make_shared<const oidc::Discovery>(std::move(d));
        p->discovery_fetched_ms = now_ms;
      } else if (!p->discovery || s != SSO_OIDC_UNAVAILABLE) {
        // an outage while refreshing keeps the document we have; a changed one that we
        // cannot accept does not (logins in flight keep their own snapshot)
        p->discovery.reset();
        return FlowFail(txn, s, out);
      }
      txn.flow_discovery = p->discovery;
      if (txn.flow_in_callback) return ExchangeCode(txn, *p, now_ms, out);
      return Authorize(txn, *p, out);
    }
    case sso_txn::Flow::kOidcToken: {
      if (status == 0) return FlowFail(txn, SSO_OIDC_UNAVAILABLE, out);
      oidc::TokenResponse token;
      if (sso_status s = oidc::ParseTokenResponse(status, body, token); s != SSO_OK)
        return FlowFail(txn, s, out);
      txn.flow_id_token = std::move(token.id_token);
      txn.flow_access_token = std::move(token.access_token);
      return VerifyAndFinish(txn, *p, now_ms, out);
    }
    case sso_txn::Flow::kOidcJwks: {
      if (status != 200) return FlowFail(txn, SSO_OIDC_UNAVAILABLE, out);
      oidc::JwkSet keys;
      std::vector<oidc::RefusedJwk> refused;
      sso_status s = oidc::ParseJwks(body, keys, &refused);
      if (s == SSO_OK) {
        p->jwks = std::make_shared<const oidc::JwkSet>(std::move(keys));
        p->jwks_fetched_ms = now_ms;
        p->refused_kids.clear();
        for (const auto &r : refused) p->refused_kids.push_back(r.key_id);
        txn.flow_jwks = p->jwks;
        VerifyAndFinish(txn, *p, now_ms, out);
      } else {
        FlowFail(txn, s, out);
      }
      if (!refused.empty()) {
        txn.output.warning = RefusedKeysLine(*p, refused);
        out.warning = Str(txn.output.warning);
      }
      return;
    }
    case sso_txn::Flow::kOidcUserinfo:
      return MergeUserinfo(txn, *p, status, body, out);
    default:
      return FlowFail(txn, SSO_ERR_BAD_STATE, out);
  }
}

}  // namespace sso
