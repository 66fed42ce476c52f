#include "session/cache.h"

#include <functional>
#include <string>
#include <utility>

#include "text/email_domain.h"

namespace sso {

std::string_view ValidSession::EmailDomainOnce() const {
  if (!email_domain_) email_domain_ = EmailDomain(record.identity.email).value_or("");
  return *email_domain_;
}

uint64_t SessionCache::Hash(std::string_view key) { return std::hash<std::string_view>{}(key); }

void SessionCache::Clear() {
  evictions_ += size_;
  entries_.clear();
  free_.clear();
  slots_.clear();
  by_digest_.clear();
  size_ = 0;
  hand_ = 0;
}

void SessionCache::SetEnabled(bool enabled) {
  enabled_ = enabled;
  if (!enabled) {
    Clear();
    ++generation_;
  }
}

size_t SessionCache::FindSlot(std::string_view key, uint64_t hash) const {
  if (slots_.empty()) return 0;
  const size_t mask = slots_.size() - 1;
  const auto tag = static_cast<uint32_t>(hash >> 32);
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    const Slot &slot = slots_[i];
    if (slot.entry == 0) return slots_.size();
    if (slot.tag == tag && entries_[slot.entry - 1].Key() == key) return i;
  }
}

void SessionCache::PlaceInIndex(uint32_t entry, uint64_t hash) {
  const size_t mask = slots_.size() - 1;
  size_t i = hash & mask;
  while (slots_[i].entry != 0) i = (i + 1) & mask;
  slots_[i] = Slot{static_cast<uint32_t>(hash >> 32), entry + 1};
}

void SessionCache::GrowIndex() {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(std::max<size_t>(old.size() * 2, 64), Slot{});
  for (const Slot &slot : old)
    if (slot.entry) PlaceInIndex(slot.entry - 1, Hash(entries_[slot.entry - 1].Key()));
}

// Linear probing's deletion: later entries of the same run move back, so that no lookup
// stops early at the hole.
void SessionCache::Erase(size_t slot) {
  const uint32_t index = slots_[slot].entry - 1;
  Entry &entry = entries_[index];
  if (auto d = by_digest_.find(entry.digest); d != by_digest_.end() && d->second == index)
    by_digest_.erase(d);
  entry.session.reset();
  entry.digest.clear();
  entry.key_length = 0;
  entry.referenced = false;
  free_.push_back(index);
  --size_;

  const size_t mask = slots_.size() - 1;
  size_t hole = slot;
  for (size_t i = (slot + 1) & mask; slots_[i].entry != 0; i = (i + 1) & mask) {
    size_t home = Hash(entries_[slots_[i].entry - 1].Key()) & mask;
    // the entry at i may fill the hole if its home is not within (hole, i]
    bool stays = hole <= i ? (hole < home && home <= i) : (hole < home || home <= i);
    if (stays) continue;
    slots_[hole] = slots_[i];
    hole = i;
  }
  slots_[hole] = Slot{};
}

uint32_t SessionCache::SweepForVictim() {
  for (;;) {
    hand_ = (hand_ + 1) % entries_.size();
    Entry &entry = entries_[hand_];
    if (entry.key_length == 0) continue;
    if (!std::exchange(entry.referenced, false)) return static_cast<uint32_t>(hand_);
  }
}

std::shared_ptr<const ValidSession> SessionCache::Find(std::string_view cookie, int64_t now_ms,
                                                       std::string *slide_digest) {
  if (!usable() || size_ == 0) return nullptr;
  size_t slot = FindSlot(cookie, Hash(cookie));
  if (slot == slots_.size()) return nullptr;
  Entry &entry = entries_[slots_[slot].entry - 1];
  if (now_ms - entry.cached_at_ms >= ttl_ms_ || now_ms < entry.cached_at_ms ||
      now_ms >= entry.expires_ms || (idle_ms_ > 0 && now_ms - entry.slid_at_ms >= idle_ms_)) {
    Erase(slot);
    ++evictions_;
    return nullptr;
  }
  if (idle_ms_ > 0 && now_ms - entry.slid_at_ms >= SlideIntervalMs()) {
    entry.slid_at_ms = now_ms;
    if (slide_digest) *slide_digest = entry.digest;
  }
  entry.referenced = true;
  return entry.session;
}

void SessionCache::Insert(std::string_view cookie, std::string digest,
                          std::shared_ptr<const ValidSession> session, int64_t now_ms,
                          uint64_t lookup_generation) {
  if (!usable() || lookup_generation != generation_ || max_entries_ == 0 || cookie.empty() ||
      cookie.size() > kMaxKeyLength || !session)
    return;
  const uint64_t hash = Hash(cookie);
  if (size_t old = FindSlot(cookie, hash); old != slots_.size()) Erase(old);
  if (size_ >= max_entries_) {
    const uint32_t victim = SweepForVictim();
    Erase(FindSlot(entries_[victim].Key(), Hash(entries_[victim].Key())));
    ++evictions_;
  }
  if ((size_ + 1) * 2 > slots_.size()) GrowIndex();
  uint32_t index;
  if (!free_.empty()) {
    index = free_.back();
    free_.pop_back();
  } else {
    index = static_cast<uint32_t>(entries_.size());
    entries_.emplace_back();
  }
  Entry &entry = entries_[index];
  entry.key_length = static_cast<uint8_t>(cookie.size());
  cookie.copy(entry.key, cookie.size());
  entry.referenced = false;
  entry.expires_ms = session->record.expires_ms;
  entry.session = std::move(session);
  entry.cached_at_ms = now_ms;
  entry.slid_at_ms = now_ms;
  entry.digest = std::move(digest);
  by_digest_.insert_or_assign(entry.digest, index);
  PlaceInIndex(index, hash);
  ++size_;
}

void SessionCache::EvictDigests(std::span<const std::string_view> digests) {
  ++generation_;
  for (std::string_view digest : digests) {
    auto it = by_digest_.find(std::string(digest));
    if (it == by_digest_.end()) continue;
    std::string_view key = entries_[it->second].Key();
    Erase(FindSlot(key, Hash(key)));
    ++evictions_;
  }
}

void SessionCache::EvictCookie(std::string_view cookie) {
  ++generation_;
  if (cookie.size() > kMaxKeyLength) return;
  if (size_t slot = FindSlot(cookie, Hash(cookie)); slot != slots_.size()) {
    Erase(slot);
    ++evictions_;
  }
}

}  // namespace sso
