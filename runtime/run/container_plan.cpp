#include "runtime/run/container_plan.h"

#include "common/trace.h"
#include "runtime/security/plan_security.h"
#include "runtime/spec/field_path.h"

namespace minipod::run {

void compile_security_plans(const spec::Pod& pod, std::vector<ContainerPlan>& plans,
                            const state::Paths& paths) {
  std::vector<const spec::Container*> specs;
  for (const auto& p : plans) specs.push_back(p.spec);
  auto compile = [&pod, specs, options = security::start_options(paths.data_dir, paths.run_dir)] {
    Tracer::MuteThisThread quiet;  // the supervisor's start() traces each plan
    std::vector<security::SecurityPlan> out;
    for (const auto* c : specs)
      out.push_back(
          security::plan_container_security(pod, *c, spec::container_field(pod, *c), options));
    return out;
  };
  auto all = std::async(std::launch::async, compile).share();
  for (size_t i = 0; i < plans.size(); ++i)
    plans[i].security =
        std::async(std::launch::deferred, [all, i] { return all.get()[i]; }).share();
}

const security::SecurityPlan& security_plan(ContainerPlan& plan, const spec::Pod& pod,
                                            const state::Paths& paths) {
  if (!plan.security.valid()) {
    plan.security = std::async(std::launch::deferred, [&pod, &plan, &paths] {
                      return security::plan_container_security(
                          pod, *plan.spec, spec::container_field(pod, *plan.spec),
                          security::start_options(paths.data_dir, paths.run_dir));
                    }).share();
  }
  return plan.security.get();
}

}  // namespace minipod::run
