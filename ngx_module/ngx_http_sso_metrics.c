
/*
 * nginx-jit-sso: Prometheus metrics. Counters live in a shared memory zone that every
 * worker adds to with atomic increments (no lock on the way), and that a reload keeps (a
 * zone of the same name and size is reused). The core says what happened on its steps;
 * this file only counts it, and prints the text format for a location with
 *
 *   location = /metrics { sso_metrics; allow 10.0.0.0/8; deny all; }
 *
 * Series with labels (logins by provider, protocol and outcome...) sit in a small open
 * addressing table: found without a lock, added once under the zone's mutex.
 */

#include "ngx_http_sso_module.h"
#include "ngx_http_sso_metrics.h"


#define NGX_HTTP_SSO_METRICS_ZONE_SIZE  (512 * 1024)
#define NGX_HTTP_SSO_METRICS_SERIES     1024
#define NGX_HTTP_SSO_METRICS_BUCKETS    12
#define NGX_HTTP_SSO_METRICS_PROVIDER   64
#define NGX_HTTP_SSO_METRICS_LABEL      32


/* the labelled families */
enum {
    NGX_HTTP_SSO_M_LOGINS = 1,
    NGX_HTTP_SSO_M_PROVISIONING,
    NGX_HTTP_SSO_M_LOGOUTS,
    NGX_HTTP_SSO_M_REVOKED,
    NGX_HTTP_SSO_M_SCIM,
    NGX_HTTP_SSO_M_METADATA,          /* refreshes, by provider and outcome */
    NGX_HTTP_SSO_M_METADATA_SUCCESS   /* the last success, by provider: a gauge */
};


typedef struct {
    ngx_atomic_t                 bucket[NGX_HTTP_SSO_METRICS_BUCKETS + 1];
    ngx_atomic_t                 sum_ms;
} ngx_http_sso_histogram_t;


typedef struct {
    ngx_atomic_t                 hash;      /* 0: free; written last */
    ngx_atomic_t                 value;
    u_char                       family;
    u_char                       provider_len;
    u_char                       label_len;
    u_short                      status;
    u_char                       provider[NGX_HTTP_SSO_METRICS_PROVIDER];
    u_char                       label[NGX_HTTP_SSO_METRICS_LABEL];
} ngx_http_sso_series_t;


typedef struct {
    ngx_atomic_t                 gate[SSO_GATE_ERROR + 1];
    ngx_atomic_t                 cache_hits;
    ngx_atomic_t                 cache_misses;
    ngx_atomic_t                 cache_evictions;
    ngx_atomic_t                 redis_connections;
    ngx_atomic_t                 series_full;
    ngx_http_sso_histogram_t     latency[NGX_HTTP_SSO_LATENCY_BACKCHANNEL + 1];
    ngx_http_sso_series_t        series[NGX_HTTP_SSO_METRICS_SERIES];
} ngx_http_sso_metrics_t;


static ngx_int_t ngx_http_sso_metrics_init_zone(ngx_shm_zone_t *zone, void *data);
static ngx_int_t ngx_http_sso_metrics_handler(ngx_http_request_t *r);


/* milliseconds: the upper bounds of the buckets (+Inf after them) */
static ngx_msec_t  ngx_http_sso_buckets[NGX_HTTP_SSO_METRICS_BUCKETS] = {
    1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000
};

static const char  *ngx_http_sso_gate_names[] = {
    "", "allow", "login_required", "denied", "error"
};

static const char  *ngx_http_sso_latency_names[] = {
    "redis", "hook", "backchannel"
};

static ngx_shm_zone_t          *ngx_http_sso_metrics_zone;
static ngx_http_sso_metrics_t  *ngx_http_sso_metrics;   /* in this cycle's zone */
static uint64_t                 ngx_http_sso_evictions_seen;


