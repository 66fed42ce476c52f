// A per-process cache of sessions the store has confirmed, so the hot path can skip the
// Redis round trip. Correct revocation depends on the caller: entries must be evicted when
// a revocation is announced, and the whole cache disabled (and flushed) whenever the caller
// cannot hear announcements (see README, "Session cache").
#pragma once

#include <algorithm>
#include <cstdint>
#include <list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

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

// Least recently used entries go first when the cache is full; a revocation finds its
// entries by digest without scanning. Single-threaded (one per worker).
class SessionCache {
 public:
  // `ttl_ms`: how long an entry is trusted without reading the store again (0: no cache);
  // `idle_ms`: the store's idle timeout (0: none), which hits must keep sliding.
  SessionCache(int64_t ttl_ms, size_t max_entries, int64_t idle_ms = 0)
      : ttl_ms_(ttl_ms), max_entries_(max_entries), idle_ms_(idle_ms) {}

  bool usable() const { return ttl_ms_ > 0 && enabled_; }

  // Turning it off flushes it: while off, announcements may be missed.
  void SetEnabled(bool enabled);

  // Entries are found by the session cookie itself, so a hit costs no hashing; they also
  // remember the cookie's digest, which is what revocations name.

  // A fresh entry, or nullptr. Entries older than the cache ttl, past the session's absolute
  // expiry, or idle for the idle timeout are never returned. When the store's idle timeout
  // is due to be slid again (at most every SlideIntervalMs() per session), `slide_digest`
  // gets the digest: the caller refreshes the key's TTL in the background.
  std::shared_ptr<const ValidSession> Find(std::string_view cookie, int64_t now_ms,
                                           std::string *slide_digest = nullptr);

  // Bumped by every eviction and every disable. A lookup that started at generation g may
  // only be cached if no revocation was heard meanwhile: the store's reply and the
  // revocation travel on different connections and can arrive in either order.
  uint64_t generation() const { return generation_; }

  // `now_ms`: when the store confirmed the session (and slid its idle timeout).
  void Insert(std::string cookie, std::string digest, std::shared_ptr<const ValidSession> session,
              int64_t now_ms, uint64_t lookup_generation);
  // A revocation: drops the sessions with these digests.
  void EvictDigests(std::span<const std::string_view> digests);
  // A logout on this worker: drops the session of this cookie.
  void EvictCookie(std::string_view cookie);
  size_t size() const { return by_cookie_.size(); }

  // A quarter of the idle timeout, at least a second: the store's TTL is then never less
  // than three quarters of the idle timeout while the session is in use here.
  int64_t SlideIntervalMs() const { return std::max<int64_t>(idle_ms_ / 4, 1000); }

 private:
  struct Entry {
    std::string cookie;
    std::string digest;
    std::shared_ptr<const ValidSession> session;
    int64_t cached_at_ms;
    int64_t slid_at_ms;  // when the store's idle timeout was last slid (read or refreshed)
  };
  using Lru = std::list<Entry>;  // most recently used first
  void Erase(Lru::iterator it);

  int64_t ttl_ms_;
  size_t max_entries_;
  int64_t idle_ms_;
  // Lookups by string_view without building a std::string key; the views point into the
  // entries' own strings (list nodes do not move).
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  bool enabled_ = false;
  uint64_t generation_ = 0;
  Lru lru_;
  std::unordered_map<std::string_view, Lru::iterator, Hash, std::equal_to<>> by_cookie_;
  std::unordered_map<std::string_view, Lru::iterator, Hash, std::equal_to<>> by_digest_;
};

}  // namespace sso
