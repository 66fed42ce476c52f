// A per-process cache of sessions the store has confirmed, so the hot path can skip the
// Redis round trip. Correct revocation depends on the caller: entries must be evicted when
// a revocation is announced, and the whole cache disabled (and flushed) whenever the caller
// cannot hear announcements (see README, "Session cache").
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
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
  std::string groups;  // JoinList(record.identity.groups)
  std::string roles;   // JoinList(record.identity.roles)

  // EmailDomain(record.identity.email), empty if none. Only an sso_require email_domain
  // line needs it, and IDNA is not free: computed the first time it is asked for.
  std::string_view EmailDomainOnce() const;

  // Identity tokens signed for this session, one per audience, reused while they have life
  // left. Mutable: a cache beside the record, in a single-threaded worker.
  struct Token {
    std::string audience;
    std::string token;
    int64_t reuse_until_ms = 0;
  };
  mutable std::vector<Token> tokens;

 private:
  mutable std::optional<std::string> email_domain_;
};

// Bounded by memory: when full, an entry not used since the last sweep goes (CLOCK, an
// approximation of least recently used in which a hit only sets a flag in its own entry);
// a revocation finds its entries by digest without scanning. Lookups touch two places: a
// compact open-addressing index and the entry itself (cookie inline). Single-threaded (one
// per worker).
class SessionCache {
 public:
  // Session ids are 43 characters; longer keys are never cached.
  static constexpr size_t kMaxKeyLength = 46;

  // `ttl_ms`: how long an entry is trusted without reading the store again (0: no cache);
  // `idle_ms`: the store's idle timeout (0: none), which hits must keep sliding.
  SessionCache(int64_t ttl_ms, size_t max_entries, int64_t idle_ms = 0)
      : ttl_ms_(ttl_ms), max_entries_(max_entries), idle_ms_(idle_ms) {}

  bool usable() const { return ttl_ms_ > 0 && enabled_; }

  // Turning it off flushes it: while off, announcements may be missed.
  void SetEnabled(bool enabled);

  // Entries are found by the session cookie itself; they also remember the cookie's digest,
  // which is what revocations name.

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
  void Insert(std::string_view cookie, std::string digest,
              std::shared_ptr<const ValidSession> session, int64_t now_ms,
              uint64_t lookup_generation);
  // A revocation: drops the sessions with these digests.
  void EvictDigests(std::span<const std::string_view> digests);
  // A logout on this worker: drops the session of this cookie.
  void EvictCookie(std::string_view cookie);
  size_t size() const { return size_; }
  // Entries let go so far: expired, revoked, pushed out, or flushed (never a replaced one).
  uint64_t evictions() const { return evictions_; }

  // A quarter of the idle timeout, at least a second: the store's TTL is then never less
  // than three quarters of the idle timeout while the session is in use here.
  int64_t SlideIntervalMs() const { return std::max<int64_t>(idle_ms_ / 4, 1000); }

 private:
  // What a hit reads comes first: key, flag and session share the entry's first cache line.
  struct Entry {
    uint8_t key_length = 0;   // 0: a free entry
    bool referenced = false;  // used since the sweep last passed it
    char key[kMaxKeyLength];
    std::shared_ptr<const ValidSession> session;
    int64_t expires_ms = 0;  // the session's absolute expiry
    int64_t cached_at_ms = 0;
    int64_t slid_at_ms = 0;  // when the store's idle timeout was last slid (read or refreshed)
    std::string digest;
    std::string_view Key() const { return {key, key_length}; }
  };
  // One per index position: the entry (plus one; 0 is empty) and bits of the key's hash, so
  // that a probe rarely reads an entry that is not the one.
  struct Slot {
    uint32_t tag = 0;
    uint32_t entry = 0;
  };
  static uint64_t Hash(std::string_view key);
  size_t FindSlot(std::string_view key, uint64_t hash) const;  // slots_.size() if absent
  void PlaceInIndex(uint32_t entry, uint64_t hash);
  void GrowIndex();
  void Erase(size_t slot);
  uint32_t SweepForVictim();
  void Clear();

  int64_t ttl_ms_;
  size_t max_entries_;
  int64_t idle_ms_;
  bool enabled_ = false;
  uint64_t generation_ = 0;
  uint64_t evictions_ = 0;
  size_t size_ = 0;
  std::vector<Entry> entries_;  // grows up to max_entries_; indexes stay valid
  std::vector<uint32_t> free_;  // entries_ indexes not in use
  std::vector<Slot> slots_;     // linear probing, a power of two, at most half full
  size_t hand_ = 0;             // the sweep's position in entries_
  std::unordered_map<std::string, uint32_t> by_digest_;
};

}  // namespace sso