ngx_int_t
ngx_http_sso_metrics_add_zone(ngx_conf_t *cf)
{
    ngx_str_t  name = ngx_string("sso_metrics");

    ngx_http_sso_metrics_zone = ngx_shared_memory_add(cf, &name,
                                    NGX_HTTP_SSO_METRICS_ZONE_SIZE,
                                    &ngx_http_sso_module);
    if (ngx_http_sso_metrics_zone == NULL) {
        return NGX_ERROR;
    }

    ngx_http_sso_metrics_zone->init = ngx_http_sso_metrics_init_zone;
    ngx_http_sso_metrics = NULL;

    return NGX_OK;
}


static ngx_int_t
ngx_http_sso_metrics_init_zone(ngx_shm_zone_t *zone, void *data)
{
    ngx_slab_pool_t  *shpool;

    if (data) {
        /* a reload: the counters go on */
        zone->data = data;
        ngx_http_sso_metrics = data;
        return NGX_OK;
    }

    shpool = (ngx_slab_pool_t *) zone->shm.addr;

    if (zone->shm.exists) {
        zone->data = shpool->data;
        ngx_http_sso_metrics = shpool->data;
        return NGX_OK;
    }

    ngx_http_sso_metrics = ngx_slab_calloc(shpool, sizeof(ngx_http_sso_metrics_t));
    if (ngx_http_sso_metrics == NULL) {
        return NGX_ERROR;
    }

    shpool->data = ngx_http_sso_metrics;
    zone->data = ngx_http_sso_metrics;

    return NGX_OK;
}


/*
 * The slot of the series of `family` with these labels, or the empty slot where it goes
 * (hash 0); NULL if the table is full.
 */
static ngx_http_sso_series_t *
ngx_http_sso_metrics_find(uint32_t hash, ngx_uint_t family, sso_str provider,
    sso_str label, ngx_uint_t status)
{
    ngx_uint_t              i, start;
    ngx_http_sso_series_t  *s;

    start = hash % NGX_HTTP_SSO_METRICS_SERIES;
    i = start;

    do {
        s = &ngx_http_sso_metrics->series[i];

        if (s->hash == 0) {
            return s;
        }

        ngx_memory_barrier();

        if (s->hash == hash && s->family == family && s->status == status
            && s->provider_len == provider.len && s->label_len == label.len
            && ngx_memcmp(s->provider, provider.data, provider.len) == 0
            && ngx_memcmp(s->label, label.data, label.len) == 0)
        {
            return s;
        }

        i = (i + 1) % NGX_HTTP_SSO_METRICS_SERIES;

    } while (i != start);

    return NULL;
}


static ngx_http_sso_series_t *ngx_http_sso_metrics_series(ngx_uint_t family,
    sso_str provider, sso_str label, ngx_uint_t status);


static void
ngx_http_sso_metrics_add(ngx_uint_t family, sso_str provider, sso_str label,
    ngx_uint_t status, ngx_atomic_int_t n)
{
    ngx_http_sso_series_t  *s;

    s = ngx_http_sso_metrics_series(family, provider, label, status);

    if (s) {
        (void) ngx_atomic_fetch_add(&s->value, n);
    }
}


/* a gauge that only grows (a time): every worker sets it, the latest wins */
static void
ngx_http_sso_metrics_raise(ngx_uint_t family, sso_str provider, ngx_atomic_uint_t value)
{
    static sso_str          none = { "", 0 };
    ngx_atomic_uint_t       old;
    ngx_http_sso_series_t  *s;

    s = ngx_http_sso_metrics_series(family, provider, none, 0);
    if (s == NULL) {
        return;
    }

    do {
        old = s->value;
    } while (old < value && !ngx_atomic_cmp_set(&s->value, old, value));
}


void
ngx_http_sso_metrics_metadata(sso_step *step, time_t now)
{
    if (ngx_http_sso_metrics == NULL || step->event != SSO_EVENT_METADATA) {
        return;
    }

    ngx_http_sso_metrics_add(NGX_HTTP_SSO_M_METADATA, step->event_provider,
                             step->event_label, 0, 1);

    if (step->reason == SSO_OK) {
        ngx_http_sso_metrics_raise(NGX_HTTP_SSO_M_METADATA_SUCCESS,
                                   step->event_provider, (ngx_atomic_uint_t) now);
    }
}


