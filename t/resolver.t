# The back-channel through nginx's resolver: a provider known by a host name that resolves to
# several addresses, most of which refuse connections. Every address is tried in turn, so the
# login works whichever one the resolver hands out first; and when none accepts, it fails
# closed with a log line saying so. The DNS server is Test::Nginx::Dns (UDP, A only).
use strict;
use warnings;
use lib 't/lib';
use POSIX ();
use Test::More;
use Test::TCP qw(empty_port);
use Test::Nginx::SSO;
use Test::Nginx::OidcOp;
use Test::Nginx::Dns;

import_servers();
my $env = Test::Nginx::SSO::env();
my $port = $env->{server_port};

# nothing listens on 127.0.0.2..8 at the OP's port; the OP is on 127.0.0.1
my %zone = (
    'op.multi.test' => [(map {"127.0.0.$_"} 2 .. 8), '127.0.0.1'],
    'op.dead.test' => [map {"127.0.0.$_"} 2 .. 4],
);

my $dns = Test::Nginx::Dns->start("$env->{servroot}/zone", %zone);
my $dns_port = $dns->port;

# https: plain http is for loopback literals only; the certificate names the host name (and
# 127.0.0.1 for the browser's side)
my $tls = "$env->{servroot}/tls";
Test::Nginx::OidcOp::make_tls($tls, op => 'DNS:op.multi.test,DNS:op.dead.test,IP:127.0.0.1');
my $op_port = empty_port();
my $op = Test::Nginx::OidcOp::start(port => $op_port, tls => ["$tls/op.crt", "$tls/op.key"],
    ca => "$tls/ca.crt", args => ['--issuer', "https://op.multi.test:$op_port"]);
my $secret_file = "$env->{servroot}/op.secret";
open my $fh, '>', $secret_file or die;
print $fh "test-secret-1\n";
close $fh;
my $redirect = "http://localhost:$port/sso/oidc/callback";

sub provider {
    my ($name, $issuer) = @_;
    return "sso_provider $name {\n    oidc_issuer $issuer;\n    oidc_client_id nginx-app;\n"
        . "    oidc_client_secret_file $secret_file;\n    oidc_redirect_uri $redirect;\n}\n";
}

start_nginx({
    workers => 1,
    http_config => "resolver 127.0.0.1:$dns_port ipv6=off valid=1s;\n"
        . "sso_backchannel_trusted_certificate $tls/ca.crt;\n"
        . provider('multi', "https://op.multi.test:$op_port")
        . provider('dead', "https://op.dead.test:$op_port"),
    config => <<'CONF',
location /sso/ { sso_endpoints; }
location / {
    sso on;
    proxy_set_header X-Remote-User $sso_user;
    proxy_pass http://127.0.0.1:$TEST_NGINX_UPSTREAM_PORT;
}
CONF
});

# the browser reaches the OP at 127.0.0.1 (it has no use for our DNS server)
my $authorize = sub {
    my ($location) = @_;
    $location =~ s{//op\.multi\.test:}{//127.0.0.1:};
    my $res = Test::Nginx::OidcOp::agent($op)->get($location);
    return $res->{headers}{location};
};

# discovery, token and JWKS each go to a name with 8 addresses, 7 of which refuse: with only
# the first address tried, 3 logins in a row would all work about once in 100 000 runs
for my $i (1 .. 3) {
    my $flow = Test::Nginx::OidcOp::login($op, provider => 'multi', authorize => $authorize);
    is($flow->{login}{status}, 302, "login $i: the discovery reached the OP") or diag(error_log());
    is($flow->{callback}{status} // 0, 303, "login $i: token and JWKS too: signed in")
        or diag(error_log());
}
like(error_log(), qr/sso: back-channel GET https:\/\/op\.multi\.test:\d+\/\S+: address \d of 8 refused the connection, trying the next|connect\(\) to address \d of 8 failed/,
    'the log names the refused addresses');

# none accepts: the login stops, and the log says so
clear_error_log();
my $dead = Test::Nginx::OidcOp::login($op, provider => 'dead');
is($dead->{login}{status}, 503, 'no address accepts: the login stops') or diag(error_log());
like(error_log(), qr/back-channel GET https:\/\/op\.dead\.test:\d+\/\S+: (cannot connect|connect\(\) to address 3 of 3 failed)/,
    'after trying all three') or diag(error_log());

done_testing();
