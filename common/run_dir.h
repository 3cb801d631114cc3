// Where minipod keeps its runtime state: one definition, so that every minipod process (a pod's
// owner, `minipod gc`, `minipod cni`) finds the same records and the same locks.
#pragma once

#include <filesystem>

namespace minipod {

// $MINIPOD_RUN_DIR, else /run/minipod (an empty variable counts as unset).
std::filesystem::path run_dir();

}  // namespace minipod
