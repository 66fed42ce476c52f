
/*
 * nginx-jit-sso: the session gate. The rewrite phase strips forged identity headers; the
 * access phase asks the core whether the request's session lets it through.
 */

#include "ngx_http_sso_module.h"


static ngx_int_t ngx_http_sso_apply_step(ngx_http_request_t *r,
    ngx_http_sso_ctx_t *ctx);
static ngx_int_t ngx_http_sso_session_read(ngx_http_request_t *r,
    ngx_http_sso_ctx_t *ctx);
static void ngx_http_sso_session_read_reply(void *data, redisReply *reply,
    sso_status failure);
static void ngx_http_sso_session_read_end(ngx_http_sso_main_conf_t *smcf,
    uint64_t read_id, sso_store_reply *reply, ngx_http_sso_ctx_t *current);
static ngx_int_t ngx_http_sso_finish(ngx_http_request_t *r, ngx_int_t rc);


/*
 * The headers that tell an API client from a browser, in one pass over the request's
 * headers (the first of each name, any case). r->headers_in.accept exists only in builds
 * with NGX_HTTP_HEADERS.
 */
static void
ngx_http_sso_client_kind_headers(ngx_http_request_t *r, sso_gate_request *gate)
{
    sso_str          *field;
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    for (part = &r->headers_in.headers.part; part; part = part->next) {
        h = part->elts;

        for (i = 0; i < part->nelts; i++) {

            switch (h[i].key.len) {

            case sizeof("Accept") - 1:
                field = ngx_strncasecmp(h[i].key.data, (u_char *) "Accept",
                                        h[i].key.len) == 0
                        ? &gate->accept : NULL;
                break;

            case sizeof("Sec-Fetch-Mode") - 1:
                field = ngx_strncasecmp(h[i].key.data,
                                        (u_char *) "Sec-Fetch-Mode",
                                        h[i].key.len) == 0
                        ? &gate->sec_fetch_mode : NULL;
                break;

            case sizeof("X-Requested-With") - 1:
                field = ngx_strncasecmp(h[i].key.data,
                                        (u_char *) "X-Requested-With",
                                        h[i].key.len) == 0
                        ? &gate->x_requested_with : NULL;
                break;

            default:
                field = NULL;
            }

            if (field && field->data == NULL) {
                *field = ngx_http_sso_view(&h[i].value);
            }
        }
    }
}


/*
 * Forged identity headers go in the rewrite phase, so that `set` and `if` of the location
 * already see the cleaned list. Our handler runs before the rewrite module's: handlers of
 * a phase run in reverse order of registration, and this module registers later.
 */
