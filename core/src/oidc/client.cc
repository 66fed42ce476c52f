#include "oidc/client.h"

#include <nlohmann/json.hpp>

#include "session/session_id.h"
#include "text/encoding.h"
#include "text/http_text.h"

namespace sso::oidc {
namespace {

using Json = nlohmann::json;

// RFC 6749 2.3.1: client_secret_basic form-encodes id and secret before base64.
std::string FormComponent(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      static constexpr char kHex[] = "0123456789ABCDEF";
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
  }
  return out;
}

std::string RandomToken(std::span<const uint8_t> bytes) {
  return Base64UrlEncode(
      std::string_view(reinterpret_cast<const char *>(bytes.data()), bytes.size()));
}

}  // namespace

sso_status ParseDiscovery(std::string_view json, std::string_view expected_issuer, Algorithm alg,
                          Discovery &out) {
  out = Discovery{};
  Json d = Json::parse(json, nullptr, false);
  if (!d.is_object()) return SSO_OIDC_DISCOVERY_INVALID;
  auto str = [&](const char *name) -> std::string {
    auto it = d.find(name);
    return it != d.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  out.issuer = str("issuer");
  // OpenID Connect Discovery 4.3: the issuer must be exactly the one we asked about.
  if (out.issuer != expected_issuer) return SSO_OIDC_ISSUER_MISMATCH;
  out.authorization_endpoint = str("authorization_endpoint");
  out.token_endpoint = str("token_endpoint");
  out.jwks_uri = str("jwks_uri");
  out.userinfo_endpoint = str("userinfo_endpoint");
  out.end_session_endpoint = str("end_session_endpoint");
  if (!IsAcceptableEndpoint(out.authorization_endpoint) ||
      !IsAcceptableEndpoint(out.token_endpoint) || !IsAcceptableEndpoint(out.jwks_uri) ||
      (!out.userinfo_endpoint.empty() && !IsAcceptableEndpoint(out.userinfo_endpoint)) ||
      (!out.end_session_endpoint.empty() && !IsAcceptableEndpoint(out.end_session_endpoint)))
    return SSO_OIDC_DISCOVERY_INVALID;
  auto algs = d.find("id_token_signing_alg_values_supported");
  bool supported = false;
  if (algs != d.end() && algs->is_array())
    for (const auto &a : *algs) supported = supported || (a.is_string() && a == AlgorithmName(alg));
  if (!supported) return SSO_JWT_ALG_NOT_ALLOWED;
  auto iss_param = d.find("authorization_response_iss_parameter_supported");
  out.issuer_parameter_supported = iss_param != d.end() && iss_param->is_boolean() && *iss_param;
  return SSO_OK;
}

std::string CodeChallenge(std::string_view verifier) { return Base64UrlEncode(Sha256(verifier)); }

std::string BindingCookieName(std::string_view state) {
  return "__Host-sso-login-" + Sha256Hex(state).substr(0, 12);
}

std::optional<AuthorizationRequest> BuildAuthorizationRequest(const Discovery &op,
                                                              const ClientSettings &client,
                                                              std::span<const uint8_t> random) {
  if (random.size() < 96) return std::nullopt;
  AuthorizationRequest r;
  r.state = RandomToken(random.subspan(0, 24));
  r.nonce = RandomToken(random.subspan(24, 24));
  r.code_verifier = RandomToken(random.subspan(48, 32));  // 43 characters, RFC 7636 4.1
  r.binding = RandomToken(random.subspan(80, 16));
  r.binding_cookie = BindingCookieName(r.state);
  std::string q = "response_type=code&client_id=" + FormComponent(client.client_id) +
                  "&redirect_uri=" + FormComponent(client.redirect_uri) +
                  "&scope=" + FormComponent(client.scope) + "&state=" + r.state +
                  "&nonce=" + r.nonce + "&code_challenge=" + CodeChallenge(r.code_verifier) +
                  "&code_challenge_method=S256";
  r.url = op.authorization_endpoint +
          (op.authorization_endpoint.find('?') == std::string::npos ? "?" : "&") + q;
  return r;
}

std::optional<TokenRequest> BuildTokenRequest(const ClientSettings &client, std::string_view code,
                                              std::string_view code_verifier,
                                              std::string_view token_endpoint, std::string_view jti,
                                              int64_t now_ms) {
  TokenRequest t;
  t.body = "grant_type=authorization_code&code=" + FormComponent(code) +
           "&redirect_uri=" + FormComponent(client.redirect_uri) +
           "&code_verifier=" + FormComponent(code_verifier);
  if (client.assertion_key) {
    auto assertion =
        ClientAssertion(*client.assertion_key, client.client_id, token_endpoint, jti, now_ms);
    if (!assertion) return std::nullopt;
    t.body += "&client_id=" + FormComponent(client.client_id) +
              "&client_assertion_type=" + FormComponent(kClientAssertionType) +
              "&client_assertion=" + *assertion;
  } else if (client.secret_in_body) {
    t.body += "&client_id=" + FormComponent(client.client_id) +
              "&client_secret=" + FormComponent(client.client_secret);
  } else {
    t.authorization = "Basic " + Base64Encode(FormComponent(client.client_id) + ":" +
                                              FormComponent(client.client_secret));
  }
  return t;
}

sso_status ParseTokenResponse(int http_status, std::string_view json, TokenResponse &out) {
  out = TokenResponse{};
  if (http_status != 200) return SSO_OIDC_TOKEN_ERROR;
  Json t = Json::parse(json, nullptr, false);
  if (!t.is_object()) return SSO_OIDC_TOKEN_ERROR;
  auto id = t.find("id_token");
  if (id == t.end() || !id->is_string() || id->get<std::string>().empty())
    return SSO_OIDC_TOKEN_ERROR;
  auto type = t.find("token_type");
  if (type != t.end() && (!type->is_string() || (*type != "Bearer" && *type != "bearer")))
    return SSO_OIDC_TOKEN_ERROR;
  out.id_token = id->get<std::string>();
  if (auto at = t.find("access_token"); at != t.end() && at->is_string())
    out.access_token = at->get<std::string>();
  return SSO_OK;
}

}  // namespace sso::oidc
