// Session ids: the random cookie secret and the store key derived from it.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace sso {

// Bytes of CSPRNG output in one session id (256 bits; the floor is 128).
inline constexpr size_t kSessionIdBytes = 32;

// base64url (no padding) of exactly kSessionIdBytes random bytes.
std::optional<std::string> EncodeSessionId(std::span<const uint8_t> random);

// True if `cookie` has the exact shape EncodeSessionId produces. Checked before any store
// lookup so garbage never costs a round trip.
bool IsWellFormedSessionId(std::string_view cookie);

// Lower-case hex SHA-256 of the text. The store only ever sees this digest of the cookie.
std::string Sha256Hex(std::string_view text);

// True for what Sha256Hex gives: 64 lower-case hex digits (a session digest).
bool IsHexDigest(std::string_view text);

// The raw 32-byte SHA-256 of the text (empty on failure).
std::string Sha256(std::string_view text);

}  // namespace sso
