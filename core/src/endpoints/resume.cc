#include "endpoints/resume.h"

#include <string>
#include <variant>

#include "engine/flow_steps.h"
#include "engine/txn.h"
#include "oidc/backchannel_logout.h"
#include "oidc/login_flow.h"
#include "provision/flow.h"
#include "saml/login_flow.h"
#include "saml/slo_flow.h"
#include "scim/flow.h"
#include "session/admin_read.h"
#include "session/admin_revoke.h"
#include "session/logout.h"
#include "text/views.h"

namespace sso {
namespace {

// One visitor from several lambdas, one for each state type it handles.
template <class... Handlers>
struct Overloaded : Handlers... {
  using Handlers::operator()...;
};
// clang 14 deduces aggregates' template arguments only with a guide
template <class... Handlers>
Overloaded(Handlers...) -> Overloaded<Handlers...>;

template <class... States>
bool Holds(const FlowState &flow) noexcept {
  return (std::holds_alternative<States>(flow) || ...);
}

}  // namespace

bool TakesStoreReplies(const sso_txn &txn) noexcept {
  return Holds<SamlLoginState, SamlAcsState, OidcLoginState, OidcCallbackState, ProvisionState,
               LogoutState, BackchannelLogoutState, SamlSloState, RevokeState, ScimState,
               AdminReadState>(txn.flow);
}

void FlowResume(sso_txn &txn, std::span<const sso_store_reply> replies, int64_t now_ms,
                sso_step &out) {
  out = sso_step{};
  // One reply for each command of the store step the flow asked for last.
  if (replies.size() != txn.output.step_views.size()) return FlowFail(txn, SSO_ERR_BAD_STATE, out);
  std::visit(
      Overloaded{
          [&](SamlLoginState &login) { SamlLoginResume(txn, login, replies, out); },
          [&](SamlAcsState &acs) { AcsResume(txn, acs, replies, now_ms, out); },
          [&](OidcLoginState &login) { OidcLoginResumeStore(txn, login, replies, out); },
          [&](OidcCallbackState &callback) {
            OidcCallbackResumeStore(txn, callback, replies, now_ms, out);
          },
          [&](ProvisionState &p) { ProvisionResumeStore(txn, p, replies, now_ms, out); },
          [&](LogoutState &logout) { LogoutResume(txn, logout, replies, now_ms, out); },
          [&](BackchannelLogoutState &logout) {
            BackchannelLogoutResumeStore(txn, logout, replies, now_ms, out);
          },
          [&](SamlSloState &slo) { SamlSloResumeStore(txn, slo, replies, now_ms, out); },
          [&](RevokeState &revoke) { AdminRevokeResumeStore(txn, revoke, replies, now_ms, out); },
          [&](ScimState &scim) { ScimResumeStore(txn, scim, replies, now_ms, out); },
          [&](AdminReadState &read) { AdminReadResumeStore(txn, read, replies, out); },
          [&](auto &) { FlowFail(txn, SSO_ERR_BAD_STATE, out); },
      },
      txn.flow);
}

bool AwaitsHttpAnswer(const sso_txn &txn) noexcept {
  if (const auto *login = std::get_if<OidcLoginState>(&txn.flow)) return login->AwaitsHttpAnswer();
  if (const auto *callback = std::get_if<OidcCallbackState>(&txn.flow))
    return callback->AwaitsHttpAnswer();
  if (const auto *p = std::get_if<ProvisionState>(&txn.flow)) return p->AwaitsHttpAnswer();
  if (const auto *logout = std::get_if<BackchannelLogoutState>(&txn.flow))
    return logout->AwaitsHttpAnswer();
  if (const auto *logout = std::get_if<LogoutState>(&txn.flow)) return logout->AwaitsHttpAnswer();
  if (const auto *slo = std::get_if<SamlSloState>(&txn.flow)) return slo->AwaitsHttpAnswer();
  if (const auto *revoke = std::get_if<RevokeState>(&txn.flow)) return revoke->AwaitsHttpAnswer();
  if (const auto *scim = std::get_if<ScimState>(&txn.flow)) return scim->AwaitsHttpAnswer();
  return false;
}

void FlowResumeHttp(sso_txn &txn, int status, std::string_view body, int64_t now_ms,
                    sso_step &out) {
  std::visit(
      Overloaded{
          [&](OidcLoginState &login) {
            OidcLoginResumeHttp(txn, login, status, body, now_ms, out);
          },
          [&](OidcCallbackState &callback) {
            OidcCallbackResumeHttp(txn, callback, status, body, now_ms, out);
          },
          [&](ProvisionState &p) { ProvisionResumeHttp(txn, p, status, body, now_ms, out); },
          [&](BackchannelLogoutState &logout) {
            BackchannelLogoutResumeHttp(txn, logout, status, body, now_ms, out);
          },
          [&](LogoutState &logout) { LogoutResumeHttp(txn, logout, status, body, now_ms, out); },
          [&](SamlSloState &slo) { SamlSloResumeHttp(txn, slo, status, now_ms, out); },
          [&](RevokeState &revoke) { AdminRevokeResumeHttp(txn, revoke, status, out); },
          [&](ScimState &scim) { ScimResumeHttp(txn, scim, status, body, now_ms, out); },
          [&](auto &) {
            out = sso_step{};
            FlowFail(txn, SSO_ERR_BAD_STATE, out);
          },
      },
      txn.flow);
}

bool AwaitsWakeUp(const sso_txn &txn) noexcept {
  const auto *p = std::get_if<ProvisionState>(&txn.flow);
  return p && p->AwaitsWakeUp();
}

void FlowResumeWait(sso_txn &txn, int64_t now_ms, sso_step &out) {
  if (auto *p = std::get_if<ProvisionState>(&txn.flow))
    return ProvisionResumeWait(txn, *p, now_ms, out);
  out = sso_step{};
  FlowFail(txn, SSO_ERR_BAD_STATE, out);
}

void NoteLogin(sso_txn &txn, sso_step &out) {
  if (!txn.login_protocol) return;
  std::visit(Overloaded{
                 [&](const SamlAcsState &acs) {
                   if (!acs.identity.provider.empty()) txn.login_provider = acs.identity.provider;
                 },
                 [&](const OidcCallbackState &callback) {
                   if (!callback.provider.empty()) txn.login_provider = callback.provider;
                 },
                 [&](const ProvisionState &p) { txn.login_provider = p.login.identity.provider; },
                 [](const auto &) {},
             },
             txn.flow);
  switch (out.kind) {
    case SSO_STEP_STORE:
    case SSO_STEP_HTTP:
    case SSO_STEP_WAIT:
    case SSO_STEP_READ_BODY:
    case SSO_STEP_SESSION_READ:
      return;  // under way
    default:
      break;
  }
  out.event = SSO_EVENT_LOGIN;
  out.event_label = {txn.login_protocol, std::char_traits<char>::length(txn.login_protocol)};
  out.event_provider = Str(txn.login_provider);
  txn.login_protocol = nullptr;
}

}  // namespace sso
