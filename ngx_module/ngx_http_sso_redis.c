
/*
 * Per-worker Redis connection on nginx's event loop. See ngx_http_sso_redis.h.
 *
 * Commands are pipelined on one connection and answered in order, so a single FIFO of
 * pending commands matches replies to callers. Every command has a deadline; when the
 * oldest one passes, the stream can no longer be trusted, so the connection is closed and
 * every pending command fails with SSO_STORE_TIMEOUT. The next command reconnects.
 */

#include "ngx_http_sso_redis.h"


#define NGX_HTTP_SSO_REDIS_CLOSED      0
#define NGX_HTTP_SSO_REDIS_CONNECTING  1
#define NGX_HTTP_SSO_REDIS_READY       2

#define NGX_HTTP_SSO_REDIS_MAX_ARGS    64


struct ngx_http_sso_redis_cmd_s {
    ngx_queue_t                      queue;
    ngx_http_sso_redis_handler_pt    handler;
    void                            *data;
    ngx_msec_t                       deadline;
    unsigned                         setup:1;    /* AUTH / SELECT of the connection */
};


struct ngx_http_sso_redis_s {
    ngx_http_sso_redis_conf_t       *conf;
    ngx_log_t                       *log;
    ngx_peer_connection_t            peer;
    ngx_uint_t                       state;
    redisReader                     *reader;
    ngx_queue_t                      pending;
    ngx_event_t                      timer;

    u_char                          *out;        /* formatted, not yet sent */
    size_t                           out_len;
    size_t                           out_sent;
    size_t                           out_size;

    ngx_http_sso_redis_push_pt       push;
    ngx_http_sso_redis_closed_pt     closed;
    void                            *subscriber_data;

    time_t                           last_error_log;
    ngx_uint_t                       generation; /* bumped at every close */
};


static ngx_int_t ngx_http_sso_redis_append(ngx_http_sso_redis_t *redis,
    ngx_uint_t argc, const char **argv, const size_t *lens);
static ngx_http_sso_redis_cmd_t *ngx_http_sso_redis_enqueue(
    ngx_http_sso_redis_t *redis, ngx_uint_t argc, const char **argv,
    const size_t *lens, ngx_http_sso_redis_handler_pt handler, void *data);
static ngx_int_t ngx_http_sso_redis_start(ngx_http_sso_redis_t *redis);
static void ngx_http_sso_redis_connect_error(ngx_http_sso_redis_t *redis,
    ngx_err_t err);
static ngx_int_t ngx_http_sso_redis_connected(ngx_http_sso_redis_t *redis);
static void ngx_http_sso_redis_schedule_write(ngx_http_sso_redis_t *redis);
static void ngx_http_sso_redis_write_handler(ngx_event_t *wev);
static void ngx_http_sso_redis_read_handler(ngx_event_t *rev);
static void ngx_http_sso_redis_timeout_handler(ngx_event_t *ev);
static void ngx_http_sso_redis_arm_timer(ngx_http_sso_redis_t *redis);
static void ngx_http_sso_redis_fail(ngx_http_sso_redis_t *redis, sso_status failure,
    const char *why, ngx_err_t err);
static void ngx_http_sso_redis_setup_reply(void *data, redisReply *reply,
    sso_status failure);


ngx_http_sso_redis_t *
ngx_http_sso_redis_create(ngx_http_sso_redis_conf_t *conf, ngx_log_t *log)
{
    ngx_http_sso_redis_t  *redis;

    redis = ngx_calloc(sizeof(ngx_http_sso_redis_t), log);
    if (redis == NULL) {
        return NULL;
    }

    redis->reader = redisReaderCreate();
    if (redis->reader == NULL) {
        ngx_free(redis);
        return NULL;
    }

    redis->conf = conf;
    redis->log = log;
    redis->state = NGX_HTTP_SSO_REDIS_CLOSED;
    ngx_queue_init(&redis->pending);

    redis->timer.handler = ngx_http_sso_redis_timeout_handler;
    redis->timer.data = redis;
    redis->timer.log = log;
    /*
     * Not cancelable: the timer is only set while commands wait for a reply, and a graceful
     * shutdown should let those requests finish (it is bounded by the command timeout).
     */
    redis->timer.cancelable = 0;

    return redis;
}