ngx_int_t
ngx_http_sso_rewrite_handler(ngx_http_request_t *r)
{
    ngx_http_sso_srv_conf_t  *sscf;
    ngx_http_sso_loc_conf_t  *slcf;

    if (r != r->main) {
        return NGX_DECLINED;
    }

    slcf = ngx_http_get_module_loc_conf(r, ngx_http_sso_module);

    if (!slcf->enable) {
        /* "sso off" or nothing, in a server that uses sso: strip all the same */
        sscf = ngx_http_get_module_srv_conf(r, ngx_http_sso_module);

        if (!sscf->uses_sso) {
            return NGX_DECLINED;
        }
    }

    if (ngx_http_sso_strip_identity_headers(r, slcf->strip_headers) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return NGX_DECLINED;
}


ngx_int_t
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
    if (!slcf->enable || slcf->endpoints || slcf->metrics) {
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

    if (smcf->subscriber) {
        ngx_http_sso_redis_read_ready(smcf->subscriber);
    }

    cookie = ngx_http_sso_session_cookie(r, smcf);

    ngx_memzero(&gate, sizeof(sso_gate_request));
    gate.method = ngx_http_sso_view(&r->method_name);
    gate.uri = ngx_http_sso_view(&r->unparsed_uri);

    ngx_http_sso_client_kind_headers(r, &gate);

    gate.session_cookie = ngx_http_sso_view(&cookie);
    gate.now_ms = ngx_http_sso_now_ms();
    gate.rules = slcf->require;

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

    ngx_http_sso_metrics_gate(step);

    if (step->cache != SSO_CACHE_HIT) {
        /* a lookup that missed may have let an expired entry go */
        ngx_http_sso_metrics_evictions(smcf->engine);
    }

    if (step->cleanup.argc) {
        (void) ngx_http_sso_redis_send(smcf->store, &step->cleanup, NULL, NULL);
    }

    switch (step->kind) {

    case SSO_STEP_SESSION_READ:
        return ngx_http_sso_session_read(r, ctx);

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

    /* an API client's 401 carries the id too, so that its log and ours meet */
    if (step->kind == SSO_STEP_UNAUTHORIZED
        && sso_unauthorized_body(ctx->txn, ngx_http_sso_view(&request_id), step)
           != SSO_OK)
    {
        return ngx_http_sso_finish(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
    }

    return ngx_http_sso_finish(r, ngx_http_sso_send_step(r, step));
}


/*
 * The request waits for the worker's read of its session. The first request to need it
 * sends the read; the reply belongs to the worker (its data is the read's id, not this
 * request), so a client that leaves meanwhile strands nobody.
 */
static ngx_int_t
ngx_http_sso_session_read(ngx_http_request_t *r, ngx_http_sso_ctx_t *ctx)
{
    sso_store_reply            failed;
    ngx_http_sso_redis_cmd_t  *cmd;
    ngx_http_sso_main_conf_t  *smcf;

    smcf = ngx_http_get_module_main_conf(r, ngx_http_sso_module);

    ctx->waiting = 1;

    if (ctx->step.commands_count == 0) {
        return NGX_AGAIN;
    }

    cmd = NULL;

    if (smcf->store) {
        cmd = ngx_http_sso_redis_send(smcf->store, &ctx->step.commands[0],
                                      ngx_http_sso_session_read_reply,
                                      (void *) (uintptr_t) ctx->step.read_id);
    }

    if (cmd == NULL) {
        /* nothing sent: every request waiting on the read (this one) gets the failure */
        ngx_http_sso_store_reply(NULL, SSO_STORE_UNAVAILABLE, &failed);
        ngx_http_sso_session_read_end(smcf, ctx->step.read_id, &failed, ctx);
        return ngx_http_sso_apply_step(r, ctx);
    }

    return NGX_AGAIN;
}


static void
ngx_http_sso_session_read_reply(void *data, redisReply *reply, sso_status failure)
{
    sso_store_reply            out;
    ngx_http_sso_main_conf_t  *smcf;

    /* a worker has one cycle; its engine outlives the Redis client (exit_process) */
    smcf = ngx_http_cycle_get_module_main_conf(ngx_cycle, ngx_http_sso_module);

    ngx_http_sso_store_reply(reply, failure, &out);
    ngx_http_sso_session_read_end(smcf, (uint64_t) (uintptr_t) data, &out, NULL);
}


/*
 * Hands the read's outcome to every request that waited on it. `current`: a request whose
 * access handler is running now, which applies its step itself.
 */
static void
ngx_http_sso_session_read_end(ngx_http_sso_main_conf_t *smcf, uint64_t read_id,
    sso_store_reply *reply, ngx_http_sso_ctx_t *current)
{
    sso_txn              *txn;
    sso_status            rc;
    ngx_connection_t     *c;
    ngx_http_request_t   *r;
    ngx_http_sso_ctx_t   *ctx;

    sso_engine_session_read_done(smcf->engine, read_id, reply, ngx_http_sso_now_ms());
    ngx_http_sso_metrics_evictions(smcf->engine);

    while ((txn = sso_engine_session_read_waiter(smcf->engine, read_id)) != NULL) {
        ctx = sso_txn_data(txn);
        r = ctx->request;
        c = r->connection;

        ctx->waiting = 0;
        rc = sso_gate_resume_read(txn, &ctx->step);

        if (rc != SSO_OK) {
            ngx_log_error(NGX_LOG_ALERT, c->log, 0,
                          "sso: gate resume failed: %s", sso_status_name(rc));
            ctx->step.kind = SSO_STEP_ERROR;
            ctx->step.reason = SSO_ERR_INTERNAL;
        }

        if (ctx == current) {
            continue;
        }

        /* back into the access phase, which now applies ctx->step */
        ngx_http_core_run_phases(r);
        ngx_http_run_posted_requests(c);
    }
}


/* Ends a request from the access phase: the checker must not touch it afterwards. */
static ngx_int_t
ngx_http_sso_finish(ngx_http_request_t *r, ngx_int_t rc)
{
    ngx_http_finalize_request(r, rc);
    return NGX_DONE;
}
