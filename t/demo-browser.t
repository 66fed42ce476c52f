# The demo for a person in a browser (issue 15): scripts/demo as a person starts it, then
# headless chromium (Debian's, driven by playwright-core from t/browser) opens the app, picks
# who it is on the identity provider's page, reaches the app page, signs out, and signs in
# again as the outsider, who is refused. Screenshots of each page are kept in
# build/screenshots/. Also: the demo refuses to start when one of its ports is in use,
# prints no colour codes when its output is not a terminal, and the paths it prints are
# still there after it ends.
use strict;
use warnings;
use FindBin;
use IO::Socket::INET;
use JSON::PP ();
use POSIX ();
use Test::More;
use Test::TCP qw(empty_port);
use Time::HiRes qw(sleep);

plan skip_all => 'the demo runs Debian\'s nginx with the module it builds: tested in the run '
    . 'without TEST_NGINX_BINARY' if $ENV{TEST_NGINX_BINARY};

my $repo = "$FindBin::Bin/..";
my $chromium = $ENV{CHROMIUM} // '/usr/bin/chromium';
-d "$repo/t/browser/node_modules/playwright-core"
    or die "playwright-core is not installed: npm ci --prefix t/browser\n";
-x $chromium or die "chromium is not installed: apt-get install chromium\n";

# four distinct free ports
my %port;
for my $var (qw(DEMO_NGINX_PORT DEMO_APP_PORT DEMO_REDIS_PORT DEMO_OP_PORT)) {
    my $p;
    do { $p = empty_port() } while grep { $_ == $p } values %port;
    $port{$var} = $p;
}
my $base = "http://127.0.0.1:$port{DEMO_NGINX_PORT}";
sub listening { IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => shift) }

# a port in use: the demo says which, and how to choose another, and starts nothing
{
    my $taken = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 1)
        or die "listen: $!";
    local @ENV{keys %port} = values %port;
    local $ENV{DEMO_OP_PORT} = $taken->sockport;
    my $out = `cd $repo && timeout 120 scripts/demo --once 2>&1`;
    isnt($?, 0, 'a port in use: the demo does not start');
    like($out, qr/port ${\ $taken->sockport} \(DEMO_OP_PORT\) is in use.*DEMO_OP_PORT=\d+ scripts\/demo/,
        'a port in use: the message names the port and the variable that changes it');
    ok(!listening($port{DEMO_NGINX_PORT}), 'a port in use: nothing else was started');
}

# the demo, as a person starts it (its output into a file: not a terminal)
my $log = "$repo/build/demo-browser.out";
unlink $log;    # a previous run's must not pass for this one's
my $pid = fork // die "fork: $!";
if ($pid == 0) {
    POSIX::setsid();
    @ENV{keys %port} = values %port;
    $ENV{DEMO_SKIP_BUILD} = 1;    # built: scripts/test may be building nginx in build/ now
    open STDOUT, '>', $log or die;
    open STDERR, '>&', \*STDOUT or die;
    chdir $repo or die;
    exec 'scripts/demo' or POSIX::_exit(127);
}
sub output { open my $fh, '<', $log or return ''; local $/; <$fh> }
my $up = 0;
for (1 .. 3000) {    # the first run builds: minutes
    last if ($up = output() =~ /The demo keeps running/);
    last if waitpid($pid, POSIX::WNOHANG()) > 0;
    sleep 0.1;
}
ok($up, 'the demo ran its walk-through and keeps serving') or diag(output());

SKIP: {
    skip 'the demo did not start', 20 unless $up;
    my $shots = "$repo/build/screenshots";
    mkdir $shots;
    unlink glob "$shots/demo-*.png";
    local $ENV{CHROMIUM} = $chromium;
    my $json = `node $repo/t/browser/demo_walk.mjs $base $shots`;
    my $seen = eval { JSON::PP::decode_json($json) } // {};
    is($seen->{error}, undef, 'the browser followed the demo to the end') or diag($json);

    my $c = $seen->{chooser} // {};
    like($c->{url} // '', qr{^http://127\.0\.0\.1:$port{DEMO_OP_PORT}/authorize\?},
        '/welcome without a session: the browser is at the identity provider');
    unlike($c->{url} // '', qr/[?&]as=/, 'with no person chosen yet');
    is($c->{heading}, 'Who are you?', 'its page asks who you are');
    is_deeply($c->{people}, ['New Hire', 'Sam Acquired', 'Eve Outsider'],
        'and offers the three people of the demo');

    my $app = $seen->{app} // {};
    is($app->{url}, "$base/welcome", 'the new hire chosen: back at the app page');
    is($app->{heading}, 'Hello, New Hire', 'signed in as the person chosen');
    like($app->{text} // '', qr/X-Remote-Roles\s+developer/, 'with the role from the role table');
    like($app->{text} // '', qr/new\.hire\@superfantasy\.com\s+New Hire\s+developer\s+created at first SSO login/,
        'and the account the hook created in the app\'s table');

    like($seen->{signed_out}{url} // '', qr{^\Q$base\E/public/signed-out},
        'signing out ends at the signed-out page');
    is($seen->{chooser_again}{heading}, 'Who are you?',
        'after signing out, the identity provider asks again (nobody is signed in silently)');
    is($seen->{denied}{status}, 403, 'the outsider chosen: refused');
    is($seen->{denied}{heading}, 'Access denied', 'with the access denied page');

    for my $name (qw(1-idp-chooser 2-app-new-hire 3-idp-chooser-again 4-outsider-denied)) {
        my $png = "$shots/demo-$name.png";
        open my $fh, '<:raw', $png;
        my $magic = $fh ? do { read $fh, my $b, 8; $b } : '';
        is($magic, "\x89PNG\r\n\x1a\n", "screenshot kept: build/screenshots/demo-$name.png");
    }
}

kill 'TERM', -$pid;    # its process group: the demo and what it started
waitpid $pid, 0;
my $out = output();
unlike($out, qr/\e\[/, 'no colour codes in output that is not a terminal');
my @paths = $out =~ m{(/\S+/(?:audit|error)\.log)}g;
ok(@paths >= 2, 'the demo printed where its logs are');
ok(-s $_, "$_ is still there after the demo ended") for @paths;
ok(!listening($port{DEMO_NGINX_PORT}), 'the demo\'s nginx stopped with it');

done_testing();