void
ngx_http_sso_redis_destroy(ngx_http_sso_redis_t *redis)
{
    redis->closed = NULL;
    ngx_http_sso_redis_fail(redis, SSO_STORE_UNAVAILABLE, NULL, 0);

    redisReaderFree(redis->reader);
    ngx_free(redis->out);
    ngx_free(redis);
}


void
ngx_http_sso_redis_connect(ngx_http_sso_redis_t *redis)
{
    if (redis->state == NGX_HTTP_SSO_REDIS_CLOSED) {
        (void) ngx_http_sso_redis_start(redis);
    }
}


ngx_http_sso_redis_cmd_t *
ngx_http_sso_redis_send(ngx_http_sso_redis_t *redis, const sso_command *command,
    ngx_http_sso_redis_handler_pt handler, void *data)
{
    size_t       lens[NGX_HTTP_SSO_REDIS_MAX_ARGS];
    ngx_uint_t   i;
    const char  *argv[NGX_HTTP_SSO_REDIS_MAX_ARGS];

    if (command->argc == 0 || command->argc > NGX_HTTP_SSO_REDIS_MAX_ARGS) {
        /* the core asks for short commands only; anything else is a bug */
        ngx_log_error(NGX_LOG_ALERT, redis->log, 0,
                      "sso: redis command with %uz arguments refused",
                      command->argc);
        return NULL;
    }

    for (i = 0; i < command->argc; i++) {
        argv[i] = command->argv[i].data;
        lens[i] = command->argv[i].len;
    }

    if (redis->state == NGX_HTTP_SSO_REDIS_CLOSED) {
        if (ngx_http_sso_redis_start(redis) != NGX_OK) {
            return NULL;
        }
    }

    return ngx_http_sso_redis_enqueue(redis, command->argc, argv, lens, handler,
                                      data);
}


void
ngx_http_sso_redis_cancel(ngx_http_sso_redis_cmd_t *cmd)
{
    cmd->handler = NULL;
    cmd->data = NULL;
}


void
ngx_http_sso_redis_set_subscriber(ngx_http_sso_redis_t *redis,
    ngx_http_sso_redis_push_pt push, ngx_http_sso_redis_closed_pt closed, void *data)
{
    redis->push = push;
    redis->closed = closed;
    redis->subscriber_data = data;
}


