#include "session/gate.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <string_view>
#include <utility>
#include <variant>

#include "authz/rules.h"
#include "engine/engine.h"
#include "engine/flow_steps.h"
#include "engine/store_keys.h"
#include "engine/txn.h"
#include "scim/protocol.h"
#include "session/gate_state.h"
#include "session/session_id.h"
#include "session/session_reads.h"
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
            int64_t now_ms, sso_step &out) {
  if (!rules) return false;
  const bool by_domain = std::any_of(rules->rules.begin(), rules->rules.end(), [](const auto &r) {
    return r.kind == AccessRule::Kind::kEmailDomain;
  });
  const AccessRule *unmet =
      FirstUnmetRule(*rules, session.record.identity, by_domain ? session.EmailDomainOnce() : "");
  if (!unmet) return false;
  const Identity &id = session.record.identity;
  txn.json_errors = !accepts_html;
  ErrorStep(txn, SSO_ACCESS_DENIED, "", out);
  txn.output.warning = unmet->text + " does not hold for user \"" + LogSafe(id.user, 128) +
                       "\" of provider \"" + LogSafe(id.provider, 64) + "\"";
  out.warning = Str(txn.output.warning);
  out.gate = SSO_GATE_DENIED;
  txn.denial = AccessDenial{unmet->text, id.provider, id.subject, id.user, now_ms};
  return true;
}

// The gate's decision for the metrics, once it is made (a denial says so itself).
void Decide(sso_step &out) {
  if (out.kind == SSO_STEP_SESSION_READ || out.gate != SSO_GATE_NONE) return;
  switch (out.kind) {
    case SSO_STEP_ALLOW:
      out.gate = SSO_GATE_ALLOW;
      return;
    case SSO_STEP_REDIRECT:
    case SSO_STEP_UNAUTHORIZED:
      out.gate = SSO_GATE_LOGIN_REQUIRED;
      return;
    default:
      out.gate = SSO_GATE_ERROR;
  }
}

void Begin(sso_txn &txn, const sso_gate_request &request, sso_step &out);
void ResumeRead(sso_txn &txn, sso_step &out);

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
  Begin(txn, request, out);
  Decide(out);
}

void GateResumeRead(sso_txn &txn, sso_step &out) {
  ResumeRead(txn, out);
  Decide(out);
}

void AccessDeniedAudit(sso_txn &txn, std::string_view request_id, sso_step &out) {
  if (!txn.denial) return;
  const AccessDenial &d = *txn.denial;
  nlohmann::json line = {
      {"time", scim::IsoTime(d.now_ms)}, {"event", "access_denied"}, {"rule", d.rule},
      {"provider", d.provider},          {"subject", d.subject},     {"user_id", d.user},
      {"request_id", request_id}};
  txn.output.audit = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  out.audit = Str(txn.output.audit);
  txn.denial.reset();
}

