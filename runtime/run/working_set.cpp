#include "runtime/run/working_set.h"

#include <link.h>
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>

namespace minipod::run {
namespace {

int release_segments(dl_phdr_info* info, size_t, void* data) {
  // The first object is the executable itself (static PIE: the only one).
  bool& done = *static_cast<bool*>(data);
  if (done) return 1;
  done = true;
  uintptr_t relro_begin = 0, relro_end = 0;
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const auto& ph = info->dlpi_phdr[i];
    if (ph.p_type == PT_GNU_RELRO) {
      relro_begin = info->dlpi_addr + ph.p_vaddr;
      relro_end = relro_begin + ph.p_memsz;
    }
  }
  const uintptr_t page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const auto& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_LOAD || (ph.p_flags & PF_W) != 0) continue;
    // Whole pages inside the segment only, and none of the RELRO range (relocated at start: its
    // pages are private copies that would come back from the file unrelocated).
    uintptr_t begin = (info->dlpi_addr + ph.p_vaddr + page - 1) & ~(page - 1);
    uintptr_t end = (info->dlpi_addr + ph.p_vaddr + ph.p_filesz) & ~(page - 1);
    if (relro_end > begin && relro_begin < end) continue;
    if (end <= begin) continue;
    void* addr = reinterpret_cast<void*>(begin);
    ::madvise(addr, end - begin, MADV_RANDOM);
    ::madvise(addr, end - begin, MADV_DONTNEED);
  }
  return 1;
}

}  // namespace

void release_unused_pages() {
  ::malloc_trim(0);
  bool done = false;
  ::dl_iterate_phdr(release_segments, &done);
}

}  // namespace minipod::run
