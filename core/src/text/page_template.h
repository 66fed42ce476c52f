// A small HTML template for the pages people see: `{{name}}` inserts a value, always
// HTML-escaped; `{{#name}}...{{/name}}` repeats its content for each item of a list, or shows
// it once when a value is not empty; `{{^name}}...{{/name}}` shows it when the value or list
// is empty. Nothing else (no raw HTML, no partials). A template is parsed and checked once,
// at configuration time, against the names its pages offer, so a typo fails `nginx -t`.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sso {

// The values of one page: text by name, and lists whose items have values of their own.
struct PageValues {
  std::map<std::string, std::string, std::less<>> text;
  std::map<std::string, std::vector<PageValues>, std::less<>> lists;
};

// The names a template may use: top-level text names, and per list the names of its items.
// Inside a list's section, an item's names and the top-level ones are known.
struct PageSchema {
  std::vector<std::string_view> text;
  std::map<std::string_view, std::vector<std::string_view>> lists;
};

class PageTemplate {
 public:
  // nullopt, with `problem` naming the line and the mistake, for a template that does not
  // parse, uses a name the schema does not know, or holds what the pages' Content-Security-
  // Policy would block (a script, a style attribute, a placeholder inside <style>).
  static std::optional<PageTemplate> Parse(std::string_view html, const PageSchema &schema,
                                           std::string &problem);

  std::string Render(const PageValues &values) const;

  // The Content-Security-Policy the rendered pages need: nothing but the template's own
  // <style> elements (by their SHA-256) and images from this origin.
  const std::string &content_security_policy() const { return csp_; }

 private:
  struct Node {
    enum class Kind { kText, kValue, kSection, kInverted } kind;
    std::string text;  // kText: the bytes; otherwise the name
    std::vector<Node> children;
  };
  static void RenderNodes(const std::vector<Node> &nodes,
                          const std::vector<const PageValues *> &scope, std::string &out);

  std::vector<Node> nodes_;
  std::string csp_;
};

}  // namespace sso
