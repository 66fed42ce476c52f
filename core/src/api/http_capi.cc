// The exported C functions of the back-channel codec: argument checks and the exception
// barrier around http/request and http/response_parser.
#include <new>
#include <string>

#include "http/request.h"
#include "http/response_parser.h"
#include "sso/sso.h"
#include "text/views.h"

struct sso_http_call {
  sso::http::Target target;
  std::string request;
  sso::http::ResponseParser parser;
};

namespace {

bool ValidStr(sso_str s) { return s.data != nullptr || s.len == 0; }

}  // namespace

extern "C" {

sso_status sso_http_call_create(const sso_step *step, size_t max_body, sso_http_call **out,
                                sso_http_call_info *info) {
  if (!step || !out || !info || step->kind != SSO_STEP_HTTP) return SSO_ERR_INVALID_ARGUMENT;
  *out = nullptr;
  *info = {};
  const auto &http = step->http;
  if (!ValidStr(http.method) || !ValidStr(http.url) || !ValidStr(http.authorization) ||
      !ValidStr(http.content_type) || !ValidStr(http.body) || !ValidStr(http.headers)) {
    return SSO_ERR_INVALID_ARGUMENT;
  }
  try {
    sso::http::Target target;
    if (sso_status status = sso::http::ParseUrl(sso::View(http.url), target); status != SSO_OK) {
      return status;
    }
    std::string request;
    sso::http::RequestParts parts{sso::View(http.method), sso::View(http.authorization),
                                  sso::View(http.content_type), sso::View(http.headers),
                                  sso::View(http.body)};
    if (sso_status status = sso::http::BuildRequest(target, parts, request); status != SSO_OK) {
      return status;
    }
    sso::http::ResponseLimits limits;
    if (max_body) limits.max_body = max_body;
    auto *call =
        new sso_http_call{std::move(target), std::move(request), sso::http::ResponseParser(limits)};
    info->host = sso::Str(call->target.host);
    info->port = call->target.port;
    info->tls = call->target.tls ? 1 : 0;
    info->target = sso::Str(call->target.log_target);
    info->request = sso::Str(call->request);
    *out = call;
    return SSO_OK;
  } catch (const std::bad_alloc &) {
    return SSO_ERR_OUT_OF_MEMORY;
  } catch (...) {
    return SSO_ERR_INTERNAL;
  }
}

sso_status sso_http_call_feed(sso_http_call *call, sso_str bytes, int eof, sso_http_answer *out) {
  if (!call || !out || !ValidStr(bytes)) return SSO_ERR_INVALID_ARGUMENT;
  *out = {};
  try {
    sso_status status = call->parser.Feed(sso::View(bytes), eof != 0);
    if (status != SSO_OK) return status;
    if (call->parser.complete()) {
      out->complete = 1;
      out->status = call->parser.status();
      out->body = sso::Str(call->parser.body());
    }
    return SSO_OK;
  } catch (const std::bad_alloc &) {
    return SSO_ERR_OUT_OF_MEMORY;
  } catch (...) {
    return SSO_ERR_INTERNAL;
  }
}

void sso_http_call_destroy(sso_http_call *call) { delete call; }

}  // extern "C"
