#include "scim/user.h"

#include <algorithm>

#include "text/http_text.h"

namespace sso::scim {
namespace {

// RFC 7643 §4.1 and §4.3 attribute and sub-attribute names, in their canonical case.
constexpr std::string_view kKnownNames[] = {"userName",
                                            "name",
                                            "displayName",
                                            "nickName",
                                            "profileUrl",
                                            "title",
                                            "userType",
                                            "preferredLanguage",
                                            "locale",
                                            "timezone",
                                            "active",
                                            "password",
                                            "emails",
                                            "phoneNumbers",
                                            "ims",
                                            "photos",
                                            "addresses",
                                            "groups",
                                            "entitlements",
                                            "roles",
                                            "x509Certificates",
                                            "externalId",
                                            "id",
                                            "meta",
                                            "schemas",
                                            "formatted",
                                            "familyName",
                                            "givenName",
                                            "middleName",
                                            "honorificPrefix",
                                            "honorificSuffix",
                                            "value",
                                            "display",
                                            "type",
                                            "primary",
                                            "streetAddress",
                                            "locality",
                                            "region",
                                            "postalCode",
                                            "country",
                                            "employeeNumber",
                                            "costCenter",
                                            "organization",
                                            "division",
                                            "department",
                                            "manager",
                                            "$ref"};

// A member's string value; empty when absent or not a string (input is never trusted).
std::string Text(const Json &object, std::string_view key) {
  if (!object.is_object()) return {};
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

template <class T>
T Number(const Json &object, std::string_view key, T fallback) {
  auto it = object.find(key);
  return it != object.end() && it->is_number_integer() ? it->get<T>() : fallback;
}

bool Flag(const Json &object, std::string_view key, bool fallback) {
  auto it = object.find(key);
  return it != object.end() && it->is_boolean() ? it->get<bool>() : fallback;
}

// "True" / "false" in any case as a boolean (Entra ID sends strings), else nullopt.
std::optional<bool> Boolean(const Json &value) {
  if (value.is_boolean()) return value.get<bool>();
  if (value.is_string()) {
    const auto &s = value.get_ref<const std::string &>();
    if (EqualsNoCase(s, "true")) return true;
    if (EqualsNoCase(s, "false")) return false;
  }
  return std::nullopt;
}

// Drops nulls and makes "primary" booleans, at every level.
void Tidy(Json &value) {
  if (value.is_object()) {
    for (auto it = value.begin(); it != value.end();) {
      if (it->is_null()) {
        it = value.erase(it);
        continue;
      }
      if (it.key() == "primary") {
        if (auto b = Boolean(*it)) *it = *b;
      }
      Tidy(*it);
      ++it;
    }
  } else if (value.is_array()) {
    for (auto &item : value) Tidy(item);
    value.erase(
        std::remove_if(value.begin(), value.end(), [](const Json &v) { return v.is_null(); }),
        value.end());
  }
}

bool Identifier(const Json &value) {
  if (!value.is_string()) return false;
  const auto &s = value.get_ref<const std::string &>();
  return !s.empty() && s.size() <= kMaxIdentifierBytes && !HasControlCharacter(s);
}

bool Fail(Error &error, int status, std::string scim_type, std::string detail) {
  error = {status, std::move(scim_type), std::move(detail)};
  return false;
}

}  // namespace

std::string CanonicalName(std::string_view name) {
  for (std::string_view known : kKnownNames)
    if (EqualsNoCase(known, name)) return std::string(known);
  if (EqualsNoCase(name, kEnterpriseSchema)) return std::string(kEnterpriseSchema);
  return std::string(name);
}

Json Canonicalize(const Json &value) {
  if (value.is_object()) {
    Json out = Json::object();
    for (const auto &[key, item] : value.items()) out[CanonicalName(key)] = Canonicalize(item);
    return out;
  }
  if (value.is_array()) {
    Json out = Json::array();
    for (const auto &item : value) out.push_back(Canonicalize(item));
    return out;
  }
  return value;
}

bool SanitizeUser(const Json &input, Json &attributes, std::optional<bool> &active, Error &error) {
  if (!input.is_object()) return Fail(error, 400, "invalidSyntax", "a User is a JSON object");
  Json r = Canonicalize(input);
  for (const char *ours : {"id", "meta", "schemas", "password", "groups"}) r.erase(ours);
  Tidy(r);

  active.reset();
  if (auto it = r.find("active"); it != r.end()) {
    active = Boolean(*it);
    if (!active) return Fail(error, 400, "invalidValue", "active must be a boolean");
    r.erase(it);
  }
  auto user_name = r.find("userName");
  if (user_name == r.end() || !Identifier(*user_name))
    return Fail(error, 400, "invalidValue",
                "userName is required: a string of 1 to 256 characters without control characters");
  if (auto it = r.find("externalId"); it != r.end()) {
    if (it->is_string() && it->get_ref<const std::string &>().empty())
      r.erase(it);
    else if (!Identifier(*it))
      return Fail(error, 400, "invalidValue",
                  "externalId must be a string of 1 to 256 characters without control characters");
  }
  if (auto it = r.find("emails"); it != r.end()) {
    if (!it->is_array() || it->size() > kMaxEmails)
      return Fail(error, 400, "invalidValue", "emails must be a list of at most 20 addresses");
    for (const auto &email : *it) {
      auto value = email.is_object() ? email.find("value") : email.end();
      if (!email.is_object() || value == email.end() || !Identifier(*value))
        return Fail(error, 400, "invalidValue",
                    "each email needs a value of 1 to 256 characters without control characters");
    }
  }
  if (r.dump(-1, ' ', false, Json::error_handler_t::replace).size() > kMaxUserBytes)
    return Fail(error, 413, "", "the User is larger than 32 KiB");
  attributes = std::move(r);
  return true;
}

std::string SerializeStoredUser(const StoredUser &u) {
  Json j = {{"id", u.id},
            {"v", u.version},
            {"created", u.created_ms},
            {"modified", u.modified_ms},
            {"active", u.active},
            {"keys", u.keys},
            {"r", u.attributes}};
  if (u.deleted) j["deleted"] = true;
  if (!u.app_user.empty()) j["app_user"] = u.app_user;
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::optional<StoredUser> StoredUserFromJson(const Json &j) {
  if (!j.is_object()) return std::nullopt;
  auto id = j.find("id");
  auto v = j.find("v");
  auto r = j.find("r");
  auto keys = j.find("keys");
  if (id == j.end() || !id->is_string() || v == j.end() || !v->is_number_integer() ||
      r == j.end() || !r->is_object() || keys == j.end() || !keys->is_array())
    return std::nullopt;
  StoredUser u;
  u.id = id->get<std::string>();
  u.version = v->get<long long>();
  u.created_ms = Number<int64_t>(j, "created", 0);
  u.modified_ms = Number<int64_t>(j, "modified", u.created_ms);
  u.active = Flag(j, "active", true);
  u.deleted = Flag(j, "deleted", false);
  u.app_user = Text(j, "app_user");
  for (const auto &k : *keys)
    if (k.is_string()) u.keys.push_back(k.get<std::string>());
  u.attributes = *r;
  return u;
}

std::optional<StoredUser> ParseStoredUser(std::string_view text) {
  if (text.size() > 2 * kMaxUserBytes) return std::nullopt;
  Json j = Json::parse(text, nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  return StoredUserFromJson(j);
}

Json RenderUser(const StoredUser &u, std::string_view base) {
  Json out = u.attributes;
  Json schemas = {kUserSchema};
  if (out.contains(kEnterpriseSchema)) schemas.push_back(kEnterpriseSchema);
  out["schemas"] = std::move(schemas);
  out["id"] = u.id;
  out["active"] = u.active;
  out["meta"] = {{"resourceType", "User"},
                 {"created", IsoTime(u.created_ms)},
                 {"lastModified", IsoTime(u.modified_ms)},
                 {"version", ETagOf(u.version)},
                 {"location", std::string(base) + "/Users/" + u.id}};
  return out;
}

MatchValues MatchValuesOf(const Json &attributes) {
  MatchValues out;
  out.user_name = Text(attributes, "userName");
  out.user_name_lower = AsciiLower(out.user_name);
  out.external_id = Text(attributes, "externalId");
  if (auto emails = attributes.find("emails"); emails != attributes.end() && emails->is_array())
    for (const auto &email : *emails) {
      std::string value = AsciiLower(Text(email, "value"));
      if (value.empty()) continue;
      if (std::find(out.emails.begin(), out.emails.end(), value) == out.emails.end())
        out.emails.push_back(std::move(value));
    }
  return out;
}

std::string PrimaryEmail(const Json &attributes) {
  auto emails = attributes.find("emails");
  if (emails == attributes.end() || !emails->is_array()) return {};
  std::string first;
  for (const auto &email : *emails) {
    std::string value = Text(email, "value");
    if (value.empty()) continue;
    if (email.is_object() && Flag(email, "primary", false)) return value;
    if (first.empty()) first = value;
  }
  return first;
}

std::string DisplayName(const Json &attributes) {
  if (std::string d = Text(attributes, "displayName"); !d.empty()) return d;
  auto name = attributes.find("name");
  if (name == attributes.end()) return {};
  if (std::string f = Text(*name, "formatted"); !f.empty()) return f;
  std::string given = Text(*name, "givenName"), family = Text(*name, "familyName");
  return given.empty() ? family : family.empty() ? given : given + " " + family;
}

}  // namespace sso::scim
