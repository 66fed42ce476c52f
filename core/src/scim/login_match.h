// A login of a provider with SCIM, against the SCIM users of that provider (README "SCIM 2.0",
// the matching rule): the login's subject equals a user's externalId, or equals its userName
// in any case; or the login's verified email equals a user's userName or one of its emails,
// in any case. A match that is deactivated or deleted refuses the login; an active one that
// was provisioned gives the app's user id. The login also leaves its subject index in the
// "seen" sets of its values, so that a later deactivation finds its sessions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/store_command.h"
#include "sso/sso.h"

namespace sso::scim {

struct LoginKeys {
  std::vector<std::string> lookup;  // the index sets a matching user would be in
  std::vector<std::string> seen;    // where this login leaves its subject index
};

// `verified_email` empty when the login has none, or an unverified one.
LoginKeys LoginKeysOf(const std::string &prefix, const std::string &provider,
                      const std::string &subject, const std::string &verified_email);

// EVAL over the lookup sets: "<1 if any match is inactive or deleted, else 0>\n<app user id>".
StoreCommand MatchLogin(const std::vector<std::string> &lookup);

struct LoginMatch {
  bool valid = false;
  bool inactive = false;
  std::string app_user;  // of an active, provisioned match; empty when none
};
LoginMatch ParseLoginMatch(const sso_store_reply &reply);

// SADD of `subject_index` to each seen set, with the index's own expiry rules (an index
// outlives its members and expires with the last: `ttl_ms`, the session lifetime).
std::vector<StoreCommand> RememberLogin(const std::vector<std::string> &seen,
                                        const std::string &subject_index, int64_t ttl_ms);

extern const char kMatchLoginScript[];

}  // namespace sso::scim
