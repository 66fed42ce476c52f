#include "session/cache.h"

namespace sso {

void SessionCache::SetEnabled(bool enabled) {
  enabled_ = enabled;
  if (!enabled) {
    by_cookie_.clear();
    by_digest_.clear();
    lru_.clear();
    ++generation_;
  }
}

void SessionCache::Erase(Lru::iterator it) {
  by_cookie_.erase(it->cookie);
  if (auto d = by_digest_.find(it->digest); d != by_digest_.end() && d->second == it)
    by_digest_.erase(d);
  lru_.erase(it);
}

std::shared_ptr<const ValidSession> SessionCache::Find(std::string_view cookie, int64_t now_ms,
                                                       std::string *slide_digest) {
  if (!usable()) return nullptr;
  auto found = by_cookie_.find(cookie);
  if (found == by_cookie_.end()) return nullptr;
  Lru::iterator it = found->second;
  Entry &entry = *it;
  if (now_ms - entry.cached_at_ms >= ttl_ms_ || now_ms < entry.cached_at_ms ||
      now_ms >= entry.session->record.expires_ms ||
      (idle_ms_ > 0 && now_ms - entry.slid_at_ms >= idle_ms_)) {
    Erase(it);
    return nullptr;
  }
  if (idle_ms_ > 0 && now_ms - entry.slid_at_ms >= SlideIntervalMs()) {
    entry.slid_at_ms = now_ms;
    if (slide_digest) *slide_digest = entry.digest;
  }
  lru_.splice(lru_.begin(), lru_, it);  // most recently used; iterators stay valid
  return entry.session;
}

void SessionCache::Insert(std::string cookie, std::string digest,
                          std::shared_ptr<const ValidSession> session, int64_t now_ms,
                          uint64_t lookup_generation) {
  if (!usable() || lookup_generation != generation_ || max_entries_ == 0) return;
  if (auto old = by_cookie_.find(cookie); old != by_cookie_.end()) Erase(old->second);
  while (lru_.size() >= max_entries_) Erase(std::prev(lru_.end()));
  lru_.push_front(Entry{std::move(cookie), std::move(digest), std::move(session), now_ms, now_ms});
  // The maps' keys are views into the entry itself: replace a key, never only its value.
  by_cookie_.emplace(lru_.front().cookie, lru_.begin());
  by_digest_.erase(lru_.front().digest);
  by_digest_.emplace(lru_.front().digest, lru_.begin());
}

void SessionCache::EvictDigests(std::span<const std::string_view> digests) {
  ++generation_;
  for (std::string_view digest : digests)
    if (auto it = by_digest_.find(digest); it != by_digest_.end()) Erase(it->second);
}

void SessionCache::EvictCookie(std::string_view cookie) {
  ++generation_;
  if (auto it = by_cookie_.find(cookie); it != by_cookie_.end()) Erase(it->second);
}

}  // namespace sso
