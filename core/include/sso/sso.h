/*
 * nginx-jit-sso core: the C boundary between the nginx module and the C++ core.
 *
 * Rules of this interface:
 *  - Handles are opaque: one engine per configuration cycle, one transaction per request.
 *  - Inputs are (pointer, length) pairs; nothing needs to be NUL-terminated.
 *  - Outputs are views owned by the transaction (or engine for engine calls) and stay valid
 *    until the next call on that same handle; callers copy what they keep.
 *  - No function throws; every failure is an sso_status with a stable name and message.
 *  - The core performs no I/O and reads no clock: the caller runs the store commands the core
 *    asks for and passes the current time in.
 */
#ifndef SSO_SSO_H
#define SSO_SSO_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define SSO_API __attribute__((visibility("default")))
#else
#define SSO_API
#endif

typedef struct sso_engine sso_engine;
typedef struct sso_txn sso_txn;
typedef struct sso_access_rules sso_access_rules;

typedef struct {
  const char *data;
  size_t len;
} sso_str;

/* One value per distinct outcome or failure; names are stable and appear in logs. */
typedef enum {
  SSO_OK = 0,
  SSO_ERR_INVALID_ARGUMENT,
  SSO_ERR_OUT_OF_MEMORY,
  SSO_ERR_INTERNAL,
  SSO_ERR_BAD_STATE,

  SSO_CONFIG_BAD_COOKIE_NAME,
  SSO_CONFIG_INSECURE_HOST_COOKIE,
  SSO_CONFIG_BAD_TTL,
  SSO_CONFIG_BAD_LOGIN_URL,
  SSO_CONFIG_BAD_KEY_PREFIX,
  SSO_CONFIG_BAD_CACHE_TTL,
  SSO_CONFIG_BAD_LOGOUT_REDIRECT,

  SSO_SESSION_NO_COOKIE,
  SSO_SESSION_MALFORMED_COOKIE,
  SSO_SESSION_NOT_FOUND,
  SSO_SESSION_EXPIRED,
  SSO_SESSION_CORRUPT_RECORD,
  SSO_SESSION_VALID,

  SSO_IDENTITY_MISSING_SUBJECT,
  SSO_IDENTITY_MISSING_PROVIDER,
  SSO_IDENTITY_BAD_CHARACTER,
  SSO_IDENTITY_TOO_LARGE,

  SSO_STORE_UNAVAILABLE,
  SSO_STORE_TIMEOUT,
  SSO_STORE_ERROR_REPLY,
  SSO_STORE_UNEXPECTED_REPLY,

  SSO_LOGIN_NO_PROVIDER,
  SSO_LOGIN_URL_GATED,

  SSO_SAML_RESPONSE_TOO_LARGE,
  SSO_SAML_BAD_ENCODING,
  SSO_SAML_XML_MALFORMED,
  SSO_SAML_DTD_FORBIDDEN,
  SSO_SAML_NOT_A_RESPONSE,
  SSO_SAML_ENCRYPTED_UNSUPPORTED,
  SSO_SAML_ASSERTION_COUNT,
  SSO_SAML_DUPLICATE_ID,
  SSO_SAML_NOT_SIGNED,
  SSO_SAML_SIGNATURE_MALFORMED,
  SSO_SAML_SIGNATURE_ALGORITHM,
  SSO_SAML_SIGNATURE_REFERENCE,
  SSO_SAML_SIGNATURE_INVALID,
  SSO_SAML_KEY_INVALID,
  SSO_SAML_DESTINATION_MISMATCH,
  SSO_SAML_ISSUER_MISMATCH,
  SSO_SAML_STATUS_NOT_SUCCESS,
  SSO_SAML_IN_RESPONSE_TO_MISMATCH,
  SSO_SAML_UNSOLICITED,
  SSO_SAML_NOT_YET_VALID,
  SSO_SAML_EXPIRED,
  SSO_SAML_AUDIENCE_MISMATCH,
  SSO_SAML_RECIPIENT_MISMATCH,
  SSO_SAML_SUBJECT_CONFIRMATION,
  SSO_SAML_MISSING_NAMEID,
  SSO_SAML_REPLAY,
  SSO_SAML_METADATA_INVALID,
  SSO_SAML_ENCRYPTION_ALGORITHM,
  SSO_SAML_DECRYPTION_FAILED,
  SSO_JWT_MALFORMED,
  SSO_JWT_ALG_NOT_ALLOWED,
  SSO_JWT_UNKNOWN_KID,
  SSO_JWT_KEY_TYPE_MISMATCH,
  SSO_JWT_BAD_SIGNATURE,
  SSO_JWT_ISSUER_MISMATCH,
  SSO_JWT_AUDIENCE_MISMATCH,
  SSO_JWT_AZP_MISMATCH,
  SSO_JWT_EXPIRED,
  SSO_JWT_ISSUED_IN_FUTURE,
  SSO_JWT_NOT_YET_VALID,
  SSO_JWT_NONCE_MISMATCH,
  SSO_JWKS_INVALID,
  SSO_OIDC_DISCOVERY_INVALID,
  SSO_OIDC_ISSUER_MISMATCH,
  SSO_OIDC_TOKEN_ERROR,
  SSO_OIDC_ERROR_RESPONSE,
  SSO_OIDC_STATE_INVALID,
  SSO_OIDC_UNAVAILABLE,
  SSO_SAML_RELAY_STATE_INVALID,
  SSO_LOGIN_UNKNOWN_PROVIDER,
  SSO_ACS_BAD_REQUEST,
  SSO_OIDC_USERINFO_INVALID,
  SSO_JIT_EMAIL_REQUIRED,
  SSO_JIT_EMAIL_UNVERIFIED,
  SSO_JIT_DOMAIN_NOT_ALLOWED,
  SSO_JIT_DENIED,
  SSO_JIT_PENDING,
  SSO_JIT_CONFLICT,
  SSO_JIT_UNAVAILABLE,
  SSO_JIT_HOOK_INVALID,
  SSO_JIT_BUSY,
  SSO_CONFIG_BAD_HOOK_LEASE,
  SSO_KEY_REFUSED,
  SSO_HTTP_BAD_URL,
  SSO_HTTP_MALFORMED_STATUS_LINE,
  SSO_HTTP_MALFORMED_HEADER,
  SSO_HTTP_HEADERS_TOO_LARGE,
  SSO_HTTP_BAD_CONTENT_LENGTH,
  SSO_HTTP_BAD_TRANSFER_ENCODING,
  SSO_HTTP_MALFORMED_CHUNK,
  SSO_HTTP_BODY_TOO_LARGE,
  SSO_HTTP_TRUNCATED,
  SSO_HTTP_TRAILING_DATA,
  SSO_LOGOUT_TOKEN_NOT_A_LOGOUT,
  SSO_LOGOUT_TOKEN_HAS_NONCE,
  SSO_LOGOUT_TOKEN_NO_SUBJECT,
  SSO_LOGOUT_TOKEN_NO_JTI,
  SSO_LOGOUT_TOKEN_STALE,
  SSO_LOGOUT_TOKEN_REPLAY,
  SSO_SAML_NOT_A_LOGOUT_MESSAGE,
  SSO_CONFIG_IDLE_OVER_TTL,
  SSO_CONFIG_BAD_HOOK_URL,
  SSO_CONFIG_WEAK_HOOK_SECRET,
  SSO_LOGOUT_TOKEN_MISSING,
  SSO_CONFIG_BAD_POST_LOGOUT_URI,
  SSO_CONFIG_BAD_SLO_URL,
  SSO_SAML_SLO_NOT_CONFIGURED,
  SSO_FRONTCHANNEL_LOGOUT_INVALID,
  SSO_CONFIG_BAD_REQUIRE,
  SSO_ACCESS_DENIED,
  SSO_CONFIG_BAD_IDENTITY_TOKEN,
  SSO_JIT_ACCOUNT_INACTIVE,
  SSO_CONFIG_WEAK_SCIM_TOKEN,
  SSO_SCIM_UNAUTHORIZED,
  SSO_SCIM_BAD_REQUEST,
  SSO_SCIM_APP_NOT_TOLD,
  SSO_CONFIG_SP_KEY_REQUIRED,
  SSO_LOGIN_STATE_SPENT,
  SSO_CONFIG_BAD_PAGE_TEMPLATE,
  SSO_CONFIG_BAD_DISPLAY_NAME,
  SSO_CONFIG_MISSING_LINE,
  SSO_CONFIG_BAD_URL,
  SSO_CONFIG_URL_NOT_SERVED,
  SSO_CONFIG_NO_RESOLVER,
  SSO_CONFIG_BAD_EMAIL_DOMAIN,
  SSO_SAML_METADATA_UNAVAILABLE,
  SSO_SAML_METADATA_EXPIRED,
  SSO_SAML_SOAP_MALFORMED,
  SSO_SAML_SOAP_MUST_UNDERSTAND,

  SSO_STATUS_COUNT
} sso_status;