/* the series of `family` with these labels, added if new; NULL: the table is full */
static ngx_http_sso_series_t *
ngx_http_sso_metrics_series(ngx_uint_t family, sso_str provider, sso_str label,
    ngx_uint_t status)
{
    uint32_t                hash;
    ngx_slab_pool_t        *shpool;
    ngx_http_sso_series_t  *s;

    if (provider.len > NGX_HTTP_SSO_METRICS_PROVIDER) {
        provider.len = NGX_HTTP_SSO_METRICS_PROVIDER;
    }

    if (label.len > NGX_HTTP_SSO_METRICS_LABEL) {
        label.len = NGX_HTTP_SSO_METRICS_LABEL;
    }

    ngx_crc32_init(hash);
    ngx_crc32_update(&hash, (u_char *) &family, sizeof(family));
    ngx_crc32_update(&hash, (u_char *) &status, sizeof(status));
    ngx_crc32_update(&hash, (u_char *) provider.data, provider.len);
    ngx_crc32_update(&hash, (u_char *) "", 1);
    ngx_crc32_update(&hash, (u_char *) label.data, label.len);
    ngx_crc32_final(hash);
    hash |= 1;  /* 0 marks a free slot */

    /* the usual case: the series exists, no lock */
    s = ngx_http_sso_metrics_find(hash, family, provider, label, status);

    if (s && s->hash == 0) {
        /* a new series: looked up again and added under the zone's lock */
        shpool = (ngx_slab_pool_t *) ngx_http_sso_metrics_zone->shm.addr;
        ngx_shmtx_lock(&shpool->mutex);

        s = ngx_http_sso_metrics_find(hash, family, provider, label, status);

        if (s && s->hash == 0) {
            s->family = (u_char) family;
            s->status = (u_short) status;
            s->provider_len = (u_char) provider.len;
            s->label_len = (u_char) label.len;
            ngx_memcpy(s->provider, provider.data, provider.len);
            ngx_memcpy(s->label, label.data, label.len);
            ngx_memory_barrier();
            s->hash = hash;
        }

        ngx_shmtx_unlock(&shpool->mutex);
    }

    if (s == NULL) {
        (void) ngx_atomic_fetch_add(&ngx_http_sso_metrics->series_full, 1);
    }

    return s;
}


void
ngx_http_sso_metrics_step(sso_step *step)
{
    static sso_str  none = { "", 0 };
    static sso_str  scim = { "scim", 4 };

    if (ngx_http_sso_metrics == NULL) {
        return;
    }

    if (step->decision.len) {
        ngx_http_sso_metrics_add(NGX_HTTP_SSO_M_PROVISIONING, none, step->decision,
                                 0, 1);
    }

    switch (step->event) {

    case SSO_EVENT_LOGIN:
        ngx_http_sso_metrics_add(NGX_HTTP_SSO_M_LOGINS, step->event_provider,
                                 step->event_label, step->reason, 1);
        break;

    case SSO_EVENT_LOGOUT:
        ngx_http_sso_metrics_add(NGX_HTTP_SSO_M_LOGOUTS, none, step->event_label,
                                 0, 1);
        if (step->event_count > 0) {
            ngx_http_sso_metrics_add(NGX_HTTP_SSO_M_REVOKED, none, step->event_label,
                                     0, step->event_count);
        }
        break;

    case SSO_EVENT_SCIM:
        ngx_http_sso_metrics_add(NGX_HTTP_SSO_M_SCIM, none, step->event_label, 0, 1);
        if (step->event_count > 0) {
            ngx_http_sso_metrics_add(NGX_HTTP_SSO_M_REVOKED, none, scim, 0,
                                     step->event_count);
        }
        break;

    default:
        break;
    }
}


