// The pages people see: the sign-in chooser and the pages of a sign-in (or sign-out) that did
// not end in the app. What each says, which actions it offers, and the templates (built in,
// or the operator's from sso_pages) that lay them out. API clients get the same as JSON.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sso/sso.h"
#include "text/page_template.h"

namespace sso {

enum class PageKind { kChooser, kError, kDenied, kPending, kUnavailable, kUsed, kSignedOut };
// The file names of an operator's templates (without ".html"), by PageKind; "page" lays out
// every kind that has no file of its own.
inline constexpr std::array<std::string_view, 7> kPageKindNames = {
    "chooser", "error", "denied", "pending", "unavailable", "used", "signed-out"};

// The placeholders every template may use (README: "Pages").
const PageSchema &PagesSchema();

class PageTemplates {
 public:
  PageTemplates();  // the built-in template for every kind

  // `kind`: "page" or one of kPageKindNames. False, with `problem` saying what is wrong (an
  // unknown kind, or the template's own mistake with its line).
  bool Set(std::string_view kind, std::string_view html, std::string &problem);
  const PageTemplate &For(PageKind kind) const;

 private:
  std::shared_ptr<const PageTemplate> page_;
  std::array<std::shared_ptr<const PageTemplate>, kPageKindNames.size()> kinds_;
};

// Where a page's actions lead.
struct PageLinks {
  std::string_view login_url;  // sso_login_url, may hold a query
  std::string_view return_to;  // where the person was going (a same-origin path); empty: "/"
  // the sso_endpoints logout next to the login URL ("/sso/logout"); empty: none
  std::string_view logout_url;
};

struct RenderedPage {
  int http_status = 500;
  int retry_after_s = 0;  // a 503's Retry-After; 0: none
  std::string body;
  const std::string *content_security_policy = nullptr;  // the template's; null for JSON
};

// The page of a failed sign-in (or of a signed-in person refused by sso_require), with the
// correlation id; no internals.
RenderedPage RenderErrorPage(const PageTemplates &templates, sso_status reason,
                             std::string_view request_id, const PageLinks &links);
// The same for an API client: {"error": "...", "message": ..., "request_id": ...}.
RenderedPage RenderErrorJson(sso_status reason, std::string_view request_id);
// The page of a sign-out message we could not act on (SAML Single Logout), which is not a
// failed sign-in; SSO_SAML_STATUS_NOT_SUCCESS: the IdP could not end all its sessions.
RenderedPage RenderLogoutPage(const PageTemplates &templates, sso_status reason,
                              std::string_view request_id, const PageLinks &links);

struct ChooserEntry {
  std::string label;  // what the person reads: the provider's display_name, or its name
  std::string url;    // the login URL that starts this provider's sign-in
};
// Several providers and none chosen. `email_url` non-empty: a work-email form (home-realm
// discovery) submitting there; `notice`: why the page is shown again, may be empty.
RenderedPage RenderChooserPage(const PageTemplates &templates,
                               const std::vector<ChooserEntry> &providers,
                               std::string_view email_url, std::string_view return_to,
                               std::string_view notice);

// The logout endpoint next to a login URL of the sso_endpoints location ("/sso/login" ->
// "/sso/logout"); empty when the login URL is not one (a page of the app's own).
std::string LogoutUrlBeside(std::string_view login_url);

}  // namespace sso
