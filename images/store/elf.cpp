#include "images/store/elf.h"

#include <elf.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "common/error.h"
#include "common/fd.h"

namespace minipod::images {
namespace {

void read_at(int fd, void* buf, size_t len, off_t off, const std::filesystem::path& path) {
  ssize_t n = ::pread(fd, buf, len, off);
  if (n < 0) throw_errno("read ELF header", path.string());
  if (static_cast<size_t>(n) != len)
    throw Error("read ELF header", path.string() + ": file is truncated");
}

template <typename Ehdr, typename Phdr>
bool has_interp(int fd, const std::filesystem::path& path) {
  Ehdr eh;
  read_at(fd, &eh, sizeof eh, 0, path);
  if (eh.e_phentsize != sizeof(Phdr))
    throw Error("read ELF header", path.string() + ": unexpected program header size");
  for (unsigned i = 0; i < eh.e_phnum; ++i) {
    Phdr ph;
    read_at(fd, &ph, sizeof ph, static_cast<off_t>(eh.e_phoff + i * sizeof(Phdr)), path);
    if (ph.p_type == PT_INTERP) return true;
  }
  return false;
}

}  // namespace

bool is_static_elf(const std::filesystem::path& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) throw_errno("open", path.string());
  unsigned char ident[EI_NIDENT];
  read_at(fd.get(), ident, sizeof ident, 0, path);
  if (std::memcmp(ident, ELFMAG, SELFMAG) != 0)
    throw Error("read ELF header", path.string() + ": not an ELF file");
  if (ident[EI_CLASS] == ELFCLASS64) return !has_interp<Elf64_Ehdr, Elf64_Phdr>(fd.get(), path);
  if (ident[EI_CLASS] == ELFCLASS32) return !has_interp<Elf32_Ehdr, Elf32_Phdr>(fd.get(), path);
  throw Error("read ELF header", path.string() + ": unknown ELF class");
}

}  // namespace minipod::images
