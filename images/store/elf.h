// Just enough ELF reading to tell a static executable from a dynamic one: a program that has a
// PT_INTERP header needs a dynamic loader (and its libraries) inside the container.
#pragma once

#include <filesystem>

namespace minipod::images {

// True when `path` is an ELF executable without PT_INTERP. Throws Error when the file cannot be
// read or is not a 64-bit or 32-bit ELF file.
bool is_static_elf(const std::filesystem::path& path);

}  // namespace minipod::images