/* "SESSION_NOT_FOUND"; never NULL. */
SSO_API const char *sso_status_name(sso_status status);
/* A short human sentence for logs; never NULL and never contains secrets. */
SSO_API const char *sso_status_message(sso_status status);

/* ---- engine: one per configuration (nginx http{} block) ---- */

typedef struct {
  sso_str key_prefix;  /* e.g. "sso:" */
  sso_str cookie_name; /* e.g. "__Host-sso" */
  int cookie_secure;   /* 1: Secure flag set (required for __Host-) */
  int64_t ttl_ms;      /* absolute session lifetime, > 0 */
  int64_t idle_ms;     /* idle timeout, 0 = none, <= ttl_ms */
  sso_str login_url;   /* same-origin path, e.g. "/sso/login" */
  int64_t cache_ms;    /* per-process session cache lifetime, 0 = no cache; <= idle_ms */

  /* where logout sends the browser: a same-origin path without "//"; empty = "/" */
  sso_str logout_redirect;
  size_t cache_entries; /* the cache's bound (least recently used go first); 0: 100000 */
} sso_engine_config;

SSO_API sso_status sso_engine_create(const sso_engine_config *config, sso_engine **out);
SSO_API void sso_engine_destroy(sso_engine *engine);

/*
 * Session cache (per process; an engine is not thread-safe). It starts disabled. Enable it
 * only while revocations published on sso_revocation_channel() are being received, and
 * disable it (which flushes it) as soon as they may be missed.
 */
SSO_API void sso_engine_cache_set_enabled(sso_engine *engine, int enabled);
/* Handles one message from the revocation channel: space-separated session digests. */
SSO_API void sso_engine_on_revocation(sso_engine *engine, sso_str message);
SSO_API size_t sso_engine_cache_size(sso_engine *engine);
/* Sessions the cache let go so far in this process (expired, revoked, least recently used). */
SSO_API uint64_t sso_engine_cache_evictions(sso_engine *engine);
/* "<prefix>revoked": where logout and revocation announce the digests they removed. */
SSO_API sso_str sso_revocation_channel(sso_engine *engine);

/* ---- transaction: one per request ---- */

SSO_API sso_status sso_txn_create(sso_engine *engine, sso_txn **out);
SSO_API void sso_txn_destroy(sso_txn *txn);
/* Like destroy, but the transaction goes back to its engine for the next sso_txn_create, so
 * that a request on the hot path allocates nothing. Only while the engine lives (it frees
 * what it keeps when it is destroyed). */
