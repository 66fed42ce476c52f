#include "session/record.h"

#include <simdjson.h>

#include <cstdint>
#include <map>
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

namespace {

// A known field of the wrong type fails the whole record; unknown fields are skipped.
bool ReadStringField(simdjson::dom::element value, std::string &out) {
  std::string_view text;
  if (value.get_string().get(text)) return false;
  out.assign(text);
  return true;
}

bool ReadListField(simdjson::dom::element value, std::vector<std::string> &out) {
  simdjson::dom::array items;
  if (value.get_array().get(items) || items.size() > kMaxListItems) return false;
  out.clear();
  for (simdjson::dom::element item : items) {
    std::string_view text;
    if (item.get_string().get(text)) return false;
    out.emplace_back(text);
  }
  return true;
}

bool ReadAttributes(simdjson::dom::element value, std::map<std::string, std::string> &out) {
  simdjson::dom::object attrs;
  if (value.get_object().get(attrs)) return false;
  out.clear();
  for (simdjson::dom::key_value_pair field : attrs) {
    std::string_view text;
    if (field.value.get_string().get(text)) return false;
    out.insert_or_assign(std::string(field.key), std::string(text));
    if (out.size() > kMaxListItems) return false;
  }
  return true;
}

bool ReadLogoutRefs(simdjson::dom::element value, LogoutRefs &out) {
  simdjson::dom::object lo;
  if (value.get_object().get(lo)) return false;
  for (simdjson::dom::key_value_pair field : lo) {
    std::string *target = field.key == "sid"   ? &out.sid
                          : field.key == "idt" ? &out.id_token
                          : field.key == "nf"  ? &out.name_id_format
                          : field.key == "nq"  ? &out.name_qualifier
                          : field.key == "spq" ? &out.sp_name_qualifier
                          : field.key == "si"  ? &out.session_index
                                               : nullptr;
    if (target && !ReadStringField(field.value, *target)) return false;
  }
  return true;
}

// An integer written as one (1.0 is not the version 1), within int64.
bool ReadIntegerField(simdjson::dom::element value, int64_t &out) {
  const auto type = value.type();
  return (type == simdjson::dom::element_type::INT64 ||
          type == simdjson::dom::element_type::UINT64) &&
         !value.get_int64().get(out);
}

// One parser per thread (a worker has one): its buffers are reused, so a record costs no
// allocation in the parser. simdjson reads a little past the end of its input: the record is
// copied into a padded buffer first.
struct RecordParser {
  simdjson::dom::parser parser;
  std::string padded;
};

}  // namespace

// simdjson rather than a document tree: the gate parses a record on every cache miss, and
// with cache=0 on every request; it validates UTF-8 and the JSON grammar as strictly.
std::optional<SessionRecord> ParseRecord(std::string_view json) {
  if (json.empty() || json.size() > kMaxRecordBytes) return std::nullopt;
  thread_local RecordParser state;
  state.padded.assign(json);
  state.padded.resize(json.size() + simdjson::SIMDJSON_PADDING);
  simdjson::dom::object top;
  if (state.parser.parse(state.padded.data(), json.size(), false).get_object().get(top))
    return std::nullopt;

  SessionRecord record;
  Identity &id = record.identity;
  bool version_ok = false, have_created = false, have_expires = false;
  for (simdjson::dom::key_value_pair field : top) {
    std::string_view key = field.key;
    simdjson::dom::element value = field.value;
    bool ok = true;
    if (key == "v") {
      int64_t v = 0;
      ok = ReadIntegerField(value, v);
      version_ok = ok && v == kRecordVersion;
    } else if (key == "provider")
      ok = ReadStringField(value, id.provider);
    else if (key == "subject")
      ok = ReadStringField(value, id.subject);
    else if (key == "issuer")
      ok = ReadStringField(value, id.issuer);
    else if (key == "user")
      ok = ReadStringField(value, id.user);
    else if (key == "email")
      ok = ReadStringField(value, id.email);
    else if (key == "name")
      ok = ReadStringField(value, id.name);
    else if (key == "groups")
      ok = ReadListField(value, id.groups);
    else if (key == "roles")
      ok = ReadListField(value, id.roles);
    else if (key == "attrs")
      ok = ReadAttributes(value, id.attributes);
    else if (key == "lo")
      ok = ReadLogoutRefs(value, record.logout);
    else if (key == "created") {
      ok = ReadIntegerField(value, record.created_ms);
      have_created = ok;
    } else if (key == "expires") {
      ok = ReadIntegerField(value, record.expires_ms);
      have_expires = ok;
    }
    if (!ok) return std::nullopt;
  }
  if (!version_ok || !have_created || !have_expires) return std::nullopt;
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
