# The pages people see, in a real browser (Debian's chromium, driven by playwright-core from
# t/browser/): the chooser, an error, the spent sign-in link (back, then the same form again),
# pending, denied (also for an identity too large to keep) and unavailable pages, each reached
# the way a person reaches it, on a desktop and a phone screen. For each: the visible text,
# the actions, the template's styles applied under the page's own Content-Security-Policy
# (nothing blocked), and a screenshot kept in build/pages-screenshots/.
use strict;
use warnings;
use lib 't/lib';
use HTTP::Tiny;
use JSON::PP qw(encode_json decode_json);
use Test::More;
use Test::Nginx::SSO;
use Test::Nginx::SamlIdp;

my $env = Test::Nginx::SSO::env();
my $chromium = $ENV{CHROMIUM} || '/usr/bin/chromium';
-x $chromium or die "chromium is not installed: apt-get install chromium\n";
-d "$env->{repo}/t/browser/node_modules/playwright-core"
    or die "playwright-core is not installed: npm ci --prefix t/browser\n";

import_servers();
my $root = $env->{servroot};
my $port = $env->{server_port};
my $origin = "http://localhost:$port";
my $keys = "$root/keys";
system("$env->{repo}/scripts/gen-test-keys", $keys) == 0 or die 'gen-test-keys failed';
my $shots = "$env->{repo}/build/pages-screenshots";

open my $fh, '>', "$root/hook.secret" or die;
print $fh "hook-secret-0123456789abcdef\n";
close $fh;
my $hook_port = start_test_hook("$root/hook.secret");
HTTP::Tiny->new->post("http://127.0.0.1:$hook_port/control",
    { content => encode_json({ behaviour => { pending_emails => ['waiting@corp.example'] } }) });

my $acs = "$origin/sso/saml/acs";
my $sp = 'https://app.test.invalid/sso/saml';
my $corp = Test::Nginx::SamlIdp->new(keys_dir => $keys);
$corp->write_metadata("$root/corp-idp.xml");
my $partner = Test::Nginx::SamlIdp->new(keys_dir => $keys, key => 'idp2',
    entity_id => 'https://partner-idp.test.invalid', sso_url => 'https://partner-idp.test.invalid/sso');
$partner->write_metadata("$root/partner-idp.xml");

start_nginx({
    http_config => <<"CONF",
sso_session secure=off cookie=sso;
sso_provision_hook http://127.0.0.1:$hook_port/provision timeout=2s secret_file=$root/hook.secret;
sso_provider corp {
    display_name        "Corp Okta";
    saml_idp_metadata   $root/corp-idp.xml;
    saml_sp_entity_id   $sp;
    saml_acs_url        $acs;
    email_domains       corp.example;
    attribute           groups memberOf;
}
sso_provider partner {
    display_name        "Partner & Co <SSO>";
    saml_idp_metadata   $root/partner-idp.xml;
    saml_sp_entity_id   $sp;
    saml_acs_url        $acs;
}
CONF
    config => <<'CONF',
location /sso/ { sso_endpoints; }
location /forms/ { root html; }
location /admin/ {
    sso on;
    sso_require role admin;
    proxy_pass http://127.0.0.1:$TEST_NGINX_UPSTREAM_PORT;
}
location / {
    sso on;
    proxy_pass http://127.0.0.1:$TEST_NGINX_UPSTREAM_PORT;
}
CONF
});

