#include "text/encoding.h"

#include <openssl/evp.h>

#include <array>
#include <cstdint>
#include <memory>

namespace sso {
namespace {

struct DecodeCtxFree {
  void operator()(EVP_ENCODE_CTX *c) const { EVP_ENCODE_CTX_free(c); }
};

// The value of each URL-safe base64 character, -1 for every other byte.
constexpr std::array<int8_t, 256> kBase64UrlValues = [] {
  std::array<int8_t, 256> values{};
  values.fill(-1);
  constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  for (size_t i = 0; i < kAlphabet.size(); ++i)
    values[static_cast<unsigned char>(kAlphabet[i])] = static_cast<int8_t>(i);
  return values;
}();

int Base64UrlValue(char c) { return kBase64UrlValues[static_cast<unsigned char>(c)]; }

}  // namespace

std::optional<std::string> Base64Decode(std::string_view text) {
  if (text.empty() || text.size() > static_cast<size_t>(INT32_MAX)) return std::nullopt;
  std::unique_ptr<EVP_ENCODE_CTX, DecodeCtxFree> ctx(EVP_ENCODE_CTX_new());
  if (!ctx) return std::nullopt;
  std::string out(text.size() / 4 * 3 + 3, '\0');
  auto *dst = reinterpret_cast<unsigned char *>(out.data());
  int n = 0, tail = 0;
  EVP_DecodeInit(ctx.get());
  if (EVP_DecodeUpdate(ctx.get(), dst, &n, reinterpret_cast<const unsigned char *>(text.data()),
                       static_cast<int>(text.size())) < 0 ||
      EVP_DecodeFinal(ctx.get(), dst + n, &tail) != 1)
    return std::nullopt;
  out.resize(static_cast<size_t>(n + tail));
  return out;
}

std::string Base64Encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char *>(out.data()),
                          reinterpret_cast<const unsigned char *>(bytes.data()),
                          static_cast<int>(bytes.size()));
  out.resize(n > 0 ? static_cast<size_t>(n) : 0);
  return out;
}

std::string Base64UrlEncode(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  out.reserve((bytes.size() * 4 + 2) / 3);
  uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kAlphabet[(buffer >> bits) & 0x3f]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(buffer << (6 - bits)) & 0x3f]);
  return out;
}

std::optional<std::string> Base64UrlDecode(std::string_view text) {
  // 4 characters carry 3 bytes; a tail of 2 or 3 characters carries 1 or 2 bytes, and 1
  // character (6 bits) cannot end a canonical encoding.
  size_t tail = text.size() % 4;
  if (tail == 1) return std::nullopt;
  std::string out(text.size() / 4 * 3 + (tail ? tail - 1 : 0), '\0');
  size_t in = 0, at = 0;
  for (; in + 4 <= text.size(); in += 4) {
    int a = Base64UrlValue(text[in]), b = Base64UrlValue(text[in + 1]);
    int c = Base64UrlValue(text[in + 2]), d = Base64UrlValue(text[in + 3]);
    if ((a | b | c | d) < 0) return std::nullopt;
    uint32_t v = static_cast<uint32_t>(a << 18 | b << 12 | c << 6 | d);
    out[at++] = static_cast<char>(v >> 16);
    out[at++] = static_cast<char>(v >> 8);
    out[at++] = static_cast<char>(v);
  }
  if (tail == 0) return out;
  int a = Base64UrlValue(text[in]), b = Base64UrlValue(text[in + 1]);
  int c = tail == 3 ? Base64UrlValue(text[in + 2]) : 0;
  if ((a | b | c) < 0) return std::nullopt;
  uint32_t v = static_cast<uint32_t>(a << 18 | b << 12 | c << 6);
  // the bits past the last whole byte must be zero (non-canonical otherwise)
  if (v & (tail == 2 ? 0xffffu : 0xffu)) return std::nullopt;
  out[at++] = static_cast<char>(v >> 16);
  if (tail == 3) out[at++] = static_cast<char>(v >> 8);
  return out;
}

std::string Hex(std::span<const uint8_t> bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (uint8_t b : bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0xf]);
  }
  return out;
}

}  // namespace sso
