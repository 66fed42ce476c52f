// SAML login flows over the store: SP-initiated login, the ACS, and SP metadata.
#pragma once

#include <span>
#include <string_view>

#include "sso/sso.h"

namespace sso {

void LoginBegin(sso_txn &txn, const sso_login_request &request, sso_step &out);
void AcsBegin(sso_txn &txn, const sso_acs_request &request, sso_step &out);
void FlowResume(sso_txn &txn, std::span<const sso_store_reply> replies, int64_t now_ms,
                sso_step &out);
void SamlMetadata(sso_txn &txn, std::string_view provider, sso_step &out);

}  // namespace sso
