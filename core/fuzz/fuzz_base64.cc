// libFuzzer target for the base64 decoders (the AVX2 block decoder and the one-character path
// behind them): each must agree with a reference built on OpenSSL's EVP decoder, for both
// alphabets, on any input. A disagreement aborts.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "support/evp_base64.h"
#include "text/encoding.h"

namespace {

using sso_test::EvpDecode;

// The URL-safe alphabet, strict: only its 64 characters, no padding, canonical trailing bits
// (what re-encodes to the same text).
std::optional<std::string> StrictUrlDecode(std::string_view text) {
  std::string standard;
  for (char c : text) {
    bool alphabet = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!alphabet) return std::nullopt;
    standard += c == '-' ? '+' : c == '_' ? '/' : c;
  }
  if (standard.size() % 4 == 1) return std::nullopt;
  while (standard.size() % 4) standard += '=';
  std::optional<std::string> bytes = text.empty() ? std::string() : EvpDecode(standard);
  if (!bytes || sso::Base64UrlEncode(*bytes) != text) return std::nullopt;
  return bytes;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string_view input(reinterpret_cast<const char *>(data), size);

  // '-' is OpenSSL's end-of-data mark (it ignores what follows); the standard alphabet has no
  // '-', and ours refuses it, so the reference only speaks for inputs without one.
  std::optional<std::string> ours = sso::Base64Decode(input);
  if (input.find('-') == std::string_view::npos && ours != EvpDecode(input)) std::abort();
  std::string reused = "bytes of an earlier decode";
  if (sso::Base64DecodeTo(input, reused) != ours.has_value()) std::abort();
  if (ours && reused != *ours) std::abort();

  std::optional<std::string> url = sso::Base64UrlDecode(input);
  if (url != StrictUrlDecode(input)) std::abort();
  return 0;
}
