#include "session/session_reads.h"

#include <algorithm>
#include <cstdint>

namespace sso {

uint64_t SessionReads::NextId() {
  do {
    last_id_ = last_id_ >= UINTPTR_MAX ? 1 : last_id_ + 1;
  } while (reads_.contains(last_id_));
  return last_id_;
}

uint64_t SessionReads::Joinable(std::string_view cookie, uint64_t generation) const {
  auto it = joinable_.find(cookie);
  if (it == joinable_.end()) return 0;
  auto read = reads_.find(it->second);
  return read != reads_.end() && read->second.generation == generation ? it->second : 0;
}

uint64_t SessionReads::Start(std::string cookie, std::string digest, uint64_t generation) {
  uint64_t id = NextId();
  joinable_.insert_or_assign(cookie, id);
  reads_.emplace(id, Read{std::move(cookie), std::move(digest), generation, {}, 0, false});
  return id;
}

void SessionReads::Join(uint64_t id, sso_txn *txn) {
  if (auto it = reads_.find(id); it != reads_.end()) it->second.waiters.push_back(txn);
}

void SessionReads::Leave(uint64_t id, const sso_txn *txn) {
  auto it = reads_.find(id);
  if (it == reads_.end()) return;
  Read &read = it->second;
  auto waiter = std::find(read.waiters.begin() + static_cast<ptrdiff_t>(read.next_woken),
                          read.waiters.end(), txn);
  if (waiter == read.waiters.end()) return;
  read.waiters.erase(waiter);
  // An unfinished read stays: its reply still fills the cache for the next request.
  if (read.finished && read.next_woken == read.waiters.size()) reads_.erase(it);
}

SessionReads::Read *SessionReads::Finish(uint64_t id) {
  auto it = reads_.find(id);
  if (it == reads_.end() || it->second.finished) return nullptr;
  Read &read = it->second;
  if (auto j = joinable_.find(read.cookie); j != joinable_.end() && j->second == id)
    joinable_.erase(j);
  read.finished = true;
  return &read;
}

sso_txn *SessionReads::NextWoken(uint64_t id) {
  auto it = reads_.find(id);
  if (it == reads_.end() || !it->second.finished) return nullptr;
  Read &read = it->second;
  if (read.next_woken < read.waiters.size()) return read.waiters[read.next_woken++];
  reads_.erase(it);
  return nullptr;
}

}  // namespace sso
