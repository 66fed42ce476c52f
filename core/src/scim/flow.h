// The SCIM 2.0 service provider of a provider with a SCIM token, under the endpoints location:
// .../scim/v2/<provider>/{ServiceProviderConfig,ResourceTypes,Schemas,Users,Groups}. The
// router hands it every path with "/scim/v2/" in it; it checks the bearer token, routes by
// resource and method, and answers application/scim+json (README "SCIM 2.0").
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "scim/flow_state.h"
#include "sso/sso.h"

namespace sso {

bool IsScimPath(std::string_view path);

void ScimBegin(sso_txn &txn, const sso_endpoint_request &request, sso_step &out);
// POST, PUT, PATCH once the module read the body.
void ScimResumeBody(sso_txn &txn, ScimRequest request, std::string_view body, int64_t now_ms,
                    sso_step &out);
void ScimResumeStore(sso_txn &txn, ScimState &s, std::span<const sso_store_reply> replies,
                     int64_t now_ms, sso_step &out);
void ScimResumeHttp(sso_txn &txn, ScimState &s, int status, std::string_view body, int64_t now_ms,
                    sso_step &out);

}  // namespace sso
