// Reads of sessions the cache does not hold, shared by the requests of this worker that need
// the same session meanwhile: however many wait, one Redis read per session. The read belongs
// to the worker, not to a request, so a client that leaves does not strand the others.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "sso/sso.h"

namespace sso {

struct ValidSession;

// What one read of the store said about a session, handed to every request that waited.
struct SessionRead {
  sso_status reason = SSO_SESSION_VALID;        // or NOT_FOUND, CORRUPT_RECORD, EXPIRED, STORE_*
  std::shared_ptr<const ValidSession> session;  // when SSO_SESSION_VALID
  bool drop_record = false;  // corrupt or expired: the first request to resume deletes it
};

class SessionReads {
 public:
  struct Read {
    std::string cookie;  // never logged
    std::string digest;
    uint64_t generation = 0;  // the cache's when the read began
    std::vector<sso_txn *> waiters;
    size_t next_woken = 0;  // after Finish: waiters before it were handed out
    bool finished = false;
  };

  // The read in flight for this cookie that a request may still join: one that began at
  // `generation`, the cache's current one (no revocation heard since), or 0.
  uint64_t Joinable(std::string_view cookie, uint64_t generation) const;
  // A new read; later requests for the cookie join it instead of the older one.
  uint64_t Start(std::string cookie, std::string digest, uint64_t generation);
  void Join(uint64_t id, sso_txn *txn);
  // A request that goes away before the read ended (its client left).
  void Leave(uint64_t id, const sso_txn *txn);
  // The read's reply arrived: it can no longer be joined, and its waiters are handed out by
  // NextWoken. nullptr for an unknown id.
  Read *Finish(uint64_t id);
  // The next waiter of a finished read, first come first served; nullptr when none is left
  // (the read is then forgotten).
  sso_txn *NextWoken(uint64_t id);
  size_t in_flight() const { return reads_.size(); }

 private:
  // Ids go through a C `void *` (the Redis handler's data): they stay within uintptr_t.
  uint64_t NextId();

  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  uint64_t last_id_ = 0;
  std::unordered_map<uint64_t, Read> reads_;
  std::unordered_map<std::string, uint64_t, Hash, std::equal_to<>> joinable_;  // by cookie
};

}  // namespace sso
