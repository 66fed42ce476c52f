# sso_pages (an operator's templates) and display_name: mistakes fail at `nginx -t` naming the
# file, the line and the fix; a good template lays out the pages, every value escaped, with a
# Content-Security-Policy that allows its own <style> and nothing else.
use strict;
use warnings;
use lib 't/lib';
use Digest::SHA qw(sha256_base64);
use File::Path qw(make_path);
use Test::More;
use Test::Nginx::SSO;
use Test::Nginx::SamlIdp;

import_servers();
my $env = Test::Nginx::SSO::env();
my $root = $env->{servroot};
my $keys = "$root/keys";
system("$env->{repo}/scripts/gen-test-keys", $keys) == 0 or die 'gen-test-keys failed';
my $idp = Test::Nginx::SamlIdp->new(keys_dir => $keys);
$idp->write_metadata("$root/idp.xml");

sub provider {
    my ($name, @lines) = @_;
    return "sso_provider $name {\n    saml_idp_metadata $root/idp.xml;\n"
        . "    saml_sp_entity_id https://app.test.invalid/sso/saml;\n"
        . "    saml_acs_url http://localhost:$env->{server_port}/sso/saml/acs;\n"
        . join('', map {"    $_;\n"} @lines) . "}\n";
}

sub pages_dir {
    my ($name, %files) = @_;
    my $dir = "$root/pages-$name";
    make_path($dir);
    for my $file (keys %files) {
        open my $fh, '>', "$dir/$file" or die "$dir/$file: $!";
        print $fh $files{$file};
        close $fh;
    }
    return $dir;
}

my $endpoints = 'location /sso/ { sso_endpoints; }';

# ---- nginx -t ----
my $typo = pages_dir('typo', 'page.html' => "<h1>{{title}}</h1>\n<p>{{mesage}}</p>\n");
my $script = pages_dir('script', 'page.html' => "<h1>{{title}}</h1>\n",
    'denied.html' => "<h1>{{title}}</h1>\n\n<script>alert(1)</script>\n");