void
ngx_http_sso_metrics_gate(sso_step *step)
{
    if (ngx_http_sso_metrics == NULL) {
        return;
    }

    if (step->cache == SSO_CACHE_HIT) {
        (void) ngx_atomic_fetch_add(&ngx_http_sso_metrics->cache_hits, 1);

    } else if (step->cache == SSO_CACHE_MISS) {
        (void) ngx_atomic_fetch_add(&ngx_http_sso_metrics->cache_misses, 1);
    }

    if (step->gate > SSO_GATE_NONE && step->gate <= SSO_GATE_ERROR) {
        (void) ngx_atomic_fetch_add(&ngx_http_sso_metrics->gate[step->gate], 1);
    }
}


void
ngx_http_sso_metrics_evictions(sso_engine *engine)
{
    uint64_t  total;

    if (ngx_http_sso_metrics == NULL || engine == NULL) {
        return;
    }

    total = sso_engine_cache_evictions(engine);

    if (total > ngx_http_sso_evictions_seen) {
        (void) ngx_atomic_fetch_add(&ngx_http_sso_metrics->cache_evictions,
                                    total - ngx_http_sso_evictions_seen);
    }

    ngx_http_sso_evictions_seen = total;
}


void
ngx_http_sso_metrics_latency(ngx_uint_t which, ngx_msec_t ms)
{
    ngx_uint_t                 i;
    ngx_http_sso_histogram_t  *h;

    if (ngx_http_sso_metrics == NULL || which > NGX_HTTP_SSO_LATENCY_BACKCHANNEL) {
        return;
    }

    h = &ngx_http_sso_metrics->latency[which];

    for (i = 0; i < NGX_HTTP_SSO_METRICS_BUCKETS; i++) {
        if (ms <= ngx_http_sso_buckets[i]) {
            break;
        }
    }

    (void) ngx_atomic_fetch_add(&h->bucket[i], 1);
    (void) ngx_atomic_fetch_add(&h->sum_ms, ms);
}


void
ngx_http_sso_metrics_redis(ngx_int_t delta)
{
    if (ngx_http_sso_metrics == NULL) {
        return;
    }

    (void) ngx_atomic_fetch_add(&ngx_http_sso_metrics->redis_connections, delta);
}


/* ---- the text format ---- */

static const char  ngx_http_sso_metrics_help[] =
    "# HELP sso_logins_total Logins that ended, by provider, protocol and outcome"
    " (the status name; OK: signed in).\n"
    "# TYPE sso_logins_total counter\n";


/* A label value as the text format wants it: \, " and newline escaped. */
static u_char *
ngx_http_sso_metrics_label(u_char *p, u_char *data, size_t len)
{
    size_t  i;

    for (i = 0; i < len; i++) {
        if (data[i] == '\\' || data[i] == '"') {
            *p++ = '\\';
            *p++ = data[i];

        } else if (data[i] == '\n') {
            *p++ = '\\';
            *p++ = 'n';

        } else {
            *p++ = data[i];
        }
    }

    return p;
}


static u_char *
ngx_http_sso_metrics_family(u_char *p, ngx_uint_t family, const char *name,
    const char *label)
{
    ngx_uint_t              i;
    ngx_http_sso_series_t  *s;

    for (i = 0; i < NGX_HTTP_SSO_METRICS_SERIES; i++) {
        s = &ngx_http_sso_metrics->series[i];

        if (s->hash == 0) {
            continue;
        }

        ngx_memory_barrier();

        if (s->family != family) {
            continue;
        }

        p = ngx_sprintf(p, "%s{", name);

        if (family == NGX_HTTP_SSO_M_LOGINS || family == NGX_HTTP_SSO_M_METADATA
            || family == NGX_HTTP_SSO_M_METADATA_SUCCESS)
        {
            p = ngx_cpymem(p, "provider=\"", sizeof("provider=\"") - 1);
            p = ngx_http_sso_metrics_label(p, s->provider, s->provider_len);
            p = ngx_cpymem(p, "\"", 1);
        }

        if (label) {
            p = ngx_sprintf(p, "%s%s=\"", p[-1] == '{' ? "" : ",", label);
            p = ngx_http_sso_metrics_label(p, s->label, s->label_len);
            p = ngx_cpymem(p, "\"", 1);
        }

        if (family == NGX_HTTP_SSO_M_LOGINS) {
            p = ngx_sprintf(p, ",outcome=\"%s\"",
                            s->status == SSO_OK
                            ? "OK" : sso_status_name((sso_status) s->status));
        }

        p = ngx_sprintf(p, "} %uA\n", s->value);
    }

    return p;
}


