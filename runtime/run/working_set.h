// A long-lived process that was forked from a busy one (the `run -d` monitor is a fork of the CLI
// that parsed the manifest, compiled seccomp and ran the CNI ADD) keeps every page the parent
// touched mapped. Once the pod is up, it gives them back so its resident set is what it uses.
#pragma once

namespace minipod::run {

// Heap: returned to the kernel (malloc_trim). Code and read-only data of the executable: unmapped
// from this process (the pages stay in the page cache, shared with every other minipod process)
// and marked for no read-around, so from now on only the pages the process runs are mapped again.
// Never touches writable or relocated (RELRO) memory.
void release_unused_pages();

}  // namespace minipod::run
