// An endpoint that asked the module for the request body (the ACS, SCIM writes...), until the
// body is in.
#pragma once

#include <cstdint>
#include <vector>

#include "scim/flow_state.h"

namespace sso {

struct AwaitingBodyState {
  enum class For { kAcs, kBackchannelLogout, kSamlSlo, kSamlSoap, kScim };
  For endpoint = For::kAcs;
  std::vector<uint8_t> random;  // the request's CSPRNG bytes, for the flow the body starts
  ScimRequest scim;             // kScim: the request as routed and authorized
};

}  // namespace sso
