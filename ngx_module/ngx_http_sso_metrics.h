
/*
 * nginx-jit-sso: Prometheus metrics in shared memory (ngx_http_sso_metrics.c). Every call
 * is an atomic increment or two, and does nothing before the zone exists.
 */

#ifndef _NGX_HTTP_SSO_METRICS_H_INCLUDED_
#define _NGX_HTTP_SSO_METRICS_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <sso/sso.h>


#define NGX_HTTP_SSO_LATENCY_REDIS        0
#define NGX_HTTP_SSO_LATENCY_HOOK         1
#define NGX_HTTP_SSO_LATENCY_BACKCHANNEL  2


ngx_int_t ngx_http_sso_metrics_add_zone(ngx_conf_t *cf);
char *ngx_http_sso_metrics_directive(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);

/* what a step of an endpoint flow says happened (login, logout, provisioning, SCIM) */
void ngx_http_sso_metrics_step(sso_step *step);
/* the gate's decision and its cache lookup */
void ngx_http_sso_metrics_gate(sso_step *step);
/* the worker's session cache evictions since the last call */
void ngx_http_sso_metrics_evictions(sso_engine *engine);
void ngx_http_sso_metrics_latency(ngx_uint_t which, ngx_msec_t ms);
/* an IdP metadata refresh ended (SSO_EVENT_METADATA), at `now` (seconds) */
void ngx_http_sso_metrics_metadata(sso_step *step, time_t now);
/* a Redis connection became ready (+1) or closed after it was (-1) */
void ngx_http_sso_metrics_redis(ngx_int_t delta);


#endif /* _NGX_HTTP_SSO_METRICS_H_INCLUDED_ */
