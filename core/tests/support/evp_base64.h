// A reference for the standard-alphabet base64 decoder: OpenSSL's EVP decoder (white space
// anywhere, '=' padding at the end; '-' is its end-of-data mark, after which it ignores the
// rest). Shared by the unit tests and fuzz_base64.
#pragma once

#include <openssl/evp.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace sso_test {

inline std::optional<std::string> EvpDecode(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::unique_ptr<EVP_ENCODE_CTX, decltype(&EVP_ENCODE_CTX_free)> ctx(EVP_ENCODE_CTX_new(),
                                                                      EVP_ENCODE_CTX_free);
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

}  // namespace sso_test