SSO_API void sso_txn_recycle(sso_txn *txn);
/* The caller's own pointer for this transaction (its request), given back by sso_txn_data. */
SSO_API void sso_txn_set_data(sso_txn *txn, void *data);
SSO_API void *sso_txn_data(const sso_txn *txn);

/* What the core asks the caller to do next. */
typedef enum {
  SSO_STEP_STORE = 1,    /* run `commands`, then resume the flow with their replies */
  SSO_STEP_ALLOW,        /* identity available through sso_txn_identity_* */
  SSO_STEP_REDIRECT,     /* send `http_status` with Location: `location` */
  SSO_STEP_UNAUTHORIZED, /* send 401 with WWW-Authenticate: `www_authenticate` */
  SSO_STEP_ERROR,        /* failed for `reason`: send the page of sso_error_page() */
  SSO_STEP_PAGE,         /* send `http_status` with `body` of `content_type` */
  SSO_STEP_HTTP,         /* make `http` (a back-channel call), then sso_flow_resume_http */
  SSO_STEP_WAIT,         /* wait `delay_ms` without blocking, then sso_flow_resume_wait */
  SSO_STEP_READ_BODY,    /* read the request body (at most `body_limit` bytes, else answer 413),
                          * then sso_endpoint_resume_body */
  SSO_STEP_STATUS,       /* finish with the server's own response for `http_status` (404, 405,
                          * 413...), so that its error_page settings apply */
  SSO_STEP_SESSION_READ  /* the gate: wait for the worker's read `read_id` of the session. If
                          * `commands_count` is 1, this request is the first to need it: run
                          * `commands[0]` for the worker, whatever becomes of this request, and
                          * hand its reply to sso_engine_session_read_done. Every request that
                          * waited then comes out of sso_engine_session_read_waiter and goes
                          * on with sso_gate_resume_read. */
} sso_step_kind;

typedef struct {
  size_t argc;
  const sso_str *argv;
} sso_command;

/* What a step tells the caller's metrics about (labels are bounded: provider names from the
 * configuration, fixed words from the core; never data of a user). */
typedef enum {
  SSO_EVENT_NONE = 0,
  SSO_EVENT_LOGIN,   /* a login ended: outcome `reason` (SSO_OK: signed in), `event_provider`
                      * (empty if not known yet), `event_label` the protocol */
  SSO_EVENT_LOGOUT,  /* sessions ended: `event_label` the channel, `event_count` how many */
  SSO_EVENT_SCIM,    /* a SCIM operation: `event_label` ("created", "deactivated"...),
                      * `event_count` the sessions it ended */
  SSO_EVENT_METADATA /* an IdP metadata refresh ended (sso_metadata_refresh_done):
                      * `event_provider`, `event_label` the outcome ("refreshed",
                      * "unreachable", "http_status", "unsigned", "signature", "expired",
                      * "invalid") */
} sso_event;

/* The gate's decision, on its last step (SSO_GATE_NONE on the others). */
typedef enum {
  SSO_GATE_NONE = 0,
  SSO_GATE_ALLOW,
  SSO_GATE_LOGIN_REQUIRED,
  SSO_GATE_DENIED, /* a session, and an sso_require line it does not meet */
  SSO_GATE_ERROR
} sso_gate_decision;

/* The gate's first step: did the worker's session cache answer? */
typedef enum { SSO_CACHE_UNUSED = 0, SSO_CACHE_HIT, SSO_CACHE_MISS } sso_cache_result;

typedef struct {
  sso_step_kind kind;
  sso_status reason; /* why this step: the check that decided it */
  /* STORE: run all (pipelined), then resume with their replies in the same order */
  const sso_command *commands;
  size_t commands_count;
  sso_command cleanup;      /* any kind: optional fire-and-forget command (argc 0 if none) */
  int http_status;          /* REDIRECT / UNAUTHORIZED / ERROR */
  sso_str location;         /* REDIRECT; PAGE: a Location header when set (201 Created) */
  sso_str www_authenticate; /* UNAUTHORIZED */
  sso_str set_cookie;       /* optional Set-Cookie value to add (len 0 if none) */
  sso_str set_cookie2;      /* a second one (e.g. clearing a login's binding cookie) */
  sso_str content_type;     /* UNAUTHORIZED, and ERROR from sso_error_page: type of `body` */
  sso_str body;             /* UNAUTHORIZED, and ERROR from sso_error_page: the page */
  /* ERROR from sso_error_page, PAGE: a Content-Security-Policy header (len 0: none), for a
   * page of the pages' template, or a page that posts a SAML message by itself */
  sso_str content_security_policy;
  int retry_after_s; /* ERROR from sso_error_page, PAGE: a Retry-After header (0: none) */
  sso_str audit;     /* any kind: a lifecycle event (login, logout, provisioning, refusal...)
                      * as one JSON line to record */
  sso_str warning;   /* any kind: a line for the error log (e.g. a refused JWKS key) */
  sso_str notice;    /* any kind: an info line for the error log ("logout", "login
                      * succeeded, new session, request_id: ...") */
  int redact_query;  /* any kind: the request's query carries a secret (an authorization
                      * code): keep it out of the request line that logs show */
  sso_str etag;      /* PAGE: an ETag header to send (len 0 if none) */
  int64_t delay_ms;  /* WAIT */
  uint64_t read_id;  /* SESSION_READ: never 0, and fits in a uintptr_t */
  size_t body_limit; /* READ_BODY */
  /* any kind: for the caller's metrics */
  sso_event event;
  sso_str event_provider;
  sso_str event_label;
  long long event_count;
  sso_str decision;       /* a provisioning decision ("created", "denied"...), or empty */
  sso_gate_decision gate; /* the gate's steps */
  sso_cache_result cache; /* the gate's first step */
  struct {
    sso_str method; /* "GET" or "POST" */
    sso_str url;
    sso_str authorization; /* Authorization header value, may be empty */
    sso_str content_type;  /* of `body`, may be empty */
    sso_str body;
    sso_str headers;    /* more header lines, each "Name: value\r\n"; may be empty */
    int64_t timeout_ms; /* 0: the caller's default */
    int hook;           /* 1: a call to the app's hook (else: to an identity provider) */
  } http;               /* HTTP */
} sso_step;

