
/*
 * nginx-jit-sso: shared declarations of the module's C files.
 */

#ifndef _NGX_HTTP_SSO_MODULE_H_INCLUDED_
#define _NGX_HTTP_SSO_MODULE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <sso/sso.h>

#include "ngx_http_sso_redis.h"
#include "ngx_http_sso_metrics.h"


typedef struct {
    ngx_http_sso_redis_conf_t    redis;
    ngx_str_t                    redis_prefix;
    ngx_flag_t                   redis_configured;

    ngx_msec_t                   ttl;
    ngx_msec_t                   idle;
    ngx_msec_t                   cache;
    size_t                       cache_size;      /* entries; 0: the core's default */
    ngx_str_t                    cookie_name;
    ngx_flag_t                   cookie_secure;
    ngx_flag_t                   session_configured;
    ngx_str_t                    login_url;
    ngx_str_t                    logout_redirect;
    ngx_array_t                 *providers;  /* of ngx_http_sso_provider_conf_t */

    /* back-channel calls (OIDC discovery, token, JWKS) */
    ngx_str_t                    backchannel_trusted_certificate;
    ngx_msec_t                   backchannel_timeout;
    ngx_ssl_t                   *backchannel_ssl;    /* when an OIDC provider needs it */

    /* just-in-time provisioning */
    ngx_str_t                    hook_url;
    ngx_msec_t                   hook_timeout;
    ngx_msec_t                   hook_lease;       /* 0: the core's default */
    ngx_str_t                    hook_secret;
    ngx_log_t                   *audit_log;          /* NULL: the error log */

    /* $sso_identity_token */
    ngx_array_t                 *identity_token_keys;  /* of ngx_str_t (PEM); NULL: none */
    ngx_str_t                    identity_token_issuer;
    ngx_msec_t                   identity_token_ttl;   /* 0: the core's default */

    /* sso_pages: the operator's page templates; NULL: the built-in one */
    ngx_array_t                 *pages;

    sso_engine                  *engine;
    ngx_http_sso_redis_t        *store;      /* per worker, from init_process */
    ngx_int_t                    request_id_index;

    /* saml_idp_metadata_url: the http block's resolver, and each worker's refreshes */
    ngx_resolver_t              *resolver;
    ngx_msec_t                   resolver_timeout;
    ngx_array_t                 *feeds;      /* of ngx_http_sso_feed_t, per worker */

    /* per worker: revocations heard on pub/sub keep the session cache correct */
    ngx_http_sso_redis_t        *subscriber;
    ngx_event_t                  subscriber_tick;
    ngx_uint_t                   subscribed;    /* 0 no, 1 asked, 2 confirmed */
} ngx_http_sso_main_conf_t;


/* per server: "sso on" somewhere in it (or above it), so every location strips */
typedef struct {
    ngx_flag_t                   uses_sso;
} ngx_http_sso_srv_conf_t;


typedef struct {
    ngx_flag_t                   enable;
    ngx_flag_t                   endpoints;      /* sso_endpoints here: never gated */
    ngx_uint_t                   metrics;        /* sso_metrics here: never gated */
    ngx_array_t                 *strip_headers;  /* of ngx_str_t, normalized */
    sso_access_rules            *require;        /* sso_require lines; NULL: none */
    ngx_str_t                    identity_audience;  /* empty: the token's default */
} ngx_http_sso_loc_conf_t;


typedef struct ngx_http_sso_ctx_s  ngx_http_sso_ctx_t;
typedef struct ngx_http_sso_http_s  ngx_http_sso_http_t;

/* called once every reply of a STORE step is in ctx->replies */
typedef void (*ngx_http_sso_done_pt)(ngx_http_request_t *r, ngx_http_sso_ctx_t *ctx);

struct ngx_http_sso_ctx_s {
    ngx_http_request_t          *request;
    sso_txn                     *txn;
    sso_step                     step;

    /* the commands of the current STORE step, in flight */
    ngx_http_sso_redis_cmd_t   **pending;
    sso_store_reply             *replies;
    ngx_uint_t                   commands;
    ngx_uint_t                   outstanding;
    ngx_http_sso_done_pt         done;

    ngx_event_t                  wait;           /* a WAIT step's timer */

    unsigned                     waiting:1;
    unsigned                     allowed:1;
};


/*
 * Called once per back-channel call, from a posted event: `status` is the HTTP status,
 * or 0 when there was no usable answer (the reason is logged); `body` is valid until the
 * request's pool goes.
 */
typedef void (*ngx_http_sso_http_done_pt)(ngx_http_request_t *r, ngx_http_sso_ctx_t *ctx,
    ngx_int_t status, ngx_str_t *body);


/*
 * The same for a call of the worker's own (ngx_http_sso_fetch): `failure` says why there
 * is no answer when `status` is 0 (a static string); `body` is valid during the call.
 */
