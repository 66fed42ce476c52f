// OpenID Connect login over the store and the back channel: authorization redirect, then the
// callback (state, token exchange, JWKS, ID token, session).
#pragma once

#include <span>
#include <string_view>

#include "oidc/flow_state.h"
#include "oidc/provider.h"
#include "sso/sso.h"

namespace sso {

// Starts a login at `provider` (the login endpoint chose it).
void OidcLoginBegin(sso_txn &txn, OidcProvider &provider, std::string return_to,
                    std::span<const uint8_t> random, int64_t now_ms, sso_step &out);

void OidcCallbackBegin(sso_txn &txn, const sso_oidc_callback_request &request, sso_step &out);

// Continuations with the store's replies or an HTTP answer (called by the generic resumes,
// engine/flow_resume.h).
void OidcLoginResumeStore(sso_txn &txn, OidcLoginState &login,
                          std::span<const sso_store_reply> replies, sso_step &out);
void OidcLoginResumeHttp(sso_txn &txn, OidcLoginState &login, int status, std::string_view body,
                         int64_t now_ms, sso_step &out);
void OidcCallbackResumeStore(sso_txn &txn, OidcCallbackState &callback,
                             std::span<const sso_store_reply> replies, int64_t now_ms,
                             sso_step &out);
void OidcCallbackResumeHttp(sso_txn &txn, OidcCallbackState &callback, int status,
                            std::string_view body, int64_t now_ms, sso_step &out);

}  // namespace sso
