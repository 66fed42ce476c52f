// libFuzzer target for what SCIM reads from an identity provider: a filter, a User body and a
// PatchOp body (the input's first line is the filter; the rest is a body, tried as both).
// Crashes and sanitizer reports are bugs, and so is an accepted User whose userName, externalId
// or emails could carry a control character (they are matched against logins), that keeps a
// password, or that is larger than the limit.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "scim/filter.h"
#include "scim/patch.h"
#include "scim/user.h"
#include "text/http_text.h"

namespace {

using sso::scim::Json;

void CheckUser(const Json &attributes) {
  if (!attributes.is_object() || attributes.contains("password")) std::abort();
  if (attributes.dump(-1, ' ', false, Json::error_handler_t::replace).size() >
      sso::scim::kMaxUserBytes)
    std::abort();
  sso::scim::MatchValues v = sso::scim::MatchValuesOf(attributes);
  if (v.user_name.empty() || sso::HasControlCharacter(v.user_name) ||
      sso::HasControlCharacter(v.external_id))
    std::abort();
  for (const auto &email : v.emails)
    if (sso::HasControlCharacter(email)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string_view input(reinterpret_cast<const char *>(data), size);
  size_t split = input.find('\n');
  std::string_view filter = input.substr(0, split);
  std::string_view body = split == std::string_view::npos ? "" : input.substr(split + 1);

  if (auto terms = sso::scim::ParseUserFilter(filter))
    for (const auto &t : *terms)
      if (t.kind != 'n' && t.kind != 'x' && t.kind != 'e') std::abort();
  (void)sso::scim::ParseConjunction(filter);

  auto parsed = sso::scim::ParseBody(body);
  if (!parsed) return 0;
  Json attributes;
  std::optional<bool> active;
  sso::scim::Error error;
  if (sso::scim::SanitizeUser(*parsed, attributes, active, error)) CheckUser(attributes);

  Json user = {{"userName", "a@corp.example"},
               {"emails", {{{"value", "a@corp.example"}, {"type", "work"}}}}};
  bool now_active = true;
  if (sso::scim::ApplyPatch(*parsed, user, now_active, error)) CheckUser(user);
  return 0;
}