typedef struct {
  sso_str method;                /* "GET" */
  sso_str uri;                   /* the request target as received: path and query */
  sso_str accept;                /* Accept header, may be empty */
  sso_str sec_fetch_mode;        /* Sec-Fetch-Mode header, may be empty */
  sso_str x_requested_with;      /* X-Requested-With header, may be empty */
  sso_str session_cookie;        /* value of the session cookie, empty if absent */
  int64_t now_ms;                /* wall clock, milliseconds since the Unix epoch */
  const sso_access_rules *rules; /* the location's sso_require lines; NULL: none */
} sso_gate_request;

typedef enum {
  SSO_REPLY_NIL = 1,
  SSO_REPLY_STRING,
  SSO_REPLY_STATUS,
  SSO_REPLY_INTEGER,
  SSO_REPLY_ERROR,
  SSO_REPLY_OTHER,
  SSO_REPLY_FAILED /* no reply: `failure` says why (SSO_STORE_TIMEOUT / SSO_STORE_UNAVAILABLE) */
} sso_reply_type;

typedef struct {
  sso_reply_type type;
  sso_str str;
  long long integer;
  sso_status failure;
} sso_store_reply;

/* sso_require: the rules of one configuration level, built line by line at configuration
 * time (`*rules` NULL: a new set). `args`: the line's values after the directive name;
 * `where`: "file:line" for log lines. SSO_CONFIG_BAD_REQUIRE names what is wrong. A signed-in
 * user who fails a rule gets SSO_STEP_ERROR with SSO_ACCESS_DENIED from the gate (a 403 page,
 * JSON for API clients), its `warning` naming the rule. */
SSO_API sso_status sso_access_rules_add(sso_access_rules **rules, const sso_str *args, size_t count,
                                        sso_str where);
SSO_API void sso_access_rules_destroy(sso_access_rules *rules);

/* Session gate: decide what to do with a request to a protected location. */
SSO_API sso_status sso_gate_begin(sso_txn *txn, const sso_gate_request *request, sso_step *out);
/* The store's reply to read `read_id` (SSO_STEP_SESSION_READ): checked once and cached. */
SSO_API void sso_engine_session_read_done(sso_engine *engine, uint64_t read_id,
                                          const sso_store_reply *reply, int64_t now_ms);
/* After sso_engine_session_read_done: the next transaction that waited on the read, until
 * NULL. A transaction destroyed or recycled while it waits is simply not handed out. */
SSO_API sso_txn *sso_engine_session_read_waiter(sso_engine *engine, uint64_t read_id);
/* The gate's answer to a request whose session read ended. */
SSO_API sso_status sso_gate_resume_read(sso_txn *txn, sso_step *out);

/* The error page for `status` with the request's correlation id (the gate leaves it to the
 * caller, so the id is only computed for requests that fail). */
SSO_API sso_status sso_error_page(sso_txn *txn, sso_status status, sso_str request_id,
                                  sso_step *out);
/* After an UNAUTHORIZED step of the gate: its JSON body again, now with the request's
 * correlation id ({"error":"login_required","login_url":...,"request_id":...}). */
SSO_API sso_status sso_unauthorized_body(sso_txn *txn, sso_str request_id, sso_step *out);

/* ---- the pages people see (sso_pages) ---- */

/* The i-th name of a page template: "page" (lays out every page without one of its own),
 * then "chooser", "error", "denied", "pending", "unavailable", "used", "signed-out"; empty
 * past the end. An operator's directory holds "<name>.html". */
SSO_API sso_str sso_page_template_name(size_t index);
/* Checks an operator's template `html` for page `name` without an engine (nginx -t, at the
 * directive's line): SSO_OK, or SSO_CONFIG_BAD_PAGE_TEMPLATE with what is wrong and its line
 * written to `problem` (NUL-terminated, cut to problem_size). */
SSO_API sso_status sso_page_template_check(sso_str name, sso_str html, char *problem,
                                           size_t problem_size);
/* The same, and the engine's pages of `name` use it from now on. */
SSO_API sso_status sso_engine_set_page_template(sso_engine *engine, sso_str name, sso_str html,
                                                char *problem, size_t problem_size);
/* The name the sign-in chooser shows for a provider added before (its display_name line);
 * without one it shows the provider's name. SSO_CONFIG_BAD_DISPLAY_NAME: empty, over 100
 * bytes, or with a control character. */
SSO_API sso_status sso_engine_set_display_name(sso_engine *engine, sso_str provider,
                                               sso_str display_name);

typedef enum {
  SSO_FIELD_USER = 1,
  SSO_FIELD_EMAIL,
  SSO_FIELD_NAME,
  SSO_FIELD_GROUPS, /* comma-joined; ',' and '%' inside a value are percent-encoded */
  SSO_FIELD_ROLES,  /* same encoding as groups */
  SSO_FIELD_PROVIDER,
  SSO_FIELD_SUBJECT
} sso_field;

/* ---- the identity token ($sso_identity_token, published keys at .../jwks.json) ---- */

