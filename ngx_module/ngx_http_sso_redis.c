
/*
 * Per-worker Redis connection on nginx's event loop. See ngx_http_sso_redis.h.
 *
 * Commands are pipelined on one connection and answered in order, so a single FIFO of
 * pending commands matches replies to callers. Every command has a deadline; when the
 * oldest one passes, the stream can no longer be trusted, so the connection is closed and
 * every pending command fails with SSO_STORE_TIMEOUT. The next command reconnects.
 *
 * This file is the connection: the API, connecting with AUTH and SELECT, the deadlines and
 * the failure of every pending command. ngx_http_sso_redis_io.c moves the
 * bytes; ngx_http_sso_redis_resolve.c finds the addresses, tried in turn.
 */

#include "ngx_http_sso_redis_connection.h"
#include "ngx_http_sso_metrics.h"


#define NGX_HTTP_SSO_REDIS_MAX_ARGS    64


static ngx_http_sso_redis_cmd_t *ngx_http_sso_redis_enqueue(
    ngx_http_sso_redis_t *redis, ngx_uint_t argc, const char **argv,
    const size_t *lens, ngx_http_sso_redis_handler_pt handler, void *data);
static ngx_int_t ngx_http_sso_redis_start(ngx_http_sso_redis_t *redis);
static ngx_int_t ngx_http_sso_redis_setup(ngx_http_sso_redis_t *redis);
static ngx_int_t ngx_http_sso_redis_setup_command(ngx_http_sso_redis_t *redis,
    ngx_uint_t argc, ngx_str_t *argv);
static void ngx_http_sso_redis_connect_error(ngx_http_sso_redis_t *redis,
    ngx_err_t err);
static ngx_str_t *ngx_http_sso_redis_name(ngx_http_sso_redis_t *redis,
    ngx_addr_t *addr);
static void ngx_http_sso_redis_timeout_handler(ngx_event_t *ev);
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
    redis->peer.name = &conf->name;
    ngx_queue_init(&redis->pending);

    redis->timer.handler = ngx_http_sso_redis_timeout_handler;
    redis->timer.data = redis;
    redis->timer.log = log;
    /*
     * Not cancelable: the timer is only set while commands wait for a reply, and a graceful
     * shutdown should let those requests finish (it is bounded by the command timeout).
     */
    redis->timer.cancelable = 0;

    ngx_http_sso_redis_recheck_init(redis);

    return redis;
}


void
ngx_http_sso_redis_destroy(ngx_http_sso_redis_t *redis)
{
    redis->closed = NULL;
    ngx_http_sso_redis_fail(redis, SSO_STORE_UNAVAILABLE, NULL, 0);

    if (redis->recheck.timer_set) {
        ngx_del_timer(&redis->recheck);
    }

    redisReaderFree(redis->reader);
    ngx_free(redis->out);
    ngx_free(redis);
}


