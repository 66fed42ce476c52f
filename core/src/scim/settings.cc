#include "scim/settings.h"

#include <openssl/crypto.h>

#include "scim/protocol.h"
#include "session/session_id.h"
#include "text/http_text.h"

namespace sso::scim {

sso_status MakeSettings(std::string_view token, Settings &out) {
  if (token.size() < kMinTokenBytes || HasControlCharacter(token) ||
      token.find(' ') != std::string_view::npos)
    return SSO_CONFIG_WEAK_SCIM_TOKEN;
  out.token_digest = Sha256Hex(token);
  return out.token_digest.size() == 64 ? SSO_OK : SSO_ERR_INTERNAL;
}

bool Authorized(const Settings &settings, std::string_view authorization) {
  constexpr std::string_view kScheme = "bearer ";
  if (authorization.size() <= kScheme.size() ||
      !EqualsNoCase(authorization.substr(0, kScheme.size()), kScheme))
    return false;
  std::string_view token = authorization.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  std::string presented = Sha256Hex(token);
  return presented.size() == 64 && settings.token_digest.size() == 64 &&
         CRYPTO_memcmp(presented.data(), settings.token_digest.data(), 64) == 0;
}

}  // namespace sso::scim
