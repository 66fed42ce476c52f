
/*
 * nginx -t refuses a login URL behind the gate: in every server, the location that would
 * serve the sso_login_url path (found the way nginx finds it for a request: exact and
 * prefix locations, nested ones, then regular expressions) must not have "sso on" unless
 * it is an sso_endpoints location. Otherwise browsers would be sent to the login URL, be
 * gated there, and be sent to it again, forever.
 *
 * Only the configuration is seen here: rewrites, try_files and internal redirects are not
 * followed. The gate's own check (the core answers a request for the login URL path that
 * it would refuse with an error page, never a redirect) covers what this one cannot see.
 */

#include "ngx_http_sso_module.h"


static ngx_int_t ngx_http_sso_static_location(ngx_http_location_tree_node_t *node,
    ngx_str_t *uri, ngx_http_core_loc_conf_t **found);
static ngx_int_t ngx_http_sso_find_location(ngx_http_core_loc_conf_t *pclcf,
    ngx_str_t *uri, ngx_http_core_loc_conf_t **found);
static ngx_http_sso_loc_conf_t *ngx_http_sso_serving_conf(
    ngx_http_core_srv_conf_t *cscf, ngx_str_t *path,
    ngx_http_core_loc_conf_t **found);


/*
 * In a static location tree: NGX_OK for an exact match, NGX_AGAIN for a prefix match
 * (nested and regex locations may still win), NGX_DONE for a location "uri/" that nginx
 * would redirect "uri" to, NGX_DECLINED for none; `*found` is set but for the last.
 */
static ngx_int_t
ngx_http_sso_static_location(ngx_http_location_tree_node_t *node, ngx_str_t *uri,
    ngx_http_core_loc_conf_t **found)
{
    u_char     *p;
    size_t      len, n;
    ngx_int_t   rc, result;

    p = uri->data;
    len = uri->len;
    result = NGX_DECLINED;

    while (node) {
        n = ngx_min(len, (size_t) node->len);
        rc = ngx_filename_cmp(p, node->name, n);

        if (rc != 0) {
            node = (rc < 0) ? node->left : node->right;
            continue;
        }

        if (len > (size_t) node->len) {
            if (node->inclusive == NULL) {
                node = node->right;
                continue;
            }

            /* the longest prefix so far; longer ones are in its subtree */
            *found = node->inclusive;
            result = NGX_AGAIN;
            node = node->tree;
            p += n;
            len -= n;
            continue;
        }

        if (len == (size_t) node->len) {
            if (node->exact) {
                *found = node->exact;
                return NGX_OK;
            }

            *found = node->inclusive;
            return NGX_AGAIN;
        }

        /* len < node->len */

        if (len + 1 == (size_t) node->len && node->auto_redirect) {
            *found = node->exact ? node->exact : node->inclusive;
            result = NGX_DONE;
        }

        node = node->left;
    }

    return result;
}


/*
 * The module's settings where `path` goes in server `cscf`: `*found` is the
 * location that serves it, or the server's own settings when none does.
 */
static ngx_http_sso_loc_conf_t *
ngx_http_sso_serving_conf(ngx_http_core_srv_conf_t *cscf, ngx_str_t *path,
    ngx_http_core_loc_conf_t **found)
{
    ngx_http_core_loc_conf_t  *clcf;

    clcf = cscf->ctx->loc_conf[ngx_http_core_module.ctx_index];

    *found = clcf;
    (void) ngx_http_sso_find_location(clcf, path, found);

    /* a server's own clcf has no loc_conf of its own: its ctx has */
    return (*found == clcf)
           ? cscf->ctx->loc_conf[ngx_http_sso_module.ctx_index]
           : (*found)->loc_conf[ngx_http_sso_module.ctx_index];
}


/*
 * The location under `pclcf` that serves `uri`, into `*found`: NGX_OK when it is final
 * (exact, regex, or nginx's redirect to "uri/"), NGX_AGAIN for the longest prefix match,
 * NGX_DECLINED when none matches (`*found` is left alone).
 */
static ngx_int_t
ngx_http_sso_find_location(ngx_http_core_loc_conf_t *pclcf, ngx_str_t *uri,
    ngx_http_core_loc_conf_t **found)
{
    ngx_int_t                   rc;
    ngx_uint_t                  noregex;
#if (NGX_PCRE)
    ngx_http_core_loc_conf_t  **clcfp;
#endif

    noregex = 0;

    rc = ngx_http_sso_static_location(pclcf->static_locations, uri, found);

    if (rc == NGX_OK || rc == NGX_DONE) {
        return NGX_OK;
    }

    if (rc == NGX_AGAIN) {
        noregex = (*found)->noregex;

        /* its nested locations first; they may replace *found */
        if (ngx_http_sso_find_location(*found, uri, found) == NGX_OK) {
            return NGX_OK;
        }
    }

#if (NGX_PCRE)

    if (!noregex && pclcf->regex_locations) {
        for (clcfp = pclcf->regex_locations; *clcfp; clcfp++) {
            if (ngx_regex_exec((*clcfp)->regex->regex, uri, NULL, 0) >= 0) {
                *found = *clcfp;
                (void) ngx_http_sso_find_location(*clcfp, uri, found);
                return NGX_OK;
            }
        }
    }

#endif

    return rc;
}