void
ngx_http_sso_redis_close(ngx_http_sso_redis_t *redis, const char *why)
{
    ngx_http_sso_redis_fail(redis, SSO_STORE_UNAVAILABLE, why, 0);
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


static ngx_http_sso_redis_cmd_t *
ngx_http_sso_redis_enqueue(ngx_http_sso_redis_t *redis, ngx_uint_t argc,
    const char **argv, const size_t *lens, ngx_http_sso_redis_handler_pt handler,
    void *data)
{
    ngx_http_sso_redis_cmd_t  *cmd;

    cmd = ngx_alloc(sizeof(ngx_http_sso_redis_cmd_t), redis->log);
    if (cmd == NULL) {
        return NULL;
    }

    if (ngx_http_sso_redis_append(redis, argc, argv, lens) != NGX_OK) {
        ngx_free(cmd);
        return NULL;
    }

    cmd->handler = handler;
    cmd->data = data;
    cmd->setup = 0;
    cmd->deadline = ngx_current_msec + redis->conf->timeout;
    ngx_queue_insert_tail(&redis->pending, &cmd->queue);

    if (!redis->timer.timer_set) {
        ngx_http_sso_redis_arm_timer(redis);
    }

    if (redis->state == NGX_HTTP_SSO_REDIS_READY) {
        ngx_http_sso_redis_schedule_write(redis);
    }

    return cmd;
}


static ngx_int_t
ngx_http_sso_redis_append(ngx_http_sso_redis_t *redis, ngx_uint_t argc,
    const char **argv, const size_t *lens)
{
    int      n;
    char    *formatted;
    size_t   size;
    u_char  *out;

    n = redisFormatCommandArgv(&formatted, (int) argc, argv, lens);
    if (n < 0) {
        return NGX_ERROR;
    }

    if (redis->out_len + n > redis->out_size) {
        size = ngx_max(redis->out_size * 2, redis->out_len + n);
        size = ngx_max(size, 4096);

        out = ngx_alloc(size, redis->log);
        if (out == NULL) {
            redisFreeCommand(formatted);
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

    ngx_memcpy(redis->out + redis->out_len, formatted, n);
    redis->out_len += n;
    redisFreeCommand(formatted);

    return NGX_OK;
}


/* At most one line a second: a Redis outage must not flood the log. */
static void
ngx_http_sso_redis_connect_error(ngx_http_sso_redis_t *redis, ngx_err_t err)
{
    if (redis->last_error_log == ngx_time()) {
        return;
    }

    redis->last_error_log = ngx_time();
    ngx_log_error(NGX_LOG_ERR, redis->log, err, "sso: cannot connect to redis %V",
                  redis->peer.name);
}


static ngx_int_t
ngx_http_sso_redis_start(ngx_http_sso_redis_t *redis)
{
    size_t             lens[2];
    ngx_int_t          rc;
    const char        *argv[2];
    u_char             db[NGX_INT_T_LEN];
    ngx_connection_t  *c;
    ngx_http_sso_redis_cmd_t   *cmd;

    if (redis->reader == NULL) {
        redis->reader = redisReaderCreate();
        if (redis->reader == NULL) {
            return NGX_ERROR;
        }
    }

    ngx_memzero(&redis->peer, sizeof(ngx_peer_connection_t));
    redis->peer.sockaddr = redis->conf->addr->sockaddr;
    redis->peer.socklen = redis->conf->addr->socklen;
    redis->peer.name = &redis->conf->addr->name;
    redis->peer.get = ngx_event_get_peer;
    redis->peer.log = redis->log;
    redis->peer.log_error = NGX_ERROR_ERR;

    rc = ngx_event_connect_peer(&redis->peer);

    if (rc == NGX_ERROR || rc == NGX_BUSY || rc == NGX_DECLINED) {
        if (redis->peer.connection) {
            ngx_close_connection(redis->peer.connection);
            redis->peer.connection = NULL;
        }

        ngx_http_sso_redis_connect_error(redis, 0);
        return NGX_ERROR;
    }

    c = redis->peer.connection;
    c->data = redis;
    c->read->handler = ngx_http_sso_redis_read_handler;
    c->write->handler = ngx_http_sso_redis_write_handler;
    c->log = redis->log;
    c->read->log = redis->log;
    c->write->log = redis->log;

    redis->state = (rc == NGX_AGAIN) ? NGX_HTTP_SSO_REDIS_CONNECTING
                                     : NGX_HTTP_SSO_REDIS_READY;

    /* AUTH and SELECT go first on every new connection */

    if (redis->conf->password.len) {
        argv[0] = "AUTH";
        lens[0] = 4;
        argv[1] = (const char *) redis->conf->password.data;
        lens[1] = redis->conf->password.len;

        cmd = ngx_http_sso_redis_enqueue(redis, 2, argv, lens,
                                         ngx_http_sso_redis_setup_reply, redis);
        if (cmd == NULL) {
            goto failed;
        }

        cmd->setup = 1;
    }

    if (redis->conf->db) {
        argv[0] = "SELECT";
        lens[0] = 6;
        argv[1] = (const char *) db;
        lens[1] = ngx_sprintf(db, "%ui", redis->conf->db) - db;

        cmd = ngx_http_sso_redis_enqueue(redis, 2, argv, lens,
                                         ngx_http_sso_redis_setup_reply, redis);
        if (cmd == NULL) {
            goto failed;
        }

        cmd->setup = 1;
    }

    if (rc == NGX_AGAIN) {
        /* the connect deadline: the first queued command's deadline */
        if (!redis->timer.timer_set) {
            ngx_add_timer(&redis->timer, redis->conf->connect_timeout);
        }

    } else {
        ngx_http_sso_redis_schedule_write(redis);
    }

    return NGX_OK;

failed:

    ngx_http_sso_redis_fail(redis, SSO_STORE_UNAVAILABLE, "out of memory", 0);
    return NGX_ERROR;
}


static void
ngx_http_sso_redis_setup_reply(void *data, redisReply *reply, sso_status failure)
{
    ngx_http_sso_redis_t  *redis = data;

    if (reply == NULL || reply->type != REDIS_REPLY_ERROR) {
        return;
    }

    /* never log the reply text of AUTH: it could echo what was sent */
    ngx_log_error(NGX_LOG_ERR, redis->log, 0,
                  "sso: redis %V refused the connection setup (AUTH or SELECT); "
                  "check sso_redis password_file= and db=", redis->peer.name);

    ngx_http_sso_redis_fail(redis, SSO_STORE_UNAVAILABLE, NULL, 0);
}


static void
ngx_http_sso_redis_schedule_write(ngx_http_sso_redis_t *redis)
{
    ngx_connection_t  *c = redis->peer.connection;

    /* batch the commands of one event loop iteration into one send() */
    if (!c->write->posted) {
        ngx_post_event(c->write, &ngx_posted_events);
    }
}


static ngx_int_t
ngx_http_sso_redis_test_connect(ngx_connection_t *c)
{
    int        err;
    socklen_t  len;

    err = 0;
    len = sizeof(int);

    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, (void *) &err, &len) == -1) {
        err = ngx_socket_errno;
    }

    if (err) {
        return err;
    }

    return 0;
}


/* The non-blocking connect finished: learn how, and go on or fail every waiting command. */
static ngx_int_t
ngx_http_sso_redis_connected(ngx_http_sso_redis_t *redis)
{
    ngx_err_t  err;

    err = ngx_http_sso_redis_test_connect(redis->peer.connection);
    if (err) {
        ngx_http_sso_redis_connect_error(redis, err);
        ngx_http_sso_redis_fail(redis, SSO_STORE_UNAVAILABLE, NULL, 0);
        return NGX_ERROR;
    }

    redis->state = NGX_HTTP_SSO_REDIS_READY;
    ngx_log_error(NGX_LOG_INFO, redis->log, 0, "sso: connected to redis %V",
                  redis->peer.name);
    ngx_http_sso_redis_arm_timer(redis);

    return NGX_OK;
}


static void
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


static void
ngx_http_sso_redis_read_handler(ngx_event_t *rev)
{
    void                      *reply;
    ssize_t                    n;
    ngx_uint_t                 generation;
    ngx_queue_t               *q;
    ngx_connection_t          *c = rev->data;
    ngx_http_sso_redis_t      *redis = c->data;
    ngx_http_sso_redis_cmd_t  *cmd;
    u_char                     buf[16384];

    if (redis->state == NGX_HTTP_SSO_REDIS_CONNECTING) {
        if (ngx_http_sso_redis_connected(redis) != NGX_OK) {
            return;
        }

        ngx_http_sso_redis_schedule_write(redis);
    }

    generation = redis->generation;

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

        for ( ;; ) {
            reply = NULL;

            if (redisReaderGetReply(redis->reader, &reply) != REDIS_OK) {
                ngx_http_sso_redis_fail(redis, SSO_STORE_UNAVAILABLE,
                                        "protocol error", 0);
                return;
            }

            if (reply == NULL) {
                break;
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
                return;
            }

            q = ngx_queue_head(&redis->pending);
            ngx_queue_remove(q);
            cmd = ngx_queue_data(q, ngx_http_sso_redis_cmd_t, queue);

            ngx_http_sso_redis_arm_timer(redis);

            if (cmd->handler) {
                cmd->handler(cmd->data, reply, SSO_OK);
            }

            freeReplyObject(reply);
            ngx_free(cmd);

            /* a handler may have closed this connection (failed AUTH) */
            if (redis->generation != generation) {
                return;
            }
        }

        if (!rev->ready) {
            break;
        }
    }

    if (ngx_handle_read_event(rev, 0) != NGX_OK) {
        ngx_http_sso_redis_fail(redis, SSO_STORE_UNAVAILABLE, "read event", 0);
    }
}


