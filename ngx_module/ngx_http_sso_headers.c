
/*
 * Identity-header hygiene: request headers that could pass for identity never reach the
 * upstream from the client. Names are compared after lower-casing and mapping '_' to '-',
 * so "X_REMOTE_USER" and "x-remote-user" are the same name.
 */

#include "ngx_http_sso_module.h"


/*
 * Always stripped where sso is on; a trailing '*' makes an entry a prefix. Each starts
 * with 'x' or 'r' (ngx_http_sso_is_identity_header relies on it).
 */
static ngx_str_t  ngx_http_sso_default_strip[] = {
    ngx_string("x-remote-*"),
    ngx_string("remote-user"),
    ngx_string("x-sso-*"),
    ngx_string("x-auth-request-*"),
    ngx_string("x-forwarded-user"),
    ngx_string("x-forwarded-email"),
    ngx_string("x-forwarded-groups"),
    ngx_string("x-forwarded-preferred-username"),
    ngx_null_string
};


/*
 * What nginx and the gate read to handle the request at all: stripping one
 * would break routing, body framing or the session cookie, not hide identity.
 */
static ngx_str_t  ngx_http_sso_never_strip[] = {
    ngx_string("host"),
    ngx_string("content-length"),
    ngx_string("transfer-encoding"),
    ngx_string("connection"),
    ngx_string("cookie"),
    ngx_null_string
};


static u_char
ngx_http_sso_normalize(u_char c)
{
    c = ngx_tolower(c);
    return (c == '_') ? '-' : c;
}


static ngx_uint_t
ngx_http_sso_name_matches(ngx_str_t *name, ngx_str_t *rule)
{
    size_t      len;
    ngx_uint_t  i, prefix;

    prefix = (rule->len && rule->data[rule->len - 1] == '*');
    len = prefix ? rule->len - 1 : rule->len;

    if (prefix ? name->len < len : name->len != len) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        if (ngx_http_sso_normalize(name->data[i]) != rule->data[i]) {
            return 0;
        }
    }

    return 1;
}


/*
 * Every request header of every request passes here: a header whose first character no
 * rule starts with (most of them: Host, Cookie, Accept...) costs one comparison.
 */
static ngx_uint_t
ngx_http_sso_is_identity_header(ngx_str_t *name, ngx_array_t *extra)
{
    u_char       first;
    ngx_str_t   *rule;
    ngx_uint_t   i;

    if (name->len == 0) {
        return 0;
    }

    first = ngx_http_sso_normalize(name->data[0]);

    if (first == 'x' || first == 'r') {
        for (rule = ngx_http_sso_default_strip; rule->len; rule++) {
            if (rule->data[0] == first && ngx_http_sso_name_matches(name, rule)) {
                return 1;
            }
        }
    }

    if (extra) {
        rule = extra->elts;

        for (i = 0; i < extra->nelts; i++) {
            if (rule[i].data[0] == first
                && ngx_http_sso_name_matches(name, &rule[i]))
            {
                return 1;
            }
        }
    }

    return 0;
}


/*
 * nginx parses some headers into fields of r->headers_in (Authorization,
 * X-Forwarded-For, X-Real-IP, User-Agent...), which $remote_user,
 * $proxy_add_x_forwarded_for and $http_x_forwarded_for read instead of the
 * list. A header removed from the list is cleared there too. All headers of
 * one lower-case name map to one field and share the strip decision, so the
 * whole field goes.
 */
