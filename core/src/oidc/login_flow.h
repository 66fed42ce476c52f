// OpenID Connect login over the store and the back channel: authorization redirect, then the
// callback (state, token exchange, JWKS, ID token, session).
#pragma once

#include <string_view>

#include "oidc/provider.h"
#include "sso/sso.h"

namespace sso {

// Starts a login at `provider` (the login endpoint chose it).
void OidcLoginBegin(sso_txn &txn, OidcProvider &provider, std::string return_to,
                    std::span<const uint8_t> random, int64_t now_ms, sso_step &out);

void OidcCallbackBegin(sso_txn &txn, const sso_oidc_callback_request &request, sso_step &out);

// Continuations for the OIDC states of a transaction (called by the generic resumes).
void OidcResumeStore(sso_txn &txn, std::span<const sso_store_reply> replies, int64_t now_ms,
                     sso_step &out);
void OidcResumeHttp(sso_txn &txn, int status, std::string_view body, int64_t now_ms, sso_step &out);

}  // namespace sso