typedef struct {
  const sso_str *keys_pem; /* PEM keys; the first signs (private), the others are published */
  size_t keys_count;
  sso_str issuer; /* the tokens' iss: an https URL (http only on loopback) */
  int64_t ttl_ms; /* the tokens' life; 0: 60 s */
} sso_identity_token_config;

SSO_API sso_status sso_engine_set_identity_token(sso_engine *engine,
                                                 const sso_identity_token_config *config);

/* After SSO_STEP_ALLOW: the identity token for `audience` (empty: the default, the issuer),
 * reused while more than half its life is left (per worker, session and audience), so a
 * request rarely costs a signature. Empty without a session or without sso_identity_token. */
SSO_API sso_str sso_txn_identity_token(sso_txn *txn, sso_str audience, int64_t now_ms);

/* After SSO_STEP_ALLOW: identity fields. Empty when absent. Never contain CR, LF or NUL. */
SSO_API sso_str sso_txn_identity_field(sso_txn *txn, sso_field field);
/* After SSO_STEP_ALLOW: a selected attribute by name; `found` is set to 0 or 1. */
SSO_API sso_str sso_txn_identity_attribute(sso_txn *txn, sso_str name, int *found);

typedef struct {
  sso_str name;
  sso_str value;
} sso_attribute;

/* ---- the module's own URLs (an sso_endpoints location) ---- */

/*
 * A request to an sso_endpoints location, as received. The core routes it by the path's last
 * segments, checks the method, and runs the endpoint's flow:
 *   .../login          GET: start a login (?provider=&return_to=&email=), or a page to choose
 *   .../saml/acs       POST: the SAML assertion consumer service (HTTP-POST binding)
 *   .../saml/slo       GET (HTTP-Redirect), POST of a form (HTTP-POST) or of XML (SOAP,
 *                      back-channel): SAML Single Logout
 *   .../saml/metadata  GET: our SP metadata (?provider=)
 *   .../oidc/callback  GET: the OpenID Connect redirect URI (code, state, iss)
 *   .../oidc/backchannel-logout  POST: a provider's logout token (Back-Channel Logout 1.0)
 *   .../logout         POST: ends the session, clears the cookie, 303 to sso_logout_redirect
 *   .../scim/v2/<provider>/...  SCIM 2.0 (RFC 7644) for a provider with a SCIM token: Users,
 *                      Groups, discovery; answers are application/scim+json PAGE steps (with
 *                      `location` and `etag` set where SCIM sends those headers), or an
 *                      UNAUTHORIZED step for a missing or wrong bearer token
 * Unknown paths get a STATUS 404 step, a method an endpoint does not take a STATUS 405.
 * Steps are driven like a login flow's; READ_BODY comes back through sso_endpoint_resume_body.
 */
typedef struct {
  sso_str method;                /* "GET", "HEAD", "POST"... */
  sso_str path;                  /* the path, without the query */
  sso_str query;                 /* the query as received, may be empty */
  const sso_str *cookie_headers; /* every Cookie header value, in the order received */
  size_t cookie_headers_count;
  sso_str request_id; /* the correlation id for pages, log and audit lines */
  int64_t now_ms;
  const uint8_t *random; /* >= 96 bytes from a CSPRNG: IDs, handles, a new session id */
  size_t random_len;
  sso_str authorization; /* the Authorization header (SCIM's bearer token), may be empty; a
                          * secret: never log it */
  sso_str if_match;      /* the If-Match header, may be empty */
  sso_str content_type;  /* the Content-Type header, may be empty (a POST of text/xml or
                          * application/soap+xml to .../saml/slo is the SAML SOAP binding) */
} sso_endpoint_request;

SSO_API sso_status sso_endpoint_begin(sso_txn *txn, const sso_endpoint_request *request,
                                      sso_step *out);
/* After a READ_BODY step: the whole body (it fitted in body_limit). The ACS and the
 * back-channel logout take a form. */
SSO_API sso_status sso_endpoint_resume_body(sso_txn *txn, sso_str body, int64_t now_ms,
                                            sso_step *out);

/* ---- what nginx knows, asked while a provider is checked (nginx -t) ---- */

#define SSO_PATH_ENDPOINTS 1 /* an sso_endpoints location serves the path (in some server) */
#define SSO_PATH_RESOLVER 2  /* ... and that location has a resolver for back-channel names */

typedef struct {
  /* SSO_PATH_* bits for a path of ours as a request carries it (no query); when no
   * sso_endpoints location serves it, `where` says what does, e.g. "the server at
   * nginx.conf:12 serves it with location \"/\"" (valid until the next call) */
  int (*path)(void *data, sso_str path, sso_str *where);
  void *data;
} sso_config_facts;

/* Why the last sso_engine_add_*_provider call failed, for nginx -t: the line at fault
 * (`directive`, e.g. "oidc_alg", and `value`, one of its values, which tells repeated lines
 * apart; both empty: the block as a whole) and a sentence that quotes it and says what to do.
 * All empty when the status is all there is to say. No secrets. */
typedef struct {
  sso_str directive;
  sso_str value;
  sso_str message;
} sso_config_error;

SSO_API sso_config_error sso_engine_config_error(sso_engine *engine);

/* ---- SAML 2.0 providers (added to an engine at configuration time) ---- */

