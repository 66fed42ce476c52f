
/*
 * sso_pages DIR: the operator's templates of the pages people see. DIR/page.html lays out
 * every page; DIR/<name>.html (chooser, error, denied, pending, unavailable, used,
 * signed-out), where present, one page. The files are read and checked at the directive's
 * line, so that `nginx -t` names the file, the line in it and the mistake; the engine gets
 * them at init.
 */

#include "ngx_http_sso_module.h"


typedef struct {
    sso_str                      name;
    ngx_str_t                    html;
} ngx_http_sso_page_t;


static char *ngx_http_sso_read_page(ngx_conf_t *cf, ngx_str_t *dir, sso_str name,
    ngx_array_t *pages);


char *
ngx_http_sso_pages(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_sso_main_conf_t *smcf = conf;

    char       *rv;
    size_t      i;
    sso_str     name;
    ngx_str_t  *value, dir;

    if (smcf->pages) {
        return "is duplicate";
    }

    value = cf->args->elts;
    dir = value[1];

    if (dir.len == 0) {
        return "needs a directory";
    }

    if (ngx_conf_full_name(cf->cycle, &dir, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    smcf->pages = ngx_array_create(cf->pool, 8, sizeof(ngx_http_sso_page_t));
    if (smcf->pages == NULL) {
        return NGX_CONF_ERROR;
    }

    for (i = 0; /* void */; i++) {
        name = sso_page_template_name(i);
        if (name.len == 0) {
            break;
        }

        rv = ngx_http_sso_read_page(cf, &dir, name, smcf->pages);
        if (rv != NGX_CONF_OK) {
            return rv;
        }
    }

    return NGX_CONF_OK;
}


/* DIR/<name>.html, checked by the core; only page.html must exist */
static char *
ngx_http_sso_read_page(ngx_conf_t *cf, ngx_str_t *dir, sso_str name, ngx_array_t *pages)
{
    char                 *rv;
    u_char                problem[NGX_MAX_CONF_ERRSTR];
    ngx_err_t             err;
    ngx_str_t             file;
    ngx_file_info_t       fi;
    ngx_http_sso_page_t  *page;

    file.len = dir->len + 1 + name.len + sizeof(".html") - 1;
    file.data = ngx_pnalloc(cf->pool, file.len + 1);
    if (file.data == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_sprintf(file.data, "%V/%*s.html%Z", dir, name.len, name.data);

    if (ngx_file_info(file.data, &fi) == NGX_FILE_ERROR) {
        err = ngx_errno;

        if (err == NGX_ENOENT
            && !(name.len == 4 && ngx_strncmp(name.data, "page", 4) == 0))
        {
            return NGX_CONF_OK;
        }

        ngx_conf_log_error(NGX_LOG_EMERG, cf, err,
                           "sso_pages: cannot read \"%V\" (the directory must hold "
                           "page.html, which lays out every page; the built-in one is "
                           "core/pages/page.html)", &file);
        return NGX_CONF_ERROR;
    }

    page = ngx_array_push(pages);
    if (page == NULL) {
        return NGX_CONF_ERROR;
    }

    page->name = name;
    problem[0] = '\0';

    rv = ngx_http_sso_read_conf_file(cf, "page template", &file, &page->html);
    if (rv != NGX_CONF_OK) {
        return rv;
    }

    if (sso_page_template_check(name, ngx_http_sso_view(&page->html), (char *) problem,
                                sizeof(problem))
        != SSO_OK)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "sso_pages: \"%V\" is not usable: %s",
                           &file, problem);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/* At init: the engine lays out its pages with the templates read above. */
ngx_int_t
ngx_http_sso_init_pages(ngx_conf_t *cf, ngx_http_sso_main_conf_t *smcf)
{
    u_char                problem[NGX_MAX_CONF_ERRSTR];
    ngx_uint_t            i;
    ngx_http_sso_page_t  *page;

    if (smcf->pages == NULL) {
        return NGX_OK;
    }

    page = smcf->pages->elts;
    problem[0] = '\0';

    for (i = 0; i < smcf->pages->nelts; i++) {
        if (sso_engine_set_page_template(smcf->engine, page[i].name,
                                         ngx_http_sso_view(&page[i].html),
                                         (char *) problem, sizeof(problem))
            != SSO_OK)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "sso_pages: the %*s template is not usable: %s",
                               page[i].name.len, page[i].name.data, problem);
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}