void
ngx_http_sso_redis_read_ready(ngx_http_sso_redis_t *redis)
{
    ngx_connection_t  *c;

    c = redis->peer.connection;

    if (c == NULL || redis->state != NGX_HTTP_SSO_REDIS_READY || !c->read->ready) {
        return;
    }

    /* the posted event, if any, finds nothing left to read (EAGAIN) */
    c->read->handler(c->read);
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


/* At most one line a second: a Redis outage must not flood the log. */
ngx_uint_t
ngx_http_sso_redis_may_log(ngx_http_sso_redis_t *redis)
{
    if (redis->last_error_log == ngx_time()) {
        return 0;
    }

    redis->last_error_log = ngx_time();
    return 1;
}


/* Rate-limited; says so when another address of the name is tried next. */
static void
ngx_http_sso_redis_connect_error(ngx_http_sso_redis_t *redis, ngx_err_t err)
{
    if (!ngx_http_sso_redis_may_log(redis)) {
        return;
    }

    if (redis->next_addr < redis->naddrs) {
        ngx_log_error(NGX_LOG_ERR, redis->log, err,
                      "sso: cannot connect to redis %V, trying address %ui "
                      "of %ui", redis->peer.name, redis->next_addr + 1,
                      redis->naddrs);
        return;
    }

    ngx_log_error(NGX_LOG_ERR, redis->log, err,
                  "sso: cannot connect to redis %V", redis->peer.name);
}


/*
 * A new connection: AUTH and SELECT queued first, then the addresses, resolved
 * again if sso_redis names a host and there is a resolver. NGX_ERROR: it failed
 * at once (every waiting command failed with it).
 */
static ngx_int_t
ngx_http_sso_redis_start(ngx_http_sso_redis_t *redis)
{
    if (redis->reader == NULL) {
        redis->reader = redisReaderCreate();
        if (redis->reader == NULL) {
            return NGX_ERROR;
        }
    }

    redis->retire = 0;
    redis->state = NGX_HTTP_SSO_REDIS_RESOLVING;
    redis->peer.name = &redis->conf->name;

    /* AUTH and SELECT go first on every new connection */
    if (ngx_http_sso_redis_setup(redis) != NGX_OK) {
        ngx_http_sso_redis_fail(redis, SSO_STORE_UNAVAILABLE, "out of memory",
                                0);
        return NGX_ERROR;
    }

    if (redis->conf->resolver) {
        /* may be answered at once from the resolver's cache, and connect */
        if (ngx_http_sso_redis_resolve(redis) != NGX_OK) {
            ngx_http_sso_redis_fail(redis, SSO_STORE_UNAVAILABLE,
                                    "cannot start resolving", 0);
            return NGX_ERROR;
        }

    } else {
        ngx_http_sso_redis_use_conf_addrs(redis);

        if (ngx_http_sso_redis_connect_next(redis) != NGX_OK) {
            ngx_http_sso_redis_fail(redis, SSO_STORE_UNAVAILABLE, NULL, 0);
        }
    }

    return redis->state == NGX_HTTP_SSO_REDIS_CLOSED ? NGX_ERROR : NGX_OK;
}


/*
 * Connects to the next address not tried yet. NGX_DECLINED: none is left (each
 * failure logged, rate-limited); the caller fails the waiting commands.
 */
ngx_int_t
ngx_http_sso_redis_connect_next(ngx_http_sso_redis_t *redis)
{
    ngx_int_t          rc;
    ngx_addr_t        *addr;
    ngx_connection_t  *c;

    for ( ;; ) {
        if (redis->next_addr >= redis->naddrs) {
            return NGX_DECLINED;
        }

        addr = &redis->addrs[redis->next_addr++];

        ngx_memzero(&redis->peer, sizeof(ngx_peer_connection_t));
        redis->peer.sockaddr = addr->sockaddr;
        redis->peer.socklen = addr->socklen;
        redis->peer.name = ngx_http_sso_redis_name(redis, addr);
        redis->peer.get = ngx_event_get_peer;
        redis->peer.log = redis->log;
        redis->peer.log_error = NGX_ERROR_ERR;

        rc = ngx_event_connect_peer(&redis->peer);

        if (rc == NGX_ERROR || rc == NGX_BUSY || rc == NGX_DECLINED) {
            if (redis->peer.connection) {
                ngx_http_sso_redis_close_connection(redis->peer.connection);
                redis->peer.connection = NULL;
            }

            ngx_http_sso_redis_connect_error(redis, 0);
            continue;
        }

        break;
    }

    c = redis->peer.connection;
    c->data = redis;
    c->read->handler = ngx_http_sso_redis_read_handler;
    c->write->handler = ngx_http_sso_redis_write_handler;
    c->log = redis->log;
    c->read->log = redis->log;
    c->write->log = redis->log;

    /* with TLS, the handshake comes first: started by the write handler */
    redis->state = (rc == NGX_AGAIN || redis->conf->ssl)
                   ? NGX_HTTP_SSO_REDIS_CONNECTING : NGX_HTTP_SSO_REDIS_READY;

    if (redis->state == NGX_HTTP_SSO_REDIS_READY) {
        if (!redis->counted) {
            redis->counted = 1;
            ngx_http_sso_metrics_redis(1);
        }

        ngx_http_sso_redis_arm_timer(redis);

    } else {
        /* the connect deadline, and with TLS the handshake's too */
        if (redis->timer.timer_set) {
            ngx_del_timer(&redis->timer);
        }

        ngx_add_timer(&redis->timer, redis->conf->connect_timeout);
    }

    if (rc != NGX_AGAIN) {
        ngx_http_sso_redis_schedule_write(redis);
    }

    return NGX_OK;
}


/* For the log: with a resolver, the name as configured and the address. */
static ngx_str_t *
ngx_http_sso_redis_name(ngx_http_sso_redis_t *redis, ngx_addr_t *addr)
{
    u_char  *p, *last;

    if (redis->conf->resolver == NULL) {
        return &addr->name;
    }

    last = redis->name_buf + sizeof(redis->name_buf);
    p = ngx_snprintf(redis->name_buf,
                     sizeof(redis->name_buf) - 1 - NGX_SOCKADDR_STRLEN,
                     "%V (", &redis->conf->name);
    p += ngx_sock_ntop(addr->sockaddr, addr->socklen, p, last - p - 1, 0);
    *p++ = ')';

    redis->name.data = redis->name_buf;
    redis->name.len = p - redis->name_buf;

    return &redis->name;
}


/*
 * This address refused, timed out or failed the TLS handshake: the next one,
 * with the same commands (none was sent), or when none is left, fail them all.
 */
void
ngx_http_sso_redis_try_next(ngx_http_sso_redis_t *redis)
{
    if (redis->peer.connection) {
        ngx_http_sso_redis_close_connection(redis->peer.connection);
        redis->peer.connection = NULL;
    }

    if (redis->timer.timer_set) {
        ngx_del_timer(&redis->timer);
    }

    redis->out_sent = 0;

    if (ngx_http_sso_redis_connect_next(redis) != NGX_OK) {
        ngx_http_sso_redis_fail(redis, SSO_STORE_UNAVAILABLE, NULL, 0);
    }
}


static ngx_int_t
ngx_http_sso_redis_setup(ngx_http_sso_redis_t *redis)
{
    u_char                      db[NGX_INT_T_LEN];
    ngx_str_t                   args[3];
    ngx_uint_t                  n;
    ngx_http_sso_redis_conf_t  *conf;

    conf = redis->conf;

    if (conf->password.len) {
        /* AUTH [user] password: with a user, a Redis 6+ ACL user */
        ngx_str_set(&args[0], "AUTH");
        n = 1;

        if (conf->user.len) {
            args[n++] = conf->user;
        }

        args[n++] = conf->password;

        if (ngx_http_sso_redis_setup_command(redis, n, args) != NGX_OK) {
            return NGX_ERROR;
        }
    }

    if (conf->db) {
        ngx_str_set(&args[0], "SELECT");
        args[1].data = db;
        args[1].len = ngx_sprintf(db, "%ui", conf->db) - db;

        if (ngx_http_sso_redis_setup_command(redis, 2, args) != NGX_OK) {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


/*
 * One command of the connection's setup: an error reply closes the connection
 * (setup_reply); a connection that fails does not call its handler.
 */
static ngx_int_t
ngx_http_sso_redis_setup_command(ngx_http_sso_redis_t *redis, ngx_uint_t argc,
    ngx_str_t *args)
{
    size_t                     lens[3];
    ngx_uint_t                 i;
    const char                *argv[3];
    ngx_http_sso_redis_cmd_t  *cmd;

    for (i = 0; i < argc; i++) {
        argv[i] = (const char *) args[i].data;
        lens[i] = args[i].len;
    }

    cmd = ngx_http_sso_redis_enqueue(redis, argc, argv, lens,
                                     ngx_http_sso_redis_setup_reply, redis);
    if (cmd == NULL) {
        return NGX_ERROR;
    }

    cmd->setup = 1;

    return NGX_OK;
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
                  "check sso_redis user=, password_file= and db=",
                  redis->peer.name);

    ngx_http_sso_redis_fail(redis, SSO_STORE_UNAVAILABLE, NULL, 0);
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


/*
 * The non-blocking connect finished: learn how, and go on (NGX_OK), start TLS
 * (NGX_AGAIN) or fail every waiting command (NGX_ERROR).
 */
ngx_int_t
ngx_http_sso_redis_connected(ngx_http_sso_redis_t *redis)
{
    ngx_err_t  err;

    err = ngx_http_sso_redis_test_connect(redis->peer.connection);
    if (err) {
        ngx_http_sso_redis_connect_error(redis, err);
        ngx_http_sso_redis_try_next(redis);
        return NGX_ERROR;
    }

    if (redis->conf->ssl) {
        /* ready (or failed) when the handshake is done: redis_tls.c */
        ngx_http_sso_redis_tls_start(redis);
        return NGX_AGAIN;
    }

    return ngx_http_sso_redis_ready(redis);
}


/* Connected (and with TLS, the peer verified): the commands may go. */
ngx_int_t
ngx_http_sso_redis_ready(ngx_http_sso_redis_t *redis)
{
    redis->state = NGX_HTTP_SSO_REDIS_READY;

    if (!redis->counted) {
        redis->counted = 1;
        ngx_http_sso_metrics_redis(1);
    }

    ngx_log_error(NGX_LOG_INFO, redis->log, 0, "sso: connected to redis %V",
                  redis->peer.name);
    ngx_http_sso_redis_arm_timer(redis);

    return NGX_OK;
}


void
ngx_http_sso_redis_arm_timer(ngx_http_sso_redis_t *redis)
{
    ngx_msec_int_t             left;
    ngx_http_sso_redis_cmd_t  *cmd;

    if (redis->state == NGX_HTTP_SSO_REDIS_CONNECTING
        || redis->state == NGX_HTTP_SSO_REDIS_HANDSHAKE
        || redis->state == NGX_HTTP_SSO_REDIS_RESOLVING)
    {
        /* bounded by connect_timeout instead */
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
        ngx_http_sso_redis_try_next(redis);
        return;
    }

    if (redis->state == NGX_HTTP_SSO_REDIS_HANDSHAKE) {
        if (ngx_http_sso_redis_may_log(redis)) {
            ngx_log_error(NGX_LOG_ERR, redis->log, NGX_ETIMEDOUT,
                          "sso: redis %V: TLS handshake timed out",
                          redis->peer.name);
        }

        ngx_http_sso_redis_try_next(redis);
        return;
    }

    ngx_http_sso_redis_fail(redis, SSO_STORE_TIMEOUT, "command timed out", 0);
}


/*
 * Closes the connection and fails every pending command. Handlers may send new commands
 * (which start a new connection): the old queue is detached first.
 */
void
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
        ngx_http_sso_redis_close_connection(redis->peer.connection);
        redis->peer.connection = NULL;
    }

    ngx_http_sso_redis_resolve_cancel(redis);
    redis->retire = 0;
    redis->generation++;

    if (redis->timer.timer_set) {
        ngx_del_timer(&redis->timer);
    }

    redisReaderFree(redis->reader);
    redis->reader = redisReaderCreate();

    redis->state = NGX_HTTP_SSO_REDIS_CLOSED;
    redis->out_len = 0;

    if (redis->counted) {
        redis->counted = 0;
        ngx_http_sso_metrics_redis(-1);
    }
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
