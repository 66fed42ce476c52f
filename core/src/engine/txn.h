// Transaction: the per-request state behind an sso_txn handle. What every request shares, and
// the state of the one flow it runs now.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "engine/flow_state.h"
#include "engine/step_output.h"
#include "sso/sso.h"

namespace sso {
struct ValidSession;

// A session the gate refused for an sso_require line: what its audit line says, once the
// caller has the request id (sso_error_page).
struct AccessDenial {
  std::string rule;  // the line's own text
  std::string provider;
  std::string subject;
  std::string user;
  int64_t now_ms = 0;
};
}  // namespace sso

struct sso_txn {
  explicit sso_txn(sso_engine &e) : engine(e) {}

  sso_engine &engine;
  void *caller_data = nullptr;  // sso_txn_set_data: how the caller finds its request again
  std::string request_id;       // the caller's, for audit lines and hook calls
  bool json_errors = false;     // error pages as JSON: the gate refused an API client
  std::string return_to;        // where the person was going, for the actions of an error page
  sso::FlowState flow;          // what resumes are taken (SSO_ERR_BAD_STATE for the others)
  sso::StepOutput output;       // behind the views handed out in sso_step / plans

  // The identity of a valid session (after SSO_STEP_ALLOW), possibly shared with the cache.
  std::shared_ptr<const sso::ValidSession> session;
  std::optional<sso::AccessDenial> denial;
  // An ACS or OIDC callback under way: its protocol ("saml", "oidc") and provider, for the
  // login event of its last step.
  const char *login_protocol = nullptr;
  std::string login_provider;  // the gate refused the session (sso_require)

  // As new, for the next request (nothing of this one may leak into it).
  void Reset() {
    caller_data = nullptr;
    request_id.clear();
    json_errors = false;
    return_to.clear();
    flow = std::monostate{};
    output.Clear();
    session.reset();
    denial.reset();
    login_protocol = nullptr;
    login_provider.clear();
  }
};
