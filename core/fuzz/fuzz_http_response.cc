// libFuzzer target for the back-channel's response parser: arbitrary bytes from a peer, fed
// whole and in pieces whose sizes the input picks. Crashes and sanitizer reports are bugs,
// and so is an answer that depends on how its bytes were split, or one beyond the limits.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "http/response_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  // the first byte picks the piece size, the rest is the answer
  size_t piece = 1 + data[0] % 64;
  std::string_view bytes(reinterpret_cast<const char *>(data + 1), size - 1);
  sso::http::ResponseLimits limits{.max_head = 4096, .max_body = 8192};

  sso::http::ResponseParser whole(limits);
  sso_status whole_status = whole.Feed(bytes, false);
  if (whole_status == SSO_OK) whole_status = whole.Feed("", true);

  sso::http::ResponseParser pieces(limits);
  sso_status pieces_status = SSO_OK;
  for (size_t at = 0; at < bytes.size() && pieces_status == SSO_OK; at += piece) {
    pieces_status = pieces.Feed(bytes.substr(at, piece), false);
  }
  if (pieces_status == SSO_OK) pieces_status = pieces.Feed("", true);

  if (whole_status != pieces_status || whole.complete() != pieces.complete()) std::abort();
  if (whole.complete()) {
    if (whole_status != SSO_OK) std::abort();
    if (whole.body() != pieces.body() || whole.status() != pieces.status()) std::abort();
    if (whole.status() < 200 || whole.status() > 599) std::abort();
    if (whole.body().size() > limits.max_body) std::abort();
  }
  return 0;
}
