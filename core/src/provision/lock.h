// The single-flight lock of one account and the Idempotency-Key of its provisioning attempt,
// as Redis commands (atomic scripts) and what their replies mean. No I/O.
//
//   <prefix>lock:<h>     the lock: the holder's token, PX lease; "u:<token>" once the holder's
//                        hook call ended with an unknown outcome (kept until the lease ends)
//   <prefix>attempt:<h>  the Idempotency-Key of the attempt whose outcome is not known yet;
//                        deleted when an answer says what happened, so the next provisioning
//                        gets a new key while a retry after an unknown outcome reuses it
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/store_command.h"
#include "sso/sso.h"

namespace sso {

inline constexpr int64_t kAttemptTtlMs = 24LL * 60 * 60 * 1000;  // how long a key is reused

struct LockKeys {
  std::string lock;     // <prefix>lock:<h>
  std::string attempt;  // <prefix>attempt:<h>
};

// The scripts, exposed so the unit tests' store can run them.
extern const char kAcquireLockScript[];
extern const char kReleaseLockScript[];
extern const char kHoldLockScript[];

// Takes the lock for `lease_ms`; when taken, also gives the attempt's key: the one stored by an
// earlier attempt with an unknown outcome, or else `fresh_key`, stored as the new attempt's.
StoreCommand AcquireLock(const LockKeys &keys, std::string_view token, int64_t lease_ms,
                         std::string_view fresh_key);

struct LockReply {
  enum class Kind {
    kTaken,        // ours; `key` is the attempt's Idempotency-Key
    kBusy,         // another login is calling the hook: wait
    kHeldUnknown,  // another login's call ended with an unknown outcome: no call until the lease
                   // ends
    kInvalid       // not a reply the script gives
  };
  Kind kind = Kind::kInvalid;
  std::string key;
  bool new_attempt = false;  // `key` is `fresh_key`, stored just now
};
LockReply ParseLockReply(const sso_store_reply &reply);

// Releases the lock if it is still ours; with `finished_key`, also ends that attempt (its
// outcome is known, or it never called the hook).
StoreCommand ReleaseLock(const LockKeys &keys, std::string_view token,
                         std::string_view finished_key);

// After an unknown outcome: the lock stays ours until its lease ends, marked so that waiting
// logins stop waiting; the attempt (and its key) stays for the retry.
StoreCommand HoldLock(const LockKeys &keys, std::string_view token);

}  // namespace sso
