#include "oidc/provider.h"

#include "text/email_domain.h"
#include "text/http_text.h"
#include "text/views.h"

namespace sso {
namespace {

std::string ClaimName(const OidcProvider &p, const std::string &field) {
  auto it = p.claim_map.find(field);
  return it == p.claim_map.end() ? field : it->second;
}

std::string StringClaim(const nlohmann::json &claims, const std::string &name) {
  auto it = claims.find(name);
  if (it == claims.end() || !it->is_string()) return {};
  std::string value = it->get<std::string>();
  return HasControlCharacter(value) ? std::string() : value;
}

}  // namespace

sso_status MakeOidcProvider(const sso_oidc_provider_config &c, OidcProvider &out) {
  out = OidcProvider{};
  out.name = String(c.name);
  out.issuer = String(c.issuer);
  out.client.client_id = String(c.client_id);
  out.client.client_secret = String(c.client_secret);
  out.client.secret_in_body = c.client_secret_post != 0;
  out.client.redirect_uri = String(c.redirect_uri);
  if (c.scope.len) out.client.scope = String(c.scope);
  out.clock_skew_ms = c.clock_skew_ms;
  if (c.jwks_refresh_interval_ms < 0) return SSO_ERR_INVALID_ARGUMENT;
  if (c.jwks_refresh_interval_ms > 0) out.jwks_refresh_interval_ms = c.jwks_refresh_interval_ms;
  out.userinfo = c.userinfo != 0;
  if (c.client_key_pem.len) {
    out.client.assertion_key = oidc::LoadClientKey(View(c.client_key_pem), String(c.client_key_id));
    if (!out.client.assertion_key || c.client_secret.len || c.client_secret_post)
      return SSO_ERR_INVALID_ARGUMENT;
  }
  if (c.userinfo_endpoint.len && !out.userinfo) return SSO_ERR_INVALID_ARGUMENT;
  if (out.name.empty() || HasControlCharacter(out.name) || out.client.client_id.empty() ||
      out.client.redirect_uri.empty() || c.clock_skew_ms < 0)
    return SSO_ERR_INVALID_ARGUMENT;
  if (!oidc::IsAcceptableEndpoint(out.issuer)) return SSO_OIDC_DISCOVERY_INVALID;
  auto alg = oidc::ParseAlgorithm(c.algorithm.len ? View(c.algorithm) : "RS256");
  if (!alg) return SSO_JWT_ALG_NOT_ALLOWED;
  out.algorithm = *alg;
  out.post_logout_redirect_uri = String(c.post_logout_redirect_uri);
  out.frontchannel_logout = c.frontchannel_logout == 1;
  if (!out.post_logout_redirect_uri.empty() &&
      (!oidc::IsAcceptableEndpoint(out.post_logout_redirect_uri) ||
       out.post_logout_redirect_uri.find('#') != std::string::npos))
    return SSO_CONFIG_BAD_POST_LOGOUT_URI;
  if (c.authorization_endpoint.len || c.token_endpoint.len || c.jwks_uri.len ||
      c.userinfo_endpoint.len || c.end_session_endpoint.len) {
    oidc::Discovery d;
    d.issuer = out.issuer;
    d.authorization_endpoint = String(c.authorization_endpoint);
    d.token_endpoint = String(c.token_endpoint);
    d.jwks_uri = String(c.jwks_uri);
    d.userinfo_endpoint = String(c.userinfo_endpoint);
    d.end_session_endpoint = String(c.end_session_endpoint);
    if (!oidc::IsAcceptableEndpoint(d.authorization_endpoint) ||
        !oidc::IsAcceptableEndpoint(d.token_endpoint) || !oidc::IsAcceptableEndpoint(d.jwks_uri) ||
        (!d.userinfo_endpoint.empty() && !oidc::IsAcceptableEndpoint(d.userinfo_endpoint)) ||
        (!d.end_session_endpoint.empty() && !oidc::IsAcceptableEndpoint(d.end_session_endpoint)))
      return SSO_OIDC_DISCOVERY_INVALID;
    if (out.userinfo && d.userinfo_endpoint.empty()) return SSO_OIDC_DISCOVERY_INVALID;
    out.discovery = std::make_shared<const oidc::Discovery>(std::move(d));
    out.discovery_explicit = true;
  }
  auto domains = NormalizeDomains(Strings(c.email_domains, c.email_domains_count));
  if (!domains) return SSO_ERR_INVALID_ARGUMENT;
  out.email_domains = std::move(*domains);
  out.claim_map = StringMap(c.claim_map, c.claim_map_count);
  return SSO_OK;
}

Identity IdentityFromClaims(const OidcProvider &p, const nlohmann::json &claims) {
  Identity id;
  id.provider = p.name;
  id.subject = StringClaim(claims, "sub");
  id.issuer = StringClaim(claims, "iss");
  // Until the provisioning hook names the app's own user id, the subject stands in.
  id.user = id.subject;
  id.email = StringClaim(claims, ClaimName(p, "email"));
  id.name = StringClaim(claims, ClaimName(p, "name"));
  if (auto verified = claims.find("email_verified");
      verified != claims.end() && verified->is_boolean())
    id.attributes["email_verified"] = verified->get<bool>() ? "true" : "false";
  if (auto groups = claims.find(ClaimName(p, "groups"));
      groups != claims.end() && groups->is_array()) {
    for (const auto &g : *groups)
      if (g.is_string() && !HasControlCharacter(g.get<std::string>()))
        id.groups.push_back(g.get<std::string>());
  }
  for (const auto &[field, claim] : p.claim_map) {
    if (field == "email" || field == "name" || field == "groups") continue;
    std::string value = StringClaim(claims, claim);
    if (!value.empty()) id.attributes[field] = value;
  }
  return id;
}

}  // namespace sso
