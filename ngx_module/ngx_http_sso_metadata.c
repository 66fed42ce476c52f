
/*
 * IdP metadata from a URL (saml_idp_metadata_url): each worker refreshes it on a timer.
 *
 * The core decides (signature on the root by the pinned key, validUntil, the IdP it makes,
 * the delay until the next refresh); this file drives the timer and moves the bytes through
 * the back-channel (ngx_http_sso_fetch: non-blocking, sso_backchannel_timeout, at most
 * saml_idp_metadata_max_size). Each worker holds its own copy of the engine, so each one
 * refreshes; a random part of every delay keeps workers and nodes from fetching at once.
 * A verified document is written over the backing copy (saml_idp_metadata) when the
 * worker may write there: a temporary file, then rename().
 */

#include "ngx_http_sso_module.h"


/* the first refresh: within this when there is a copy to use, else within a second */
#define NGX_HTTP_SSO_FEED_FIRST_MAX  60000
#define NGX_HTTP_SSO_FEED_SOON       1000


typedef struct {
    ngx_uint_t                    index;     /* the core's feed */
    ngx_str_t                     provider;
    ngx_str_t                     backing;   /* the full path; empty: none */
    size_t                        max_size;
    ngx_event_t                   timer;
    ngx_pool_t                   *pool;      /* of the fetch under way */
    ngx_http_sso_main_conf_t     *smcf;
    ngx_log_t                    *log;
    unsigned                      backing_warned:1;
} ngx_http_sso_feed_t;


static void ngx_http_sso_feed_tick(ngx_event_t *ev);
static void ngx_http_sso_feed_done(void *data, ngx_int_t status, ngx_str_t *body,
    const char *failure);
static void ngx_http_sso_feed_schedule(ngx_http_sso_feed_t *feed, ngx_msec_t delay);
static void ngx_http_sso_feed_write_backing(ngx_http_sso_feed_t *feed, sso_str body);


/* the provider's lines: the backing copy's path and the size limit */
static ngx_http_sso_provider_conf_t *
ngx_http_sso_feed_provider(ngx_http_sso_main_conf_t *smcf, sso_str name)
{
    ngx_uint_t                     i;
    ngx_http_sso_provider_conf_t  *pcf;

    if (smcf->providers == NULL) {
        return NULL;
    }

    pcf = smcf->providers->elts;

    for (i = 0; i < smcf->providers->nelts; i++) {
        if (pcf[i].name.len == name.len
            && ngx_strncmp(pcf[i].name.data, name.data, name.len) == 0)
        {
            return &pcf[i];
        }
    }

    return NULL;
}


ngx_int_t
ngx_http_sso_metadata_init_process(ngx_http_sso_main_conf_t *smcf, ngx_cycle_t *cycle)
{
    size_t                         i, n;
    ngx_msec_t                     first;
    sso_metadata_feed_info         info;
    ngx_http_sso_feed_t           *feed;
    ngx_http_sso_provider_conf_t  *pcf;

    n = smcf->engine ? sso_engine_metadata_feeds(smcf->engine) : 0;

    if (n == 0) {
        return NGX_OK;
    }

    smcf->feeds = ngx_array_create(cycle->pool, n, sizeof(ngx_http_sso_feed_t));
    if (smcf->feeds == NULL) {
        return NGX_ERROR;
    }

    for (i = 0; i < n; i++) {
        if (sso_engine_metadata_feed(smcf->engine, i, &info) != SSO_OK) {
            return NGX_ERROR;
        }

        feed = ngx_array_push(smcf->feeds);
        if (feed == NULL) {
            return NGX_ERROR;
        }

        ngx_memzero(feed, sizeof(ngx_http_sso_feed_t));

        feed->index = i;
        feed->provider.data = (u_char *) info.provider.data;
        feed->provider.len = info.provider.len;
        feed->smcf = smcf;
        feed->log = cycle->log;
        feed->max_size = 1024 * 1024;

        pcf = ngx_http_sso_feed_provider(smcf, info.provider);
        if (pcf) {
            feed->backing = pcf->idp_metadata_path;
            feed->max_size = pcf->idp_metadata_max_size;
        }

        feed->timer.handler = ngx_http_sso_feed_tick;
        feed->timer.data = feed;
        feed->timer.log = cycle->log;
        feed->timer.cancelable = 1;

        if (!info.ready) {
            ngx_log_error(NGX_LOG_NOTICE, cycle->log, 0,
                          "sso: provider \"%V\" has no IdP metadata yet: sign-in "
                          "answers 503 until the first refresh from %*s succeeds",
                          &feed->provider, info.url.len, info.url.data);
        }

        first = info.ready
                ? ngx_min((ngx_msec_t) info.interval_ms, NGX_HTTP_SSO_FEED_FIRST_MAX)
                : NGX_HTTP_SSO_FEED_SOON;

        ngx_add_timer(&feed->timer, 1 + (ngx_msec_t) ngx_random() % first);
    }

    return NGX_OK;
}


void
ngx_http_sso_metadata_exit_process(ngx_http_sso_main_conf_t *smcf)
{
    ngx_uint_t            i;
    ngx_pool_t           *pool;
    ngx_http_sso_feed_t  *feed;

    if (smcf->feeds == NULL) {
        return;
    }

    feed = smcf->feeds->elts;

    for (i = 0; i < smcf->feeds->nelts; i++) {
        if (feed[i].timer.timer_set) {
            ngx_del_timer(&feed[i].timer);
        }

        /* a fetch under way: its pool's cleanup closes the connection */
        pool = feed[i].pool;
        feed[i].pool = NULL;

        if (pool) {
            ngx_destroy_pool(pool);
        }
    }
}


