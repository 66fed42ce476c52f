#include "session/logout.h"

#include "engine/engine.h"
#include "engine/flow_steps.h"
#include "engine/store_keys.h"
#include "engine/txn.h"
#include "session/session_id.h"
#include "text/http_text.h"
#include "text/views.h"

namespace sso {
namespace {

void RedirectAway(sso_txn &txn, sso_step &out) {
  const auto &settings = txn.engine.settings;
  txn.flow = std::monostate{};
  txn.output.set_cookie = SetCookieValue({settings.cookie_name, settings.cookie_secure}, "", 0);
  out.kind = SSO_STEP_REDIRECT;
  out.reason = SSO_OK;
  out.http_status = 303;
  out.location = Str(settings.logout_redirect);
  out.set_cookie = Str(txn.output.set_cookie);
}

}  // namespace

void LogoutBegin(sso_txn &txn, std::string_view cookie, sso_step &out) {
  const auto &settings = txn.engine.settings;
  out = sso_step{};
  if (!IsWellFormedSessionId(cookie)) return RedirectAway(txn, out);
  std::string digest = Sha256Hex(cookie);
  txn.engine.cache.EvictCookie(cookie);
  // DEL before PUBLISH, on one connection: a worker that hears the announcement and reads
  // the session again must find it gone, or it would cache it anew.
  std::vector<StoreCommand> commands;
  commands.push_back(StoreCommand{"DEL", SessionKeyFromDigest(settings.key_prefix, digest)});
  commands.push_back(StoreCommand{"PUBLISH", txn.engine.revocation_channel, std::move(digest)});
  txn.flow = LogoutState{};
  FlowStore(txn, std::move(commands), out);
}

void LogoutResume(sso_txn &txn, std::span<const sso_store_reply> replies, sso_step &out) {
  out = sso_step{};
  if (replies.size() != 2) return FlowFail(txn, SSO_ERR_BAD_STATE, out);
  sso_status why;
  // the DEL's: unless it succeeded, the session may still be alive
  if (FlowStoreFailed(replies.first(1), why)) return FlowFail(txn, why, out);
  RedirectAway(txn, out);
  txn.output.notice = "logout";
  out.notice = Str(txn.output.notice);
  // the PUBLISH's: the session is gone already, only other caches may hold it a while
  if (FlowStoreFailed(replies.subspan(1), why)) {
    txn.output.warning = "logout not announced to the other workers: ";
    txn.output.warning.append(sso_status_name(why))
        .append("; their session caches drop it when their entries expire");
    out.warning = Str(txn.output.warning);
  }
}

}  // namespace sso
