#include "scim/answer.h"

#include "engine/engine.h"
#include "engine/txn.h"
#include "text/http_text.h"
#include "text/views.h"

namespace sso::scim {

void Answer(sso_txn &txn, int status, std::string body, sso_step &out, std::string etag,
            std::string location) {
  txn.flow = std::monostate{};
  txn.output.body = std::move(body);
  txn.output.content_type = std::string(kContentType);
  txn.output.etag = std::move(etag);
  txn.output.location = std::move(location);
  out.kind = SSO_STEP_PAGE;
  out.reason = status < 400 ? SSO_OK : SSO_SCIM_BAD_REQUEST;
  out.http_status = status;
  out.content_type = Str(txn.output.content_type);
  out.body = Str(txn.output.body);
  out.etag = Str(txn.output.etag);
  out.location = Str(txn.output.location);
}

void AnswerError(sso_txn &txn, const Error &error, sso_step &out) {
  Answer(txn, error.status, ErrorBody(error), out);
  // for whoever sets up the identity provider; the details are ours, never the request's data
  txn.output.notice = "SCIM request refused: " + std::to_string(error.status) +
                      (error.scim_type.empty() ? "" : " " + error.scim_type) + " (" + error.detail +
                      "), request_id: " + txn.request_id;
  out.notice = Str(txn.output.notice);
}

void AnswerUnauthorized(sso_txn &txn, std::string_view provider, sso_step &out) {
  Answer(txn, 401, ErrorBody({401, "", "a valid bearer token is required"}), out);
  txn.output.www_authenticate = "Bearer realm=\"scim\"";
  out.kind = SSO_STEP_UNAUTHORIZED;
  out.reason = SSO_SCIM_UNAUTHORIZED;
  out.www_authenticate = Str(txn.output.www_authenticate);
  txn.output.warning = std::string("SCIM request refused: ") +
                       sso_status_name(SSO_SCIM_UNAUTHORIZED) + " (" +
                       sso_status_message(SSO_SCIM_UNAUTHORIZED) + "), provider \"" +
                       LogSafe(provider, 64) + "\", request_id: " + txn.request_id;
  out.warning = Str(txn.output.warning);
}

void AnswerUnavailable(sso_txn &txn, sso_status why, std::string detail, sso_step &out) {
  Answer(txn, 503, ErrorBody({503, "", std::move(detail)}), out);
  out.reason = why;
  txn.output.warning = std::string("SCIM request failed: ") + sso_status_name(why) + " (" +
                       sso_status_message(why) + "), request_id: " + txn.request_id;
  out.warning = Str(txn.output.warning);
}

}  // namespace sso::scim
