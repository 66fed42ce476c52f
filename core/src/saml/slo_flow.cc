#include "saml/slo_flow.h"

#include <nlohmann/json.hpp>

#include "engine/engine.h"
#include "engine/flow_steps.h"
#include "engine/store_keys.h"
#include "engine/txn.h"
#include "saml/logout_message.h"
#include "saml/post_form.h"
#include "saml/soap_binding.h"
#include "saml/xml_sign.h"
#include "session/notify.h"
#include "session/revoke.h"
#include "session/session_id.h"
#include "text/encoding.h"
#include "text/http_text.h"
#include "text/pages.h"
#include "text/views.h"

namespace sso {
namespace {

using Json = nlohmann::json;
using saml::MessageParameter;

// "lq:" remembers the IdP's LogoutRequest IDs (replay), "lr:" the LogoutRequests we sent.
constexpr std::string_view kReplayKind = "lq:";
constexpr std::string_view kPendingKind = "lr:";

const SamlProvider *ProviderNamed(const sso_txn &txn, const std::string &name) {
  auto it = txn.engine.saml_providers.find(name);
  return it == txn.engine.saml_providers.end() ? nullptr : &it->second;
}

const SamlProvider *ProviderByIssuer(const sso_txn &txn, std::string_view issuer) {
  for (const auto &[name, p] : txn.engine.saml_providers)
    if (p.idp_ready && p.idp.entity_id == issuer) return &p;
  return nullptr;
}

std::string ClearedCookie(const sso_txn &txn) {
  const auto &settings = txn.engine.settings;
  return SetCookieValue({settings.cookie_name, settings.cookie_secure}, "", 0);
}

const char *BindingName(SloBinding binding) {
  switch (binding) {
    case SloBinding::kRedirect:
      return "redirect";
    case SloBinding::kPost:
      return "post";
    case SloBinding::kSoap:
      return "soap";
  }
  return "";
}

bool Soap(const sso_txn &txn) {
  const auto *slo = std::get_if<SamlSloState>(&txn.flow);
  return slo && slo->binding == SloBinding::kSoap;
}

// The SOAP binding's answers go to the IdP in this HTTP response: XML, no cookie, no redirect
// (Cache-Control: no-store comes with every answer of ours).
void SoapAnswer(sso_txn &txn, int http_status, sso_status reason, std::string body, sso_step &out) {
  FlowAnswer(txn, http_status, reason, "text/xml; charset=utf-8", std::move(body), out);
}

// A SOAP message we do not act on. SAML Bindings §3.2.3.3: a SOAP-level error (no envelope
// as the binding wants it, a mustUnderstand header) is a SOAP Fault with HTTP 500 (SOAP 1.1
// §6.2), as is our own failure (Server); a responder that refuses the exchange (no valid
// signature of this IdP, the wrong Destination, stale, replayed) SHOULD answer 403, whose body
// does not matter: it carries a Fault that names the check. No signed LogoutResponse for a
// message nobody proved they sent; a SAML processing error after the request was accepted is
// a LogoutResponse with a non-success status instead (Failed).
void SoapRefuse(sso_txn &txn, sso_status reason, sso_step &out) {
  int http_status = 403;
  auto code = saml::SoapFaultCode::kClient;
  switch (reason) {
    case SSO_SAML_SOAP_MUST_UNDERSTAND:
      http_status = 500;
      code = saml::SoapFaultCode::kMustUnderstand;
      break;
    case SSO_SAML_SOAP_MALFORMED:
    case SSO_SAML_XML_MALFORMED:
    case SSO_SAML_DTD_FORBIDDEN:
    case SSO_SAML_RESPONSE_TOO_LARGE:
      http_status = 500;
      break;
    case SSO_ERR_INTERNAL:
    case SSO_ERR_BAD_STATE:
      http_status = 500;
      code = saml::SoapFaultCode::kServer;
      break;
    default:
      break;
  }
  std::string name = sso_status_name(reason);
  SoapAnswer(txn, http_status, reason,
             saml::SoapFault(code, name + ": " + sso_status_message(reason)), out);
  txn.output.warning = "SAML SOAP logout refused: " + name + " (" + sso_status_message(reason) +
                       "), request_id: " + txn.request_id;
  out.warning = Str(txn.output.warning);
}

// The flow's last step is a page (no answer to the IdP), with a log line naming the check.
void Refuse(sso_txn &txn, sso_status reason, sso_step &out) {
  if (Soap(txn)) return SoapRefuse(txn, reason, out);
  txn.flow = std::monostate{};
  std::string logout_url = LogoutUrlBeside(txn.engine.settings.login_url);
  RenderedPage page = RenderLogoutPage(txn.engine.pages, reason, txn.request_id,
                                       {txn.engine.settings.login_url, "", logout_url});
  txn.output.body = std::move(page.body);
  txn.output.content_type = "text/html; charset=utf-8";
  txn.output.warning = std::string("SAML logout refused: ") + sso_status_name(reason) + " (" +
                       sso_status_message(reason) + "), request_id: " + txn.request_id;
  out.kind = SSO_STEP_PAGE;
  out.reason = reason;
  out.http_status = page.http_status;
  out.retry_after_s = page.retry_after_s;
  out.content_type = Str(txn.output.content_type);
  out.content_security_policy = Str(*page.content_security_policy);
  out.body = Str(txn.output.body);
  out.warning = Str(txn.output.warning);
}

void Redirect(sso_txn &txn, std::string location, sso_step &out) {
  txn.flow = std::monostate{};
  txn.output.set_cookie = ClearedCookie(txn);
  txn.output.location = std::move(location);
  out.kind = SSO_STEP_REDIRECT;
  out.reason = SSO_OK;
  out.http_status = 303;
  out.location = Str(txn.output.location);
  out.set_cookie = Str(txn.output.set_cookie);
}

// Which message the request carries and its XML, the signature not yet checked.
struct Received {
  MessageParameter parameter = MessageParameter::kRequest;
  std::string xml;
  std::string relay_state;
};

sso_status Receive(SloBinding binding, std::string_view input, Received &out) {
  if (binding == SloBinding::kSoap) {
    out.parameter = MessageParameter::kRequest;
    return saml::OpenSoapLogoutRequest(input, out.xml);
  }
  if (binding == SloBinding::kRedirect) {
    auto kind = saml::RedirectMessageKind(input);
    if (!kind) return SSO_SAML_BAD_ENCODING;
    out.parameter = *kind;
    saml::RedirectMessage message;
    if (sso_status s = saml::PeekRedirectMessage(input, *kind, message); s != SSO_OK) return s;
    out.xml = std::move(message.xml);
    out.relay_state = std::move(message.relay_state);
    return SSO_OK;
  }
  auto form = ParseForm(input);
  if (!form) return SSO_SAML_BAD_ENCODING;
  std::string request = (*form)["SAMLRequest"], response = (*form)["SAMLResponse"];
  if (request.empty() == response.empty()) return SSO_SAML_BAD_ENCODING;
  out.parameter = request.empty() ? MessageParameter::kResponse : MessageParameter::kRequest;
  auto xml = Base64Decode(request.empty() ? response : request);
  if (!xml) return SSO_SAML_BAD_ENCODING;
  if (xml->size() > saml::kMaxRedirectMessageBytes) return SSO_SAML_RESPONSE_TOO_LARGE;
  out.xml = std::move(*xml);
  out.relay_state = (*form)["RelayState"];
  return SSO_OK;
}

// The HTTP-Redirect binding signs the query, not the XML: check that signature first.
sso_status CheckQuerySignature(SloBinding binding, std::string_view query, const Received &received,
                               const SamlProvider &p) {
  if (binding != SloBinding::kRedirect) return SSO_OK;
  saml::RedirectMessage verified;
  return ReadRedirectMessage(query, received.parameter, p.idp.signing_keys, verified);
}

// Our answer to the IdP's LogoutRequest, `status` Success unless we could not end the sessions.
void Answer(sso_txn &txn, const SamlSloState &slo, const char *status, int64_t now_ms,
            sso_step &out) {
  const SamlProvider *p = ProviderNamed(txn, slo.provider);
  if (!p) return Refuse(txn, SSO_ERR_BAD_STATE, out);
  if (slo.binding == SloBinding::kSoap) {
    // Back-channel: the answer goes back in this HTTP response, so no Destination (the SOAP
    // binding needs none); signed as the HTTP-POST binding's is.
    std::string xml = saml::BuildLogoutResponse(
        {slo.response_id, now_ms, "", p->sp.entity_id, slo.request_id, status});
    auto signed_xml = saml::SignEnveloped(xml, p->sp_key);
    if (!signed_xml) return SoapRefuse(txn, SSO_ERR_INTERNAL, out);
    return SoapAnswer(txn, 200, SSO_OK, saml::SoapEnvelope(*signed_xml), out);
  }
  const auto &idp = p->idp;
  bool redirect = !idp.slo_redirect_url.empty();
  std::string destination = redirect ? idp.slo_redirect_response_url : idp.slo_post_response_url;
  if (destination.empty()) {
    // Metadata without a SingleLogoutService: the sessions ended, there is nobody to answer.
    Redirect(txn, txn.engine.settings.logout_redirect, out);
    txn.output.warning =
        "SAML logout: the IdP's metadata has no SingleLogoutService, no "
        "LogoutResponse sent, request_id: " +
        txn.request_id;
    out.warning = Str(txn.output.warning);
    return;
  }
  std::string xml = saml::BuildLogoutResponse(
      {slo.response_id, now_ms, destination, p->sp.entity_id, slo.request_id, status});
  std::string relay_state = slo.relay_state;
  if (!SendToIdp(txn, *p, MessageParameter::kResponse, xml, relay_state, out))
    Refuse(txn, SSO_ERR_INTERNAL, out);
}

void Audit(sso_txn &txn, const SamlSloState &slo, const char *outcome, sso_step &out) {
  Json line = {{"event", "logout"},
               {"reason", "idp_slo"},
               {"channel", "idp_slo"},
               {"provider", slo.provider},
               {"subject", slo.subject},
               {"user", slo.user},
               {"session_indexes", slo.session_indexes.size()},
               {"sessions", slo.sessions},
               {"app", slo.app.empty() ? "no hook" : slo.app},
               {"outcome", outcome},
               {"request_id", txn.request_id}};
  line["binding"] = BindingName(slo.binding);  // redirect, post, soap
  txn.output.audit = line.dump(-1, ' ', false, Json::error_handler_t::replace);
  out.audit = Str(txn.output.audit);
  out.event = SSO_EVENT_LOGOUT;
  out.event_label = {"idp_slo", 7};
  out.event_count = static_cast<long long>(slo.sessions);
}

// The sessions are gone (or none matched): answer Success, and say so in the logs.
void Ended(sso_txn &txn, SamlSloState slo, int64_t now_ms, sso_step &out) {
  Answer(txn, slo, saml::kStatusSuccess, now_ms, out);
  Audit(txn, slo, "ended", out);
  txn.output.notice = "SAML single logout: " + std::to_string(slo.sessions) +
                      " session(s) ended, provider \"" + LogSafe(slo.provider, 64) +
                      "\", request_id: " + txn.request_id;
  out.notice = Str(txn.output.notice);
}

// A store failure once the request was valid: the IdP hears Responder (its logout did not
// complete here), and the log says why.
void Failed(sso_txn &txn, SamlSloState slo, sso_status why, int64_t now_ms, sso_step &out) {
  Answer(txn, slo, saml::kStatusResponder, now_ms, out);
  Audit(txn, slo, sso_status_name(why), out);
  txn.output.warning = std::string("SAML single logout not completed: ") + sso_status_name(why) +
                       " (" + sso_status_message(why) + "), request_id: " + txn.request_id;
  out.warning = Str(txn.output.warning);
}

void BeginRequest(sso_txn &txn, const SamlProvider &p, const Received &received,
                  const saml::LogoutRules &rules, std::span<const uint8_t> random, int64_t now_ms,
                  SloBinding binding, sso_step &out) {
  saml::ReceivedLogoutRequest request;
  if (sso_status s = saml::ValidateLogoutRequest(received.xml, p.idp, rules, request); s != SSO_OK)
    return Refuse(txn, s, out);
  auto &slo = txn.flow.emplace<SamlSloState>();
  slo.binding = binding;
  slo.provider = p.name;
  slo.request_id = request.id;
  slo.relay_state = received.relay_state;
  slo.subject = std::move(request.name_id.value);
  slo.session_indexes = std::move(request.session_indexes);
  slo.response_id = "_" + Hex(random.first(16));
  // An ID is acted on once, for as long as the request could be accepted.
  std::string key = IndexKey(txn.engine.settings.key_prefix, kReplayKind, p.name, request.id);
  int64_t ttl = std::max<int64_t>(request.replay_until_ms - now_ms, 1000);
  std::vector<StoreCommand> commands;
  commands.push_back(StoreCommand{"SET", std::move(key), "1", "PX", std::to_string(ttl), "NX"});
  slo.stage = SamlSloState::Stage::kReplay;
  FlowStore(txn, std::move(commands), out);
}

void BeginResponse(sso_txn &txn, const SamlProvider &p, const Received &received,
                   const saml::LogoutRules &rules, sso_step &out) {
  auto in_response_to = saml::ClaimedInResponseTo(received.xml);
  saml::ReceivedLogoutResponse response;
  if (sso_status s = saml::ValidateLogoutResponse(received.xml, p.idp, rules,
                                                  in_response_to.value_or(""), response);
      s != SSO_OK)
    return Refuse(txn, s, out);
  auto &slo = txn.flow.emplace<SamlSloState>();
  slo.provider = p.name;
  slo.request_id = *in_response_to;
  slo.idp_status = response.status;
  // It must answer a request of ours that no answer has spent yet.
  std::vector<StoreCommand> commands;
  commands.push_back(StoreCommand{
      "GETDEL", IndexKey(txn.engine.settings.key_prefix, kPendingKind, p.name, slo.request_id)});
  slo.stage = SamlSloState::Stage::kPending;
  FlowStore(txn, std::move(commands), out);
}

void Revoke(sso_txn &txn, SamlSloState &slo, sso_step &out) {
  const auto &prefix = txn.engine.settings.key_prefix;
  std::vector<std::string> indexes;
  // A SessionIndex is the IdP's session: it names the sessions it made here, of that NameID.
  for (const auto &index : slo.session_indexes)
    indexes.push_back(SessionIndexKey(prefix, slo.provider, index));
  if (indexes.empty()) indexes.push_back(SubjectIndexKey(prefix, slo.provider, slo.subject));
  std::vector<StoreCommand> commands;
  commands.push_back(RevokeIndexes(prefix, txn.engine.revocation_channel, indexes, slo.subject));
  slo.stage = SamlSloState::Stage::kRevoke;
  FlowStore(txn, std::move(commands), out);
}

void Pending(sso_txn &txn, SamlSloState &slo, const sso_store_reply &reply, sso_step &out) {
  if (reply.type != SSO_REPLY_STRING || View(reply.str) != "1")
    return Refuse(txn, SSO_SAML_IN_RESPONSE_TO_MISMATCH, out);
  if (slo.idp_status != saml::kStatusSuccess) {
    std::string status = LogSafe(slo.idp_status, 200);
    Refuse(txn, SSO_SAML_STATUS_NOT_SUCCESS, out);
    txn.output.set_cookie = ClearedCookie(txn);
    out.set_cookie = Str(txn.output.set_cookie);
    txn.output.warning = "SAML logout: the IdP answered " + status +
                         ": its other sessions may still be alive, request_id: " + txn.request_id;
    out.warning = Str(txn.output.warning);
    return;
  }
  Redirect(txn, txn.engine.settings.logout_redirect, out);
  txn.output.notice = "SAML single logout confirmed by the IdP, provider \"" +
                      LogSafe(slo.provider, 64) + "\", request_id: " + txn.request_id;
  out.notice = Str(txn.output.notice);
}

}  // namespace

bool SendToIdp(sso_txn &txn, const SamlProvider &p, MessageParameter parameter,
               const std::string &xml, std::string_view relay_state, sso_step &out) {
  const auto &idp = p.idp;
  bool request = parameter == MessageParameter::kRequest;
  if (!idp.slo_redirect_url.empty()) {
    const std::string &url = request ? idp.slo_redirect_url : idp.slo_redirect_response_url;
    auto location = saml::RedirectBindingUrl(url, parameter, xml, relay_state, p.sp_key);
    if (!location) return false;
    Redirect(txn, std::move(*location), out);
    return true;
  }
  auto signed_xml = saml::SignEnveloped(xml, p.sp_key);
  if (!signed_xml) return false;
  const std::string &url = request ? idp.slo_post_url : idp.slo_post_response_url;
  txn.flow = std::monostate{};
  std::vector<saml::FormField> fields{
      {request ? "SAMLRequest" : "SAMLResponse", Base64Encode(*signed_xml)}};
  if (!relay_state.empty()) fields.emplace_back("RelayState", std::string(relay_state));
  txn.output.body = saml::AutoPostPage("Signing out", url, fields);
  txn.output.content_type = "text/html; charset=utf-8";
  txn.output.set_cookie = ClearedCookie(txn);
  out.kind = SSO_STEP_PAGE;
  out.reason = SSO_OK;
  out.http_status = 200;
  out.content_type = Str(txn.output.content_type);
  out.body = Str(txn.output.body);
  out.content_security_policy = Str(saml::AutoPostPolicy());
  out.set_cookie = Str(txn.output.set_cookie);
  return true;
}

std::optional<SpLogout> PrepareSpLogout(const sso_txn &txn, const SessionRecord &record,
                                        const std::string &id, int64_t now_ms) {
  const SamlProvider *p = ProviderNamed(txn, record.identity.provider);
  if (!p || !p->SingleLogout() || id.empty() || record.identity.subject.empty())
    return std::nullopt;
  const std::string &destination =
      p->idp.slo_redirect_url.empty() ? p->idp.slo_post_url : p->idp.slo_redirect_url;
  if (destination.empty()) return std::nullopt;
  const LogoutRefs &refs = record.logout;
  saml::LogoutRequestInput input;
  input.id = id;
  input.now_ms = now_ms;
  input.destination = destination;
  input.issuer = p->sp.entity_id;
  input.name_id = {record.identity.subject, refs.name_id_format, refs.name_qualifier,
                   refs.sp_name_qualifier};
  if (!refs.session_index.empty()) input.session_indexes.push_back(refs.session_index);
  SpLogout out;
  out.provider = p;
  out.pending_key = IndexKey(txn.engine.settings.key_prefix, kPendingKind, p->name, input.id);
  out.pending_ttl_ms = saml::kLogoutMessageWindowMs + p->sp.clock_skew_ms;
  out.xml = saml::BuildLogoutRequest(input);
  return out;
}

void SamlSloBegin(sso_txn &txn, SloBinding binding, std::string_view input, int64_t now_ms,
                  std::span<const uint8_t> random, sso_step &out) {
  out = sso_step{};
  txn.flow = std::monostate{};
  // a SOAP message is refused with a SOAP Fault, from the first check on
  if (binding == SloBinding::kSoap) txn.flow.emplace<SamlSloState>().binding = binding;
  Received received;
  if (sso_status s = Receive(binding, input, received); s != SSO_OK) return Refuse(txn, s, out);
  // The message's own claim picks whose keys and rules check it.
  std::string issuer;
  if (sso_status s = saml::ClaimedIssuer(received.xml, issuer); s != SSO_OK)
    return Refuse(txn, s, out);
  const SamlProvider *p = ProviderByIssuer(txn, issuer);
  if (!p) return Refuse(txn, SSO_SAML_ISSUER_MISMATCH, out);
  if (!p->SingleLogout() || random.size() < 16)
    return Refuse(txn, SSO_SAML_SLO_NOT_CONFIGURED, out);
  if (sso_status s = CheckQuerySignature(binding, input, received, *p); s != SSO_OK)
    return Refuse(txn, s, out);
  // HTTP-POST and SOAP: the signature is the message's own, enveloped (there is no query
  // signature in SOAP, and no TLS client authentication here)
  saml::LogoutRules rules{p->slo_url, now_ms, p->sp.clock_skew_ms,
                          binding != SloBinding::kRedirect};
  if (received.parameter == MessageParameter::kRequest)
    return BeginRequest(txn, *p, received, rules, random, now_ms, binding, out);
  BeginResponse(txn, *p, received, rules, out);
}

void SamlSloResumeStore(sso_txn &txn, SamlSloState &slo, std::span<const sso_store_reply> replies,
                        int64_t now_ms, sso_step &out) {
  out = sso_step{};
  sso_status why;
  bool failed = replies.size() != 1 || FlowStoreFailed(replies, why);
  if (replies.size() != 1) why = SSO_ERR_BAD_STATE;
  switch (slo.stage) {
    case SamlSloState::Stage::kPending:
      if (failed) return Refuse(txn, why, out);
      return Pending(txn, slo, replies[0], out);
    case SamlSloState::Stage::kReplay:
      if (failed) return Failed(txn, EndFlow<SamlSloState>(txn.flow), why, now_ms, out);
      if (replies[0].type == SSO_REPLY_NIL) return Refuse(txn, SSO_SAML_REPLAY, out);
      return Revoke(txn, slo, out);
    case SamlSloState::Stage::kRevoke: {
      RevokeAnswer answer;
      if (!failed && !ReadRevokeAnswer(replies[0], answer)) {
        failed = true;
        why = SSO_STORE_UNEXPECTED_REPLY;
      }
      if (failed) return Failed(txn, EndFlow<SamlSloState>(txn.flow), why, now_ms, out);
      EvictRevoked(txn.engine.cache, answer);
      slo.sessions = answer.sessions;
      slo.user = std::move(answer.user);
      std::vector<StoreCommand> commands;
      commands.push_back(AnnouncementBarrier());
      slo.stage = SamlSloState::Stage::kBarrier;
      return FlowStore(txn, std::move(commands), out);
    }
    case SamlSloState::Stage::kBarrier: {
      // the sessions are gone whatever its reply: only other caches' timing was at stake
      HookEvent event{"logout", "idp_slo",    slo.provider,   slo.subject,
                      slo.user, slo.sessions, txn.request_id, now_ms};
      if (slo.sessions > 0 && NotifyApp(txn, event, out)) {
        slo.stage = SamlSloState::Stage::kNotify;
        return;
      }
      return Ended(txn, EndFlow<SamlSloState>(txn.flow), now_ms, out);
    }
    default:
      return Refuse(txn, SSO_ERR_BAD_STATE, out);
  }
}

void SamlSloResumeHttp(sso_txn &txn, SamlSloState &slo, int status, int64_t now_ms, sso_step &out) {
  out = sso_step{};
  if (slo.stage != SamlSloState::Stage::kNotify) return Refuse(txn, SSO_ERR_BAD_STATE, out);
  slo.app = NotifyOutcome(status);
  Ended(txn, EndFlow<SamlSloState>(txn.flow), now_ms, out);
}

}  // namespace sso
