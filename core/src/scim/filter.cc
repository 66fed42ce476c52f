#include "scim/filter.h"

namespace sso::scim {
namespace {

constexpr size_t kMaxFilterBytes = 1024;
constexpr size_t kMaxTerms = 8;
constexpr std::string_view kCorePrefix = "urn:ietf:params:scim:schemas:core:2.0:User:";

class Cursor {
 public:
  explicit Cursor(std::string_view text) : text_(text) {}
  bool AtEnd() const { return pos_ == text_.size(); }
  // At least one space, then the rest.
  bool Spaces() {
    size_t start = pos_;
    while (pos_ < text_.size() && text_[pos_] == ' ') ++pos_;
    return pos_ > start;
  }
  void SkipSpaces() { Spaces(); }
  std::string_view Word() {
    size_t start = pos_;
    while (pos_ < text_.size() && text_[pos_] != ' ') ++pos_;
    return text_.substr(start, pos_ - start);
  }
  // A JSON string literal, escapes included, or a bare word (true, 42...).
  std::string_view Literal() {
    if (pos_ >= text_.size() || text_[pos_] != '"') return Word();
    size_t start = pos_++;
    bool escaped = false;
    for (; pos_ < text_.size(); ++pos_) {
      char c = text_[pos_];
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        return text_.substr(start, ++pos_ - start);
    }
    return {};  // unterminated
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

bool IsAttributeName(std::string_view name) {
  if (name.empty() || name.size() > 256) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == ':' || c == '_' || c == '-' || c == '$';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

std::optional<std::vector<Comparison>> ParseConjunction(std::string_view text) {
  if (text.size() > kMaxFilterBytes) return std::nullopt;
  Cursor in(text);
  std::vector<Comparison> out;
  in.SkipSpaces();
  while (true) {
    std::string_view attribute = in.Word();
    if (!IsAttributeName(attribute) || !in.Spaces()) return std::nullopt;
    if (!EqualsNoCase(in.Word(), "eq") || !in.Spaces()) return std::nullopt;
    std::string_view literal = in.Literal();
    if (literal.empty()) return std::nullopt;
    Json value = Json::parse(literal, nullptr, false);
    if (value.is_discarded() || !(value.is_string() || value.is_boolean() || value.is_number()))
      return std::nullopt;
    if (attribute.size() > kCorePrefix.size() &&
        EqualsNoCase(attribute.substr(0, kCorePrefix.size()), kCorePrefix))
      attribute.remove_prefix(kCorePrefix.size());
    out.push_back({std::string(attribute), std::move(value)});
    if (out.size() > kMaxTerms) return std::nullopt;
    bool spaced = in.Spaces();
    if (in.AtEnd()) return out;
    if (!spaced || !EqualsNoCase(in.Word(), "and") || !in.Spaces()) return std::nullopt;
  }
}

std::optional<std::vector<UserTerm>> ParseUserFilter(std::string_view filter) {
  auto comparisons = ParseConjunction(filter);
  if (!comparisons) return std::nullopt;
  std::vector<UserTerm> out;
  for (auto &c : *comparisons) {
    if (!c.value.is_string()) return std::nullopt;
    char kind;
    if (EqualsNoCase(c.attribute, "userName"))
      kind = 'n';
    else if (EqualsNoCase(c.attribute, "externalId"))
      kind = 'x';
    else if (EqualsNoCase(c.attribute, "emails.value"))
      kind = 'e';
    else
      return std::nullopt;
    out.push_back({kind, c.value.get<std::string>()});
  }
  return out;
}

}  // namespace sso::scim
