#include "provision/lock.h"

#include "text/views.h"

namespace sso {

// KEYS: lock, attempt. ARGV: token, lease ms, fresh key, attempt ttl ms.
const char kAcquireLockScript[] =
    "if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then "
    "local key = redis.call('get', KEYS[2]) "
    "if key then redis.call('pexpire', KEYS[2], ARGV[4]) return 'taken ' .. key end "
    "redis.call('set', KEYS[2], ARGV[3], 'PX', ARGV[4]) return 'new ' .. ARGV[3] end "
    "local holder = redis.call('get', KEYS[1]) "
    "if holder and string.sub(holder, 1, 2) == 'u:' then return 'unknown' end "
    "return 'busy'";

// KEYS: lock, attempt. ARGV: token, finished key or "".
const char kReleaseLockScript[] =
    "if redis.call('get', KEYS[1]) ~= ARGV[1] then return 0 end "
    "redis.call('del', KEYS[1]) "
    "if ARGV[2] ~= '' and redis.call('get', KEYS[2]) == ARGV[2] then redis.call('del', KEYS[2]) "
    "end "
    "return 1";

// KEYS: lock. ARGV: token.
const char kHoldLockScript[] =
    "if redis.call('get', KEYS[1]) == ARGV[1] then "
    "redis.call('set', KEYS[1], 'u:' .. ARGV[1], 'KEEPTTL', 'XX') return 1 end "
    "return 0";

StoreCommand AcquireLock(const LockKeys &keys, std::string_view token, int64_t lease_ms,
                         std::string_view fresh_key) {
  return StoreCommand{"EVAL",
                      kAcquireLockScript,
                      "2",
                      keys.lock,
                      keys.attempt,
                      std::string(token),
                      std::to_string(lease_ms),
                      std::string(fresh_key),
                      std::to_string(kAttemptTtlMs)};
}

LockReply ParseLockReply(const sso_store_reply &reply) {
  LockReply out;
  if (reply.type != SSO_REPLY_STRING) return out;
  std::string_view text = View(reply.str);
  auto key_after = [&](std::string_view prefix) {
    std::string_view key = text.substr(prefix.size());
    if (key.empty() || key.size() > 64) return false;
    for (char c : key)
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    out.kind = LockReply::Kind::kTaken;
    out.key = std::string(key);
    return true;
  };
  if (text.starts_with("new ") && key_after("new "))
    out.new_attempt = true;
  else if (text.starts_with("taken ") && key_after("taken "))
    out.new_attempt = false;
  else if (text == "busy")
    out.kind = LockReply::Kind::kBusy;
  else if (text == "unknown")
    out.kind = LockReply::Kind::kHeldUnknown;
  return out;
}

StoreCommand ReleaseLock(const LockKeys &keys, std::string_view token,
                         std::string_view finished_key) {
  return StoreCommand{"EVAL",
                      kReleaseLockScript,
                      "2",
                      keys.lock,
                      keys.attempt,
                      std::string(token),
                      std::string(finished_key)};
}

StoreCommand HoldLock(const LockKeys &keys, std::string_view token) {
  return StoreCommand{"EVAL", kHoldLockScript, "1", keys.lock, std::string(token)};
}

}  // namespace sso
