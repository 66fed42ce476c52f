# Interop with SimpleSAMLphp (Debian's simplesamlphp, run with `php -S`) as the identity
# provider: our provider is configured from its metadata, a person is scripted through its
# login form, and the response it posts back is accepted by nginx.
use strict;
use warnings;
use lib 't/lib';
use File::Path qw(make_path);
use HTTP::Cookies;
use LWP::UserAgent;
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
write_file("$root/metadata/saml20-sp-remote.php", <<"PHP");
<?php
\$metadata['$sp'] = [
    'AssertionConsumerService' => '$acs',
    'NameIDFormat' => 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
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

# A person opens the app, is sent to login, then to SimpleSAMLphp.
my $res = http_request('GET', '/sso/login?return_to=%2Fdashboard');
is($res->{status}, 302, 'nginx sends the browser to SimpleSAMLphp');
my $sso = $res->{headers}{location}[0];
like($sso, qr{^http://127\.0\.0\.1:$ssp_port/saml2/idp/SSOService\.php\?SAMLRequest=}, 'its SSO URL');

# SimpleSAMLphp parses our AuthnRequest and shows its login form.
my $page = $ua->get($sso);
my $hops = 0;
while ($page->is_redirect && $hops++ < 5) {
    $page = $ua->get(URI->new_abs($page->header('Location'), $page->base));
}
is($page->code, 200, 'SimpleSAMLphp shows a login form') or diag($page->decoded_content);
my $form = $page->decoded_content;
my ($auth_state) = $form =~ /name="AuthState"\s+value="([^"]+)"/;
ok($auth_state, 'with its AuthState');

my $posted = $ua->post($page->base, { username => 'newhire', password => 'correct-horse',
    AuthState => HTML_unescape($auth_state) });
$hops = 0;
while ($posted->is_redirect && $hops++ < 5) {
    $posted = $ua->get(URI->new_abs($posted->header('Location'), $posted->base));
}
my $html = $posted->decoded_content;
my ($action) = $html =~ /<form[^>]+action="([^"]+)"/;
my ($saml_response) = $html =~ /name="SAMLResponse"\s+value="([^"]+)"/;
my ($relay_state) = $html =~ /name="RelayState"\s+value="([^"]+)"/;
is(HTML_unescape($action // ''), $acs, 'after login, SimpleSAMLphp posts to our ACS')
    or diag($html);

# The browser's auto-submitted form.
my $acs_res = Test::Nginx::SamlIdp::post_acs(HTML_unescape($saml_response // ''),
    HTML_unescape($relay_state // ''));
is($acs_res->{status}, 303, 'nginx accepts the SimpleSAMLphp response') or diag(error_log());
is($acs_res->{headers}{location}[0], "http://localhost:$port/dashboard", 'back to where we started');
my ($cookie) = join('', @{ $acs_res->{headers}{'set-cookie'} // [] }) =~ /__Host-sso=([^;]+)/;

my $app = http_request('GET', '/dashboard', headers => ["Cookie: __Host-sso=$cookie"]);
is($app->{status}, 200, 'the app is reached');
like($app->{body}, qr/^X-Remote-User: new\.hire\@corp\.example$/m, 'user from the NameID');
like($app->{body}, qr/^X-Remote-Email: new\.hire\@corp\.example$/m, 'email from mail');
like($app->{body}, qr/^X-Remote-Name: New Hire$/m, 'name from displayName');
like($app->{body}, qr/^X-Remote-Groups: engineering$/m, 'groups from memberOf');
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
