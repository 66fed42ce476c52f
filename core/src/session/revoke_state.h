// What a revocation keeps while the store reads the subject's sessions.
#pragma once

#include <string>

namespace sso {

struct RevokeState {
  std::string index_key;  // the subject's index, deleted with its members
};

}  // namespace sso
