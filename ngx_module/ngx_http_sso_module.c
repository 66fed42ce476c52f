
/*
 * nginx-jit-sso: directives, the session gate (access phase) and worker lifecycle.
 *
 * The module is thin: it gathers request facts, asks the core (sso/sso.h) what to do,
 * performs the Redis I/O the core asks for on the event loop, and sends what the core
 * decided. It never waits: a request that needs Redis is parked (NGX_AGAIN) and the phases
 * are re-run from the reply callback.
 */

#include "ngx_http_sso_module.h"


static ngx_int_t ngx_http_sso_rewrite_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_sso_access_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_sso_apply_step(ngx_http_request_t *r,
    ngx_http_sso_ctx_t *ctx);
static void ngx_http_sso_gate_done(ngx_http_request_t *r, ngx_http_sso_ctx_t *ctx);
static void ngx_http_sso_cleanup(void *data);
static ngx_int_t ngx_http_sso_finish(ngx_http_request_t *r, ngx_int_t rc);
static void ngx_http_sso_engine_cleanup(void *data);

static ngx_int_t ngx_http_sso_add_header(ngx_http_request_t *r, ngx_str_t *key,
    sso_str value, ngx_table_elt_t **out);

static char *ngx_http_sso_redis(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
static char *ngx_http_sso_session(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
static ngx_int_t ngx_http_sso_init(ngx_conf_t *cf);
static void *ngx_http_sso_create_main_conf(ngx_conf_t *cf);
static char *ngx_http_sso_init_main_conf(ngx_conf_t *cf, void *conf);
static void *ngx_http_sso_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_sso_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child);
static ngx_int_t ngx_http_sso_init_process(ngx_cycle_t *cycle);
static void ngx_http_sso_exit_process(ngx_cycle_t *cycle);


static ngx_command_t  ngx_http_sso_commands[] = {

    { ngx_string("sso_redis"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_1MORE,
      ngx_http_sso_redis,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("sso_session"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_1MORE,
      ngx_http_sso_session,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("sso_provider"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_BLOCK|NGX_CONF_TAKE1,
      ngx_http_sso_provider_block,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("sso_login_url"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_sso_main_conf_t, login_url),
      NULL },

    { ngx_string("sso_logout_redirect"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_sso_main_conf_t, logout_redirect),
      NULL },

    { ngx_string("sso_backchannel_trusted_certificate"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_sso_main_conf_t, backchannel_trusted_certificate),
      NULL },

    { ngx_string("sso_backchannel_timeout"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_sso_main_conf_t, backchannel_timeout),
      NULL },

    { ngx_string("sso_provision_hook"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_1MORE,
      ngx_http_sso_provision_hook,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("sso_audit_log"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_1MORE,
      ngx_http_sso_audit_log,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("sso"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_sso_loc_conf_t, enable),
      NULL },

    { ngx_string("sso_strip_header"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_sso_strip_header,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("sso_endpoints"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_sso_endpoints,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_sso_module_ctx = {
    NULL,                                  /* preconfiguration */
    ngx_http_sso_init,                     /* postconfiguration */

    ngx_http_sso_create_main_conf,         /* create main configuration */
    ngx_http_sso_init_main_conf,           /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_sso_create_loc_conf,          /* create location configuration */
    ngx_http_sso_merge_loc_conf            /* merge location configuration */
};


ngx_module_t  ngx_http_sso_module = {
    NGX_MODULE_V1,
    &ngx_http_sso_module_ctx,              /* module context */
    ngx_http_sso_commands,                 /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    ngx_http_sso_init_process,             /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    ngx_http_sso_exit_process,             /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_str_t  ngx_http_sso_set_cookie = ngx_string("Set-Cookie");
static ngx_str_t  ngx_http_sso_location = ngx_string("Location");
static ngx_str_t  ngx_http_sso_www_authenticate = ngx_string("WWW-Authenticate");
static ngx_str_t  ngx_http_sso_cache_control = ngx_string("Cache-Control");


/* The first request header called `name` (any case), as a view; empty if absent. */
static sso_str
ngx_http_sso_header(ngx_http_request_t *r, const char *name, size_t len)
{
    sso_str           value = { "", 0 };
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    for (part = &r->headers_in.headers.part; part; part = part->next) {
        h = part->elts;

        for (i = 0; i < part->nelts; i++) {
            if (h[i].key.len == len
                && ngx_strncasecmp(h[i].key.data, (u_char *) name, len) == 0)
            {
                value.data = (const char *) h[i].value.data;
                value.len = h[i].value.len;
                return value;
            }
        }
    }

    return value;
}


/*
 * Forged identity headers go in the rewrite phase, so that `set` and `if` of the location
 * already see the cleaned list. Our handler runs before the rewrite module's: handlers of
 * a phase run in reverse order of registration, and this module registers later.
 */
static ngx_int_t
ngx_http_sso_rewrite_handler(ngx_http_request_t *r)
{
    ngx_http_sso_loc_conf_t  *slcf;

    slcf = ngx_http_get_module_loc_conf(r, ngx_http_sso_module);

    if (!slcf->enable || r != r->main) {
        return NGX_DECLINED;
    }

    if (ngx_http_sso_strip_identity_headers(r, slcf->strip_headers) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return NGX_DECLINED;
}


static ngx_int_t
ngx_http_sso_access_handler(ngx_http_request_t *r)
{
    ngx_str_t                  cookie;
    sso_status                 rc;
    ngx_http_sso_ctx_t        *ctx;
    sso_gate_request           gate;
    ngx_http_sso_loc_conf_t   *slcf;
    ngx_http_sso_main_conf_t  *smcf;

    slcf = ngx_http_get_module_loc_conf(r, ngx_http_sso_module);

    /* the login endpoints must be reachable without a session */
    if (!slcf->enable || slcf->endpoints) {
        return NGX_DECLINED;
    }

    if (r != r->main) {
        /* subrequests inherit the decision made for the main request */
        ctx = ngx_http_get_module_ctx(r->main, ngx_http_sso_module);
        return (ctx && ctx->allowed) ? NGX_OK : NGX_HTTP_FORBIDDEN;
    }

    ctx = ngx_http_get_module_ctx(r, ngx_http_sso_module);

    if (ctx) {
        if (ctx->waiting) {
            return NGX_AGAIN;
        }

        if (ctx->allowed) {
            return NGX_OK;
        }

        /* resumed from the Redis reply */
        return ngx_http_sso_apply_step(r, ctx);
    }

    ctx = ngx_http_sso_create_ctx(r);
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    smcf = ngx_http_get_module_main_conf(r, ngx_http_sso_module);

    cookie = ngx_http_sso_session_cookie(r, smcf);

    ngx_memzero(&gate, sizeof(sso_gate_request));
    gate.method.data = (const char *) r->method_name.data;
    gate.method.len = r->method_name.len;
    gate.uri.data = (const char *) r->unparsed_uri.data;
    gate.uri.len = r->unparsed_uri.len;

    /* r->headers_in.accept exists only in builds with NGX_HTTP_HEADERS */
    gate.accept = ngx_http_sso_header(r, "Accept", sizeof("Accept") - 1);
    gate.sec_fetch_mode = ngx_http_sso_header(r, "Sec-Fetch-Mode",
                                              sizeof("Sec-Fetch-Mode") - 1);
    gate.x_requested_with = ngx_http_sso_header(r, "X-Requested-With",
                                                sizeof("X-Requested-With") - 1);

    gate.session_cookie.data = (const char *) cookie.data;
    gate.session_cookie.len = cookie.len;
    gate.now_ms = ngx_http_sso_now_ms();

    rc = sso_gate_begin(ctx->txn, &gate, &ctx->step);
    if (rc != SSO_OK) {
        return ngx_http_sso_finish(r, ngx_http_sso_send_failure(r, ctx, rc));
    }

    return ngx_http_sso_apply_step(r, ctx);
}


static ngx_int_t
ngx_http_sso_apply_step(ngx_http_request_t *r, ngx_http_sso_ctx_t *ctx)
{
    ngx_str_t                  request_id;
    sso_step                  *step;
    ngx_http_sso_main_conf_t  *smcf;

    smcf = ngx_http_get_module_main_conf(r, ngx_http_sso_module);
    step = &ctx->step;

    if (step->cleanup.argc) {
        (void) ngx_http_sso_redis_send(smcf->store, &step->cleanup, NULL, NULL);
    }

    switch (step->kind) {

    case SSO_STEP_STORE:
        if (ngx_http_sso_run_commands(r, ctx, ngx_http_sso_gate_done) != NGX_OK) {
            return ngx_http_sso_finish(r,
                       ngx_http_sso_send_failure(r, ctx, SSO_STORE_UNAVAILABLE));
        }

        return NGX_AGAIN;

    case SSO_STEP_ALLOW:
        ctx->allowed = 1;
        ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "sso: session valid");
        return NGX_OK;

    case SSO_STEP_ERROR:
        /* the page and the log line carry the correlation id */
        return ngx_http_sso_finish(r, ngx_http_sso_send_failure(r, ctx, step->reason));

    default:
        break;
    }

    request_id = ngx_http_sso_request_id(r, smcf);

    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "sso: login required: %s (%s), request_id: %V",
                  sso_status_name(step->reason), sso_status_message(step->reason),
                  &request_id);

    return ngx_http_sso_finish(r, ngx_http_sso_send_step(r, step));
}


static void
ngx_http_sso_gate_done(ngx_http_request_t *r, ngx_http_sso_ctx_t *ctx)
{
    sso_status  rc;

    rc = sso_gate_resume(ctx->txn, &ctx->replies[0], ngx_http_sso_now_ms(), &ctx->step);

    if (rc != SSO_OK || ctx->step.kind == SSO_STEP_STORE) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "sso: gate resume failed: %s", sso_status_name(rc));
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    /* back into the access phase, which now applies ctx->step */
    ngx_http_core_run_phases(r);
}


typedef struct {
    ngx_http_sso_ctx_t  *ctx;
    ngx_uint_t           index;
} ngx_http_sso_cmd_ref_t;


static void
ngx_http_sso_command_reply(void *data, redisReply *reply, sso_status failure)
{
    ngx_http_sso_cmd_ref_t *ref = data;

    sso_store_reply      *out;
    ngx_connection_t     *c;
    ngx_http_request_t   *r;
    ngx_http_sso_ctx_t   *ctx;

    ctx = ref->ctx;
    r = ctx->request;
    c = r->connection;
    out = &ctx->replies[ref->index];

    ctx->pending[ref->index] = NULL;
    ngx_memzero(out, sizeof(sso_store_reply));

    if (reply == NULL) {
        out->type = SSO_REPLY_FAILED;
        out->failure = failure;

    } else {
        switch (reply->type) {
        case REDIS_REPLY_STRING:
            out->type = SSO_REPLY_STRING;
            break;
        case REDIS_REPLY_STATUS:
            out->type = SSO_REPLY_STATUS;
            break;
        case REDIS_REPLY_ERROR:
            out->type = SSO_REPLY_ERROR;
            break;
        case REDIS_REPLY_INTEGER:
            out->type = SSO_REPLY_INTEGER;
            out->integer = reply->integer;
            break;
        case REDIS_REPLY_NIL:
            out->type = SSO_REPLY_NIL;
            break;
        default:
            out->type = SSO_REPLY_OTHER;
            break;
        }

        if (reply->type == REDIS_REPLY_STRING || reply->type == REDIS_REPLY_STATUS
            || reply->type == REDIS_REPLY_ERROR)
        {
            /* the reply is freed after this handler: keep a copy */
            out->str.data = ngx_pnalloc(r->pool, reply->len + 1);
            if (out->str.data == NULL) {
                out->type = SSO_REPLY_FAILED;
                out->failure = SSO_ERR_OUT_OF_MEMORY;

            } else {
                ngx_memcpy((u_char *) out->str.data, reply->str, reply->len);
                out->str.len = reply->len;
            }
        }
    }

    if (--ctx->outstanding) {
        return;
    }

    ctx->waiting = 0;
    ctx->done(r, ctx);
    ngx_http_run_posted_requests(c);
}


/*
 * Sends every command of ctx->step (pipelined on the worker's connection); `done` runs
 * once all replies are in. NGX_ERROR: nothing could be sent (Redis unreachable at once).
 */
ngx_int_t
ngx_http_sso_run_commands(ngx_http_request_t *r, ngx_http_sso_ctx_t *ctx,
    ngx_http_sso_done_pt done)
{
    ngx_uint_t                 i, n;
    ngx_http_sso_cmd_ref_t    *refs;
    ngx_http_sso_main_conf_t  *smcf;

    smcf = ngx_http_get_module_main_conf(r, ngx_http_sso_module);
    n = ctx->step.commands_count;

    if (n == 0 || smcf->store == NULL) {
        return NGX_ERROR;
    }

    if (ctx->commands < n) {
        ctx->pending = ngx_pcalloc(r->pool, n * sizeof(ngx_http_sso_redis_cmd_t *));
        ctx->replies = ngx_pcalloc(r->pool, n * sizeof(sso_store_reply));
        if (ctx->pending == NULL || ctx->replies == NULL) {
            return NGX_ERROR;
        }

        ctx->commands = n;
    }

    refs = ngx_palloc(r->pool, n * sizeof(ngx_http_sso_cmd_ref_t));
    if (refs == NULL) {
        return NGX_ERROR;
    }

    for (i = 0; i < n; i++) {
        refs[i].ctx = ctx;
        refs[i].index = i;

        ctx->pending[i] = ngx_http_sso_redis_send(smcf->store, &ctx->step.commands[i],
                                                  ngx_http_sso_command_reply, &refs[i]);
        if (ctx->pending[i] == NULL) {
            /* commands already queued still answer, into a request that gives up */
            while (i--) {
                ngx_http_sso_redis_cancel(ctx->pending[i]);
                ctx->pending[i] = NULL;
            }

            return NGX_ERROR;
        }
    }

    ctx->outstanding = n;
    ctx->done = done;
    ctx->waiting = 1;

    return NGX_OK;
}


ngx_http_sso_ctx_t *
ngx_http_sso_create_ctx(ngx_http_request_t *r)
{
    ngx_http_sso_ctx_t        *ctx;
    ngx_pool_cleanup_t        *cln;
    ngx_http_sso_main_conf_t  *smcf;

    smcf = ngx_http_get_module_main_conf(r, ngx_http_sso_module);

    ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_sso_ctx_t));
    if (ctx == NULL) {
        return NULL;
    }

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        return NULL;
    }

    if (sso_txn_create(smcf->engine, &ctx->txn) != SSO_OK) {
        return NULL;
    }

    ctx->request = r;
    cln->handler = ngx_http_sso_cleanup;
    cln->data = ctx;

    ngx_http_set_ctx(r, ctx, ngx_http_sso_module);

    return ctx;
}


static void
ngx_http_sso_cleanup(void *data)
{
    ngx_http_sso_ctx_t  *ctx = data;

    ngx_uint_t  i;

    /* the request may end (client gone, HTTP/2 reset) while Redis still owes replies */
    for (i = 0; ctx->pending && i < ctx->commands; i++) {
        if (ctx->pending[i]) {
            ngx_http_sso_redis_cancel(ctx->pending[i]);
            ctx->pending[i] = NULL;
        }
    }

    sso_txn_destroy(ctx->txn);
    ctx->txn = NULL;
}


ngx_str_t
ngx_http_sso_session_cookie(ngx_http_request_t *r, ngx_http_sso_main_conf_t *smcf)
{
    ngx_str_t  value;

#if (nginx_version >= 1023000)
    /* 1.23 made the Cookie headers a linked list and the parser return the header */
    if (ngx_http_parse_multi_header_lines(r, r->headers_in.cookie, &smcf->cookie_name,
                                          &value)
        == NULL)
#else
    if (ngx_http_parse_multi_header_lines(&r->headers_in.cookies, &smcf->cookie_name,
                                          &value)
        == NGX_DECLINED)
#endif
    {
        ngx_str_null(&value);
    }

    return value;
}


ngx_str_t
ngx_http_sso_request_id(ngx_http_request_t *r, ngx_http_sso_main_conf_t *smcf)
{
    ngx_str_t                   id;
    ngx_http_variable_value_t  *vv;

    ngx_str_null(&id);

    if (smcf->request_id_index == NGX_ERROR) {
        return id;
    }

    vv = ngx_http_get_indexed_variable(r, smcf->request_id_index);

    if (vv && !vv->not_found) {
        id.data = vv->data;
        id.len = vv->len;
    }

    return id;
}


int64_t
ngx_http_sso_now_ms(void)
{
    ngx_time_t  *tp;

    tp = ngx_timeofday();

    return (int64_t) tp->sec * 1000 + tp->msec;
}


/* Sends what the core decided; returns an rc for ngx_http_finalize_request(). */
ngx_int_t
ngx_http_sso_send_step(ngx_http_request_t *r, sso_step *step)
{
    ngx_int_t         rc;
    ngx_buf_t        *b;
    ngx_chain_t       out;
    u_char           *p;
    ngx_table_elt_t  *h;

    if (ngx_http_sso_add_header(r, &ngx_http_sso_cache_control,
                                (sso_str) { "no-store", 8 }, NULL)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (step->set_cookie.len
        && ngx_http_sso_add_header(r, &ngx_http_sso_set_cookie, step->set_cookie,
                                   NULL)
           != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (step->set_cookie2.len
        && ngx_http_sso_add_header(r, &ngx_http_sso_set_cookie, step->set_cookie2,
                                   NULL)
           != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    switch (step->kind) {

    case SSO_STEP_REDIRECT:
        if (ngx_http_sso_add_header(r, &ngx_http_sso_location, step->location, &h)
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        /* lets nginx make the Location absolute like its own redirects */
        r->headers_out.location = h;
        return step->http_status;

    case SSO_STEP_UNAUTHORIZED:
        if (ngx_http_sso_add_header(r, &ngx_http_sso_www_authenticate,
                                    step->www_authenticate, &h)
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        r->headers_out.www_authenticate = h;
        break;

    case SSO_STEP_ERROR:
    case SSO_STEP_PAGE:
        break;

    default:
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    r->headers_out.status = step->http_status;
    r->headers_out.content_length_n = step->body.len;

    r->headers_out.content_type.len = step->content_type.len;
    r->headers_out.content_type.data = ngx_pnalloc(r->pool, step->content_type.len);
    if (r->headers_out.content_type.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_memcpy(r->headers_out.content_type.data, step->content_type.data,
               step->content_type.len);

    /* the type without its parameters, as nginx sets it: gzip_types, addition_types,
     * sub_filter_types match on this */
    p = ngx_strlchr(r->headers_out.content_type.data,
                    r->headers_out.content_type.data + step->content_type.len, ';');
    r->headers_out.content_type_len = p ? (size_t) (p - r->headers_out.content_type.data)
                                        : step->content_type.len;

    rc = ngx_http_send_header(r);
    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    b = ngx_create_temp_buf(r->pool, step->body.len);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b->last = ngx_cpymem(b->last, step->body.data, step->body.len);
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


/*
 * An error page for a failure seen by the module itself (store down, core refused);
 * returns an rc for ngx_http_finalize_request().
 */
ngx_int_t
ngx_http_sso_send_failure(ngx_http_request_t *r, ngx_http_sso_ctx_t *ctx,
    sso_status status)
{
    ngx_str_t                  request_id;
    sso_str                    id;
    ngx_http_sso_main_conf_t  *smcf;

    smcf = ngx_http_get_module_main_conf(r, ngx_http_sso_module);
    request_id = ngx_http_sso_request_id(r, smcf);

    ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                  "sso: request failed: %s (%s), request_id: %V",
                  sso_status_name(status), sso_status_message(status), &request_id);

    id.data = (const char *) request_id.data;
    id.len = request_id.len;

    if (sso_error_page(ctx->txn, status, id, &ctx->step) != SSO_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_sso_send_step(r, &ctx->step);
}


/* Ends a request from the access phase: the checker must not touch it afterwards. */
static ngx_int_t
ngx_http_sso_finish(ngx_http_request_t *r, ngx_int_t rc)
{
    ngx_http_finalize_request(r, rc);
    return NGX_DONE;
}


static ngx_int_t
ngx_http_sso_add_header(ngx_http_request_t *r, ngx_str_t *key, sso_str value,
    ngx_table_elt_t **out)
{
    ngx_table_elt_t  *h;

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->value.data = ngx_pnalloc(r->pool, value.len);
    if (h->value.data == NULL) {
        h->hash = 0;
        return NGX_ERROR;
    }

    ngx_memcpy(h->value.data, value.data, value.len);
    h->value.len = value.len;
    h->key = *key;
    h->hash = 1;
    h->lowcase_key = NULL;
#if (nginx_version >= 1023000)
    h->next = NULL;
#endif

    if (out) {
        *out = h;
    }

    return NGX_OK;
}


static char *
ngx_http_sso_redis(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_sso_main_conf_t *smcf = conf;

    char       *rv;
    ngx_str_t  *value, s, path;
    ngx_url_t   u;
    ngx_int_t   db;
    ngx_uint_t  i;
    ngx_msec_t  ms;

    if (smcf->redis_configured) {
        return "is duplicate";
    }

    value = cf->args->elts;

    ngx_memzero(&u, sizeof(ngx_url_t));
    u.url = value[1];
    u.default_port = 6379;

    if (ngx_parse_url(cf->pool, &u) != NGX_OK) {
        if (u.err) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "%s in sso_redis \"%V\"", u.err,
                               &u.url);
        }

        return NGX_CONF_ERROR;
    }

    smcf->redis.addr = &u.addrs[0];
    smcf->redis_configured = 1;

    for (i = 2; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "db=", 3) == 0) {
            db = ngx_atoi(value[i].data + 3, value[i].len - 3);
            if (db == NGX_ERROR || db > 1024) {
                goto invalid;
            }

            smcf->redis.db = db;
            continue;
        }

        if (ngx_strncmp(value[i].data, "prefix=", 7) == 0) {
            smcf->redis_prefix.data = value[i].data + 7;
            smcf->redis_prefix.len = value[i].len - 7;
            continue;
        }

        if (ngx_strncmp(value[i].data, "connect_timeout=", 16) == 0
            || ngx_strncmp(value[i].data, "timeout=", 8) == 0)
        {
            s.data = (u_char *) ngx_strchr(value[i].data, '=') + 1;
            s.len = value[i].data + value[i].len - s.data;

            ms = ngx_parse_time(&s, 0);
            if (ms == (ngx_msec_t) NGX_ERROR || ms == 0) {
                goto invalid;
            }

            if (value[i].data[0] == 'c') {
                smcf->redis.connect_timeout = ms;

            } else {
                smcf->redis.timeout = ms;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "password_file=", 14) == 0) {
            path.data = value[i].data + 14;
            path.len = value[i].len - 14;

            rv = ngx_http_sso_read_secret_file(cf, "password_file", &path,
                                               &smcf->redis.password);
            if (rv != NGX_CONF_OK) {
                return rv;
            }

            continue;
        }

        goto invalid;
    }

    return NGX_CONF_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "invalid sso_redis parameter \"%V\"",
                       &value[i]);
    return NGX_CONF_ERROR;
}


static char *
ngx_http_sso_session(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_sso_main_conf_t *smcf = conf;

    ngx_str_t   *value, s;
    ngx_uint_t   i;
    ngx_msec_t   ms;

    if (smcf->session_configured) {
        return "is duplicate";
    }

    smcf->session_configured = 1;
    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "ttl=", 4) == 0
            || ngx_strncmp(value[i].data, "idle=", 5) == 0
            || ngx_strncmp(value[i].data, "cache=", 6) == 0)
        {
            s.data = (u_char *) ngx_strchr(value[i].data, '=') + 1;
            s.len = value[i].data + value[i].len - s.data;

            ms = ngx_parse_time(&s, 0);
            if (ms == (ngx_msec_t) NGX_ERROR) {
                goto invalid;
            }

            if (value[i].data[0] == 't') {
                smcf->ttl = ms;

            } else if (value[i].data[0] == 'i') {
                smcf->idle = ms;

            } else {
                smcf->cache = ms;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "cookie=", 7) == 0) {
            smcf->cookie_name.data = value[i].data + 7;
            smcf->cookie_name.len = value[i].len - 7;
            continue;
        }

        if (ngx_strcmp(value[i].data, "secure=on") == 0) {
            smcf->cookie_secure = 1;
            continue;
        }

        if (ngx_strcmp(value[i].data, "secure=off") == 0) {
            smcf->cookie_secure = 0;
            ngx_conf_log_error(NGX_LOG_WARN, cf, 0,
                               "sso_session secure=off: the session cookie is sent "
                               "over plain HTTP; use this for development only");
            continue;
        }

        goto invalid;
    }

    return NGX_CONF_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "invalid sso_session parameter \"%V\"",
                       &value[i]);
    return NGX_CONF_ERROR;
}


static void *
ngx_http_sso_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_sso_main_conf_t  *smcf;

    smcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_sso_main_conf_t));
    if (smcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     smcf->redis.addr = NULL;
     *     smcf->redis.password = { 0, NULL };
     *     smcf->redis.db = 0;
     *     smcf->redis_prefix = { 0, NULL };
     *     smcf->cookie_name = { 0, NULL };
     *     smcf->login_url = { 0, NULL };
     *     smcf->logout_redirect = { 0, NULL };
     *     smcf->engine = NULL;
     */

    smcf->redis.connect_timeout = NGX_CONF_UNSET_MSEC;
    smcf->redis.timeout = NGX_CONF_UNSET_MSEC;
    smcf->ttl = NGX_CONF_UNSET_MSEC;
    smcf->idle = NGX_CONF_UNSET_MSEC;
    smcf->cache = NGX_CONF_UNSET_MSEC;
    smcf->cookie_secure = NGX_CONF_UNSET;
    smcf->backchannel_timeout = NGX_CONF_UNSET_MSEC;
    smcf->hook_timeout = NGX_CONF_UNSET_MSEC;
    smcf->request_id_index = NGX_ERROR;

    return smcf;
}


static char *
ngx_http_sso_init_main_conf(ngx_conf_t *cf, void *conf)
{
    ngx_http_sso_main_conf_t *smcf = conf;

    ngx_conf_init_msec_value(smcf->redis.connect_timeout, 1000);
    ngx_conf_init_msec_value(smcf->redis.timeout, 1000);
    ngx_conf_init_msec_value(smcf->ttl, 8 * 60 * 60 * 1000);
    ngx_conf_init_msec_value(smcf->idle, 30 * 60 * 1000);
    ngx_conf_init_value(smcf->cookie_secure, 1);
    ngx_conf_init_msec_value(smcf->backchannel_timeout, 10000);
    ngx_conf_init_msec_value(smcf->hook_timeout, 5000);

    if (smcf->backchannel_trusted_certificate.data == NULL) {
        ngx_str_set(&smcf->backchannel_trusted_certificate,
                    "/etc/ssl/certs/ca-certificates.crt");
    }

    if (smcf->redis_prefix.data == NULL) {
        ngx_str_set(&smcf->redis_prefix, "sso:");
    }

    if (smcf->cookie_name.data == NULL) {
        if (smcf->cookie_secure) {
            ngx_str_set(&smcf->cookie_name, "__Host-sso");

        } else {
            ngx_str_set(&smcf->cookie_name, "sso");
        }
    }

    if (smcf->login_url.data == NULL) {
        ngx_str_set(&smcf->login_url, "/sso/login");
    }

    if (smcf->idle > smcf->ttl) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "sso_session: idle= must not be longer than ttl=");
        return NGX_CONF_ERROR;
    }

    /* default: 2s, and never more than half of idle */
    if (smcf->cache == NGX_CONF_UNSET_MSEC) {
        smcf->cache = 2000;

        if (smcf->idle && smcf->cache > smcf->idle / 2) {
            smcf->cache = smcf->idle / 2;
        }
    }

    return NGX_CONF_OK;
}


static void *
ngx_http_sso_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_sso_loc_conf_t  *slcf;

    slcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_sso_loc_conf_t));
    if (slcf == NULL) {
        return NULL;
    }

    slcf->enable = NGX_CONF_UNSET;
    slcf->endpoints = NGX_CONF_UNSET;
    slcf->strip_headers = NGX_CONF_UNSET_PTR;

    return slcf;
}


