
/*
 * The Redis connection's bytes (see ngx_http_sso_redis.c): commands formatted into one
 * output buffer and sent in one go per event loop iteration, and replies parsed as they
 * arrive and handed to the oldest pending command, or to the subscriber for a pub/sub push.
 */

#include "ngx_http_sso_redis_connection.h"
#include "ngx_http_sso_metrics.h"


static ngx_int_t ngx_http_sso_redis_process_replies(
    ngx_http_sso_redis_t *redis);
static ngx_uint_t ngx_http_sso_redis_is_message(redisReply *reply);
static size_t ngx_http_sso_redis_not_primary(redisReply *reply);


ngx_int_t
ngx_http_sso_redis_append(ngx_http_sso_redis_t *redis, ngx_uint_t argc,
    const char **argv, const size_t *lens)
{
    size_t      size;
    u_char     *out, *p;
    ngx_uint_t  i;

    /* RESP: "*<argc>\r\n" then "$<len>\r\n<bytes>\r\n" per argument */
    size = sizeof("*\r\n") - 1 + NGX_INT_T_LEN;

    for (i = 0; i < argc; i++) {
        size += sizeof("$\r\n\r\n") - 1 + NGX_SIZE_T_LEN + lens[i];
    }

    if (redis->out_len + size > redis->out_size) {
        size = ngx_max(redis->out_size * 2, redis->out_len - redis->out_sent + size);
        size = ngx_max(size, 4096);

        out = ngx_alloc(size, redis->log);
        if (out == NULL) {
            return NGX_ERROR;
        }

        if (redis->out) {
            ngx_memcpy(out, redis->out + redis->out_sent,
                       redis->out_len - redis->out_sent);
            ngx_free(redis->out);
        }

        redis->out = out;
        redis->out_len -= redis->out_sent;
        redis->out_sent = 0;
        redis->out_size = size;
    }

    p = ngx_sprintf(redis->out + redis->out_len, "*%ui\r\n", argc);

    for (i = 0; i < argc; i++) {
        p = ngx_sprintf(p, "$%uz\r\n", lens[i]);
        p = ngx_cpymem(p, argv[i], lens[i]);
        *p++ = CR;
        *p++ = LF;
    }

    redis->out_len = p - redis->out;

    return NGX_OK;
}


void
ngx_http_sso_redis_schedule_write(ngx_http_sso_redis_t *redis)
{
    ngx_connection_t  *c = redis->peer.connection;

    /* batch the commands of one event loop iteration into one send() */
    if (!c->write->posted) {
        ngx_post_event(c->write, &ngx_posted_events);
    }
}


void
ngx_http_sso_redis_write_handler(ngx_event_t *wev)
{
    ssize_t                n;
    ngx_connection_t      *c = wev->data;
    ngx_http_sso_redis_t  *redis = c->data;

    if (redis->state == NGX_HTTP_SSO_REDIS_CONNECTING
        && ngx_http_sso_redis_connected(redis) != NGX_OK)
    {
        return;
    }

    while (redis->out_sent < redis->out_len) {
        n = c->send(c, redis->out + redis->out_sent, redis->out_len - redis->out_sent);

        if (n == NGX_AGAIN) {
            if (ngx_handle_write_event(wev, 0) != NGX_OK) {
                ngx_http_sso_redis_fail(redis, SSO_STORE_UNAVAILABLE, "write event", 0);
            }
            return;
        }

        if (n == NGX_ERROR) {
            ngx_http_sso_redis_fail(redis, SSO_STORE_UNAVAILABLE, "send failed", 0);
            return;
        }

        redis->out_sent += n;
    }

    redis->out_sent = 0;
    redis->out_len = 0;
}


void
ngx_http_sso_redis_read_handler(ngx_event_t *rev)
{
    ssize_t                n;
    ngx_connection_t      *c = rev->data;
    ngx_http_sso_redis_t  *redis = c->data;
    u_char                 buf[16384];

    if (redis->state == NGX_HTTP_SSO_REDIS_CONNECTING) {
        if (ngx_http_sso_redis_connected(redis) != NGX_OK) {
            return;
        }

        ngx_http_sso_redis_schedule_write(redis);
    }

    for ( ;; ) {
        n = c->recv(c, buf, sizeof(buf));

        if (n == NGX_AGAIN) {
            break;
        }

        if (n == 0 || n == NGX_ERROR) {
            ngx_http_sso_redis_fail(redis, SSO_STORE_UNAVAILABLE,
                                    n == 0 ? "connection closed by redis"
                                           : "recv failed", 0);
            return;
        }

        if (redisReaderFeed(redis->reader, (const char *) buf, n) != REDIS_OK) {
            ngx_http_sso_redis_fail(redis, SSO_STORE_UNAVAILABLE, "out of memory", 0);
            return;
        }

        if (ngx_http_sso_redis_process_replies(redis) != NGX_OK) {
            return;
        }

        if (!rev->ready) {
            break;
        }
    }

    if (ngx_handle_read_event(rev, 0) != NGX_OK) {
        ngx_http_sso_redis_fail(redis, SSO_STORE_UNAVAILABLE, "read event", 0);
    }
}


