#include "cni/conformance/delegate_shim.h"

#include <algorithm>
#include <filesystem>
#include <sstream>

#include "common/fs.h"
#include "common/trace.h"

namespace cni::conformance {

DelegateShim::DelegateShim(const std::string& type, const std::string& real)
    : bin_(tmp_.path() + "/bin"),
      calls_(tmp_.path() + "/calls"),
      marker_("minipod-conformance-delegate-stderr-" +
              tmp_.path().substr(tmp_.path().rfind('-') + 1)) {
  std::filesystem::create_directories(bin_);
  std::filesystem::create_directories(calls_);
  const std::string calls = minipod::shell_quote(calls_);
  const std::string flag = minipod::shell_quote(tmp_.path() + "/fail-add");
  // date +%s%N names the calls in the order they came (the plugin calls its delegate one at a
  // time); $$ keeps two within one nanosecond apart.
  std::string script =
      "#!/bin/sh\n"
      "# minipod cni conformance: records this delegated call, then runs the real " +
      type +
      ".\n"
      "n=$(date +%s%N)-$$\n"
      "env > " +
      calls + "/$n.env\n" + "cat > " + calls + "/$n.stdin\n" + "echo " +
      minipod::shell_quote(marker_) + " >&2\n" + "if [ \"$CNI_COMMAND\" = ADD ] && [ -e " + flag +
      " ]; then\n" +
      "  echo '{\"code\":100,\"msg\":\"delegated ADD failed on purpose (minipod cni "
      "conformance)\"}'\n"
      "  exit 1\n"
      "fi\n"
      "exec " +
      minipod::shell_quote(real) + " < " + calls + "/$n.stdin\n";
  std::string path = bin_ + "/" + type;
  minipod::fs::write_file(path, script, 0755);
}

void DelegateShim::fail_add(bool on) {
  std::string flag = tmp_.path() + "/fail-add";
  if (on)
    minipod::fs::write_file(flag, "");
  else
    std::filesystem::remove(flag);
}

std::string DelegateShim::Call::command() const {
  auto it = env.find("CNI_COMMAND");
  return it == env.end() ? "" : it->second;
}

std::vector<DelegateShim::Call> DelegateShim::take() {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(calls_))
    if (e.path().extension() == ".env") names.push_back(e.path().stem().string());
  std::sort(names.begin(), names.end());
  std::vector<Call> out;
  for (size_t i = seen_; i < names.size(); ++i) {
    Call c;
    std::istringstream in(minipod::fs::read_file(calls_ + "/" + names[i] + ".env"));
    for (std::string line; std::getline(in, line);)
      if (size_t eq = line.find('='); eq != std::string::npos)
        c.env[line.substr(0, eq)] = line.substr(eq + 1);
    c.stdin_data =
        minipod::fs::read_file_if_exists(calls_ + "/" + names[i] + ".stdin").value_or("");
    out.push_back(std::move(c));
  }
  seen_ = names.size();
  return out;
}

}  // namespace cni::conformance
