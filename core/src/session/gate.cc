#include "session/gate.h"

#include <cctype>
#include <string_view>

#include "authz/rules.h"
#include "engine/engine.h"
#include "engine/flow_steps.h"
#include "engine/store_keys.h"
#include "engine/txn.h"
#include "session/gate_state.h"
#include "session/session_id.h"
#include "text/email_domain.h"
#include "text/http_text.h"
#include "text/views.h"

namespace sso {
namespace {

bool ContainsCaseInsensitive(std::string_view haystack, std::string_view needle) {
  if (needle.size() > haystack.size()) return false;
  for (size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
    size_t j = 0;
    while (j < needle.size() &&
           std::tolower(static_cast<unsigned char>(haystack[i + j])) == needle[j])
      ++j;
    if (j == needle.size()) return true;
  }
  return false;
}

CookieSettings Cookie(const sso_txn &txn) {
  return {txn.engine.settings.cookie_name, txn.engine.settings.cookie_secure};
}

void ResetStep(sso_step &out) { out = sso_step{}; }

// "/sso/login?x" -> "/sso/login"
std::string_view PathOf(std::string_view target) {
  return target.substr(0, target.find_first_of("?#"));
}

// No usable session: send a person to login, give a program a 401 it can act on.
void LoginRequired(sso_txn &txn, const GateState &gate, sso_status reason, sso_step &out) {
  const auto &settings = txn.engine.settings;
  // The login URL behind the gate itself (no sso_endpoints location serves it): a redirect
  // to it would loop forever, and letting it through would open the gate. Fail closed.
  if (gate.login_url_request) return ErrorStep(txn, SSO_LOGIN_URL_GATED, "", out);
  out.reason = reason;
  if (gate.had_cookie) {
    txn.output.set_cookie = SetCookieValue(Cookie(txn), "", 0);
    out.set_cookie = Str(txn.output.set_cookie);
  }
  if (gate.browser_navigation) {
    txn.output.location = settings.login_url;
    txn.output.location.append(settings.login_url.find('?') == std::string::npos ? "?" : "&");
    txn.output.location.append("return_to=").append(UrlEncode(gate.return_to));
    out.kind = SSO_STEP_REDIRECT;
    out.http_status = 302;
    out.location = Str(txn.output.location);
    return;
  }
  txn.output.www_authenticate = "SSO realm=\"sso\", login=\"" + settings.login_url + "\"";
  out.kind = SSO_STEP_UNAUTHORIZED;
  out.http_status = 401;
  out.www_authenticate = Str(txn.output.www_authenticate);
  UnauthorizedBody(txn, "", out);
}

// A session, and a rule of the location it does not meet: 403, a page for a person, JSON for
// a program, and a log line naming the rule (the login redirect would not help).
bool Denied(sso_txn &txn, const AccessRules *rules, const ValidSession &session, bool accepts_html,
            sso_step &out) {
  if (!rules) return false;
  const AccessRule *unmet = FirstUnmetRule(*rules, session.record.identity, session.email_domain);
  if (!unmet) return false;
  const Identity &id = session.record.identity;
  txn.json_errors = !accepts_html;
  ErrorStep(txn, SSO_ACCESS_DENIED, "", out);
  txn.output.warning = unmet->text + " does not hold for user \"" + LogSafe(id.user, 128) +
                       "\" of provider \"" + LogSafe(id.provider, 64) + "\"";
  out.warning = Str(txn.output.warning);
  return true;
}

}  // namespace

bool AcceptsHtml(std::string_view accept, std::string_view sec_fetch_mode,
                 std::string_view x_requested_with) {
  if (!x_requested_with.empty()) return false;
  if (!sec_fetch_mode.empty()) return sec_fetch_mode == "navigate";
  return ContainsCaseInsensitive(accept, "text/html");
}

bool IsBrowserNavigation(std::string_view method, std::string_view accept,
                         std::string_view sec_fetch_mode, std::string_view x_requested_with) {
  if (method != "GET" && method != "HEAD") return false;
  return AcceptsHtml(accept, sec_fetch_mode, x_requested_with);
}

void UnauthorizedBody(sso_txn &txn, std::string_view request_id, sso_step &out) {
  txn.output.body = "{\"error\":\"login_required\",\"login_url\":\"" +
                    JsonEscape(txn.engine.settings.login_url) + "\",\"request_id\":\"" +
                    JsonEscape(request_id) + "\"}\n";
  out.content_type = {"application/json", 16};
  out.body = Str(txn.output.body);
}

void GateBegin(sso_txn &txn, const sso_gate_request &request, sso_step &out) {
  ResetStep(out);
  txn.flow = std::monostate{};
  txn.session.reset();
  txn.json_errors = false;
  const auto *rules = request.rules ? &request.rules->rules : nullptr;

  std::string_view cookie = View(request.session_cookie);
  bool well_formed = IsWellFormedSessionId(cookie);
  // The hot path: a session this process confirmed moments ago (found by the cookie, so no
  // hashing is needed).
  if (well_formed) {
    std::string slide_digest;
    if (auto cached = txn.engine.cache.Find(cookie, request.now_ms, &slide_digest)) {
      if (rules && Denied(txn, rules, *cached,
                          AcceptsHtml(View(request.accept), View(request.sec_fetch_mode),
                                      View(request.x_requested_with)),
                          out))
        return;
      txn.session = std::move(cached);
      out.kind = SSO_STEP_ALLOW;
      out.reason = SSO_SESSION_VALID;
      // Keep the store's idle timeout sliding while this worker answers from its cache: one
      // fire-and-forget PEXPIRE per session and slide interval (it creates no key, so it
      // cannot bring back a revoked session).
      if (!slide_digest.empty()) {
        const auto &settings = txn.engine.settings;
        txn.output.cleanup =
            StoreCommand{"PEXPIRE", SessionKeyFromDigest(settings.key_prefix, slide_digest),
                         std::to_string(settings.idle_ms)};
        out.cleanup = txn.output.cleanup.View();
      }
      return;
    }
  }

  // Facts needed only if the answer may be "log in first".
  GateState gate;
  gate.rules = rules;
  gate.had_cookie = !cookie.empty();
  gate.browser_navigation =
      IsBrowserNavigation(View(request.method), View(request.accept), View(request.sec_fetch_mode),
                          View(request.x_requested_with));
  gate.return_to = SafeReturnTo(View(request.uri));
  gate.accepts_html = AcceptsHtml(View(request.accept), View(request.sec_fetch_mode),
                                  View(request.x_requested_with));
  // whatever fails from here on (the login URL gated, the store down) answers in the
  // request's own terms: a page for a person, JSON for a program
  txn.json_errors = !gate.accepts_html;
  txn.return_to = gate.return_to;
  gate.login_url_request = PathOf(View(request.uri)) == PathOf(txn.engine.settings.login_url);
  if (cookie.empty()) return LoginRequired(txn, gate, SSO_SESSION_NO_COOKIE, out);
  if (!well_formed) return LoginRequired(txn, gate, SSO_SESSION_MALFORMED_COOKIE, out);

  std::string digest = Sha256Hex(cookie);
  if (digest.empty()) return ErrorStep(txn, SSO_ERR_INTERNAL, "", out);
  gate.session_cookie = std::string(cookie);

  gate.session_key = SessionKeyFromDigest(txn.engine.settings.key_prefix, digest);
  gate.session_digest = std::move(digest);
  gate.cache_generation = txn.engine.cache.generation();

  const auto &settings = txn.engine.settings;
  // GETEX slides the idle timeout in the same round trip as the read.
  if (settings.idle_ms > 0)
    txn.output.command =
        StoreCommand{"GETEX", gate.session_key, "PX", std::to_string(settings.idle_ms)};
  else
    txn.output.command = StoreCommand{"GET", gate.session_key};
  txn.flow = std::move(gate);
  out.kind = SSO_STEP_STORE;
  out.reason = SSO_OK;
  txn.output.step_views = {txn.output.command.View()};
  out.commands = txn.output.step_views.data();
  out.commands_count = 1;
}

void GateResume(sso_txn &txn, const sso_store_reply &reply, int64_t now_ms, sso_step &out) {
  ResetStep(out);
  GateState gate = EndFlow<GateState>(txn.flow);
  switch (reply.type) {
    case SSO_REPLY_FAILED:
      return ErrorStep(
          txn, reply.failure == SSO_STORE_TIMEOUT ? SSO_STORE_TIMEOUT : SSO_STORE_UNAVAILABLE, "",
          out);
    case SSO_REPLY_ERROR:
      return ErrorStep(txn, SSO_STORE_ERROR_REPLY, "", out);
    case SSO_REPLY_NIL:
      return LoginRequired(txn, gate, SSO_SESSION_NOT_FOUND, out);
    case SSO_REPLY_STRING:
      break;
    default:
      return ErrorStep(txn, SSO_STORE_UNEXPECTED_REPLY, "", out);
  }

  auto record = ParseRecord(View(reply.str));
  sso_status reason = SSO_SESSION_VALID;
  if (!record)
    reason = SSO_SESSION_CORRUPT_RECORD;
  else if (now_ms >= record->expires_ms)
    reason = SSO_SESSION_EXPIRED;
  if (reason != SSO_SESSION_VALID) {
    // The record is useless to everyone: drop it now rather than at its idle expiry.
    txn.output.cleanup = StoreCommand{"DEL", gate.session_key};
    LoginRequired(txn, gate, reason, out);
    out.cleanup = txn.output.cleanup.View();
    return;
  }
  auto valid = std::make_shared<ValidSession>();
  valid->groups = JoinList(record->identity.groups);
  valid->roles = JoinList(record->identity.roles);
  valid->email_domain = EmailDomain(record->identity.email).value_or("");
  valid->record = std::move(*record);
  txn.engine.cache.Insert(std::move(gate.session_cookie), gate.session_digest, valid, now_ms,
                          gate.cache_generation);
  if (Denied(txn, gate.rules, *valid, gate.accepts_html, out)) return;
  txn.session = std::move(valid);
  out.kind = SSO_STEP_ALLOW;
  out.reason = SSO_SESSION_VALID;
}

}  // namespace sso
