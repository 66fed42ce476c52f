// The endpoints' routing: which path is which endpoint, which methods each takes, and what
// the module is asked to do before the flow can start.
#include <gtest/gtest.h>

#include "support/test_support.h"
#include "text/views.h"

namespace {

using namespace sso_test;
using sso::View;

sso_step Route(sso_engine *engine, EndpointRequest request) {
  auto txn = MakeTxn(engine);
  sso_step step{};
  EXPECT_EQ(BeginEndpoint(txn.get(), request, &step), SSO_OK);
  return step;
}

TEST(Router, UnknownPathsAreNotFound) {
  auto engine = MakeEngine();
  for (const char *path :
       {"/sso/", "/sso/nothing", "/sso/login/", "/sso/saml/acs/x", "/sso/oidc"}) {
    sso_step step = Route(engine.get(), {.path = path});
    EXPECT_EQ(step.kind, SSO_STEP_STATUS) << path;
    EXPECT_EQ(step.http_status, 404) << path;
  }
}

TEST(Router, EachEndpointTakesOnlyItsMethods) {
  auto engine = MakeEngine();
  struct Case {
    const char *method;
    const char *path;
    bool allowed;
  };
  for (Case c : {Case{"GET", "/sso/logout", false}, Case{"HEAD", "/sso/logout", false},
                 Case{"GET", "/sso/saml/acs", false}, Case{"PUT", "/sso/saml/acs", false},
                 Case{"POST", "/sso/login", false}, Case{"DELETE", "/sso/saml/metadata", false},
                 Case{"POST", "/sso/oidc/callback", false}, Case{"POST", "/sso/logout", true},
                 Case{"POST", "/sso/saml/acs", true}, Case{"GET", "/sso/login", true},
                 Case{"HEAD", "/sso/login", true}, Case{"GET", "/x/y/saml/metadata", true}}) {
    sso_step step = Route(engine.get(), {.method = c.method, .path = c.path});
    bool refused = step.kind == SSO_STEP_STATUS && step.http_status == 405;
    EXPECT_EQ(refused, !c.allowed) << c.method << " " << c.path;
  }
}

TEST(Router, TheCallbacksQueryIsRedactedWhateverTheAnswer) {
  auto engine = MakeEngine();
  EXPECT_EQ(Route(engine.get(), {.path = "/sso/oidc/callback", .query = "code=secret&state=x"})
                .redact_query,
            1);
  EXPECT_EQ(Route(engine.get(), {.method = "POST", .path = "/sso/oidc/callback", .query = "code=x"})
                .redact_query,
            1)
      << "a 405 is logged with its request line too";
  EXPECT_EQ(Route(engine.get(), {.path = "/sso/login", .query = "return_to=/a"}).redact_query, 0);
  EXPECT_EQ(Route(engine.get(),
                  {.path = "/sso/scim/v2/corp/Users", .query = "filter=userName%20eq%20%22a%22"})
                .redact_query,
            1)
      << "a SCIM filter names people";
}

TEST(Router, TheAcsReadsItsFormFirstWithinALimit) {
  auto engine = MakeEngine();
  auto txn = MakeTxn(engine.get());
  sso_step step;
  ASSERT_EQ(BeginEndpoint(txn.get(), {.method = "POST", .path = "/sso/saml/acs"}, &step), SSO_OK);
  EXPECT_EQ(step.kind, SSO_STEP_READ_BODY);
  EXPECT_EQ(step.body_limit, 1024u * 1024u);
  // an empty form: the ACS's own check answers
  ASSERT_EQ(sso_endpoint_resume_body(txn.get(), S(""), 0, &step), SSO_OK);
  EXPECT_EQ(step.kind, SSO_STEP_ERROR);
  EXPECT_EQ(step.reason, SSO_ACS_BAD_REQUEST);
  EXPECT_EQ(sso_endpoint_resume_body(txn.get(), S(""), 0, &step), SSO_ERR_BAD_STATE)
      << "a body only where one was asked for";
}

TEST(Router, ABodyIsOnlyTakenWhenOneWasAskedFor) {
  auto engine = MakeEngine();
  auto txn = MakeTxn(engine.get());
  sso_step step;
  EXPECT_EQ(sso_endpoint_resume_body(txn.get(), S("x=1"), 0, &step), SSO_ERR_BAD_STATE);
  ASSERT_EQ(BeginEndpoint(txn.get(), {.path = "/sso/login"}, &step), SSO_OK);
  EXPECT_EQ(sso_endpoint_resume_body(txn.get(), S("x=1"), 0, &step), SSO_ERR_BAD_STATE);
}

TEST(Router, TheLoginEndpointStartsALogin) {
  auto engine = MakeEngine();
  sso_step step = Route(engine.get(), {.path = "/sso/login"});
  EXPECT_EQ(step.kind, SSO_STEP_ERROR);
  EXPECT_EQ(step.reason, SSO_LOGIN_NO_PROVIDER) << "no provider configured in this engine";
}

// A POST of text/xml to the SLO is the SOAP binding: its refusals are SOAP Faults for the
// IdP, never a page, a cookie or a redirect; a form there is still the HTTP-POST binding.
TEST(Router, ASoapPostToTheSloIsAnsweredInSoap) {
  auto engine = MakeEngine();
  struct Case {
    std::string body;
    int http_status;
    sso_status reason;
    const char *fault;
  };
  std::string envelope =
      "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body>"
      "<samlp:LogoutRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" "
      "xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"_x\" Version=\"2.0\">"
      "<saml:Issuer>https://unknown.example</saml:Issuer></samlp:LogoutRequest>"
      "</s:Body></s:Envelope>";
  for (const Case &c : {Case{"<a/>", 500, SSO_SAML_SOAP_MALFORMED, "soap11:Client"},
                        Case{"SAMLRequest=x", 500, SSO_SAML_XML_MALFORMED, "soap11:Client"},
                        Case{envelope, 403, SSO_SAML_ISSUER_MISMATCH, "soap11:Client"}}) {
    auto txn = MakeTxn(engine.get());
    sso_step step;
    ASSERT_EQ(
        BeginEndpoint(
            txn.get(),
            {.method = "POST", .path = "/sso/saml/slo", .content_type = "text/xml; charset=utf-8"},
            &step),
        SSO_OK);
    ASSERT_EQ(step.kind, SSO_STEP_READ_BODY);
    ASSERT_EQ(sso_endpoint_resume_body(txn.get(), S(c.body), 0, &step), SSO_OK);
    EXPECT_EQ(step.kind, SSO_STEP_PAGE) << c.body;
    EXPECT_EQ(step.http_status, c.http_status) << c.body;
    EXPECT_EQ(step.reason, c.reason) << c.body;
    EXPECT_EQ(View(step.content_type), "text/xml; charset=utf-8");
    std::string body(View(step.body));
    EXPECT_NE(body.find("<faultcode>" + std::string(c.fault) + "</faultcode>"), std::string::npos)
        << body;
    EXPECT_NE(body.find(sso_status_name(c.reason)), std::string::npos) << body;
    EXPECT_EQ(step.set_cookie.len, 0u);
    EXPECT_EQ(step.location.len, 0u);
    EXPECT_NE(std::string(View(step.warning)).find(sso_status_name(c.reason)), std::string::npos);
  }
  auto txn = MakeTxn(engine.get());
  sso_step step;
  ASSERT_EQ(BeginEndpoint(txn.get(),
                          {.method = "POST",
                           .path = "/sso/saml/slo",
                           .content_type = "application/x-www-form-urlencoded"},
                          &step),
            SSO_OK);
  ASSERT_EQ(sso_endpoint_resume_body(txn.get(), S(envelope), 0, &step), SSO_OK);
  EXPECT_EQ(View(step.content_type), "text/html; charset=utf-8") << "a form: the POST binding";
}

TEST(Router, RefusesTooLittleRandomness) {
  auto engine = MakeEngine();
  auto txn = MakeTxn(engine.get());
  std::array<uint8_t, 32> random{};
  sso_endpoint_request request{S("GET"), S("/sso/login"), S(""),        nullptr, 0, S(""),
                               0,        random.data(),   random.size()};
  sso_step step;
  EXPECT_EQ(sso_endpoint_begin(txn.get(), &request, &step), SSO_ERR_INVALID_ARGUMENT);
}

}  // namespace