static void
ngx_http_sso_redis_arm_timer(ngx_http_sso_redis_t *redis)
{
    ngx_msec_int_t             left;
    ngx_http_sso_redis_cmd_t  *cmd;

    if (redis->state == NGX_HTTP_SSO_REDIS_CONNECTING) {
        return;
    }

    if (ngx_queue_empty(&redis->pending)) {
        if (redis->timer.timer_set) {
            ngx_del_timer(&redis->timer);
        }
        return;
    }

    cmd = ngx_queue_data(ngx_queue_head(&redis->pending), ngx_http_sso_redis_cmd_t,
                         queue);

    left = (ngx_msec_int_t) (cmd->deadline - ngx_current_msec);
    ngx_add_timer(&redis->timer, left > 0 ? (ngx_msec_t) left : 1);
}


static void
ngx_http_sso_redis_timeout_handler(ngx_event_t *ev)
{
    ngx_http_sso_redis_t  *redis = ev->data;

    if (redis->state == NGX_HTTP_SSO_REDIS_CONNECTING) {
        ngx_http_sso_redis_connect_error(redis, NGX_ETIMEDOUT);
        ngx_http_sso_redis_fail(redis, SSO_STORE_UNAVAILABLE, NULL, 0);
        return;
    }

    ngx_http_sso_redis_fail(redis, SSO_STORE_TIMEOUT, "command timed out", 0);
}


