// A local logout waits only for its DEL and PUBLISH: it carries nothing between them.
#pragma once

namespace sso {

struct LogoutState {};

}  // namespace sso
