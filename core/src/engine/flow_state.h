// The state of the one flow a transaction runs now. Each flow declares its state next to its
// code, as data only; this is the one list of them. A new flow adds its state here, then the
// resumes it takes in engine/flow_resume.cc.
#pragma once

#include <utility>
#include <variant>

#include "endpoints/endpoint_state.h"
#include "oidc/flow_state.h"
#include "provision/flow_state.h"
#include "saml/flow_state.h"
#include "scim/flow_state.h"
#include "session/admin_read_state.h"
#include "session/gate_state.h"
#include "session/logout_state.h"
#include "session/revoke_state.h"

namespace sso {

using FlowState = std::variant<std::monostate,  // no flow: none begun, or the last one ended
                               GateState, RevokeState, SamlLoginState, SamlAcsState, OidcLoginState,
                               OidcCallbackState, ProvisionState, LogoutState, AwaitingBodyState,
                               BackchannelLogoutState, SamlSloState, ScimState, AdminReadState>;

// Ends the running flow, a `State`, handing its state to the flow's last step.
template <class State>
State EndFlow(FlowState &flow) {
  State state = std::move(std::get<State>(flow));
  flow = std::monostate{};
  return state;
}

}  // namespace sso
