// From a validated login identity to a session, for both protocols: the provider's policy,
// then (when the app has a hook) single-flight provisioning through the hook, then the
// session and the 303 back to the return URL.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "engine/txn.h"
#include "session/record.h"
#include "sso/sso.h"

namespace sso {

// `protocol` is "saml" or "oidc"; `random` holds the new session's id bytes; the flow's
// return URL (and OIDC binding cookie to clear) are already in the transaction.
void ProvisionBegin(sso_txn &txn, std::string_view protocol, Identity identity,
                    std::vector<uint8_t> random, int64_t now_ms, sso_step &out);

bool IsProvisionFlow(sso_txn::Flow flow);
void ProvisionResumeStore(sso_txn &txn, std::span<const sso_store_reply> replies, int64_t now_ms,
                          sso_step &out);
void ProvisionResumeHttp(sso_txn &txn, int status, std::string_view body, int64_t now_ms,
                         sso_step &out);
void ProvisionResumeWait(sso_txn &txn, int64_t now_ms, sso_step &out);

}  // namespace sso
