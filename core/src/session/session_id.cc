#include "session/session_id.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <memory>

namespace sso {
namespace {

constexpr size_t kEncodedLength = (kSessionIdBytes * 4 + 2) / 3;  // 43 for 32 bytes

// Every request with a cookie checks it: one table load per character, not five compares.
constexpr std::array<bool, 256> kBase64UrlChars = [] {
  std::array<bool, 256> table{};
  for (int c = 'A'; c <= 'Z'; ++c) table[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) table[c] = true;
  for (int c = '0'; c <= '9'; ++c) table[c] = true;
  table['-'] = table['_'] = true;
  return table;
}();

}  // namespace

std::optional<std::string> EncodeSessionId(std::span<const uint8_t> random) {
  if (random.size() < kSessionIdBytes) return std::nullopt;
  unsigned char encoded[4 * ((kSessionIdBytes + 2) / 3) + 1];
  int n = EVP_EncodeBlock(encoded, random.data(), static_cast<int>(kSessionIdBytes));
  if (n <= 0) return std::nullopt;
  std::string out(reinterpret_cast<char *>(encoded), static_cast<size_t>(n));
  for (char &c : out) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  out.resize(kEncodedLength);  // drop '=' padding
  return out;
}

bool IsWellFormedSessionId(std::string_view cookie) {
  if (cookie.size() != kEncodedLength) return false;
  bool valid = true;  // no early exit: a branch per character costs more than the loads
  for (char c : cookie) valid &= kBase64UrlChars[static_cast<unsigned char>(c)];
  return valid;
}

namespace {

struct MdFree {
  void operator()(EVP_MD *md) const { EVP_MD_free(md); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX *ctx) const { EVP_MD_CTX_free(ctx); }
};

// Fetched once, and one context per thread reused: an implicit fetch by name and a fresh
// context on every call cost more than hashing 43 bytes.
const EVP_MD *Sha256Md() {
  static const std::unique_ptr<EVP_MD, MdFree> md(EVP_MD_fetch(nullptr, "SHA256", nullptr));
  return md.get();
}

EVP_MD_CTX *DigestContext() {
  thread_local const std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  return ctx.get();
}

}  // namespace

namespace {

// The digest into `out` (32 bytes); false if OpenSSL failed.
bool Sha256Into(std::string_view text, unsigned char *out) {
  unsigned int digest_len = 0;
  const EVP_MD *md = Sha256Md();
  EVP_MD_CTX *ctx = DigestContext();
  return md != nullptr && ctx != nullptr && EVP_DigestInit_ex2(ctx, md, nullptr) == 1 &&
         EVP_DigestUpdate(ctx, text.data(), text.size()) == 1 &&
         EVP_DigestFinal_ex(ctx, out, &digest_len) == 1 && digest_len == 32;
}

}  // namespace

std::string Sha256(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  if (!Sha256Into(text, digest)) return {};
  return std::string(reinterpret_cast<char *>(digest), 32);
}

// Every cache miss hashes the cookie: no intermediate string.
std::string Sha256Hex(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  unsigned char digest[EVP_MAX_MD_SIZE];
  if (!Sha256Into(text, digest)) return {};
  std::string out(64, '\0');
  for (size_t i = 0; i < 32; ++i) {
    out[2 * i] = kHex[digest[i] >> 4];
    out[2 * i + 1] = kHex[digest[i] & 0xf];
  }
  return out;
}

bool IsHexDigest(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

}  // namespace sso