static void
ngx_http_sso_forget_parsed_header(ngx_http_request_t *r, ngx_table_elt_t *h)
{
    u_char                     *field;
    ngx_http_header_t          *hh;
    ngx_http_core_main_conf_t  *cmcf;

    cmcf = ngx_http_get_module_main_conf(r, ngx_http_core_module);

    hh = ngx_hash_find(&cmcf->headers_in_hash, h->hash, h->lowcase_key,
                       h->key.len);

    if (hh == NULL || hh->offset == 0) {
        return;
    }

    field = (u_char *) &r->headers_in + hh->offset;

#if (nginx_version < 1023000)
    /* before 1.23 these two are arrays of pointers, not a chain */
    if (hh->offset == offsetof(ngx_http_headers_in_t, cookies)
#if (NGX_HTTP_X_FORWARDED_FOR)
        || hh->offset == offsetof(ngx_http_headers_in_t, x_forwarded_for)
#endif
       )
    {
        ((ngx_array_t *) field)->nelts = 0;
        return;
    }
#endif

    *(ngx_table_elt_t **) field = NULL;
}


/*
 * The list is rebuilt rather than edited in place: r->headers_in keeps pointers to some
 * elements (host, cookies...), and those stay valid because the old elements are kept.
 * Nothing is copied unless a forged header is present.
 */
ngx_int_t
ngx_http_sso_strip_identity_headers(ngx_http_request_t *r, ngx_array_t *extra)
{
    ngx_uint_t        i, n, found;
    ngx_list_t        kept;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h, *copy;

    found = 0;
    n = 0;

    for (part = &r->headers_in.headers.part; part; part = part->next) {
        h = part->elts;

        for (i = 0; i < part->nelts; i++) {
            n++;

            if (ngx_http_sso_is_identity_header(&h[i].key, extra)) {
                found = 1;
            }
        }
    }

    if (!found) {
        return NGX_OK;
    }

    if (ngx_list_init(&kept, r->pool, n, sizeof(ngx_table_elt_t)) != NGX_OK) {
        return NGX_ERROR;
    }

    for (part = &r->headers_in.headers.part; part; part = part->next) {
        h = part->elts;

        for (i = 0; i < part->nelts; i++) {

            if (ngx_http_sso_is_identity_header(&h[i].key, extra)) {
                /* the value may be anything the client sent: log the name only */
                ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                              "sso: removed client header \"%V\"", &h[i].key);
                ngx_http_sso_forget_parsed_header(r, &h[i]);
                continue;
            }

            copy = ngx_list_push(&kept);
            if (copy == NULL) {
                return NGX_ERROR;
            }

            *copy = h[i];
        }
    }

    r->headers_in.headers = kept;

    return NGX_OK;
}


char *
ngx_http_sso_strip_header(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_sso_loc_conf_t *slcf = conf;

    u_char      *p;
    ngx_str_t   *value, *rule, *needed;
    ngx_uint_t   i, j;

    if (slcf->strip_headers == NGX_CONF_UNSET_PTR) {
        slcf->strip_headers = ngx_array_create(cf->pool, 4, sizeof(ngx_str_t));
        if (slcf->strip_headers == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {

        if (value[i].len == 0 || (value[i].len == 1 && value[i].data[0] == '*')) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid sso_strip_header name \"%V\"", &value[i]);
            return NGX_CONF_ERROR;
        }

        rule = ngx_array_push(slcf->strip_headers);
        if (rule == NULL) {
            return NGX_CONF_ERROR;
        }

        p = ngx_pnalloc(cf->pool, value[i].len);
        if (p == NULL) {
            return NGX_CONF_ERROR;
        }

        for (j = 0; j < value[i].len; j++) {
            p[j] = ngx_http_sso_normalize(value[i].data[j]);
        }

        rule->data = p;
        rule->len = value[i].len;

        for (needed = ngx_http_sso_never_strip; needed->len; needed++) {
            if (ngx_http_sso_name_matches(needed, rule)) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "sso_strip_header \"%V\" would remove the "
                                   "\"%V\" header, which nginx or sso needs "
                                   "to handle the request (Host, "
                                   "Content-Length, Transfer-Encoding, "
                                   "Connection and Cookie cannot be stripped)",
                                   &value[i], needed);
                return NGX_CONF_ERROR;
            }
        }
    }

    return NGX_CONF_OK;
}
