#include "oidc/claims.h"

#include <simdjson.h>

#include <cstring>
#include <nlohmann/json.hpp>

namespace sso::oidc {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

// Deeper than any token can nest (16 KiB of base64url carry 12 KiB of JSON, 2 bytes a level).
constexpr size_t kMaxDepth = 6 * 1024;
// What a parser is set up for at first; it grows for a larger document.
constexpr size_t kInitialCapacity = 12 * 1024;

// One parser per thread (a worker has one), its buffers reused; and the header's document
// and text, read and dropped within one call.
struct Reader {
  simdjson::dom::parser parser;
  simdjson::dom::document header;
  std::string header_text;
  bool ready = parser.allocate(kInitialCapacity, kMaxDepth) == simdjson::SUCCESS;
};

Reader &ThreadReader() {
  thread_local Reader reader;
  return reader;
}

// Parses `json` into `doc` as one object, `text` holding it (padded: simdjson reads a little
// past the end). An integer beyond 64 bits, which simdjson refuses, is the one thing
// nlohmann::json reads (as a double) and simdjson does not: such a document is read again
// as nlohmann::json writes it back.
bool ParseObject(std::string_view json, std::string &text, size_t &length,
                 simdjson::dom::document &doc, object &out, bool again = true) {
  if (json.starts_with("\xef\xbb\xbf")) json.remove_prefix(3);
  // not valid JSON anywhere; refused here so that no parser may stop reading at one
  if (std::memchr(json.data(), '\0', json.size())) return false;
  Reader &reader = ThreadReader();
  if (!reader.ready) return false;  // out of memory
  length = json.size();
  text.resize(length + simdjson::SIMDJSON_PADDING);
  std::memcpy(text.data(), json.data(), length);
  auto error =
      reader.parser.parse_into_document(doc, text.data(), length, false).get_object().get(out);
  if (error != simdjson::NUMBER_ERROR || !again) return error == simdjson::SUCCESS;
  auto tree = nlohmann::json::parse(json, nullptr, false);
  if (!tree.is_object()) return false;
  std::string written = tree.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return ParseObject(written, text, length, doc, out, false);
}

// The value of the last member named `name` (RFC 7519 4, as nlohmann::json reads it).
std::optional<element> Last(object o, std::string_view name) {
  std::optional<element> found;
  for (simdjson::dom::key_value_pair field : o)
    if (field.key == name) found = field.value;
  return found;
}

ClaimSet::Kind KindOfElement(const std::optional<element> &e) {
  if (!e) return ClaimSet::Kind::kAbsent;
  switch (e->type()) {
    case element_type::STRING:
      return ClaimSet::Kind::kString;
    case element_type::INT64:
    case element_type::UINT64:
    case element_type::DOUBLE:
      return ClaimSet::Kind::kNumber;
    case element_type::BOOL:
      return ClaimSet::Kind::kBool;
    case element_type::NULL_VALUE:
      return ClaimSet::Kind::kNull;
    case element_type::ARRAY:
      return ClaimSet::Kind::kArray;
    case element_type::OBJECT:
      return ClaimSet::Kind::kObject;
  }
  return ClaimSet::Kind::kAbsent;
}

std::optional<std::string_view> StringOf(const std::optional<element> &e) {
  std::string_view text;
  if (!e || e->get_string().get(text)) return std::nullopt;
  return text;
}

}  // namespace

struct ClaimSet::Document {
  std::string text;  // the JSON, padded
  size_t length = 0;
  simdjson::dom::document doc;
  object root;
};

ClaimSet::ClaimSet() = default;
ClaimSet::~ClaimSet() = default;
ClaimSet::ClaimSet(ClaimSet &&) noexcept = default;
ClaimSet &ClaimSet::operator=(ClaimSet &&) noexcept = default;

bool ClaimSet::Parse(std::string_view json) {
  if (!doc_) doc_ = std::make_unique<Document>();
  if (ParseObject(json, doc_->text, doc_->length, doc_->doc, doc_->root)) return true;
  doc_.reset();
  return false;
}

ClaimSet::Kind ClaimSet::KindOf(std::string_view name) const {
  return doc_ ? KindOfElement(Last(doc_->root, name)) : Kind::kAbsent;
}

std::optional<std::string_view> ClaimSet::String(std::string_view name) const {
  return doc_ ? StringOf(Last(doc_->root, name)) : std::nullopt;
}

std::optional<double> ClaimSet::Number(std::string_view name) const {
  auto e = doc_ ? Last(doc_->root, name) : std::nullopt;
  double value = 0;  // an integer too, converted
  if (!e || e->get_double().get(value)) return std::nullopt;
  return value;
}

std::optional<bool> ClaimSet::Bool(std::string_view name) const {
  auto e = doc_ ? Last(doc_->root, name) : std::nullopt;
  bool value = false;
  if (!e || e->get_bool().get(value)) return std::nullopt;
  return value;
}

std::optional<std::vector<std::optional<std::string_view>>> ClaimSet::Array(
    std::string_view name) const {
  auto e = doc_ ? Last(doc_->root, name) : std::nullopt;
  simdjson::dom::array items;
  if (!e || e->get_array().get(items)) return std::nullopt;
  std::vector<std::optional<std::string_view>> out;
  out.reserve(items.size());
  for (element item : items) out.push_back(StringOf(item));
  return out;
}

ClaimSet::Kind ClaimSet::MemberKind(std::string_view name, std::string_view member) const {
  auto e = doc_ ? Last(doc_->root, name) : std::nullopt;
  object inner;
  if (!e || e->get_object().get(inner)) return Kind::kAbsent;
  return KindOfElement(Last(inner, member));
}

std::string_view ClaimSet::Json() const {
  return doc_ ? std::string_view(doc_->text.data(), doc_->length) : std::string_view("{}");
}

bool ReadJoseHeader(std::string_view json, JoseHeader &out) {
  out = JoseHeader{};
  Reader &reader = ThreadReader();
  size_t length = 0;
  object header;
  if (!ParseObject(json, reader.header_text, length, reader.header, header)) return false;
  auto alg = StringOf(Last(header, "alg"));
  if (!alg) return false;
  out.algorithm = *alg;
  out.key_id = StringOf(Last(header, "kid")).value_or("");
  out.critical = Last(header, "crit").has_value();
  return true;
}

}  // namespace sso::oidc