static void
ngx_http_sso_feed_tick(ngx_event_t *ev)
{
    ngx_http_sso_feed_t *feed = ev->data;

    sso_step    step;
    sso_status  rc;

    if (ngx_exiting || ngx_terminate || ngx_quit || feed->pool) {
        return;
    }

    rc = sso_metadata_refresh_begin(feed->smcf->engine, feed->index, &step);
    if (rc != SSO_OK) {
        ngx_log_error(NGX_LOG_ERR, feed->log, 0,
                      "sso: IdP metadata of provider \"%V\": %s", &feed->provider,
                      sso_status_name(rc));
        return;
    }

    feed->pool = ngx_create_pool(4096, feed->log);
    if (feed->pool == NULL) {
        ngx_http_sso_feed_schedule(feed, NGX_HTTP_SSO_FEED_FIRST_MAX);
        return;
    }

    if (ngx_http_sso_fetch(feed->pool, feed->log, feed->smcf, &step, feed->max_size,
                           ngx_http_sso_feed_done, feed)
        != NGX_OK)
    {
        ngx_destroy_pool(feed->pool);
        feed->pool = NULL;
        ngx_http_sso_feed_schedule(feed, NGX_HTTP_SSO_FEED_FIRST_MAX);
    }
}


/* the fetch ended (from a posted event): the core decides, the next refresh is set */
static void
ngx_http_sso_feed_done(void *data, ngx_int_t status, ngx_str_t *body, const char *failure)
{
    ngx_http_sso_feed_t *feed = data;

    sso_str      text, why;
    sso_step     step;
    ngx_pool_t  *pool;
    sso_status   rc;

    text.data = body->data ? (const char *) body->data : "";
    text.len = body->len;
    why.data = failure;
    why.len = ngx_strlen(failure);

    rc = sso_metadata_refresh_done(feed->smcf->engine, feed->index, (int) status, text, why,
                                   ngx_http_sso_now_ms(), &step);

    /* the call's memory: nothing of it is used after this */
    pool = feed->pool;
    feed->pool = NULL;

    if (rc != SSO_OK) {
        ngx_log_error(NGX_LOG_ERR, feed->log, 0,
                      "sso: IdP metadata of provider \"%V\": %s", &feed->provider,
                      sso_status_name(rc));
        ngx_destroy_pool(pool);
        ngx_http_sso_feed_schedule(feed, NGX_HTTP_SSO_FEED_FIRST_MAX);
        return;
    }

    if (step.notice.len) {
        ngx_log_error(NGX_LOG_NOTICE, feed->log, 0, "sso: %*s",
                      step.notice.len, step.notice.data);
    }

    if (step.warning.len) {
        ngx_log_error(NGX_LOG_WARN, feed->log, 0, "sso: %*s",
                      step.warning.len, step.warning.data);
    }

    ngx_http_sso_metrics_metadata(&step, ngx_time());

    if (step.reason == SSO_OK && step.body.len && feed->backing.len) {
        ngx_http_sso_feed_write_backing(feed, step.body);
    }

    ngx_destroy_pool(pool);

    ngx_http_sso_feed_schedule(feed, (ngx_msec_t) step.delay_ms);
}


/* up to a tenth sooner, at random: workers and nodes spread their fetches */
static void
ngx_http_sso_feed_schedule(ngx_http_sso_feed_t *feed, ngx_msec_t delay)
{
    if (ngx_exiting || ngx_terminate || ngx_quit) {
        return;
    }

    delay -= (ngx_msec_t) ngx_random() % (delay / 10 + 1);

    ngx_add_timer(&feed->timer, delay ? delay : 1);
}


/* the verified document over the backing copy: a temporary file, then rename() */
static void
ngx_http_sso_feed_write_backing(ngx_http_sso_feed_t *feed, sso_str body)
{
    u_char     *tmp, *last;
    ssize_t     n;
    ngx_fd_t    fd;
    ngx_err_t   err;
    ngx_uint_t  failed;

    tmp = ngx_alloc(feed->backing.len + 32, feed->log);
    if (tmp == NULL) {
        return;
    }

    last = ngx_sprintf(tmp, "%V.%P.tmp", &feed->backing, ngx_pid);
    *last = '\0';

    failed = 1;
    err = 0;

    fd = ngx_open_file(tmp, NGX_FILE_WRONLY, NGX_FILE_TRUNCATE, NGX_FILE_DEFAULT_ACCESS);

    if (fd == NGX_INVALID_FILE) {
        err = ngx_errno;

    } else {
        n = ngx_write_fd(fd, (void *) body.data, body.len);
        err = (n == (ssize_t) body.len) ? 0 : (n < 0 ? ngx_errno : NGX_ENOSPC);

        if (ngx_close_file(fd) == NGX_FILE_ERROR && err == 0) {
            err = ngx_errno;
        }

        if (err == 0 && ngx_rename_file(tmp, feed->backing.data) == NGX_FILE_ERROR) {
            err = ngx_errno;
        }

        if (err) {
            (void) ngx_delete_file(tmp);

        } else {
            failed = 0;
        }
    }

    /* once per worker: a backing copy the worker may not write is not worth a line a
     * refresh */
    if (failed && !feed->backing_warned) {
        feed->backing_warned = 1;
        ngx_log_error(NGX_LOG_WARN, feed->log, err,
                      "sso: IdP metadata of provider \"%V\": the backing copy \"%V\" "
                      "is not updated (the refreshed metadata is used all the same)",
                      &feed->provider, &feed->backing);
    }

    ngx_free(tmp);
}
