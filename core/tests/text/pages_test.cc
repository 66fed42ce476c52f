#include "text/pages.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include "text/encoding.h"
#include "text/page_template.h"

namespace {

using sso::PageSchema;
using sso::PageTemplate;
using sso::PageValues;

const PageSchema kSchema{{"title", "note"}, {{"items", {"label", "url"}}}};

std::optional<PageTemplate> Parse(std::string_view html, std::string *problem = nullptr) {
  std::string why;
  auto parsed = PageTemplate::Parse(html, kSchema, why);
  if (problem) *problem = why;
  return parsed;
}

bool Contains(const std::string &text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

TEST(PageTemplate, EscapesEveryValue) {
  auto t = Parse("<h1>{{title}}</h1><a href=\"{{ note }}\">x</a>");
  ASSERT_TRUE(t);
  PageValues v;
  v.text["title"] = "<script>alert(1)</script>";
  v.text["note"] = "\" onmouseover=\"x";
  std::string html = t->Render(v);
  EXPECT_EQ(html,
            "<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>"
            "<a href=\"&quot; onmouseover=&quot;x\">x</a>");
}

TEST(PageTemplate, SectionsRepeatListsAndTestValues) {
  auto t = Parse(
      "{{#items}}<li><a href=\"{{url}}\">{{label}}</a> {{title}}</li>{{/items}}"
      "{{^items}}none{{/items}}{{#note}}[{{note}}]{{/note}}{{^note}}no note{{/note}}{{! a "
      "comment }}");
  ASSERT_TRUE(t);
  PageValues v;
  v.text["title"] = "T";
  PageValues a, b;
  a.text = {{"label", "A&B"}, {"url", "/a"}};
  b.text = {{"label", "C"}, {"url", "/c"}};
  v.lists["items"] = {a, b};
  EXPECT_EQ(t->Render(v),
            "<li><a href=\"/a\">A&amp;B</a> T</li><li><a href=\"/c\">C</a> T</li>no note");
  PageValues empty;
  empty.text["note"] = "n";
  EXPECT_EQ(t->Render(empty), "none[n]");
}

TEST(PageTemplate, RefusesMistakesNamingTheLine) {
  std::string why;
  EXPECT_FALSE(Parse("<p>\n{{titel}}</p>", &why));
  EXPECT_EQ(why, "line 2: unknown placeholder {{titel}}; known here: items, note, title");
  EXPECT_FALSE(Parse("{{label}}", &why)) << "an item's name outside its list";
  EXPECT_TRUE(Contains(why, "unknown placeholder {{label}}")) << why;
  EXPECT_FALSE(Parse("\n\n{{#items}}x", &why));
  EXPECT_EQ(why, "line 3: {{#items}} is never closed");
  EXPECT_FALSE(Parse("{{#items}}{{/note}}", &why));
  EXPECT_EQ(why, "line 1: {{/note}} closes {{#items}} of line 1");
  EXPECT_FALSE(Parse("{{/items}}", &why));
  EXPECT_EQ(why, "line 1: {{/items}} closes nothing");
  EXPECT_FALSE(Parse("{{{title}}}", &why));
  EXPECT_TRUE(Contains(why, "raw HTML")) << why;
  EXPECT_FALSE(Parse("{{&title}}", &why));
  EXPECT_FALSE(Parse("{{items}}", &why));
  EXPECT_TRUE(Contains(why, "is a list")) << why;
  EXPECT_FALSE(Parse("{{title", &why));
  EXPECT_TRUE(Contains(why, "never closed with }}")) << why;
  EXPECT_FALSE(Parse("{{Title}}", &why));
  EXPECT_TRUE(Contains(why, "is not a placeholder")) << why;
}

TEST(PageTemplate, RefusesWhatThePolicyWouldBlock) {
  std::string why;
  EXPECT_FALSE(Parse("<p>\n<script>x()</script>", &why));
  EXPECT_TRUE(why.starts_with("line 2: a <script> element")) << why;
  EXPECT_FALSE(Parse("<body onload=\"x()\">", &why));
  EXPECT_TRUE(Contains(why, "event handler")) << why;
  EXPECT_FALSE(Parse("<p style=\"color:red\">", &why));
  EXPECT_TRUE(Contains(why, "style attribute")) << why;
  EXPECT_FALSE(Parse("<style>h1{color:{{note}}}</style>", &why));
  EXPECT_TRUE(Contains(why, "placeholder inside <style>")) << why;
  // words that only look like it are fine
  EXPECT_TRUE(Parse("<p class=\"onward stylish\" data-style=\"x\">script</p>"));
}

std::string Sha256Base64(std::string_view text) {
  unsigned char md[32];
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), md, &len, EVP_sha256(), nullptr);
  return sso::Base64Encode(std::string_view(reinterpret_cast<char *>(md), len));
}