static u_char *
ngx_http_sso_metrics_histograms(u_char *p)
{
    ngx_uint_t                 i, j;
    ngx_atomic_uint_t          count;
    ngx_http_sso_histogram_t  *h;

    p = ngx_sprintf(p,
            "# HELP sso_latency_seconds Time to answer: Redis commands, the app's"
            " hook, identity providers' back-channel.\n"
            "# TYPE sso_latency_seconds histogram\n");

    for (i = 0; i <= NGX_HTTP_SSO_LATENCY_BACKCHANNEL; i++) {
        h = &ngx_http_sso_metrics->latency[i];
        count = 0;

        for (j = 0; j < NGX_HTTP_SSO_METRICS_BUCKETS; j++) {
            count += h->bucket[j];
            p = ngx_sprintf(p, "sso_latency_seconds_bucket{target=\"%s\",le=\"%ui.%03ui\"}"
                            " %uA\n", ngx_http_sso_latency_names[i],
                            ngx_http_sso_buckets[j] / 1000,
                            ngx_http_sso_buckets[j] % 1000, count);
        }

        count += h->bucket[j];
        p = ngx_sprintf(p, "sso_latency_seconds_bucket{target=\"%s\",le=\"+Inf\"} %uA\n"
                        "sso_latency_seconds_sum{target=\"%s\"} %uA.%03uA\n"
                        "sso_latency_seconds_count{target=\"%s\"} %uA\n",
                        ngx_http_sso_latency_names[i], count,
                        ngx_http_sso_latency_names[i], h->sum_ms / 1000,
                        h->sum_ms % 1000, ngx_http_sso_latency_names[i], count);
    }

    return p;
}


