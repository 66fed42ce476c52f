// Base64 in the two alphabets the protocols use.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace sso {

// Standard alphabet with '=' padding (SAML bindings, HTTP Basic).
std::string Base64Encode(std::string_view bytes);

// Lower-case hex of `bytes`.
std::string Hex(std::span<const uint8_t> bytes);

// Standard alphabet, with the line breaks and spaces (space, tab, CR, LF) IdPs and browsers
// put in it anywhere; whole groups of four, '=' padding only at the end. nullopt if invalid
// or empty.
std::optional<std::string> Base64Decode(std::string_view text);
// The same into `out`, whose memory is reused (the bytes written may be there on failure).
bool Base64DecodeTo(std::string_view text, std::string &out);

// URL-safe alphabet without padding (JOSE, cookies, state handles).
std::string Base64UrlEncode(std::string_view bytes);

// Strict: URL-safe alphabet only, no padding, no whitespace, canonical trailing bits.
std::optional<std::string> Base64UrlDecode(std::string_view text);

}  // namespace sso
