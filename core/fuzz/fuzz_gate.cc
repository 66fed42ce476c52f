// libFuzzer target for the input the gate takes from outside: the session cookie and the
// store's reply (a record that may have been tampered with in Redis). Any crash, sanitizer
// report or an ALLOW with a control character in an identity field is a bug.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "session/record.h"
#include "sso/sso.h"

namespace {

sso_engine *Engine() {
  static sso_engine *engine = [] {
    sso_engine_config config{{"sso:", 4}, {"__Host-sso", 10}, 1, 3600000,
                             600000,      {"/sso/login", 10}, 0, {nullptr, 0}};
    sso_engine *e = nullptr;
    if (sso_engine_create(&config, &e) != SSO_OK) std::abort();
    return e;
  }();
  return engine;
}

bool HasControl(sso_str s) {
  for (size_t i = 0; i < s.len; ++i) {
    unsigned char c = static_cast<unsigned char>(s.data[i]);
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // First byte: how much of the input is the cookie; the rest is the store reply.
  if (size == 0) return 0;
  size_t cookie_len = data[0] % 64;
  if (cookie_len > size - 1) cookie_len = size - 1;
  sso_str cookie{reinterpret_cast<const char *>(data + 1), cookie_len};
  sso_str record{reinterpret_cast<const char *>(data + 1 + cookie_len), size - 1 - cookie_len};

  // The parser alone, on every input.
  (void)sso::ParseRecord(std::string_view(record.data, record.len));

  sso_txn *txn = nullptr;
  if (sso_txn_create(Engine(), &txn) != SSO_OK) std::abort();
  sso_gate_request request{{"GET", 3}, {"/", 1}, {"text/html", 9}, {"", 0}, {"", 0}, cookie, 0};
  sso_step step;
  if (sso_gate_begin(txn, &request, &step) == SSO_OK && step.kind == SSO_STEP_SESSION_READ) {
    sso_store_reply reply{SSO_REPLY_STRING, record, 0, SSO_OK};
    sso_engine_session_read_done(Engine(), step.read_id, &reply, 0);
    while (sso_engine_session_read_waiter(Engine(), step.read_id)) {
    }
    if (sso_gate_resume_read(txn, &step) == SSO_OK && step.kind == SSO_STEP_ALLOW) {
      for (int field = SSO_FIELD_USER; field <= SSO_FIELD_SUBJECT; ++field)
        if (HasControl(sso_txn_identity_field(txn, static_cast<sso_field>(field)))) std::abort();
    }
  }
  sso_txn_destroy(txn);
  return 0;
}
