#include "config/provider_urls.h"

#include <arpa/inet.h>

#include "http/request.h"
#include "text/http_text.h"
#include "text/views.h"

namespace sso {
namespace {

constexpr std::string_view kExampleOrigin = "https://app.example.com";

std::string PathOf(const http::Target &target) {
  std::string path = target.path;
  if (size_t query = path.find('?'); query != std::string::npos) path.resize(query);
  return path;
}

// "https://app.example:8443" of "https://app.example:8443/sso/saml/acs?x".
std::string Origin(const http::Target &target) {
  return target.log_target.substr(0, target.log_target.size() - target.path.size());
}

// "/auth/oidc/callback" with "/oidc/callback" -> "/auth/": the prefix location to suggest.
std::string EndpointsPrefix(const std::string &path, std::string_view endpoint) {
  std::string prefix = path.substr(0, path.size() - endpoint.size());
  if (prefix.empty()) prefix = std::string(endpoint.substr(0, endpoint.find('/', 1)));
  return prefix + "/";
}

}  // namespace

bool IsIpAddress(const std::string &host) {
  unsigned char address[16];
  return inet_pton(AF_INET, host.c_str(), address) == 1 ||
         inet_pton(AF_INET6, host.c_str(), address) == 1;
}

sso_status CheckOwnUrl(const std::string &directive, const std::string &url,
                       std::string_view endpoint, const sso_config_facts *facts,
                       ConfigError *error) {
  std::string example = std::string(kExampleOrigin) + "/sso" + std::string(endpoint);
  if (url.empty())
    return Refuse(error, SSO_CONFIG_MISSING_LINE, directive, "",
                  "\"" + directive + "\" is missing: add the absolute URL the browser comes " +
                      "back to, e.g. \"" + directive + " " + example + ";\"");
  http::Target target;
  if (http::ParseUrl(url, target) != SSO_OK) {
    if (url.front() == '/') example = std::string(kExampleOrigin) + url;
    return Refuse(error, SSO_CONFIG_BAD_URL, directive, url,
                  Quoted(directive, url) + " is not an absolute URL: give the whole URL the " +
                      "browser comes back to, e.g. \"" + example + "\"");
  }
  std::string path = PathOf(target);
  if (!path.ends_with(endpoint)) {
    std::string dir = path.substr(0, path.rfind('/') + 1);
    return Refuse(error, SSO_CONFIG_BAD_URL, directive, url,
                  Quoted(directive, url) + " must end in \"" + std::string(endpoint) +
                      "\", the path an sso_endpoints location answers it at, e.g. \"" +
                      Origin(target) + dir + std::string(endpoint.substr(1)) + "\"");
  }
  if (!facts || !facts->path) return SSO_OK;
  sso_str where{"", 0};
  if (facts->path(facts->data, Str(path), &where) & SSO_PATH_ENDPOINTS) return SSO_OK;
  std::string why = where.len ? " (" + String(where) + ")" : "";
  return Refuse(error, SSO_CONFIG_URL_NOT_SERVED, directive, url,
                "the path \"" + path + "\" of \"" + directive +
                    "\" is not served by an sso_endpoints location in any server" + why +
                    ": add \"location " + EndpointsPrefix(path, endpoint) +
                    " { sso_endpoints; }\" to the server of " + Origin(target) +
                    ", or correct the URL");
}

sso_status CheckBackchannelHost(const std::string &directive, const std::string &url,
                                const std::string &own_url, const sso_config_facts *facts,
                                ConfigError *error) {
  http::Target target, own;
  if (!facts || !facts->path || http::ParseUrl(url, target) != SSO_OK || IsIpAddress(target.host) ||
      http::ParseUrl(own_url, own) != SSO_OK)
    return SSO_OK;
  std::string path = PathOf(own);
  sso_str where{"", 0};
  if (facts->path(facts->data, Str(path), &where) & SSO_PATH_RESOLVER) return SSO_OK;
  return Refuse(error, SSO_CONFIG_NO_RESOLVER, directive, url,
                Quoted(directive, url) + " names the host \"" + target.host +
                    "\", and the sso_endpoints location serving \"" + path +
                    "\" has no \"resolver\": add \"resolver <DNS server address>;\" to the " +
                    "http block (or that location), or name the host by its IP address");
}

sso_status CheckProviderUrl(const std::string &directive, const std::string &url,
                            std::string_view what, ConfigError *error) {
  if (IsAcceptableEndpoint(url)) return SSO_OK;
  return Refuse(error, SSO_CONFIG_BAD_URL, directive, url,
                Quoted(directive, url) + " is not an https URL: " + std::string(what) +
                    " (plain http only to 127.0.0.1, [::1] or localhost, for tests)");
}

}  // namespace sso
