#include "CAllocator.h"

#if defined(__linux__) && __has_include(<mimalloc.h>)
#include <mimalloc.h>

void parley_allocator_configure(void) {
    // Memory freed in whole pages goes back to the system at once instead of 25 ms later
    // (mimalloc's default). Conversations end, and free their state, in bursts: with the delay,
    // peak RSS at concurrency 1,000 went from 71 to 85.5 MB from one run to the next, without it
    // from 71 to 74 MB, for about 2 % more CPU in the kernel that timings do not tell apart
    // (BENCHMARKS.md).
#if MI_MALLOC_VERSION >= 210
    mi_option_set(mi_option_purge_delay, 0);
#else
    mi_option_set(mi_option_decommit_delay, 0);
#endif
}
#else
void parley_allocator_configure(void) {}
#endif