my $raw = pages_dir('raw', 'page.html' => "<h1>{{{title}}}</h1>\n");
my $open = pages_dir('open', 'page.html' => "{{#actions}}<a href=\"{{url}}\">{{label}}</a>\n");
my $empty = pages_dir('empty', 'chooser.html' => "<h1>{{title}}</h1>\n");
my $fine = pages_dir('fine', 'page.html' => "<h1>{{title}}</h1>\n");
my @bad = (
    ['a directory without page.html', "sso_pages $empty;",
        qr{sso_pages: cannot read "\Q$empty\E/page\.html" \(the directory must hold page\.html, which lays out every page; the built-in one is core/pages/page\.html\) \(2: No such file or directory\) in \S+nginx\.conf:\d+}],
    ['a directory that does not exist', "sso_pages $root/nowhere;",
        qr{sso_pages: cannot read "\Q$root\E/nowhere/page\.html"}],
    ['a misspelt placeholder', "sso_pages $typo;",
        qr{sso_pages: "\Q$typo\E/page\.html" is not usable: line 2: unknown placeholder \{\{mesage\}\}; known here: actions, any_actions, any_providers, email_url, kind, message, notice, providers, request_id, return_to, status, title in \S+nginx\.conf:\d+}],
    ['a script in one page\'s template', "sso_pages $script;",
        qr{"\Q$script\E/denied\.html" is not usable: line 3: a <script> element: the pages' Content-Security-Policy runs no script}],
    ['raw HTML', "sso_pages $raw;", qr{line 1: \{\{\{\.\.\.\}\}\} and \{\{&\.\.\.\}\} would insert raw HTML: every value is escaped}],
    ['a section never closed', "sso_pages $open;", qr{line 1: \{\{#actions\}\} is never closed}],
    ['sso_pages twice', "sso_pages $fine;\nsso_pages $fine;", qr{"sso_pages" directive is duplicate}],
    ['an empty display_name', provider('corp', 'display_name ""'),
        qr{sso_provider "corp" in \S+:\d+: display_name must be 1 to 100 bytes without control characters \(CONFIG_BAD_DISPLAY_NAME\)}],
    ['display_name twice', provider('corp', 'display_name A', 'display_name B'),
        qr{"display_name" directive is duplicate}],
);
for my $case (@bad) {
    my ($name, $http, $want) = @$case;
    my ($ok, $out) = nginx_config_test({ http_config => $http, config => $endpoints });
    ok(!$ok, "$name: nginx -t fails");
    like($out, $want, "$name: the message names the file, the line and the mistake");
}

# ---- an operator's templates ----
my $css = 'body{font-family:serif}h1{color:#205}';
my $good = pages_dir('good',
    'page.html' => qq{<!DOCTYPE html>\n<html lang="de"><head><title>{{title}}</title>}
        . qq{<style>$css</style></head>\n<body class="{{kind}}"><h1>{{title}}</h1><p>{{message}}</p>}
        . qq{{{#actions}}<a href="{{url}}">{{label}}</a>{{/actions}}<small>{{request_id}} {{status}}</small></body></html>\n},
    'chooser.html' => qq{<ul>{{#providers}}<li><a href="{{url}}">{{label}}</a></li>{{/providers}}</ul>}
        . qq{{{^email_url}}no email form{{/email_url}}\n});
my ($ok, $out) = nginx_config_test({ http_config => "sso_pages $good;\n"
    . provider('corp', 'display_name "Corp <Okta> & \\"friends\\""') . provider('vault'),
    config => $endpoints });
ok($ok, 'a good template passes nginx -t') or diag($out);

start_nginx({ http_config => "sso_pages $good;\n"
    . provider('corp', 'display_name "Corp <Okta> & \\"friends\\""') . provider('vault'),
    config => "$endpoints\nlocation / { sso on; return 200; }" });

my $chooser = http_request('GET', '/sso/login?return_to=/x%22%3E%3Cb%3E');
is($chooser->{status}, 200, 'the chooser');
is($chooser->{body}, qq{<ul><li><a href="/sso/login?provider=corp&amp;return_to=/x%22%3E%3Cb%3E">}
    . qq{Corp &lt;Okta&gt; &amp; &quot;friends&quot;</a></li><li><a href="/sso/login?provider=vault&amp;return_to=/x%22%3E%3Cb%3E">}
    . qq{vault</a></li></ul>no email form\n},
    'the chooser\'s own template: display names escaped, a provider without one by its name');
is($chooser->{headers}{'content-security-policy'}[0],
    "default-src 'none'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'",
    'no <style> in it: no style allowed');

my $error = http_request('GET', '/sso/oidc/callback?state=forged&code=x');
is($error->{status}, 403, 'an error page');
like($error->{body}, qr{^<!DOCTYPE html>\n<html lang="de">.*<body class="error"><h1>Sign-in was not accepted</h1>}s,
    'laid out by page.html');
like($error->{body}, qr{<a href="/sso/login\?return_to=/">Try again</a><small>[0-9a-f]{32} 403</small>},
    'with its action, the request id and the status');
is($error->{headers}{'content-security-policy'}[0],
    "default-src 'none'; style-src 'sha256-" . sha256_base64($css)
        . "='; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'",
    'the policy allows exactly the template\'s <style>');

# ---- the built-in template ----
start_nginx({ http_config => provider('corp', 'display_name "Corp Okta"') . provider('vault'),
    config => "$endpoints\nlocation / { sso on; return 200; }" });
$chooser = http_request('GET', '/sso/login');
like($chooser->{body}, qr{<a class="button secondary" href="/sso/login\?provider=corp&amp;return_to=/">Corp Okta</a>},
    'built in: the display name on the chooser');
like($chooser->{headers}{'content-security-policy'}[0], qr{^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/]+='; },
    'built in: a strict policy');
my ($style) = $chooser->{body} =~ m{<style>(.*?)</style>}s;
like($chooser->{headers}{'content-security-policy'}[0], qr{'sha256-\Q${\ sha256_base64($style)}\E='},
    'naming the page\'s own <style>');

done_testing();
