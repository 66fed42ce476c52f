# $sso_* variables carry the session's identity to the upstream.
use strict;
use warnings;
use lib 't/lib';
use Test::Base;
use Test::Nginx::SSO;

run_tests();

__DATA__

=== TEST 1: every identity variable is set from the session
--- session
provider: corp
subject: 00u1abcd
user: 42
email: new.hire@superfantasy.com
name: New Hire
group: engineering
group: CN=ops,OU=groups
role: developer
role: member
attr: department=R&D
--- config
location /sso/ { sso_endpoints; }
location / {
    sso on;
    proxy_set_header X-Remote-User     $sso_user;
    proxy_set_header X-Remote-Email    $sso_email;
    proxy_set_header X-Remote-Name     $sso_name;
    proxy_set_header X-Remote-Groups   $sso_groups;
    proxy_set_header X-Remote-Roles    $sso_roles;
    proxy_set_header X-Remote-Provider $sso_provider;
    proxy_set_header X-Remote-Subject  $sso_subject;
    proxy_set_header X-Remote-Dept     $sso_attr_department;
    proxy_set_header X-Remote-Missing  "[$sso_attr_missing]";
    proxy_pass http://127.0.0.1:$TEST_NGINX_UPSTREAM_PORT;
}
--- request
GET /
--- more_headers
Cookie: __Host-sso=$TEST_NGINX_SESSION
--- error_code: 200
--- response_body_like
^X-Remote-User: 42$
^X-Remote-Email: new.hire@superfantasy.com$
^X-Remote-Name: New Hire$
^X-Remote-Groups: engineering,CN=ops%2COU=groups$
^X-Remote-Roles: developer,member$
^X-Remote-Provider: corp$
^X-Remote-Subject: 00u1abcd$
^X-Remote-Dept: R&D$
^X-Remote-Missing: \[\]$
--- no_error_log
[error]

=== TEST 2: variables are empty where sso is off, even with a valid cookie
--- session
user: 42
--- config
location / {
    sso off;
    proxy_set_header X-Remote-User "[$sso_user]";
    proxy_pass http://127.0.0.1:$TEST_NGINX_UPSTREAM_PORT;
}
--- request
GET /
--- more_headers
Cookie: __Host-sso=$TEST_NGINX_SESSION
--- error_code: 200
--- response_body_like
^X-Remote-User: \[\]$

=== TEST 3: variables work in headers added to the response and in logs
--- session
user: 99
email: a@corp.example
--- config
location /sso/ { sso_endpoints; }
location / {
    sso on;
    add_header X-Seen-User $sso_user;
    proxy_pass http://127.0.0.1:$TEST_NGINX_UPSTREAM_PORT;
}
--- request
GET /
--- more_headers
Cookie: __Host-sso=$TEST_NGINX_SESSION
--- error_code: 200
--- response_headers
X-Seen-User: 99
