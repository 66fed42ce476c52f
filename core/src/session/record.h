// The session record: who the session belongs to and when it ends, as stored in Redis.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sso/sso.h"

namespace sso {

struct Identity {
  std::string provider;
  std::string subject;
  std::string issuer;
  std::string user;
  std::string email;
  std::string name;
  std::vector<std::string> groups;
  std::vector<std::string> roles;
  std::map<std::string, std::string> attributes;
};

// What a later logout message may name this session by, as the provider named it at login.
// Kept in the record (server-side only), never in a variable, a header or a log line.
struct LogoutRefs {
  std::string sid;             // OIDC: the ID token's sid
  std::string id_token;        // OIDC: the id_token_hint of an RP-initiated logout
  std::string name_id_format;  // SAML: the NameID (its value is the subject) ...
  std::string name_qualifier;  //   ... with the qualifiers a LogoutRequest repeats
  std::string sp_name_qualifier;
  std::string session_index;  // SAML: the AuthnStatement's SessionIndex

  bool empty() const {
    return sid.empty() && id_token.empty() && name_id_format.empty() && name_qualifier.empty() &&
           sp_name_qualifier.empty() && session_index.empty();
  }
};

struct SessionRecord {
  Identity identity;
  LogoutRefs logout;
  int64_t created_ms = 0;
  int64_t expires_ms = 0;  // absolute end of the session
};

// Limit on a serialized record; also bounds what a corrupt store value can make us parse.
inline constexpr size_t kMaxRecordBytes = 64 * 1024;

// SSO_OK, or the IDENTITY_* status naming what makes the identity unfit for a session
// (missing provider/subject, a control character that could split a header, too large).
sso_status ValidateIdentity(const Identity &identity);

std::string SerializeRecord(const SessionRecord &record);

// Parses and re-validates a stored record; nullopt for anything not produced by Serialize.
std::optional<SessionRecord> ParseRecord(std::string_view json);

// "a,b%2Cc": the list form used by $sso_groups and $sso_roles.
std::string JoinList(const std::vector<std::string> &items);

}  // namespace sso