TEST(PageTemplate, PolicyAllowsExactlyItsOwnStyles) {
  auto t = Parse("<style>h1{color:red}</style><STYLE media=\"print\">p{}</STYLE><h1>x</h1>");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->content_security_policy(),
            "default-src 'none'; style-src 'sha256-" + Sha256Base64("h1{color:red}") +
                "' 'sha256-" + Sha256Base64("p{}") +
                "'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'");
  auto plain = Parse("<h1>x</h1>");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->content_security_policy(),
            "default-src 'none'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'");
}

TEST(Pages, BuiltInTemplateIsResponsiveAccessibleAndStrict) {
  sso::PageTemplates templates;
  auto page = sso::RenderErrorPage(templates, SSO_STORE_TIMEOUT, "<id>", {"/sso/login", "/x", ""});
  EXPECT_EQ(page.http_status, 503);
  EXPECT_EQ(page.retry_after_s, 30);
  EXPECT_TRUE(Contains(page.body, "<html lang=\"en\">"));
  EXPECT_TRUE(Contains(page.body, "name=\"viewport\""));
  EXPECT_TRUE(Contains(page.body, "<h1>Sign-in is temporarily unavailable</h1>"));
  EXPECT_TRUE(Contains(page.body, "<style>"));
  ASSERT_NE(page.content_security_policy, nullptr);
  EXPECT_TRUE(page.content_security_policy->starts_with("default-src 'none'; style-src 'sha256-"));
  // the correlation id, escaped; no internals
  EXPECT_TRUE(Contains(page.body, "<code>&lt;id&gt;</code>"));
  EXPECT_FALSE(Contains(page.body, "<id>"));
  EXPECT_FALSE(Contains(page.body, "STORE_TIMEOUT"));
  EXPECT_FALSE(Contains(page.body, "redis"));
  // "try again" reloads the page the person asked for
  EXPECT_TRUE(Contains(page.body, "href=\"/x\">Try again</a>")) << page.body;
  EXPECT_EQ(
      sso::RenderErrorPage(templates, SSO_ERR_INTERNAL, "x", {"/sso/login", "", ""}).http_status,
      500);
  EXPECT_EQ(sso::RenderErrorPage(templates, SSO_LOGIN_NO_PROVIDER, "x", {"/sso/login", "", ""})
                .http_status,
            503);
}

TEST(Pages, EachPageOffersWhatHelps) {
  sso::PageTemplates templates;
  sso::PageLinks links{"/sso/login", "/reports?q=1", "/sso/logout"};
  auto denied = sso::RenderErrorPage(templates, SSO_ACCESS_DENIED, "r1", links);
  EXPECT_EQ(denied.http_status, 403);
  EXPECT_TRUE(Contains(denied.body, "<body class=\"denied\">"));
  EXPECT_TRUE(Contains(denied.body, "href=\"/\">Back to the app</a>")) << denied.body;
  EXPECT_TRUE(Contains(denied.body,
                       "<form method=\"post\" action=\"/sso/logout\"><button class=\"button "
                       "secondary\" type=\"submit\">Sign in with another account</button>"))
      << denied.body;
  auto jit = sso::RenderErrorPage(templates, SSO_JIT_DENIED, "r1", links);
  EXPECT_TRUE(Contains(jit.body,
                       "href=\"/sso/login?return_to=/reports%3Fq%3D1\">Sign in with another "
                       "account</a>"))
      << jit.body;
  auto pending = sso::RenderErrorPage(templates, SSO_JIT_PENDING, "r1", links);
  EXPECT_TRUE(Contains(pending.body, "<body class=\"pending\">"));
  EXPECT_TRUE(Contains(pending.body, ">Check again</a>"));
  auto used = sso::RenderErrorPage(templates, SSO_LOGIN_STATE_SPENT, "r1", links);
  EXPECT_EQ(used.http_status, 400);
  EXPECT_TRUE(Contains(used.body, "<h1>This sign-in link was already used</h1>"));
  EXPECT_TRUE(Contains(used.body, ">Sign in again</a>"));
  EXPECT_TRUE(Contains(used.body, "href=\"/\">Go to the app</a>"));
  EXPECT_FALSE(Contains(used.body, "did not pass our checks"));
  // without a logout endpoint beside the login URL, no sign-out button
  auto own = sso::RenderErrorPage(templates, SSO_ACCESS_DENIED, "r1", {"/login.php", "", ""});
  EXPECT_FALSE(Contains(own.body, "<form"));
  auto setup = sso::RenderErrorPage(templates, SSO_LOGIN_NO_PROVIDER, "r1", links);
  EXPECT_FALSE(Contains(setup.body, "class=\"actions\"")) << "nothing a person could do";
}

