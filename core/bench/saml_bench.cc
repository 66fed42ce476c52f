// ACS validation speed: our full ValidateResponse against a bare xmlsec verification of the
// same ~8 KB signed response (RSA-2048, SHA-256), in the same process. Prints both and the
// ratio. Run by scripts/bench-saml.
//
// The three are measured in interleaved rounds (a slice of each in turn), and timed in this
// process's CPU seconds: on a machine shared with other work, one measured after the other,
// or by the wall clock, would each be charged for whatever else ran during its turn.
#include <libxml/parser.h>
#include <libxml/valid.h>
#include <time.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmltree.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>

#include "saml/response.h"
#include "saml/xml_util.h"
#include "support/saml_fixtures.h"

namespace {

double CpuSeconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

// Runs per second of each of `runs`: `rounds` rounds, each running every one of them
// iterations / rounds times in turn.
template <size_t N>
std::array<double, N> PerSecond(int iterations, int rounds,
                                const std::array<std::function<bool()>, N> &runs) {
  for (const auto &once : runs)
    for (int i = 0; i < iterations / 10; ++i) once();  // warm up
  std::array<double, N> seconds{};
  int per_round = std::max(1, iterations / rounds);
  for (int round = 0; round < rounds; ++round) {
    for (size_t r = 0; r < N; ++r) {
      double start = CpuSeconds();
      for (int i = 0; i < per_round; ++i)
        if (!runs[r]()) {
          std::fprintf(stderr, "saml_bench: a run failed\n");
          std::exit(1);
        }
      seconds[r] += CpuSeconds() - start;
    }
  }
  std::array<double, N> rates{};
  for (size_t r = 0; r < N; ++r) rates[r] = per_round * rounds / seconds[r];
  return rates;
}

[[gnu::noinline]] bool RunOnce(const std::function<bool()> &run) { return run(); }

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

  auto ours_once = [&] {
    sso::saml::Assertion out;
    return sso::saml::ValidateResponse(form_value, idp, sp, expect, out) == SSO_OK;
  };
  auto ours_xml_once = [&] {
    sso::saml::Assertion out;
    return sso::saml::ValidateResponseXml(xml, idp, sp, expect, out) == SSO_OK;
  };
  auto bare_once = [&] {
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
  };
  // saml_bench 0 ours|xml|bare COUNT: COUNT runs of one, untimed (to count instructions
  // with callgrind: --toggle-collect='*RunOnce*').
  if (argc > 3) {
    std::string which = argv[2];
    std::function<bool()> run = bare_once;
    if (which == "ours") run = ours_once;
    if (which == "xml") run = ours_xml_once;
    for (int i = 0; i < 10; ++i) RunOnce(run);  // warm up
    for (long i = std::atol(argv[3]); i > 0; --i)
      if (!RunOnce(run)) return 1;
    return 0;
  }
  auto [ours, ours_xml, bare] = PerSecond<3>(iterations, 20, {ours_once, ours_xml_once, bare_once});

  std::printf(
      "signed response: %zu bytes of XML (%zu as the form value); %d runs each, in 20 "
      "interleaved rounds, per CPU second\n",
      xml.size(), form_value.size(), iterations);
  std::printf("%-44s %10.0f /s  %7.1f us\n", "bare xmlsec verify (parse + verify)", bare,
              1e6 / bare);
  std::printf("%-44s %10.0f /s  %7.1f us\n", "sso validation of the decoded XML", ours_xml,
              1e6 / ours_xml);
  std::printf("%-44s %10.0f /s  %7.1f us\n", "sso ACS validation (decode + all checks)", ours,
              1e6 / ours);
  std::printf("ratio sso/bare: %.2f\n", ours / bare);
  return 0;
}