namespace {

void Begin(sso_txn &txn, const sso_gate_request &request, sso_step &out) {
  ResetStep(out);
  txn.flow = std::monostate{};
  txn.session.reset();
  txn.denial.reset();
  txn.json_errors = false;
  const auto *rules = request.rules ? &request.rules->rules : nullptr;

  std::string_view cookie = View(request.session_cookie);
  bool well_formed = IsWellFormedSessionId(cookie);
  // The hot path: a session this process confirmed moments ago (found by the cookie, so no
  // hashing is needed).
  if (well_formed) {
    std::string slide_digest;
    if (auto cached = txn.engine.cache.Find(cookie, request.now_ms, &slide_digest)) {
      out.cache = SSO_CACHE_HIT;
      if (rules && Denied(txn, rules, *cached,
                          AcceptsHtml(View(request.accept), View(request.sec_fetch_mode),
                                      View(request.x_requested_with)),
                          request.now_ms, out))
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

  if (well_formed && txn.engine.cache.usable()) out.cache = SSO_CACHE_MISS;
  // Facts needed only if the answer may be "log in first".
  GateState gate;
  gate.now_ms = request.now_ms;
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
  const auto &settings = txn.engine.settings;
  gate.session_key = SessionKeyFromDigest(settings.key_prefix, digest);

  // A read of this session already under way answers this request too, unless a revocation
  // was heard since it began (this request must see it), or revocations are not heard at
  // all (cache off: every request reads for itself).
  SessionReads &reads = txn.engine.reads;
  uint64_t generation = txn.engine.cache.generation();
  uint64_t read_id = txn.engine.cache.usable() ? reads.Joinable(cookie, generation) : 0;
  const bool first = read_id == 0;
  if (first) {
    // GETEX slides the idle timeout in the same round trip as the read.
    if (settings.idle_ms > 0)
      txn.output.command =
          StoreCommand{"GETEX", gate.session_key, "PX", std::to_string(settings.idle_ms)};
    else
      txn.output.command = StoreCommand{"GET", gate.session_key};
    read_id = reads.Start(std::string(cookie), std::move(digest), generation);
  }
  reads.Join(read_id, &txn);
  gate.read_id = read_id;
  txn.flow = std::move(gate);
  out.kind = SSO_STEP_SESSION_READ;
  out.reason = SSO_OK;
  out.read_id = read_id;
  if (first) {
    txn.output.step_views = {txn.output.command.View()};
    out.commands = txn.output.step_views.data();
    out.commands_count = 1;
  }
}

// What a store reply says about a session, checked once for every request that waited.
SessionRead ReadOutcome(const sso_store_reply &reply, int64_t now_ms) {
  SessionRead read;
  switch (reply.type) {
    case SSO_REPLY_FAILED:
      read.reason = reply.failure == SSO_STORE_TIMEOUT ? SSO_STORE_TIMEOUT : SSO_STORE_UNAVAILABLE;
      return read;
    case SSO_REPLY_ERROR:
      read.reason = SSO_STORE_ERROR_REPLY;
      return read;
    case SSO_REPLY_NIL:
      read.reason = SSO_SESSION_NOT_FOUND;
      return read;
    case SSO_REPLY_STRING:
      break;
    default:
      read.reason = SSO_STORE_UNEXPECTED_REPLY;
      return read;
  }
  auto record = ParseRecord(View(reply.str));
  if (!record || now_ms >= record->expires_ms) {
    // The record is useless to everyone: drop it now rather than at its idle expiry.
    read.reason = record ? SSO_SESSION_EXPIRED : SSO_SESSION_CORRUPT_RECORD;
    read.drop_record = true;
    return read;
  }
  auto valid = std::make_shared<ValidSession>();
  valid->groups = JoinList(record->identity.groups);
  valid->roles = JoinList(record->identity.roles);
  valid->record = std::move(*record);
  read.session = std::move(valid);
  return read;
}

}  // namespace

void SessionReadDone(sso_engine &engine, uint64_t read_id, const sso_store_reply &reply,
                     int64_t now_ms) {
  SessionReads::Read *read = engine.reads.Finish(read_id);
  if (!read) return;
  auto outcome = std::make_shared<SessionRead>(ReadOutcome(reply, now_ms));
  // Cached only if no revocation was heard while the read was under way: the reply and the
  // announcement travel on different connections and can arrive in either order.
  if (outcome->session)
    engine.cache.Insert(read->cookie, read->digest, outcome->session, now_ms, read->generation);
  for (sso_txn *waiter : read->waiters)
    if (auto *gate = std::get_if<GateState>(&waiter->flow)) gate->read = outcome;
}

void GateLeave(sso_txn &txn) {
  if (auto *gate = std::get_if<GateState>(&txn.flow); gate && gate->read_id)
    txn.engine.reads.Leave(gate->read_id, &txn);
}

namespace {

void ResumeRead(sso_txn &txn, sso_step &out) {
  ResetStep(out);
  GateState gate = EndFlow<GateState>(txn.flow);
  SessionRead &read = *gate.read;
  switch (read.reason) {
    case SSO_SESSION_VALID:
      if (Denied(txn, gate.rules, *read.session, gate.accepts_html, gate.now_ms, out)) return;
      txn.session = read.session;
      out.kind = SSO_STEP_ALLOW;
      out.reason = SSO_SESSION_VALID;
      return;
    case SSO_SESSION_NOT_FOUND:
    case SSO_SESSION_EXPIRED:
    case SSO_SESSION_CORRUPT_RECORD:
      LoginRequired(txn, gate, read.reason, out);
      if (std::exchange(read.drop_record, false)) {  // one DEL, however many waited
        txn.output.cleanup = StoreCommand{"DEL", gate.session_key};
        out.cleanup = txn.output.cleanup.View();
      }
      return;
    default:
      return ErrorStep(txn, read.reason, "", out);
  }
}

}  // namespace

}  // namespace sso
