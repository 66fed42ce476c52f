# Identity-header hygiene: what the client claims about identity never reaches the upstream.
use strict;
use warnings;
use lib 't/lib';
use Test::Base;
use Test::Nginx::SSO;

run_tests();

__DATA__

=== TEST 1: forged identity headers are removed in every spelling, the real one is set
--- http_config
underscores_in_headers on;
--- session
user: 42
--- config
location /sso/ { sso_endpoints; }
location / {
    sso on;
    proxy_set_header X-Remote-User $sso_user;
    proxy_pass http://127.0.0.1:$TEST_NGINX_UPSTREAM_PORT;
}
--- request
GET /
--- more_headers
Cookie: __Host-sso=$TEST_NGINX_SESSION
X-Remote-User: admin
x-remote-user: admin2
X_Remote_User: admin3
X-REMOTE-ROLES: superuser
x_remote_email: ceo@corp.example
Remote-User: root
REMOTE_USER: root2
X-Forwarded-User: root3
X-Forwarded-Email: ceo@corp.example
X-Auth-Request-User: root4
X-SSO-User: root5
X-Harmless: kept
--- error_code: 200
--- response_body_like
^X-Remote-User: 42$
^X-Harmless: kept$
--- response_body_unlike
admin
superuser
ceo@
root
--- error_log
sso: removed client header "X_Remote_User"
sso: removed client header "REMOTE_USER"
--- no_error_log
[error]

=== TEST 2: names from sso_strip_header are removed too, with prefix rules
--- http_config
underscores_in_headers on;
--- session
user: 42
--- config
location /sso/ { sso_endpoints; }
location / {
    sso on;
    sso_strip_header X-App-Role X-Tenant-* Employee_Id;
    proxy_set_header X-App-Role admin-from-config;
    proxy_pass http://127.0.0.1:$TEST_NGINX_UPSTREAM_PORT;
}
--- request
GET /
--- more_headers
Cookie: __Host-sso=$TEST_NGINX_SESSION
x_app_role: forged
X-Tenant-Id: other-tenant
X-Tenant: kept-not-prefix-match
EMPLOYEE-ID: forged-employee
Employee: kept-not-exact
--- error_code: 200
--- response_body_like
^X-App-Role: admin-from-config$
^X-Tenant: kept-not-prefix-match$
^Employee: kept-not-exact$
--- response_body_unlike
forged
other-tenant

=== TEST 3: sso_strip_header is inherited from the server level
--- http_config
underscores_in_headers on;
--- session
user: 42
--- config
location /sso/ { sso_endpoints; }
sso_strip_header X-Employee-Id;
location / {
    sso on;
    proxy_pass http://127.0.0.1:$TEST_NGINX_UPSTREAM_PORT;
}
--- request
GET /
--- more_headers
Cookie: __Host-sso=$TEST_NGINX_SESSION
X_EMPLOYEE_ID: 1
--- error_code: 200
--- response_body_unlike
employee

=== TEST 4: forged headers are stripped before the gate, even when the request is denied
--- config
location /sso/ { sso_endpoints; }
location / {
    sso on;
    proxy_pass http://127.0.0.1:$TEST_NGINX_UPSTREAM_PORT;
}
--- request
GET /
--- more_headers
X-Remote-User: admin
--- error_code: 401
--- error_log
sso: removed client header "X-Remote-User"

=== TEST 5: client-sent identity headers do not leak into $http_ variables either
--- session
user: 42
--- config
location /sso/ { sso_endpoints; }
location / {
    sso on;
    proxy_set_header X-Echo "[$http_x_remote_user]";
    proxy_pass http://127.0.0.1:$TEST_NGINX_UPSTREAM_PORT;
}
--- request
GET /
--- more_headers
Cookie: __Host-sso=$TEST_NGINX_SESSION
X-Remote-User: admin
--- error_code: 200
--- response_body_like
^X-Echo: \[\]$

=== TEST 6: set and if in the location already see the cleaned headers
--- session
user: 42
--- config
location /sso/ { sso_endpoints; }
location / {
    sso on;
    set $claimed "[$http_x_remote_user]";
    if ($http_remote_user) { return 418; }
    proxy_set_header X-Claimed $claimed;
    proxy_pass http://127.0.0.1:$TEST_NGINX_UPSTREAM_PORT;
}
--- request
GET /
--- more_headers
Cookie: __Host-sso=$TEST_NGINX_SESSION
X-Remote-User: admin
Remote-User: root
--- error_code: 200
--- response_body_like
^X-Claimed: \[\]$

