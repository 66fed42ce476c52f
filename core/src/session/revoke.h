// Ending every session a logout message names: the sessions are found through the indexes the
// login wrote (engine/store_keys.h), and one Lua script deletes them, keeps the indexes tidy
// and announces the digests to every worker's cache, atomically on the store.
#pragma once

#include <string>
#include <vector>

#include "engine/store_command.h"
#include "session/cache.h"
#include "sso/sso.h"

namespace sso {

// EVAL of the script over `index_keys` (sets of session digests). With `subject` set, only
// records of that subject end (a SAML SessionIndex is the IdP's, the NameID must match too);
// records already gone leave their indexes. The reply is "<sessions ended>\n<the app's user
// id of one of them>\n<the digests announced, space-separated>".
StoreCommand RevokeIndexes(const std::string &key_prefix, const std::string &channel,
                           const std::vector<std::string> &index_keys, const std::string &subject);

struct RevokeAnswer {
  long long sessions = 0;
  std::string user;                  // empty when no session ended
  std::vector<std::string> digests;  // announced to every worker
};

// False for a reply the script cannot have given.
bool ReadRevokeAnswer(const sso_store_reply &reply, RevokeAnswer &out);

// The round trip a revoker makes after the script's reply, before it answers anyone. Redis
// may write the script's reply before the announcement to the subscribers, but it writes
// every pending reply and message before it reads another command: once this PING is
// answered, every worker's subscriber socket holds the announcement, and a request sent after
// our answer cannot be served from a cache that has not heard it.
inline StoreCommand AnnouncementBarrier() { return StoreCommand{"PING"}; }

// The worker that ended the sessions drops them from its own cache at once, without waiting
// for the announcement to come back to it.
void EvictRevoked(SessionCache &cache, const RevokeAnswer &answer);

}  // namespace sso
