# Interop with SimpleSAMLphp (Debian's simplesamlphp, run with `php -S`) as the identity
# provider: our provider is configured from its metadata, SimpleSAMLphp from ours (read by its
# own SAMLParser), a person is scripted through its login form, and the response it posts back
# is accepted by nginx. Single Logout both ways, every message signed and the signature checked
# by the other side (SimpleSAMLphp with validate.logout): the person's logout at nginx ends the
# SimpleSAMLphp session, and a logout started at SimpleSAMLphp ends the session at nginx.
use strict;
use warnings;
use lib 't/lib';
use File::Path qw(make_path);
use HTTP::Cookies;
use LWP::UserAgent;
use MIME::Base64 qw(decode_base64 encode_base64);
use POSIX ();
use Test::More;
use Test::Nginx::SSO;
use Test::Nginx::SamlIdp;
use Test::TCP qw(empty_port wait_port);

import_servers();
my $env = Test::Nginx::SSO::env();
my $root = "$env->{servroot}/ssp";
my $keys = "$env->{servroot}/keys";
system("$env->{repo}/scripts/gen-test-keys", $keys) == 0 or die "gen-test-keys failed";
my $port = $env->{server_port};
my $ssp_port = empty_port();
my $sp = 'https://app.test.invalid/sso/saml';
my $acs = "http://localhost:$port/sso/saml/acs";
my $slo = "http://localhost:$port/sso/saml/slo";
my $ssp = "http://127.0.0.1:$ssp_port";
my $ssp_slo = "$ssp/saml2/idp/SingleLogoutService.php";

sub write_file {
    my ($path, $text) = @_;
    open my $fh, '>', $path or die "$path: $!";
    print $fh $text;
    close $fh;
}

