// Small text helpers for HTTP: return_to sanitizing, URL encoding, cookies, escaping.
#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "sso/sso.h"

namespace sso {

// True for a path that can only lead to this origin: "/x", never "//x", "/\x" or a scheme.
bool IsSameOriginPath(std::string_view target);

// True when the text holds a byte < 0x20 or 0x7f (CR, LF, NUL, tabs...).
bool HasControlCharacter(std::string_view text);

// The request target if it is a safe same-origin path, otherwise "/".
std::string SafeReturnTo(std::string_view request_target);

// application/x-www-form-urlencoded style percent-encoding of every byte except unreserved.
std::string UrlEncode(std::string_view text);

// Percent-encodes ',' and '%' so a list can be joined with ','.
std::string EscapeListItem(std::string_view item);

// Decodes one application/x-www-form-urlencoded name or value ('+' is a space); nullopt for a
// malformed escape.
std::optional<std::string> FormDecode(std::string_view text);

// Decodes an application/x-www-form-urlencoded body ('+' is a space). Later duplicates of a
// name are ignored; nullopt for a malformed escape.
std::optional<std::map<std::string, std::string>> ParseForm(std::string_view body);

// Text from outside (a key id, a certificate subject) made fit for a log line: bytes outside
// printable ASCII, '"' and '\\' become '?', and at most `max` bytes are kept ("..." marks a cut).
std::string LogSafe(std::string_view text, size_t max);

// HTML-escapes &, <, >, " and '.
std::string HtmlEscape(std::string_view text);

// The value of the first cookie called `name` in Cookie header values, in the order received;
// empty when there is none.
std::string_view CookieFromHeaders(std::span<const std::string_view> headers,
                                   std::string_view name);

// An absolute https URL, or http on loopback only (tests, a provider on the same host); no
// control characters.
bool IsAcceptableEndpoint(std::string_view url);

struct CookieSettings {
  std::string_view name;
  bool secure;
};

// Set-Cookie value for a session cookie; max_age_s 0 deletes it.
std::string SetCookieValue(const CookieSettings &cookie, std::string_view value, int64_t max_age_s);

// The content of a JSON string: '"', '\\' and control characters escaped.
std::string JsonEscape(std::string_view text);

}  // namespace sso
