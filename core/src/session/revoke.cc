#include "session/revoke.h"

#include "session/session_id.h"
#include "text/views.h"

namespace sso {
namespace {

// KEYS: the index sets. ARGV: key prefix, revocation channel, subject ('' for any).
constexpr const char *kRevokeIndexesScript =
    "local ended, named, user = 0, {}, '' "
    "for _, index in ipairs(KEYS) do "
    "for _, digest in ipairs(redis.call('smembers', index)) do "
    "if #digest == 64 and not string.find(digest, '[^0-9a-f]') then "
    "local key = ARGV[1] .. 's:' .. digest "
    "local record = redis.call('get', key) "
    "local r = nil "
    "if record then local ok, d = pcall(cjson.decode, record) "
    "if ok and type(d) == 'table' then r = d end end "
    "if not record or ARGV[3] == '' or (r and r.subject == ARGV[3]) then "
    "if record then "
    "if user == '' and r and type(r.user) == 'string' then user = r.user end "
    "ended = ended + redis.call('del', key) end "
    "table.insert(named, digest) "
    "redis.call('srem', index, digest) end "
    "else redis.call('srem', index, digest) end end "
    "if redis.call('scard', index) == 0 then redis.call('del', index) end end "
    "if #named > 0 then redis.call('publish', ARGV[2], table.concat(named, ' ')) end "
    "return ended .. '\\n' .. user .. '\\n' .. table.concat(named, ' ')";

bool ParseCount(std::string_view text, long long &out) {
  if (text.empty() || text.size() > 9) return false;
  out = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  return true;
}

}  // namespace

StoreCommand RevokeIndexes(const std::string &key_prefix, const std::string &channel,
                           const std::vector<std::string> &index_keys, const std::string &subject) {
  StoreCommand command{"EVAL", kRevokeIndexesScript, std::to_string(index_keys.size())};
  for (const auto &key : index_keys) command.Append(key);
  command.Append(key_prefix);
  command.Append(channel);
  command.Append(subject);
  return command;
}

bool ReadRevokeAnswer(const sso_store_reply &reply, RevokeAnswer &out) {
  if (reply.type != SSO_REPLY_STRING) return false;
  std::string_view answer = View(reply.str);
  size_t newline = answer.find('\n');
  if (newline == std::string_view::npos || !ParseCount(answer.substr(0, newline), out.sessions))
    return false;
  answer.remove_prefix(newline + 1);
  newline = answer.find('\n');
  out.user = std::string(answer.substr(0, newline));
  out.digests.clear();
  if (newline == std::string_view::npos) return true;
  std::string_view named = answer.substr(newline + 1);
  while (!named.empty()) {
    size_t space = named.find(' ');
    std::string_view digest = named.substr(0, space);
    if (IsHexDigest(digest)) out.digests.emplace_back(digest);
    if (space == std::string_view::npos) break;
    named.remove_prefix(space + 1);
  }
  return true;
}

void EvictRevoked(SessionCache &cache, const RevokeAnswer &answer) {
  std::vector<std::string_view> digests(answer.digests.begin(), answer.digests.end());
  cache.EvictDigests(digests);
}

}  // namespace sso