typedef struct {
  sso_str name;                    /* provider name used in URLs, logs and $sso_provider */
  sso_str idp_metadata_xml;        /* the IdP's metadata, or the three settings below */
  sso_str idp_entity_id;           /* chooses the IdP of an aggregate; else overrides /
                                    * completes the metadata */
  sso_str idp_sso_url;             /* HTTP-Redirect SingleSignOnService (overrides) */
  const sso_str *idp_certificates; /* PEM; several during a rollover */
  size_t idp_certificates_count;
  sso_str sp_entity_id;       /* our entity ID (the Audience) */
  sso_str acs_url;            /* absolute URL of our ACS endpoint */
  sso_str sp_key_pem;         /* optional: signs AuthnRequests */
  sso_str sp_certificate_pem; /* optional: published in our metadata */
  sso_str slo_url;            /* our SingleLogoutService; empty: acs_url with "/acs" -> "/slo" */
  sso_str idp_slo_url;        /* overrides / completes the metadata: HTTP-Redirect SLO */
  int sign_requests;          /* 1, 0, or -1: as the IdP metadata asks */
  int allow_idp_initiated;    /* unsolicited responses; off unless 1 */
  int64_t clock_skew_ms;
  const sso_str *email_domains; /* domains this IdP may speak for */
  size_t email_domains_count;
  const sso_attribute *attribute_map; /* name = profile field, value = IdP attribute name */
  size_t attribute_map_count;
  /* NULL: the URLs are not checked against nginx's locations (tests, tools) */
  const sso_config_facts *facts;
  /* IdP metadata refreshed from a URL (https only): the document must be signed on its root
   * element by a key of `idp_metadata_signing_certificates` (PEM). idp_metadata_xml is then
   * the backing copy used until the first refresh (empty: none); it must pass the same
   * checks, else it is not used (a warning says why) and the provider waits for the URL. */
  sso_str idp_metadata_url;
  const sso_str *idp_metadata_signing_certificates;
  size_t idp_metadata_signing_certificates_count;
  int64_t idp_metadata_refresh_ms; /* 0: one hour; at least 1 s */
  int64_t now_ms;                  /* for the backing copy's validUntil */
  int http_resolver;               /* 1: the http block has a resolver (a URL naming a host
                                    * is fetched with it) */
} sso_saml_provider_config;

SSO_API sso_status sso_engine_add_saml_provider(sso_engine *engine,
                                                const sso_saml_provider_config *config);

/* ---- IdP metadata from a URL (saml_idp_metadata_url), refreshed by each worker ---- */

/* The providers whose IdP metadata comes from a URL: how many, and about the i-th one. */
typedef struct {
  sso_str provider;
  sso_str url;
  int64_t interval_ms; /* between two refreshes that succeed */
  int ready;           /* 1: the provider has IdP metadata it can use (a backing copy) */
} sso_metadata_feed_info;

SSO_API size_t sso_engine_metadata_feeds(sso_engine *engine);
SSO_API sso_status sso_engine_metadata_feed(sso_engine *engine, size_t index,
                                            sso_metadata_feed_info *out);

/* The next refresh of feed `index`: `out` becomes an HTTP step (GET of the URL) for
 * sso_http_call_create; its views stay valid until the next call on this feed. */
SSO_API sso_status sso_metadata_refresh_begin(sso_engine *engine, size_t index, sso_step *out);

/* The fetch's answer: `status` 0 when there was none (`failure` says why, e.g. "timed out"),
 * else the HTTP status and body. The document must be signed on its root by a pinned key,
 * not expired (validUntil), and make a usable IdP with the provider's saml_idp_* lines; then
 * it replaces the provider's IdP data in this process at once, for every login that reaches
 * the IdP data from now on. Otherwise the data in use is kept. `out` becomes a WAIT step:
 * `delay_ms` until the next refresh (the interval; sooner, backing off, after a failure),
 * `notice` (refreshed) or `warning` (refused, naming the check), SSO_EVENT_METADATA, and
 * `reason` SSO_OK or the failed check's status. `body` (SSO_OK only) is the verified
 * document, for a backing copy: a view of the `body` passed in, not a copy of it. Views
 * valid until the next call on this feed. */
SSO_API sso_status sso_metadata_refresh_done(sso_engine *engine, size_t index, int status,
                                             sso_str body, sso_str failure, int64_t now_ms,
                                             sso_step *out);

/* Warnings of the last sso_engine_add_*_provider call, whether it succeeded or not (e.g. an
 * IdP metadata certificate that was skipped, naming it and the failed check): how many, and
 * the i-th one (empty past the end). One log line each; no secrets. */
SSO_API size_t sso_engine_warnings_count(sso_engine *engine);
SSO_API sso_str sso_engine_warning(sso_engine *engine, size_t index);

/* ---- login flows: each step is STORE (run, then sso_flow_resume), REDIRECT, PAGE, ERROR ---- */

typedef struct {
  /* the login URL's query: provider= (empty: the only provider, or a page to choose one)
   * and return_to= (where to go afterwards; "/" unless it is a same-origin path) */
  sso_str query;
  int64_t now_ms;
  const uint8_t *random; /* >= 96 bytes from a CSPRNG: IDs, handles, PKCE verifier */
  size_t random_len;
} sso_login_request;

SSO_API sso_status sso_login_begin(sso_txn *txn, const sso_login_request *request, sso_step *out);

typedef struct {
  sso_str form_body; /* application/x-www-form-urlencoded POST body */
  int64_t now_ms;
  const uint8_t *random; /* >= 32 bytes from a CSPRNG: the new session id */
  size_t random_len;
} sso_acs_request;

/* The SAML ACS (HTTP-POST binding): RelayState lookup, validation, replay cache, session. */
SSO_API sso_status sso_acs_begin(sso_txn *txn, const sso_acs_request *request, sso_step *out);

SSO_API sso_status sso_flow_resume(sso_txn *txn, const sso_store_reply *replies, size_t count,
                                   int64_t now_ms, sso_step *out);

/* After a WAIT step's delay. */
SSO_API sso_status sso_flow_resume_wait(sso_txn *txn, int64_t now_ms, sso_step *out);

