// The JSON of a JWT, read in place: the claims (payload) as a parsed object whose members are
// looked up by name, and the few header fields we use. Parsed with simdjson, once; no tree
// of the claims is built.
//
// The JSON rules are RFC 8259's, strictly: one object, valid UTF-8 (escapes included: no
// lone surrogate), no raw control character, no byte after the object (a NUL included). A
// leading UTF-8 byte order mark is skipped. Numbers are 64-bit integers or doubles; an
// integer beyond 64 bits is read as the double it is close to. Of members with the same name,
// the last one counts (RFC 7519 4 allows that or refusing). Nesting is limited only by the
// token's size.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sso::oidc {

class ClaimSet {
 public:
  enum class Kind { kAbsent, kString, kNumber, kBool, kNull, kArray, kObject };

  ClaimSet();
  ~ClaimSet();
  ClaimSet(ClaimSet &&) noexcept;
  ClaimSet &operator=(ClaimSet &&) noexcept;

  // Parses `json`; false unless it is one JSON object (then the claims are empty).
  bool Parse(std::string_view json);

  Kind KindOf(std::string_view name) const;
  bool Has(std::string_view name) const { return KindOf(name) != Kind::kAbsent; }
  // A string claim; nullopt when absent or of another kind. Valid while this object is.
  std::optional<std::string_view> String(std::string_view name) const;
  // A number claim (integer or not) as a double; nullopt when absent or of another kind.
  std::optional<double> Number(std::string_view name) const;
  std::optional<bool> Bool(std::string_view name) const;
  // The items of an array claim in order, a string item as itself and any other as nullopt;
  // nullopt when the claim is absent or not an array.
  std::optional<std::vector<std::optional<std::string_view>>> Array(std::string_view name) const;
  // The kind of member `member` of object claim `name` (kAbsent when `name` is no object).
  Kind MemberKind(std::string_view name, std::string_view member) const;

  // The JSON text the claims were parsed from ("{}" when none were).
  std::string_view Json() const;

 private:
  struct Document;
  std::unique_ptr<Document> doc_;
};

struct JoseHeader {
  std::string algorithm;  // "alg"
  std::string key_id;     // "kid"; empty when absent or not a string
  bool critical = false;  // a "crit" member is there, whatever its value
};

// Reads a JWS header (a JSON object, by the rules above); false when it is none or has no
// string "alg".
bool ReadJoseHeader(std::string_view json, JoseHeader &out);

}  // namespace sso::oidc