=== TEST 7: a stripped header nginx keeps a pointer to is gone from its variables too
Authorization, X-Forwarded-For and X-Real-IP are parsed by nginx into fields of its own
($remote_user, $proxy_add_x_forwarded_for, $http_x_forwarded_for): removing the header from
the list must clear those as well, or the forged value comes back through them.
--- http_config
underscores_in_headers on;
--- session
user: 42
--- config
location /sso/ { sso_endpoints; }
location / {
    sso on;
    sso_strip_header Authorization X-Forwarded-* X-Real-IP User-Agent;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    proxy_set_header X-Echo-Xff "[$http_x_forwarded_for]";
    proxy_set_header X-Echo-User "[$remote_user]";
    proxy_set_header X-Echo-Real "[$http_x_real_ip]";
    proxy_set_header X-Echo-Agent "[$http_user_agent]";
    proxy_pass http://127.0.0.1:$TEST_NGINX_UPSTREAM_PORT;
}
--- request
GET /
--- more_headers
Cookie: __Host-sso=$TEST_NGINX_SESSION
Authorization: Basic bWFsbG9yeTpwdw==
X-Forwarded-For: 6.6.6.6
X-Forwarded-For: 7.7.7.7
X-Real-IP: 6.6.6.6
User-Agent: forged-agent
--- error_code: 200
--- response_body_like
^X-Forwarded-For: 127\.0\.0\.1$
^X-Echo-Xff: \[\]$
^X-Echo-User: \[\]$
^X-Echo-Real: \[\]$
^X-Echo-Agent: \[\]$
--- response_body_unlike
6\.6\.6\.6
7\.7\.7\.7
mallory
forged-agent
--- error_log
sso: removed client header "Authorization"
--- no_error_log
[error]

=== TEST 8: forged identity headers are stripped in a "sso off" location of a server that uses sso
--- http_config
underscores_in_headers on;
--- config
sso_strip_header X-Tenant-*;
location /sso/ { sso_endpoints; }
location / { sso on; proxy_pass http://127.0.0.1:$TEST_NGINX_UPSTREAM_PORT; }
location /public/ {
    sso off;
    proxy_pass http://127.0.0.1:$TEST_NGINX_UPSTREAM_PORT;
}
location /assets/ { proxy_pass http://127.0.0.1:$TEST_NGINX_UPSTREAM_PORT; }
--- request
GET /public/page
--- more_headers
X-Remote-User: admin
X_Forwarded_User: root
X-Tenant-Id: other-tenant
X-Harmless: kept
--- error_code: 200
--- response_body_like
^X-Harmless: kept$
--- response_body_unlike
admin
root
other-tenant
--- error_log
sso: removed client header "X-Remote-User"
--- no_error_log
[error]

=== TEST 8b: and in a location of that server that does not mention sso
--- http_config
underscores_in_headers on;
--- config
sso_strip_header X-Tenant-*;
location /sso/ { sso_endpoints; }
location / { sso on; proxy_pass http://127.0.0.1:$TEST_NGINX_UPSTREAM_PORT; }
location /public/ {
    sso off;
    proxy_pass http://127.0.0.1:$TEST_NGINX_UPSTREAM_PORT;
}
location /assets/ { proxy_pass http://127.0.0.1:$TEST_NGINX_UPSTREAM_PORT; }
--- request
GET /assets/app.js
--- more_headers
X-Remote-User: admin
X_Forwarded_User: root
X-Tenant-Id: other-tenant
X-Harmless: kept
--- error_code: 200
--- response_body_like
^X-Harmless: kept$
--- response_body_unlike
admin
root
other-tenant
--- error_log
sso: removed client header "X-Remote-User"
--- no_error_log
[error]

=== TEST 9: a server that does not use sso is left alone
--- http_config
server {
    listen 127.0.0.1:$TEST_NGINX_SERVER_PORT;
    server_name app.test;
    location /sso/ { sso_endpoints; }
    location / { sso on; proxy_pass http://127.0.0.1:$TEST_NGINX_UPSTREAM_PORT; }
}
--- config
location / { proxy_pass http://127.0.0.1:$TEST_NGINX_UPSTREAM_PORT; }
--- request
GET /page
--- more_headers
X-Remote-User: set-by-a-trusted-proxy
--- error_code: 200
--- response_body_like
^X-Remote-User: set-by-a-trusted-proxy$
--- no_error_log
removed client header
