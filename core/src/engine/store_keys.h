// Names of the Redis keys the core reads and writes. Cookie values never appear in a key.
#pragma once

#include <string>
#include <string_view>

#include "session/session_id.h"

namespace sso {

// "<prefix>s:<sha256(cookie)>": one session record.
inline std::string SessionKeyFromDigest(std::string_view prefix, std::string_view digest) {
  return std::string(prefix).append("s:").append(digest);
}

// "<prefix><kind><sha256(provider NUL value)>": a set of session digests under one name.
inline std::string IndexKey(std::string_view prefix, std::string_view kind,
                            std::string_view provider, std::string_view value) {
  std::string id(provider);
  id.push_back('\0');
  id.append(value);
  return std::string(prefix).append(kind).append(Sha256Hex(id));
}

// "<prefix>u:...": the sessions of one subject (every channel that names a person).
inline std::string SubjectIndexKey(std::string_view prefix, std::string_view provider,
                                   std::string_view subject) {
  return IndexKey(prefix, "u:", provider, subject);
}

// "<prefix>sid:...": the sessions an OIDC provider's sid names.
inline std::string SidIndexKey(std::string_view prefix, std::string_view provider,
                               std::string_view sid) {
  return IndexKey(prefix, "sid:", provider, sid);
}

// "<prefix>si:...": the sessions a SAML SessionIndex names.
inline std::string SessionIndexKey(std::string_view prefix, std::string_view provider,
                                   std::string_view session_index) {
  return IndexKey(prefix, "si:", provider, session_index);
}

// "<prefix>uid:...": the sessions of one app user id, whatever the provider (sso-admin's
// revoke --user). Only logins write it; a member whose record is gone is dropped when read.
inline std::string UserIndexKey(std::string_view prefix, std::string_view user) {
  return IndexKey(prefix, "uid:", "", user);
}

// "<prefix>em:...": the sessions of one email address (ASCII lower case), whatever the
// provider (sso-admin's revoke --email); like UserIndexKey.
inline std::string EmailIndexKey(std::string_view prefix, std::string_view email) {
  std::string lower(email);
  for (char &c : lower)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return IndexKey(prefix, "em:", "", lower);
}

// "<prefix>acct:<sha256(issuer LF subject)>": the account record of just-in-time
// provisioning (the app's user id and roles for that person), and with "lock:"/"attempt:"
// the names of its single-flight lock.
inline std::string AccountHash(std::string_view issuer, std::string_view subject) {
  std::string id(issuer);
  id.push_back('\n');
  id.append(subject);
  return Sha256Hex(id);
}
inline std::string AccountKey(std::string_view prefix, std::string_view issuer,
                              std::string_view subject) {
  return std::string(prefix).append("acct:").append(AccountHash(issuer, subject));
}

}  // namespace sso
