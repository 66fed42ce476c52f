// SCIM users in the store: the key names and the atomic scripts that keep a record, its
// indexes and its notice to the app consistent. No I/O.
//
//   <prefix>scim:u:<h(provider, id)>            a user record (scim/user.h StoredUser)
//   <that key>:pending                          the event the app has not taken yet
//   <prefix>scim:all:<h(provider)>              sorted set of the live records (paging)
//   <prefix>scim:n:<h(provider, lower userName)>     sets of record keys, for filters and
//   <prefix>scim:x:<h(provider, externalId)>         for matching logins; a deleted record
//   <prefix>scim:e:<h(provider, lower email)>        stays in them (it refuses logins)
//   <prefix>scim:seen:{x,n,e}:<h(provider, value)>   subject index keys (engine/store_keys.h)
//                                                    of logins with that value, so that a
//                                                    deactivation finds their sessions
// h() is SHA-256 (as engine/store_keys.h IndexKey): no SCIM data appears in a key name.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/store_command.h"
#include "scim/user.h"
#include "sso/sso.h"

namespace sso::scim {

inline constexpr int64_t kTombstoneTtlMs = 400LL * 24 * 60 * 60 * 1000;

std::string RecordKey(const std::string &prefix, const std::string &provider,
                      const std::string &id);
std::string PendingKey(const std::string &record_key);
std::string AllUsersKey(const std::string &prefix, const std::string &provider);
// kind 'n' (userName, lower case), 'x' (externalId), 'e' (an email, lower case)
std::string ValueKey(const std::string &prefix, const std::string &provider, char kind,
                     const std::string &value);
std::string SeenKey(const std::string &prefix, const std::string &provider, char kind,
                    const std::string &value);

// The index sets a record with these values belongs to: its userName's first.
std::vector<std::string> IndexKeysOf(const std::string &prefix, const std::string &provider,
                                     const MatchValues &values);
// The seen sets holding the sessions of logins that match these values (the README's rule).
std::vector<std::string> SeenKeysOf(const std::string &prefix, const std::string &provider,
                                    const MatchValues &values);

enum class WriteMode { kCreate, kReplace, kDelete };

struct WriteArgs {
  WriteMode mode = WriteMode::kCreate;
  std::string record_key;
  std::string all_key;
  std::string name_key;  // the userName's index set (uniqueness among live users)
  long long expected_version = 0;
  std::string record;  // the new record (SerializeStoredUser)
  int64_t score = 0;   // its place in the list: the creation time
  // what the change still has to do (end sessions, tell the app) until it is done; empty:
  // leave any as it is; "-": none
  std::string pending;
};

// One EVAL: checks the version (replace, delete) and the userName's uniqueness among live
// users (create, replace); a created user supersedes deleted records sharing a value with it;
// moves the record between index sets, writes it (a deleted one for kTombstoneTtlMs) and the
// pending event.
StoreCommand WriteUser(const WriteArgs &args);

enum class WriteReply { kOk, kTaken, kConflict, kGone, kExists, kInvalid };
WriteReply ParseWriteReply(const sso_store_reply &reply);

// EVAL: every subject index in the seen sets. Asked after a deactivation is written: a login
// that wrote its session before the deactivation is in them (and its session in its subject
// index); one that wrote it later sees the deactivation when it checks again
// (scim/login_match.h).
StoreCommand SeenIndexes(const std::vector<std::string> &seen_keys);
bool ParseSeenIndexes(const sso_store_reply &reply, std::vector<std::string> &out);

// EVAL: integer 1 when a live user has this userName's index set.
StoreCommand NameTaken(const std::string &name_key);

// Deletes the pending event if it is still `event` (the app took it).
StoreCommand ClearPending(const std::string &pending_key, const std::string &event);

// EVAL: the total and one page (0-based `start`, `count`) of the live records.
StoreCommand ListUsers(const std::string &all_key, long long start, long long count);
// false for a reply the script cannot give.
bool ParseListReply(const sso_store_reply &reply, long long &total, std::vector<StoredUser> &users);

// EVAL: the live records in every one of `index_keys` (at most kMaxFilterCandidates).
StoreCommand FindUsers(const std::vector<std::string> &index_keys);
struct FindReply {
  bool valid = false;
  bool too_many = false;
  std::vector<StoredUser> users;
};
FindReply ParseFindReply(const sso_store_reply &reply);

// The scripts, for the unit tests that check them against their callers' arguments.
extern const char kWriteUserScript[];

}  // namespace sso::scim
