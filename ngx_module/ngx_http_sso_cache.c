
/*
 * The session cache's link to Redis pub/sub, one subscriber connection per worker.
 *
 * The core caches validated sessions for a short time (sso_session cache=) so that most
 * requests skip the Redis round trip. That is only correct while this worker hears every
 * revocation: the cache is enabled when SUBSCRIBE is confirmed, and disabled (flushed) the
 * moment the connection is lost or a PING goes unanswered. A tick every second resubscribes
 * or pings.
 */

#include "ngx_http_sso_module.h"


#define NGX_HTTP_SSO_SUB_NONE       0
#define NGX_HTTP_SSO_SUB_ASKED      1
#define NGX_HTTP_SSO_SUB_CONFIRMED  2

#define NGX_HTTP_SSO_SUB_TICK       1000


static void ngx_http_sso_cache_tick(ngx_event_t *ev);
static void ngx_http_sso_subscribe(ngx_http_sso_main_conf_t *smcf);
static void ngx_http_sso_subscribe_reply(void *data, redisReply *reply,
    sso_status failure);
static void ngx_http_sso_revocation(void *data, redisReply *message);
static void ngx_http_sso_subscriber_closed(void *data);


ngx_int_t
ngx_http_sso_cache_init_process(ngx_http_sso_main_conf_t *smcf, ngx_cycle_t *cycle)
{
    if (smcf->cache == 0) {
        return NGX_OK;
    }

    smcf->subscriber = ngx_http_sso_redis_create(&smcf->redis, cycle->log);
    if (smcf->subscriber == NULL) {
        return NGX_ERROR;
    }

    ngx_http_sso_redis_set_subscriber(smcf->subscriber, ngx_http_sso_revocation,
                                      ngx_http_sso_subscriber_closed, smcf);

    smcf->subscriber_tick.handler = ngx_http_sso_cache_tick;
    smcf->subscriber_tick.data = smcf;
    smcf->subscriber_tick.log = cycle->log;
    smcf->subscriber_tick.cancelable = 1;

    ngx_http_sso_subscribe(smcf);
    ngx_add_timer(&smcf->subscriber_tick, NGX_HTTP_SSO_SUB_TICK);

    return NGX_OK;
}


void
ngx_http_sso_cache_exit_process(ngx_http_sso_main_conf_t *smcf)
{
    if (smcf->subscriber_tick.timer_set) {
        ngx_del_timer(&smcf->subscriber_tick);
    }

    if (smcf->subscriber) {
        ngx_http_sso_redis_destroy(smcf->subscriber);
        smcf->subscriber = NULL;
    }
}


static void
ngx_http_sso_cache_tick(ngx_event_t *ev)
{
    ngx_http_sso_main_conf_t  *smcf = ev->data;

    static sso_str  ping_args[] = { { "PING", 4 } };
    sso_command     ping = { 1, ping_args };

    if (ngx_exiting || ngx_terminate || ngx_quit) {
        return;
    }

    if (smcf->subscribed == NGX_HTTP_SSO_SUB_NONE) {
        ngx_http_sso_subscribe(smcf);

    } else if (smcf->subscribed == NGX_HTTP_SSO_SUB_CONFIRMED) {
        /* an unanswered PING times out and closes the connection: cache off */
        (void) ngx_http_sso_redis_send(smcf->subscriber, &ping, NULL, NULL);
    }

    ngx_add_timer(ev, NGX_HTTP_SSO_SUB_TICK);
}


static void
ngx_http_sso_subscribe(ngx_http_sso_main_conf_t *smcf)
{
    sso_str      args[2];
    sso_command  subscribe;

    args[0].data = "SUBSCRIBE";
    args[0].len = sizeof("SUBSCRIBE") - 1;
    args[1] = sso_revocation_channel(smcf->engine);
    subscribe.argc = 2;
    subscribe.argv = args;

    if (ngx_http_sso_redis_send(smcf->subscriber, &subscribe,
                                ngx_http_sso_subscribe_reply, smcf)
        != NULL)
    {
        smcf->subscribed = NGX_HTTP_SSO_SUB_ASKED;
    }
}


static void
ngx_http_sso_subscribe_reply(void *data, redisReply *reply, sso_status failure)
{
    ngx_http_sso_main_conf_t  *smcf = data;

    if (reply == NULL) {
        /* the connection was lost; closed() already reset the state */
        return;
    }

    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 3
        || reply->element[0]->type != REDIS_REPLY_STRING
        || ngx_strncmp(reply->element[0]->str, "subscribe", 9) != 0)
    {
        ngx_log_error(NGX_LOG_ERR, smcf->subscriber_tick.log, 0,
                      "sso: redis refused SUBSCRIBE; session cache stays off");
        ngx_http_sso_redis_close(smcf->subscriber, NULL);
        return;
    }

    smcf->subscribed = NGX_HTTP_SSO_SUB_CONFIRMED;
    sso_engine_cache_set_enabled(smcf->engine, 1);

    ngx_log_error(NGX_LOG_INFO, smcf->subscriber_tick.log, 0,
                  "sso: session cache on (%M ms), listening for revocations",
                  smcf->cache);
}


static void
ngx_http_sso_revocation(void *data, redisReply *message)
{
    ngx_http_sso_main_conf_t  *smcf = data;

    sso_str      payload;
    redisReply  *body;

    body = message->element[2];

    if (body->type != REDIS_REPLY_STRING) {
        return;
    }

    payload.data = body->str;
    payload.len = body->len;

    sso_engine_on_revocation(smcf->engine, payload);
    ngx_http_sso_metrics_evictions(smcf->engine);
}


static void
ngx_http_sso_subscriber_closed(void *data)
{
    ngx_http_sso_main_conf_t  *smcf = data;

    /* revocations may be missed from now on: nothing cached may be trusted */
    sso_engine_cache_set_enabled(smcf->engine, 0);
    ngx_http_sso_metrics_evictions(smcf->engine);

    if (smcf->subscribed == NGX_HTTP_SSO_SUB_CONFIRMED) {
        ngx_log_error(NGX_LOG_WARN, smcf->subscriber_tick.log, 0,
                      "sso: session cache off until revocations can be heard again");
    }

    smcf->subscribed = NGX_HTTP_SSO_SUB_NONE;
}
