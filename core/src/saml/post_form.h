// The HTTP-POST binding's page (SAML Bindings §3.5.4): a form the browser posts to the IdP by
// itself. The page works under a strict Content-Security-Policy: no inline handler, one
// inline script allowed by its hash, and a button where scripts are off.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sso::saml {

using FormField = std::pair<std::string, std::string>;  // name, value

// The page: `title` as its heading, a form posting `fields` (HTML-escaped) to `action`.
std::string AutoPostPage(std::string_view title, std::string_view action,
                         const std::vector<FormField> &fields);

// The Content-Security-Policy to send with that page: nothing may load, only its own script
// (by its SHA-256 hash) runs, no <base>, no framing.
const std::string &AutoPostPolicy();

}  // namespace sso::saml
