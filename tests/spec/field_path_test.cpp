// The field paths that errors name: the same for a container found by index and by name, and the
// parser's own errors use them too.
#include "runtime/spec/field_path.h"

#include <gtest/gtest.h>

#include "common/error.h"
#include "runtime/spec/manifest.h"

namespace minipod::spec {
namespace {

TEST(FieldPath, ByIndex) {
  EXPECT_EQ(container_field(0), "spec.containers[0]");
  EXPECT_EQ(container_field(12), "spec.containers[12]");
  EXPECT_EQ(init_container_field(1), "spec.initContainers[1]");
}

TEST(FieldPath, ByName) {
  Pod pod;
  pod.init_containers.resize(2);
  pod.init_containers[0].name = "setup";
  pod.init_containers[1].name = "proxy";
  pod.containers.resize(2);
  pod.containers[0].name = "web";
  pod.containers[1].name = "db";
  EXPECT_EQ(container_field(pod, pod.init_containers[1]), "spec.initContainers[1]");
  EXPECT_EQ(container_field(pod, pod.containers[1]), "spec.containers[1]");
  Container copy = pod.containers[0];  // a copy is found by its name
  EXPECT_EQ(container_field(pod, copy), "spec.containers[0]");
  Container debug;
  debug.name = "debugger";  // an ephemeral container is not in the manifest
  EXPECT_EQ(container_field(pod, debug), "container \"debugger\"");
}

TEST(FieldPath, TheParserNamesTheSameField) {
  try {
    parse_manifest(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n"
        "  initContainers: [{name: a, image: busybox}]\n"
        "  containers: [{name: b, image: busybox}, {name: a, image: busybox}]\n",
        "pod.yaml");
    FAIL() << "a duplicate name was accepted";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find(container_field(1) + ".name"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find(init_container_field(0) + ".name"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace minipod::spec