/* The request's correlation id, for audit lines of the flows this transaction runs. */
SSO_API void sso_txn_set_request_id(sso_txn *txn, sso_str request_id);

/* The answer to an HTTP step: `status` 0 when the call failed (no answer, timeout, TLS). */
SSO_API sso_status sso_flow_resume_http(sso_txn *txn, int status, sso_str body, int64_t now_ms,
                                        sso_step *out);

/* ---- the back-channel's bytes (the caller keeps sockets, TLS, the resolver and timers) ---- */

typedef struct sso_http_call sso_http_call;

/* the default limit of an answer's body: 1 MiB */
#define SSO_HTTP_MAX_BODY (1024 * 1024)

typedef struct {
  sso_str host;    /* without brackets or port: what to resolve or connect to; with tls, the
                    * name (or IP address) the peer's certificate must carry */
  int port;        /* 1..65535 */
  int tls;         /* 1: https */
  sso_str target;  /* scheme://authority/path?query (no fragment), for log lines */
  sso_str request; /* the HTTP/1.0 request (Connection: close) to send */
} sso_http_call_info;

typedef struct {
  int complete; /* 1: the whole answer is in; close the connection */
  int status;   /* when complete: the final status code, 200..599 (interim 1xx are skipped) */
  sso_str body; /* when complete: the body, chunked coding removed; owned by the call */
} sso_http_answer;

/* For an SSO_STEP_HTTP step: checks and splits its URL and builds the request (copied: the
 * call outlives the step). max_body 0: SSO_HTTP_MAX_BODY. SSO_HTTP_BAD_URL for a URL or
 * method that cannot be called. `info` views are owned by the call. */
SSO_API sso_status sso_http_call_create(const sso_step *step, size_t max_body, sso_http_call **out,
                                        sso_http_call_info *info);
/* Feeds the answer's bytes as they arrive, in any split; `eof` 1 once the peer closed (bytes
 * may be empty then). SSO_OK with out->complete 0: read more. An SSO_HTTP_* status: the
 * answer is refused (malformed, too large, truncated, or more bytes after its end). */
SSO_API sso_status sso_http_call_feed(sso_http_call *call, sso_str bytes, int eof,
                                      sso_http_answer *out);
SSO_API void sso_http_call_destroy(sso_http_call *call);

/* ---- OpenID Connect providers ---- */

typedef struct {
  sso_str name;
  sso_str issuer; /* exact; discovery is <issuer>/.well-known/... */
  sso_str client_id;
  sso_str client_secret;
  int client_secret_post;         /* 1: client_secret_post, 0: client_secret_basic */
  sso_str algorithm;              /* RS256 (default), PS256, ES256 or EdDSA */
  sso_str scope;                  /* default "openid email profile" */
  sso_str redirect_uri;           /* absolute URL of our callback */
  sso_str authorization_endpoint; /* explicit endpoints, or empty to use discovery */
  sso_str token_endpoint;
  sso_str jwks_uri;
  int64_t clock_skew_ms;
  const sso_str *email_domains;
  size_t email_domains_count;
  const sso_attribute *claim_map; /* name = profile field, value = claim name */
  size_t claim_map_count;
  /* least time between two JWKS fetches caused by an unknown kid; 0: one minute */
  int64_t jwks_refresh_interval_ms;
  /* 1: after the ID token, call the userinfo endpoint (its sub must match) for more claims */
  int userinfo;
  sso_str userinfo_endpoint; /* with explicit endpoints; else from discovery */
  /* private_key_jwt: our PEM private key (RSA >= 2048 -> RS256, EC P-256 -> ES256) and the kid
   * the provider knows it by; when set it replaces the client secret */
  sso_str client_key_pem;
  sso_str client_key_id;
  /* RP-Initiated Logout 1.0: where the provider sends the browser after its sign-out (an
   * absolute URL registered there, sent as it is); set, a local logout also ends the session
   * at the provider (when it offers an end_session_endpoint). Empty: local logout only. */
  sso_str post_logout_redirect_uri;
  int frontchannel_logout;      /* 1: GET .../oidc/frontchannel-logout?iss=&sid= ends sessions */
  sso_str end_session_endpoint; /* with explicit endpoints; else from discovery */
  /* NULL: the URLs are not checked against nginx's locations (tests, tools) */
  const sso_config_facts *facts;
} sso_oidc_provider_config;

SSO_API sso_status sso_engine_add_oidc_provider(sso_engine *engine,
                                                const sso_oidc_provider_config *config);

typedef struct {
  sso_str query;         /* the callback's query: code, state, iss, or error */
  sso_str cookie_header; /* every Cookie header value, joined with "; " */
  int64_t now_ms;
  const uint8_t *random; /* >= 32 bytes from a CSPRNG: the new session id */
  size_t random_len;
} sso_oidc_callback_request;

/* The OIDC redirect URI: state (single use, bound to this browser), iss (RFC 9207), token
 * exchange, ID token verification, session. */
SSO_API sso_status sso_oidc_callback_begin(sso_txn *txn, const sso_oidc_callback_request *request,
                                           sso_step *out);

/* The SP metadata of `provider` as a PAGE step (application/samlmetadata+xml). */
SSO_API sso_status sso_saml_metadata(sso_txn *txn, sso_str provider, sso_step *out);

/* ---- just-in-time provisioning ---- */

/* The app's hook. Without it, a login's user id is the provider's subject and only the
 * provider policy's rules (email domains, roles) apply. */
typedef struct {
  sso_str hook_url;        /* http(s) URL the hook requests are POSTed to */
  sso_str hook_secret;     /* HMAC-SHA256 key of the X-SSO-Signature header */
  int64_t hook_timeout_ms; /* one hook call */
  int64_t hook_lease_ms;   /* the single-flight lock's lease; 0: hook_timeout_ms + 5 s; must be
                            * at least hook_timeout_ms + 1 s */
} sso_provisioning_config;

