#include "session_cache.h"

namespace sso {

void SessionCache::SetEnabled(bool enabled) {
  enabled_ = enabled;
  if (!enabled) {
    entries_.clear();
    ++generation_;
  }
}

std::shared_ptr<const ValidSession> SessionCache::Find(std::string_view digest, int64_t now_ms) {
  if (!usable()) return nullptr;
  auto it = entries_.find(digest);
  if (it == entries_.end()) return nullptr;
  const Entry &entry = it->second;
  if (now_ms - entry.cached_at_ms >= ttl_ms_ || now_ms < entry.cached_at_ms ||
      now_ms >= entry.session->record.expires_ms) {
    entries_.erase(it);
    return nullptr;
  }
  return entry.session;
}

void SessionCache::Insert(std::string digest, std::shared_ptr<const ValidSession> session,
                          int64_t now_ms, uint64_t lookup_generation) {
  if (!usable() || lookup_generation != generation_) return;
  if (entries_.size() >= max_entries_) DropStale(now_ms);
  // Still full of fresh entries: start over rather than grow without bound.
  if (entries_.size() >= max_entries_) entries_.clear();
  entries_[std::move(digest)] = Entry{std::move(session), now_ms};
}

void SessionCache::Evict(std::string_view digest) {
  ++generation_;
  if (auto it = entries_.find(digest); it != entries_.end()) entries_.erase(it);
}

void SessionCache::DropStale(int64_t now_ms) {
  std::erase_if(entries_, [&](const auto &item) {
    return now_ms - item.second.cached_at_ms >= ttl_ms_ ||
           now_ms >= item.second.session->record.expires_ms;
  });
}

}  // namespace sso
