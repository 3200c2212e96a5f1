#ifndef PARLEY_CALLOCATOR_H
#define PARLEY_CALLOCATOR_H

/// Sets the options of the allocator `parley` is linked with (mimalloc on Linux); nothing elsewhere.
/// Called first thing in `main`, before the process allocates much.
void parley_allocator_configure(void);

#endif
