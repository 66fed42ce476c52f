#include "provision/hook.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <nlohmann/json.hpp>

#include "session/session_id.h"
#include "text/http_text.h"

namespace sso {
namespace {

using Json = nlohmann::json;

constexpr size_t kMaxUserId = 256;
constexpr size_t kMaxRoles = 64;

std::string Hex(const unsigned char *data, size_t len) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (size_t i = 0; i < len; ++i) {
    out.push_back(kDigits[data[i] >> 4]);
    out.push_back(kDigits[data[i] & 0xf]);
  }
  return out;
}

std::string HmacSha256Hex(std::string_view key, std::string_view message) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
            reinterpret_cast<const unsigned char *>(message.data()), message.size(), mac, &len))
    return {};
  return Hex(mac, len);
}

bool CleanText(const std::string &s, size_t max) {
  return !s.empty() && s.size() <= max && !HasControlCharacter(s);
}

}  // namespace

const char *OutcomeName(HookOutcome outcome) {
  switch (outcome) {
    case HookOutcome::kCreated:
      return "created";
    case HookOutcome::kLinked:
      return "linked";
    case HookOutcome::kUnchanged:
      return "unchanged";
    default:
      return "updated";
  }
}

HookRequest BuildHookRequest(const HookFacts &f, std::string_view secret) {
  const Identity &id = f.identity;
  Json body = {{"event", "login"},
               {"protocol", f.protocol},
               {"provider", id.provider},
               {"issuer", id.issuer},
               {"subject", id.subject},
               {"email", id.email},
               {"email_verified", f.policy.email_verified},
               {"name", id.name},
               {"groups", id.groups},
               {"roles", id.roles},
               {"attributes", id.attributes},
               {"user_id", f.known_user_id                  ? Json(*f.known_user_id)
                           : !f.provisioned_user_id.empty() ? Json(f.provisioned_user_id)
                                                            : Json(nullptr)},
               {"first_login", !f.known_user_id},
               {"link", f.policy.link_allowed ? "verified_email" : "off"},
               {"create", f.auto_create},
               {"request_id", f.request_id}};
  HookRequest out;
  out.body = body.dump(-1, ' ', false, Json::error_handler_t::replace);
  out.headers = "Idempotency-Key: " + std::string(f.idempotency_key) + "\r\n" +
                SignatureHeader(secret, f.now_ms, out.body);
  return out;
}

std::string SignatureHeader(std::string_view secret, int64_t now_ms, std::string_view body) {
  std::string timestamp = std::to_string(now_ms / 1000);
  return "X-SSO-Signature: t=" + timestamp +
         ",v1=" + HmacSha256Hex(secret, timestamp + "." + std::string(body)) + "\r\n";
}

HookRequest BuildEventRequest(const HookEvent &e, std::string_view secret) {
  Json body = {{"event", e.event},          {"reason", e.reason},   {"provider", e.provider},
               {"subject", e.subject},      {"user_id", e.user_id}, {"sessions", e.sessions},
               {"request_id", e.request_id}};
  HookRequest out;
  out.body = body.dump(-1, ' ', false, Json::error_handler_t::replace);
  out.headers = SignatureHeader(secret, e.now_ms, out.body);
  return out;
}

HookRequest BuildAccountEventRequest(const AccountEvent &e, std::string_view secret) {
  Json scim = {{"id", e.scim_id}, {"userName", e.user_name}, {"active", e.active}};
  if (!e.external_id.empty()) scim["externalId"] = e.external_id;
  Json body = {{"event", e.event},
               {"protocol", "scim"},
               {"provider", e.provider},
               {"issuer", e.issuer},
               {"user_id", e.user_id.empty() ? Json(nullptr) : Json(e.user_id)},
               {"scim", std::move(scim)},
               {"email", e.email},
               {"name", e.name},
               {"request_id", e.request_id}};
  if (!e.reason.empty()) body["reason"] = e.reason;
  if (e.sessions >= 0) body["sessions"] = e.sessions;
  if (e.event == "provision") {
    body["roles"] = e.roles;
    body["create"] = e.create;
    body["link"] = e.link_allowed ? "verified_email" : "off";
  }
  HookRequest out;
  out.body = body.dump(-1, ' ', false, Json::error_handler_t::replace);
  out.headers = SignatureHeader(secret, e.now_ms, out.body);
  if (!e.idempotency_key.empty())
    out.headers = "Idempotency-Key: " + e.idempotency_key + "\r\n" + out.headers;
  return out;
}

HookAnswer ParseHookAnswer(int status, std::string_view body, bool link_allowed,
                           bool create_allowed) {
  HookAnswer out;
  if (status < 200 || status >= 500) {
    out.status = SSO_JIT_UNAVAILABLE;
    out.outcome_known = false;
    return out;
  }
  Json j = Json::parse(body, nullptr, false);
  if (!j.is_object()) j = Json::object();
  auto text = [&](const char *name) {
    auto it = j.find(name);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  switch (status) {
    case 403:
      out.status = SSO_JIT_DENIED;
      out.reason = text("reason").substr(0, 200);
      if (HasControlCharacter(out.reason)) out.reason.clear();
      return out;
    case 202:
      out.status = SSO_JIT_PENDING;
      return out;
    case 409:
      out.status = SSO_JIT_CONFLICT;
      return out;
    case 200:
    case 201:
      break;
    default:
      out.status = SSO_JIT_HOOK_INVALID;
      return out;
  }

  auto user = j.find("user_id");
  if (user != j.end() && user->is_number_integer())
    out.user_id = std::to_string(user->get<int64_t>());
  else if (user != j.end() && user->is_string())
    out.user_id = user->get<std::string>();
  // From here on the app said it did something we cannot read: the outcome is unknown.
  auto unreadable = [&] {
    out.status = SSO_JIT_HOOK_INVALID;
    out.outcome_known = false;
    return out;
  };
  if (!CleanText(out.user_id, kMaxUserId)) return unreadable();
  if (auto roles = j.find("roles"); roles != j.end()) {
    if (!roles->is_array() || roles->size() > kMaxRoles) return unreadable();
    out.roles.emplace();
    for (const auto &r : *roles) {
      if (!r.is_string() || !CleanText(r.get<std::string>(), 128)) return unreadable();
      out.roles->push_back(r.get<std::string>());
    }
  }

  std::string outcome = text("outcome");
  if (status == 201)
    out.outcome = HookOutcome::kCreated;
  else if (outcome == "linked")
    out.outcome = HookOutcome::kLinked;
  else if (outcome == "unchanged")
    out.outcome = HookOutcome::kUnchanged;
  else
    out.outcome = HookOutcome::kUpdated;
  // The app did what we did not allow: no session on it.
  if ((out.outcome == HookOutcome::kCreated && !create_allowed) ||
      (out.outcome == HookOutcome::kLinked && !link_allowed))
    out.status = SSO_JIT_HOOK_INVALID;
  return out;
}

}  // namespace sso
