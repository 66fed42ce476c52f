// What the gate keeps while the store reads the session: the request facts that shape a
// "log in first" answer, and the shared read it waits on.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace sso {

struct AccessRules;
struct SessionRead;

struct GateState {
  const AccessRules *rules = nullptr;  // the location's sso_require lines (configuration's)
  bool browser_navigation = false;
  bool accepts_html = false;  // errors as a page, not JSON
  bool had_cookie = false;
  bool login_url_request = false;  // the request is for the login URL itself
  int64_t now_ms = 0;              // when the request came (for an audit line)
  std::string return_to;
  std::string session_key;            // for the DEL of a corrupt or expired record
  uint64_t read_id = 0;               // the worker's read of the session this request waits on
  std::shared_ptr<SessionRead> read;  // its outcome, once it ended
};

}  // namespace sso