static ngx_int_t
ngx_http_sso_metrics_handler(ngx_http_request_t *r)
{
    u_char       *p;
    size_t        size;
    ngx_int_t     rc;
    ngx_buf_t    *b;
    ngx_uint_t    i;
    ngx_chain_t   out;

    if (r->method != NGX_HTTP_GET && r->method != NGX_HTTP_HEAD) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    if (ngx_http_sso_metrics == NULL) {
        return NGX_HTTP_SERVICE_UNAVAILABLE;
    }

    /* each series line fits in 512 bytes even with every character escaped */
    size = 16384 + NGX_HTTP_SSO_METRICS_SERIES * 512;

    b = ngx_create_temp_buf(r->pool, size);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = b->last;

    p = ngx_cpymem(p, ngx_http_sso_metrics_help,
                   sizeof(ngx_http_sso_metrics_help) - 1);
    p = ngx_http_sso_metrics_family(p, NGX_HTTP_SSO_M_LOGINS, "sso_logins_total",
                                    "protocol");

    p = ngx_sprintf(p,
            "# HELP sso_gate_decisions_total Decisions of the session gate.\n"
            "# TYPE sso_gate_decisions_total counter\n");

    for (i = SSO_GATE_ALLOW; i <= SSO_GATE_ERROR; i++) {
        p = ngx_sprintf(p, "sso_gate_decisions_total{decision=\"%s\"} %uA\n",
                        ngx_http_sso_gate_names[i], ngx_http_sso_metrics->gate[i]);
    }

    p = ngx_sprintf(p,
            "# HELP sso_provisioning_decisions_total Just-in-time provisioning"
            " decisions.\n"
            "# TYPE sso_provisioning_decisions_total counter\n");
    p = ngx_http_sso_metrics_family(p, NGX_HTTP_SSO_M_PROVISIONING,
                                    "sso_provisioning_decisions_total", "decision");

    p = ngx_sprintf(p,
            "# HELP sso_logouts_total Logouts and revocations, by channel.\n"
            "# TYPE sso_logouts_total counter\n");
    p = ngx_http_sso_metrics_family(p, NGX_HTTP_SSO_M_LOGOUTS, "sso_logouts_total",
                                    "channel");

    p = ngx_sprintf(p,
            "# HELP sso_sessions_revoked_total Sessions ended by logouts and"
            " revocations, by channel.\n"
            "# TYPE sso_sessions_revoked_total counter\n");
    p = ngx_http_sso_metrics_family(p, NGX_HTTP_SSO_M_REVOKED,
                                    "sso_sessions_revoked_total", "channel");

    p = ngx_sprintf(p,
            "# HELP sso_scim_operations_total SCIM changes, by operation.\n"
            "# TYPE sso_scim_operations_total counter\n");
    p = ngx_http_sso_metrics_family(p, NGX_HTTP_SSO_M_SCIM,
                                    "sso_scim_operations_total", "operation");

    p = ngx_sprintf(p,
            "# HELP sso_saml_metadata_refresh_total Refreshes of IdP metadata from"
            " its URL, by provider and outcome.\n"
            "# TYPE sso_saml_metadata_refresh_total counter\n");
    p = ngx_http_sso_metrics_family(p, NGX_HTTP_SSO_M_METADATA,
                                    "sso_saml_metadata_refresh_total", "outcome");

    p = ngx_sprintf(p,
            "# HELP sso_saml_metadata_last_success_seconds When a worker last"
            " refreshed a provider's IdP metadata (Unix time).\n"
            "# TYPE sso_saml_metadata_last_success_seconds gauge\n");
    p = ngx_http_sso_metrics_family(p, NGX_HTTP_SSO_M_METADATA_SUCCESS,
                                    "sso_saml_metadata_last_success_seconds", NULL);

    p = ngx_sprintf(p,
            "# HELP sso_session_cache_hits_total Gate lookups the worker's session"
            " cache answered.\n"
            "# TYPE sso_session_cache_hits_total counter\n"
            "sso_session_cache_hits_total %uA\n"
            "# HELP sso_session_cache_misses_total Gate lookups that went to Redis"
            " while the cache was on.\n"
            "# TYPE sso_session_cache_misses_total counter\n"
            "sso_session_cache_misses_total %uA\n"
            "# HELP sso_session_cache_evictions_total Sessions the caches let go"
            " (expired, revoked, pushed out, flushed).\n"
            "# TYPE sso_session_cache_evictions_total counter\n"
            "sso_session_cache_evictions_total %uA\n"
            "# HELP sso_redis_connections Open Redis connections of all workers"
            " (two per worker when healthy).\n"
            "# TYPE sso_redis_connections gauge\n"
            "sso_redis_connections %uA\n"
            "# HELP sso_metrics_series_dropped_total Events not counted: the"
            " series table is full.\n"
            "# TYPE sso_metrics_series_dropped_total counter\n"
            "sso_metrics_series_dropped_total %uA\n",
            ngx_http_sso_metrics->cache_hits, ngx_http_sso_metrics->cache_misses,
            ngx_http_sso_metrics->cache_evictions,
            ngx_http_sso_metrics->redis_connections,
            ngx_http_sso_metrics->series_full);

    p = ngx_http_sso_metrics_histograms(p);

    b->last = p;
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    r->headers_out.status = NGX_HTTP_OK;
    r->headers_out.content_length_n = b->last - b->pos;
    ngx_str_set(&r->headers_out.content_type, "text/plain; version=0.0.4");
    r->headers_out.content_type_len = r->headers_out.content_type.len;

    rc = ngx_http_send_header(r);
    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


char *
ngx_http_sso_metrics_directive(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_core_loc_conf_t  *clcf;

    ngx_http_sso_loc_conf_t  *slcf = conf;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

    if (slcf->metrics) {
        return "is duplicate";
    }

    /* never behind the gate: allow/deny (or auth_request) protect it */
    clcf->handler = ngx_http_sso_metrics_handler;
    slcf->metrics = 1;

    return NGX_CONF_OK;
}
