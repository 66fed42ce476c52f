
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


typedef struct {
    ngx_http_sso_redis_conf_t    redis;
    ngx_str_t                    redis_prefix;
    ngx_flag_t                   redis_configured;

    ngx_msec_t                   ttl;
    ngx_msec_t                   idle;
    ngx_msec_t                   cache;
    ngx_str_t                    cookie_name;
    ngx_flag_t                   cookie_secure;
    ngx_flag_t                   session_configured;
    ngx_str_t                    login_url;

    sso_engine                  *engine;
    ngx_http_sso_redis_t        *store;      /* per worker, from init_process */
    ngx_int_t                    request_id_index;

    /* per worker: revocations heard on pub/sub keep the session cache correct */
    ngx_http_sso_redis_t        *subscriber;
    ngx_event_t                  subscriber_tick;
    ngx_uint_t                   subscribed;    /* 0 no, 1 asked, 2 confirmed */
} ngx_http_sso_main_conf_t;


typedef struct {
    ngx_flag_t                   enable;
    ngx_array_t                 *strip_headers;  /* of ngx_str_t, normalized */
} ngx_http_sso_loc_conf_t;


typedef struct {
    ngx_http_request_t          *request;
    sso_txn                     *txn;
    ngx_http_sso_redis_cmd_t    *pending;
    sso_step                     step;
    unsigned                     waiting:1;
    unsigned                     allowed:1;
} ngx_http_sso_ctx_t;


extern ngx_module_t  ngx_http_sso_module;


ngx_int_t ngx_http_sso_add_variables(ngx_conf_t *cf);

ngx_int_t ngx_http_sso_strip_identity_headers(ngx_http_request_t *r,
    ngx_array_t *extra);
char *ngx_http_sso_strip_header(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);

char *ngx_http_sso_endpoints(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);

ngx_int_t ngx_http_sso_cache_init_process(ngx_http_sso_main_conf_t *smcf,
    ngx_cycle_t *cycle);
void ngx_http_sso_cache_exit_process(ngx_http_sso_main_conf_t *smcf);

/* shared request helpers (ngx_http_sso_module.c) */
ngx_http_sso_ctx_t *ngx_http_sso_create_ctx(ngx_http_request_t *r);
ngx_str_t ngx_http_sso_session_cookie(ngx_http_request_t *r,
    ngx_http_sso_main_conf_t *smcf);
ngx_str_t ngx_http_sso_request_id(ngx_http_request_t *r,
    ngx_http_sso_main_conf_t *smcf);
int64_t ngx_http_sso_now_ms(void);
ngx_int_t ngx_http_sso_send_step(ngx_http_request_t *r, sso_step *step);
ngx_int_t ngx_http_sso_send_failure(ngx_http_request_t *r, ngx_http_sso_ctx_t *ctx,
    sso_status status);
void ngx_http_sso_reply_from_redis(redisReply *reply, sso_status failure,
    sso_store_reply *out);


#endif /* _NGX_HTTP_SSO_MODULE_H_INCLUDED_ */
