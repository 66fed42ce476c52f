// The exported C functions: argument checks and the exception barrier, nothing else.
// No exception may cross into nginx (a throw through C frames kills the worker).
#include <openssl/rand.h>

#include <algorithm>
#include <new>
#include <string_view>
#include <variant>
#include <vector>

#include "authz/rules.h"
#include "endpoints/resume.h"
#include "endpoints/router.h"
#include "engine/engine.h"
#include "engine/flow_steps.h"
#include "engine/txn.h"
#include "oidc/login_flow.h"
#include "saml/login_flow.h"
#include "saml/provider.h"
#include "session/admin_read.h"
#include "session/admin_revoke.h"
#include "session/cache.h"
#include "session/gate.h"
#include "session/plan.h"
#include "sso/sso.h"
#include "text/encoding.h"
#include "text/http_text.h"
#include "text/pages.h"
#include "text/views.h"

using sso::Str;
using sso::String;
using sso::Strings;
using sso::View;

namespace {

bool ValidStr(sso_str s) { return s.data != nullptr || s.len == 0; }

template <class Body>
sso_status Barrier(Body &&body) noexcept {
  try {
    return body();
  } catch (const std::bad_alloc &) {
    return SSO_ERR_OUT_OF_MEMORY;
  } catch (...) {
    return SSO_ERR_INTERNAL;
  }
}

// Two providers of one name: nginx refuses the second block before; other callers get this.
sso_status DuplicateName(sso_engine *engine) {
  return sso::Refuse(&engine->config_error, SSO_ERR_INVALID_ARGUMENT, "", "",
                     "another provider has this name: give each provider a name of its own");
}

}  // namespace

