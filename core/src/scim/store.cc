#include "scim/store.h"

#include <algorithm>

#include "scim/protocol.h"
#include "session/session_id.h"
#include "text/views.h"

namespace sso::scim {

// A record: nil when missing, false when unreadable (counted as live and inactive).
#define SCIM_LUA_LOAD                                            \
  "local function load(key) local raw = redis.call('get', key) " \
  "if not raw then return nil end "                              \
  "local ok, d = pcall(cjson.decode, raw) "                      \
  "if ok and type(d) == 'table' then return d end return false end "

// KEYS: record, all users, pending, the userName's set. ARGV: mode, expected version, record,
// score, pending event ('' leaves it, '-' deletes it), tombstone ttl.
const char kWriteUserScript[] = SCIM_LUA_LOAD
    "local mode, json = ARGV[1], ARGV[3] "
    "local new = cjson.decode(json) "
    "local old = load(KEYS[1]) "
    "if mode == 'create' then if old ~= nil then return 'exists' end "
    "else if not old or old.deleted then return 'gone' end "
    "if tostring(old.v) ~= ARGV[2] then return 'conflict' end end "
    "if mode ~= 'delete' then "
    "for _, k in ipairs(redis.call('smembers', KEYS[4])) do if k ~= KEYS[1] then "
    "local d = load(k) "
    "if d == nil then redis.call('srem', KEYS[4], k) "
    "elseif not d or not d.deleted then return 'taken' end end end end "
    "if mode == 'create' then for _, set in ipairs(new.keys) do "
    "for _, k in ipairs(redis.call('smembers', set)) do local d = load(k) "
    "if d == nil then redis.call('srem', set, k) "
    "elseif d and d.deleted then "
    "for _, s in ipairs(d.keys or {}) do redis.call('srem', s, k) end "
    "redis.call('del', k, k .. ':pending') end end end end "
    "if old then for _, s in ipairs(old.keys or {}) do redis.call('srem', s, KEYS[1]) end end "
    "for _, s in ipairs(new.keys) do redis.call('sadd', s, KEYS[1]) end "
    "if new.deleted then redis.call('set', KEYS[1], json, 'px', ARGV[6]) "
    "redis.call('zrem', KEYS[2], KEYS[1]) "
    "else redis.call('set', KEYS[1], json) redis.call('zadd', KEYS[2], ARGV[4], KEYS[1]) end "
    "if ARGV[5] == '-' then redis.call('del', KEYS[3]) "
    "elseif ARGV[5] ~= '' then redis.call('set', KEYS[3], ARGV[5], 'px', ARGV[6]) end "
    "return 'ok'";

namespace {

constexpr const char *kNameTakenScript = SCIM_LUA_LOAD
    "for _, k in ipairs(redis.call('smembers', KEYS[1])) do local d = load(k) "
    "if d == nil then redis.call('srem', KEYS[1], k) "
    "elseif not d or not d.deleted then return 1 end end return 0";

// KEYS: the seen sets. Every subject index in them, once, one per line.
constexpr const char *kSeenIndexesScript =
    "local out, named = {}, {} for _, set in ipairs(KEYS) do "
    "for _, s in ipairs(redis.call('smembers', set)) do "
    "if not named[s] then named[s] = true table.insert(out, s) end end end "
    "return table.concat(out, '\\n')";

constexpr const char *kClearPendingScript =
    "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end "
    "return 0";

// KEYS: all users. ARGV: start (0-based), count.
constexpr const char *kListUsersScript =
    "local total, out, n = redis.call('zcard', KEYS[1]), {}, tonumber(ARGV[2]) "
    "if n > 0 then local first = tonumber(ARGV[1]) "
    "for _, k in ipairs(redis.call('zrange', KEYS[1], first, first + n - 1)) do "
    "local raw = redis.call('get', k) "
    "if raw then table.insert(out, raw) else redis.call('zrem', KEYS[1], k) end end end "
    "return total .. '\\n[' .. table.concat(out, ',') .. ']'";

// KEYS: index sets. ARGV: the most candidates to look at.
constexpr const char *kFindUsersScript =
    "local least = nil for _, set in ipairs(KEYS) do local n = redis.call('scard', set) "
    "if not least or n < least then least = n end end "
    "if least > tonumber(ARGV[1]) then return 'toomany' end "
    "local out = {} "
    "for _, k in ipairs(redis.call('sinter', unpack(KEYS))) do "
    "local raw = redis.call('get', k) if raw then local ok, d = pcall(cjson.decode, raw) "
    "if ok and type(d) == 'table' and not d.deleted then table.insert(out, raw) end end end "
    "return '[' .. table.concat(out, ',') .. ']'";

bool Append(std::vector<std::string> &keys, std::string key) {
  if (std::find(keys.begin(), keys.end(), key) != keys.end()) return false;
  keys.push_back(std::move(key));
  return true;
}

bool ParseRecords(std::string_view text, std::vector<StoredUser> &users) {
  Json list = Json::parse(text, nullptr, false);
  if (!list.is_array()) return false;
  for (const auto &item : list)
    if (auto user = StoredUserFromJson(item)) users.push_back(std::move(*user));
  return true;
}

// "<prefix><kind><sha256(provider NUL value)>", as engine/store_keys.h names the session
// indexes.
std::string Key(const std::string &prefix, std::string_view kind, const std::string &provider,
                const std::string &value) {
  std::string id(provider);
  id.push_back('\0');
  id.append(value);
  return std::string(prefix).append(kind).append(Sha256Hex(id));
}

}  // namespace

std::string RecordKey(const std::string &prefix, const std::string &provider,
                      const std::string &id) {
  return Key(prefix, "scim:u:", provider, id);
}

std::string PendingKey(const std::string &record_key) { return record_key + ":pending"; }

std::string AllUsersKey(const std::string &prefix, const std::string &provider) {
  return Key(prefix, "scim:all:", provider, "");
}

std::string ValueKey(const std::string &prefix, const std::string &provider, char kind,
                     const std::string &value) {
  return Key(prefix, std::string("scim:") + kind + ":", provider, value);
}

std::string SeenKey(const std::string &prefix, const std::string &provider, char kind,
                    const std::string &value) {
  return Key(prefix, std::string("scim:seen:") + kind + ":", provider, value);
}

std::vector<std::string> IndexKeysOf(const std::string &prefix, const std::string &provider,
                                     const MatchValues &values) {
  std::vector<std::string> keys = {ValueKey(prefix, provider, 'n', values.user_name_lower)};
  if (!values.external_id.empty())
    Append(keys, ValueKey(prefix, provider, 'x', values.external_id));
  for (const auto &email : values.emails) Append(keys, ValueKey(prefix, provider, 'e', email));
  return keys;
}

std::vector<std::string> SeenKeysOf(const std::string &prefix, const std::string &provider,
                                    const MatchValues &values) {
  std::vector<std::string> keys;
  if (!values.external_id.empty()) Append(keys, SeenKey(prefix, provider, 'x', values.external_id));
  Append(keys, SeenKey(prefix, provider, 'n', values.user_name_lower));
  Append(keys, SeenKey(prefix, provider, 'e', values.user_name_lower));
  for (const auto &email : values.emails) Append(keys, SeenKey(prefix, provider, 'e', email));
  return keys;
}

StoreCommand WriteUser(const WriteArgs &a) {
  const char *mode = a.mode == WriteMode::kCreate    ? "create"
                     : a.mode == WriteMode::kReplace ? "replace"
                                                     : "delete";
  StoreCommand command{"EVAL",
                       kWriteUserScript,
                       "4",
                       a.record_key,
                       a.all_key,
                       PendingKey(a.record_key),
                       a.name_key,
                       mode,
                       std::to_string(a.expected_version),
                       a.record,
                       std::to_string(a.score),
                       a.pending,
                       std::to_string(kTombstoneTtlMs)};
  return command;
}

WriteReply ParseWriteReply(const sso_store_reply &reply) {
  if (reply.type != SSO_REPLY_STRING) return WriteReply::kInvalid;
  std::string_view text = View(reply.str);
  if (text == "ok") return WriteReply::kOk;
  if (text == "taken") return WriteReply::kTaken;
  if (text == "conflict") return WriteReply::kConflict;
  if (text == "gone") return WriteReply::kGone;
  if (text == "exists") return WriteReply::kExists;
  return WriteReply::kInvalid;
}

StoreCommand SeenIndexes(const std::vector<std::string> &seen_keys) {
  StoreCommand command{"EVAL", kSeenIndexesScript, std::to_string(seen_keys.size())};
  for (const auto &key : seen_keys) command.Append(key);
  return command;
}

bool ParseSeenIndexes(const sso_store_reply &reply, std::vector<std::string> &out) {
  if (reply.type != SSO_REPLY_STRING) return false;
  std::string_view text = View(reply.str);
  while (!text.empty()) {
    size_t end = text.find('\n');
    if (end != 0) out.emplace_back(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return true;
}

StoreCommand NameTaken(const std::string &name_key) {
  return StoreCommand{"EVAL", kNameTakenScript, "1", name_key};
}

StoreCommand ClearPending(const std::string &pending_key, const std::string &event) {
  return StoreCommand{"EVAL", kClearPendingScript, "1", pending_key, event};
}

StoreCommand ListUsers(const std::string &all_key, long long start, long long count) {
  return StoreCommand{"EVAL",  kListUsersScript,      "1",
                      all_key, std::to_string(start), std::to_string(count)};
}

bool ParseListReply(const sso_store_reply &reply, long long &total,
                    std::vector<StoredUser> &users) {
  if (reply.type != SSO_REPLY_STRING) return false;
  std::string_view text = View(reply.str);
  size_t newline = text.find('\n');
  if (newline == std::string_view::npos || newline == 0 || newline > 12) return false;
  total = 0;
  for (char c : text.substr(0, newline)) {
    if (c < '0' || c > '9') return false;
    total = total * 10 + (c - '0');
  }
  return ParseRecords(text.substr(newline + 1), users);
}

StoreCommand FindUsers(const std::vector<std::string> &index_keys) {
  StoreCommand command{"EVAL", kFindUsersScript, std::to_string(index_keys.size())};
  for (const auto &key : index_keys) command.Append(key);
  command.Append(std::to_string(kMaxFilterCandidates));
  return command;
}

FindReply ParseFindReply(const sso_store_reply &reply) {
  FindReply out;
  if (reply.type != SSO_REPLY_STRING) return out;
  std::string_view text = View(reply.str);
  if (text == "toomany") {
    out.valid = out.too_many = true;
    return out;
  }
  out.valid = ParseRecords(text, out.users);
  return out;
}

}  // namespace sso::scim
