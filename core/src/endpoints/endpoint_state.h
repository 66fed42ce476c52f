// An endpoint that asked the module for the request body (the ACS), until the body is in.
#pragma once

#include <cstdint>
#include <vector>

namespace sso {

struct AwaitingBodyState {
  enum class For { kAcs, kBackchannelLogout, kSamlSlo };
  For endpoint = For::kAcs;
  std::vector<uint8_t> random;  // the request's CSPRNG bytes, for the flow the body starts
};

}  // namespace sso