static char *
ngx_http_sso_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_sso_loc_conf_t *prev = parent;
    ngx_http_sso_loc_conf_t *conf = child;

    ngx_http_sso_main_conf_t  *smcf;

    ngx_conf_merge_value(conf->enable, prev->enable, 0);
    ngx_conf_merge_value(conf->endpoints, prev->endpoints, 0);
    ngx_conf_merge_ptr_value(conf->strip_headers, prev->strip_headers, NULL);

    if (conf->enable) {
        smcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_sso_module);

        if (!smcf->redis_configured) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"sso on\" needs \"sso_redis\" in the http block");
            return NGX_CONF_ERROR;
        }
    }

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_sso_init(ngx_conf_t *cf)
{
    sso_status                  rc;
    ngx_str_t                   request_id = ngx_string("request_id");
    sso_engine_config           config;
    sso_provisioning_config     provisioning;
    ngx_pool_cleanup_t         *cln;
    ngx_http_handler_pt        *h;
    ngx_http_core_main_conf_t  *cmcf;
    ngx_http_sso_main_conf_t   *smcf;

    if (ngx_http_sso_add_variables(cf) != NGX_OK) {
        return NGX_ERROR;
    }

    smcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_sso_module);

    smcf->request_id_index = ngx_http_get_variable_index(cf, &request_id);

    ngx_memzero(&config, sizeof(sso_engine_config));
    config.key_prefix.data = (const char *) smcf->redis_prefix.data;
    config.key_prefix.len = smcf->redis_prefix.len;
    config.cookie_name.data = (const char *) smcf->cookie_name.data;
    config.cookie_name.len = smcf->cookie_name.len;
    config.cookie_secure = smcf->cookie_secure ? 1 : 0;
    config.ttl_ms = smcf->ttl;
    config.idle_ms = smcf->idle;
    config.login_url.data = (const char *) smcf->login_url.data;
    config.login_url.len = smcf->login_url.len;
    config.cache_ms = smcf->cache;
    config.logout_redirect.data = (const char *) smcf->logout_redirect.data;
    config.logout_redirect.len = smcf->logout_redirect.len;

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NGX_ERROR;
    }

    rc = sso_engine_create(&config, &smcf->engine);
    if (rc != SSO_OK) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "sso: invalid configuration: %s",
                           sso_status_message(rc));
        return NGX_ERROR;
    }

    cln->handler = ngx_http_sso_engine_cleanup;
    cln->data = smcf->engine;

    if (ngx_http_sso_check_login_location(cf, smcf) != NGX_OK) {
        return NGX_ERROR;
    }

    if (ngx_http_sso_add_providers(cf, smcf) != NGX_OK) {
        return NGX_ERROR;
    }

    if (smcf->hook_url.len) {
        ngx_memzero(&provisioning, sizeof(sso_provisioning_config));
        provisioning.hook_url.data = (const char *) smcf->hook_url.data;
        provisioning.hook_url.len = smcf->hook_url.len;
        provisioning.hook_secret.data = (const char *) smcf->hook_secret.data;
        provisioning.hook_secret.len = smcf->hook_secret.len;
        provisioning.hook_timeout_ms = smcf->hook_timeout;
        provisioning.hook_lease_ms = smcf->hook_lease;

        rc = sso_engine_set_provisioning(smcf->engine, &provisioning);
        if (rc != SSO_OK) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "sso_provision_hook: %s (%s)",
                               sso_status_message(rc), sso_status_name(rc));
            return NGX_ERROR;
        }

        /* an https hook needs the back-channel's TLS context */
        if (smcf->backchannel_ssl == NULL
            && ngx_strncmp(smcf->hook_url.data, "https://", 8) == 0
            && ngx_http_sso_backchannel_init(cf, smcf) != NGX_CONF_OK)
        {
            return NGX_ERROR;
        }
    }

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_ACCESS_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_sso_access_handler;

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_REWRITE_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_sso_rewrite_handler;

    return NGX_OK;
}


static void
ngx_http_sso_engine_cleanup(void *data)
{
    sso_engine_destroy(data);
}


static ngx_int_t
ngx_http_sso_init_process(ngx_cycle_t *cycle)
{
    ngx_http_sso_main_conf_t  *smcf;

    smcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_sso_module);

    if (smcf == NULL || !smcf->redis_configured) {
        return NGX_OK;
    }

    smcf->store = ngx_http_sso_redis_create(&smcf->redis, cycle->log);
    if (smcf->store == NULL) {
        return NGX_ERROR;
    }

    /* connect now so a Redis that is down shows in the log at start, not at first use */
    ngx_http_sso_redis_connect(smcf->store);

    return ngx_http_sso_cache_init_process(smcf, cycle);
}


static void
ngx_http_sso_exit_process(ngx_cycle_t *cycle)
{
    ngx_http_sso_main_conf_t  *smcf;

    smcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_sso_module);

    if (smcf == NULL) {
        return;
    }

    ngx_http_sso_cache_exit_process(smcf);

    if (smcf->store) {
        ngx_http_sso_redis_destroy(smcf->store);
        smcf->store = NULL;
    }
}
