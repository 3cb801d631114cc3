#include "tests/support/host_env.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iomanip>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "common/fs.h"
#include "common/subprocess.h"

namespace minipod::testing {
namespace fsys = std::filesystem;
using Clock = std::chrono::steady_clock;

fsys::path bin_dir() {
  return MINIPOD_BIN_DIR;
}

// ---------------------------------------------------------------- Background

Background::Background(const std::vector<std::string>& argv, const std::vector<std::string>& env) {
  char tmpl[] = "/tmp/mpt-bg-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp");
  out_path_ = fsys::path(tmpl) / "out";
  err_path_ = fsys::path(tmpl) / "err";
  std::vector<char*> a, e;
  for (const auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
  a.push_back(nullptr);
  for (const auto& s : env) e.push_back(const_cast<char*>(s.c_str()));
  e.push_back(nullptr);
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork");
  if (pid_ == 0) {
    ::setpgid(0, 0);
    int out = ::open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int err = ::open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int null = ::open("/dev/null", O_RDONLY);
    ::dup2(null, 0);
    ::dup2(out, 1);
    ::dup2(err, 2);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execve(a[0], a.data(), e.data());
    ::_exit(127);
  }
}

Background::~Background() {
  if (!done_) {
    ::kill(-pid_, SIGKILL);
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  std::error_code ec;
  fsys::remove_all(out_path_.parent_path(), ec);
}

void Background::signal(int sig) {
  if (!done_) ::kill(pid_, sig);
}

bool Background::wait(std::chrono::milliseconds timeout) {
  if (done_) return true;
  auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    int status = 0;
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      done_ = true;
      result_.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      result_.out = out_so_far();
      result_.err = err_so_far();
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

const CommandResult& Background::result() {
  return result_;
}
std::string Background::out_so_far() const {
  return fs::read_file_if_exists(out_path_).value_or("");
}
std::string Background::err_so_far() const {
  return fs::read_file_if_exists(err_path_).value_or("");
}

// ---------------------------------------------------------------- host helpers

CommandResult host_command(const std::vector<std::string>& argv) {
  ProcessRequest req;
  req.path = argv.at(0);
  req.argv = argv;
  req.env = current_environment();
  req.timeout = std::chrono::seconds(30);
  auto r = run_process(req);
  return CommandResult{r.ok() ? 0 : (r.exit_code >= 0 ? r.exit_code : 1), r.out, r.err};
}

std::vector<std::string> cni_nat_chains() {
  std::vector<std::string> chains;
  auto r = host_command({"/usr/sbin/iptables", "-w", "-t", "nat", "-S"});
  std::istringstream in(r.out);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("-N CNI-", 0) == 0 && line.find("HOSTPORT") == std::string::npos)
      chains.push_back(line.substr(3));
  return chains;
}

std::string http_get(const std::string& ip, int port, std::chrono::milliseconds timeout) {
  int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (s < 0) return "";
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, ip.c_str(), &addr.sin_addr);
  auto deadline = Clock::now() + timeout;
  auto left = [&] {
    return static_cast<int>(std::max<long long>(
        0, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count()));
  };
  std::string body;
  if (::connect(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 && errno != EINPROGRESS) {
    ::close(s);
    return "";
  }
  pollfd p{s, POLLOUT, 0};
  if (::poll(&p, 1, left()) != 1) {
    ::close(s);
    return "";
  }
  int soerr = 0;
  socklen_t len = sizeof soerr;
  ::getsockopt(s, SOL_SOCKET, SO_ERROR, &soerr, &len);
  if (soerr != 0) {
    ::close(s);
    return "";
  }
  std::string req = "GET / HTTP/1.0\r\nHost: " + ip + "\r\n\r\n";
  if (::send(s, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) {
    ::close(s);
    return "";
  }
  std::string resp;
  char buf[4096];
  for (;;) {
    pollfd q{s, POLLIN, 0};
    if (::poll(&q, 1, left()) != 1) break;
    ssize_t n = ::recv(s, buf, sizeof buf, 0);
    if (n <= 0) break;
    resp.append(buf, static_cast<size_t>(n));
  }
  ::close(s);
  auto pos = resp.find("\r\n\r\n");
  return pos == std::string::npos ? "" : resp.substr(pos + 4);
}

std::vector<std::string> minipod_cgroups() {
  std::vector<std::string> out;
  std::ifstream mi("/proc/self/mountinfo");
  std::string line;
  while (std::getline(mi, line)) {
    // "... MOUNTPOINT OPTIONS ... - cgroup|cgroup2 ..."
    auto dash = line.find(" - cgroup");
    if (dash == std::string::npos) continue;
    std::istringstream fields(line.substr(0, dash));
    std::string f, mount_point;
    for (int i = 0; i < 5 && fields >> f; ++i) mount_point = f;
    std::error_code ec;
    for (const auto& e : fsys::directory_iterator(fsys::path(mount_point) / "minipod", ec))
      if (e.is_directory(ec)) out.push_back(e.path().string());
  }
  return out;
}

// ---------------------------------------------------------------- HostEnv

HostEnv::HostEnv(const std::string& tag, int subnet_octet)
    : tag_(tag), bridge_("mpt-" + tag), network_("mpt-" + tag + "-net"), octet_(subnet_octet) {
  std::string tmpl_s = "/tmp/mpt-" + tag + "-XXXXXX";
  std::vector<char> tmpl(tmpl_s.begin(), tmpl_s.end());
  tmpl.push_back('\0');
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp");
  dir_ = tmpl.data();
  for (auto d : {conf_dir(), cache_dir(), ipam_dir(), run_dir(), data_dir(), log_dir()})
    fsys::create_directories(d);
  chains_before_ = cni_nat_chains();
  hostport_chains_before_ =
      host_command({"/usr/sbin/iptables", "-w", "-t", "nat", "-S"}).out.find("-N CNI-HOSTPORT-") !=
      std::string::npos;
  cgroups_before_ = minipod_cgroups();
  ip_forward_before_ = fs::read_file_if_exists("/proc/sys/net/ipv4/ip_forward").value_or("0\n");
  // A manifest naming an image the store lacks makes `run` pull it: from these tests, never from
  // a public registry (a test that pulls starts its own on 127.0.0.1 with its own file).
  fs::write_file(dir_ / "registries.conf",
                 "[[registry]]\nlocation = \"docker.io\"\nblocked = true\n");
  write_network();
}

HostEnv::~HostEnv() {
  // The bridge plugin never deletes its bridge; the suite does.
  host_command({"/usr/sbin/ip", "link", "del", bridge_});
  // portmap never removes its top-level chains (and their jumps from the built-in chains); the
  // suite removes them when it caused them and no other attachment still uses them.
  if (!hostport_chains_before_) {
    auto rules = host_command({"/usr/sbin/iptables", "-w", "-t", "nat", "-S"}).out;
    if (rules.find("-j CNI-DN-") == std::string::npos) {
      std::istringstream in(rules);
      for (std::string line; std::getline(in, line);) {
        if (line.rfind("-A ", 0) != 0 || line.find("-j CNI-HOSTPORT-") == std::string::npos)
          continue;
        std::string chain = line.substr(3, line.find(' ', 3) - 3);
        if (chain.rfind("CNI-", 0) == 0) continue;  // rules inside the chains go with -F
        // "-A CHAIN rest..." -> "-D CHAIN rest..." (split on spaces; the comment has quotes)
        std::vector<std::string> argv{"/usr/sbin/iptables", "-w", "-t", "nat", "-D"};
        std::istringstream words(line.substr(3));
        for (std::string w; words >> std::quoted(w);) argv.push_back(w);
        host_command(argv);
      }
      for (const char* c : {"CNI-HOSTPORT-DNAT", "CNI-HOSTPORT-MASQ", "CNI-HOSTPORT-SETMARK"}) {
        host_command({"/usr/sbin/iptables", "-w", "-t", "nat", "-F", c});
        host_command({"/usr/sbin/iptables", "-w", "-t", "nat", "-X", c});
      }
    }
  }
  fs::write_file("/proc/sys/net/ipv4/ip_forward", ip_forward_before_);
  std::error_code ec;
  fsys::remove_all(dir_, ec);
}

std::string HostEnv::subnet_prefix() const {
  return "10.232." + std::to_string(octet_) + ".";
}

void HostEnv::write_network(const nlohmann::json& extra_plugins, const std::string& ipam_type) {
  nlohmann::json bridge = {
      {"type", "bridge"},
      {"bridge", bridge_},
      {"isGateway", true},
      {"ipMasq", false},
      {"hairpinMode", true},
      {"ipam",
       {{"type", ipam_type},
        {"dataDir", ipam_dir().string()},
        {"ranges", {{{{"subnet", subnet_prefix() + "0/24"}, {"gateway", subnet_prefix() + "1"}}}}},
        {"routes", {{{"dst", "0.0.0.0/0"}}}}}}};
  nlohmann::json plugins = nlohmann::json::array({bridge});
  for (const auto& p : extra_plugins) plugins.push_back(p);
  nlohmann::json list = {{"cniVersion", "1.0.0"}, {"name", network_}, {"plugins", plugins}};
  for (const auto& entry : fsys::directory_iterator(conf_dir())) fsys::remove(entry.path());
  fs::write_file(conf_dir() / "10-test.conflist", list.dump(2));
}

fsys::path HostEnv::write_file(const std::string& name, const std::string& content) const {
  auto p = dir_ / name;
  fs::write_file(p, content);
  return p;
}

std::vector<std::string> HostEnv::environment() const {
  auto env = current_environment();
  env.push_back("MINIPOD_RUN_DIR=" + run_dir().string());
  env.push_back("MINIPOD_DATA_DIR=" + data_dir().string());
  env.push_back("MINIPOD_LOG_DIR=" + log_dir().string());
  env.push_back("MINIPOD_IMAGE_DIR=" + image_dir().string());
  env.push_back("MINIPOD_REGISTRIES_CONF=" + (dir_ / "registries.conf").string());
  return env;
}

std::vector<std::string> HostEnv::minipod_args(const std::vector<std::string>& args) const {
  std::vector<std::string> argv{(bin_dir() / "minipod").string()};
  argv.insert(argv.end(), args.begin(), args.end());
  if (std::find(args.begin(), args.end(), "run") != args.end()) {
    for (const std::string& a :
         {std::string("--cni-conf-dir"), conf_dir().string(), std::string("--cni-cache-dir"),
          cache_dir().string(), std::string("--cni-path"), std::string("/usr/lib/cni")})
      argv.push_back(a);
  }
  return argv;
}

CommandResult HostEnv::minipod(const std::vector<std::string>& args,
                               std::chrono::milliseconds timeout,
                               const std::vector<std::string>& extra_env,
                               const std::string& stdin_data) const {
  ProcessRequest req;
  req.stdin_data = stdin_data;
  req.argv = minipod_args(args);
  req.path = req.argv[0];
  req.env = environment();
  // An extra variable replaces the environment's own (getenv would find the first of two).
  for (const auto& kv : extra_env) {
    std::string key = kv.substr(0, kv.find('=') + 1);
    std::erase_if(req.env, [&](const std::string& e) { return e.rfind(key, 0) == 0; });
  }
  req.env.insert(req.env.end(), extra_env.begin(), extra_env.end());
  req.timeout = timeout;
  auto r = run_process(req);
  CommandResult out{r.exit_code, r.out, r.err};
  if (r.timed_out) out.err += "\n[test: minipod timed out]";
  if (r.term_signal) out.exit_code = 128 + r.term_signal;
  return out;
}

nlohmann::json HostEnv::wait_running(const std::string& name,
                                     std::chrono::milliseconds timeout) const {
  auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    // Until the pod exists, inspect fails ("no pod"): asked again.
    auto r = minipod({"inspect", name}, std::chrono::seconds(10));
    if (r.exit_code == 0) {
      auto j = nlohmann::json::parse(r.out, nullptr, false);
      if (j.is_object() && j.value("status", "") == "Running") return j;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return nullptr;
}

namespace {

std::vector<std::string> list_dir(const fsys::path& p) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fsys::directory_iterator(p, ec)) out.push_back(e.path().filename().string());
  return out;
}

}  // namespace

std::vector<std::string> HostEnv::leaks() const {
  std::vector<std::string> leaks;
  for (const auto& n : list_dir("/run/netns"))
    if (n.rfind("mpt-" + tag_ + "-", 0) == 0) leaks.push_back("netns pin /run/netns/" + n);
  for (const auto& n : list_dir("/sys/class/net/" + bridge_ + "/brif"))
    leaks.push_back("veth on " + bridge_ + ": " + n);
  for (const auto& net : list_dir(ipam_dir()))
    for (const auto& f : list_dir(ipam_dir() / net))
      if (f.rfind("last_reserved_ip", 0) != 0 && f != "lock")
        leaks.push_back("host-local address " + net + "/" + f);
  for (const auto& f : list_dir(cache_dir())) leaks.push_back("CNI cache entry " + f);
  std::ifstream mi("/proc/self/mountinfo");
  std::string line;
  while (std::getline(mi, line))
    if (line.find(dir_.string()) != std::string::npos ||
        line.find("/run/netns/mpt-" + tag_ + "-") != std::string::npos)
      leaks.push_back("mount: " + line);
  for (const auto& f : list_dir(run_dir() / "pods")) leaks.push_back("pod record " + f);
  for (const auto& f : list_dir(run_dir() / "names")) leaks.push_back("pod name reservation " + f);
  for (const auto& f : list_dir(data_dir() / "pods"))
    leaks.push_back("writable layers of pod " + f);
  for (const auto& f : list_dir(data_dir() / "volumes"))
    leaks.push_back("emptyDir volumes of pod " + f);
  auto pause = (bin_dir() / "minipod-pause").string();
  for (const auto& p : list_dir("/proc")) {
    if (p.find_first_not_of("0123456789") != std::string::npos) continue;
    std::error_code ec;
    auto exe = fsys::read_symlink("/proc/" + p + "/exe", ec);
    if (!ec && exe.string() == pause) leaks.push_back("pause process " + p);
  }
  for (const auto& c : minipod_cgroups())
    if (std::find(cgroups_before_.begin(), cgroups_before_.end(), c) == cgroups_before_.end())
      leaks.push_back("cgroup " + c);
  auto chains = cni_nat_chains();
  for (const auto& c : chains)
    if (std::find(chains_before_.begin(), chains_before_.end(), c) == chains_before_.end())
      leaks.push_back("iptables nat chain " + c);
  return leaks;
}

}  // namespace minipod::testing
