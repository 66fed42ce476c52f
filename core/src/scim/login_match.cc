#include "scim/login_match.h"

#include <algorithm>

#include "scim/protocol.h"
#include "scim/store.h"
#include "text/http_text.h"
#include "text/views.h"

namespace sso::scim {

// KEYS: index sets. An unreadable record counts as inactive: fail closed.
const char kMatchLoginScript[] =
    "local inactive, user = 0, '' "
    "for _, set in ipairs(KEYS) do for _, k in ipairs(redis.call('smembers', set)) do "
    "local raw = redis.call('get', k) if raw then local ok, d = pcall(cjson.decode, raw) "
    "if not ok or type(d) ~= 'table' or d.deleted or d.active == false then inactive = 1 "
    "elseif user == '' and type(d.app_user) == 'string' then user = d.app_user end end end end "
    "return inactive .. '\\n' .. user";

namespace {

void Add(std::vector<std::string> &keys, std::string key) {
  if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(std::move(key));
}

}  // namespace

LoginKeys LoginKeysOf(const std::string &prefix, const std::string &provider,
                      const std::string &subject, const std::string &verified_email) {
  LoginKeys out;
  std::string subject_lower = AsciiLower(subject);
  Add(out.lookup, ValueKey(prefix, provider, 'x', subject));
  Add(out.lookup, ValueKey(prefix, provider, 'n', subject_lower));
  Add(out.seen, SeenKey(prefix, provider, 'x', subject));
  Add(out.seen, SeenKey(prefix, provider, 'n', subject_lower));
  if (!verified_email.empty()) {
    std::string email = AsciiLower(verified_email);
    Add(out.lookup, ValueKey(prefix, provider, 'n', email));
    Add(out.lookup, ValueKey(prefix, provider, 'e', email));
    Add(out.seen, SeenKey(prefix, provider, 'e', email));
  }
  return out;
}

StoreCommand MatchLogin(const std::vector<std::string> &lookup) {
  StoreCommand command{"EVAL", kMatchLoginScript, std::to_string(lookup.size())};
  for (const auto &key : lookup) command.Append(key);
  return command;
}

LoginMatch ParseLoginMatch(const sso_store_reply &reply) {
  LoginMatch out;
  if (reply.type != SSO_REPLY_STRING) return out;
  std::string_view text = View(reply.str);
  if (text.size() < 2 || (text[0] != '0' && text[0] != '1') || text[1] != '\n') return out;
  out.inactive = text[0] == '1';
  out.app_user = std::string(text.substr(2));
  // it becomes $sso_user and a header: nothing that could split one
  if (out.app_user.size() > 256 || HasControlCharacter(out.app_user)) return out;
  out.valid = true;
  return out;
}

std::vector<StoreCommand> RememberLogin(const std::vector<std::string> &seen,
                                        const std::string &subject_index, int64_t ttl_ms) {
  std::vector<StoreCommand> commands;
  std::string ttl = std::to_string(ttl_ms);
  for (const auto &key : seen) {
    commands.push_back(StoreCommand{"SADD", key, subject_index});
    commands.push_back(StoreCommand{"PEXPIRE", key, ttl, "NX"});
    commands.push_back(StoreCommand{"PEXPIRE", key, ttl, "GT"});
  }
  return commands;
}

}  // namespace sso::scim
