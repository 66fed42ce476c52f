// Local logout (POST to the logout endpoint): the session named by the cookie ends on every
// worker and node and the browser's copy is cleared. When the session came from an OpenID
// provider with RP-Initiated Logout set up (oidc_post_logout_redirect_uri and an
// end_session_endpoint), the person then goes there to end the provider's session too;
// otherwise to the logout redirect.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "session/logout_state.h"
#include "sso/sso.h"

namespace sso {

// A STORE step with GETDEL of the record then PUBLISH of its digest, in that order; without a
// well-formed cookie there is nothing to end and the step is the 303 itself. `random`: at
// least 16 bytes from a CSPRNG, for the state parameter.
void LogoutBegin(sso_txn &txn, std::string_view cookie, std::span<const uint8_t> random,
                 sso_step &out);
// The 303 once the record is gone; an error page if it could not be deleted.
void LogoutResume(sso_txn &txn, LogoutState &logout, std::span<const sso_store_reply> replies,
                  int64_t now_ms, sso_step &out);
// The provider's discovery document, fetched for its end_session_endpoint.
void LogoutResumeHttp(sso_txn &txn, LogoutState &logout, int status, std::string_view body,
                      int64_t now_ms, sso_step &out);

}  // namespace sso
