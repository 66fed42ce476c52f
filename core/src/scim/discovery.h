// SCIM discovery (RFC 7644 §4): what this service provider supports, its resource types and
// their schemas, as JSON bodies. `base` is ".../scim/v2/<provider>" (meta.location).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sso::scim {

std::string ServiceProviderConfigBody(std::string_view base);

// The ListResponse of every resource type, or one of them by name ("User", "Group");
// nullopt for an unknown name.
std::optional<std::string> ResourceTypesBody(std::string_view base, std::string_view name);

// The ListResponse of every schema, or one by its URN; nullopt for an unknown one.
std::optional<std::string> SchemasBody(std::string_view base, std::string_view urn);

}  // namespace sso::scim