typedef void (*ngx_http_sso_fetch_done_pt)(void *data, ngx_int_t status, ngx_str_t *body,
    const char *failure);


/* oidc_token_auth */
#define NGX_HTTP_SSO_CLIENT_SECRET_BASIC  0
#define NGX_HTTP_SSO_CLIENT_SECRET_POST   1
#define NGX_HTTP_SSO_PRIVATE_KEY_JWT      2

/*
 * sso_provider NAME { ... }: collected at configuration, given to the core at init.
 * Single-valued lines start NGX_CONF_UNSET_* (or empty) so that a second one is refused.
 */
typedef struct {
    ngx_str_t                    name;
    ngx_uint_t                   oidc;               /* an oidc_* line was seen */
    ngx_uint_t                   saml;               /* a saml_* line was seen */
    ngx_str_t                    issuer;
    ngx_str_t                    client_id;
    ngx_str_t                    client_secret;      /* the file's first line */
    ngx_uint_t                   token_auth;         /* NGX_HTTP_SSO_CLIENT_SECRET_... */
    ngx_str_t                    client_key;         /* PEM file contents */
    ngx_str_t                    client_key_id;
    ngx_str_t                    algorithm;
    ngx_str_t                    scope;
    ngx_str_t                    redirect_uri;
    ngx_str_t                    authorization_endpoint;
    ngx_str_t                    token_endpoint;
    ngx_str_t                    jwks_uri;
    ngx_msec_t                   jwks_refresh_interval;
    ngx_uint_t                   userinfo;
    ngx_str_t                    userinfo_endpoint;
    ngx_str_t                    end_session_endpoint;
    ngx_str_t                    post_logout_redirect_uri;
    ngx_uint_t                   frontchannel_logout;
    ngx_str_t                    idp_metadata;       /* file contents, read at the end */
    ngx_str_t                    idp_metadata_file;  /* as written in the line */
    ngx_str_t                    idp_metadata_path;  /* the full path (backing copy) */
    size_t                       idp_metadata_max_size;
    ngx_str_t                    idp_metadata_url;
    ngx_array_t                 *idp_metadata_signing_certificates; /* of ngx_str_t */
    ngx_msec_t                   idp_metadata_refresh;
    ngx_str_t                    idp_entity_id;
    ngx_str_t                    idp_sso_url;
    ngx_str_t                    idp_slo_url;
    ngx_array_t                 *idp_certificates;   /* of ngx_str_t (file contents) */
    ngx_str_t                    sp_entity_id;
    ngx_str_t                    acs_url;
    ngx_str_t                    slo_url;
    ngx_str_t                    sp_key;
    ngx_str_t                    sp_certificate;
    ngx_uint_t                   sign_requests;      /* unset: as the metadata asks */
    ngx_uint_t                   allow_idp_initiated;
    ngx_msec_t                   clock_skew;
    ngx_array_t                 *email_domains;      /* of ngx_str_t */
    ngx_array_t                 *attributes;         /* of ngx_keyval_t: field, IdP name */
    ngx_array_t                 *roles;              /* of ngx_keyval_t: group, role */
    ngx_str_t                    default_role;
    ngx_uint_t                   link_existing;      /* sso_link_policy */
    ngx_uint_t                   sync;               /* sso_sync_policy */
    ngx_uint_t                   auto_create;
    ngx_str_t                    scim_token;         /* set: SCIM is on */
    ngx_str_t                    display_name;       /* on the sign-in chooser */
    ngx_str_t                    file;               /* where it was defined, for errors */
    ngx_uint_t                   line;
    ngx_array_t                 *lines;  /* of ngx_http_sso_provider_line_t */
} ngx_http_sso_provider_conf_t;


/* one line of an sso_provider block, as written: its values and where it is */
typedef struct {
    ngx_str_t                   *args;   /* the directive's name, its values */
    ngx_uint_t                   nargs;
    ngx_uint_t                   line;
} ngx_http_sso_provider_line_t;


extern ngx_module_t  ngx_http_sso_module;


/* An nginx string as the core's view of it (never NULL data, as the core asks). */
static ngx_inline sso_str
ngx_http_sso_view(ngx_str_t *s)
{
    sso_str  view;

    view.data = s->data ? (const char *) s->data : "";
    view.len = s->len;

    return view;
}


ngx_int_t ngx_http_sso_add_variables(ngx_conf_t *cf);

ngx_int_t ngx_http_sso_strip_identity_headers(ngx_http_request_t *r,
    ngx_array_t *extra);
char *ngx_http_sso_strip_header(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);

