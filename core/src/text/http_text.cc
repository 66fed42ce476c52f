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

}  // namespace sso
