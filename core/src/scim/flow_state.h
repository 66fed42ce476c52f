// What a SCIM request carries through its steps (data only): the request as routed, then
// the user being read or written, and what telling the app gave.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace sso {

struct ScimRequest {
  enum class Op { kGetUser, kListUsers, kCreateUser, kReplaceUser, kPatchUser, kDeleteUser };
  Op op = Op::kGetUser;
  std::string provider;
  std::string base;  // ".../scim/v2/<provider>" as requested: meta.location, Location
  std::string id;    // of /Users/{id}
  std::string query;
  std::string if_match;
  std::vector<uint8_t> random;  // POST: the new user's id
};

struct ScimState {
  enum class Stage {
    kLoad,       // GET of the record and its pending event
    kNameCheck,  // POST with a hook: is the userName taken (before telling the app)
    kProvision,  // POST: the app told ("provision"), its user id awaited
    kWrite,      // the write script
    kSeen,       // a deactivation: the subject indexes of the person's logins
    kRevoke,     // ending those sessions
    kBarrier,    // until every worker's subscriber has the announcement
    kNotify,     // telling the app ("deprovision", "reactivate")
    kClear,      // the app took the event: no longer pending
    kQuery,      // GET /Users: a page, or a filter's candidates
  };
  Stage stage = Stage::kLoad;
  bool AwaitsHttpAnswer() const { return stage == Stage::kProvision || stage == Stage::kNotify; }

  ScimRequest request;
  std::string body;  // of POST, PUT, PATCH
  int attempts = 0;  // loads, after a concurrent change made a write fail

  std::string record;  // the user as written (or as found), serialized
  std::string event;   // what the change owes: "deprovision:deactivated", "reactivate"...
  std::string action;  // for the audit line: "created", "deactivated", "deleted"...
  std::vector<std::string> seen_keys;    // a deactivation: where the person's logins are
  std::vector<std::string> revoke_keys;  // and the subject indexes to end
  long long sessions = 0;
  std::string user;  // the app's user id
  std::string app;   // what telling the app gave; empty: not told (no hook, nothing to tell)
  int status = 200;  // the answer once done: 200, 201 or 204

  // GET /Users
  long long start_index = 1;
  long long count = 100;
  std::vector<std::pair<char, std::string>> terms;  // a filter's, normalized
};

}  // namespace sso
