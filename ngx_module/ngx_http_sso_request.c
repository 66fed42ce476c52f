
/*
 * nginx-jit-sso: a request's state (the module's ctx), the Redis commands of its STORE
 * steps, and the request facts the core is given (session cookie, request id, time).
 */

#include "ngx_http_sso_module.h"


static void ngx_http_sso_cleanup(void *data);


typedef struct {
    ngx_http_sso_ctx_t  *ctx;
    ngx_uint_t           index;
} ngx_http_sso_cmd_ref_t;


/*
 * A Redis reply as the core reads it. Its string is a view into `reply`, which the Redis
 * client frees after the handler returns.
 */
void
ngx_http_sso_store_reply(redisReply *reply, sso_status failure, sso_store_reply *out)
{
    ngx_memzero(out, sizeof(sso_store_reply));
    out->str.data = "";

    if (reply == NULL) {
        out->type = SSO_REPLY_FAILED;
        out->failure = failure;
        return;
    }

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
        return;
    case REDIS_REPLY_NIL:
        out->type = SSO_REPLY_NIL;
        return;
    default:
        out->type = SSO_REPLY_OTHER;
        return;
    }

    out->str.data = reply->str;
    out->str.len = reply->len;
}


static void
ngx_http_sso_command_reply(void *data, redisReply *reply, sso_status failure)
{
    ngx_http_sso_cmd_ref_t *ref = data;

    u_char               *copy;
    sso_store_reply      *out;
    ngx_connection_t     *c;
    ngx_http_request_t   *r;
    ngx_http_sso_ctx_t   *ctx;

    ctx = ref->ctx;
    r = ctx->request;
    c = r->connection;
    out = &ctx->replies[ref->index];

    ctx->pending[ref->index] = NULL;
    ngx_http_sso_store_reply(reply, failure, out);

    if (out->str.len) {
        /* the reply is freed after this handler: keep a copy */
        copy = ngx_pnalloc(r->pool, out->str.len);
        if (copy == NULL) {
            ngx_memzero(out, sizeof(sso_store_reply));
            out->str.data = "";
            out->type = SSO_REPLY_FAILED;
            out->failure = SSO_ERR_OUT_OF_MEMORY;

        } else {
            ngx_memcpy(copy, out->str.data, out->str.len);
            out->str.data = (const char *) copy;
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

    sso_txn_set_data(ctx->txn, ctx);

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

    /* the engine (the configuration's) outlives every request of this worker */
    sso_txn_recycle(ctx->txn);
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
