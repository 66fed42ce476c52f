# The session gate: who gets through, who is sent to login, who gets a 401.
use strict;
use warnings;
use lib 't/lib';
use Test::Base;
use Test::Nginx::SSO;

run_tests();

__DATA__

=== TEST 1: browser navigation without a session is sent to login with return_to
--- config
location /sso/ { sso_endpoints; }
location / { sso on; proxy_pass http://127.0.0.1:$TEST_NGINX_UPSTREAM_PORT; }
--- request
GET /reports/q3?year=2026
--- more_headers
Accept: text/html,application/xhtml+xml
--- error_code: 302
--- response_headers
Location: ~^http://localhost:\d+/sso/login\?return_to=/reports/q3%3Fyear%3D2026$
Cache-Control: no-store
!Set-Cookie
--- error_log
sso: login required: SESSION_NO_COOKIE
--- no_error_log
[error]

=== TEST 1b: behind a TLS-terminating load balancer, absolute_redirect off keeps redirects relative
nginx sees http and its own address there; its own rule for redirects applies to the module's.
--- config
absolute_redirect off;
location /sso/ { sso_endpoints; }
location / {
    sso on;
    proxy_pass http://127.0.0.1:$TEST_NGINX_UPSTREAM_PORT;
}
--- request
GET /reports
--- more_headers
Accept: text/html
Sec-Fetch-Mode: navigate
--- error_code: 302
--- response_headers
Location: /sso/login?return_to=/reports

=== TEST 2: an API client without a session gets 401 with WWW-Authenticate
--- config
location /sso/ { sso_endpoints; }
location / { sso on; proxy_pass http://127.0.0.1:$TEST_NGINX_UPSTREAM_PORT; }
--- request
GET /api/items
--- more_headers
Accept: application/json
--- error_code: 401
--- response_headers
WWW-Authenticate: SSO realm="sso", login="/sso/login"
Content-Type: application/json
--- response_body_like
^\{"error":"login_required","login_url":"/sso/login","request_id":"[0-9a-f]{32}"\}$
--- no_error_log
[error]

=== TEST 3: a POST from a browser is not a navigation: 401, not a redirect
--- config
location /sso/ { sso_endpoints; }
location / { sso on; proxy_pass http://127.0.0.1:$TEST_NGINX_UPSTREAM_PORT; }
--- request
POST /form
a=1
--- more_headers
Accept: text/html
--- error_code: 401
--- no_error_log
[error]

=== TEST 4: fetch() and XHR from a page get 401 even when they accept HTML
--- config
location /sso/ { sso_endpoints; }
location / { sso on; proxy_pass http://127.0.0.1:$TEST_NGINX_UPSTREAM_PORT; }
--- request
GET /partial
--- more_headers
Accept: text/html
Sec-Fetch-Mode: cors
--- error_code: 401

=== TEST 5: an off-site return_to is never produced
--- config
location /sso/ { sso_endpoints; }
location / { sso on; proxy_pass http://127.0.0.1:$TEST_NGINX_UPSTREAM_PORT; }
--- request
GET //evil.example/phish
--- more_headers
Accept: text/html
--- error_code: 302
--- response_headers
Location: ~/sso/login\?return_to=/$

=== TEST 6: a malformed cookie is refused without a store lookup, and cleared
--- config
location /sso/ { sso_endpoints; }
location / { sso on; proxy_pass http://127.0.0.1:$TEST_NGINX_UPSTREAM_PORT; }
--- request
GET /
--- more_headers
Accept: text/html
Cookie: __Host-sso=../../etc/passwd
--- error_code: 302
--- response_headers
Set-Cookie: __Host-sso=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Lax
--- error_log
SESSION_MALFORMED_COOKIE

=== TEST 7: an unknown (well-formed) session id is refused
--- config
location /sso/ { sso_endpoints; }
location / { sso on; proxy_pass http://127.0.0.1:$TEST_NGINX_UPSTREAM_PORT; }
--- request
GET /
--- more_headers
Accept: text/html
Cookie: __Host-sso=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
--- error_code: 302
--- error_log
SESSION_NOT_FOUND
--- no_error_log
[error]

=== TEST 8: a valid session reaches the upstream
--- session
user: 42
email: new.hire@corp.example
--- config
location /sso/ { sso_endpoints; }
location / {
    sso on;
    proxy_set_header X-Remote-User $sso_user;
    proxy_pass http://127.0.0.1:$TEST_NGINX_UPSTREAM_PORT;
}
--- request
GET /dashboard
--- more_headers
Cookie: theme=dark; __Host-sso=$TEST_NGINX_SESSION
--- error_code: 200
--- response_body_like
^request: GET /dashboard HTTP/1.0$
^X-Remote-User: 42$
--- no_error_log
[error]

=== TEST 9: sso off in a nested location lets requests through without a session
--- config
location /sso/ { sso_endpoints; }
sso on;
location / { proxy_pass http://127.0.0.1:$TEST_NGINX_UPSTREAM_PORT; }
location /public/ { sso off; proxy_pass http://127.0.0.1:$TEST_NGINX_UPSTREAM_PORT; }
--- request
GET /public/logo.png
--- error_code: 200
--- response_body_like
^request: GET /public/logo.png

=== TEST 10: sso on at server level is inherited by locations
--- config
location /sso/ { sso_endpoints; }
sso on;
location /app/ { proxy_pass http://127.0.0.1:$TEST_NGINX_UPSTREAM_PORT; }
--- request
GET /app/x
--- error_code: 401

=== TEST 11: sso on at http level is inherited too
--- http_config
sso on;
--- config
location /sso/ { sso_endpoints; }
location / { proxy_pass http://127.0.0.1:$TEST_NGINX_UPSTREAM_PORT; }
--- request
GET /
--- error_code: 401

=== TEST 12: the session cookie name follows sso_session cookie=
--- http_config
sso_session cookie=__Host-app_session;
--- session
user: 7
--- config
location /sso/ { sso_endpoints; }
location / { sso on; proxy_set_header X-Remote-User $sso_user; proxy_pass http://127.0.0.1:$TEST_NGINX_UPSTREAM_PORT; }
--- request
GET /
--- more_headers
Cookie: __Host-sso=$TEST_NGINX_SESSION; __Host-app_session=$TEST_NGINX_SESSION
--- error_code: 200
--- response_body_like
^X-Remote-User: 7$

=== TEST 13: a custom login URL is used for the redirect
--- http_config
sso_login_url /auth/start?tenant=a;
--- config
location /auth/ { sso_endpoints; }
location / { sso on; proxy_pass http://127.0.0.1:$TEST_NGINX_UPSTREAM_PORT; }
--- request
GET /x
--- more_headers
Accept: text/html
--- error_code: 302
--- response_headers
Location: ~/auth/start\?tenant=a&return_to=/x$

=== TEST 14: the login URL behind the gate (a rewrite nginx -t cannot follow) is never redirected to itself
--- config
location /sso/ { sso_endpoints; }
location / { sso on; proxy_pass http://127.0.0.1:$TEST_NGINX_UPSTREAM_PORT; }
rewrite ^/sso/login$ /app/login;
--- request
GET /sso/login?return_to=%2Freports
--- more_headers
Accept: text/html
--- error_code: 503
--- response_headers
!Location
Cache-Control: no-store
Retry-After: 300
Content-Security-Policy: ~^default-src 'none'; style-src 'sha256-
--- response_body_like
Sign-in is not set up
--- error_log
sso: request failed: LOGIN_URL_GATED
--- response_body_unlike
return_to

=== TEST 15: the same for a custom login URL with a query, and an API client
--- http_config
sso_login_url /auth/start?tenant=a;
--- config
location = /auth/start { sso_endpoints; }
location / { sso on; proxy_pass http://127.0.0.1:$TEST_NGINX_UPSTREAM_PORT; }
rewrite ^/auth/start$ /gated;
--- request
GET /auth/start?tenant=a&return_to=%2F
--- more_headers
Accept: application/json
--- error_code: 503
--- response_headers
!Location
!WWW-Authenticate
Content-Type: application/json
Retry-After: 300
!Content-Security-Policy
--- response_body_like
^\{"error":"login_url_gated","message":"[^"]+","request_id":"[0-9a-f]{32}"\}$
--- error_log
LOGIN_URL_GATED
