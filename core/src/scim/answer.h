// The last step of a SCIM request: an application/scim+json PAGE (or a 401 asking for the
// bearer token), which ends the flow.
#pragma once

#include <string>
#include <string_view>

#include "scim/protocol.h"
#include "sso/sso.h"

namespace sso::scim {

// `status` with `body` (none for 204), and an ETag and a Location header when given.
void Answer(sso_txn &txn, int status, std::string body, sso_step &out, std::string etag = {},
            std::string location = {});

// The error, and an info line naming it (its detail is always a text of ours).
void AnswerError(sso_txn &txn, const Error &error, sso_step &out);

// 401 with WWW-Authenticate: Bearer, and a warning line (never the token).
void AnswerUnauthorized(sso_txn &txn, std::string_view provider, sso_step &out);

// 503: the store, or the app's hook, failed; the identity provider retries. A warning line
// names `why`; `detail` goes to the identity provider.
void AnswerUnavailable(sso_txn &txn, sso_status why, std::string detail, sso_step &out);

}  // namespace sso::scim
