#include "saml/login_flow.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "engine/engine.h"
#include "engine/flow_steps.h"
#include "engine/store_keys.h"
#include "engine/txn.h"
#include "oidc/login_flow.h"
#include "provision/flow.h"
#include "saml/metadata.h"
#include "saml/post_form.h"
#include "session/gate.h"
#include "session/plan.h"
#include "session/session_id.h"
#include "text/email_domain.h"
#include "text/encoding.h"
#include "text/http_text.h"
#include "text/pages.h"
#include "text/views.h"

namespace sso {
namespace {

using Json = nlohmann::json;

constexpr int64_t kRelayStateTtlMs = 10 * 60 * 1000;  // time a person may spend at the IdP
constexpr size_t kRelayHandleBytes = 16;

bool IsRelayHandle(std::string_view s) {
  if (s.size() != 22) return false;  // base64url of 16 bytes
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  return true;
}

std::string RelayKey(const sso_txn &txn, std::string_view handle) {
  return txn.engine.settings.key_prefix + "rs:" + Sha256Hex(handle);
}

void Page(sso_txn &txn, int status, std::string content_type, std::string body, sso_step &out) {
  FlowAnswer(txn, status, SSO_OK, std::move(content_type), std::move(body), out);
}

void Redirect(sso_txn &txn, int status, std::string location, sso_step &out) {
  txn.flow = std::monostate{};
  txn.output.location = std::move(location);
  out.kind = SSO_STEP_REDIRECT;
  out.reason = SSO_OK;
  out.http_status = status;
  out.location = Str(txn.output.location);
}

// Several providers and none chosen: a page to choose one (by its display name), or to give
// a work email address whose domain picks the provider (home-realm discovery).
void ChooserPage(sso_txn &txn, std::string_view return_to, std::string_view notice, sso_step &out) {
  const auto &login = txn.engine.settings.login_url;
  bool any_domains = false;
  for (const auto &[name, provider] : txn.engine.saml_providers)
    any_domains = any_domains || !provider.email_domains.empty();
  for (const auto &[name, provider] : txn.engine.oidc_providers)
    any_domains = any_domains || !provider.email_domains.empty();
  std::vector<std::string> names;
  for (const auto &[name, provider] : txn.engine.saml_providers) names.push_back(name);
  for (const auto &[name, provider] : txn.engine.oidc_providers) names.push_back(name);
  std::vector<ChooserEntry> entries;
  for (const auto &name : names) {
    auto shown = txn.engine.display_names.find(name);
    entries.push_back({shown == txn.engine.display_names.end() ? name : shown->second,
                       login + (login.find('?') == std::string::npos ? "?" : "&") +
                           "provider=" + UrlEncode(name) + "&return_to=" + UrlEncode(return_to)});
  }
  // by what people read
  std::stable_sort(entries.begin(), entries.end(),
                   [](const auto &a, const auto &b) { return a.label < b.label; });
  RenderedPage page = RenderChooserPage(
      txn.engine.pages, entries,
      any_domains ? std::string_view(login).substr(0, login.find('?')) : "", return_to, notice);
  Page(txn, page.http_status, "text/html; charset=utf-8", std::move(page.body), out);
  out.content_security_policy = Str(*page.content_security_policy);
}

const SamlProvider *FindProvider(const sso_txn &txn, std::string_view name) {
  auto it = txn.engine.saml_providers.find(std::string(name));
  return it == txn.engine.saml_providers.end() ? nullptr : &it->second;
}

// Home-realm discovery: the name of the provider whose email_domains cover the address.
std::string ProviderForEmail(const sso_txn &txn, std::string_view email) {
  auto domain = EmailDomain(email);
  if (!domain) return {};
  for (const auto &[name, provider] : txn.engine.saml_providers)
    for (const auto &allowed : provider.email_domains)
      if (DomainMatches(*domain, allowed)) return name;
  for (const auto &[name, provider] : txn.engine.oidc_providers)
    for (const auto &allowed : provider.email_domains)
      if (DomainMatches(*domain, allowed)) return name;
  return {};
}

// After the RelayState (or the IdP-initiated rules) told us whose response this is.
void ValidateAndCheckReplay(sso_txn &txn, SamlAcsState &acs, const SamlProvider &provider,
                            std::optional<std::string> request_id, int64_t now_ms, sso_step &out) {
  if (sso_status s = provider.IdpStatus(now_ms); s != SSO_OK) return FlowFail(txn, s, out);
  saml::Assertion assertion;
  saml::Expectation expect{std::move(request_id), now_ms};
  sso_status s =
      saml::ValidateResponse(acs.saml_response, provider.idp, provider.sp, expect, assertion);
  if (s != SSO_OK) return FlowFail(txn, s, out);

  acs.identity = IdentityFromAssertion(provider, assertion);
  acs.logout.name_id_format = assertion.name_id_format;
  acs.logout.name_qualifier = assertion.name_qualifier;
  acs.logout.sp_name_qualifier = assertion.sp_name_qualifier;
  acs.logout.session_index = assertion.session_index;
  // The assertion ID is single use until it could no longer be accepted anyway.
  int64_t ttl = std::max<int64_t>(assertion.replay_until_ms - now_ms, 1000);
  std::string replay_key = txn.engine.settings.key_prefix +
                           "rp:" + Sha256Hex(assertion.issuer + '\0' + assertion.assertion_id);
  std::vector<StoreCommand> replay;
  replay.push_back(StoreCommand{"SET", replay_key, "1", "PX", std::to_string(ttl), "NX"});
  acs.stage = SamlAcsState::Stage::kReplay;
  FlowStore(txn, std::move(replay), out);
}

}  // namespace

void LoginBegin(sso_txn &txn, const sso_login_request &request, sso_step &out) {
  out = sso_step{};
  txn.flow = std::monostate{};
  auto query = ParseForm(View(request.query));
  if (!query) return FlowFail(txn, SSO_ACS_BAD_REQUEST, out);
  std::string return_to = SafeReturnTo((*query)["return_to"]);
  txn.return_to = return_to;  // for the actions of an error page
  std::string provider_name = (*query)["provider"];
  std::string email = (*query)["email"];
  const auto &saml = txn.engine.saml_providers;
  auto &oidc_providers = txn.engine.oidc_providers;
  if (provider_name.empty() && !email.empty()) {
    provider_name = ProviderForEmail(txn, email);
    if (provider_name.empty())
      return ChooserPage(txn, return_to, "No sign-in is set up for that email address.", out);
  } else if (provider_name.empty()) {
    size_t count = saml.size() + oidc_providers.size();
    if (count == 0) return FlowFail(txn, SSO_LOGIN_NO_PROVIDER, out);
    if (count > 1) return ChooserPage(txn, return_to, "", out);
    provider_name = saml.empty() ? oidc_providers.begin()->first : saml.begin()->first;
  }
  if (!request.random || request.random_len < 2 * kRelayHandleBytes)
    return FlowFail(txn, SSO_ERR_INVALID_ARGUMENT, out);
  if (auto it = oidc_providers.find(provider_name); it != oidc_providers.end()) {
    return OidcLoginBegin(txn, it->second, return_to, {request.random, request.random_len},
                          request.now_ms, out);
  }
  const SamlProvider *provider = FindProvider(txn, provider_name);
  if (!provider) return FlowFail(txn, SSO_LOGIN_UNKNOWN_PROVIDER, out);
  // metadata from a URL not fetched yet, or expired: 503 with Retry-After
  if (sso_status s = provider->IdpStatus(request.now_ms); s != SSO_OK) return FlowFail(txn, s, out);

  std::span<const uint8_t> random(request.random, request.random_len);
  std::string request_id = "_" + Hex(random.subspan(0, 16));
  auto handle_bytes = random.subspan(16, kRelayHandleBytes);
  std::string handle = Base64UrlEncode(
      std::string_view(reinterpret_cast<const char *>(handle_bytes.data()), handle_bytes.size()));

  // HTTP-Redirect when the IdP offers it, else HTTP-POST
  bool post = provider->idp.sso_url.empty();
  saml::AuthnRequestInput authn{request_id,
                                request.now_ms,
                                provider->sp.entity_id,
                                provider->sp.acs_url,
                                post ? provider->idp.sso_post_url : provider->idp.sso_url,
                                handle,
                                provider->sign_requests ? provider->sp_key : nullptr};
  auto message = post ? saml::PostPage(authn) : saml::RedirectUrl(authn);
  if (!message) return FlowFail(txn, SSO_ERR_INTERNAL, out);

  Json relay = {{"p", provider->name}, {"id", request_id}, {"to", return_to}};
  std::vector<StoreCommand> commands;
  commands.push_back(StoreCommand{"SET", RelayKey(txn, handle),
                                  relay.dump(-1, ' ', false, Json::error_handler_t::replace), "PX",
                                  std::to_string(kRelayStateTtlMs)});
  txn.flow =
      post ? SamlLoginState{"", std::move(*message)} : SamlLoginState{std::move(*message), ""};
  FlowStore(txn, std::move(commands), out);
}

void AcsBegin(sso_txn &txn, const sso_acs_request &request, sso_step &out) {
  out = sso_step{};
  txn.flow = std::monostate{};
  auto form = ParseForm(View(request.form_body));
  if (!form) return FlowFail(txn, SSO_ACS_BAD_REQUEST, out);
  auto response = form->find("SAMLResponse");
  if (response == form->end() || response->second.empty())
    return FlowFail(txn, SSO_ACS_BAD_REQUEST, out);
  if (!request.random || request.random_len < kSessionIdBytes)
    return FlowFail(txn, SSO_ERR_INVALID_ARGUMENT, out);
  auto &acs = txn.flow.emplace<SamlAcsState>();
  acs.saml_response = response->second;
  acs.session_random.assign(request.random, request.random + request.random_len);

  auto relay = form->find("RelayState");
  std::string relay_state = relay == form->end() ? "" : relay->second;
  if (IsRelayHandle(relay_state)) {
    // Single use: GETDEL, so a second POST of the same form finds nothing.
    std::vector<StoreCommand> commands;
    commands.push_back(StoreCommand{"GETDEL", RelayKey(txn, relay_state)});
    acs.stage = SamlAcsState::Stage::kRelay;
    return FlowStore(txn, std::move(commands), out);
  }

  // IdP-initiated: no handle of ours. Only for a provider that allows it; a RelayState can
  // then only name a same-origin path.
  auto issuer = saml::PeekIssuer(acs.saml_response);
  if (!issuer) return FlowFail(txn, SSO_SAML_NOT_A_RESPONSE, out);
  const SamlProvider *provider = nullptr;
  for (const auto &[name, p] : txn.engine.saml_providers)
    if (issuer && p.idp_ready && p.idp.entity_id == *issuer) provider = &p;
  if (!provider) return FlowFail(txn, SSO_SAML_ISSUER_MISMATCH, out);
  if (!provider->sp.allow_unsolicited) return FlowFail(txn, SSO_SAML_UNSOLICITED, out);
  acs.return_to = SafeReturnTo(relay_state.empty() ? "/" : relay_state);
  ValidateAndCheckReplay(txn, acs, *provider, std::nullopt, request.now_ms, out);
}

void SamlLoginResume(sso_txn &txn, SamlLoginState &login, std::span<const sso_store_reply> replies,
                     sso_step &out) {
  sso_status why;
  if (FlowStoreFailed(replies, why)) return FlowFail(txn, why, out);
  if (login.redirect.empty()) {
    Page(txn, 200, "text/html; charset=utf-8", std::move(login.post_page), out);
    out.content_security_policy = Str(saml::AutoPostPolicy());
    return;
  }
  Redirect(txn, 302, std::move(login.redirect), out);
}

void AcsResume(sso_txn &txn, SamlAcsState &acs, std::span<const sso_store_reply> replies,
               int64_t now_ms, sso_step &out) {
  sso_status why;
  if (FlowStoreFailed(replies, why)) return FlowFail(txn, why, out);

  switch (acs.stage) {
    case SamlAcsState::Stage::kRelay: {
      // gone: this form was posted before (a reload, the back button), or the login is older
      // than the RelayState's life
      if (replies[0].type == SSO_REPLY_NIL) return FlowFail(txn, SSO_LOGIN_STATE_SPENT, out);
      if (replies[0].type != SSO_REPLY_STRING)
        return FlowFail(txn, SSO_SAML_RELAY_STATE_INVALID, out);
      Json relay = Json::parse(View(replies[0].str), nullptr, false);
      if (!relay.is_object() || !relay.contains("p") || !relay["p"].is_string() ||
          !relay.contains("id") || !relay["id"].is_string() || !relay.contains("to") ||
          !relay["to"].is_string())
        return FlowFail(txn, SSO_SAML_RELAY_STATE_INVALID, out);
      const SamlProvider *provider = FindProvider(txn, relay["p"].get<std::string>());
      if (!provider) return FlowFail(txn, SSO_SAML_RELAY_STATE_INVALID, out);
      acs.return_to = SafeReturnTo(relay["to"].get<std::string>());
      txn.return_to = acs.return_to;  // a failure's "try again" leads back there
      return ValidateAndCheckReplay(txn, acs, *provider, relay["id"].get<std::string>(), now_ms,
                                    out);
    }

    case SamlAcsState::Stage::kReplay:
      if (replies[0].type == SSO_REPLY_NIL) return FlowFail(txn, SSO_SAML_REPLAY, out);
      // A new session at every login: the cookie it sets is all the browser keeps.
      return ProvisionBegin(txn,
                            {"saml", std::move(acs.identity), std::move(acs.session_random),
                             std::move(acs.return_to), "", std::move(acs.logout)},
                            now_ms, out);
  }
  FlowFail(txn, SSO_ERR_BAD_STATE, out);
}

void SamlMetadata(sso_txn &txn, std::string_view name, sso_step &out) {
  out = sso_step{};
  const SamlProvider *provider = FindProvider(txn, name);
  if (!provider && name.empty() && txn.engine.saml_providers.size() == 1)
    provider = &txn.engine.saml_providers.begin()->second;
  if (!provider) return FlowFail(txn, SSO_LOGIN_UNKNOWN_PROVIDER, out);
  Page(txn, 200, "application/samlmetadata+xml",
       saml::SpMetadata({provider->sp.entity_id, provider->sp.acs_url, provider->sp_certificate,
                         provider->sign_requests,
                         provider->SingleLogout() ? provider->slo_url : std::string()}),
       out);
}

}  // namespace sso
