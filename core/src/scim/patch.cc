#include "scim/patch.h"

#include <algorithm>

#include "scim/filter.h"
#include "scim/user.h"

namespace sso::scim {
namespace {

constexpr std::string_view kCorePrefix = "urn:ietf:params:scim:schemas:core:2.0:User:";

enum class Op { kAdd, kReplace, kRemove };

// attr, attr.sub, attr[filter], attr[filter].sub (after any schema URN), in one container.
struct Target {
  Json *container = nullptr;
  std::string attribute;
  std::string filter;  // between the brackets; empty: none
  std::string sub;
};

bool Fail(Error &error, std::string scim_type, std::string detail) {
  error = {400, std::move(scim_type), std::move(detail)};
  return false;
}

bool StartsNoCase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && EqualsNoCase(text.substr(0, prefix.size()), prefix);
}

// The key of `object` named `name` in any case, or the canonical name for a new one.
std::string KeyIn(const Json &object, std::string_view name) {
  std::string canonical = CanonicalName(name);
  if (object.is_object() && !object.contains(canonical))
    for (const auto &[key, unused] : object.items())
      if (EqualsNoCase(key, canonical)) return key;
  return canonical;
}

bool ValidName(std::string_view name) {
  if (name.empty() || name.size() > 128) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '$';
  });
}

bool ParseTarget(Json &doc, std::string_view path, bool creating, Target &out, Error &error) {
  out = Target{};
  out.container = &doc;
  if (StartsNoCase(path, "urn:")) {
    if (StartsNoCase(path, kCorePrefix)) {
      path.remove_prefix(kCorePrefix.size());
    } else if (EqualsNoCase(path, kEnterpriseSchema)) {
      out.attribute = std::string(kEnterpriseSchema);
      return true;
    } else if (StartsNoCase(path, kEnterpriseSchema) && path[kEnterpriseSchema.size()] == ':') {
      path.remove_prefix(kEnterpriseSchema.size() + 1);
      std::string key(kEnterpriseSchema);
      if (!doc.contains(key) || !doc[key].is_object()) {
        if (!creating) {
          out.container = nullptr;  // nothing to remove
        } else {
          doc[key] = Json::object();
        }
      }
      if (out.container) out.container = &doc[key];
    } else {
      return Fail(error, "invalidPath", "the path names a schema this service does not have");
    }
  }
  size_t bracket = path.find('[');
  std::string_view rest;
  if (bracket != std::string_view::npos) {
    size_t close = path.rfind(']');
    if (close == std::string_view::npos || close < bracket)
      return Fail(error, "invalidPath", "unbalanced [ in the path");
    out.attribute = std::string(path.substr(0, bracket));
    out.filter = std::string(path.substr(bracket + 1, close - bracket - 1));
    rest = path.substr(close + 1);
    if (out.filter.empty()) return Fail(error, "invalidFilter", "empty value filter in the path");
  } else {
    size_t dot = path.find('.');
    out.attribute = std::string(path.substr(0, dot));
    rest = dot == std::string_view::npos ? std::string_view() : path.substr(dot);
  }
  if (!rest.empty()) {
    if (rest[0] != '.') return Fail(error, "invalidPath", "unexpected text after ] in the path");
    out.sub = std::string(rest.substr(1));
    if (!ValidName(out.sub)) return Fail(error, "invalidPath", "bad sub-attribute in the path");
  }
  if (!ValidName(out.attribute)) return Fail(error, "invalidPath", "bad attribute in the path");
  return true;
}

bool SameText(const Json &a, const Json &b) {
  if (a.is_string() && b.is_string())
    return EqualsNoCase(a.get_ref<const std::string &>(), b.get_ref<const std::string &>());
  return a == b;
}

bool Matches(const Json &element, const std::vector<Comparison> &filter) {
  if (!element.is_object()) return false;
  for (const auto &c : filter) {
    auto it = element.find(KeyIn(element, c.attribute));
    if (it == element.end() || !SameText(*it, c.value)) return false;
  }
  return true;
}

// An object value's members set one by one into `into` (RFC 7644 §3.5.2.3: sub-attributes not
// named are left as they are).
void Merge(Json &into, const Json &value) {
  for (const auto &[key, item] : value.items()) into[KeyIn(into, key)] = item;
}

void AddTo(Json &slot, const Json &value) {
  if (slot.is_array()) {
    auto add = [&](const Json &item) {
      if (std::find(slot.begin(), slot.end(), item) == slot.end()) slot.push_back(item);
    };
    if (value.is_array())
      for (const auto &item : value) add(item);
    else
      add(value);
  } else if (slot.is_object() && value.is_object()) {
    Merge(slot, value);
  } else {
    slot = value;
  }
}

// remove with a value list (Entra ID's form for members): the elements whose "value" is named.
void RemoveListed(Json &slot, const Json &values) {
  auto named = [&](const Json &element) {
    for (const auto &v : values) {
      if (element == v) return true;
      if (element.is_object() && v.is_object() && element.contains("value") &&
          v.contains("value") && SameText(element["value"], v["value"]))
        return true;
    }
    return false;
  };
  slot.erase(std::remove_if(slot.begin(), slot.end(), named), slot.end());
}

