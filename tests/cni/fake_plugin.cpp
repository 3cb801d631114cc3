// A recording CNI plugin for the tests. Every call appends one JSON line to a log file (the
// config's "log" field, else $MPT_FAKE_CNI_LOG): command, the whole environment, stdin and pid,
// so tests can assert exactly what the runtime sent. What it answers is driven by the config:
//   "tag"      name of the interface it appends to the result (default: its file name)
//   "addIP"    an address it appends to the result's ips
//   "behave"   {"ADD"|"DEL"|...|"*": {"sleep_ms", "stdout", "stderr", "exit", "error",
//               "stdout_bytes"}} to sleep, print garbage, fail with a CNI error (printed
//               without cniVersion, as real plugins do), or flood stdout; with "while_exists":
//               PATH the behaviour applies only while that file exists (a test deletes it to
//               make the plugin recover, e.g. a DEL that fails until then)
// The versions it supports come from "<argv0>.versions" ({"cniVersion", "supportedVersions"})
// when that file exists, else every version up to 1.1.0; like Go plugins it answers error code
// 1 to a config version it does not support.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

extern char** environ;

using nlohmann::json;

namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

void record(const std::string& log, const std::string& command, const std::string& input) {
  if (log.empty()) return;
  json env_obj = json::object();
  for (char** e = environ; *e != nullptr; ++e) {
    std::string kv = *e;
    size_t eq = kv.find('=');
    if (eq != std::string::npos) env_obj[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  json line{{"command", command}, {"env", env_obj}, {"stdin", input}, {"pid", ::getpid()}};
  std::ofstream(log, std::ios::app) << line.dump() << "\n";
}

int error(int code, const std::string& msg, const std::string& details) {
  json e{{"code", code}, {"msg", msg}};
  if (!details.empty()) e["details"] = details;
  std::cout << e.dump() << std::endl;
  return 1;
}

}  // namespace

int main(int, char** argv) {
  std::string input((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  std::string command = env("CNI_COMMAND");
  json conf = json::parse(input, nullptr, false);
  std::string log = env("MPT_FAKE_CNI_LOG");
  if (conf.is_object() && conf.contains("log")) log = conf["log"].get<std::string>();
  record(log, command, input);

  json versions{
      {"cniVersion", "1.1.0"},
      {"supportedVersions", {"0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"}}};
  if (std::ifstream vf{std::string(argv[0]) + ".versions"}; vf) versions = json::parse(vf);

  if (command == "VERSION") {
    std::cout << versions.dump() << std::endl;
    return 0;
  }
  if (!conf.is_object()) return error(6, "error unmarshall network config", "not a JSON object");
  std::string version = conf.value("cniVersion", "");
  bool ok = false;
  for (const auto& v : versions["supportedVersions"]) ok = ok || v == version;
  if (!ok) {
    std::string list;
    for (const auto& v : versions["supportedVersions"])
      list += (list.empty() ? "" : " ") + v.dump();
    return error(1, "incompatible CNI versions",
                 "config is \"" + version + "\", plugin supports [" + list + "]");
  }

  json behave = json::object();
  if (conf.contains("behave")) {
    if (conf["behave"].contains(command))
      behave = conf["behave"][command];
    else if (conf["behave"].contains("*"))
      behave = conf["behave"]["*"];
  }
  if (behave.contains("while_exists") &&
      !std::ifstream(behave["while_exists"].get<std::string>()).good())
    behave = json::object();
  if (behave.contains("sleep_ms"))
    std::this_thread::sleep_for(std::chrono::milliseconds(behave["sleep_ms"].get<int>()));
  if (behave.contains("stderr")) std::cerr << behave["stderr"].get<std::string>() << std::flush;
  if (behave.contains("stdout_bytes")) {
    std::string chunk(65536, 'x');
    for (long n = behave["stdout_bytes"].get<long>(); n > 0; n -= 65536)
      std::cout.write(chunk.data(), std::min<long>(n, 65536));
    std::cout.flush();
  }
  if (behave.contains("stdout")) std::cout << behave["stdout"].get<std::string>() << std::flush;
  if (behave.contains("error")) {
    const json& e = behave["error"];
    error(e.value("code", 999), e.value("msg", ""), e.value("details", ""));
    return behave.value("exit", 1);
  }
  if (behave.contains("stdout") || behave.contains("stdout_bytes") || behave.contains("exit"))
    return behave.value("exit", 0);

  if (command != "ADD") return 0;
  std::string name = argv[0];
  name = name.substr(name.rfind('/') + 1);
  json result;
  if (version == "0.1.0" || version == "0.2.0") {
    result = {{"cniVersion", version},
              {"ip4", {{"ip", conf.value("addIP", "10.231.0.2/24")}}},
              {"dns", json::object()}};
  } else {
    result = conf.contains("prevResult") ? conf["prevResult"] : json{{"dns", json::object()}};
    result["cniVersion"] = version;
    if (!result.contains("interfaces")) result["interfaces"] = json::array();
    result["interfaces"].push_back(
        {{"name", conf.value("tag", name)}, {"sandbox", env("CNI_NETNS")}});
    if (conf.contains("addIP")) {
      json ip{{"address", conf["addIP"]}, {"interface", result["interfaces"].size() - 1}};
      if (version[0] == '0') ip["version"] = "4";
      result["ips"].push_back(ip);
    }
  }
  std::cout << result.dump(2) << std::endl;
  return 0;
}
