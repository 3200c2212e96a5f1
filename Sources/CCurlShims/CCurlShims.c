// The wrappers are static inline functions in the header; this file holds the one function too
// long to be one.
#include "CCurlShims.h"

#ifdef __linux__
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/// One mapping of /proc/self/smaps that may be released.
struct parley_mapping {
    unsigned long start, end;
    long resident_kb;
};

long parley_release_file_pages(void) {
    FILE *smaps = fopen("/proc/self/smaps", "re");
    if (!smaps) return -1;
    struct parley_mapping *found = NULL;
    size_t count = 0, capacity = 0;
    // The mapping being read is a candidate if it is a file's and the process cannot write it now,
    // until its Anonymous line shows a private copy of a page: data the loader relocated before
    // making it read-only, say, which MADV_DONTNEED would replace with the file's bytes.
    struct parley_mapping current = {0, 0, 0};
    int candidate = 0;
    char *line = NULL;
    size_t length = 0;
    while (getline(&line, &length, smaps) > 0) {
        unsigned long start, end, offset, inode;
        char perms[8], device[32];
        int path = 0;
        // A mapping's line starts with its address in lowercase hex; its fields' lines with a
        // capital letter. Only the former go to sscanf, whose set-up costs about 700 instructions
        // a line even when the first conversion fails (the file has some 13,000 lines).
        int header = (line[0] >= '0' && line[0] <= '9') || (line[0] >= 'a' && line[0] <= 'f');
        if (header && sscanf(line, "%lx-%lx %7s %lx %31s %lu %n", &start, &end, perms, &offset, device, &inode, &path) >= 6
            && path > 0) {
            current = (struct parley_mapping){start, end, 0};
            candidate = inode != 0 && strchr(perms, 'w') == NULL && line[path] == '/';
        } else if (candidate && strncmp(line, "Rss:", 4) == 0) {
            current.resident_kb = strtol(line + 4, NULL, 10);
        } else if (candidate && strncmp(line, "Anonymous:", 10) == 0) {
            candidate = 0;
            if (strtol(line + 10, NULL, 10) != 0 || current.resident_kb == 0) continue;
            if (count == capacity) {
                capacity = capacity ? capacity * 2 : 64;
                struct parley_mapping *grown = realloc(found, capacity * sizeof *found);
                if (!grown) break;
                found = grown;
            }
            found[count++] = current;
        }
    }
    free(line);
    fclose(smaps);
    long released = 0;
    for (size_t i = 0; i < count; i++) {
        if (madvise((void *)found[i].start, found[i].end - found[i].start, MADV_DONTNEED) == 0)
            released += found[i].resident_kb;
    }
    free(found);
    return released;
}
#endif
