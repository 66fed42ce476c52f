// The module's own URLs: which endpoint a request is for, whether it takes the method, and
// the flow that answers it. The module hands over the request as received; everything that
// is protocol or policy is decided here.
#pragma once

#include <cstdint>
#include <string_view>

#include "sso/sso.h"

namespace sso {

void EndpointBegin(sso_txn &txn, const sso_endpoint_request &request, sso_step &out);
// The ACS's form, once the module read it.
void EndpointResumeBody(sso_txn &txn, std::string_view body, int64_t now_ms, sso_step &out);

}  // namespace sso