/*
 * Closes the connection and fails every pending command. Handlers may send new commands
 * (which start a new connection): the old queue is detached first.
 */
static void
ngx_http_sso_redis_fail(ngx_http_sso_redis_t *redis, sso_status failure, const char *why,
    ngx_err_t err)
{
    ngx_queue_t                failed, *q;
    ngx_http_sso_redis_cmd_t  *cmd;

    if (why) {
        ngx_log_error(NGX_LOG_ERR, redis->log, err, "sso: redis %V: %s",
                      redis->peer.name, why);
    }

    if (redis->peer.connection) {
        ngx_close_connection(redis->peer.connection);
        redis->peer.connection = NULL;
    }

    redis->generation++;

    if (redis->timer.timer_set) {
        ngx_del_timer(&redis->timer);
    }

    redisReaderFree(redis->reader);
    redis->reader = redisReaderCreate();

    redis->state = NGX_HTTP_SSO_REDIS_CLOSED;
    redis->out_len = 0;
    redis->out_sent = 0;

    if (redis->reader == NULL) {
        ngx_log_error(NGX_LOG_ALERT, redis->log, 0, "sso: out of memory");
    }

    if (redis->closed) {
        redis->closed(redis->subscriber_data);
    }

    if (ngx_queue_empty(&redis->pending)) {
        return;
    }

    failed = redis->pending;
    failed.next->prev = &failed;
    failed.prev->next = &failed;
    ngx_queue_init(&redis->pending);

    while (!ngx_queue_empty(&failed)) {
        q = ngx_queue_head(&failed);
        ngx_queue_remove(q);
        cmd = ngx_queue_data(q, ngx_http_sso_redis_cmd_t, queue);

        if (cmd->handler && !cmd->setup) {
            cmd->handler(cmd->data, NULL, failure);
        }

        ngx_free(cmd);
    }
}
