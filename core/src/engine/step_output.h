// Storage behind the views a step (or a session plan) hands to the caller. A view stays valid
// until the next call on the transaction writes the same field again.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/store_command.h"
#include "sso/sso.h"

namespace sso {

// A back-channel HTTP request the caller makes for a flow (sso_step.http).
struct HttpCall {
  std::string method;
  std::string url;
  std::string authorization;  // may be empty
  std::string content_type;   // may be empty
  std::string body;
  std::string headers;     // more "Name: value\r\n" lines, may be empty
  int64_t timeout_ms = 0;  // 0: the caller's default
};

struct StepOutput {
  StoreCommand command;                     // a lone command: the gate's read, a revocation's
  StoreCommand cleanup;                     // sso_step.cleanup, a revocation's PUBLISH
  std::vector<StoreCommand> plan_commands;  // of a store step, a session plan, a logout
  std::vector<sso_command> step_views;      // sso_step.commands
  std::vector<sso_command> plan_views;      // sso_session_plan.commands
  HttpCall http;
  std::string location;
  std::string etag;
  std::string www_authenticate;
  std::string content_type;
  std::string set_cookie;
  std::string set_cookie2;
  std::string body;
  std::string cookie_value;
  std::string audit;
  std::string warning;
  std::string notice;
  std::string event_label;  // sso_step.event_label when it is not a fixed word
};

}  // namespace sso
