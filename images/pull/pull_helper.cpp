#include "images/pull/pull_helper.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "common/error.h"
#include "common/subprocess.h"

extern char** environ;

namespace minipod::images {
namespace {

constexpr int kEventsFd = 3;  // the helper's descriptor for the events pipe

}  // namespace

PullHelper::PullHelper(const std::filesystem::path& helper, std::vector<std::string> args)
    : path_(helper) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw_errno("pull", "create the pipe to minipod-pull");
  UniqueFd read_end(fds[0]), write_end(fds[1]);
  std::vector<std::string> all{"minipod-pull"};
  all.insert(all.end(), args.begin(), args.end());
  all.insert(all.end(), {"--events-fd", std::to_string(kEventsFd)});
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  // dup2 leaves the new descriptor open across exec (glibc clears FD_CLOEXEC even when the
  // pipe's end already is descriptor 3).
  posix_spawn_file_actions_adddup2(&actions, write_end.get(), kEventsFd);
  int rc = ::posix_spawn(&pid_, path_.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0)
    throw Error("run " + path_.string(),
                "the registry verbs need minipod-pull installed next to minipod (cmake --build "
                "--target minipod-pull)",
                rc);
  write_end.reset();  // the helper's end only: its exit closes the pipe
  reader_ = std::thread([this, fd = std::move(read_end)]() mutable { read_events(std::move(fd)); });
}

PullHelper::~PullHelper() {
  stop();
  if (reader_.joinable()) reader_.join();
}

void PullHelper::read_events(UniqueFd pipe) {
  std::string pending;
  char buf[4096];
  while (true) {
    ssize_t n = ::read(pipe.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    pending.append(buf, static_cast<size_t>(n));
    std::lock_guard lock(mutex_);
    for (size_t end; (end = pending.find('\n')) != std::string::npos; pending.erase(0, end + 1)) {
      named_.push_back(pending.substr(0, end));
      arrived_.insert(named_.back());
    }
    changed_.notify_all();
  }
  std::lock_guard lock(mutex_);
  closed_ = true;
  changed_.notify_all();
}

std::optional<std::string> PullHelper::manifest() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return !named_.empty() || closed_; });
  if (named_.empty()) return std::nullopt;
  return named_.front();
}

bool PullHelper::wait_for(const std::string& digest) {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return arrived_.count(digest) > 0 || closed_; });
  return arrived_.count(digest) > 0;
}

int PullHelper::finish() {
  if (pid_ < 0) return exit_code_;
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0)
    if (errno != EINTR) throw_errno("wait for " + path_.string(), "pid " + std::to_string(pid_));
  pid_ = -1;
  exit_code_ = shell_exit_code(status);
  return exit_code_;
}

void PullHelper::stop() {
  if (pid_ < 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
  exit_code_ = shell_exit_code(status);
}

}  // namespace minipod::images
