#include "text/page_template.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>

#include "text/encoding.h"
#include "text/http_text.h"

namespace sso {
namespace {

constexpr size_t kMaxTemplateBytes = 64 * 1024;
constexpr size_t kMaxDepth = 8;

size_t LineAt(std::string_view text, size_t pos) {
  return 1 + static_cast<size_t>(std::count(text.begin(), text.begin() + pos, '\n'));
}

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char &c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool IsName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; });
}

std::string Sha256Base64(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &len, EVP_sha256(), nullptr) != 1) return {};
  return Base64Encode(std::string_view(reinterpret_cast<const char *>(digest), len));
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

// In the start tag `tag` (lower case, from '<' to '>'): an attribute called `name`, or one
// starting with "on" when `name` is "on*".
bool HasAttribute(std::string_view tag, std::string_view name) {
  for (size_t i = 1; i < tag.size(); ++i) {
    if (!IsSpace(tag[i - 1])) continue;
    size_t end = i;
    while (end < tag.size() && ((tag[end] >= 'a' && tag[end] <= 'z') || tag[end] == '-')) ++end;
    std::string_view attribute = tag.substr(i, end - i);
    while (end < tag.size() && IsSpace(tag[end])) ++end;
    if (end >= tag.size() || tag[end] != '=') continue;
    if (name == "on*" ? attribute.size() > 2 && attribute.starts_with("on") : attribute == name)
      return true;
  }
  return false;
}

// What the pages' Content-Security-Policy would block, or what would change the hash of a
// <style> element: an empty string when there is none. Adds each <style>'s hash to `hashes`.
std::string CheckForPolicy(std::string_view html, std::vector<std::string> &hashes) {
  std::string lower = Lower(html);
  for (size_t pos = lower.find('<'); pos != std::string::npos; pos = lower.find('<', pos + 1)) {
    size_t close = lower.find('>', pos);
    if (close == std::string::npos) break;
    std::string_view tag = std::string_view(lower).substr(pos, close - pos + 1);
    std::string line = "line " + std::to_string(LineAt(html, pos)) + ": ";
    if (tag.starts_with("<script"))
      return line +
             "a <script> element: the pages' Content-Security-Policy runs no script (sign-in "
             "pages work without one)";
    if (HasAttribute(tag, "on*"))
      return line +
             "an event handler attribute (on...=): the pages' Content-Security-Policy runs no "
             "script";
    if (HasAttribute(tag, "style"))
      return line +
             "a style attribute: the pages' Content-Security-Policy allows the template's "
             "<style> elements only; move the rule there";
    if (tag.starts_with("<style") && tag.size() > 6 && (IsSpace(tag[6]) || tag[6] == '>')) {
      size_t end = lower.find("</style", close);
      if (end == std::string::npos) return line + "a <style> element that is never closed";
      std::string_view css = html.substr(close + 1, end - close - 1);
      if (css.find("{{") != std::string_view::npos)
        return line +
               "a placeholder inside <style>: the style's hash in the Content-Security-Policy "
               "must not change from page to page";
      hashes.push_back("'sha256-" + Sha256Base64(css) + "'");
      pos = end;
    }
  }
  return {};
}

std::string KnownNames(const PageSchema &schema, const std::vector<std::string_view> &lists) {
  std::vector<std::string_view> names(schema.text.begin(), schema.text.end());
  for (const auto &[list, items] : schema.lists) names.push_back(list);
  for (auto list : lists) {
    auto it = schema.lists.find(list);
    if (it != schema.lists.end()) names.insert(names.end(), it->second.begin(), it->second.end());
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  std::string out;
  for (auto n : names) out.append(out.empty() ? "" : ", ").append(n);
  return out;
}

}  // namespace

