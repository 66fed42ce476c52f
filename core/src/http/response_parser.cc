#include "http/response_parser.h"

#include <algorithm>

namespace sso::http {

namespace {

constexpr size_t kMaxChunkLine = 4096;  // a chunk-size line with its extensions

bool IsTchar(unsigned char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

// HTAB, SP, visible ASCII and obs-text: what a field value or reason phrase may hold.
bool IsFieldText(std::string_view text) {
  return std::none_of(text.begin(), text.end(), [](char ch) {
    auto c = static_cast<unsigned char>(ch);
    return (c < 0x20 && c != '\t') || c == 0x7f;
  });
}

bool EqualsNoCase(std::string_view a, std::string_view lower) {
  if (a.size() != lower.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char c = a[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower[i]) return false;
  }
  return true;
}

std::string_view TrimOws(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// "name: value" with a token name, no space before the colon, a clean value.
bool SplitField(std::string_view line, std::string_view &name, std::string_view &value) {
  if (line.empty() || line[0] == ' ' || line[0] == '\t') return false;  // obs-fold
  size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  name = line.substr(0, colon);
  for (char ch : name) {
    if (!IsTchar(static_cast<unsigned char>(ch))) return false;
  }
  value = TrimOws(line.substr(colon + 1));
  return IsFieldText(value);
}

// Decimal digits, saturating far above any limit.
bool ParseDecimal(std::string_view text, uint64_t &out) {
  if (text.empty()) return false;
  out = 0;
  for (char ch : text) {
    if (ch < '0' || ch > '9') return false;
    if (out < (uint64_t{1} << 50)) out = out * 10 + static_cast<uint64_t>(ch - '0');
  }
  return true;
}

}  // namespace

sso_status ResponseParser::Fail(sso_status status) {
  state_ = State::kFailed;
  error_ = status;
  line_.clear();
  body_.clear();
  return status;
}

bool ResponseParser::InLineState() const {
  return state_ == State::kStatusLine || state_ == State::kHeaders || state_ == State::kChunkSize ||
         state_ == State::kChunkDataEnd || state_ == State::kTrailers;
}

// How long the line being read may still grow.
size_t ResponseParser::LineRoom() const {
  switch (state_) {
    case State::kStatusLine:
    case State::kHeaders:
      return limits_.max_head - std::min(limits_.max_head, head_bytes_);
    case State::kTrailers:
      return limits_.max_head - std::min(limits_.max_head, trailer_bytes_);
    default:
      return kMaxChunkLine;
  }
}

sso_status ResponseParser::LineTooLong() const {
  return state_ == State::kChunkSize || state_ == State::kChunkDataEnd ? SSO_HTTP_MALFORMED_CHUNK
                                                                       : SSO_HTTP_HEADERS_TOO_LARGE;
}

sso_status ResponseParser::Feed(std::string_view bytes, bool eof) {
  if (state_ == State::kFailed) return error_;

  while (!bytes.empty()) {
    if (InLineState()) {
      size_t newline = bytes.find('\n');
      size_t take = newline == std::string_view::npos ? bytes.size() : newline + 1;
      if (line_.size() + take > LineRoom()) return Fail(LineTooLong());
      line_.append(bytes.substr(0, take));
      bytes.remove_prefix(take);
      if (newline == std::string_view::npos) break;

      // CRLF and no other CR: a bare CR or LF is how requests get smuggled
      std::string_view line(line_);
      if (line.size() < 2 || line[line.size() - 2] != '\r') {
        return Fail(state_ == State::kStatusLine ? SSO_HTTP_MALFORMED_STATUS_LINE
                    : state_ == State::kChunkSize || state_ == State::kChunkDataEnd
                        ? SSO_HTTP_MALFORMED_CHUNK
                        : SSO_HTTP_MALFORMED_HEADER);
      }
      line.remove_suffix(2);
      if (state_ == State::kTrailers) {
        trailer_bytes_ += line_.size();
      } else if (state_ == State::kStatusLine || state_ == State::kHeaders) {
        head_bytes_ += line_.size();
      }
      sso_status status = OnLine(line);
      line_.clear();
      if (status != SSO_OK) return Fail(status);
      continue;
    }

    switch (state_) {
      case State::kBody:
      case State::kChunkData: {
        size_t take = static_cast<size_t>(std::min<uint64_t>(remaining_, bytes.size()));
        body_.append(bytes.substr(0, take));
        bytes.remove_prefix(take);
        remaining_ -= take;
        if (remaining_ == 0) {
          state_ = state_ == State::kBody ? State::kDone : State::kChunkDataEnd;
        }
        break;
      }
      case State::kToEof:
        if (bytes.size() > limits_.max_body - body_.size()) {
          return Fail(SSO_HTTP_BODY_TOO_LARGE);
        }
        body_.append(bytes);
        bytes = {};
        break;
      default:  // kDone: a second answer, or anything else after this one: which one is meant?
        return Fail(SSO_HTTP_TRAILING_DATA);
    }
  }

  if (eof && state_ != State::kDone) {
    if (state_ != State::kToEof) return Fail(SSO_HTTP_TRUNCATED);
    state_ = State::kDone;
  }
  return SSO_OK;
}

sso_status ResponseParser::OnLine(std::string_view line) {
  if (line.find('\r') != std::string_view::npos) {
    return state_ == State::kStatusLine ? SSO_HTTP_MALFORMED_STATUS_LINE
           : state_ == State::kChunkSize || state_ == State::kChunkDataEnd
               ? SSO_HTTP_MALFORMED_CHUNK
               : SSO_HTTP_MALFORMED_HEADER;
  }
  switch (state_) {
    case State::kStatusLine:
      return OnStatusLine(line);
    case State::kHeaders:
      return line.empty() ? OnEndOfHead() : OnHeaderLine(line);
    case State::kChunkSize:
      return OnChunkSize(line);
    case State::kChunkDataEnd:
      if (!line.empty()) return SSO_HTTP_MALFORMED_CHUNK;
      state_ = State::kChunkSize;
      return SSO_OK;
    case State::kTrailers: {
      if (line.empty()) {
        state_ = State::kDone;
        return SSO_OK;
      }
      std::string_view name, value;
      return SplitField(line, name, value) ? SSO_OK : SSO_HTTP_MALFORMED_HEADER;
    }
    default:
      return SSO_ERR_INTERNAL;
  }
}

// "HTTP/1.1 200 OK", "HTTP/1.0 404", "HTTP/1.1 500 " ...
sso_status ResponseParser::OnStatusLine(std::string_view line) {
  if (line.size() < 12 || (line.substr(0, 9) != "HTTP/1.1 " && line.substr(0, 9) != "HTTP/1.0 ")) {
    return SSO_HTTP_MALFORMED_STATUS_LINE;
  }
  std::string_view code = line.substr(9, 3);
  if (code.find_first_not_of("0123456789") != std::string_view::npos) {
    return SSO_HTTP_MALFORMED_STATUS_LINE;
  }
  std::string_view rest = line.substr(12);
  if (!rest.empty() && (rest[0] != ' ' || !IsFieldText(rest))) {
    return SSO_HTTP_MALFORMED_STATUS_LINE;
  }
  int status = (code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0');
  if (status < 100 || status > 599 || status == 101) return SSO_HTTP_MALFORMED_STATUS_LINE;
  status_ = status;
  http10_ = line[7] == '0';
  has_length_ = false;
  chunked_ = false;
  state_ = State::kHeaders;
  return SSO_OK;
}

sso_status ResponseParser::OnHeaderLine(std::string_view line) {
  std::string_view name, value;
  if (!SplitField(line, name, value)) return SSO_HTTP_MALFORMED_HEADER;

  if (EqualsNoCase(name, "content-length")) {
    uint64_t length = 0;
    if (!ParseDecimal(value, length)) return SSO_HTTP_BAD_CONTENT_LENGTH;
    if (has_length_ && length != length_) return SSO_HTTP_BAD_CONTENT_LENGTH;
    has_length_ = true;
    length_ = length;
  } else if (EqualsNoCase(name, "transfer-encoding")) {
    // one coding we can undo, named once
    if (chunked_ || !EqualsNoCase(value, "chunked")) return SSO_HTTP_BAD_TRANSFER_ENCODING;
    chunked_ = true;
  }
  return SSO_OK;
}

sso_status ResponseParser::OnEndOfHead() {
  if (status_ < 200) {  // interim: the answer follows
    state_ = State::kStatusLine;
    return SSO_OK;
  }
  if (chunked_ && (has_length_ || http10_)) return SSO_HTTP_BAD_TRANSFER_ENCODING;
  if (status_ == 204 || status_ == 304) {
    state_ = State::kDone;
  } else if (chunked_) {
    state_ = State::kChunkSize;
  } else if (has_length_) {
    if (length_ > limits_.max_body) return SSO_HTTP_BODY_TOO_LARGE;
    remaining_ = length_;
    state_ = length_ == 0 ? State::kDone : State::kBody;
  } else {
    state_ = State::kToEof;
  }
  return SSO_OK;
}

// chunk-size [ BWS ";" extensions ]
sso_status ResponseParser::OnChunkSize(std::string_view line) {
  size_t digits = line.find_first_not_of("0123456789abcdefABCDEF");
  if (digits == std::string_view::npos) digits = line.size();
  if (digits == 0) return SSO_HTTP_MALFORMED_CHUNK;
  std::string_view rest = TrimOws(line.substr(digits));
  if (!rest.empty() && (rest[0] != ';' || !IsFieldText(rest))) return SSO_HTTP_MALFORMED_CHUNK;

  uint64_t size = 0;
  for (char ch : line.substr(0, digits)) {
    int digit = ch <= '9' ? ch - '0' : (ch | 0x20) - 'a' + 10;
    if (size > limits_.max_body) return SSO_HTTP_BODY_TOO_LARGE;
    size = size * 16 + static_cast<uint64_t>(digit);
  }
  if (size > limits_.max_body - body_.size()) return SSO_HTTP_BODY_TOO_LARGE;

  if (size == 0) {
    state_ = State::kTrailers;
  } else {
    remaining_ = size;
    state_ = State::kChunkData;
  }
  return SSO_OK;
}

}  // namespace sso::http
