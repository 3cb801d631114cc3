#include "cni/cli/error_json.h"

#include "cni/error.h"
#include "common/error.h"

namespace cni::cli {
namespace {

using nlohmann::json;

constexpr int kNoCode = kErrInternal;  // what a failure that carries no CNI code is given

json or_null(const std::string& s) {
  return s.empty() ? json() : json(s);
}

json plugin_object(const PluginError& e) {
  json o{{"code", e.code() != 0 ? e.code() : kNoCode},
         {"msg", e.msg()},
         {"details", e.details()},
         {"plugin", e.plugin()},
         {"verb", e.verb()},
         {"network", or_null(e.network())},
         {"error", e.what()}};
  if (!e.stderr_tail().empty()) o["stderr"] = e.stderr_tail();
  return o;
}

}  // namespace

json error_object(const std::exception& e, Phase phase, const std::string& verb,
                  const std::string& network) {
  if (const auto* p = dynamic_cast<const PluginError*>(&e)) return plugin_object(*p);
  json o{{"plugin", nullptr}, {"verb", verb}, {"network", or_null(network)}, {"error", e.what()}};
  if (const auto* d = dynamic_cast<const DelError*>(&e)) {
    json failures = json::array();
    for (const auto& f : d->failures()) failures.push_back(plugin_object(f));
    o["code"] = failures.empty() ? kNoCode : failures.front()["code"].get<int>();
    o["msg"] = std::to_string(d->failures().size()) + " plugins failed";
    o["details"] = d->detail();
    o["failures"] = std::move(failures);
    return o;
  }
  const auto* m = dynamic_cast<const minipod::Error*>(&e);
  if (m == nullptr) {
    o["code"] = kNoCode;
    o["msg"] = e.what();
    o["details"] = "";
    return o;
  }
  // what() is "step: detail[: strerror]": the step is the message, the rest its details.
  std::string all = m->what();
  o["msg"] = m->step();
  o["details"] = all.starts_with(m->step() + ": ") ? all.substr(m->step().size() + 2) : all;
  if (const auto* in_use = dynamic_cast<const AttachmentInUse*>(m)) {
    o["code"] = static_cast<int>(kErrInvalidEnv);
    o["existing"] = in_use->existing();
  } else if (m->kind() == minipod::ExitKind::kUsage) {
    o["code"] = static_cast<int>(phase == Phase::kConfig ? kErrInvalidConfig : kErrInvalidEnv);
  } else if (phase == Phase::kConfig) {
    o["code"] = static_cast<int>(kErrInvalidConfig);
  } else {
    o["code"] = m->err() != 0 ? static_cast<int>(kErrIO) : kNoCode;
  }
  return o;
}

}  // namespace cni::cli
