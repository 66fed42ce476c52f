#include "oidc/provider.h"

#include <iterator>
#include <utility>

#include "config/email_domains.h"
#include "config/provider_urls.h"
#include "text/http_text.h"
#include "text/views.h"

namespace sso {
namespace {

std::string ClaimName(const OidcProvider &p, const std::string &field) {
  auto it = p.claim_map.find(field);
  return it == p.claim_map.end() ? field : it->second;
}

std::string StringClaim(const oidc::ClaimSet &claims, const std::string &name) {
  auto value = claims.String(name);
  return !value || HasControlCharacter(*value) ? std::string() : std::string(*value);
}

}  // namespace

namespace {

constexpr std::string_view kIssuerIs =
    "the issuer is the provider's https URL, as its discovery document names it";

// The client's credentials: a client secret, or (private_key_jwt) a private key.
sso_status SetClientAuthentication(const sso_oidc_provider_config &c, OidcProvider &out,
                                   ConfigError *error) {
  if (c.client_key_pem.len) {
    out.client.assertion_key = oidc::LoadClientKey(View(c.client_key_pem), String(c.client_key_id));
    if (!out.client.assertion_key)
      return Refuse(error, SSO_ERR_INVALID_ARGUMENT, "oidc_client_key", "",
                    "\"oidc_client_key\" is not a usable private key: give a PEM file with an "
                    "RSA key of at least 2048 bits or an EC P-256 key");
    if (c.client_secret.len || c.client_secret_post)
      return Refuse(error, SSO_ERR_INVALID_ARGUMENT, "oidc_client_secret_file", "",
                    "\"oidc_token_auth private_key_jwt\" signs with \"oidc_client_key\": remove "
                    "\"oidc_client_secret_file\"");
    return SSO_OK;
  }
  if (c.client_secret.len) return SSO_OK;
  std::string auth = c.client_secret_post ? "\"oidc_token_auth client_secret_post\""
                                          : "\"oidc_token_auth client_secret_basic\" (the default)";
  return Refuse(error, SSO_CONFIG_MISSING_LINE, "oidc_token_auth", "",
                auth + " needs the client secret: add \"oidc_client_secret_file " +
                    "/path/to/secret;\" (a file holding the secret the provider issued), or use " +
                    "\"oidc_token_auth private_key_jwt\" with \"oidc_client_key\"");
}

// oidc_authorization_endpoint and the others: they replace discovery, all or none.
sso_status SetExplicitEndpoints(const sso_oidc_provider_config &c, OidcProvider &out,
                                ConfigError *error) {
  const std::pair<const char *, sso_str> endpoints[] = {
      {"oidc_authorization_endpoint", c.authorization_endpoint},
      {"oidc_token_endpoint", c.token_endpoint},
      {"oidc_jwks_uri", c.jwks_uri},
      {"oidc_userinfo_endpoint", c.userinfo_endpoint},
      {"oidc_end_session_endpoint", c.end_session_endpoint}};
  bool any = false;
  for (const auto &[directive, url] : endpoints) any = any || url.len;
  if (!any) return SSO_OK;
  for (size_t i = 0; i < std::size(endpoints); ++i) {
    const auto &[directive, url] = endpoints[i];
    if (!url.len && i < 3)
      return Refuse(
          error, SSO_CONFIG_MISSING_LINE, directive, "",
          std::string("\"") + directive +
              "\" is missing: with explicit endpoints "
              "(no discovery) \"oidc_authorization_endpoint\", \"oidc_token_endpoint\" and "
              "\"oidc_jwks_uri\" go together");
    if (url.len) {
      if (sso_status s = CheckProviderUrl(directive, String(url), "give the provider's URL", error);
          s != SSO_OK)
        return s;
    }
  }
  if (out.userinfo && !c.userinfo_endpoint.len)
    return Refuse(error, SSO_CONFIG_MISSING_LINE, "oidc_userinfo", "on",
                  "\"oidc_userinfo on\" with explicit endpoints needs \"oidc_userinfo_endpoint\"");
  oidc::Discovery d;
  d.issuer = out.issuer;
  d.authorization_endpoint = String(c.authorization_endpoint);
  d.token_endpoint = String(c.token_endpoint);
  d.jwks_uri = String(c.jwks_uri);
  d.userinfo_endpoint = String(c.userinfo_endpoint);
  d.end_session_endpoint = String(c.end_session_endpoint);
  out.discovery = std::make_shared<const oidc::Discovery>(std::move(d));
  out.discovery_explicit = true;
  return SSO_OK;
}

// Back-channel calls go to the issuer (discovery), or to the explicit endpoints.
sso_status CheckBackchannelHosts(const sso_oidc_provider_config &c, const OidcProvider &out,
                                 ConfigError *error) {
  std::vector<std::pair<const char *, std::string>> urls;
  if (!out.discovery_explicit) {
    urls.emplace_back("oidc_issuer", out.issuer);
  } else {
    urls.emplace_back("oidc_token_endpoint", String(c.token_endpoint));
    urls.emplace_back("oidc_jwks_uri", String(c.jwks_uri));
    if (out.userinfo) urls.emplace_back("oidc_userinfo_endpoint", String(c.userinfo_endpoint));
  }
  for (const auto &[directive, url] : urls) {
    if (sso_status s =
            CheckBackchannelHost(directive, url, out.client.redirect_uri, c.facts, error);
        s != SSO_OK)
      return s;
  }
  return SSO_OK;
}

}  // namespace

sso_status MakeOidcProvider(const sso_oidc_provider_config &c, OidcProvider &out,
                            ConfigError *error) {
  out = OidcProvider{};
  out.name = String(c.name);
  out.issuer = String(c.issuer);
  out.client.client_id = String(c.client_id);
  out.client.client_secret = String(c.client_secret);
  out.client.secret_in_body = c.client_secret_post != 0;
  out.client.redirect_uri = String(c.redirect_uri);
  if (c.scope.len) out.client.scope = String(c.scope);
  out.clock_skew_ms = c.clock_skew_ms;
  if (c.jwks_refresh_interval_ms < 0 || c.clock_skew_ms < 0 || out.name.empty() ||
      HasControlCharacter(out.name))
    return SSO_ERR_INVALID_ARGUMENT;
  if (c.jwks_refresh_interval_ms > 0) out.jwks_refresh_interval_ms = c.jwks_refresh_interval_ms;
  out.userinfo = c.userinfo != 0;

  if (out.issuer.empty())
    return Refuse(error, SSO_CONFIG_MISSING_LINE, "oidc_issuer", "",
                  "\"oidc_issuer\" is missing: add the provider's issuer URL, e.g. "
                  "\"oidc_issuer https://accounts.example.com;\"");
  if (sso_status s = CheckProviderUrl("oidc_issuer", out.issuer, kIssuerIs, error); s != SSO_OK)
    return s;
  if (out.client.client_id.empty() || HasControlCharacter(out.client.client_id))
    return Refuse(error, SSO_CONFIG_MISSING_LINE, "oidc_client_id", "",
                  "\"oidc_client_id\" is missing: add the client id the provider registered "
                  "this app under, e.g. \"oidc_client_id my-app;\"");
  if (sso_status s = CheckOwnUrl("oidc_redirect_uri", out.client.redirect_uri, "/oidc/callback",
                                 c.facts, error);
      s != SSO_OK)
    return s;
  if (sso_status s = SetClientAuthentication(c, out, error); s != SSO_OK) return s;
  if (c.userinfo_endpoint.len && !out.userinfo)
    return Refuse(error, SSO_ERR_INVALID_ARGUMENT, "oidc_userinfo_endpoint", "",
                  "\"oidc_userinfo_endpoint\" is set, but \"oidc_userinfo\" is off: add "
                  "\"oidc_userinfo on;\", or remove the endpoint");
  std::string algorithm = c.algorithm.len ? String(c.algorithm) : "RS256";
  auto alg = oidc::ParseAlgorithm(algorithm);
  if (!alg)
    return Refuse(error, SSO_JWT_ALG_NOT_ALLOWED, "oidc_alg", algorithm,
                  Quoted("oidc_alg", algorithm) + " is not an ID token algorithm this module " +
                      "takes: use RS256 (the default), PS256, ES256 or EdDSA, the one the " +
                      "provider signs ID tokens with (HS256 and the other shared-secret " +
                      "algorithms are refused)");
  out.algorithm = *alg;
  out.post_logout_redirect_uri = String(c.post_logout_redirect_uri);
  out.frontchannel_logout = c.frontchannel_logout == 1;
  if (!out.post_logout_redirect_uri.empty() &&
      (!oidc::IsAcceptableEndpoint(out.post_logout_redirect_uri) ||
       out.post_logout_redirect_uri.find('#') != std::string::npos))
    return Refuse(error, SSO_CONFIG_BAD_POST_LOGOUT_URI, "oidc_post_logout_redirect_uri",
                  out.post_logout_redirect_uri,
                  Quoted("oidc_post_logout_redirect_uri", out.post_logout_redirect_uri) +
                      " is not an https URL without a fragment: give the absolute URL " +
                      "registered at the provider (plain http only to 127.0.0.1, [::1] or " +
                      "localhost, for tests)");
  if (sso_status s = SetExplicitEndpoints(c, out, error); s != SSO_OK) return s;
  if (sso_status s = CheckBackchannelHosts(c, out, error); s != SSO_OK) return s;
  if (sso_status s = CheckEmailDomains(Strings(c.email_domains, c.email_domains_count),
                                       out.email_domains, error);
      s != SSO_OK)
    return s;
  out.claim_map = StringMap(c.claim_map, c.claim_map_count);
  return SSO_OK;
}

Identity IdentityFromClaims(const OidcProvider &p, const oidc::ClaimSet &claims) {
  Identity id;
  id.provider = p.name;
  id.subject = StringClaim(claims, "sub");
  id.issuer = StringClaim(claims, "iss");
  // Until the provisioning hook names the app's own user id, the subject stands in.
  id.user = id.subject;
  id.email = StringClaim(claims, ClaimName(p, "email"));
  id.name = StringClaim(claims, ClaimName(p, "name"));
  if (auto verified = claims.Bool("email_verified"))
    id.attributes["email_verified"] = *verified ? "true" : "false";
  if (auto groups = claims.Array(ClaimName(p, "groups"))) {
    for (const auto &g : *groups)
      if (g && !HasControlCharacter(*g)) id.groups.emplace_back(*g);
  }
  for (const auto &[field, claim] : p.claim_map) {
    if (field == "email" || field == "name" || field == "groups") continue;
    std::string value = StringClaim(claims, claim);
    if (!value.empty()) id.attributes[field] = value;
  }
  return id;
}

}  // namespace sso
