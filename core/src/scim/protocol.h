// SCIM 2.0 (RFC 7644) message basics: errors, list responses, bounded JSON bodies, the
// schema URNs. No I/O, no store.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sso::scim {

using Json = nlohmann::json;

inline constexpr std::string_view kUserSchema = "urn:ietf:params:scim:schemas:core:2.0:User";
inline constexpr std::string_view kGroupSchema = "urn:ietf:params:scim:schemas:core:2.0:Group";
inline constexpr std::string_view kEnterpriseSchema =
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
inline constexpr std::string_view kListSchema =
    "urn:ietf:params:scim:api:messages:2.0:ListResponse";
inline constexpr std::string_view kErrorSchema = "urn:ietf:params:scim:api:messages:2.0:Error";
inline constexpr std::string_view kPatchSchema = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
inline constexpr std::string_view kContentType = "application/scim+json";

// The largest body read (POST, PUT, PATCH), and how deep its JSON may nest.
inline constexpr size_t kMaxBodyBytes = 64 * 1024;
inline constexpr int kMaxJsonDepth = 16;
// Resources per page, and what a filter may look through.
inline constexpr long long kMaxPageSize = 100;
inline constexpr size_t kMaxFilterCandidates = 1000;

// An error answer (RFC 7644 §3.12): the HTTP status, scimType (may be empty) and detail.
struct Error {
  int status = 400;
  std::string scim_type;
  std::string detail;
};

std::string ErrorBody(const Error &error);

// The body parsed as JSON, or nullopt: not JSON, or nested deeper than kMaxJsonDepth (checked
// on the text before parsing, so a hostile body cannot exhaust the stack). Never throws.
std::optional<Json> ParseBody(std::string_view text);

// A ListResponse of `resources` (one page); the numbers are JSON numbers.
std::string ListBody(long long total, long long start_index, const std::vector<Json> &resources);

// startIndex (1-based, default 1, values below 1 are 1) and count (default and at most
// kMaxPageSize, values below 0 are 0) from a query; false for a value that is not a number.
struct Paging {
  long long start_index = 1;
  long long count = kMaxPageSize;
};
bool ParsePaging(const std::string *start_index, const std::string *count, Paging &out);

// "2026-11-22T03:30:45.123Z"
std::string IsoTime(int64_t ms);
// W/"<version>"
std::string ETagOf(long long version);

// ASCII lower case: how userName and email are compared (the store's keys use it).
std::string AsciiLower(std::string_view text);
bool EqualsNoCase(std::string_view a, std::string_view b);

}  // namespace sso::scim
