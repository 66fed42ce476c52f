// OpenID Connect Back-Channel Logout 1.0 (the RP side): the provider POSTs a logout token;
// once it passes every check of §2.6 and its jti is spent, every session its sid (or, without
// one, its sub) names ends on every worker and node. The provider gets 200, 400 for a token
// that is not valid, or 503 when we could not check it (it may try again).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "oidc/flow_state.h"
#include "sso/sso.h"

namespace sso {

// Front-Channel Logout 1.0: the provider's page loads `.../oidc/frontchannel-logout?iss=&sid=`
// in an iframe. A GET that ends sessions, so only for providers that turned it on
// (oidc_frontchannel_logout), only with both iss and sid, and only the sessions of that sid:
// 200 with an empty page, or 400.
void FrontchannelLogoutBegin(sso_txn &txn, std::string_view query, sso_step &out);

void BackchannelLogoutBegin(sso_txn &txn, std::string_view form_body, int64_t now_ms,
                            sso_step &out);
void BackchannelLogoutResumeStore(sso_txn &txn, BackchannelLogoutState &logout,
                                  std::span<const sso_store_reply> replies, int64_t now_ms,
                                  sso_step &out);
void BackchannelLogoutResumeHttp(sso_txn &txn, BackchannelLogoutState &logout, int status,
                                 std::string_view body, int64_t now_ms, sso_step &out);

}  // namespace sso
