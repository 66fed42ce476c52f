// ACS validation speed: our full ValidateResponse against a bare xmlsec verification of the
// same ~8 KB signed response (RSA-2048, SHA-256), in the same process. Prints both and the
// ratio. Run by scripts/bench-saml.
#include <libxml/parser.h>
#include <libxml/valid.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmltree.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>

#include "saml/response.h"
#include "saml/xml_util.h"
#include "support/saml_fixtures.h"

namespace {

using Clock = std::chrono::steady_clock;

double PerSecond(int iterations, const std::function<bool()> &once) {
  for (int i = 0; i < iterations / 10; ++i) once();  // warm up
  auto start = Clock::now();
  for (int i = 0; i < iterations; ++i)
    if (!once()) {
      std::fprintf(stderr, "saml_bench: a run failed\n");
      std::exit(1);
    }
  std::chrono::duration<double> elapsed = Clock::now() - start;
  return iterations / elapsed.count();
}

}  // namespace

int main(int argc, char **argv) {
  using namespace saml_test;
  int iterations = argc > 1 ? std::atoi(argv[1]) : 2000;

  // A typical response: one signed assertion with a dozen attributes, about 8 KB.
  ResponseSpec spec;
  for (int i = 0; i < 12; ++i)
    spec.attributes["urn:oid:1.3.6.1.4.1.5923.1.1.1." + std::to_string(i)] = {
        std::string(320, static_cast<char>('a' + i))};
  std::string xml = SignedAssertion(spec);
  std::string form_value = Base64(xml);
  auto idp = Idp();
  auto sp = Sp();
  auto expect = Solicited();

  double ours = PerSecond(iterations, [&] {
    sso::saml::Assertion out;
    return sso::saml::ValidateResponse(form_value, idp, sp, expect, out) == SSO_OK;
  });

  double ours_xml = PerSecond(iterations, [&] {
    sso::saml::Assertion out;
    return sso::saml::ValidateResponseXml(xml, idp, sp, expect, out) == SSO_OK;
  });

  double bare = PerSecond(iterations, [&] {
    sso::saml::XmlDocPtr doc(
        xmlReadMemory(xml.data(), static_cast<int>(xml.size()), "b.xml", nullptr, 0));
    xmlNode *root = xmlDocGetRootElement(doc.get());
    xmlNode *assertion =
        xmlSecFindNode(root, BAD_CAST "Assertion", BAD_CAST sso::saml::kNsAssertion);
    xmlAttr *id = xmlHasProp(assertion, BAD_CAST "ID");
    xmlAddID(nullptr, doc.get(), id->children->content, id);
    xmlNode *signature = xmlSecFindNode(assertion, xmlSecNodeSignature, xmlSecDSigNs);
    sso::saml::DSigCtxPtr ctx(xmlSecDSigCtxCreate(nullptr));
    ctx->signKey = xmlSecKeyDuplicate(idp.signing_keys[0].get());
    return xmlSecDSigCtxVerify(ctx.get(), signature) == 0 &&
           ctx->status == xmlSecDSigStatusSucceeded;
  });

  std::printf("signed response: %zu bytes of XML (%zu as the form value)\n", xml.size(),
              form_value.size());
  std::printf("%-44s %10.0f /s  %7.1f us\n", "bare xmlsec verify (parse + verify)", bare,
              1e6 / bare);
  std::printf("%-44s %10.0f /s  %7.1f us\n", "sso validation of the decoded XML", ours_xml,
              1e6 / ours_xml);
  std::printf("%-44s %10.0f /s  %7.1f us\n", "sso ACS validation (decode + all checks)", ours,
              1e6 / ours);
  std::printf("ratio sso/bare: %.2f\n", ours / bare);
  return 0;
}
