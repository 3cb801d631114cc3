// A node's pod network built by hand, as a tutorial would draw it: the two pods of
// examples/two-pods on minipod's bridge (one publishing hostPort 18080), and a pod of another
// runtime on its own bridge. The renderers' tests draw it.
#pragma once

#include "runtime/netview/model.h"

namespace minipod::netview::testing {

NetView two_pods_view();

// Small builders for hand-made views.
Interface make_interface(int index, const std::string& name, const std::string& kind,
                         std::vector<std::string> cidrs = {});
Address make_address(const std::string& cidr, const std::string& scope = "global");

}  // namespace minipod::netview::testing