SSO_API sso_status sso_engine_set_provisioning(sso_engine *engine,
                                               const sso_provisioning_config *config);
/* The same checks without an engine, for the directive's line in nginx -t: SSO_OK or the
 * CONFIG_* status (its message names the directive) of the first bad value. */
SSO_API sso_status sso_provisioning_check(const sso_provisioning_config *config);

typedef enum { SSO_LINK_OFF = 0, SSO_LINK_VERIFIED_EMAIL } sso_link_policy;
typedef enum {
  SSO_SYNC_ON_EACH_LOGIN = 0,
  SSO_SYNC_ON_CHANGE,
  SSO_SYNC_ON_FIRST_LOGIN
} sso_sync_policy;

typedef struct {
  const sso_attribute *role_map; /* name = group, value = role; the only source of roles */
  size_t role_map_count;
  sso_str default_role; /* when no group maps to a role; empty: none */
  sso_link_policy link_existing;
  sso_sync_policy sync;
  int auto_create; /* 0: the hook is told not to create accounts */
} sso_provider_policy;

/* For a provider added before; without a call the policy is: no roles, link off, sync on
 * each login, auto-create on. */
SSO_API sso_status sso_engine_set_provider_policy(sso_engine *engine, sso_str provider,
                                                  const sso_provider_policy *policy);

/* ---- SCIM 2.0: the provider deprovisions (and may pre-provision) accounts ---- */

/* Turns on .../scim/v2/<provider>/ for a provider added before, authenticated with `token`
 * (the bearer token the identity provider sends; at least 32 characters, no control
 * characters: SSO_CONFIG_WEAK_SCIM_TOKEN otherwise). Logins of that provider are then refused
 * while the SCIM user they match is deactivated or deleted. */
SSO_API sso_status sso_engine_set_scim(sso_engine *engine, sso_str provider, sso_str token);

/* ---- session creation (used by login flows and by the sso-admin tool) ---- */

typedef struct {
  sso_str provider;
  sso_str subject;
  sso_str issuer;
  sso_str user;
  sso_str email;
  sso_str name;
  const sso_str *groups;
  size_t groups_count;
  const sso_str *roles;
  size_t roles_count;
  const sso_attribute *attributes;
  size_t attributes_count;
} sso_identity;

typedef struct {
  sso_str cookie_value;  /* the secret the browser keeps (never log it) */
  sso_str set_cookie;    /* complete Set-Cookie header value */
  size_t commands_count; /* run all, in order; each must succeed */
  const sso_command *commands;
} sso_session_plan;

/* `random` must hold at least 32 bytes from a CSPRNG; they become the session id. */
SSO_API sso_status sso_session_plan_create(sso_txn *txn, const sso_identity *identity,
                                           const uint8_t *random, size_t random_len, int64_t now_ms,
                                           sso_session_plan *out);

/* An administrator ends every session of (provider, subject), as sso-admin does. A flow like
 * the others: a STORE step (one EVAL deletes the sessions and their index and tells every
 * nginx worker to drop them from its cache) for sso_flow_resume; then, when sessions ended
 * and the engine has a hook, an HTTP step telling the app ("event": "logout", "reason":
 * "admin") for sso_flow_resume_http; last a PAGE step with a JSON body
 * {"sessions": N, "user": "<the app's user id>", "app": "told" | "no hook" | "status 500" |
 * "no answer"} and its audit line. */
SSO_API sso_status sso_admin_revoke_begin(sso_txn *txn, sso_str provider, sso_str subject,
                                          sso_str request_id, sso_step *out);

/* What an administrator names a person by (sso-admin): a provider's subject, or, across every
 * provider, the app's user id or an email address (any case). Sessions are found through the
 * indexes each login writes for the three. */
typedef enum {
  SSO_ADMIN_BY_SUBJECT = 0, /* `provider` and `value` (the subject) */
  SSO_ADMIN_BY_USER,        /* `value`: the app's user id; `provider` must be empty */
  SSO_ADMIN_BY_EMAIL        /* `value`: the email; `provider` must be empty */
} sso_admin_by;

/* sso_admin_revoke_begin for any sso_admin_by; the audit line says "by". */
SSO_API sso_status sso_admin_revoke_by(sso_txn *txn, sso_admin_by by, sso_str provider,
                                       sso_str value, sso_str request_id, sso_step *out);

/* Lists the live sessions of a person: a STORE step (one read-only EVAL), then a PAGE step
 * whose JSON body is {"sessions": [{"session": "<first 12 hex digits of the key's digest>",
 * "provider", "subject", "user", "email", "name", "created_ms", "expires_ms",
 * "idle_expires_ms" (when the store's TTL says), "last_seen_ms" (when the engine has an idle
 * timeout: the last read by a worker, which slid it)}...], "truncated": bool}. */
SSO_API sso_status sso_admin_sessions_begin(sso_txn *txn, sso_admin_by by, sso_str provider,
                                            sso_str value, int64_t now_ms, sso_step *out);

/* Shows the account record just-in-time provisioning keeps for (issuer, subject): a STORE
 * step (GET, PTTL), then a PAGE step: {"found": false} or {"found": true, "user": "...",
 * "roles": [...], "provisioned_ms": N, "expires_ms": N}. */
SSO_API sso_status sso_admin_account_begin(sso_txn *txn, sso_str issuer, sso_str subject,
                                           int64_t now_ms, sso_step *out);

#ifdef __cplusplus
}
#endif

#endif /* SSO_SSO_H */
