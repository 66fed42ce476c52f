#include "session/cache.h"

#include <unordered_set>

namespace sso {

void SessionCache::SetEnabled(bool enabled) {
  enabled_ = enabled;
  if (!enabled) {
    entries_.clear();
    ++generation_;
  }
}

std::shared_ptr<const ValidSession> SessionCache::Find(std::string_view cookie, int64_t now_ms) {
  if (!usable()) return nullptr;
  auto it = entries_.find(cookie);
  if (it == entries_.end()) return nullptr;
  const Entry &entry = it->second;
  if (now_ms - entry.cached_at_ms >= ttl_ms_ || now_ms < entry.cached_at_ms ||
      now_ms >= entry.session->record.expires_ms) {
    entries_.erase(it);
    return nullptr;
  }
  return entry.session;
}

void SessionCache::Insert(std::string cookie, std::string digest,
                          std::shared_ptr<const ValidSession> session, int64_t now_ms,
                          uint64_t lookup_generation) {
  if (!usable() || lookup_generation != generation_) return;
  if (entries_.size() >= max_entries_) DropStale(now_ms);
  // Still full of fresh entries: start over rather than grow without bound.
  if (entries_.size() >= max_entries_) entries_.clear();
  entries_[std::move(cookie)] = Entry{std::move(session), std::move(digest), now_ms};
}

void SessionCache::EvictDigests(std::span<const std::string_view> digests) {
  ++generation_;
  if (entries_.empty() || digests.empty()) return;
  std::unordered_set<std::string_view> revoked(digests.begin(), digests.end());
  std::erase_if(entries_, [&](const auto &item) { return revoked.count(item.second.digest) > 0; });
}

void SessionCache::EvictCookie(std::string_view cookie) {
  ++generation_;
  if (auto it = entries_.find(cookie); it != entries_.end()) entries_.erase(it);
}

void SessionCache::DropStale(int64_t now_ms) {
  std::erase_if(entries_, [&](const auto &item) {
    return now_ms - item.second.cached_at_ms >= ttl_ms_ ||
           now_ms >= item.second.session->record.expires_ms;
  });
}

}  // namespace sso
