// SCIM PATCH (RFC 7644 §3.5.2) on a User: add, replace and remove, with a path (attribute,
// sub-attribute, extension URN, value filter such as emails[type eq "work"].value) or without
// one (a value object whose keys are paths: Okta's {"op":"replace","value":{"active":false}},
// Entra ID's {"name.givenName": ...}). Operation names in any case and "True"/"False"
// strings are taken too: Entra ID's older dialect.
#pragma once

#include "scim/protocol.h"

namespace sso::scim {

inline constexpr size_t kMaxPatchOperations = 100;

// Applies the PatchOp `body` to a user's attributes (as SanitizeUser made them) and active
// flag, then checks the result like a PUT body. All or nothing: false with the error (400
// invalidSyntax, invalidPath, noTarget, invalidFilter, invalidValue; 413), and then nothing
// was changed.
bool ApplyPatch(const Json &body, Json &attributes, bool &active, Error &error);

}  // namespace sso::scim
