#include "scim/protocol.h"

#include <charconv>
#include <cstdio>
#include <ctime>

namespace sso::scim {

std::string ErrorBody(const Error &error) {
  Json body = {{"schemas", {kErrorSchema}},
               {"status", std::to_string(error.status)},
               {"detail", error.detail}};
  if (!error.scim_type.empty()) body["scimType"] = error.scim_type;
  return body.dump(-1, ' ', false, Json::error_handler_t::replace);
}

namespace {

// Nesting depth of a JSON text, counting brackets outside strings.
bool DepthWithin(std::string_view text, int max) {
  int depth = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max) return false;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return true;
}

bool ParseNumber(const std::string &text, long long &out) {
  if (text.empty() || text.size() > 12) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

std::optional<Json> ParseBody(std::string_view text) {
  if (text.size() > kMaxBodyBytes || !DepthWithin(text, kMaxJsonDepth)) return std::nullopt;
  Json parsed = Json::parse(text, nullptr, false);
  if (parsed.is_discarded()) return std::nullopt;
  return parsed;
}

std::string ListBody(long long total, long long start_index, const std::vector<Json> &resources) {
  Json body = {{"schemas", {kListSchema}},
               {"totalResults", total},
               {"startIndex", start_index},
               {"itemsPerPage", static_cast<long long>(resources.size())},
               {"Resources", resources}};
  return body.dump(-1, ' ', false, Json::error_handler_t::replace);
}

bool ParsePaging(const std::string *start_index, const std::string *count, Paging &out) {
  out = Paging{};
  long long n = 0;
  if (start_index) {
    if (!ParseNumber(*start_index, n)) return false;
    out.start_index = n < 1 ? 1 : n;
  }
  if (count) {
    if (!ParseNumber(*count, n)) return false;
    out.count = n < 0 ? 0 : n > kMaxPageSize ? kMaxPageSize : n;
  }
  return true;
}

std::string IsoTime(int64_t ms) {
  std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char out[40];
  size_t n = std::strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(out + n, sizeof out - n, ".%03dZ", static_cast<int>(ms % 1000));
  return out;
}

std::string ETagOf(long long version) { return "W/\"" + std::to_string(version) + "\""; }

std::string AsciiLower(std::string_view text) {
  std::string out(text);
  for (char &c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

bool EqualsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

}  // namespace sso::scim