bool ApplyFiltered(Op op, Json &container, const std::string &key, const Target &t,
                   const Json &value, Error &error) {
  auto filter = ParseConjunction(t.filter);
  if (!filter) return Fail(error, "invalidFilter", "the path's value filter is not supported");
  if (!container.contains(key)) {
    if (op == Op::kRemove) return true;
    container[key] = Json::array();
  }
  Json &list = container[key];
  if (!list.is_array())
    return Fail(error, "invalidPath", "a value filter needs a multi-valued attribute");
  bool matched = false;
  for (auto it = list.begin(); it != list.end();) {
    if (!Matches(*it, *filter)) {
      ++it;
      continue;
    }
    matched = true;
    if (op == Op::kRemove) {
      if (t.sub.empty()) {
        it = list.erase(it);
        continue;
      }
      it->erase(KeyIn(*it, t.sub));
    } else if (t.sub.empty()) {
      if (value.is_object())
        Merge(*it, value);
      else
        *it = value;
    } else {
      (*it)[KeyIn(*it, t.sub)] = value;
    }
    ++it;
  }
  // Nothing matched: a new element carrying the filter's values (emails[type eq "work"].value
  // on a user without a work email adds one, as Entra ID expects).
  if (!matched && op != Op::kRemove) {
    Json element = Json::object();
    for (const auto &c : *filter) element[CanonicalName(c.attribute)] = c.value;
    if (t.sub.empty()) {
      if (!value.is_object())
        return Fail(error, "invalidValue",
                    "a filtered path without a sub-attribute needs an object");
      Merge(element, value);
    } else {
      element[CanonicalName(t.sub)] = value;
    }
    list.push_back(std::move(element));
  }
  return true;
}

bool ApplyAt(Op op, Json &doc, std::string_view path, const Json &raw, Error &error) {
  Target t;
  if (!ParseTarget(doc, path, op != Op::kRemove, t, error)) return false;
  if (!t.container) return true;  // removing from an extension the user does not have
  Json &container = *t.container;
  if (!container.is_object()) return Fail(error, "invalidPath", "the path's parent is not complex");
  std::string key = KeyIn(container, t.attribute);
  Json value = Canonicalize(raw);

  if (!t.filter.empty()) return ApplyFiltered(op, container, key, t, value, error);

  if (!t.sub.empty()) {
    if (!container.contains(key)) {
      if (op == Op::kRemove) return true;
      container[key] = Json::object();
    }
    Json &parent = container[key];
    if (!parent.is_object())
      return Fail(error, "invalidPath", "a sub-attribute path needs a complex attribute");
    if (op == Op::kRemove)
      parent.erase(KeyIn(parent, t.sub));
    else
      parent[KeyIn(parent, t.sub)] = value;
    return true;
  }

  switch (op) {
    case Op::kRemove:
      if (value.is_array() && container.contains(key) && container[key].is_array())
        RemoveListed(container[key], value);
      else
        container.erase(key);
      return true;
    case Op::kReplace:
      if (container.contains(key) && container[key].is_object() && value.is_object())
        Merge(container[key], value);
      else
        container[key] = value;
      return true;
    case Op::kAdd:
      if (!container.contains(key))
        container[key] = value;
      else
        AddTo(container[key], value);
      return true;
  }
  return true;
}

const Json *MemberNoCase(const Json &object, std::string_view name) {
  for (const auto &[key, item] : object.items())
    if (EqualsNoCase(key, name)) return &item;
  return nullptr;
}

}  // namespace

bool ApplyPatch(const Json &body, Json &attributes, bool &active, Error &error) {
  if (!body.is_object()) return Fail(error, "invalidSyntax", "a PatchOp is a JSON object");
  const Json *ops = MemberNoCase(body, "Operations");
  if (!ops || !ops->is_array() || ops->empty() || ops->size() > kMaxPatchOperations)
    return Fail(error, "invalidSyntax", "Operations must list 1 to 100 operations");

  Json doc = attributes;
  doc["active"] = active;
  for (const auto &operation : *ops) {
    if (!operation.is_object())
      return Fail(error, "invalidSyntax", "each operation is a JSON object");
    const Json *name = MemberNoCase(operation, "op");
    const Json *path = MemberNoCase(operation, "path");
    const Json *value = MemberNoCase(operation, "value");
    std::string op_name = name && name->is_string() ? name->get<std::string>() : "";
    Op op;
    if (EqualsNoCase(op_name, "add"))
      op = Op::kAdd;
    else if (EqualsNoCase(op_name, "replace"))
      op = Op::kReplace;
    else if (EqualsNoCase(op_name, "remove"))
      op = Op::kRemove;
    else
      return Fail(error, "invalidSyntax", "op must be add, replace or remove");

    if (path && !path->is_null()) {
      if (!path->is_string() || path->get_ref<const std::string &>().empty())
        return Fail(error, "invalidPath", "path must be a string");
      if (op != Op::kRemove && !value)
        return Fail(error, "invalidValue", "add and replace need a value");
      if (!ApplyAt(op, doc, path->get<std::string>(), value ? *value : Json(), error)) return false;
      continue;
    }
    if (op == Op::kRemove) {
      error = {400, "noTarget", "remove needs a path"};
      return false;
    }
    if (!value || !value->is_object())
      return Fail(error, "invalidValue", "an operation without a path needs an object value");
    for (const auto &[key, item] : value->items())
      if (!ApplyAt(op, doc, key, item, error)) return false;
  }

  Json result;
  std::optional<bool> now_active;
  if (!SanitizeUser(doc, result, now_active, error)) return false;
  attributes = std::move(result);
  if (now_active) active = *now_active;
  return true;
}

}  // namespace sso::scim
