# HTTP/2, as browsers reach a production nginx (TLS, ALPN "h2", two workers): the gate, the
# identity headers, cookie crumbs, a SAML login whose form POST spans many DATA frames and
# flow-control windows (a body larger than client_body_buffer_size, so nginx spools it), the
# logout POST, and a browser that resets its stream while the login waits on a slow hook:
# the worker keeps serving that connection, the person can sign in again at once, and the
# sanitizer build finds nothing. The client is t/http2/client.mjs (Node's http2).
use strict;
use warnings;
use lib 't/lib';
use HTTP::Tiny;
use JSON::PP qw(encode_json decode_json);
use Test::More;
use Time::HiRes qw(time sleep);
use Test::Nginx::SSO;
use Test::Nginx::SamlIdp;

import_servers();
my $env = Test::Nginx::SSO::env();
my $root = $env->{servroot};
my $port = $env->{server_port};
my $keys = "$root/keys";
system("$env->{repo}/scripts/gen-test-keys", $keys) == 0 or die 'gen-test-keys failed';

open my $fh, '>', "$root/hook.secret" or die;
print $fh "hook-secret-0123456789abcdef\n";
close $fh;
my $hook_port = start_test_hook("$root/hook.secret");
my $hook = HTTP::Tiny->new(timeout => 10);
sub hook_control { $hook->post("http://127.0.0.1:$hook_port/control", { content => encode_json($_[0]) }) }
sub hook_stats { decode_json($hook->get("http://127.0.0.1:$hook_port/stats")->{content}) }

my $idp = Test::Nginx::SamlIdp->new(keys_dir => $keys);
$idp->write_metadata("$root/idp.xml");
my $acs = "https://localhost:$port/sso/saml/acs";
my $sp = 'https://app.test.invalid/sso/saml';

# nginx 1.25.1 moved http2 from the listen line to a directive of its own
my ($version) = `$env->{nginx} -v 2>&1` =~ m{nginx/(\d+\.\d+\.\d+)};
my @v = split /\./, $version;
my $own_directive = $v[0] > 1 || $v[1] > 25 || ($v[1] == 25 && $v[2] >= 1);

start_nginx({
    listen_options => $own_directive ? 'ssl' : 'ssl http2',
    http_config => "sso_provision_hook http://127.0.0.1:$hook_port/provision timeout=5s"
        . " lease=10s secret_file=$root/hook.secret;\n"
        . "sso_provider corp {\n    saml_idp_metadata $root/idp.xml;\n"
        . "    saml_sp_entity_id $sp;\n    saml_acs_url $acs;\n"
        . "    email_domains corp.example;\n    attribute groups memberOf;\n}\n",
    config => ($own_directive ? "http2 on;\n" : '') . <<"CONF",
ssl_certificate $keys/sp.crt;
ssl_certificate_key $keys/sp.key;
client_body_buffer_size 8k;
location /sso/ { sso_endpoints; }
location = /plain { return 200 "plain\\n"; }
location / {
    sso on;
    proxy_set_header X-Remote-User   \$sso_user;
    proxy_set_header X-Remote-Email  \$sso_email;
    proxy_set_header X-Remote-Groups \$sso_groups;
    proxy_set_header X-Seen-Cookie   "[\$http_cookie]";
    proxy_pass http://127.0.0.1:\$TEST_NGINX_UPSTREAM_PORT;
}
CONF
});

# Runs the requests on one HTTP/2 connection; their answers, and the connection's ALPN.
sub h2 {
    my (@requests) = @_;
    my $spec = encode_json({ url => "https://127.0.0.1:$port", requests => \@requests });
    open my $out, '-|', 'node', "$env->{repo}/t/http2/client.mjs", $spec or die "node: $!";
    local $/;
    my $json = <$out>;
    close $out;
    my $answers = eval { decode_json($json) } or die "h2 client: $json";
    my $alpn = pop(@$answers)->{alpn};
    return ($alpn, @$answers);
}

sub form_body {
    my ($response, $relay_state) = @_;
    return 'SAMLResponse=' . Test::Nginx::SamlIdp::url_encode($response)
        . '&RelayState=' . Test::Nginx::SamlIdp::url_encode($relay_state);
}

sub session_of {
    my ($answer) = @_;
    my $set = $answer->{headers}{'set-cookie'} // [];
    my ($cookie) = join('; ', ref $set ? @$set : $set) =~ /__Host-sso=([^;]+)/;
    return $cookie;
}

