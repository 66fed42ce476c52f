# Request header plumbing that changed in nginx 1.23 (the Cookie headers a linked list, not
# an array, and a new ngx_http_parse_multi_header_lines): the same answers on 1.22 and 1.26.
use strict;
use warnings;
use lib 't/lib';
use Test::Base;
use Test::Nginx::SSO;

run_tests();

__DATA__

=== TEST 1: the session cookie is found in the second of two Cookie headers
--- session
user: alice
--- config
location /sso/ { sso_endpoints; }
location / {
    sso on;
    proxy_set_header X-Remote-User $sso_user;
    proxy_pass http://127.0.0.1:$TEST_NGINX_UPSTREAM_PORT;
}
--- more_headers
Accept: text/html
Cookie: theme=dark; lang=en
Cookie: __Host-sso=$TEST_NGINX_SESSION
--- error_code: 200
--- response_body_like
^X-Remote-User: alice$
--- no_error_log
[error]

=== TEST 2: the session cookie among other cookies of one Cookie header
--- session
user: bob
--- config
location /sso/ { sso_endpoints; }
location / {
    sso on;
    proxy_set_header X-Remote-User $sso_user;
    proxy_pass http://127.0.0.1:$TEST_NGINX_UPSTREAM_PORT;
}
--- more_headers
Accept: text/html
Cookie: a=1; __Host-sso=$TEST_NGINX_SESSION; b=2
--- error_code: 200
--- response_body_like
^X-Remote-User: bob$
