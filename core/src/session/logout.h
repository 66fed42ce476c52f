// Local logout (POST to the logout endpoint): the session named by the cookie ends on every
// worker and node, the browser's copy is cleared, and the person lands on the logout redirect.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "sso/sso.h"

namespace sso {

// A STORE step with DEL of the record then PUBLISH of its digest, in that order; without a
// well-formed cookie there is nothing to end and the step is the 303 itself.
void LogoutBegin(sso_txn &txn, std::string_view cookie, sso_step &out);
// The 303 once the record is gone; an error page if it could not be deleted.
void LogoutResume(sso_txn &txn, std::span<const sso_store_reply> replies, sso_step &out);

}  // namespace sso
