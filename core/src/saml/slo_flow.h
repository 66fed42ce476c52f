// SAML 2.0 Single Logout (Profiles §4.4) at our SingleLogoutService, and the LogoutRequest a
// local logout sends the IdP.
//
// A GET carries its message in the query (HTTP-Redirect binding: the signature is over the
// query's bytes), a POST in its form (HTTP-POST binding: an enveloped XML signature), or, sent
// by the IdP itself with no browser, in a SOAP envelope (SOAP binding: an enveloped signature
// too, and the answer, or a SOAP Fault, is the HTTP response). Every way the signature is
// required and checked with the IdP's pinned keys.
// - A LogoutRequest from the IdP ends every session it names (its SessionIndexes, or every
//   session of its NameID) on every worker and node, tells the app, and is answered with a
//   signed LogoutResponse, Success also when no session matched (an error there would break
//   the IdP's logout chain). A message that fails a check gets a page and a log line, no
//   answer: nobody proved they sent it. Over SOAP the answer, signed, is the HTTP response,
//   and a refusal a SOAP Fault naming the check (see SoapRefuse).
// - A LogoutResponse must answer a LogoutRequest we sent and still remember; the person then
//   goes to the logout redirect.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "saml/flow_state.h"
#include "saml/provider.h"
#include "saml/redirect_binding.h"
#include "session/record.h"
#include "sso/sso.h"

namespace sso {

// `input`: the raw query (HTTP-Redirect), the form body (HTTP-POST) or the SOAP envelope.
// `random`: >= 16 bytes from a CSPRNG, for our LogoutResponse's ID.
void SamlSloBegin(sso_txn &txn, SloBinding binding, std::string_view input, int64_t now_ms,
                  std::span<const uint8_t> random, sso_step &out);
void SamlSloResumeStore(sso_txn &txn, SamlSloState &slo, std::span<const sso_store_reply> replies,
                        int64_t now_ms, sso_step &out);
void SamlSloResumeHttp(sso_txn &txn, SamlSloState &slo, int status, int64_t now_ms, sso_step &out);

// SP-initiated logout: the signed LogoutRequest for a session that ended here, the key that
// remembers it until the IdP answers, and the step that takes it to the IdP.
struct SpLogout {
  const SamlProvider *provider = nullptr;
  std::string pending_key;  // SET it (PX pending_ttl_ms) before sending the request
  int64_t pending_ttl_ms = 0;
  std::string xml;
};

// nullopt when the session's provider does not do Single Logout (no key, no SLO endpoint on
// either side) or the record lacks the NameID. `id`: the request's ID, "_" + random hex.
std::optional<SpLogout> PrepareSpLogout(const sso_txn &txn, const SessionRecord &record,
                                        const std::string &id, int64_t now_ms);

// The step that takes a signed message to the IdP's SingleLogoutService: a 303 over
// HTTP-Redirect, or, when the IdP offers only HTTP-POST, a page whose form posts it. The
// flow ends with it; the session cookie is cleared. False if the message could not be signed.
bool SendToIdp(sso_txn &txn, const SamlProvider &provider, saml::MessageParameter parameter,
               const std::string &xml, std::string_view relay_state, sso_step &out);

}  // namespace sso