/*
 * Hands every complete reply to its command. NGX_OK: no complete reply is left;
 * NGX_DONE: the connection is gone (failed here, or closed by a handler).
 */
static ngx_int_t
ngx_http_sso_redis_process_replies(ngx_http_sso_redis_t *redis)
{
    void                      *reply;
    size_t                     role;
    ngx_uint_t                 generation;
    ngx_queue_t               *q;
    ngx_http_sso_redis_cmd_t  *cmd;

    generation = redis->generation;

    for ( ;; ) {
        reply = NULL;

        if (redisReaderGetReply(redis->reader, &reply) != REDIS_OK) {
            ngx_http_sso_redis_fail(redis, SSO_STORE_UNAVAILABLE,
                                    "protocol error", 0);
            return NGX_DONE;
        }

        if (reply == NULL) {
            return NGX_OK;
        }

        if (redis->push && ngx_http_sso_redis_is_message(reply)) {
            redis->push(redis->subscriber_data, reply);
            freeReplyObject(reply);
            continue;
        }

        if (ngx_queue_empty(&redis->pending)) {
            freeReplyObject(reply);
            ngx_http_sso_redis_fail(redis, SSO_STORE_UNAVAILABLE,
                                    "reply without a command", 0);
            return NGX_DONE;
        }

        q = ngx_queue_head(&redis->pending);
        ngx_queue_remove(q);
        cmd = ngx_queue_data(q, ngx_http_sso_redis_cmd_t, queue);

        ngx_http_sso_redis_arm_timer(redis);

        if (!cmd->setup) {
            ngx_http_sso_metrics_latency(NGX_HTTP_SSO_LATENCY_REDIS,
                ngx_current_msec - (cmd->deadline - redis->conf->timeout));
        }

        role = ngx_http_sso_redis_not_primary(reply);

        /* a setup command's handler would blame the credentials */
        if (cmd->handler && !(role && cmd->setup)) {
            cmd->handler(cmd->data, reply, SSO_OK);
        }

        if (role && redis->generation == generation) {
            /* after a failover: the next command reconnects, resolving again */
            if (ngx_http_sso_redis_may_log(redis)) {
                ngx_log_error(NGX_LOG_ERR, redis->log, 0,
                              "sso: redis %V answered %*s: not the primary, "
                              "reconnecting", redis->peer.name, role,
                              ((redisReply *) reply)->str);
            }

            freeReplyObject(reply);
            ngx_free(cmd);
            ngx_http_sso_redis_fail(redis, SSO_STORE_UNAVAILABLE, NULL, 0);
            return NGX_DONE;
        }

        freeReplyObject(reply);
        ngx_free(cmd);

        /* a handler may have closed this connection (failed AUTH) */
        if (redis->generation != generation) {
            return NGX_DONE;
        }

        if (redis->retire && ngx_queue_empty(&redis->pending)) {
            /* the name points elsewhere now (redis_resolve.c) */
            ngx_http_sso_redis_fail(redis, SSO_STORE_UNAVAILABLE, NULL, 0);
            return NGX_DONE;
        }
    }
}


/* A pub/sub push: ["message", channel, payload] (not the answer to a command). */
static ngx_uint_t
ngx_http_sso_redis_is_message(redisReply *reply)
{
    return reply->type == REDIS_REPLY_ARRAY
           && reply->elements == 3
           && reply->element[0]->type == REDIS_REPLY_STRING
           && reply->element[0]->len == sizeof("message") - 1
           && ngx_strncmp(reply->element[0]->str, "message", reply->element[0]->len) == 0;
}


/*
 * An error reply saying this server is not (or no longer, or not yet) the
 * primary: the length of its first word, or 0.
 */
static size_t
ngx_http_sso_redis_not_primary(redisReply *reply)
{
    size_t       len;
    ngx_uint_t   i;
    ngx_str_t   *word;

    static ngx_str_t  words[] = {
        ngx_string("READONLY"),
        ngx_string("MASTERDOWN"),
        ngx_string("LOADING"),
    };

    if (reply->type != REDIS_REPLY_ERROR) {
        return 0;
    }

    for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        word = &words[i];
        len = word->len;

        if (reply->len >= len
            && ngx_strncmp(reply->str, word->data, len) == 0
            && (reply->len == len || reply->str[len] == ' '))
        {
            return len;
        }
    }

    return 0;
}
