// minipod-pull: the registry verbs of minipod (`image pull`, `login`, `logout`), run by the
// minipod command with the user's arguments. A separate, dynamically linked program because the
// HTTP/TLS library cannot be linked into minipod's static PIE (registry_client.h says why).
#include <sys/prctl.h>
#include <termios.h>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>
#include <iostream>
#include <memory>

#include "common/error.h"
#include "common/strings.h"
#include "images/registry/credentials.h"
#include "images/registry/oci_layout_fetch.h"
#include "images/registry/registries_conf.h"

namespace reg = minipod::registry;

namespace {

struct Options {
  std::string registries_conf;
  std::string ref;
  std::string layout;
  std::string store;
  int events_fd = -1;
  std::string platform;
  bool quiet = false;
  std::string host;
  std::string username;
  std::string password;
  bool password_stdin = false;
};

// A line typed on the terminal, with echo off for a password.
std::string prompt(const std::string& question, bool secret) {
  if (!::isatty(STDIN_FILENO))
    throw minipod::UsageError("log in", "no terminal to ask for the " + question +
                                            ": pass --username and --password-stdin");
  std::fprintf(stderr, "%s: ", question.c_str());
  termios old{};
  bool restore = secret && ::tcgetattr(STDIN_FILENO, &old) == 0;
  if (restore) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string line;
  std::getline(std::cin, line);
  if (restore) {
    ::tcsetattr(STDIN_FILENO, TCSANOW, &old);
    std::fprintf(stderr, "\n");
  }
  return line;
}

pid_t parent_at_start = 0;

// For minipod's store, minipod runs this and owns the staging directory it writes into: when
// minipod is killed, this goes too, instead of downloading on into a directory gc is about to
// remove. (Otherwise minipod has exec'd this, and the parent is the user's.)
void die_with_minipod() {
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
    minipod::throw_errno("pull", "prctl(PR_SET_PDEATHSIG)");
  if (::getppid() != parent_at_start)
    throw minipod::Error("pull", "minipod, which ran this, has gone");
}

void pull(const Options& o) {
  if (!o.store.empty()) die_with_minipod();
  reg::RegistryRef ref = reg::parse_registry_ref(o.ref);
  reg::RegistriesConf conf = reg::load_registries_conf(o.registries_conf);
  reg::FetchOptions options;
  options.store_root = o.store;
  if (o.events_fd >= 0)
    options.on_stored = [fd = o.events_fd](const std::string& digest) {
      std::string line = digest + "\n";  // one write: a line is never split (PIPE_BUF)
      if (::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size()))
        minipod::throw_errno("pull", "tell minipod that " + digest + " arrived");
    };
  if (!o.platform.empty()) {
    options.platform = reg::parse_platform(o.platform);
    options.platform_given = true;
  }
  std::unique_ptr<reg::PullProgress> progress;
  if (o.quiet)
    progress = std::make_unique<reg::QuietProgress>();
  else
    progress = std::make_unique<reg::ProgressRenderer>(stderr, ::isatty(STDERR_FILENO) == 1);
  reg::FetchResult r = reg::fetch_to_oci_layout(ref, conf, o.layout, options, *progress);
  if (o.quiet) {
    std::printf("%s\n", r.manifest_digest.c_str());
  } else if (o.store.empty()) {  // for minipod's store, minipod says what it stored
    std::printf("pulled %s (%s, %s) from %s into the OCI layout %s\n", ref.to_string().c_str(),
                r.manifest_digest.c_str(), minipod::human_size(r.bytes).c_str(), r.source.c_str(),
                o.layout.c_str());
  }
}

void login(Options o) {
  reg::RegistriesConf conf = reg::load_registries_conf(o.registries_conf);
  if (o.username.empty()) o.username = prompt("Username", false);
  if (o.password_stdin) {
    std::getline(std::cin, o.password);
  } else if (o.password.empty()) {
    o.password = prompt("Password", true);
  }
  if (o.username.empty() || o.password.empty())
    throw minipod::UsageError("log in to " + o.host, "a username and a password are required");
  reg::Endpoint endpoint{o.host, "", conf.insecure_host(o.host), false};
  reg::QuietProgress quiet;
  reg::RegistryClient client(endpoint, reg::RetryPolicy{}, quiet);
  reg::Credentials credentials{o.username, o.password};
  client.check_credentials(credentials);
  auto file = reg::login_auth_file();
  reg::store_credentials(file, o.host, credentials);
  std::printf("logged in to %s as %s (credentials stored in %s)\n", o.host.c_str(),
              o.username.c_str(), file.c_str());
}

void logout(const Options& o) {
  auto file = reg::login_auth_file();
  if (!reg::remove_credentials(file, o.host))
    throw minipod::Error("log out of " + o.host,
                         "not logged in: " + file.string() + " has no entry for it");
  std::printf("logged out of %s (removed from %s)\n", o.host.c_str(), file.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  parent_at_start = ::getppid();
  CLI::App app{"minipod-pull: minipod's registry client (run by minipod image pull, login, logout)",
               "minipod"};
  app.require_subcommand(1);
  Options o;
  auto* image = app.add_subcommand("image", "Images");
  image->require_subcommand(1);
  auto* pull_cmd = image->add_subcommand("pull", "Fetch an image from a registry");
  pull_cmd->add_option("REF", o.ref, "Image reference: [host[:port]/]path[:tag][@sha256:hex]")
      ->required();
  pull_cmd
      ->add_option("--oci-layout", o.layout,
                   "Write the image to this directory as an OCI image layout")
      ->required();
  pull_cmd->add_option("--store", o.store,
                       "minipod's layered store (<image dir>/.oci): what it holds is not fetched "
                       "again, and the layout lacks those layers (run by minipod image pull)");
  pull_cmd->add_option("--events-fd", o.events_fd,
                       "Write each blob's digest to this descriptor once it is in the layout "
                       "(run by minipod image pull, which unpacks layers as they arrive)");
  pull_cmd->add_option("--platform", o.platform,
                       "os/arch[/variant] to choose from an index (default: this host's)");
  pull_cmd->add_flag("-q,--quiet", o.quiet, "Print only the manifest digest");
  auto* login_cmd = app.add_subcommand("login", "Log in to a registry (stores the credentials)");
  login_cmd->add_option("HOST", o.host, "Registry host[:port]")->required();
  login_cmd->add_option("-u,--username", o.username,
                        "User name (asked on a terminal when missing)");
  login_cmd->add_option("-p,--password", o.password,
                        "Password (visible to other users: prefer --password-stdin)");
  login_cmd->add_flag("--password-stdin", o.password_stdin,
                      "Read the password from standard input");
  auto* logout_cmd = app.add_subcommand("logout", "Forget the credentials of a registry");
  logout_cmd->add_option("HOST", o.host, "Registry host[:port]")->required();
  for (auto* cmd : {pull_cmd, login_cmd})
    cmd->add_option("--registries-conf", o.registries_conf, "registries.conf to use")
        ->envname("MINIPOD_REGISTRIES_CONF");
  pull_cmd->callback([&] { pull(o); });
  login_cmd->callback([&] { login(o); });
  logout_cmd->callback([&] { logout(o); });
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    std::string message = e.what();
    std::fprintf(stderr, "minipod: %s (see 'minipod --help')\n", message.c_str());
    return 2;
  } catch (const minipod::Error& e) {
    std::fprintf(stderr, "minipod: %s\n", e.what());
    return static_cast<int>(e.kind());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "minipod: %s\n", e.what());
    return 1;
  }
  return 0;
}
