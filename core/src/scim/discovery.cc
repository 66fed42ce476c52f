#include "scim/discovery.h"

#include <vector>

#include "scim/protocol.h"

namespace sso::scim {
namespace {

std::string Dump(const Json &j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

// One attribute definition (RFC 7643 §7).
Json Attribute(std::string_view name, std::string_view type, bool multi = false,
               bool required = false, std::string_view mutability = "readWrite",
               std::string_view uniqueness = "none", bool case_exact = false,
               std::vector<Json> sub = {}) {
  Json a = {{"name", name},
            {"type", type},
            {"multiValued", multi},
            {"description", ""},
            {"required", required},
            {"mutability", mutability},
            {"returned", name == "password" ? "never" : "default"},
            {"uniqueness", uniqueness}};
  if (type == "string" || type == "reference") a["caseExact"] = case_exact;
  if (!sub.empty()) a["subAttributes"] = std::move(sub);
  return a;
}

Json MultiValued(std::string_view name) {
  return Attribute(name, "complex", true, false, "readWrite", "none", false,
                   {Attribute("value", "string"), Attribute("display", "string"),
                    Attribute("type", "string"), Attribute("primary", "boolean")});
}

Json Schema(std::string_view base, std::string_view id, std::string_view name,
            std::vector<Json> attributes) {
  return {{"schemas", {"urn:ietf:params:scim:schemas:core:2.0:Schema"}},
          {"id", id},
          {"name", name},
          {"description", std::string(name) + " resource"},
          {"attributes", std::move(attributes)},
          {"meta",
           {{"resourceType", "Schema"},
            {"location", std::string(base) + "/Schemas/" + std::string(id)}}}};
}

std::vector<Json> AllSchemas(std::string_view base) {
  Json name =
      Attribute("name", "complex", false, false, "readWrite", "none", false,
                {Attribute("formatted", "string"), Attribute("familyName", "string"),
                 Attribute("givenName", "string"), Attribute("middleName", "string"),
                 Attribute("honorificPrefix", "string"), Attribute("honorificSuffix", "string")});
  Json addresses =
      Attribute("addresses", "complex", true, false, "readWrite", "none", false,
                {Attribute("formatted", "string"), Attribute("streetAddress", "string"),
                 Attribute("locality", "string"), Attribute("region", "string"),
                 Attribute("postalCode", "string"), Attribute("country", "string"),
                 Attribute("type", "string"), Attribute("primary", "boolean")});
  Json groups = Attribute("groups", "complex", true, false, "readOnly", "none", false,
                          {Attribute("value", "string", false, false, "readOnly"),
                           Attribute("display", "string", false, false, "readOnly")});
  std::vector<Json> user = {Attribute("userName", "string", false, true, "readWrite", "server"),
                            name,
                            Attribute("displayName", "string"),
                            Attribute("nickName", "string"),
                            Attribute("profileUrl", "reference"),
                            Attribute("title", "string"),
                            Attribute("userType", "string"),
                            Attribute("preferredLanguage", "string"),
                            Attribute("locale", "string"),
                            Attribute("timezone", "string"),
                            Attribute("active", "boolean"),
                            Attribute("password", "string", false, false, "writeOnly"),
                            MultiValued("emails"),
                            MultiValued("phoneNumbers"),
                            MultiValued("ims"),
                            MultiValued("photos"),
                            addresses,
                            groups,
                            MultiValued("entitlements"),
                            MultiValued("roles"),
                            MultiValued("x509Certificates")};
  Json manager = Attribute("manager", "complex", false, false, "readWrite", "none", false,
                           {Attribute("value", "string"), Attribute("$ref", "reference"),
                            Attribute("displayName", "string", false, false, "readOnly")});
  std::vector<Json> enterprise = {
      Attribute("employeeNumber", "string"), Attribute("costCenter", "string"),
      Attribute("organization", "string"),   Attribute("division", "string"),
      Attribute("department", "string"),     manager};
  std::vector<Json> group = {
      Attribute("displayName", "string", false, true),
      Attribute("members", "complex", true, false, "readWrite", "none", false,
                {Attribute("value", "string", false, false, "immutable"),
                 Attribute("$ref", "reference", false, false, "immutable"),
                 Attribute("type", "string", false, false, "immutable")})};
  return {Schema(base, kUserSchema, "User", std::move(user)),
          Schema(base, kEnterpriseSchema, "EnterpriseUser", std::move(enterprise)),
          Schema(base, kGroupSchema, "Group", std::move(group))};
}

std::vector<Json> AllResourceTypes(std::string_view base) {
  auto type = [&](std::string_view name, std::string_view endpoint, std::string_view schema) {
    Json t = {{"schemas", {"urn:ietf:params:scim:schemas:core:2.0:ResourceType"}},
              {"id", name},
              {"name", name},
              {"endpoint", endpoint},
              {"description", name},
              {"schema", schema},
              {"meta",
               {{"resourceType", "ResourceType"},
                {"location", std::string(base) + "/ResourceTypes/" + std::string(name)}}}};
    if (name == "User")
      t["schemaExtensions"] = {{{"schema", kEnterpriseSchema}, {"required", false}}};
    return t;
  };
  return {type("User", "/Users", kUserSchema), type("Group", "/Groups", kGroupSchema)};
}

}  // namespace

std::string ServiceProviderConfigBody(std::string_view base) {
  Json config = {
      {"schemas", {"urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"}},
      {"patch", {{"supported", true}}},
      {"bulk", {{"supported", false}, {"maxOperations", 0}, {"maxPayloadSize", 0}}},
      {"filter", {{"supported", true}, {"maxResults", kMaxPageSize}}},
      {"changePassword", {{"supported", false}}},
      {"sort", {{"supported", false}}},
      {"etag", {{"supported", true}}},
      {"authenticationSchemes",
       {{{"type", "oauthbearertoken"},
         {"name", "OAuth Bearer Token"},
         {"description", "The bearer token of the provider's scim_token_file (RFC 6750)"},
         {"primary", true}}}},
      {"meta",
       {{"resourceType", "ServiceProviderConfig"},
        {"location", std::string(base) + "/ServiceProviderConfig"}}}};
  return Dump(config);
}

std::optional<std::string> ResourceTypesBody(std::string_view base, std::string_view name) {
  std::vector<Json> types = AllResourceTypes(base);
  if (name.empty()) return ListBody(static_cast<long long>(types.size()), 1, types);
  for (const auto &t : types)
    if (t["id"] == name) return Dump(t);
  return std::nullopt;
}

std::optional<std::string> SchemasBody(std::string_view base, std::string_view urn) {
  std::vector<Json> schemas = AllSchemas(base);
  if (urn.empty()) return ListBody(static_cast<long long>(schemas.size()), 1, schemas);
  for (const auto &s : schemas)
    if (s["id"] == urn) return Dump(s);
  return std::nullopt;
}

}  // namespace sso::scim
