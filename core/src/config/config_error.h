// Why a provider's configuration is refused, for nginx -t: the line at fault and what to do.
#pragma once

#include <string>

#include "sso/sso.h"

namespace sso {

struct ConfigError {
  std::string directive;  // e.g. "oidc_alg"; empty: the block as a whole
  std::string value;      // one of the line's values: tells repeated lines apart
  std::string message;    // quotes the line and says what to do; never a secret
};

// Records why (when `error` is set) and returns `status`, for `return Refuse(...)`.
inline sso_status Refuse(ConfigError *error, sso_status status, std::string directive,
                         std::string value, std::string message) {
  if (error) *error = {std::move(directive), std::move(value), std::move(message)};
  return status;
}

// "oidc_alg HS256", quoted as the configuration has it.
inline std::string Quoted(const std::string &directive, const std::string &value) {
  return "\"" + directive + (value.empty() ? "" : " " + value) + "\"";
}

}  // namespace sso
