// `minipod net show`: the node's pod network as text, or drawn (`--format dot|svg -o FILE`): the
// bridges, each namespace's interfaces, addresses and routes, the veth pairs between them and
// the hostPort DNAT rules. Reading is runtime/netview/gather, drawing runtime/netview/render_*.
#include <cstdio>

#include "common/error.h"
#include "common/fs.h"
#include "runtime/cli/commands.h"
#include "runtime/netview/gather.h"
#include "runtime/netview/render_dot.h"
#include "runtime/netview/render_svg.h"
#include "runtime/netview/render_text.h"

namespace minipod::cli {
namespace {

struct NetShowOptions {
  std::string format = "text";
  std::string output;  // a file; empty: standard output
};

void run_net_show(const NetShowOptions& o) {
  netview::GatherOptions gather{state::Paths::from_environment()};
  netview::NetView view = netview::gather(gather);
  std::string out = o.format == "svg"   ? netview::render_svg(view)
                    : o.format == "dot" ? netview::render_dot(view)
                                        : netview::render_text(view);
  if (o.output.empty() || o.output == "-") {
    std::fputs(out.c_str(), stdout);
    if (std::fflush(stdout) != 0) throw_errno("net show: write the drawing", "standard output");
    return;
  }
  with_context("net show: write the drawing to " + o.output,
               [&] { fs::write_file_atomic(o.output, out, 0644, fs::Durability::kProcessCrash); });
  // What was drawn, in one line, so a user sees the command did something.
  size_t pods = 0;
  for (const auto& ns : view.namespaces) pods += ns.is_pod();
  std::fprintf(stderr,
               "minipod: wrote %s (%zu bridges, %zu namespaces of which %zu minipod pods)\n",
               o.output.c_str(), view.bridges().size(), view.namespaces.size(), pods);
}

}  // namespace

void add_net_command(CLI::App& app) {
  auto* net = app.add_subcommand("net", "The node's pod network");
  net->require_subcommand(1);
  auto o = std::make_shared<NetShowOptions>();
  auto* show = net->add_subcommand(
      "show",
      "Bridges, veth pairs, pods' interfaces, addresses and routes, hostPort rules (from the "
      "kernel and iptables); as text, or drawn with --format dot|svg");
  show->add_option("--format", o->format, "text, dot (Graphviz) or svg")
      ->check(CLI::IsMember({"text", "dot", "svg"}))
      ->capture_default_str();
  show->add_option("-o,--output", o->output, "Write to this file instead of standard output");
  show->callback([o] { run_net_show(*o); });
}

}  // namespace minipod::cli