extern "C" {

sso_status sso_engine_create(const sso_engine_config *config, sso_engine **out) {
  if (!config || !out) return SSO_ERR_INVALID_ARGUMENT;
  *out = nullptr;
  return Barrier([&] {
    sso::EngineSettings settings{String(config->key_prefix),
                                 String(config->cookie_name),
                                 config->cookie_secure != 0,
                                 config->ttl_ms,
                                 config->idle_ms,
                                 String(config->login_url),
                                 config->cache_ms};
    // empty: the default
    if (config->logout_redirect.len) settings.logout_redirect = String(config->logout_redirect);
    if (config->cache_entries) settings.cache_entries = config->cache_entries;
    if (sso_status status = sso::ValidateSettings(settings); status != SSO_OK) return status;
    *out = new sso_engine(std::move(settings));
    return SSO_OK;
  });
}

void sso_engine_destroy(sso_engine *engine) { delete engine; }

void sso_engine_cache_set_enabled(sso_engine *engine, int enabled) {
  if (engine) engine->cache.SetEnabled(enabled != 0);
}

void sso_engine_on_revocation(sso_engine *engine, sso_str message) {
  if (!engine || !ValidStr(message)) return;
  try {
    sso::OnRevocation(*engine, View(message));
  } catch (...) {
    // Could not process it: the only safe state is an empty cache.
    engine->cache.SetEnabled(false);
    engine->cache.SetEnabled(true);
  }
}

size_t sso_engine_cache_size(sso_engine *engine) { return engine ? engine->cache.size() : 0; }

uint64_t sso_engine_cache_evictions(sso_engine *engine) {
  return engine ? engine->cache.evictions() : 0;
}

sso_str sso_revocation_channel(sso_engine *engine) {
  if (!engine) return {"", 0};
  return Str(engine->revocation_channel);
}

sso_status sso_txn_create(sso_engine *engine, sso_txn **out) {
  if (!engine || !out) return SSO_ERR_INVALID_ARGUMENT;
  *out = nullptr;
  if (!engine->idle_txns.empty()) {
    *out = engine->idle_txns.back();
    engine->idle_txns.pop_back();
    return SSO_OK;
  }
  return Barrier([&] {
    *out = new sso_txn(*engine);
    engine->idle_txns.reserve(sso_engine::kMaxIdleTxns);  // no allocation when it comes back
    return SSO_OK;
  });
}

void sso_txn_destroy(sso_txn *txn) {
  if (txn) sso::GateLeave(*txn);
  delete txn;
}

void sso_txn_recycle(sso_txn *txn) {
  if (!txn) return;
  sso::GateLeave(*txn);
  auto &idle = txn->engine.idle_txns;
  if (idle.size() < sso_engine::kMaxIdleTxns) {
    txn->Reset();
    idle.push_back(txn);
    return;
  }
  delete txn;
}

void sso_txn_set_data(sso_txn *txn, void *data) {
  if (txn) txn->caller_data = data;
}

void *sso_txn_data(const sso_txn *txn) { return txn ? txn->caller_data : nullptr; }

sso_status sso_gate_begin(sso_txn *txn, const sso_gate_request *request, sso_step *out) {
  if (!txn || !request || !out) return SSO_ERR_INVALID_ARGUMENT;
  return Barrier([&] {
    sso::GateBegin(*txn, *request, *out);
    return SSO_OK;
  });
}

void sso_engine_session_read_done(sso_engine *engine, uint64_t read_id,
                                  const sso_store_reply *reply, int64_t now_ms) {
  if (!engine || !reply || !ValidStr(reply->str)) return;
  sso_status status = Barrier([&] {
    sso::SessionReadDone(*engine, read_id, *reply, now_ms);
    return SSO_OK;
  });
  if (status == SSO_OK) return;
  // No outcome (out of memory): the waiters must still get an answer, and an error is safe.
  sso_store_reply failed{SSO_REPLY_FAILED, {"", 0}, 0, SSO_STORE_UNAVAILABLE};
  (void)Barrier([&] {
    sso::SessionReadDone(*engine, read_id, failed, now_ms);
    return SSO_OK;
  });
}

sso_txn *sso_engine_session_read_waiter(sso_engine *engine, uint64_t read_id) {
  return engine ? engine->reads.NextWoken(read_id) : nullptr;
}

sso_status sso_gate_resume_read(sso_txn *txn, sso_step *out) {
  if (!txn || !out) return SSO_ERR_INVALID_ARGUMENT;
  auto *gate = std::get_if<sso::GateState>(&txn->flow);
  if (!gate || !gate->read) return SSO_ERR_BAD_STATE;
  return Barrier([&] {
    sso::GateResumeRead(*txn, *out);
    return SSO_OK;
  });
}

sso_status sso_endpoint_begin(sso_txn *txn, const sso_endpoint_request *request, sso_step *out) {
  if (!txn || !request || !out || !ValidStr(request->method) || !ValidStr(request->path) ||
      !ValidStr(request->query) || !ValidStr(request->request_id) ||
      !ValidStr(request->authorization) || !ValidStr(request->if_match) ||
      (request->cookie_headers_count && !request->cookie_headers) || !request->random ||
      request->random_len < 96)
    return SSO_ERR_INVALID_ARGUMENT;
  for (size_t i = 0; i < request->cookie_headers_count; ++i)
    if (!ValidStr(request->cookie_headers[i])) return SSO_ERR_INVALID_ARGUMENT;
  return Barrier([&] {
    sso::EndpointBegin(*txn, *request, *out);
    sso::NoteLogin(*txn, *out);
    return SSO_OK;
  });
}

sso_status sso_endpoint_resume_body(sso_txn *txn, sso_str body, int64_t now_ms, sso_step *out) {
  if (!txn || !out || !ValidStr(body)) return SSO_ERR_INVALID_ARGUMENT;
  if (!std::holds_alternative<sso::AwaitingBodyState>(txn->flow)) return SSO_ERR_BAD_STATE;
  return Barrier([&] {
    sso::EndpointResumeBody(*txn, View(body), now_ms, *out);
    sso::NoteLogin(*txn, *out);
    return SSO_OK;
  });
}

sso_status sso_error_page(sso_txn *txn, sso_status status, sso_str request_id, sso_step *out) {
  if (!txn || !out || !ValidStr(request_id)) return SSO_ERR_INVALID_ARGUMENT;
  return Barrier([&] {
    *out = sso_step{};
    sso::ErrorStep(*txn, status, View(request_id), *out);
    if (status == SSO_ACCESS_DENIED) sso::AccessDeniedAudit(*txn, View(request_id), *out);
    return SSO_OK;
  });
}

sso_status sso_unauthorized_body(sso_txn *txn, sso_str request_id, sso_step *out) {
  if (!txn || !out || !ValidStr(request_id) || out->kind != SSO_STEP_UNAUTHORIZED)
    return SSO_ERR_INVALID_ARGUMENT;
  return Barrier([&] {
    sso::UnauthorizedBody(*txn, View(request_id), *out);
    return SSO_OK;
  });
}

sso_str sso_page_template_name(size_t index) {
  if (index == 0) return {"page", 4};
  if (index > sso::kPageKindNames.size()) return {"", 0};
  std::string_view name = sso::kPageKindNames[index - 1];
  return {name.data(), name.size()};
}

namespace {

sso_status PageTemplateProblem(const std::string &problem, char *out, size_t size) {
  if (out && size) {
    size_t n = std::min(problem.size(), size - 1);
    std::copy_n(problem.data(), n, out);
    out[n] = '\0';
  }
  return SSO_CONFIG_BAD_PAGE_TEMPLATE;
}

}  // namespace

sso_status sso_page_template_check(sso_str name, sso_str html, char *problem, size_t problem_size) {
  if (!ValidStr(name) || !ValidStr(html)) return SSO_ERR_INVALID_ARGUMENT;
  return Barrier([&] {
    sso::PageTemplates templates;
    std::string why;
    if (!templates.Set(View(name), View(html), why))
      return PageTemplateProblem(why, problem, problem_size);
    return SSO_OK;
  });
}

sso_status sso_engine_set_page_template(sso_engine *engine, sso_str name, sso_str html,
                                        char *problem, size_t problem_size) {
  if (!engine || !ValidStr(name) || !ValidStr(html)) return SSO_ERR_INVALID_ARGUMENT;
  return Barrier([&] {
    std::string why;
    if (!engine->pages.Set(View(name), View(html), why))
      return PageTemplateProblem(why, problem, problem_size);
    return SSO_OK;
  });
}

sso_status sso_engine_set_display_name(sso_engine *engine, sso_str provider, sso_str display_name) {
  if (!engine || !ValidStr(provider) || !ValidStr(display_name)) return SSO_ERR_INVALID_ARGUMENT;
  return Barrier([&] {
    std::string name = String(provider);
    if (!engine->saml_providers.count(name) && !engine->oidc_providers.count(name))
      return SSO_LOGIN_UNKNOWN_PROVIDER;
    std::string_view shown = View(display_name);
    if (shown.empty() || shown.size() > 100 || sso::HasControlCharacter(shown))
      return SSO_CONFIG_BAD_DISPLAY_NAME;
    engine->display_names[name] = std::string(shown);
    return SSO_OK;
  });
}

sso_status sso_engine_set_identity_token(sso_engine *engine,
                                         const sso_identity_token_config *config) {
  if (!engine || !config || (config->keys_count && !config->keys_pem) || !ValidStr(config->issuer))
    return SSO_ERR_INVALID_ARGUMENT;
  for (size_t i = 0; i < config->keys_count; ++i)
    if (!ValidStr(config->keys_pem[i])) return SSO_ERR_INVALID_ARGUMENT;
  return Barrier([&] {
    sso::IdentityTokenSettings settings;
    if (sso_status s = sso::MakeIdentityTokenSettings(*config, settings); s != SSO_OK) return s;
    engine->identity_token = std::move(settings);
    return SSO_OK;
  });
}

sso_str sso_txn_identity_token(sso_txn *txn, sso_str audience, int64_t now_ms) {
  if (!txn || !txn->session || !txn->engine.identity_token || !ValidStr(audience)) return {"", 0};
  sso_str out{"", 0};
  (void)Barrier([&] {
    const auto &settings = *txn->engine.identity_token;
    std::string_view aud = View(audience);
    if (aud.empty()) aud = settings.default_audience;
    auto &tokens = txn->session->tokens;
    for (const auto &t : tokens)
      if (t.audience == aud && now_ms < t.reuse_until_ms) {
        out = Str(t.token);
        return SSO_OK;
      }
    uint8_t random[16];
    if (RAND_bytes(random, sizeof random) != 1) return SSO_ERR_INTERNAL;
    std::string jti = sso::Hex(random);
    std::string token =
        sso::SignIdentityToken(settings, txn->session->record.identity, {aud, now_ms, jti});
    if (token.empty()) return SSO_ERR_INTERNAL;
    // reused for half its life: a verifier always gets one with at least half of it left
    int64_t reuse_until = now_ms + settings.ttl_ms / 2;
    auto it = std::find_if(tokens.begin(), tokens.end(),
                           [&](const auto &t) { return t.audience == aud; });
    if (it == tokens.end()) it = tokens.insert(tokens.end(), {std::string(aud), "", 0});
    it->token = std::move(token);
    it->reuse_until_ms = reuse_until;
    out = Str(it->token);
    return SSO_OK;
  });
  return out;
}

sso_str sso_txn_identity_field(sso_txn *txn, sso_field field) {
  if (!txn || !txn->session) return {"", 0};
  const sso::Identity &id = txn->session->record.identity;
  switch (field) {
    case SSO_FIELD_USER:
      return Str(id.user);
    case SSO_FIELD_EMAIL:
      return Str(id.email);
    case SSO_FIELD_NAME:
      return Str(id.name);
    case SSO_FIELD_GROUPS:
      return Str(txn->session->groups);
    case SSO_FIELD_ROLES:
      return Str(txn->session->roles);
    case SSO_FIELD_PROVIDER:
      return Str(id.provider);
    case SSO_FIELD_SUBJECT:
      return Str(id.subject);
  }
  return {"", 0};
}

sso_str sso_txn_identity_attribute(sso_txn *txn, sso_str name, int *found) {
  if (found) *found = 0;
  if (!txn || !txn->session || !ValidStr(name)) return {"", 0};
  try {
    const auto &attributes = txn->session->record.identity.attributes;
    auto it = attributes.find(String(name));
    if (it == attributes.end()) return {"", 0};
    if (found) *found = 1;
    return Str(it->second);
  } catch (...) {
    return {"", 0};
  }
}

sso_status sso_session_plan_create(sso_txn *txn, const sso_identity *identity,
                                   const uint8_t *random, size_t random_len, int64_t now_ms,
                                   sso_session_plan *out) {
  if (!txn || !identity || !random || !out) return SSO_ERR_INVALID_ARGUMENT;
  if (identity->groups_count && !identity->groups) return SSO_ERR_INVALID_ARGUMENT;
  if (identity->roles_count && !identity->roles) return SSO_ERR_INVALID_ARGUMENT;
  if (identity->attributes_count && !identity->attributes) return SSO_ERR_INVALID_ARGUMENT;
  *out = sso_session_plan{};
  return Barrier([&] {
    sso::Identity id{String(identity->provider),
                     String(identity->subject),
                     String(identity->issuer),
                     String(identity->user),
                     String(identity->email),
                     String(identity->name),
                     Strings(identity->groups, identity->groups_count),
                     Strings(identity->roles, identity->roles_count),
                     {}};
    id.attributes = sso::StringMap(identity->attributes, identity->attributes_count);
    sso_status status = sso::PlanSession(*txn, std::move(id), {random, random_len}, now_ms);
    if (status != SSO_OK) return status;
    out->cookie_value = Str(txn->output.cookie_value);
    out->set_cookie = Str(txn->output.set_cookie);
    out->commands_count = txn->output.plan_views.size();
    out->commands = txn->output.plan_views.data();
    return SSO_OK;
  });
}

sso_status sso_engine_add_saml_provider(sso_engine *engine,
                                        const sso_saml_provider_config *config) {
  if (!engine || !config) return SSO_ERR_INVALID_ARGUMENT;
  if ((config->idp_certificates_count && !config->idp_certificates) ||
      (config->email_domains_count && !config->email_domains) ||
      (config->attribute_map_count && !config->attribute_map))
    return SSO_ERR_INVALID_ARGUMENT;
  engine->warnings.clear();
  engine->config_error = {};
  if ((config->idp_metadata_signing_certificates_count &&
       !config->idp_metadata_signing_certificates) ||
      !ValidStr(config->idp_metadata_url))
    return SSO_ERR_INVALID_ARGUMENT;
  return Barrier([&] {
    sso::SamlProvider provider;
    sso::MetadataFeed feed;
    if (sso_status s = sso::MakeSamlProvider(*config, provider, &engine->warnings,
                                             &engine->config_error, &feed);
        s != SSO_OK)
      return s;
    if (engine->saml_providers.count(provider.name) || engine->oidc_providers.count(provider.name))
      return DuplicateName(engine);
    std::string name = provider.name;
    engine->saml_providers.emplace(std::move(name), std::move(provider));
    if (config->idp_metadata_url.len) engine->metadata_feeds.push_back(std::move(feed));
    return SSO_OK;
  });
}

size_t sso_engine_metadata_feeds(sso_engine *engine) {
  return engine ? engine->metadata_feeds.size() : 0;
}

namespace {
sso::SamlProvider *FeedProvider(sso_engine *engine, size_t index) {
  if (!engine || index >= engine->metadata_feeds.size()) return nullptr;
  auto it = engine->saml_providers.find(engine->metadata_feeds[index].provider);
  return it == engine->saml_providers.end() ? nullptr : &it->second;
}
}  // namespace

sso_status sso_engine_metadata_feed(sso_engine *engine, size_t index, sso_metadata_feed_info *out) {
  sso::SamlProvider *provider = FeedProvider(engine, index);
  if (!provider || !out) return SSO_ERR_INVALID_ARGUMENT;
  const sso::MetadataFeed &feed = engine->metadata_feeds[index];
  out->provider = Str(feed.provider);
  out->url = Str(feed.url);
  out->interval_ms = feed.interval_ms;
  out->ready = provider->idp_ready ? 1 : 0;
  return SSO_OK;
}

sso_status sso_metadata_refresh_begin(sso_engine *engine, size_t index, sso_step *out) {
  if (!FeedProvider(engine, index) || !out) return SSO_ERR_INVALID_ARGUMENT;
  return Barrier([&] {
    sso::MetadataRefreshBegin(engine->metadata_feeds[index], *out);
    return SSO_OK;
  });
}

sso_status sso_metadata_refresh_done(sso_engine *engine, size_t index, int status, sso_str body,
                                     sso_str failure, int64_t now_ms, sso_step *out) {
  sso::SamlProvider *provider = FeedProvider(engine, index);
  if (!provider || !out || !ValidStr(body) || !ValidStr(failure)) return SSO_ERR_INVALID_ARGUMENT;
  return Barrier([&] {
    sso::MetadataRefreshDone(engine->metadata_feeds[index], *provider, status, View(body),
                             View(failure), now_ms, *out);
    return SSO_OK;
  });
}

sso_config_error sso_engine_config_error(sso_engine *engine) {
  if (!engine) return {{"", 0}, {"", 0}, {"", 0}};
  const sso::ConfigError &e = engine->config_error;
  return {Str(e.directive), Str(e.value), Str(e.message)};
}

size_t sso_engine_warnings_count(sso_engine *engine) {
  return engine ? engine->warnings.size() : 0;
}

sso_str sso_engine_warning(sso_engine *engine, size_t index) {
  if (!engine || index >= engine->warnings.size()) return {"", 0};
  return Str(engine->warnings[index]);
}

sso_status sso_login_begin(sso_txn *txn, const sso_login_request *request, sso_step *out) {
  if (!txn || !request || !out) return SSO_ERR_INVALID_ARGUMENT;
  return Barrier([&] {
    sso::LoginBegin(*txn, *request, *out);
    return SSO_OK;
  });
}

sso_status sso_acs_begin(sso_txn *txn, const sso_acs_request *request, sso_step *out) {
  if (!txn || !request || !out || !ValidStr(request->form_body)) return SSO_ERR_INVALID_ARGUMENT;
  return Barrier([&] {
    sso::AcsBegin(*txn, *request, *out);
    return SSO_OK;
  });
}

sso_status sso_flow_resume(sso_txn *txn, const sso_store_reply *replies, size_t count,
                           int64_t now_ms, sso_step *out) {
  if (!txn || !out || (count && !replies)) return SSO_ERR_INVALID_ARGUMENT;
  if (!sso::TakesStoreReplies(*txn)) return SSO_ERR_BAD_STATE;
  for (size_t i = 0; i < count; ++i)
    if (!ValidStr(replies[i].str)) return SSO_ERR_INVALID_ARGUMENT;
  return Barrier([&] {
    sso::FlowResume(*txn, {replies, count}, now_ms, *out);
    sso::NoteLogin(*txn, *out);
    return SSO_OK;
  });
}

sso_status sso_flow_resume_http(sso_txn *txn, int status, sso_str body, int64_t now_ms,
                                sso_step *out) {
  if (!txn || !out || !ValidStr(body)) return SSO_ERR_INVALID_ARGUMENT;
  if (!sso::AwaitsHttpAnswer(*txn)) return SSO_ERR_BAD_STATE;
  return Barrier([&] {
    sso::FlowResumeHttp(*txn, status, View(body), now_ms, *out);
    sso::NoteLogin(*txn, *out);
    return SSO_OK;
  });
}

sso_status sso_flow_resume_wait(sso_txn *txn, int64_t now_ms, sso_step *out) {
  if (!txn || !out) return SSO_ERR_INVALID_ARGUMENT;
  if (!sso::AwaitsWakeUp(*txn)) return SSO_ERR_BAD_STATE;
  return Barrier([&] {
    sso::FlowResumeWait(*txn, now_ms, *out);
    sso::NoteLogin(*txn, *out);
    return SSO_OK;
  });
}

void sso_txn_set_request_id(sso_txn *txn, sso_str request_id) {
  if (!txn || !ValidStr(request_id)) return;
  (void)Barrier([&] {
    txn->request_id = std::string(View(request_id));
    return SSO_OK;
  });
}

sso_status sso_provisioning_check(const sso_provisioning_config *config) {
  if (!config || !ValidStr(config->hook_url) || !ValidStr(config->hook_secret))
    return SSO_ERR_INVALID_ARGUMENT;
  return Barrier([&] {
    sso::ProvisionSettings settings;
    return sso::MakeProvisionSettings(*config, settings);
  });
}

sso_status sso_engine_set_provisioning(sso_engine *engine, const sso_provisioning_config *config) {
  if (!engine || !config || !ValidStr(config->hook_url) || !ValidStr(config->hook_secret))
    return SSO_ERR_INVALID_ARGUMENT;
  return Barrier([&] {
    sso::ProvisionSettings settings;
    if (sso_status s = sso::MakeProvisionSettings(*config, settings); s != SSO_OK) return s;
    engine->provisioning = std::move(settings);
    return SSO_OK;
  });
}

sso_status sso_engine_set_provider_policy(sso_engine *engine, sso_str provider,
                                          const sso_provider_policy *policy) {
  if (!engine || !policy || !ValidStr(provider) || (policy->role_map_count && !policy->role_map))
    return SSO_ERR_INVALID_ARGUMENT;
  return Barrier([&] {
    std::string name(View(provider));
    if (!engine->saml_providers.count(name) && !engine->oidc_providers.count(name))
      return SSO_LOGIN_UNKNOWN_PROVIDER;
    sso::ProvisionPolicy p;
    if (sso_status s = sso::MakeProvisionPolicy(*policy, p); s != SSO_OK) return s;
    engine->policies[name] = std::move(p);
    return SSO_OK;
  });
}

sso_status sso_engine_set_scim(sso_engine *engine, sso_str provider, sso_str token) {
  if (!engine || !ValidStr(provider) || !ValidStr(token)) return SSO_ERR_INVALID_ARGUMENT;
  return Barrier([&] {
    std::string name(View(provider));
    if (!engine->saml_providers.count(name) && !engine->oidc_providers.count(name))
      return SSO_LOGIN_UNKNOWN_PROVIDER;
    sso::scim::Settings settings;
    if (sso_status s = sso::scim::MakeSettings(View(token), settings); s != SSO_OK) return s;
    engine->scim[name] = std::move(settings);
    return SSO_OK;
  });
}

sso_status sso_engine_add_oidc_provider(sso_engine *engine,
                                        const sso_oidc_provider_config *config) {
  if (!engine || !config) return SSO_ERR_INVALID_ARGUMENT;
  if ((config->email_domains_count && !config->email_domains) ||
      (config->claim_map_count && !config->claim_map))
    return SSO_ERR_INVALID_ARGUMENT;
  engine->warnings.clear();
  engine->config_error = {};
  return Barrier([&] {
    sso::OidcProvider provider;
    if (sso_status s = sso::MakeOidcProvider(*config, provider, &engine->config_error); s != SSO_OK)
      return s;
    if (engine->oidc_providers.count(provider.name) || engine->saml_providers.count(provider.name))
      return DuplicateName(engine);
    std::string name = provider.name;
    engine->oidc_providers.emplace(std::move(name), std::move(provider));
    return SSO_OK;
  });
}

sso_status sso_oidc_callback_begin(sso_txn *txn, const sso_oidc_callback_request *request,
                                   sso_step *out) {
  if (!txn || !request || !out || !ValidStr(request->query) || !ValidStr(request->cookie_header))
    return SSO_ERR_INVALID_ARGUMENT;
  return Barrier([&] {
    sso::OidcCallbackBegin(*txn, *request, *out);
    return SSO_OK;
  });
}

sso_status sso_saml_metadata(sso_txn *txn, sso_str provider, sso_step *out) {
  if (!txn || !out || !ValidStr(provider)) return SSO_ERR_INVALID_ARGUMENT;
  return Barrier([&] {
    sso::SamlMetadata(*txn, View(provider), *out);
    return SSO_OK;
  });
}

sso_status sso_access_rules_add(sso_access_rules **rules, const sso_str *args, size_t count,
                                sso_str where) {
  if (!rules || (count && !args) || !ValidStr(where)) return SSO_ERR_INVALID_ARGUMENT;
  for (size_t i = 0; i < count; ++i)
    if (!ValidStr(args[i])) return SSO_ERR_INVALID_ARGUMENT;
  return Barrier([&] {
    std::vector<std::string_view> views;
    for (size_t i = 0; i < count; ++i) views.push_back(View(args[i]));
    sso::AccessRule rule;
    if (sso_status s = sso::ParseAccessRule(views, View(where), rule); s != SSO_OK) return s;
    if (!*rules) *rules = new sso_access_rules;
    (*rules)->rules.rules.push_back(std::move(rule));
    return SSO_OK;
  });
}

void sso_access_rules_destroy(sso_access_rules *rules) { delete rules; }

sso_status sso_admin_revoke_begin(sso_txn *txn, sso_str provider, sso_str subject,
                                  sso_str request_id, sso_step *out) {
  return sso_admin_revoke_by(txn, SSO_ADMIN_BY_SUBJECT, provider, subject, request_id, out);
}

namespace {

// A subject is a provider's; a user id or an email is the same person at every provider.
bool ValidAdminName(sso_admin_by by, sso_str provider, sso_str value) {
  if (!ValidStr(provider) || !ValidStr(value) || value.len == 0) return false;
  if (by == SSO_ADMIN_BY_SUBJECT) return provider.len > 0;
  return (by == SSO_ADMIN_BY_USER || by == SSO_ADMIN_BY_EMAIL) && provider.len == 0;
}

}  // namespace

sso_status sso_admin_revoke_by(sso_txn *txn, sso_admin_by by, sso_str provider, sso_str value,
                               sso_str request_id, sso_step *out) {
  if (!txn || !out || !ValidAdminName(by, provider, value) || !ValidStr(request_id))
    return SSO_ERR_INVALID_ARGUMENT;
  return Barrier([&] {
    txn->request_id = std::string(View(request_id));
    sso::AdminRevokeBegin(*txn, by, View(provider), View(value), *out);
    return SSO_OK;
  });
}

sso_status sso_admin_sessions_begin(sso_txn *txn, sso_admin_by by, sso_str provider, sso_str value,
                                    int64_t now_ms, sso_step *out) {
  if (!txn || !out || !ValidAdminName(by, provider, value)) return SSO_ERR_INVALID_ARGUMENT;
  return Barrier([&] {
    sso::AdminSessionsBegin(*txn, by, View(provider), View(value), now_ms, *out);
    return SSO_OK;
  });
}

sso_status sso_admin_account_begin(sso_txn *txn, sso_str issuer, sso_str subject, int64_t now_ms,
                                   sso_step *out) {
  if (!txn || !out || !ValidStr(issuer) || !ValidStr(subject) || subject.len == 0)
    return SSO_ERR_INVALID_ARGUMENT;
  return Barrier([&] {
    sso::AdminAccountBegin(*txn, View(issuer), View(subject), now_ms, *out);
    return SSO_OK;
  });
}

}  // extern "C"