make_path("$root/config", "$root/metadata", "$root/log", "$root/tmp");
system('cp', "$keys/idp.key", "$keys/idp.crt", "$root/") == 0 or die;
write_file("$root/config/config.php", <<"PHP");
<?php
\$config = [
    'baseurlpath' => 'http://127.0.0.1:$ssp_port/',
    'certdir' => '$root/',
    'loggingdir' => '$root/log/',
    'datadir' => '$root/tmp/',
    'tempdir' => '$root/tmp/',
    'metadatadir' => '$root/metadata/',
    'technicalcontact_name' => 'Test',
    'technicalcontact_email' => 'test\@example.invalid',
    'secretsalt' => 'interop-test-salt-not-a-secret',
    'auth.adminpassword' => 'interop-admin-not-a-secret',
    'timezone' => 'UTC',
    'logging.handler' => 'file',
    'logging.logfile' => 'simplesamlphp.log',
    'enable.saml20-idp' => true,
    'store.type' => 'phpsession',
    'session.cookie.secure' => false,
    'session.phpsession.savepath' => '$root/tmp',
    'module.enable' => ['exampleauth' => true, 'core' => true, 'saml' => true],
    'metadata.sources' => [['type' => 'flatfile']],
    'language.default' => 'en',
    // where a logout started here may send the browser back to (ReturnTo)
    'trusted.url.domains' => ['localhost:$port'],
];
PHP
write_file("$root/config/authsources.php", <<'PHP');
<?php
$config = [
    'example-userpass' => [
        'exampleauth:UserPass',
        'newhire:correct-horse' => [
            'mail' => ['new.hire@corp.example'],
            'displayName' => ['New Hire'],
            'memberOf' => ['engineering'],
        ],
    ],
];
PHP
write_file("$root/metadata/saml20-idp-hosted.php", <<'PHP');
<?php
$metadata['__DYNAMIC:1__'] = [
    'host' => '__DEFAULT__',
    'privatekey' => 'idp.key',
    'certificate' => 'idp.crt',
    'auth' => 'example-userpass',
    'signature.algorithm' => 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    'authproc' => [
        10 => ['class' => 'saml:AttributeNameID', 'attribute' => 'mail',
               'Format' => 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress'],
    ],
];
PHP
my $php = fork // die;
if ($php == 0) {
    $ENV{SIMPLESAMLPHP_CONFIG_DIR} = "$root/config";
    open STDOUT, '>', "$root/php.log";
    open STDERR, '>&', \*STDOUT;
    exec 'php', '-S', "127.0.0.1:$ssp_port", '-t', '/usr/share/simplesamlphp/www'
        or POSIX::_exit(127);
}
END { kill 'TERM', $php if $php; }
wait_port({ port => $ssp_port, max_wait => 10 });

my $ua = LWP::UserAgent->new(cookie_jar => HTTP::Cookies->new, max_redirect => 0, timeout => 20);
my $md = $ua->get("http://127.0.0.1:$ssp_port/saml2/idp/metadata.php");
is($md->code, 200, 'SimpleSAMLphp publishes its IdP metadata');
write_file("$env->{servroot}/ssp-idp.xml", $md->decoded_content);

start_nginx({
    http_config => <<"CONF",
sso_provider ssp {
    saml_idp_metadata   $env->{servroot}/ssp-idp.xml;
    saml_sp_entity_id   $sp;
    saml_acs_url        $acs;
    saml_sp_key         $keys/sp.key;
    saml_sp_certificate $keys/sp.crt;
}
CONF
    config => <<'CONF',
location /sso/ { sso_endpoints; }
location / {
    sso on;
    proxy_set_header X-Remote-User   $sso_user;
    proxy_set_header X-Remote-Email  $sso_email;
    proxy_set_header X-Remote-Name   $sso_name;
    proxy_set_header X-Remote-Groups $sso_groups;
    proxy_pass http://127.0.0.1:$TEST_NGINX_UPSTREAM_PORT;
}
CONF
});

# SimpleSAMLphp knows our SP from our metadata, parsed by its own SAMLParser: the ACS, the
# SingleLogoutService endpoints and the certificate our logout messages are checked with. It
# signs its logout messages to us and checks the signature of ours.
my $sp_md = http_request('GET', '/sso/saml/metadata?provider=ssp');
is($sp_md->{status}, 200, 'nginx publishes our SP metadata');
like($sp_md->{body}, qr{<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="\Q$slo\E"/>},
    'with our SingleLogoutService');
write_file("$root/sp-metadata.xml", $sp_md->{body});
write_file("$root/metadata/saml20-sp-remote.php", <<"PHP");
<?php
foreach (\\SimpleSAML\\Metadata\\SAMLParser::parseDescriptorsFile('$root/sp-metadata.xml') as \$id => \$entity) {
    \$metadata[\$id] = array_merge(\$entity->getMetadata20SP(), [
        // the first NameIDFormat of our metadata is persistent; the mail is asked for here
        'NameIDFormat' => 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
        'validate.logout' => true,
        'sign.logout' => true,
        'signature.algorithm' => 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    ]);
}
PHP

# Follows SimpleSAMLphp's own redirects (to itself); returns the first answer that is not one.
sub through_ssp {
    my ($res) = @_;
    my $hops = 0;
    while ($res->is_redirect && $hops++ < 10) {
        my $next = URI->new_abs($res->header('Location'), $res->base);
        last unless $next =~ m{^\Q$ssp\E/};
        $res = $ua->get($next);
    }
    return $res;
}

# An nginx URL as the browser would be sent to it: a request for its path and query.
sub to_nginx {
    my ($method, $url, %opt) = @_;
    my ($path) = $url =~ m{^http://localhost:$port(/.*)$} or return { status => 0, error => "not ours: $url" };
    return http_request($method, $path, %opt);
}

sub ssp_log { do { local (@ARGV, $/) = "$root/log/simplesamlphp.log"; <> } // '' }
my @ssp_log_expected;    # [from, to): errors caused on purpose

# A person opens the app, is sent to login, then to SimpleSAMLphp, whose login form they fill
# in; the session cookie nginx sets, and the SessionIndex of SimpleSAMLphp's assertion.
sub login {
    my ($what) = @_;
    my $res = http_request('GET', '/sso/login?return_to=%2Fdashboard');
    is($res->{status}, 302, "$what: nginx sends the browser to SimpleSAMLphp");
    my $sso = $res->{headers}{location}[0] // '';
    like($sso, qr{^\Q$ssp\E/saml2/idp/SSOService\.php\?SAMLRequest=}, "$what: its SSO URL");

    # SimpleSAMLphp parses our AuthnRequest and shows its login form.
    my $page = through_ssp($ua->get($sso));
    is($page->code, 200, "$what: SimpleSAMLphp shows a login form") or diag($page->decoded_content);
    my ($auth_state) = $page->decoded_content =~ /name="AuthState"\s+value="([^"]+)"/;
    ok($auth_state, "$what: with its AuthState");

    my $posted = through_ssp($ua->post($page->base, { username => 'newhire',
        password => 'correct-horse', AuthState => HTML_unescape($auth_state // '') }));
    my $html = $posted->decoded_content;
    my ($action) = $html =~ /<form[^>]+action="([^"]+)"/;
    my ($saml_response) = $html =~ /name="SAMLResponse"\s+value="([^"]+)"/;
    my ($relay_state) = $html =~ /name="RelayState"\s+value="([^"]+)"/;
    is(HTML_unescape($action // ''), $acs, "$what: after login, SimpleSAMLphp posts to our ACS")
        or diag($html);

    # The browser's auto-submitted form.
    my $acs_res = Test::Nginx::SamlIdp::post_acs(HTML_unescape($saml_response // ''),
        HTML_unescape($relay_state // ''));
    is($acs_res->{status}, 303, "$what: nginx accepts the SimpleSAMLphp response") or diag(error_log());
    is($acs_res->{headers}{location}[0], "http://localhost:$port/dashboard", "$what: back to where we started");
    my ($cookie) = join('', @{ $acs_res->{headers}{'set-cookie'} // [] }) =~ /__Host-sso=([^;]+)/;
    my ($session_index) = decode_base64(HTML_unescape($saml_response // '')) =~ /SessionIndex="([^"]+)"/;
    return wantarray ? ($cookie, $session_index) : $cookie;
}

# The app, as a browser asks for it (without a session: the login redirect, not a 401).
sub app {
    http_request('GET', '/dashboard', headers => ["Cookie: __Host-sso=$_[0]", 'Accept: text/html']);
}

my $cookie = login('first login');
my $app = app($cookie);
is($app->{status}, 200, 'the app is reached');
like($app->{body}, qr/^X-Remote-User: new\.hire\@corp\.example$/m, 'user from the NameID');
like($app->{body}, qr/^X-Remote-Email: new\.hire\@corp\.example$/m, 'email from mail');
like($app->{body}, qr/^X-Remote-Name: New Hire$/m, 'name from displayName');
like($app->{body}, qr/^X-Remote-Groups: engineering$/m, 'groups from memberOf');

subtest 'SP-initiated: the logout at nginx ends the SimpleSAMLphp session too' => sub {
    clear_error_log();
    my $res = http_request('POST', '/sso/logout', headers => ["Cookie: __Host-sso=$cookie"]);
    is($res->{status}, 303, 'the local logout redirects');
    my $to_idp = $res->{headers}{location}[0] // '';
    like($to_idp, qr{^\Q$ssp_slo\E\?SAMLRequest=[^&]+&SigAlg=[^&]+&Signature=[^&]+$},
        'to SimpleSAMLphp\'s SingleLogoutService, a signed LogoutRequest (HTTP-Redirect)');
    like(join(';', @{ $res->{headers}{'set-cookie'} // [] }), qr/__Host-sso=;/, 'the cookie is cleared');
    is(app($cookie)->{status}, 302, 'the session is gone at nginx, before SimpleSAMLphp answers');

    # SimpleSAMLphp checks our signature (validate.logout): the same request with one bit of
    # its signature flipped is refused.
    my $log_at = length ssp_log();
    my ($sig) = $to_idp =~ /&Signature=([^&]+)$/;
    my $raw = decode_base64(Test::Nginx::SamlIdp::url_decode($sig));
    substr($raw, 10, 1) ^= "\x01";
    my $forged = $to_idp =~ s/&Signature=[^&]+$//r
        . '&Signature=' . Test::Nginx::SamlIdp::url_encode(encode_base64($raw, ''));
    my $refused = $ua->get($forged);
    # (its error page comes with status 200)
    ok(!$refused->is_redirect, 'a corrupted signature: SimpleSAMLphp refuses the LogoutRequest');
    like($refused->decoded_content, qr/Unable to validate signature on query string/, 'its page says why');
    like(substr(ssp_log(), $log_at), qr/Unable to validate signature/, 'its log says why');
    @ssp_log_expected = ($log_at, length ssp_log());

    # The real one: SimpleSAMLphp ends its session, and answers.
    my $answer = through_ssp($ua->get($to_idp));
    is($answer->code, 302, 'SimpleSAMLphp accepts the LogoutRequest and redirects')
        or diag($answer->decoded_content, ssp_log());
    my $back = $answer->header('Location') // '';
    like($back, qr{^\Q$slo\E\?SAMLResponse=[^&]+&SigAlg=http%3A%2F%2Fwww\.w3\.org%2F2001%2F04%2Fxmldsig-more%23rsa-sha256&Signature=},
        'to our SingleLogoutService, a LogoutResponse signed RSA-SHA256 (HTTP-Redirect)');
    like(ssp_log(), qr/Received SAML 2\.0 LogoutRequest from: '\Q$sp\E'/, 'SimpleSAMLphp logs our request');

    my $done = to_nginx('GET', $back);
    is($done->{status}, 303, 'nginx accepts the LogoutResponse') or diag(error_log());
    is($done->{headers}{location}[0], "http://localhost:$port/", 'and sends the person home');
    like(error_log(), qr/SAML single logout confirmed by the IdP, provider "ssp"/, 'logged');
    is(to_nginx('GET', $back)->{status}, 400, 'the same LogoutResponse again: 400');

    # A new login at SimpleSAMLphp asks for the password again: its session is over.
    my $login = http_request('GET', '/sso/login?return_to=%2Fdashboard');
    my $page = through_ssp($ua->get($login->{headers}{location}[0] // ''));
    like($page->decoded_content, qr/name="AuthState"/, 'SimpleSAMLphp shows its login form again')
        or diag($page->decoded_content);
    unlike($page->decoded_content, qr/name="SAMLResponse"/, 'no response without a password');
};

subtest 'IdP-initiated: the logout at SimpleSAMLphp ends the session at nginx' => sub {
    my ($session, $session_index) = login('fresh login');
    is(app($session)->{status}, 200, 'the app is reached');
    clear_error_log();
    my $log_at = length ssp_log();
    my $home = "http://localhost:$port/";
    my $started = through_ssp($ua->get("$ssp_slo?ReturnTo=" . Test::Nginx::SamlIdp::url_encode($home)));
    is($started->code, 302, 'SimpleSAMLphp ends its session and redirects') or diag($started->decoded_content);
    my $to_sp = $started->header('Location') // '';
    like($to_sp, qr{^\Q$slo\E\?SAMLRequest=[^&]+&RelayState=[^&]+&SigAlg=[^&]+&Signature=[^&]+$},
        'to our SingleLogoutService, a signed LogoutRequest with a RelayState (HTTP-Redirect)');
    my $request = Test::Nginx::SamlIdp->new(keys_dir => $keys)->read_sp_message(location => $to_sp,
        sp_cert => "$keys/idp.crt");
    ok($request->{signature_ok}, 'signed with the key of its metadata (openssl verifies it)');
    is($request->{name_id}, 'new.hire@corp.example', 'naming the person');
    ok(defined $session_index, 'the login had a SessionIndex');
    is_deeply($request->{session_indexes}, [$session_index], 'and the SessionIndex of the login');

    my $res = to_nginx('GET', $to_sp);
    is($res->{status}, 303, 'nginx accepts it') or diag(error_log());
    like(error_log(), qr/SAML single logout: 1 session\(s\) ended/, 'ending the session');
    my $gone = app($session);
    is($gone->{status}, 302, 'the session cookie no longer reaches the app');
    like($gone->{headers}{location}[0] // '', qr{/sso/login}, 'it gets the login redirect');
    my $answer = $res->{headers}{location}[0] // '';
    like($answer, qr{^\Q$ssp_slo\E\?SAMLResponse=[^&]+&RelayState=[^&]+&SigAlg=[^&]+&Signature=[^&]+$},
        'back to SimpleSAMLphp: a signed LogoutResponse, the RelayState echoed');

    # SimpleSAMLphp checks our signature, takes our Success and finishes at ReturnTo.
    my $finished = through_ssp($ua->get($answer));
    is($finished->code, 302, 'SimpleSAMLphp accepts the LogoutResponse')
        or diag($finished->decoded_content, ssp_log());
    is($finished->header('Location'), $home, 'and finishes at the ReturnTo URL');
    like(substr(ssp_log(), $log_at), qr/Logged out of 'saml:\Q$sp\E'/,
        'SimpleSAMLphp logs our SP as logged out (our Success taken)');

    my $login = http_request('GET', '/sso/login?return_to=%2Fdashboard');
    my $page = through_ssp($ua->get($login->{headers}{location}[0] // ''));
    like($page->decoded_content, qr/name="AuthState"/, 'a new login at SimpleSAMLphp asks for the password');
};

my $ssp_log = ssp_log();
substr($ssp_log, $ssp_log_expected[0], $ssp_log_expected[1] - $ssp_log_expected[0], '') if @ssp_log_expected;
unlike($ssp_log,
    qr/\b(ERROR|WARNING|CRITICAL|ALERT|EMERGENCY)\b|Error received from|partial logout/i,
    'no other error or warning in the SimpleSAMLphp log') or diag($ssp_log);
unlike(error_log(), qr/\[(alert|crit|emerg)\]/, 'no alert in the error log');

sub HTML_unescape {
    my ($s) = @_;
    $s =~ s/&quot;/"/g;
    $s =~ s/&lt;/</g;
    $s =~ s/&gt;/>/g;
    $s =~ s/&#0?39;/'/g;
    $s =~ s/&#x([0-9a-f]+);/chr hex $1/gie;
    $s =~ s/&#(\d+);/chr $1/ge;
    $s =~ s/&amp;/&/g;
    return $s;
}

done_testing();
