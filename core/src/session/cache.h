// A per-process cache of sessions the store has confirmed, so the hot path can skip the
// Redis round trip. Correct revocation depends on the caller: entries must be evicted when
// a revocation is announced, and the whole cache disabled (and flushed) whenever the caller
// cannot hear announcements (see README, "Session cache").
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

#include "session/record.h"

namespace sso {

// A validated session, shared between the cache and the transactions that use it.
struct ValidSession {
  SessionRecord record;
  std::string groups;        // JoinList(record.identity.groups)
  std::string roles;         // JoinList(record.identity.roles)
  std::string email_domain;  // EmailDomain(record.identity.email), empty if none (sso_require)

  // Identity tokens signed for this session, one per audience, reused while they have life
  // left. Mutable: a cache beside the record, in a single-threaded worker.
  struct Token {
    std::string audience;
    std::string token;
    int64_t reuse_until_ms = 0;
  };
  mutable std::vector<Token> tokens;
};

class SessionCache {
 public:
  SessionCache(int64_t ttl_ms, size_t max_entries) : ttl_ms_(ttl_ms), max_entries_(max_entries) {}

  bool usable() const { return ttl_ms_ > 0 && enabled_; }

  // Turning it off flushes it: while off, announcements may be missed.
  void SetEnabled(bool enabled);

  // Entries are found by the session cookie itself, so a hit costs no hashing; they also
  // remember the cookie's digest, which is what revocations name.

  // A fresh entry, or nullptr. Entries older than the cache ttl or past the session's
  // absolute expiry are never returned.
  std::shared_ptr<const ValidSession> Find(std::string_view cookie, int64_t now_ms);

  // Bumped by every eviction and every disable. A lookup that started at generation g may
  // only be cached if no revocation was heard meanwhile: the store's reply and the
  // revocation travel on different connections and can arrive in either order.
  uint64_t generation() const { return generation_; }

  void Insert(std::string cookie, std::string digest, std::shared_ptr<const ValidSession> session,
              int64_t now_ms, uint64_t lookup_generation);
  // A revocation: drops the sessions with these digests (one pass over the cache).
  void EvictDigests(std::span<const std::string_view> digests);
  // A logout on this worker: drops the session of this cookie.
  void EvictCookie(std::string_view cookie);
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::shared_ptr<const ValidSession> session;
    std::string digest;
    int64_t cached_at_ms;
  };
  void DropStale(int64_t now_ms);

  int64_t ttl_ms_;
  size_t max_entries_;
  // Lookups by string_view without building a std::string key.
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  bool enabled_ = false;
  uint64_t generation_ = 0;
  std::unordered_map<std::string, Entry, Hash, std::equal_to<>> entries_;
};

}  // namespace sso
