#include "endpoints/router.h"

#include <algorithm>
#include <array>
#include <string>

#include "engine/engine.h"
#include "engine/txn.h"
#include "oidc/backchannel_logout.h"
#include "oidc/login_flow.h"
#include "saml/login_flow.h"
#include "saml/slo_flow.h"
#include "saml/soap_binding.h"
#include "scim/flow.h"
#include "session/logout.h"
#include "text/http_text.h"
#include "text/views.h"

namespace sso {
namespace {

// The ACS's form: a signed response with a few certificates fits many times over.
constexpr size_t kMaxFormBytes = 1024 * 1024;

enum class Endpoint {
  kAcs,
  kMetadata,
  kOidcCallback,
  kBackchannelLogout,
  kFrontchannelLogout,
  kSamlSlo,
  kJwks,
  kLogin,
  kLogout
};

enum class Methods { kGet, kPost, kGetOrPost };  // GET includes HEAD

struct Route {
  std::string_view suffix;  // the path's last segments
  Endpoint endpoint;
  Methods methods;
};

// A cross-site GET must not log people out or post an assertion: those take POST only
// (SameSite=Lax keeps the session cookie off cross-site POSTs). The exceptions are the ones
// a spec requires: SAML Single Logout's GET acts only on a message the IdP signed; OIDC
// Front-Channel Logout's only for providers that turned it on, and only on a sid.
constexpr std::array<Route, 9> kRoutes = {{
    {"/saml/acs", Endpoint::kAcs, Methods::kPost},
    {"/saml/slo", Endpoint::kSamlSlo, Methods::kGetOrPost},
    {"/oidc/backchannel-logout", Endpoint::kBackchannelLogout, Methods::kPost},
    {"/oidc/frontchannel-logout", Endpoint::kFrontchannelLogout, Methods::kGet},
    {"/saml/metadata", Endpoint::kMetadata, Methods::kGet},
    {"/oidc/callback", Endpoint::kOidcCallback, Methods::kGet},
    {"/jwks.json", Endpoint::kJwks, Methods::kGet},
    {"/login", Endpoint::kLogin, Methods::kGet},
    {"/logout", Endpoint::kLogout, Methods::kPost},
}};

const Route *FindRoute(std::string_view path) {
  auto it = std::find_if(kRoutes.begin(), kRoutes.end(),
                         [&](const Route &r) { return path.ends_with(r.suffix); });
  return it == kRoutes.end() ? nullptr : &*it;
}

bool MethodFits(const Route &route, std::string_view method) {
  bool get = method == "GET" || method == "HEAD";
  switch (route.methods) {
    case Methods::kGet:
      return get;
    case Methods::kPost:
      return method == "POST";
    case Methods::kGetOrPost:
      return get || method == "POST";
  }
  return false;
}

void StatusStep(int http_status, sso_step &out) {
  out.kind = SSO_STEP_STATUS;
  out.reason = SSO_OK;
  out.http_status = http_status;
}

// Every Cookie header as one, joined as a single header would carry them.
std::string JoinCookieHeaders(const sso_endpoint_request &request) {
  std::string joined;
  for (size_t i = 0; i < request.cookie_headers_count; ++i) {
    if (!joined.empty()) joined.append("; ");
    joined.append(View(request.cookie_headers[i]));
  }
  return joined;
}

void Login(sso_txn &txn, const sso_endpoint_request &request, sso_step &out) {
  sso_login_request login{request.query, request.now_ms, request.random, request.random_len};
  LoginBegin(txn, login, out);
}

// The identity token's public keys, for the app to verify it; 404 when there is no token.
void Jwks(sso_txn &txn, sso_step &out) {
  if (!txn.engine.identity_token) return StatusStep(404, out);
  txn.output.body = IdentityTokenJwks(*txn.engine.identity_token);
  txn.output.content_type = "application/jwk-set+json";
  out.kind = SSO_STEP_PAGE;
  out.reason = SSO_OK;
  out.http_status = 200;
  out.content_type = Str(txn.output.content_type);
  out.body = Str(txn.output.body);
}

void Metadata(sso_txn &txn, const sso_endpoint_request &request, sso_step &out) {
  auto query = ParseForm(View(request.query));
  SamlMetadata(txn, query ? (*query)["provider"] : std::string(), out);
}

void OidcCallback(sso_txn &txn, const sso_endpoint_request &request, sso_step &out) {
  std::string cookies = JoinCookieHeaders(request);
  sso_oidc_callback_request callback{request.query, Str(cookies), request.now_ms, request.random,
                                     request.random_len};
  OidcCallbackBegin(txn, callback, out);
}

void Logout(sso_txn &txn, const sso_endpoint_request &request, sso_step &out) {
  std::vector<std::string_view> headers;
  for (size_t i = 0; i < request.cookie_headers_count; ++i)
    headers.push_back(View(request.cookie_headers[i]));
  LogoutBegin(txn, CookieFromHeaders(headers, txn.engine.settings.cookie_name),
              {request.random, request.random_len}, out);
}

// The ACS and the back-channel logout read their form first: keep what the flow needs until
// it is in.
void AwaitForm(sso_txn &txn, AwaitingBodyState::For endpoint, const sso_endpoint_request &request,
               sso_step &out) {
  auto &waiting = txn.flow.emplace<AwaitingBodyState>();
  waiting.endpoint = endpoint;
  waiting.random.assign(request.random, request.random + request.random_len);
  out.kind = SSO_STEP_READ_BODY;
  out.reason = SSO_OK;
  out.body_limit = kMaxFormBytes;
}

}  // namespace

void EndpointBegin(sso_txn &txn, const sso_endpoint_request &request, sso_step &out) {
  out = sso_step{};
  txn.flow = std::monostate{};
  txn.request_id = std::string(View(request.request_id));
  txn.login_protocol = nullptr;
  txn.login_provider.clear();
  // SCIM has its own tree of resources, and answers in its own format (RFC 7644). Its
  // queries carry people's names and addresses (filter=userName eq ...): not for the logs.
  if (IsScimPath(View(request.path))) {
    ScimBegin(txn, request, out);
    out.redact_query = 1;
    return;
  }
  const Route *route = FindRoute(View(request.path));
  if (!route) return StatusStep(404, out);
  // The callback's query carries the authorization code; whatever the answer, the request
  // line that nginx logs must not.
  bool secret_query = route->endpoint == Endpoint::kOidcCallback;
  if (!MethodFits(*route, View(request.method))) {
    StatusStep(405, out);
  } else {
    switch (route->endpoint) {
      case Endpoint::kAcs:
        txn.login_protocol = "saml";
        AwaitForm(txn, AwaitingBodyState::For::kAcs, request, out);
        break;
      case Endpoint::kBackchannelLogout:
        AwaitForm(txn, AwaitingBodyState::For::kBackchannelLogout, request, out);
        break;
      case Endpoint::kFrontchannelLogout:
        FrontchannelLogoutBegin(txn, View(request.query), out);
        break;
      case Endpoint::kSamlSlo:
        // A POST of XML (text/xml, application/soap+xml) is the SOAP binding: an IdP's
        // back-channel LogoutRequest. The browser bindings post forms.
        if (View(request.method) != "POST")
          SamlSloBegin(txn, SloBinding::kRedirect, View(request.query), request.now_ms,
                       {request.random, request.random_len}, out);
        else if (saml::IsSoapContentType(View(request.content_type)))
          AwaitForm(txn, AwaitingBodyState::For::kSamlSoap, request, out);
        else
          AwaitForm(txn, AwaitingBodyState::For::kSamlSlo, request, out);
        break;
      case Endpoint::kMetadata:
        Metadata(txn, request, out);
        break;
      case Endpoint::kOidcCallback:
        txn.login_protocol = "oidc";
        OidcCallback(txn, request, out);
        break;
      case Endpoint::kJwks:
        Jwks(txn, out);
        break;
      case Endpoint::kLogin:
        Login(txn, request, out);
        break;
      case Endpoint::kLogout:
        Logout(txn, request, out);
        break;
    }
  }
  out.redact_query = secret_query ? 1 : 0;
}

void EndpointResumeBody(sso_txn &txn, std::string_view body, int64_t now_ms, sso_step &out) {
  out = sso_step{};
  AwaitingBodyState waiting = EndFlow<AwaitingBodyState>(txn.flow);
  if (waiting.endpoint == AwaitingBodyState::For::kScim)
    return ScimResumeBody(txn, std::move(waiting.scim), body, now_ms, out);
  if (waiting.endpoint == AwaitingBodyState::For::kBackchannelLogout)
    return BackchannelLogoutBegin(txn, body, now_ms, out);
  std::vector<uint8_t> random = std::move(waiting.random);
  if (waiting.endpoint == AwaitingBodyState::For::kSamlSlo)
    return SamlSloBegin(txn, SloBinding::kPost, body, now_ms, random, out);
  if (waiting.endpoint == AwaitingBodyState::For::kSamlSoap)
    return SamlSloBegin(txn, SloBinding::kSoap, body, now_ms, random, out);
  sso_acs_request acs{{body.data(), body.size()}, now_ms, random.data(), random.size()};
  AcsBegin(txn, acs, out);
  std::fill(random.begin(), random.end(), 0);
}

}  // namespace sso
