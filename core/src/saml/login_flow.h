// SAML login flows over the store: SP-initiated login, the ACS, and SP metadata.
#pragma once

#include <span>
#include <string_view>

#include "saml/flow_state.h"
#include "sso/sso.h"

namespace sso {

// The login endpoint, for either protocol: picks the provider (or shows the chooser).
void LoginBegin(sso_txn &txn, const sso_login_request &request, sso_step &out);
void AcsBegin(sso_txn &txn, const sso_acs_request &request, sso_step &out);
void SamlMetadata(sso_txn &txn, std::string_view provider, sso_step &out);

// Continuations with the store's replies (called by FlowResume, engine/flow_resume.h).
void SamlLoginResume(sso_txn &txn, SamlLoginState &login, std::span<const sso_store_reply> replies,
                     sso_step &out);
void AcsResume(sso_txn &txn, SamlAcsState &acs, std::span<const sso_store_reply> replies,
               int64_t now_ms, sso_step &out);

}  // namespace sso
