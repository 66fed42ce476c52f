// SCIM filters (RFC 7644 §3.4.2.2), the subset identity providers send: comparisons with
// "eq" joined by "and". Used for the Users endpoint's `filter` parameter and for the value
// filters inside PATCH paths (emails[type eq "work"]).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scim/protocol.h"

namespace sso::scim {

struct Comparison {
  std::string attribute;  // as written, without a core schema URN prefix
  Json value;             // a string, a boolean or a number
};

// `attr eq value [and attr eq value]...`, operators and "and" in any case; nullopt for any
// other form (or, not, parentheses, other operators, a value that is not a JSON literal).
std::optional<std::vector<Comparison>> ParseConjunction(std::string_view text);

// What the Users endpoint can look up: userName, externalId or emails.value, each equal to a
// string. kind 'n' (userName), 'x' (externalId), 'e' (emails.value).
struct UserTerm {
  char kind;
  std::string value;
};
// nullopt: 400 invalidFilter.
std::optional<std::vector<UserTerm>> ParseUserFilter(std::string_view filter);

}  // namespace sso::scim