char *ngx_http_sso_endpoints(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
char *ngx_http_sso_require(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
char *ngx_http_sso_identity_token(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
ngx_int_t ngx_http_sso_init_identity_token(ngx_conf_t *cf,
    ngx_http_sso_main_conf_t *smcf);
/* nginx -t: the login URL must not be served by a gated location */
ngx_int_t ngx_http_sso_check_login_location(ngx_conf_t *cf,
    ngx_http_sso_main_conf_t *smcf);
/* sso_config_facts.path (`data`: the ngx_conf_t): what serves a path of ours */
int ngx_http_sso_path_facts(void *data, sso_str path, sso_str *where);

ngx_int_t ngx_http_sso_http_call(ngx_http_request_t *r, ngx_http_sso_ctx_t *ctx,
    sso_step *step, ngx_http_sso_http_done_pt done);
/*
 * A back-channel call that belongs to no request (a timer's): made with the http block's
 * resolver, in `pool`, which the caller destroys only after `done` (or to cancel the call).
 */
ngx_int_t ngx_http_sso_fetch(ngx_pool_t *pool, ngx_log_t *log,
    ngx_http_sso_main_conf_t *smcf, sso_step *step, size_t max_body,
    ngx_http_sso_fetch_done_pt done, void *data);
char *ngx_http_sso_backchannel_init(ngx_conf_t *cf, ngx_http_sso_main_conf_t *smcf);

char *ngx_http_sso_provision_hook(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
void ngx_http_sso_provisioning_config(ngx_http_sso_main_conf_t *smcf,
    sso_provisioning_config *config);
char *ngx_http_sso_audit_log(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
void ngx_http_sso_write_audit(ngx_http_request_t *r, sso_str line);

/*
 * A file named in the configuration, read at configuration time (at most 1m, or `max`;
 * `limit` names the line that raises it): its contents, or (a secret) its first line.
 * NGX_CONF_OK, or a message naming `what` and the file, for a setter to return.
 */
char *ngx_http_sso_read_conf_file(ngx_conf_t *cf, char *what, ngx_str_t *name,
    ngx_str_t *out);
char *ngx_http_sso_read_large_conf_file(ngx_conf_t *cf, char *what, ngx_str_t *name,
    ngx_str_t *out, size_t max, char *limit);
char *ngx_http_sso_read_secret_file(ngx_conf_t *cf, char *what, ngx_str_t *name,
    ngx_str_t *out);

char *ngx_http_sso_pages(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
ngx_int_t ngx_http_sso_init_pages(ngx_conf_t *cf, ngx_http_sso_main_conf_t *smcf);

char *ngx_http_sso_provider_block(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
/* the block's line of `directive` (with `value`, if not empty); NULL: none */
ngx_http_sso_provider_line_t *ngx_http_sso_provider_find_line(
    ngx_http_sso_provider_conf_t *pcf, sso_str directive, sso_str value);
ngx_int_t ngx_http_sso_add_providers(ngx_conf_t *cf, ngx_http_sso_main_conf_t *smcf);

/* saml_idp_metadata_url (ngx_http_sso_metadata.c) */
ngx_int_t ngx_http_sso_metadata_init_process(ngx_http_sso_main_conf_t *smcf,
    ngx_cycle_t *cycle);
void ngx_http_sso_metadata_exit_process(ngx_http_sso_main_conf_t *smcf);

ngx_int_t ngx_http_sso_cache_init_process(ngx_http_sso_main_conf_t *smcf,
    ngx_cycle_t *cycle);
void ngx_http_sso_cache_exit_process(ngx_http_sso_main_conf_t *smcf);

/* sso_redis and sso_session (ngx_http_sso_directives.c) */
char *ngx_http_sso_redis(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
ngx_int_t ngx_http_sso_redis_init_resolver(ngx_conf_t *cf,
    ngx_http_sso_main_conf_t *smcf);
char *ngx_http_sso_session(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);

/* the phase handlers (ngx_http_sso_gate.c) */
ngx_int_t ngx_http_sso_rewrite_handler(ngx_http_request_t *r);
ngx_int_t ngx_http_sso_access_handler(ngx_http_request_t *r);

/* shared request helpers (ngx_http_sso_request.c, ngx_http_sso_response.c) */
ngx_http_sso_ctx_t *ngx_http_sso_create_ctx(ngx_http_request_t *r);
void ngx_http_sso_store_reply(redisReply *reply, sso_status failure, sso_store_reply *out);
ngx_str_t ngx_http_sso_session_cookie(ngx_http_request_t *r,
    ngx_http_sso_main_conf_t *smcf);
ngx_str_t ngx_http_sso_request_id(ngx_http_request_t *r,
    ngx_http_sso_main_conf_t *smcf);
int64_t ngx_http_sso_now_ms(void);
ngx_int_t ngx_http_sso_send_step(ngx_http_request_t *r, sso_step *step);
ngx_int_t ngx_http_sso_send_failure(ngx_http_request_t *r, ngx_http_sso_ctx_t *ctx,
    sso_status status);
ngx_int_t ngx_http_sso_run_commands(ngx_http_request_t *r, ngx_http_sso_ctx_t *ctx,
    ngx_http_sso_done_pt done);


#endif /* _NGX_HTTP_SSO_MODULE_H_INCLUDED_ */
