// Engine: validated, immutable settings of one configuration cycle.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "authz/identity_token.h"
#include "config/config_error.h"
#include "oidc/provider.h"
#include "provision/policy.h"
#include "saml/metadata_feed.h"
#include "saml/provider.h"
#include "scim/settings.h"
#include "session/cache.h"
#include "session/session_reads.h"
#include "sso/sso.h"
#include "text/pages.h"

namespace sso {

struct EngineSettings {
  std::string key_prefix;
  std::string cookie_name;
  bool cookie_secure = true;
  int64_t ttl_ms = 0;
  int64_t idle_ms = 0;
  std::string login_url;
  int64_t cache_ms = 0;
  size_t cache_entries = 100000;
  std::string logout_redirect = "/";
};

struct ProvisionSettings {
  std::string hook_url;
  std::string hook_secret;
  int64_t hook_timeout_ms = 5000;
  int64_t lease_ms = 10000;  // the single-flight lock's; at least hook_timeout_ms + 1 s
};

// Checks a configuration; SSO_OK or the CONFIG_* status naming the first bad field.
sso_status ValidateSettings(const EngineSettings &settings);

// The hook's settings from the C configuration, defaults applied, or the CONFIG_* status of
// the first bad value.
sso_status MakeProvisionSettings(const sso_provisioning_config &config, ProvisionSettings &out);

}  // namespace sso

struct sso_engine {
  explicit sso_engine(sso::EngineSettings s)
      : settings(std::move(s)),
        revocation_channel(settings.key_prefix + "revoked"),
        cache(settings.cache_ms, settings.cache_entries, settings.idle_ms) {}

  const sso::EngineSettings settings;
  const std::string revocation_channel;
  sso::SessionCache cache;
  sso::SessionReads reads;  // the cache's refills under way, each shared by its waiters
  std::map<std::string, sso::SamlProvider> saml_providers;   // by name
  std::vector<sso::MetadataFeed> metadata_feeds;             // saml_idp_metadata_url
  std::map<std::string, sso::OidcProvider> oidc_providers;   // by name, distinct from SAML's
  std::map<std::string, sso::ProvisionPolicy> policies;      // by provider name
  std::optional<sso::ProvisionSettings> provisioning;        // the app's hook, if any
  std::optional<sso::IdentityTokenSettings> identity_token;  // $sso_identity_token, if set
  std::map<std::string, sso::scim::Settings> scim;           // by provider name: SCIM is on
  std::map<std::string, std::string> display_names;          // by provider name, if given
  sso::PageTemplates pages;                                  // built in, or sso_pages
  std::vector<std::string> warnings;  // of the last sso_engine_add_*_provider call
  sso::ConfigError config_error;      // why the last sso_engine_add_*_provider call failed

  // Transactions that ended, kept for the next requests: a request on the hot path then
  // allocates nothing on the heap (engine.cc frees them with the engine).
  static constexpr size_t kMaxIdleTxns = 1024;
  std::vector<sso_txn *> idle_txns;
  ~sso_engine();
  sso_engine(const sso_engine &) = delete;
  sso_engine &operator=(const sso_engine &) = delete;
};
