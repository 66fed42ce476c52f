#include "oidc/provider_documents.h"

#include <vector>

#include "text/http_text.h"

namespace sso {
namespace {

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

}  // namespace

std::string DiscoveryUrl(const OidcProvider &p) {
  return p.issuer + "/.well-known/openid-configuration";
}

sso_status AcceptDiscovery(OidcProvider &p, int status, std::string_view body, int64_t now_ms) {
  oidc::Discovery d;
  sso_status s =
      status == 200 ? oidc::ParseDiscovery(body, p.issuer, p.algorithm, d) : SSO_OIDC_UNAVAILABLE;
  if (s == SSO_OK) {
    p.discovery = std::make_shared<const oidc::Discovery>(std::move(d));
    p.discovery_fetched_ms = now_ms;
  } else if (!p.discovery || s != SSO_OIDC_UNAVAILABLE) {
    // an outage while refreshing keeps the document we have; a changed one that we
    // cannot accept does not (logins in flight keep their own snapshot)
    p.discovery.reset();
    return s;
  }
  return SSO_OK;
}

sso_status AcceptJwks(OidcProvider &p, int status, std::string_view body, int64_t now_ms,
                      std::string &refused_line) {
  refused_line.clear();
  if (status != 200) return SSO_OIDC_UNAVAILABLE;
  oidc::JwkSet keys;
  std::vector<oidc::RefusedJwk> refused;
  sso_status s = oidc::ParseJwks(body, keys, &refused);
  if (!refused.empty()) refused_line = RefusedKeysLine(p, refused);
  if (s != SSO_OK) return s;
  p.jwks = std::make_shared<const oidc::JwkSet>(std::move(keys));
  p.jwks_fetched_ms = now_ms;
  p.refused_kids.clear();
  for (const auto &r : refused) p.refused_kids.push_back(r.key_id);
  return SSO_OK;
}

bool MayRefreshJwks(const OidcProvider &p, int64_t now_ms) {
  return p.jwks_fetched_ms < 0 || now_ms - p.jwks_fetched_ms >= p.jwks_refresh_interval_ms;
}

}  // namespace sso
