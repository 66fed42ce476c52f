// What the gate keeps while the store reads the session: the request facts that shape a
// "log in first" answer, and where the session would be found and cached.
#pragma once

#include <cstdint>
#include <string>

namespace sso {

struct AccessRules;

struct GateState {
  const AccessRules *rules = nullptr;  // the location's sso_require lines (configuration's)
  bool browser_navigation = false;
  bool accepts_html = false;  // errors as a page, not JSON
  bool had_cookie = false;
  bool login_url_request = false;  // the request is for the login URL itself
  std::string return_to;
  std::string session_key;
  std::string session_digest;
  std::string session_cookie;  // only to key the cache entry; never logged
  uint64_t cache_generation = 0;
};

}  // namespace sso
