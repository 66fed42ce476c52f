// Storage behind the views a step (or a session plan) hands to the caller. A view stays valid
// until the next call on the transaction writes the same field again.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/store_command.h"
#include "sso/sso.h"

namespace sso {

// Emptied in place between requests, keeping the buffers of ordinary size: assigning a fresh
// object would free and reallocate every one of them on each request of a recycled
// transaction. A buffer larger than this (a page, a SAML form) is let go instead.
inline constexpr size_t kKeptBufferCapacity = 4096;

inline void ClearKeepingBuffer(std::string &text) {
  if (text.capacity() > kKeptBufferCapacity)
    std::string().swap(text);
  else
    text.clear();
}

// A back-channel HTTP request the caller makes for a flow (sso_step.http).
struct HttpCall {
  std::string method;
  std::string url;
  std::string authorization;  // may be empty
  std::string content_type;   // may be empty
  std::string body;
  std::string headers;     // more "Name: value\r\n" lines, may be empty
  int64_t timeout_ms = 0;  // 0: the caller's default

  void Clear() {
    for (std::string *text : {&method, &url, &authorization, &content_type, &body, &headers})
      ClearKeepingBuffer(*text);
    timeout_ms = 0;
  }
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

  void Clear() {
    command.Clear();
    cleanup.Clear();
    plan_commands.clear();
    step_views.clear();
    plan_views.clear();
    http.Clear();
    for (std::string *text :
         {&location, &etag, &www_authenticate, &content_type, &set_cookie, &set_cookie2, &body,
          &cookie_value, &audit, &warning, &notice, &event_label})
      ClearKeepingBuffer(*text);
  }
};

}  // namespace sso
