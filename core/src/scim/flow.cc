#include "scim/flow.h"

#include <algorithm>

#include "engine/engine.h"
#include "engine/flow_steps.h"
#include "engine/txn.h"
#include "scim/answer.h"
#include "scim/discovery.h"
#include "scim/filter.h"
#include "scim/store.h"
#include "scim/user_flow.h"
#include "text/http_text.h"
#include "text/views.h"

namespace sso {
namespace {

using scim::Error;
using scim::Json;

constexpr std::string_view kMount = "/scim/v2/";

// A path split after ".../scim/v2/": the provider, the resource and its id.
struct ScimPath {
  std::string base;  // ".../scim/v2/<provider>"
  std::string provider;
  std::string resource;
  std::string id;
  bool extra = false;  // more segments than resource/id
};

ScimPath Split(std::string_view path) {
  ScimPath out;
  size_t at = path.find(kMount);
  std::string_view rest = path.substr(at + kMount.size());
  size_t slash = rest.find('/');
  out.provider = std::string(rest.substr(0, slash));
  out.base = std::string(path.substr(0, at + kMount.size())) + out.provider;
  if (slash == std::string_view::npos) return out;
  rest.remove_prefix(slash + 1);
  slash = rest.find('/');
  out.resource = std::string(rest.substr(0, slash));
  if (slash == std::string_view::npos) return out;
  rest.remove_prefix(slash + 1);
  slash = rest.find('/');
  out.id = std::string(rest.substr(0, slash));
  // Schemas' ids are URNs; a trailing slash is harmless; anything deeper is unknown.
  out.extra = slash != std::string_view::npos && slash + 1 < rest.size();
  return out;
}

void NotFound(sso_txn &txn, sso_step &out) {
  scim::AnswerError(txn, {404, "", "no such resource"}, out);
}

void NotAllowed(sso_txn &txn, sso_step &out) {
  scim::AnswerError(txn, {405, "", "this method is not supported here"}, out);
}

void NotImplemented(sso_txn &txn, sso_step &out) {
  scim::AnswerError(txn, {501, "", "groups are not provisioned through this service"}, out);
}

bool IsGet(std::string_view method) { return method == "GET" || method == "HEAD"; }

// A page of the query's startIndex and count, or an error answered.
bool Paging(sso_txn &txn, const std::map<std::string, std::string> &query, scim::Paging &paging,
            sso_step &out) {
  auto find = [&](const char *name) -> const std::string * {
    for (const auto &[key, value] : query)
      if (scim::EqualsNoCase(key, name)) return &value;
    return nullptr;
  };
  if (scim::ParsePaging(find("startIndex"), find("count"), paging)) return true;
  scim::AnswerError(txn, {400, "invalidValue", "startIndex and count must be integers"}, out);
  return false;
}

const std::string *Filter(const std::map<std::string, std::string> &query) {
  for (const auto &[key, value] : query)
    if (scim::EqualsNoCase(key, "filter")) return &value;
  return nullptr;
}

void Discovery(sso_txn &txn, const ScimPath &path, sso_step &out) {
  std::optional<std::string> body;
  if (path.resource == "ServiceProviderConfig")
    body =
        path.id.empty() ? std::optional(scim::ServiceProviderConfigBody(path.base)) : std::nullopt;
  else if (path.resource == "ResourceTypes")
    body = scim::ResourceTypesBody(path.base, path.id);
  else
    body = scim::SchemasBody(path.base, path.id);
  if (!body) return NotFound(txn, out);
  scim::Answer(txn, 200, std::move(*body), out);
}

// GET /Groups: groups are not provisioned here; an empty list lets connection tests and
// group look-ups pass.
void Groups(sso_txn &txn, const std::map<std::string, std::string> &query, sso_step &out) {
  scim::Paging paging;
  if (!Paging(txn, query, paging, out)) return;
  scim::Answer(txn, 200, scim::ListBody(0, paging.start_index, {}), out);
}

void ListUsers(sso_txn &txn, ScimRequest request, sso_step &out) {
  auto query = ParseForm(request.query);
  if (!query) return scim::AnswerError(txn, {400, "invalidValue", "the query is malformed"}, out);
  scim::Paging paging;
  if (!Paging(txn, *query, paging, out)) return;
  const std::string &prefix = txn.engine.settings.key_prefix;
  const std::string *filter = Filter(*query);
  auto &s = txn.flow.emplace<ScimState>();
  s.start_index = paging.start_index;
  s.count = paging.count;
  s.stage = ScimState::Stage::kQuery;
  std::vector<StoreCommand> commands;
  if (filter && !filter->empty()) {
    auto terms = scim::ParseUserFilter(*filter);
    if (!terms)
      return scim::AnswerError(txn,
                               {400, "invalidFilter",
                                "supported: userName eq, externalId eq and emails.value eq, "
                                "joined by and"},
                               out);
    std::vector<std::string> keys;
    for (const auto &term : *terms) {
      std::string value = term.kind == 'x' ? term.value : scim::AsciiLower(term.value);
      keys.push_back(scim::ValueKey(prefix, request.provider, term.kind, value));
      s.terms.emplace_back(term.kind, std::move(value));
    }
    commands.push_back(scim::FindUsers(keys));
  } else {
    commands.push_back(scim::ListUsers(scim::AllUsersKey(prefix, request.provider),
                                       paging.start_index - 1, paging.count));
  }
  s.request = std::move(request);
  FlowStore(txn, std::move(commands), out);
}

bool MatchesTerms(const scim::StoredUser &user, const ScimState &s) {
  scim::MatchValues values = scim::MatchValuesOf(user.attributes);
  return std::all_of(s.terms.begin(), s.terms.end(), [&](const auto &term) {
    const auto &[kind, value] = term;
    if (kind == 'n') return values.user_name_lower == value;
    if (kind == 'x') return values.external_id == value;
    return std::find(values.emails.begin(), values.emails.end(), value) != values.emails.end();
  });
}

void QueryAnswered(sso_txn &txn, ScimState &s, std::span<const sso_store_reply> replies,
                   sso_step &out) {
  sso_status why;
  if (FlowStoreFailed(replies, why))
    return scim::AnswerUnavailable(txn, why, "the user store is unavailable; retry", out);
  long long total = 0;
  std::vector<scim::StoredUser> users;
  if (s.terms.empty()) {
    if (!scim::ParseListReply(replies[0], total, users))
      return scim::AnswerUnavailable(txn, SSO_STORE_UNEXPECTED_REPLY, "the user store failed", out);
  } else {
    scim::FindReply found = scim::ParseFindReply(replies[0]);
    if (!found.valid)
      return scim::AnswerUnavailable(txn, SSO_STORE_UNEXPECTED_REPLY, "the user store failed", out);
    if (found.too_many)
      return scim::AnswerError(txn, {400, "tooMany", "the filter matches too many users"}, out);
    std::erase_if(found.users, [&](const auto &u) { return !MatchesTerms(u, s); });
    std::sort(found.users.begin(), found.users.end(), [](const auto &a, const auto &b) {
      return a.created_ms != b.created_ms ? a.created_ms < b.created_ms : a.id < b.id;
    });
    total = static_cast<long long>(found.users.size());
    long long first = std::min(s.start_index - 1, total);
    long long last = std::min(first + s.count, total);
    users.assign(std::make_move_iterator(found.users.begin() + first),
                 std::make_move_iterator(found.users.begin() + last));
  }
  std::vector<Json> resources;
  for (const auto &user : users) resources.push_back(scim::RenderUser(user, s.request.base));
  scim::Answer(txn, 200, scim::ListBody(total, s.start_index, resources), out);
}

}  // namespace

bool IsScimPath(std::string_view path) { return path.find(kMount) != std::string_view::npos; }

void ScimBegin(sso_txn &txn, const sso_endpoint_request &request, sso_step &out) {
  txn.flow = std::monostate{};
  ScimPath path = Split(View(request.path));
  auto settings = txn.engine.scim.find(path.provider);
  if (settings == txn.engine.scim.end() || path.extra) return NotFound(txn, out);
  if (!scim::Authorized(settings->second, View(request.authorization)))
    return scim::AnswerUnauthorized(txn, path.provider, out);

  std::string_view method = View(request.method);
  ScimRequest scim;
  scim.provider = path.provider;
  scim.base = path.base;
  scim.id = path.id;
  scim.query = String(request.query);
  scim.if_match = String(request.if_match);

  const std::string &resource = path.resource;
  if (resource == "ServiceProviderConfig" || resource == "ResourceTypes" || resource == "Schemas")
    return IsGet(method) ? Discovery(txn, path, out) : NotAllowed(txn, out);
  if (resource == "Groups") {
    if (path.id.empty()) {
      if (IsGet(method)) {
        auto query = ParseForm(scim.query);
        return Groups(txn, query ? *query : std::map<std::string, std::string>{}, out);
      }
      return method == "POST" ? NotImplemented(txn, out) : NotAllowed(txn, out);
    }
    if (IsGet(method) || method == "DELETE") return NotFound(txn, out);
    return method == "PUT" || method == "PATCH" ? NotImplemented(txn, out) : NotAllowed(txn, out);
  }
  if (resource != "Users") return NotFound(txn, out);

  bool body = false;
  if (path.id.empty()) {
    if (IsGet(method)) return ListUsers(txn, std::move(scim), out);
    if (method != "POST") return NotAllowed(txn, out);
    scim.op = ScimRequest::Op::kCreateUser;
    body = true;
  } else if (IsGet(method)) {
    scim.op = ScimRequest::Op::kGetUser;
  } else if (method == "PUT" || method == "PATCH") {
    scim.op = method == "PUT" ? ScimRequest::Op::kReplaceUser : ScimRequest::Op::kPatchUser;
    body = true;
  } else if (method == "DELETE") {
    scim.op = ScimRequest::Op::kDeleteUser;
  } else {
    return NotAllowed(txn, out);
  }
  scim.random.assign(request.random, request.random + request.random_len);
  if (!body) return ScimUserBegin(txn, std::move(scim), "", request.now_ms, out);
  auto &waiting = txn.flow.emplace<AwaitingBodyState>();
  waiting.endpoint = AwaitingBodyState::For::kScim;
  waiting.scim = std::move(scim);
  out.kind = SSO_STEP_READ_BODY;
  out.reason = SSO_OK;
  out.body_limit = scim::kMaxBodyBytes;
}

void ScimResumeBody(sso_txn &txn, ScimRequest request, std::string_view body, int64_t now_ms,
                    sso_step &out) {
  ScimUserBegin(txn, std::move(request), std::string(body), now_ms, out);
}

void ScimResumeStore(sso_txn &txn, ScimState &s, std::span<const sso_store_reply> replies,
                     int64_t now_ms, sso_step &out) {
  out = sso_step{};
  if (s.stage == ScimState::Stage::kQuery) return QueryAnswered(txn, s, replies, out);
  ScimUserResumeStore(txn, s, replies, now_ms, out);
}

void ScimResumeHttp(sso_txn &txn, ScimState &s, int status, std::string_view body, int64_t now_ms,
                    sso_step &out) {
  out = sso_step{};
  ScimUserResumeHttp(txn, s, status, body, now_ms, out);
}

}  // namespace sso
