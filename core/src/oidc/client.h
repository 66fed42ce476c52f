// OpenID Connect relying party pieces that need no I/O: discovery documents, the
// authorization request (state, nonce, PKCE S256), the token request and its response.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "oidc/client_assertion.h"
#include "oidc/jwt.h"
#include "sso/sso.h"
#include "text/http_text.h"

namespace sso::oidc {

struct Discovery {
  std::string issuer;
  std::string authorization_endpoint;
  std::string token_endpoint;
  std::string jwks_uri;
  std::string userinfo_endpoint;            // may be empty
  std::string end_session_endpoint;         // RP-Initiated Logout 1.0; may be empty
  bool issuer_parameter_supported = false;  // RFC 9207 "iss" in the authorization response
};

// Reads a discovery document. The issuer must equal `expected_issuer` exactly, the endpoints
// must be https (http only on loopback, for tests), and `alg` must be among the ID token
// signing algorithms the provider supports.
sso_status ParseDiscovery(std::string_view json, std::string_view expected_issuer, Algorithm alg,
                          Discovery &out);

// True for https URLs, and for http URLs on 127.0.0.1, [::1] or localhost (text/http_text.h).
using sso::IsAcceptableEndpoint;

struct ClientSettings {
  std::string client_id;
  std::string client_secret;
  bool secret_in_body = false;  // client_secret_post instead of client_secret_basic
  std::string redirect_uri;
  std::string scope = "openid email profile";
  std::optional<ClientKey> assertion_key;  // private_key_jwt instead of a secret
};

struct AuthorizationRequest {
  std::string url;             // where to send the browser
  std::string state;           // single use, in the store under its hash
  std::string nonce;           // must come back in the ID token
  std::string code_verifier;   // PKCE, kept in the store until the token request
  std::string binding;         // a secret cookie value tying this login to this browser
  std::string binding_cookie;  // its name: one per login, so parallel tabs do not collide
};

// `random` must hold at least 96 bytes from a CSPRNG.
std::optional<AuthorizationRequest> BuildAuthorizationRequest(const Discovery &op,
                                                              const ClientSettings &client,
                                                              std::span<const uint8_t> random);

// base64url(SHA-256(verifier)), RFC 7636 S256.
std::string CodeChallenge(std::string_view verifier);

// The name of the browser-binding cookie of a login, derived from its state.
std::string BindingCookieName(std::string_view state);

struct TokenRequest {
  std::string body;           // application/x-www-form-urlencoded
  std::string authorization;  // "Basic ..." for client_secret_basic, else empty
};

// With private_key_jwt, the assertion needs the token endpoint (its audience), a unique `jti`
// and the time; nullopt only if signing fails.
std::optional<TokenRequest> BuildTokenRequest(const ClientSettings &client, std::string_view code,
                                              std::string_view code_verifier,
                                              std::string_view token_endpoint = {},
                                              std::string_view jti = {}, int64_t now_ms = 0);

struct TokenResponse {
  std::string id_token;
  std::string access_token;
};

// A 200 token endpoint answer; SSO_OIDC_TOKEN_ERROR for an error answer or anything
// without an ID token.
sso_status ParseTokenResponse(int http_status, std::string_view json, TokenResponse &out);

}  // namespace sso::oidc
