// The back-channel's response side, sans-IO: an incremental HTTP/1.x response parser fed the
// bytes as they arrive from an untrusted peer. It says: more please, done (status, body), or
// which check the answer failed.
//
// Accepted: "HTTP/1.0" or "HTTP/1.1", a 3-digit code 100..599, an optional reason; header
// lines ending in CRLF (a bare CR or LF, obs-fold, a bad name or a control character in a
// value are refused); the body framed by Content-Length (repeats must be identical), by
// "Transfer-Encoding: chunked" (extensions and trailers read and ignored; any other coding,
// chunked in an HTTP/1.0 answer or with a Content-Length are refused), or by the close. 204
// and 304 have no body. Interim 1xx answers are skipped (their headers count toward the head
// limit), except 101: nothing asked to switch protocols. Bytes after the end of a framed
// answer are refused: one request, one answer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "sso/sso.h"

namespace sso::http {

struct ResponseLimits {
  size_t max_head = 32 * 1024;    // status line and headers (all interim answers included);
                                  // the same again for the trailers
  size_t max_body = 1024 * 1024;  // the body, after the chunked coding is removed
};

class ResponseParser {
 public:
  explicit ResponseParser(ResponseLimits limits = {}) : limits_(limits) {}

  // `bytes` in any split; `eof` once the peer closed. SSO_OK: see complete(). Anything else
  // is the check that failed, and every later call returns it again.
  sso_status Feed(std::string_view bytes, bool eof);

  bool complete() const { return state_ == State::kDone; }
  int status() const { return status_; }
  const std::string &body() const { return body_; }

 private:
  enum class State {
    kStatusLine,
    kHeaders,
    kBody,  // Content-Length bytes left
    kChunkSize,
    kChunkData,
    kChunkDataEnd,  // the CRLF after a chunk's data
    kTrailers,
    kToEof,
    kDone,
    kFailed
  };

  bool InLineState() const;
  size_t LineRoom() const;
  sso_status LineTooLong() const;
  sso_status OnLine(std::string_view line);
  sso_status OnStatusLine(std::string_view line);
  sso_status OnHeaderLine(std::string_view line);
  sso_status OnEndOfHead();
  sso_status OnChunkSize(std::string_view line);
  sso_status Fail(sso_status status);

  ResponseLimits limits_;
  State state_ = State::kStatusLine;
  sso_status error_ = SSO_OK;
  std::string line_;
  size_t head_bytes_ = 0;
  size_t trailer_bytes_ = 0;
  int status_ = 0;
  bool http10_ = false;
  bool has_length_ = false;
  uint64_t length_ = 0;
  bool chunked_ = false;
  uint64_t remaining_ = 0;
  std::string body_;
};

}  // namespace sso::http
