#include "session/record.h"

#include <nlohmann/json.hpp>

#include "text/http_text.h"

namespace sso {
namespace {

using Json = nlohmann::json;

constexpr int kRecordVersion = 1;
constexpr size_t kMaxListItems = 512;

bool AnyControl(const std::vector<std::string> &items) {
  for (const auto &item : items)
    if (HasControlCharacter(item)) return true;
  return false;
}

bool ReadString(const Json &object, const char *key, std::string &out) {
  auto it = object.find(key);
  if (it == object.end()) return true;  // optional
  if (!it->is_string()) return false;
  out = it->get<std::string>();
  return true;
}

bool ReadList(const Json &object, const char *key, std::vector<std::string> &out) {
  auto it = object.find(key);
  if (it == object.end()) return true;
  if (!it->is_array() || it->size() > kMaxListItems) return false;
  for (const auto &item : *it) {
    if (!item.is_string()) return false;
    out.push_back(item.get<std::string>());
  }
  return true;
}

}  // namespace

sso_status ValidateIdentity(const Identity &identity) {
  if (identity.provider.empty()) return SSO_IDENTITY_MISSING_PROVIDER;
  if (identity.subject.empty()) return SSO_IDENTITY_MISSING_SUBJECT;
  for (const std::string *field : {&identity.provider, &identity.subject, &identity.issuer,
                                   &identity.user, &identity.email, &identity.name}) {
    if (HasControlCharacter(*field)) return SSO_IDENTITY_BAD_CHARACTER;
  }
  if (AnyControl(identity.groups) || AnyControl(identity.roles)) return SSO_IDENTITY_BAD_CHARACTER;
  if (identity.groups.size() > kMaxListItems || identity.roles.size() > kMaxListItems)
    return SSO_IDENTITY_TOO_LARGE;
  for (const auto &[name, value] : identity.attributes) {
    if (name.empty() || HasControlCharacter(name) || HasControlCharacter(value))
      return SSO_IDENTITY_BAD_CHARACTER;
  }
  return SSO_OK;
}

std::string SerializeRecord(const SessionRecord &record) {
  const Identity &id = record.identity;
  Json j = {{"v", kRecordVersion},
            {"provider", id.provider},
            {"subject", id.subject},
            {"issuer", id.issuer},
            {"user", id.user},
            {"email", id.email},
            {"name", id.name},
            {"groups", id.groups},
            {"roles", id.roles},
            {"attrs", id.attributes},
            {"created", record.created_ms},
            {"expires", record.expires_ms}};
  if (const LogoutRefs &lo = record.logout; !lo.empty()) {
    j["lo"] = {{"sid", lo.sid},           {"idt", lo.id_token},          {"nf", lo.name_id_format},
               {"nq", lo.name_qualifier}, {"spq", lo.sp_name_qualifier}, {"si", lo.session_index}};
  }
  // Invalid UTF-8 is replaced rather than thrown on: the record must always serialize.
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::optional<SessionRecord> ParseRecord(std::string_view json) {
  if (json.empty() || json.size() > kMaxRecordBytes) return std::nullopt;
  Json j = Json::parse(json.begin(), json.end(), nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return std::nullopt;
  auto version = j.find("v");
  if (version == j.end() || !version->is_number_integer() || *version != kRecordVersion)
    return std::nullopt;

  SessionRecord record;
  Identity &id = record.identity;
  if (!ReadString(j, "provider", id.provider) || !ReadString(j, "subject", id.subject) ||
      !ReadString(j, "issuer", id.issuer) || !ReadString(j, "user", id.user) ||
      !ReadString(j, "email", id.email) || !ReadString(j, "name", id.name) ||
      !ReadList(j, "groups", id.groups) || !ReadList(j, "roles", id.roles))
    return std::nullopt;

  if (auto attrs = j.find("attrs"); attrs != j.end()) {
    if (!attrs->is_object() || attrs->size() > kMaxListItems) return std::nullopt;
    for (const auto &[name, value] : attrs->items()) {
      if (!value.is_string()) return std::nullopt;
      id.attributes.emplace(name, value.get<std::string>());
    }
  }
  if (auto lo = j.find("lo"); lo != j.end()) {
    LogoutRefs &refs = record.logout;
    if (!lo->is_object() || !ReadString(*lo, "sid", refs.sid) ||
        !ReadString(*lo, "idt", refs.id_token) || !ReadString(*lo, "nf", refs.name_id_format) ||
        !ReadString(*lo, "nq", refs.name_qualifier) ||
        !ReadString(*lo, "spq", refs.sp_name_qualifier) ||
        !ReadString(*lo, "si", refs.session_index))
      return std::nullopt;
  }
  auto created = j.find("created");
  auto expires = j.find("expires");
  if (created == j.end() || !created->is_number_integer() || expires == j.end() ||
      !expires->is_number_integer())
    return std::nullopt;
  record.created_ms = created->get<int64_t>();
  record.expires_ms = expires->get<int64_t>();

  // A record that could not have been written by us (e.g. CR/LF planted in the store) is refused.
  if (ValidateIdentity(id) != SSO_OK) return std::nullopt;
  return record;
}

std::string JoinList(const std::vector<std::string> &items) {
  std::string out;
  for (const auto &item : items) {
    if (!out.empty()) out.push_back(',');
    out += EscapeListItem(item);
  }
  return out;
}

}  // namespace sso
