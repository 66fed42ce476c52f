// Ending every session a logout message names: the sessions are found through the indexes the
// login wrote (engine/store_keys.h), and one Lua script deletes them, keeps the indexes tidy
// and announces the digests to every worker's cache, atomically on the store.
#pragma once

#include <string>
#include <vector>

#include "engine/store_command.h"
#include "sso/sso.h"

namespace sso {

// EVAL of the script over `index_keys` (sets of session digests). With `subject` set, only
// records of that subject end (a SAML SessionIndex is the IdP's, the NameID must match too);
// records already gone leave their indexes. The reply is "<sessions ended>\n<the app's user
// id of one of them>".
StoreCommand RevokeIndexes(const std::string &key_prefix, const std::string &channel,
                           const std::vector<std::string> &index_keys, const std::string &subject);

struct RevokeAnswer {
  long long sessions = 0;
  std::string user;  // empty when no session ended
};

// False for a reply the script cannot have given.
bool ReadRevokeAnswer(const sso_store_reply &reply, RevokeAnswer &out);

}  // namespace sso
