#include "http/request.h"

#include <algorithm>

namespace sso::http {

namespace {

bool StartsWithNoCase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    char c = text[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != prefix[i]) return false;
  }
  return true;
}

bool Printable(unsigned char c) { return c > ' ' && c < 0x7f; }

// A header value we send: no control character but HTAB.
bool SafeValue(std::string_view value) {
  return std::none_of(value.begin(), value.end(), [](char ch) {
    auto c = static_cast<unsigned char>(ch);
    return (c < 0x20 && c != '\t') || c == 0x7f;
  });
}

// Header lines from the core: each "Name: value\r\n", no bare CR or LF.
bool SafeHeaderLines(std::string_view lines) {
  while (!lines.empty()) {
    size_t end = lines.find("\r\n");
    if (end == std::string_view::npos || end == 0) return false;
    std::string_view line = lines.substr(0, end);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0 || !SafeValue(line) || line[0] == ' ' ||
        line[0] == '\t') {
      return false;
    }
    lines.remove_prefix(end + 2);
  }
  return true;
}

}  // namespace

sso_status ParseUrl(std::string_view url, Target &out) {
  out = Target{};
  std::string_view rest;
  if (StartsWithNoCase(url, "https://")) {
    out.tls = true;
    out.port = 443;
    rest = url.substr(8);
  } else if (StartsWithNoCase(url, "http://")) {
    out.port = 80;
    rest = url.substr(7);
  } else {
    return SSO_HTTP_BAD_URL;
  }

  size_t authority_end = rest.find_first_of("/?#");
  if (authority_end == std::string_view::npos) authority_end = rest.size();
  std::string_view authority = rest.substr(0, authority_end);
  if (authority.empty()) return SSO_HTTP_BAD_URL;
  for (char ch : authority) {
    // no userinfo: nothing to smuggle into Host:
    if (ch == '@' || !Printable(static_cast<unsigned char>(ch))) return SSO_HTTP_BAD_URL;
  }

  std::string_view path = rest.substr(authority_end);
  if (size_t hash = path.find('#'); hash != std::string_view::npos) path = path.substr(0, hash);
  for (char ch : path) {
    if (!Printable(static_cast<unsigned char>(ch))) return SSO_HTTP_BAD_URL;
  }

  std::string_view host, port;
  if (authority[0] == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return SSO_HTTP_BAD_URL;
    host = authority.substr(1, close - 1);
    port = authority.substr(close + 1);
    if (host.find_first_not_of("0123456789abcdefABCDEF:.") != std::string_view::npos) {
      return SSO_HTTP_BAD_URL;
    }
  } else {
    size_t colon = authority.find(':');
    host = authority.substr(0, colon);
    port = colon == std::string_view::npos ? "" : authority.substr(colon);
  }
  if (host.empty()) return SSO_HTTP_BAD_URL;

  if (!port.empty()) {
    if (port[0] != ':' || port.size() < 2 || port.size() > 6) return SSO_HTTP_BAD_URL;
    uint32_t value = 0;
    for (char ch : port.substr(1)) {
      if (ch < '0' || ch > '9') return SSO_HTTP_BAD_URL;
      value = value * 10 + static_cast<uint32_t>(ch - '0');
    }
    if (value < 1 || value > 65535) return SSO_HTTP_BAD_URL;
    out.port = static_cast<uint16_t>(value);
  }

  out.host = std::string(host);
  out.authority = std::string(authority);
  out.path = path.empty() || path[0] == '?' ? "/" + std::string(path) : std::string(path);
  out.log_target =
      std::string(url.substr(0, url.size() - rest.size() + authority_end)) + std::string(path);
  return SSO_OK;
}

sso_status BuildRequest(const Target &target, const RequestParts &parts, std::string &out) {
  if (parts.method.empty() || parts.method.size() > 16 ||
      parts.method.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") != std::string_view::npos) {
    return SSO_HTTP_BAD_URL;
  }
  if (!SafeValue(parts.authorization) || !SafeValue(parts.content_type) ||
      !SafeHeaderLines(parts.headers)) {
    return SSO_HTTP_BAD_URL;
  }

  out.clear();
  out.reserve(256 + target.path.size() + parts.authorization.size() + parts.headers.size() +
              parts.body.size());
  out.append(parts.method).append(" ").append(target.path).append(" HTTP/1.0\r\n");
  out.append("Host: ").append(target.authority).append("\r\n");
  out.append(
      "Accept: application/json\r\n"
      "User-Agent: nginx-jit-sso\r\n"
      "Connection: close\r\n");
  if (!parts.authorization.empty()) {
    out.append("Authorization: ").append(parts.authorization).append("\r\n");
  }
  if (!parts.content_type.empty()) {
    out.append("Content-Type: ").append(parts.content_type).append("\r\n");
  }
  out.append(parts.headers);
  if (!parts.body.empty() || parts.method != "GET") {
    out.append("Content-Length: ").append(std::to_string(parts.body.size())).append("\r\n");
  }
  out.append("\r\n").append(parts.body);
  return SSO_OK;
}

}  // namespace sso::http
