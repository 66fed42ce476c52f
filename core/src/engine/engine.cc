#include "engine/engine.h"

#include "engine/txn.h"
#include "text/http_text.h"
#include "text/views.h"

namespace sso {
namespace {

// RFC 6265 cookie-name is an RFC 7230 token.
bool IsToken(const std::string &s) {
  if (s.empty() || s.size() > 128) return false;
  for (unsigned char c : s) {
    if (c <= 0x20 || c >= 0x7f) return false;
    if (std::string_view("()<>@,;:\\\"/[]?={}").find(static_cast<char>(c)) !=
        std::string_view::npos)
      return false;
  }
  return true;
}

bool StartsWith(const std::string &s, std::string_view prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

}  // namespace

sso_status ValidateSettings(const EngineSettings &settings) {
  if (!IsToken(settings.cookie_name)) return SSO_CONFIG_BAD_COOKIE_NAME;
  if (!settings.cookie_secure && (StartsWith(settings.cookie_name, "__Host-") ||
                                  StartsWith(settings.cookie_name, "__Secure-")))
    return SSO_CONFIG_INSECURE_HOST_COOKIE;
  if (settings.ttl_ms <= 0 || settings.idle_ms < 0) return SSO_CONFIG_BAD_TTL;
  if (settings.idle_ms > settings.ttl_ms) return SSO_CONFIG_IDLE_OVER_TTL;
  if (!IsSameOriginPath(settings.login_url)) return SSO_CONFIG_BAD_LOGIN_URL;
  // Post-logout targets are the classic open redirect: a same-origin path, and no "//" at
  // all (nothing in it can be read as another origin).
  if (!IsSameOriginPath(settings.logout_redirect) ||
      settings.logout_redirect.find("//") != std::string::npos)
    return SSO_CONFIG_BAD_LOGOUT_REDIRECT;
  if (settings.key_prefix.size() > 64 || HasControlCharacter(settings.key_prefix))
    return SSO_CONFIG_BAD_KEY_PREFIX;
  // Hits slide the idle timeout in the background; an entry is still never trusted longer
  // than the idle timeout itself.
  if (settings.cache_ms < 0 || (settings.idle_ms > 0 && settings.cache_ms > settings.idle_ms))
    return SSO_CONFIG_BAD_CACHE_TTL;
  return SSO_OK;
}

sso_status MakeProvisionSettings(const sso_provisioning_config &config, ProvisionSettings &out) {
  ProvisionSettings settings;
  settings.hook_url = String(config.hook_url);
  settings.hook_secret = String(config.hook_secret);
  bool http = settings.hook_url.starts_with("http://") || settings.hook_url.starts_with("https://");
  if (!http || HasControlCharacter(settings.hook_url) ||
      settings.hook_url.find(' ') != std::string::npos)
    return SSO_CONFIG_BAD_HOOK_URL;
  if (settings.hook_secret.size() < 16) return SSO_CONFIG_WEAK_HOOK_SECRET;
  if (config.hook_timeout_ms > 0) settings.hook_timeout_ms = config.hook_timeout_ms;
  // The lock must outlive the call it guards, with time to mark an unknown outcome.
  settings.lease_ms =
      config.hook_lease_ms > 0 ? config.hook_lease_ms : settings.hook_timeout_ms + 5000;
  if (config.hook_lease_ms < 0 || settings.lease_ms < settings.hook_timeout_ms + 1000)
    return SSO_CONFIG_BAD_HOOK_LEASE;
  out = std::move(settings);
  return SSO_OK;
}

}  // namespace sso

sso_engine::~sso_engine() {
  for (sso_txn *txn : idle_txns) delete txn;
}