ngx_int_t
ngx_http_sso_check_login_location(ngx_conf_t *cf, ngx_http_sso_main_conf_t *smcf)
{
    u_char                      *q, *dst, *src;
    ngx_str_t                    path, dir;
    ngx_str_t                    empty = ngx_string("");  /* %V copies from .data */
    ngx_uint_t                   s;
    ngx_http_sso_loc_conf_t     *slcf;
    ngx_http_core_srv_conf_t   **cscfp;
    ngx_http_core_loc_conf_t    *clcf, *found;
    ngx_http_core_main_conf_t   *cmcf;

    /* the path of the login URL, decoded as nginx decodes a request's */
    q = smcf->login_url.data;
    while (q < smcf->login_url.data + smcf->login_url.len && *q != '?' && *q != '#') {
        q++;
    }

    path.data = ngx_pnalloc(cf->pool, q - smcf->login_url.data);
    if (path.data == NULL) {
        return NGX_ERROR;
    }

    src = smcf->login_url.data;
    dst = path.data;
    ngx_unescape_uri(&dst, &src, q - smcf->login_url.data, 0);
    path.len = dst - path.data;

    /* what to suggest: "/sso/" for "/sso/login", "= /login" for "/login" */
    dir = path;
    while (dir.len && dir.data[dir.len - 1] != '/') {
        dir.len--;
    }

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);
    cscfp = cmcf->servers.elts;

    for (s = 0; s < cmcf->servers.nelts; s++) {
        clcf = cscfp[s]->ctx->loc_conf[ngx_http_core_module.ctx_index];
        slcf = ngx_http_sso_serving_conf(cscfp[s], &path, &found);

        if (!slcf->enable || slcf->endpoints) {
            continue;
        }

        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      "\"sso on\" applies to the login URL \"%V\" in the server at "
                      "%s:%ui (%s%V%s), so browsers would be sent to it forever: add "
                      "\"location %s%V { sso_endpoints; }\" to that server, or point "
                      "\"sso_login_url\" at such a location",
                      &smcf->login_url, cscfp[s]->file_name, cscfp[s]->line,
                      found == clcf ? "no location serves it" : "served by location \"",
                      found == clcf ? &empty : &found->name,
                      found == clcf ? "" : "\"",
                      dir.len > 1 ? "" : "= ", dir.len > 1 ? &dir : &path);

        return NGX_ERROR;
    }

    return NGX_OK;
}


/*
 * For the core's checks of a provider's URLs (sso_config_facts.path): whether
 * a location with sso_endpoints serves `p` in some server (found as for the
 * login URL above), and whether that location has a resolver for the
 * back-channel's host names. Otherwise `where` says what the first server does
 * with the path.
 */
int
ngx_http_sso_path_facts(void *data, sso_str p, sso_str *where)
{
    ngx_conf_t *cf = data;

    int                          facts;
    u_char                      *dst, *src, *msg, *last;
    ngx_str_t                    path;
    ngx_uint_t                   s;
    ngx_http_sso_loc_conf_t     *slcf;
    ngx_http_core_srv_conf_t   **cscfp;
    ngx_http_core_loc_conf_t    *clcf, *found;
    ngx_http_core_main_conf_t   *cmcf;

    where->data = "";
    where->len = 0;

    /* decoded as nginx decodes a request's */
    path.data = ngx_pnalloc(cf->pool, p.len + 1);
    msg = ngx_pnalloc(cf->pool, NGX_MAX_CONF_ERRSTR);
    if (path.data == NULL || msg == NULL) {
        return 0;
    }

    src = (u_char *) p.data;
    dst = path.data;
    ngx_unescape_uri(&dst, &src, p.len, 0);
    path.len = dst - path.data;

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);
    cscfp = cmcf->servers.elts;

    for (s = 0; s < cmcf->servers.nelts; s++) {
        clcf = cscfp[s]->ctx->loc_conf[ngx_http_core_module.ctx_index];
        slcf = ngx_http_sso_serving_conf(cscfp[s], &path, &found);

        if (slcf->endpoints) {
            facts = SSO_PATH_ENDPOINTS;

            if (found->resolver && found->resolver->connections.nelts) {
                facts |= SSO_PATH_RESOLVER;
            }

            return facts;
        }

        if (s > 0) {
            continue;
        }

        last = msg + NGX_MAX_CONF_ERRSTR;

        if (found == clcf) {
            last = ngx_slprintf(msg, last,
                                "the server at %s:%ui has no location for it",
                                cscfp[s]->file_name, cscfp[s]->line);

        } else {
            last = ngx_slprintf(msg, last,
                                "the server at %s:%ui serves it with "
                                "location \"%V\"", cscfp[s]->file_name,
                                cscfp[s]->line, &found->name);
        }

        where->data = (const char *) msg;
        where->len = last - msg;
    }

    return 0;
}
