// The back-channel's request side, sans-IO: an absolute http(s) URL split into what the caller
// connects to, and the HTTP/1.0 request bytes it sends there.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "sso/sso.h"

namespace sso::http {

struct Target {
  std::string host;        // without brackets or port: what to resolve, and the TLS name
  uint16_t port = 0;       // the URL's, or 80 / 443
  bool tls = false;        // https
  std::string authority;   // host[:port] as written: the Host header
  std::string path;        // path and query ("/" when the URL has none), no fragment
  std::string log_target;  // scheme://authority/path?query, for log lines
};

// SSO_HTTP_BAD_URL unless `url` is http:// or https:// with a host, an optional port 1..65535,
// no userinfo, and nothing but printable ASCII (no space) in it.
sso_status ParseUrl(std::string_view url, Target &out);

struct RequestParts {
  std::string_view method;  // "GET" or "POST": 1 to 16 upper-case letters
  std::string_view authorization;
  std::string_view content_type;
  std::string_view headers;  // more header lines, each "Name: value\r\n"
  std::string_view body;
};

// The request: "METHOD path HTTP/1.0", Host, Accept, User-Agent, Connection: close, then the
// parts; Content-Length when there is a body or the method is not GET. SSO_HTTP_BAD_URL for a
// bad method, or a header value or line with CR, LF or another control character.
sso_status BuildRequest(const Target &target, const RequestParts &parts, std::string &out);

}  // namespace sso::http