# A sign-in at the IdP, done: the auto-posting form it would send the browser back with
# (here a button, the browser clicks it), as a static page of this origin.
sub idp_form {
    my ($file, $email, $groups) = @_;
    my $res = http_request('GET', '/sso/login?provider=corp&return_to=/reports');
    my $req = $corp->read_redirect($res->{headers}{location}[0] // '') or die 'no AuthnRequest';
    my $response = $corp->response(in_response_to => $req->{id}, acs => $acs, audience => $sp,
        name_id => $email, attributes => { mail => [$email], memberOf => $groups // ['engineering'] });
    mkdir "$env->{html_dir}/forms";
    open my $out, '>', "$env->{html_dir}/forms/$file" or die;
    print $out qq{<!DOCTYPE html><html><body><form method="post" action="$acs">}
        . qq{<input type="hidden" name="SAMLResponse" value="$response">}
        . qq{<input type="hidden" name="RelayState" value="$req->{relay_state}">}
        . qq{<button id="continue">Continue</button></form></body></html>\n};
    close $out;
    return "$origin/forms/$file";
}

sub render {
    my (@visits) = @_;
    my $spec = "$root/browser-spec.json";
    open my $out, '>', $spec or die;
    print $out encode_json({ chromium => $chromium, screenshots => $shots, visits => \@visits });
    close $out;
    my $json = `node $env->{repo}/t/browser/pages.mjs $spec`;
    die "the browser run failed ($?)" if $?;
    return { map { $_->{name} => $_ } @{ decode_json($json) } };
}

my $member = create_session(user => 'm1', subject => 'member-1', role => 'member');
my $cookie = [{ name => 'sso', value => $member, url => "$origin/" }];
my $phone = [390, 844];
my $pages = render(
    { name => 'chooser', steps => [[goto => "$origin/sso/login?return_to=/reports"]] },
    { name => 'chooser-phone', viewport => $phone,
      steps => [[goto => "$origin/sso/login?return_to=/reports"]] },
    { name => 'error', steps => [[goto => "$origin/sso/oidc/callback?state=forged&code=x"]] },
    { name => 'used', steps => [[goto => idp_form('alice.html', 'alice@corp.example')],
        [click => '#continue'], ['back'], [click => '#continue']] },
    { name => 'pending', steps => [[goto => idp_form('waiting.html', 'waiting@corp.example')],
        [click => '#continue']] },
    { name => 'denied', cookies => $cookie, steps => [[goto => "$origin/admin/users"]] },
    { name => 'too-large', steps => [[goto => idp_form('many-groups.html', 'many@corp.example',
        [map {"group-$_"} 1 .. 600])], [click => '#continue']] },
    { name => 'denied-phone', viewport => $phone, cookies => $cookie,
      steps => [[goto => "$origin/admin/users"]] },
);
stop_redis();
%$pages = (%$pages, %{ render(
    { name => 'unavailable', cookies => $cookie, steps => [[goto => "$origin/reports?q=1"]] },
    { name => 'unavailable-phone', viewport => $phone, cookies => $cookie,
      steps => [[goto => "$origin/reports?q=1"]] },
) });
start_redis();

for my $name (sort keys %$pages) {
    my $p = $pages->{$name};
    subtest "$name: a page a person can read" => sub {
        is($p->{lang}, 'en', 'lang');
        like($p->{viewport_meta}, qr/width=device-width/, 'a viewport for phones');
        is($p->{title}, $p->{h1}, 'the title is the heading');
        ok($p->{styled}, 'the template\'s styles apply');
        is_deeply($p->{violations}, [], 'under its Content-Security-Policy, nothing was blocked')
            or diag(explain($p->{violations}));
        like($p->{csp}, qr/^default-src 'none'; style-src 'sha256-[^']+'; /, 'a strict policy');
        ok($p->{fits}, 'nothing wider than the screen');
        ok(-s $p->{screenshot}, "screenshot $p->{screenshot}");
        unlike($p->{text}, qr/[A-Z]{3,}_[A-Z_]{3,}|redis|xmlsec/i, 'no internals');
    };
}

sub actions { join ' | ', map {"$_->{text} ($_->{method} $_->{href})"} @{ $_[0]{actions} } }

my $p = $pages->{chooser};
is($p->{status}, 200, 'chooser: 200');
is($p->{h1}, 'Sign in', 'chooser: "Sign in"');
like($p->{text}, qr/Work email/, 'chooser: asks for a work email');
is(actions($p), 'Corp Okta (get /sso/login?provider=corp&return_to=/reports) | '
    . 'Partner & Co <SSO> (get /sso/login?provider=partner&return_to=/reports)',
    'chooser: each provider by its display name (escaped, shown as written), sorted');

$p = $pages->{error};
is($p->{status}, 403, 'error: 403');
is($p->{h1}, 'Sign-in was not accepted', 'error: says so');
like($p->{text}, qr/reference [0-9a-f]{32}/, 'error: with a reference');
is(actions($p), 'Try again (get /sso/login?return_to=/)', 'error: try again');

$p = $pages->{used};
is($p->{status}, 400, 'used: 400');
is($p->{h1}, 'This sign-in link was already used', 'used: says the link was already used');
unlike($p->{text}, qr/did not pass our checks/, 'used: not that it failed a check');
is(actions($p), 'Sign in again (get /sso/login?return_to=/) | Go to the app (get /)',
    'used: offers to start again');

$p = $pages->{pending};
is($p->{status}, 403, 'pending: 403');
is($p->{h1}, 'Waiting for approval', 'pending: says so');
is(actions($p), 'Check again (get /sso/login?return_to=/reports)', 'pending: check again');

$p = $pages->{denied};
is($p->{status}, 403, 'denied: 403');
is($p->{h1}, "You don't have access to this page", 'denied: says so');
is(actions($p), 'Back to the app (get /) | Sign in with another account (post /sso/logout)',
    'denied: back to the app, or another account');

$p = $pages->{'too-large'};
is($p->{status}, 403, 'too-large: 403');
is($p->{h1}, 'Sign-in was not accepted', 'too-large: says so');
like($p->{text}, qr/too many groups/, 'too-large: says why');
is(actions($p), 'Back to the app (get /)', 'too-large: no "try again" that would fail the same way');

$p = $pages->{unavailable};
is($p->{status}, 503, 'unavailable: 503');
is($p->{h1}, 'Sign-in is temporarily unavailable', 'unavailable: says so');
is(actions($p), 'Try again (get /reports?q=1)', 'unavailable: try this page again');

done_testing();
