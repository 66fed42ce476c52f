#include "saml/post_form.h"

#include <openssl/sha.h>

#include "text/encoding.h"
#include "text/http_text.h"

namespace sso::saml {
namespace {

// The page's one script. Its hash is in AutoPostPolicy(): change both or neither.
constexpr std::string_view kSubmitScript = "document.forms[0].submit();";

}  // namespace

std::string AutoPostPage(std::string_view title, std::string_view action,
                         const std::vector<FormField> &fields) {
  std::string page =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>" +
      HtmlEscape(title) + "</title></head>\n<body>\n<h1>" + HtmlEscape(title) +
      "</h1>\n<form method=\"post\" action=\"" + HtmlEscape(action) + "\">\n";
  for (const auto &[name, value] : fields)
    page += "<input type=\"hidden\" name=\"" + HtmlEscape(name) + "\" value=\"" +
            HtmlEscape(value) + "\">\n";
  page +=
      "<noscript><p>Your browser does not run scripts: press Continue.</p></noscript>\n"
      "<button type=\"submit\">Continue</button>\n</form>\n<script>";
  page += kSubmitScript;
  page += "</script>\n</body></html>\n";
  return page;
}

const std::string &AutoPostPolicy() {
  static const std::string policy = [] {
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char *>(kSubmitScript.data()), kSubmitScript.size(),
           digest);
    std::string hash =
        Base64Encode(std::string_view(reinterpret_cast<const char *>(digest), sizeof digest));
    return "default-src 'none'; script-src 'sha256-" + hash +
           "'; base-uri 'none'; frame-ancestors 'none'";
  }();
  return policy;
}

}  // namespace sso::saml
