// The cost of one metadata refresh's decision: AcceptMetadata (root signature verified, the
// IdP read) on the 2.4 MB SWITCH AAI test aggregate of t/saml/metadata-corpus, signed on its
// root once at start with the throw-away "sp" key (exclusive c14n, RSA-SHA256), as a
// federation signs what saml_idp_metadata_url serves. Refreshes run in the worker's event
// loop, so this is time no request on that worker is served.
//
// Count it with callgrind, not a clock (the machine is shared):
//   valgrind --tool=callgrind --toggle-collect='*AcceptOnce*' build/metadata_bench 3
// and divide the instructions by the runs. Without valgrind it prints CPU ms per run.
//   build/metadata_bench [RUNS]
#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "saml/metadata_feed.h"
#include "saml/signature.h"
#include "support/saml_fixtures.h"

namespace {

constexpr const char *kAggregate = "/t/saml/metadata-corpus/switch-aaitest-aggregate.xml";
constexpr const char *kAggregateId = "AAITest-20191127170144";  // its root's ID
constexpr const char *kEntity = "https://aai-demo-idp.switch.ch/idp/shibboleth";
constexpr int64_t kNow = 1'767'225'600'000;  // 2026-01-01T00:00:00Z; it is valid until 3001

double CpuSeconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

[[noreturn]] void Fail(const std::string &what) {
  std::fprintf(stderr, "metadata_bench: %s\n", what.c_str());
  std::exit(1);
}

// One refresh's decision, its result destroyed too; not inlined, so that callgrind can count
// it alone (--toggle-collect='*AcceptOnce*').
[[gnu::noinline]] void AcceptOnce(const sso::MetadataFeed &feed, const sso::IdpLines &lines,
                                  const std::string &xml) {
  sso::IdpData data;
  std::vector<std::string> skipped;
  std::string why, outcome;
  if (sso::AcceptMetadata(feed, lines, xml, kNow, data, skipped, why, outcome) != SSO_OK)
    Fail("the signed aggregate is refused: " + why);
  if (data.idp.entity_id != kEntity || data.idp.signing_keys.empty())
    Fail("the signed aggregate read wrong");
}

}  // namespace

int main(int argc, char **argv) {
  int runs = argc > 1 ? std::atoi(argv[1]) : 5;
  if (runs < 1) Fail("RUNS must be a positive number");
  std::string xml = saml_test::ReadFile(std::string(SSO_SOURCE_DIR) + kAggregate);
  if (xml.empty()) Fail(std::string("cannot read ") + SSO_SOURCE_DIR + kAggregate);
  saml_test::SignOptions sign;
  sign.key = "sp";
  std::string signed_xml = saml_test::Sign(xml, kAggregateId, sign);

  sso::MetadataFeed feed;
  feed.provider = "bench";
  feed.url = "https://127.0.0.1/aggregate.xml";
  feed.interval_ms = 3600 * 1000;
  feed.have_sp_key = true;
  sso::saml::SharedKey key;
  if (sso::saml::LoadCertificateKey(saml_test::ReadFile(saml_test::KeyPath("sp.crt")), key) !=
      SSO_OK)
    Fail("cannot load the pinned certificate sp.crt");
  feed.signing_keys.push_back(key);
  sso::IdpLines lines;
  lines.entity_id = kEntity;

  AcceptOnce(feed, lines, signed_xml);  // warm up (xmlsec and OpenSSL set up once)
  double start = CpuSeconds();
  for (int i = 0; i < runs; ++i) AcceptOnce(feed, lines, signed_xml);
  double ms = (CpuSeconds() - start) * 1000 / runs;
  std::printf("AcceptMetadata on %zu bytes: %d runs, %.1f CPU ms per run\n", signed_xml.size(),
              runs + 1, ms);
  return 0;
}
