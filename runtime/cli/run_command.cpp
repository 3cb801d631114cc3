// `minipod run POD.yaml` (or `-` for stdin): a pod in the foreground, until its containers are done
// or Ctrl-C.
#include <cstdio>
#include <cstdlib>

#include "cni/defaults.h"
#include "common/strings.h"
#include "runtime/cli/commands.h"
#include "runtime/run/pod_runner.h"

namespace minipod::cli {

void add_run_command(CLI::App& app, GlobalOptions& global, int& exit_code) {
  auto opts = std::make_shared<run::RunOptions>();
  auto cni_path = std::make_shared<std::string>(cni::default_cni_path());
  auto timeout_s = std::make_shared<double>(60);
  auto grace = std::make_shared<long long>(-1);
  auto backoff_s = std::make_shared<double>(10);

  auto detach = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand(
      "run",
      "Run a pod from a Kubernetes Pod manifest (YAML or JSON), in the foreground or with -d");
  cmd->add_flag("-d,--detach", *detach,
                "Start the pod under its own monitor, print its id and return");
  cmd->add_flag("--keep-logs", opts->keep_logs,
                "Keep the containers' CRI logs after a foreground run ends (removed with the pod "
                "otherwise)");
  cmd->add_option("--log-max-size", opts->log_max_bytes,
                  "Rotate a container's log file past this many bytes")
      ->capture_default_str();
  cmd->add_option("manifest", opts->manifest, "Pod manifest file, or - to read it from stdin")
      ->required()
      ->check(CLI::Validator(
          [](std::string& path) {
            // "-" is standard input (spec::parse_manifest_file reads it); CLI11's ExistingFile
            // refused it.
            return path == "-" ? std::string() : CLI::ExistingFile(path);
          },
          "FILE|-"));
  auto* conf_dir = cmd->add_option("--cni-conf-dir", opts->cni_conf_dir, "CNI network configs")
                       ->envname("NETCONFPATH")
                       ->capture_default_str();
  cmd->add_option("--network", opts->network,
                  std::string("CNI network name (default: the first config, or the built-in "
                              "network when ") +
                      cni::kDefaultConfDir + " holds none); \"none\": only lo");
  cmd->add_option("--cni-path", *cni_path, "Directories with CNI plugins, ':'-separated")
      ->envname("CNI_PATH")
      ->capture_default_str();
  cmd->add_option("--cni-cache-dir", opts->cni_cache_dir, "libcni-format result cache")
      ->capture_default_str();
  cmd->add_option("--cni-timeout", *timeout_s, "Seconds before a CNI plugin call is killed")
      ->capture_default_str();
  cmd->add_option("--grace", *grace,
                  "Seconds between SIGTERM and SIGKILL (overrides terminationGracePeriodSeconds)")
      ->check(non_negative("a number of seconds >= 0"));
  cmd->add_option("--restart-backoff", *backoff_s,
                  "First restart delay in seconds (doubles each restart, at most 300)")
      ->capture_default_str();
  cmd->callback(
      [&global, &exit_code, opts, cni_path, timeout_s, grace, backoff_s, detach, conf_dir] {
        opts->image_dir = global.image_dir;
        opts->cni_conf_dir_given = conf_dir->count() > 0;  // counts NETCONFPATH too
        opts->cni_path = split_nonempty(*cni_path, ':');
        opts->cni_timeout = std::chrono::milliseconds(static_cast<long long>(*timeout_s * 1000));
        if (*grace >= 0) opts->grace_seconds = *grace;
        opts->backoff_base = std::chrono::milliseconds(static_cast<long long>(*backoff_s * 1000));
        if (*detach) {
          std::printf("%s\n", run::start_pod(*opts).c_str());
          exit_code = 0;
        } else {
          exit_code = run::run_pod(*opts);
        }
      });
}

}  // namespace minipod::cli
