#include "text/pages.h"

#include <cctype>
#include <cstdlib>
#include <vector>

#include "text/http_text.h"

namespace sso {

// The built-in template (core/pages/page.html, embedded by the build).
extern const unsigned char kDefaultPageTemplate[];
extern const size_t kDefaultPageTemplateSize;

namespace {

enum class Action {
  kRetry,           // "Try again": the page the person asked for, else a new sign-in
  kSignIn,          // a new sign-in, back to where the person was going
  kCheckAgain,      // the same, worded for a pending account
  kAnotherAccount,  // a new sign-in (the chooser, when there are several providers)
  kSignOut,         // POST logout: a signed-in person who wants another account
  kBackToApp,       // the site's root
};

struct PageText {
  int http_status;
  PageKind kind;
  const char *title;
  const char *advice;
  std::vector<Action> actions = {};
  int retry_after_s = 0;
};

constexpr int kRetryTransient = 30;  // a store or provider that did not answer
constexpr int kRetryBusy = 5;        // another login of the same person holds the lock
constexpr int kRetrySetup = 300;     // the site's configuration must change first

PageText PageFor(sso_status reason) {
  switch (reason) {
    case SSO_STORE_UNAVAILABLE:
    case SSO_STORE_TIMEOUT:
    case SSO_STORE_ERROR_REPLY:
    case SSO_STORE_UNEXPECTED_REPLY:
    case SSO_OIDC_UNAVAILABLE:
    case SSO_OIDC_DISCOVERY_INVALID:
      return {503,
              PageKind::kUnavailable,
              "Sign-in is temporarily unavailable",
              "The sign-in service could not be reached. Please try again in a minute.",
              {Action::kRetry},
              kRetryTransient};
    case SSO_SESSION_NO_COOKIE:
    case SSO_SESSION_MALFORMED_COOKIE:
    case SSO_SESSION_NOT_FOUND:
    case SSO_SESSION_EXPIRED:
    case SSO_SESSION_CORRUPT_RECORD:
      return {401,
              PageKind::kError,
              "Sign-in required",
              "Your session has ended or is not valid. Please sign in.",
              {Action::kSignIn}};
    case SSO_LOGIN_UNKNOWN_PROVIDER:
    case SSO_ACS_BAD_REQUEST:
      return {400,
              PageKind::kError,
              "Sign-in failed",
              "The sign-in request was not complete or not valid.",
              {Action::kSignIn}};
    case SSO_SAML_RESPONSE_TOO_LARGE:
    case SSO_SAML_BAD_ENCODING:
    case SSO_SAML_XML_MALFORMED:
    case SSO_SAML_DTD_FORBIDDEN:
    case SSO_SAML_NOT_A_RESPONSE:
      return {400,
              PageKind::kError,
              "Sign-in failed",
              "The sign-in response could not be read.",
              {Action::kSignIn}};
    case SSO_LOGIN_STATE_SPENT:
    case SSO_SAML_REPLAY:
      return {400,
              PageKind::kUsed,
              "This sign-in link was already used",
              "Each sign-in link works once, for a few minutes. If you reloaded the page or "
              "went back to it, you may already be signed in.",
              {Action::kSignIn, Action::kBackToApp}};
    case SSO_SAML_UNSOLICITED:
    case SSO_SAML_ENCRYPTED_UNSUPPORTED:
    case SSO_SAML_ASSERTION_COUNT:
    case SSO_SAML_DUPLICATE_ID:
    case SSO_SAML_NOT_SIGNED:
    case SSO_SAML_SIGNATURE_MALFORMED:
    case SSO_SAML_SIGNATURE_ALGORITHM:
    case SSO_SAML_SIGNATURE_REFERENCE:
    case SSO_SAML_SIGNATURE_INVALID:
    case SSO_SAML_KEY_INVALID:
    case SSO_SAML_DESTINATION_MISMATCH:
    case SSO_SAML_ISSUER_MISMATCH:
    case SSO_SAML_STATUS_NOT_SUCCESS:
    case SSO_SAML_IN_RESPONSE_TO_MISMATCH:
    case SSO_SAML_NOT_YET_VALID:
    case SSO_SAML_EXPIRED:
    case SSO_SAML_AUDIENCE_MISMATCH:
    case SSO_SAML_RECIPIENT_MISMATCH:
    case SSO_SAML_SUBJECT_CONFIRMATION:
    case SSO_SAML_MISSING_NAMEID:
    case SSO_SAML_METADATA_INVALID:
    case SSO_JWT_MALFORMED:
    case SSO_JWT_ALG_NOT_ALLOWED:
    case SSO_JWT_UNKNOWN_KID:
    case SSO_JWT_KEY_TYPE_MISMATCH:
    case SSO_JWT_BAD_SIGNATURE:
    case SSO_JWT_ISSUER_MISMATCH:
    case SSO_JWT_AUDIENCE_MISMATCH:
    case SSO_JWT_AZP_MISMATCH:
    case SSO_JWT_EXPIRED:
    case SSO_JWT_ISSUED_IN_FUTURE:
    case SSO_JWT_NOT_YET_VALID:
    case SSO_JWT_NONCE_MISMATCH:
    case SSO_JWKS_INVALID:
    case SSO_OIDC_ISSUER_MISMATCH:
    case SSO_OIDC_TOKEN_ERROR:
    case SSO_OIDC_ERROR_RESPONSE:
    case SSO_OIDC_STATE_INVALID:
    case SSO_OIDC_USERINFO_INVALID:
    case SSO_SAML_ENCRYPTION_ALGORITHM:
    case SSO_SAML_DECRYPTION_FAILED:
    case SSO_SAML_RELAY_STATE_INVALID:
    case SSO_KEY_REFUSED:
      return {403,
              PageKind::kError,
              "Sign-in was not accepted",
              "The identity provider's answer did not pass our checks. Please sign in again.",
              {Action::kSignIn}};
    case SSO_JIT_EMAIL_REQUIRED:
    case SSO_JIT_EMAIL_UNVERIFIED:
    case SSO_JIT_DOMAIN_NOT_ALLOWED:
    case SSO_JIT_DENIED:
      return {403,
              PageKind::kDenied,
              "Access denied",
              "You signed in, but your account is not allowed to use this application. Ask your "
              "administrator for access.",
              {Action::kAnotherAccount}};
    case SSO_JIT_ACCOUNT_INACTIVE:
      return {403,
              PageKind::kDenied,
              "Account deactivated",
              "You signed in, but your organization has deactivated your account for this "
              "application. Ask your administrator if you think this is wrong.",
              {Action::kAnotherAccount}};
    case SSO_JIT_PENDING:
      return {403,
              PageKind::kPending,
              "Waiting for approval",
              "Your account has been requested and is waiting for an administrator to approve "
              "it. Please try again later.",
              {Action::kCheckAgain}};
    case SSO_JIT_CONFLICT:
      return {409,
              PageKind::kDenied,
              "Account needs attention",
              "An account with your email address already exists and cannot be connected to "
              "this sign-in automatically. Ask your administrator to connect it.",
              {Action::kAnotherAccount}};
    case SSO_JIT_UNAVAILABLE:
    case SSO_JIT_HOOK_INVALID:
      return {503,
              PageKind::kUnavailable,
              "Sign-in is temporarily unavailable",
              "Your account could not be set up right now. Nothing was changed; please try "
              "again in a minute.",
              {Action::kRetry},
              kRetryTransient};
    case SSO_JIT_BUSY:
      return {503,
              PageKind::kUnavailable,
              "Sign-in is temporarily unavailable",
              "Your account could not be set up right now. Nothing was changed; please try "
              "again in a minute.",
              {Action::kRetry},
              kRetryBusy};
    case SSO_IDENTITY_TOO_LARGE:
    case SSO_IDENTITY_BAD_CHARACTER:
      // the same answer would come at every try: no "try again" that loops
      return {403,
              PageKind::kDenied,
              "Sign-in was not accepted",
              "Your account's details from the identity provider are too large for this site "
              "or cannot be passed on to it (for example, membership in too many groups). Ask "
              "your administrator.",
              {Action::kBackToApp}};
    case SSO_ACCESS_DENIED:
      return {403,
              PageKind::kDenied,
              "You don't have access to this page",
              "You are signed in, but this page is restricted. If you need it, ask your "
              "administrator for access.",
              {Action::kBackToApp, Action::kSignOut}};
    case SSO_LOGIN_NO_PROVIDER:
      return {503,
              PageKind::kUnavailable,
              "Sign-in is not set up",
              "No identity provider is configured for this site yet.",
              {},
              kRetrySetup};
    case SSO_SAML_METADATA_UNAVAILABLE:
    case SSO_SAML_METADATA_EXPIRED:
      return {503,
              PageKind::kUnavailable,
              "Sign-in is not set up yet",
              "This site is still loading its identity provider's details. Please try again "
              "in a minute.",
              {Action::kRetry},
              kRetryTransient};
    case SSO_LOGIN_URL_GATED:
      return {503,
              PageKind::kUnavailable,
              "Sign-in is not set up",
              "The sign-in page of this site is not reachable. Please tell the site's "
              "administrator.",
              {},
              kRetrySetup};
    default:
      return {500,
              PageKind::kError,
              "Something went wrong",
              "The request could not be completed.",
              {Action::kSignIn}};
  }
}

PageText LogoutPageFor(sso_status reason) {
  switch (reason) {
    case SSO_SAML_STATUS_NOT_SUCCESS:
      return {200,
              PageKind::kSignedOut,
              "Signed out of this application",
              "You are signed out here, but the identity provider could not end all of your "
              "other sessions. To be sure, close your browser.",
              {Action::kBackToApp}};
    case SSO_SAML_SLO_NOT_CONFIGURED:
      return {501,
              PageKind::kError,
              "Single sign-out is not set up",
              "This application cannot take part in single sign-out yet. Please tell the "
              "site's administrator.",
              {Action::kBackToApp}};
    case SSO_STORE_UNAVAILABLE:
    case SSO_STORE_TIMEOUT:
    case SSO_STORE_ERROR_REPLY:
    case SSO_STORE_UNEXPECTED_REPLY:
      return {503,
              PageKind::kUnavailable,
              "Sign-out is temporarily unavailable",
              "Your sign-out could not be completed right now. Please try again in a minute.",
              {Action::kBackToApp},
              kRetryTransient};
    default:
      return {400,
              PageKind::kError,
              "Sign-out message not accepted",
              "The sign-out message did not pass our checks. If you meant to sign out, sign "
              "out from the application again.",
              {Action::kBackToApp}};
  }
}

PageValues Item(std::string label, std::string url, bool primary, bool post = false) {
  PageValues item;
  item.text["label"] = std::move(label);
  item.text["url"] = std::move(url);
  item.text["emphasis"] = primary ? "primary" : "secondary";
  item.text[post ? "post" : "link"] = "yes";
  return item;
}

std::string LoginHref(const PageLinks &links) {
  std::string_view login = links.login_url;
  std::string href(login);
  href.append(login.find('?') == std::string_view::npos ? "?" : "&");
  href.append("return_to=").append(UrlEncode(links.return_to.empty() ? "/" : links.return_to));
  return href;
}

std::vector<PageValues> Actions(const PageText &text, const PageLinks &links) {
  std::vector<PageValues> out;
  for (Action action : text.actions) {
    bool primary = out.empty();
    switch (action) {
      case Action::kRetry:
        out.push_back(Item(
            "Try again", links.return_to.empty() ? LoginHref(links) : std::string(links.return_to),
            primary));
        break;
      case Action::kSignIn:
        out.push_back(Item(text.kind == PageKind::kUsed ? "Sign in again" : "Try again",
                           LoginHref(links), primary));
        break;
      case Action::kCheckAgain:
        out.push_back(Item("Check again", LoginHref(links), primary));
        break;
      case Action::kAnotherAccount:
        out.push_back(Item("Sign in with another account", LoginHref(links), primary));
        break;
      case Action::kSignOut:
        if (!links.logout_url.empty())
          out.push_back(
              Item("Sign in with another account", std::string(links.logout_url), primary, true));
        break;
      case Action::kBackToApp:
        out.push_back(
            Item(text.kind == PageKind::kUsed ? "Go to the app" : "Back to the app", "/", primary));
        break;
    }
  }
  return out;
}

RenderedPage Render(const PageTemplates &templates, const PageText &text,
                    std::string_view request_id, std::vector<PageValues> actions) {
  PageValues values;
  values.text["kind"] = kPageKindNames[static_cast<size_t>(text.kind)];
  values.text["status"] = std::to_string(text.http_status);
  values.text["title"] = text.title;
  values.text["message"] = text.advice;
  values.text["request_id"] = request_id;
  values.text["any_actions"] = actions.empty() ? "" : "yes";
  values.lists["actions"] = std::move(actions);
  const PageTemplate &page = templates.For(text.kind);
  return {text.http_status, text.retry_after_s, page.Render(values),
          &page.content_security_policy()};
}

std::shared_ptr<const PageTemplate> ParseOrDie(std::string_view html) {
  std::string problem;
  auto parsed = PageTemplate::Parse(html, PagesSchema(), problem);
  // the built-in template is checked by its unit test; a broken one is a build mistake
  if (!parsed) std::abort();
  return std::make_shared<const PageTemplate>(std::move(*parsed));
}

}  // namespace

const PageSchema &PagesSchema() {
  static const PageSchema schema{
      {"kind", "status", "title", "message", "notice", "request_id", "email_url", "return_to",
       "any_providers", "any_actions"},
      {{"providers", {"label", "url"}}, {"actions", {"label", "url", "emphasis", "link", "post"}}}};
  return schema;
}

PageTemplates::PageTemplates() {
  // parsed once per process: every engine shares it
  static const std::shared_ptr<const PageTemplate> kBuiltIn = ParseOrDie(std::string_view(
      reinterpret_cast<const char *>(kDefaultPageTemplate), kDefaultPageTemplateSize));
  page_ = kBuiltIn;
}

bool PageTemplates::Set(std::string_view kind, std::string_view html, std::string &problem) {
  std::shared_ptr<const PageTemplate> *slot = nullptr;
  if (kind == "page") slot = &page_;
  for (size_t i = 0; i < kPageKindNames.size(); ++i)
    if (kind == kPageKindNames[i]) slot = &kinds_[i];
  if (!slot) {
    problem = "no page is called \"" + LogSafe(kind, 64) + "\"";
    return false;
  }
  auto parsed = PageTemplate::Parse(html, PagesSchema(), problem);
  if (!parsed) return false;
  *slot = std::make_shared<const PageTemplate>(std::move(*parsed));
  return true;
}

const PageTemplate &PageTemplates::For(PageKind kind) const {
  const auto &own = kinds_[static_cast<size_t>(kind)];
  return own ? *own : *page_;
}

RenderedPage RenderErrorPage(const PageTemplates &templates, sso_status reason,
                             std::string_view request_id, const PageLinks &links) {
  PageText text = PageFor(reason);
  return Render(templates, text, request_id, Actions(text, links));
}

RenderedPage RenderLogoutPage(const PageTemplates &templates, sso_status reason,
                              std::string_view request_id, const PageLinks &links) {
  PageText text = LogoutPageFor(reason);
  return Render(templates, text, request_id, Actions(text, links));
}

RenderedPage RenderErrorJson(sso_status reason, std::string_view request_id) {
  PageText text = PageFor(reason);
  std::string error = sso_status_name(reason);
  for (char &c : error) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string body = "{\"error\":\"" + error + "\",\"message\":\"" + JsonEscape(text.advice) +
                     "\",\"request_id\":\"" + JsonEscape(request_id) + "\"}\n";
  return {text.http_status, text.retry_after_s, std::move(body), nullptr};
}

RenderedPage RenderChooserPage(const PageTemplates &templates,
                               const std::vector<ChooserEntry> &providers,
                               std::string_view email_url, std::string_view return_to,
                               std::string_view notice) {
  PageValues values;
  values.text["kind"] = "chooser";
  values.text["status"] = "200";
  values.text["title"] = "Sign in";
  values.text["notice"] = notice;
  values.text["email_url"] = email_url;
  values.text["return_to"] = return_to;
  values.text["any_providers"] = providers.empty() ? "" : "yes";
  auto &items = values.lists["providers"];
  for (const auto &p : providers) {
    PageValues item;
    item.text["label"] = p.label;
    item.text["url"] = p.url;
    items.push_back(std::move(item));
  }
  const PageTemplate &page = templates.For(PageKind::kChooser);
  return {200, 0, page.Render(values), &page.content_security_policy()};
}

std::string LogoutUrlBeside(std::string_view login_url) {
  std::string_view path = login_url.substr(0, login_url.find('?'));
  if (!path.ends_with("/login")) return {};
  return std::string(path.substr(0, path.size() - 5)) + "logout";
}

}  // namespace sso
