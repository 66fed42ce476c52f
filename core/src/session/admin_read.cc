#include "session/admin_read.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "engine/engine.h"
#include "engine/flow_steps.h"
#include "engine/store_keys.h"
#include "engine/txn.h"
#include "session/admin_revoke.h"
#include "session/record.h"
#include "text/views.h"

namespace sso {
namespace {

using Json = nlohmann::json;

// KEYS: the index. ARGV: key prefix, the most members to read. Reads only: no TTL slides.
// Returns {"t": truncated, "s": [[digest, record, pttl]...]} (an empty "s" is encoded {}).
constexpr const char *kReadSessionsScript =
    "local out, n, limit = {}, 0, tonumber(ARGV[2]) "
    "for _, digest in ipairs(redis.call('smembers', KEYS[1])) do "
    "if #digest == 64 and not string.find(digest, '[^0-9a-f]') then "
    "n = n + 1 "
    "if n > limit then break end "
    "local key = ARGV[1] .. 's:' .. digest "
    "local record = redis.call('get', key) "
    "if record then table.insert(out, {digest, record, redis.call('pttl', key)}) end end end "
    "return cjson.encode({t = n > limit, s = out})";

std::string Lower(std::string_view text) {
  std::string lower(text);
  for (char &c : lower)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return lower;
}

// The index may still hold a session of someone else only for a subject (a provider's index
// is shared by the script's subject check); the others hold what their logins wrote.
bool Named(const AdminReadState &read, const Identity &identity) {
  switch (read.by) {
    case SSO_ADMIN_BY_SUBJECT:
      return identity.provider == read.provider && identity.subject == read.value;
    case SSO_ADMIN_BY_USER:
      return identity.user == read.value;
    case SSO_ADMIN_BY_EMAIL:
      return Lower(identity.email) == Lower(read.value);
  }
  return false;
}

void Answer(sso_txn &txn, const Json &answer, sso_step &out) {
  txn.output.body = answer.dump(-1, ' ', false, Json::error_handler_t::replace);
  txn.output.content_type = "application/json";
  out.kind = SSO_STEP_PAGE;
  out.reason = SSO_OK;
  out.http_status = 200;
  out.content_type = Str(txn.output.content_type);
  out.body = Str(txn.output.body);
}

void SessionsAnswer(sso_txn &txn, const AdminReadState &read, const sso_store_reply &reply,
                    sso_step &out) {
  Json parsed = reply.type == SSO_REPLY_STRING
                    ? Json::parse(View(reply.str), nullptr, /*allow_exceptions=*/false)
                    : Json();
  if (!parsed.is_object() || !parsed["t"].is_boolean())
    return FlowFail(txn, SSO_STORE_UNEXPECTED_REPLY, out);
  const int64_t idle_ms = txn.engine.settings.idle_ms;
  Json sessions = Json::array();
  const Json &found = parsed["s"];
  for (const Json &entry : found.is_array() ? found : Json::array()) {
    if (!entry.is_array() || entry.size() != 3 || !entry[0].is_string() || !entry[1].is_string() ||
        !entry[2].is_number_integer())
      return FlowFail(txn, SSO_STORE_UNEXPECTED_REPLY, out);
    auto record = ParseRecord(entry[1].get<std::string>());
    if (!record || !Named(read, record->identity)) continue;
    const Identity &id = record->identity;
    Json session = {{"session", entry[0].get<std::string>().substr(0, 12)},
                    {"provider", id.provider},
                    {"subject", id.subject},
                    {"user", id.user},
                    {"email", id.email},
                    {"name", id.name},
                    {"created_ms", record->created_ms},
                    {"expires_ms", record->expires_ms}};
    int64_t pttl = entry[2].get<int64_t>();
    if (pttl >= 0) {
      session["idle_expires_ms"] = read.now_ms + pttl;
      // every read by a worker (GETEX) set the TTL to the idle timeout
      if (idle_ms > 0 && pttl <= idle_ms)
        session["last_seen_ms"] = std::max(record->created_ms, read.now_ms + pttl - idle_ms);
    }
    sessions.push_back(std::move(session));
  }
  std::sort(sessions.begin(), sessions.end(), [](const Json &a, const Json &b) {
    return a["created_ms"].get<int64_t>() < b["created_ms"].get<int64_t>();
  });
  Answer(txn, Json{{"sessions", std::move(sessions)}, {"truncated", parsed["t"].get<bool>()}}, out);
}

void AccountAnswer(sso_txn &txn, const AdminReadState &read,
                   std::span<const sso_store_reply> replies, sso_step &out) {
  if (replies[0].type == SSO_REPLY_NIL) return Answer(txn, Json{{"found", false}}, out);
  Json record = replies[0].type == SSO_REPLY_STRING
                    ? Json::parse(View(replies[0].str), nullptr, /*allow_exceptions=*/false)
                    : Json();
  if (!record.is_object() || !record["user_id"].is_string())
    return FlowFail(txn, SSO_STORE_UNEXPECTED_REPLY, out);
  Json answer = {{"found", true},
                 {"issuer", read.issuer},
                 {"subject", read.value},
                 {"user", record["user_id"]},
                 {"roles", record["roles"].is_array() ? record["roles"] : Json::array()}};
  if (record["at"].is_number_integer()) answer["provisioned_ms"] = record["at"];
  if (replies[1].type == SSO_REPLY_INTEGER && replies[1].integer >= 0)
    answer["expires_ms"] = read.now_ms + replies[1].integer;
  Answer(txn, answer, out);
}

}  // namespace

void AdminSessionsBegin(sso_txn &txn, sso_admin_by by, std::string_view provider,
                        std::string_view value, int64_t now_ms, sso_step &out) {
  out = sso_step{};
  const auto &prefix = txn.engine.settings.key_prefix;
  auto &read = txn.flow.emplace<AdminReadState>();
  read.stage = AdminReadState::Stage::kSessions;
  read.by = by;
  read.provider = std::string(provider);
  read.value = std::string(value);
  read.now_ms = now_ms;
  std::vector<StoreCommand> commands;
  commands.push_back(StoreCommand{"EVAL", kReadSessionsScript, "1",
                                  AdminIndexKey(prefix, by, provider, value), prefix,
                                  std::to_string(kAdminListLimit)});
  FlowStore(txn, std::move(commands), out);
}

void AdminAccountBegin(sso_txn &txn, std::string_view issuer, std::string_view subject,
                       int64_t now_ms, sso_step &out) {
  out = sso_step{};
  auto &read = txn.flow.emplace<AdminReadState>();
  read.stage = AdminReadState::Stage::kAccount;
  read.issuer = std::string(issuer);
  read.value = std::string(subject);
  read.now_ms = now_ms;
  std::string key = AccountKey(txn.engine.settings.key_prefix, issuer, subject);
  std::vector<StoreCommand> commands;
  commands.push_back(StoreCommand{"GET", key});
  commands.push_back(StoreCommand{"PTTL", key});
  FlowStore(txn, std::move(commands), out);
}

void AdminReadResumeStore(sso_txn &txn, AdminReadState &read,
                          std::span<const sso_store_reply> replies, sso_step &out) {
  out = sso_step{};
  sso_status why = SSO_ERR_BAD_STATE;
  if (FlowStoreFailed(replies, why)) return FlowFail(txn, why, out);
  AdminReadState state = EndFlow<AdminReadState>(txn.flow);
  if (state.stage == AdminReadState::Stage::kSessions && replies.size() == 1)
    return SessionsAnswer(txn, state, replies[0], out);
  if (state.stage == AdminReadState::Stage::kAccount && replies.size() == 2)
    return AccountAnswer(txn, state, replies, out);
  FlowFail(txn, SSO_ERR_BAD_STATE, out);
}

}  // namespace sso
