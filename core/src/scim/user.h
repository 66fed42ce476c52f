// The SCIM User resource (RFC 7643 §4.1) as this service provider keeps it: what a client's
// body becomes (checked, bounded, attribute names in their canonical case), the record in
// the store, and the resource as SCIM answers it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scim/protocol.h"

namespace sso::scim {

inline constexpr size_t kMaxUserBytes = 32 * 1024;  // a stored resource, serialized
inline constexpr size_t kMaxIdentifierBytes = 256;  // userName, externalId, an email
inline constexpr size_t kMaxEmails = 20;

// Attribute names are case-insensitive (RFC 7643 §2.1): a known one in its canonical case
// ("USERNAME" -> "userName", the enterprise extension's URN), anything else as it is.
std::string CanonicalName(std::string_view name);
// `value` with every object key made canonical (later duplicates win).
Json Canonicalize(const Json &value);

// A client's User (POST, PUT, or a PATCH's result) made into the attributes we keep: keys
// canonical, nulls dropped, "True"/"False" strings of `active` and `primary` made booleans
// (Entra ID's older dialect); without id, meta, schemas (ours to set), groups (read-only
// here) and password (write-only: never kept). `active` is taken out (nullopt: absent).
// Checks userName (required), externalId, emails and the size; false with the error.
bool SanitizeUser(const Json &input, Json &attributes, std::optional<bool> &active, Error &error);

// A user as stored: one JSON string under its record key.
struct StoredUser {
  std::string id;
  long long version = 1;
  int64_t created_ms = 0;
  int64_t modified_ms = 0;
  bool active = true;
  bool deleted = false;           // DELETE: gone from SCIM, kept to refuse the person's logins
  std::string app_user;           // the app's user id, from its answer to "provision"
  std::vector<std::string> keys;  // the index sets the record is a member of
  Json attributes = Json::object();
};

std::string SerializeStoredUser(const StoredUser &user);
std::optional<StoredUser> StoredUserFromJson(const Json &json);
std::optional<StoredUser> ParseStoredUser(std::string_view text);

// The resource as SCIM answers it: schemas, id, the attributes, active, meta (its location
// under `base`, ".../scim/v2/<provider>").
Json RenderUser(const StoredUser &user, std::string_view base);

// What logins are matched against (README "SCIM 2.0", the matching rule): userName and the
// emails in ASCII lower case, externalId as it is.
struct MatchValues {
  std::string user_name;  // as given (an exact subject)
  std::string user_name_lower;
  std::string external_id;
  std::vector<std::string> emails;  // lower case, no duplicates
};
MatchValues MatchValuesOf(const Json &attributes);

// The primary email (else the first), for the app's hook; empty when none.
std::string PrimaryEmail(const Json &attributes);
// displayName, else name.formatted, else givenName and familyName; may be empty.
std::string DisplayName(const Json &attributes);

}  // namespace sso::scim
