// The app's provisioning hook, as data: the signed JSON request a login makes, and what its
// answer means. No I/O: the flow asks the caller to make the call.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "provision/policy.h"
#include "session/record.h"
#include "sso/sso.h"

namespace sso {

struct HookRequest {
  std::string body;     // application/json
  std::string headers;  // "Idempotency-Key: ...\r\nX-SSO-Signature: t=...,v1=...\r\n"
};

struct HookFacts {
  std::string_view protocol;  // "saml" | "oidc"
  const Identity &identity;
  const PolicyOutcome &policy;
  bool auto_create;
  std::optional<std::string> known_user_id;  // from an earlier login, if any
  std::string provisioned_user_id;           // else the app's answer to SCIM's "provision"
  std::string_view request_id;
  std::string_view idempotency_key;  // the attempt's (provision_lock.h)
  int64_t now_ms;
};

// The body, the Idempotency-Key header and the HMAC-SHA256 signature over "<unix time>.<body>".
HookRequest BuildHookRequest(const HookFacts &facts, std::string_view secret);

// "X-SSO-Signature: t=<unix time>,v1=<HMAC-SHA256 of "<unix time>.<body>">\r\n".
std::string SignatureHeader(std::string_view secret, int64_t now_ms, std::string_view body);

// Something the app is told about an account after the fact (a logout, a revocation).
struct HookEvent {
  std::string event;   // "logout"
  std::string reason;  // "user" | "backchannel" | "idp_slo" | "frontchannel" | "admin"
  std::string provider;
  std::string subject;
  std::string user_id;  // the app's, from the session record; empty when unknown
  long long sessions = 0;
  std::string request_id;
  int64_t now_ms = 0;
};

// The signed JSON body of an event, as the hook gets it (no Idempotency-Key: nothing is
// created, and telling twice is harmless).
HookRequest BuildEventRequest(const HookEvent &event, std::string_view secret);

// An account the identity provider changed through SCIM: "provision" (it may create the
// account before the first login, and answers like a login), "deprovision" (deactivated or
// deleted: its sessions ended) or "reactivate".
struct AccountEvent {
  std::string event;
  std::string reason;  // deprovision: "deactivated" | "deleted"
  std::string provider;
  std::string issuer;       // the provider's IdP entity ID or OIDC issuer
  std::string user_id;      // the app's; empty: null
  long long sessions = -1;  // deprovision: how many ended with this request; -1: not sent
  std::string scim_id;
  std::string user_name;
  std::string external_id;
  std::string email;
  std::string name;
  bool active = true;
  // provision: what the app may do, as for a first login
  std::vector<std::string> roles;
  bool create = true;
  bool link_allowed = false;
  std::string idempotency_key;  // provision: the same for a retry of the same request
  std::string request_id;
  int64_t now_ms = 0;
};

HookRequest BuildAccountEventRequest(const AccountEvent &event, std::string_view secret);

enum class HookOutcome { kCreated, kLinked, kUpdated, kUnchanged };

struct HookAnswer {
  sso_status status = SSO_OK;  // SSO_OK, or JIT_DENIED / PENDING / CONFLICT / UNAVAILABLE /
                               // HOOK_INVALID
  HookOutcome outcome = HookOutcome::kUpdated;
  std::string user_id;
  std::optional<std::vector<std::string>> roles;  // the app's roles, when it sends them
  std::string reason;                             // from a 403, for the audit line only
  // Whether we know what the app did. Known: a usable answer, 403, 202, 409, an answer beyond
  // what was allowed, or a 3xx/4xx (the app refused the request). Unknown: no complete answer
  // (0: timeout, refused, reset, cut short, bytes after the answer), a 1xx or 5xx, or a
  // 200/201 whose body is not a valid answer: the app may have made the account.
  bool outcome_known = true;
};

// 201 created, 200 linked/updated/unchanged, 403 denied, 202 pending, 409 conflict; anything
// else (0 for no answer, 5xx, bad JSON) is unavailable or invalid. `link_allowed` and
// `create_allowed` are what we told the app: an answer beyond them fails closed.
HookAnswer ParseHookAnswer(int http_status, std::string_view body, bool link_allowed,
                           bool create_allowed);

const char *OutcomeName(HookOutcome outcome);

}  // namespace sso
