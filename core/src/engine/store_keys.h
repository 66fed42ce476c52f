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

// "<prefix>u:<sha256(provider NUL subject)>": the set of session digests of one subject.
inline std::string SubjectIndexKey(std::string_view prefix, std::string_view provider,
                                   std::string_view subject) {
  std::string id(provider);
  id.push_back('\0');
  id.append(subject);
  return std::string(prefix).append("u:").append(Sha256Hex(id));
}

}  // namespace sso
