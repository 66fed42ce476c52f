#include "text/http_text.h"

#include <cstdio>

namespace sso {

bool HasControlCharacter(std::string_view text) {
  for (unsigned char c : text)
    if (c < 0x20 || c == 0x7f) return true;
  return false;
}

bool IsSameOriginPath(std::string_view target) {
  // Browsers treat '\' as '/', so "/\evil.example" would leave the origin.
  constexpr size_t kMaxReturnTo = 2048;
  if (target.empty() || target.size() > kMaxReturnTo || target[0] != '/') return false;
  if (target.size() > 1 && (target[1] == '/' || target[1] == '\\')) return false;
  if (target.find('\\') != std::string_view::npos) return false;
  // ASCII only: it becomes a Location header (browsers send paths percent-encoded anyway)
  for (unsigned char c : target)
    if (c >= 0x80) return false;
  return !HasControlCharacter(target) && target.find(' ') == std::string_view::npos;
}

std::string SafeReturnTo(std::string_view request_target) {
  return IsSameOriginPath(request_target) ? std::string(request_target) : std::string("/");
}

std::string UrlEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 3);
  for (unsigned char c : text) {
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~' || c == '/';
    if (unreserved) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
  }
  return out;
}

std::string EscapeListItem(std::string_view item) {
  std::string out;
  out.reserve(item.size());
  for (char c : item) {
    if (c == '%')
      out += "%25";
    else if (c == ',')
      out += "%2C";
    else
      out.push_back(c);
  }
  return out;
}

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<std::string> FormDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      int hi = HexValue(text[i + 1]), lo = HexValue(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::optional<std::map<std::string, std::string>> ParseForm(std::string_view body) {
  std::map<std::string, std::string> out;
  while (!body.empty()) {
    size_t amp = body.find('&');
    std::string_view pair = body.substr(0, amp);
    body = amp == std::string_view::npos ? std::string_view() : body.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    auto name = FormDecode(pair.substr(0, eq));
    auto value = FormDecode(eq == std::string_view::npos ? "" : pair.substr(eq + 1));
    if (!name || !value) return std::nullopt;
    out.emplace(std::move(*name), std::move(*value));
  }
  return out;
}

std::string LogSafe(std::string_view text, size_t max) {
  std::string out;
  for (char c : text.substr(0, max)) {
    auto u = static_cast<unsigned char>(c);
    out.push_back(u < 0x20 || u > 0x7e || c == '"' || c == '\\' ? '?' : c);
  }
  if (text.size() > max) out += "...";
  return out;
}

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string_view CookieFromHeaders(std::span<const std::string_view> headers,
                                   std::string_view name) {
  for (std::string_view header : headers) {
    while (!header.empty()) {
      size_t end = header.find(';');
      std::string_view pair = header.substr(0, end);
      while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
      if (pair.size() > name.size() && pair.starts_with(name) && pair[name.size()] == '=')
        return pair.substr(name.size() + 1);
      if (end == std::string_view::npos) break;
      header.remove_prefix(end + 1);
    }
  }
  return {};
}

bool IsAcceptableEndpoint(std::string_view url) {
  if (url.rfind("https://", 0) == 0) return url.size() > 8 && !HasControlCharacter(url);
  for (std::string_view loopback : {"http://127.0.0.1:", "http://127.0.0.1/", "http://localhost:",
                                    "http://localhost/", "http://[::1]:", "http://[::1]/"}) {
    if (url.rfind(loopback, 0) == 0) return !HasControlCharacter(url);
  }
  return false;
}

std::string SetCookieValue(const CookieSettings &cookie, std::string_view value,
                           int64_t max_age_s) {
  std::string out;
  out.reserve(cookie.name.size() + value.size() + 80);
  out.append(cookie.name).append("=").append(value);
  out.append("; Path=/; Max-Age=").append(std::to_string(max_age_s > 0 ? max_age_s : 0));
  if (cookie.secure) out.append("; Secure");
  out.append("; HttpOnly; SameSite=Lax");
  return out;
}

namespace {

struct PageText {
  int http_status;
  const char *title;
  const char *advice;
};

PageText PageFor(sso_status reason) {
  switch (reason) {
    case SSO_STORE_UNAVAILABLE:
    case SSO_STORE_TIMEOUT:
    case SSO_STORE_ERROR_REPLY:
    case SSO_STORE_UNEXPECTED_REPLY:
    case SSO_OIDC_UNAVAILABLE:
    case SSO_OIDC_DISCOVERY_INVALID:
      return {503, "Sign-in is temporarily unavailable",
              "The sign-in service could not be reached. Please try again in a minute."};
    case SSO_SESSION_NO_COOKIE:
    case SSO_SESSION_MALFORMED_COOKIE:
    case SSO_SESSION_NOT_FOUND:
    case SSO_SESSION_EXPIRED:
    case SSO_SESSION_CORRUPT_RECORD:
      return {401, "Sign-in required", "Your session has ended or is not valid. Please sign in."};
    case SSO_LOGIN_UNKNOWN_PROVIDER:
    case SSO_ACS_BAD_REQUEST:
      return {400, "Sign-in failed", "The sign-in request was not complete or not valid."};
    case SSO_SAML_RESPONSE_TOO_LARGE:
    case SSO_SAML_BAD_ENCODING:
    case SSO_SAML_XML_MALFORMED:
    case SSO_SAML_DTD_FORBIDDEN:
    case SSO_SAML_NOT_A_RESPONSE:
      return {400, "Sign-in failed", "The sign-in response could not be read."};
    case SSO_SAML_UNSOLICITED:
    case SSO_SAML_ENCRYPTED_UNSUPPORTED:
    case SSO_SAML_ASSERTION_COUNT:
    case SSO_SAML_DUPLICATE_ID:
    case SSO_SAML_NOT_SIGNED:
    case SSO_SAML_SIGNATURE_MALFORMED:
    case SSO_SAML_SIGNATURE_ALGORITHM:
    case SSO_SAML_SIGNATURE_REFERENCE:
    case SSO_SAML_SIGNATURE_INVALID:
    case SSO_SAML_KEY_INVALID:
    case SSO_SAML_DESTINATION_MISMATCH:
    case SSO_SAML_ISSUER_MISMATCH:
    case SSO_SAML_STATUS_NOT_SUCCESS:
    case SSO_SAML_IN_RESPONSE_TO_MISMATCH:
    case SSO_SAML_NOT_YET_VALID:
    case SSO_SAML_EXPIRED:
    case SSO_SAML_AUDIENCE_MISMATCH:
    case SSO_SAML_RECIPIENT_MISMATCH:
    case SSO_SAML_SUBJECT_CONFIRMATION:
    case SSO_SAML_MISSING_NAMEID:
    case SSO_SAML_REPLAY:
    case SSO_SAML_METADATA_INVALID:
    case SSO_JWT_MALFORMED:
    case SSO_JWT_ALG_NOT_ALLOWED:
    case SSO_JWT_UNKNOWN_KID:
    case SSO_JWT_KEY_TYPE_MISMATCH:
    case SSO_JWT_BAD_SIGNATURE:
    case SSO_JWT_ISSUER_MISMATCH:
    case SSO_JWT_AUDIENCE_MISMATCH:
    case SSO_JWT_AZP_MISMATCH:
    case SSO_JWT_EXPIRED:
    case SSO_JWT_ISSUED_IN_FUTURE:
    case SSO_JWT_NOT_YET_VALID:
    case SSO_JWT_NONCE_MISMATCH:
    case SSO_JWKS_INVALID:
    case SSO_OIDC_ISSUER_MISMATCH:
    case SSO_OIDC_TOKEN_ERROR:
    case SSO_OIDC_ERROR_RESPONSE:
    case SSO_OIDC_STATE_INVALID:
    case SSO_OIDC_USERINFO_INVALID:
    case SSO_SAML_ENCRYPTION_ALGORITHM:
    case SSO_SAML_DECRYPTION_FAILED:
    case SSO_SAML_RELAY_STATE_INVALID:
    case SSO_KEY_REFUSED:
      return {403, "Sign-in was not accepted",
              "The identity provider's answer did not pass our checks. Please sign in again."};
    case SSO_JIT_EMAIL_REQUIRED:
    case SSO_JIT_EMAIL_UNVERIFIED:
    case SSO_JIT_DOMAIN_NOT_ALLOWED:
    case SSO_JIT_DENIED:
      return {403, "Access denied",
              "You signed in, but your account is not allowed to use this application. Ask your "
              "administrator for access."};
    case SSO_JIT_ACCOUNT_INACTIVE:
      return {403, "Account deactivated",
              "You signed in, but your organization has deactivated your account for this "
              "application. Ask your administrator if you think this is wrong."};
    case SSO_JIT_PENDING:
      return {403, "Waiting for approval",
              "Your account has been requested and is waiting for an administrator to approve "
              "it. Please try again later."};
    case SSO_JIT_CONFLICT:
      return {409, "Account needs attention",
              "An account with your email address already exists and cannot be connected to "
              "this sign-in automatically. Ask your administrator to connect it."};
    case SSO_JIT_UNAVAILABLE:
    case SSO_JIT_HOOK_INVALID:
    case SSO_JIT_BUSY:
      return {503, "Sign-in is temporarily unavailable",
              "Your account could not be set up right now. Nothing was changed; please try "
              "again in a minute."};
    case SSO_ACCESS_DENIED:
      return {403, "You don't have access to this page",
              "You are signed in, but this page is restricted. If you need it, ask your "
              "administrator for access."};
    case SSO_LOGIN_NO_PROVIDER:
      return {503, "Sign-in is not set up",
              "No identity provider is configured for this site yet."};
    case SSO_LOGIN_URL_GATED:
      return {503, "Sign-in is not set up",
              "The sign-in page of this site is not reachable. Please tell the site's "
              "administrator."};
    default:
      return {500, "Something went wrong", "The request could not be completed."};
  }
}

// A JSON string's content: quotes, backslashes and control characters escaped.
std::string JsonEscape(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (u < 0x20) {
      out.append("\\u00").push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0xf]);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

ErrorPage Render(const PageText &text, std::string_view request_id) {
  std::string id = HtmlEscape(request_id.empty() ? std::string_view("-") : request_id);
  std::string body;
  body.reserve(512);
  body.append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>")
      .append(text.title)
      .append("</title></head>\n<body>\n<h1>")
      .append(text.title)
      .append("</h1>\n<p>")
      .append(text.advice)
      .append(
          "</p>\n<p>If this keeps happening, contact your administrator and quote reference <code>")
      .append(id)
      .append("</code>.</p>\n</body></html>\n");
  return {text.http_status, std::move(body)};
}

PageText LogoutPageFor(sso_status reason) {
  switch (reason) {
    case SSO_SAML_STATUS_NOT_SUCCESS:
      return {200, "Signed out of this application",
              "You are signed out here, but the identity provider could not end all of your "
              "other sessions. To be sure, close your browser."};
    case SSO_SAML_SLO_NOT_CONFIGURED:
      return {501, "Single sign-out is not set up",
              "This application cannot take part in single sign-out yet. Please tell the "
              "site's administrator."};
    case SSO_STORE_UNAVAILABLE:
    case SSO_STORE_TIMEOUT:
    case SSO_STORE_ERROR_REPLY:
    case SSO_STORE_UNEXPECTED_REPLY:
      return {503, "Sign-out is temporarily unavailable",
              "Your sign-out could not be completed right now. Please try again in a minute."};
    default:
      return {400, "Sign-out message not accepted",
              "The sign-out message did not pass our checks. If you meant to sign out, sign "
              "out from the application again."};
  }
}

}  // namespace

ErrorPage RenderErrorPage(sso_status reason, std::string_view request_id) {
  return Render(PageFor(reason), request_id);
}

ErrorPage RenderErrorJson(sso_status reason, std::string_view request_id) {
  PageText text = PageFor(reason);
  std::string error = sso_status_name(reason);
  for (char &c : error) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string body = "{\"error\":\"" + error + "\",\"message\":\"" + JsonEscape(text.advice) +
                     "\",\"request_id\":\"" + JsonEscape(request_id) + "\"}\n";
  return {text.http_status, std::move(body)};
}

ErrorPage RenderLogoutPage(sso_status reason, std::string_view request_id) {
  return Render(LogoutPageFor(reason), request_id);
}

}  // namespace sso
