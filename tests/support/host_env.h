// Test support for integration tests that touch the host: a private minipod environment (image
// store, CNI config, cache, IPAM and state dirs in one temp dir), a way to run the real minipod
// binary, and a check that nothing a test made is left on the host.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace minipod::testing {

// Folder of the built binaries (minipod, minipod-pause, probe), from the MINIPOD_BIN_DIR
// compile definition.
std::filesystem::path bin_dir();

struct CommandResult {
  int exit_code = -1;
  std::string out, err;
};

// A minipod invocation running in the background (e.g. a pod in the foreground of its own).
class Background {
 public:
  Background(const std::vector<std::string>& argv, const std::vector<std::string>& env);
  ~Background();  // SIGKILLs the process group if still running
  Background(const Background&) = delete;
  Background& operator=(const Background&) = delete;

  pid_t pid() const { return pid_; }
  void signal(int sig);
  // Waits for the exit; returns false on timeout.
  bool wait(std::chrono::milliseconds timeout);
  const CommandResult& result();  // after wait(): exit code and everything printed
  std::string out_so_far() const;
  std::string err_so_far() const;

 private:
  pid_t pid_ = -1;
  bool done_ = false;
  CommandResult result_;
  std::filesystem::path out_path_, err_path_;
};

// One private environment per test suite. Names start with the test prefix `mpt-`.
class HostEnv {
 public:
  // `tag` makes names unique per suite: bridge mpt-<tag>, network mpt-<tag>-net,
  // subnet 10.232.<subnet_octet>.0/24.
  HostEnv(const std::string& tag, int subnet_octet);
  ~HostEnv();

  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path image_dir() const { return dir_ / "images"; }
  std::filesystem::path conf_dir() const { return dir_ / "net.d"; }
  std::filesystem::path cache_dir() const { return dir_ / "cni-cache"; }
  std::filesystem::path ipam_dir() const { return dir_ / "ipam"; }
  std::filesystem::path run_dir() const { return dir_ / "run"; }
  std::filesystem::path data_dir() const { return dir_ / "data"; }
  std::filesystem::path log_dir() const { return dir_ / "log"; }
  const std::string& bridge() const { return bridge_; }
  const std::string& network() const { return network_; }
  std::string subnet_prefix() const;  // "10.232.7."

  // Writes the suite's network config (bridge + host-local [+ extra plugins]) as the only file.
  void write_network(const nlohmann::json& extra_plugins = nlohmann::json::array(),
                     const std::string& ipam_type = "host-local");
  // Writes a manifest into the env dir and returns its path.
  std::filesystem::path write_file(const std::string& name, const std::string& content) const;

  // minipod with this env's dirs. `run` gets the CNI flags added.
  std::vector<std::string> minipod_args(const std::vector<std::string>& args) const;
  std::vector<std::string> environment() const;
  // `extra_env`: "K=V" added to the environment (test switches such as MINIPOD_TEST_CRASH_AT).
  CommandResult minipod(const std::vector<std::string>& args,
                        std::chrono::milliseconds timeout = std::chrono::seconds(60),
                        const std::vector<std::string>& extra_env = {},
                        const std::string& stdin_data = "") const;

  // The running pod named `name` as `minipod inspect` shows it (docs/json.md), once its status is
  // Running; null after `timeout`. Tests read what a user reads, not the record on disk.
  nlohmann::json wait_running(const std::string& name,
                              std::chrono::milliseconds timeout = std::chrono::seconds(20)) const;

  // Everything the tests of this env may have left: returns a description per leak, empty when
  // clean. Checked after every test.
  std::vector<std::string> leaks() const;

 private:
  std::filesystem::path dir_;
  std::string tag_, bridge_, network_;
  int octet_;
  std::vector<std::string> chains_before_;
  bool hostport_chains_before_ = false;  // portmap's top-level chains existed before the suite
  std::string ip_forward_before_;
  std::vector<std::string> cgroups_before_;  // pod cgroups (of other users) at start
};

// minipod's pod cgroups on this host: <hierarchy>/minipod/<pod-id> for every cgroup hierarchy.
std::vector<std::string> minipod_cgroups();
// Lines of `iptables -t nat -S` naming per-container chains (CNI-DN-*, CNI-<hash>).
std::vector<std::string> cni_nat_chains();
// Runs a host command (ip, iptables) and returns its output; throws on failure.
CommandResult host_command(const std::vector<std::string>& argv);
// HTTP GET over TCP from the host (no proxy, no tools): the body, or "" on failure.
std::string http_get(const std::string& ip, int port,
                     std::chrono::milliseconds timeout = std::chrono::seconds(3));

}  // namespace minipod::testing