# One login over HTTP/2 up to the ACS POST (not sent): the AuthnRequest and a response to it.
sub start_login {
    my (%o) = @_;
    my ($alpn, $login) = h2({ path => '/sso/login?provider=corp&return_to=%2Freports' });
    is($login->{status}, 302, 'the login redirects to the IdP');
    my $req = $idp->read_redirect($login->{headers}{location});
    my $response = $idp->response(in_response_to => $req->{id}, acs => $acs, audience => $sp,
        name_id => $o{subject} // 'h2-user',
        attributes => { mail => [$o{email} // 'h2.user@corp.example'], %{ $o{attributes} // {} } });
    return ($alpn, $req, $response);
}

hook_control({ reset => JSON::PP::true });

subtest 'a SAML login over HTTP/2, its form POST spanning many frames, reaches the app' => sub {
    # 450 groups make a POST of about 75 KB: beyond the 64 KB initial window and
    # client_body_buffer_size, so nginx reads it in many frames and spools it to a file
    my @groups = map {"group-number-$_-of-the-engineering-department-of-a-rather-large-company"}
        1 .. 450;
    my ($alpn, $req, $response) = start_login(attributes => { memberOf => \@groups });
    is($alpn, 'h2', 'the connection is HTTP/2 (ALPN h2)');
    my $body = form_body($response, $req->{relay_state});
    cmp_ok(length $body, '>', 65536, 'the POST is larger than the first window');

    my (undef, $posted, $app, $forged) = h2(
        { method => 'POST', path => '/sso/saml/acs', body => $body,
          headers => { 'content-type' => 'application/x-www-form-urlencoded' } },
        { path => '/plain' });
    is($posted->{status}, 303, 'the ACS accepts it');
    like($posted->{headers}{location}, qr{^https://[^/]+:$port/reports\z}, 'back to the page asked for');
    my $session = session_of($posted);
    ok($session, 'with a session cookie');

    # the session in the second cookie crumb, a forged identity header in lower case
    my (undef, $reports, $again) = h2(
        { path => '/reports', headers => { cookie => ['theme=dark', "__Host-sso=$session"],
            'x-remote-user' => 'admin', 'x-forwarded-user' => 'root' } },
        { path => '/reports?page=2', headers => { cookie => "__Host-sso=$session" } });
    is($reports->{status}, 200, 'the app is reached with the session in a cookie crumb');
    like($reports->{body}, qr/^X-Remote-User: 1\d*$/m, "\$sso_user is the hook's user id");
    like($reports->{body}, qr/^X-Remote-Email: h2\.user\@corp\.example$/m, 'the email');
    like($reports->{body}, qr/^X-Remote-Groups: group-number-1-of-.*group-number-450-of/m,
        'every group of the large POST');
    unlike($reports->{body}, qr/admin|root/, 'forged headers are stripped');
    like($reports->{body}, qr/^X-Seen-Cookie: \[theme=dark; __Host-sso=/m,
        'nginx joined the crumbs into one Cookie');
    is($again->{status}, 200, 'a second request on the same connection');
    unlike(error_log(), qr/\Q$session\E/, 'the session is not logged');

    my (undef, $out, $after) = h2(
        { method => 'POST', path => '/sso/logout', headers => { cookie => "__Host-sso=$session" } },
        { path => '/reports', headers => { cookie => "__Host-sso=$session",
            accept => 'application/json' } });
    ok($out->{status} >= 200 && $out->{status} < 400, "logout over HTTP/2 ($out->{status})");
    is($after->{status}, 401, 'and the session is gone');
};

subtest 'a browser that resets its stream while the login waits on the hook' => sub {
    my ($alpn, $req, $response) = start_login(subject => 'h2-leaver',
        email => 'leaver@corp.example');
    # the same person in a new tab, right after closing the first one
    my (undef, $req2, $response2) = start_login(subject => 'h2-leaver',
        email => 'leaver@corp.example');
    hook_control({ behaviour => { delay_ms => 1500 } });
    my $before = scalar @{ hook_stats()->{requests} };
    my (undef, $cancelled, $plain, $again) = h2(
        { method => 'POST', path => '/sso/saml/acs', body => form_body($response, $req->{relay_state}),
          headers => { 'content-type' => 'application/x-www-form-urlencoded' },
          cancel_after_ms => 300 },
        { path => '/plain' },
        { method => 'POST', path => '/sso/saml/acs',
          body => form_body($response2, $req2->{relay_state}),
          headers => { 'content-type' => 'application/x-www-form-urlencoded' } });
    ok($cancelled->{cancelled}, 'the first ACS stream was reset mid-login')
        or diag(encode_json($cancelled));
    is($plain->{status}, 200, 'the same connection is still served');
    cmp_ok($plain->{ms}, '<', 500, 'at once, not after the hook');
    is($again->{status}, 303, 'the second login completes') or diag(error_log());
    cmp_ok($again->{ms}, '<', 5000, 'once the abandoned one is done, not after the 10 s lease');
    ok(session_of($again), 'with a session');
    my @calls = grep { ($_->{body}{subject} // '') eq 'h2-leaver' }
        @{ hook_stats()->{requests} }[$before .. $#{ hook_stats()->{requests} }];
    cmp_ok(scalar @calls, '>=', 1, 'the hook was asked');
    is(hook_stats()->{creations}, 2, 'one account for the person (and one for the first test)');
    hook_control({ behaviour => { delay_ms => 0 } });
};

subtest 'a browser that resets its stream while the gate waits on Redis' => sub {
    my $session = create_session(user => 'u-h2', subject => 'h2-gate', email => 'g@corp.example');
    # Redis stops answering for 0.8 s (its 500 ms timeout's 503 would come at 0.5 s); the
    # stream is reset at 0.2 s, so the late answer or the timeout finds the request gone
    redis_cli('CLIENT', 'PAUSE', '800', 'ALL');
    my (undef, $cancelled, $plain) = h2(
        { path => '/reports', headers => { cookie => "__Host-sso=$session" },
          cancel_after_ms => 200 },
        { path => '/plain' });
    ok($cancelled->{cancelled}, 'the gated request was reset while it waited')
        or diag(encode_json($cancelled));
    is($plain->{status}, 200, 'the connection goes on');
    sleep 0.5;
    my (undef, $later) = h2({ path => '/reports', headers => { cookie => "__Host-sso=$session" } });
    is($later->{status}, 200, 'the session works afterwards') or diag(error_log());
    like($later->{body}, qr/^X-Remote-User: u-h2$/m, 'as its person');
};

done_testing();