TEST(Pages, LogoutPages) {
  sso::PageTemplates templates;
  auto partial = sso::RenderLogoutPage(templates, SSO_SAML_STATUS_NOT_SUCCESS, "r",
                                       {"/sso/login", "", "/sso/logout"});
  EXPECT_EQ(partial.http_status, 200);
  EXPECT_TRUE(Contains(partial.body, "<body class=\"signed-out\">"));
  auto down = sso::RenderLogoutPage(templates, SSO_STORE_TIMEOUT, "r", {"/sso/login", "", ""});
  EXPECT_EQ(down.http_status, 503);
  EXPECT_EQ(down.retry_after_s, 30);
}

TEST(Pages, JsonCarriesTheRequestId) {
  auto json = sso::RenderErrorJson(SSO_JIT_UNAVAILABLE, "abc\"d");
  EXPECT_EQ(json.http_status, 503);
  EXPECT_EQ(json.retry_after_s, 30);
  EXPECT_EQ(json.content_security_policy, nullptr);
  EXPECT_TRUE(Contains(json.body, "\"error\":\"jit_unavailable\"")) << json.body;
  EXPECT_TRUE(Contains(json.body, "\"request_id\":\"abc\\\"d\"")) << json.body;
}

TEST(Pages, ChooserShowsDisplayNamesAndTheEmailForm) {
  sso::PageTemplates templates;
  auto page =
      sso::RenderChooserPage(templates, {{"Corp <Okta>", "/sso/login?provider=corp&return_to=/"}},
                             "/sso/login", "/x\"y", "No sign-in is set up for that email address.");
  EXPECT_EQ(page.http_status, 200);
  EXPECT_TRUE(Contains(page.body, ">Corp &lt;Okta&gt;</a>")) << page.body;
  EXPECT_TRUE(Contains(page.body, "href=\"/sso/login?provider=corp&amp;return_to=/\""));
  EXPECT_TRUE(Contains(page.body, "<form method=\"get\" action=\"/sso/login\">"));
  EXPECT_TRUE(Contains(page.body, "name=\"return_to\" value=\"/x&quot;y\""));
  EXPECT_TRUE(Contains(page.body, "role=\"alert\">No sign-in is set up"));
  EXPECT_FALSE(Contains(page.body, "If this keeps happening")) << "no reference to quote";
  auto plain = sso::RenderChooserPage(templates, {{"A", "/a"}}, "", "/", "");
  EXPECT_FALSE(Contains(plain.body, "<form"));
}

TEST(Pages, AnOperatorTemplateReplacesOneKindOrAll) {
  sso::PageTemplates templates;
  std::string why;
  EXPECT_FALSE(templates.Set("pages", "<p>x</p>", why));
  EXPECT_EQ(why, "no page is called \"pages\"");
  EXPECT_FALSE(templates.Set("denied", "{{#actions}}{{lable}}{{/actions}}", why));
  EXPECT_TRUE(Contains(why, "unknown placeholder {{lable}}; known here: actions, any_actions"))
      << why;
  ASSERT_TRUE(templates.Set("denied", "<h1>{{title}}</h1>{{#actions}}[{{label}}]{{/actions}}", why))
      << why;
  sso::PageLinks links{"/sso/login", "", "/sso/logout"};
  EXPECT_EQ(sso::RenderErrorPage(templates, SSO_ACCESS_DENIED, "r", links).body,
            "<h1>You don&#39;t have access to this page</h1>[Back to the app][Sign in with "
            "another account]");
  EXPECT_TRUE(Contains(sso::RenderErrorPage(templates, SSO_JIT_PENDING, "r", links).body,
                       "<!DOCTYPE html>"))
      << "other kinds keep the built-in page";
  ASSERT_TRUE(templates.Set("page", "<p>{{kind}} {{status}}</p>", why)) << why;
  EXPECT_EQ(sso::RenderErrorPage(templates, SSO_JIT_PENDING, "r", links).body,
            "<p>pending 403</p>");
}

TEST(Pages, LogoutUrlBesideTheLoginUrl) {
  EXPECT_EQ(sso::LogoutUrlBeside("/sso/login"), "/sso/logout");
  EXPECT_EQ(sso::LogoutUrlBeside("/auth/login?x=1"), "/auth/logout");
  EXPECT_EQ(sso::LogoutUrlBeside("/signin"), "");
}

}  // namespace