std::optional<PageTemplate> PageTemplate::Parse(std::string_view html, const PageSchema &schema,
                                                std::string &problem) {
  if (html.size() > kMaxTemplateBytes) {
    problem = "larger than 64k";
    return std::nullopt;
  }
  if (html.find('\0') != std::string_view::npos) {
    problem = "holds a NUL byte";
    return std::nullopt;
  }
  PageTemplate out;
  std::vector<std::string> hashes;
  problem = CheckForPolicy(html, hashes);
  if (!problem.empty()) return std::nullopt;

  struct Open {
    std::string name;
    size_t line;
    std::vector<Node> *nodes;  // where the section's node is
    bool list_scope;           // its items' names are known inside
  };
  std::vector<Open> open;
  std::vector<std::string_view> lists;  // the list sections we are in, innermost last
  std::vector<Node> *nodes = &out.nodes_;
  auto fail = [&](size_t pos, std::string text) {
    problem = "line " + std::to_string(LineAt(html, pos)) + ": " + std::move(text);
    return std::nullopt;
  };
  auto is_text = [&](std::string_view name) {
    if (std::find(schema.text.begin(), schema.text.end(), name) != schema.text.end()) return true;
    for (auto list : lists) {
      const auto &items = schema.lists.at(list);
      if (std::find(items.begin(), items.end(), name) != items.end()) return true;
    }
    return false;
  };

  size_t pos = 0;
  while (pos < html.size()) {
    size_t start = html.find("{{", pos);
    if (start == std::string_view::npos) start = html.size();
    if (start > pos)
      nodes->push_back({Node::Kind::kText, std::string(html.substr(pos, start - pos)), {}});
    if (start == html.size()) break;
    if (html.substr(start).starts_with("{{{") || html.substr(start).starts_with("{{&"))
      return fail(start,
                  "{{{...}}} and {{&...}} would insert raw HTML: every value is escaped, "
                  "write {{name}}");
    size_t end = html.find("}}", start + 2);
    if (end == std::string_view::npos) return fail(start, "a {{ that is never closed with }}");
    std::string_view tag = html.substr(start + 2, end - start - 2);
    while (!tag.empty() && IsSpace(tag.front())) tag.remove_prefix(1);
    while (!tag.empty() && IsSpace(tag.back())) tag.remove_suffix(1);
    char sigil = tag.empty() ? '\0' : tag.front();
    if (sigil == '#' || sigil == '^' || sigil == '/' || sigil == '!') tag.remove_prefix(1);
    std::string name(tag);
    pos = end + 2;
    if (sigil == '!') continue;  // a comment
    if (!IsName(name))
      return fail(start, "\"{{" + std::string(html.substr(start + 2, end - start - 2)) +
                             "}}\" is not a placeholder (names are lower case letters and _)");
    bool list = schema.lists.count(name) > 0;
    if (!list && !is_text(name))
      return fail(start,
                  "unknown placeholder {{" + name + "}}; known here: " + KnownNames(schema, lists));
    if (sigil == '/') {
      if (open.empty() || open.back().name != name)
        return fail(start, "{{/" + name + "}} closes " +
                               (open.empty() ? std::string("nothing")
                                             : "{{#" + open.back().name + "}} of line " +
                                                   std::to_string(open.back().line)));
      nodes = open.back().nodes;
      if (open.back().list_scope) lists.pop_back();
      open.pop_back();
      continue;
    }
    if (sigil == '#' || sigil == '^') {
      if (open.size() >= kMaxDepth) return fail(start, "sections nested too deep");
      nodes->push_back({sigil == '#' ? Node::Kind::kSection : Node::Kind::kInverted, name, {}});
      bool list_scope = list && sigil == '#';
      open.push_back({name, LineAt(html, start), nodes, list_scope});
      nodes = &nodes->back().children;
      if (list_scope) lists.push_back(schema.lists.find(name)->first);
      continue;
    }
    if (list)
      return fail(start, "{{" + name + "}} is a list: use {{#" + name + "}}...{{/" + name + "}}");
    nodes->push_back({Node::Kind::kValue, name, {}});
  }
  if (!open.empty()) {
    problem = "line " + std::to_string(open.back().line) + ": {{#" + open.back().name +
              "}} is never closed";
    return std::nullopt;
  }
  out.csp_ = "default-src 'none'";
  if (!hashes.empty()) {
    out.csp_ += "; style-src";
    for (const auto &h : hashes) out.csp_ += " " + h;
  }
  out.csp_ += "; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'";
  return out;
}

void PageTemplate::RenderNodes(const std::vector<Node> &nodes,
                               const std::vector<const PageValues *> &scope, std::string &out) {
  auto find_text = [&](const std::string &name) -> const std::string * {
    for (auto it = scope.rbegin(); it != scope.rend(); ++it) {
      if (auto t = (*it)->text.find(name); t != (*it)->text.end()) return &t->second;
      if ((*it)->lists.count(name)) return nullptr;
    }
    return nullptr;
  };
  auto find_list = [&](const std::string &name) -> const std::vector<PageValues> * {
    for (auto it = scope.rbegin(); it != scope.rend(); ++it) {
      if ((*it)->text.count(name)) return nullptr;
      if (auto l = (*it)->lists.find(name); l != (*it)->lists.end()) return &l->second;
    }
    return nullptr;
  };
  for (const Node &node : nodes) {
    switch (node.kind) {
      case Node::Kind::kText:
        out += node.text;
        break;
      case Node::Kind::kValue:
        if (const std::string *value = find_text(node.text)) out += HtmlEscape(*value);
        break;
      case Node::Kind::kSection:
        if (const auto *items = find_list(node.text)) {
          for (const PageValues &item : *items) {
            std::vector<const PageValues *> inner = scope;
            inner.push_back(&item);
            RenderNodes(node.children, inner, out);
          }
        } else if (const std::string *value = find_text(node.text); value && !value->empty()) {
          RenderNodes(node.children, scope, out);
        }
        break;
      case Node::Kind::kInverted: {
        const auto *items = find_list(node.text);
        const std::string *value = find_text(node.text);
        if ((!items || items->empty()) && (!value || value->empty()))
          RenderNodes(node.children, scope, out);
        break;
      }
    }
  }
}

std::string PageTemplate::Render(const PageValues &values) const {
  std::string out;
  out.reserve(4096);
  RenderNodes(nodes_, {&values}, out);
  return out;
}

}  // namespace sso
