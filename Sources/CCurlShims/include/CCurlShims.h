#ifndef PARLEY_CCURL_SHIMS_H
#define PARLEY_CCURL_SHIMS_H

// Typed wrappers for libcurl's variadic entry points. Swift cannot call a C variadic
// function with the right argument type, so each option type gets its own tiny inline
// function; the compiler folds them into direct calls.

#include <curl/curl.h>

/// Callback shape shared by CURLOPT_WRITEFUNCTION and CURLOPT_HEADERFUNCTION.
typedef size_t (*parley_curl_data_callback)(char *data, size_t size, size_t count, void *context);

/// Callback shape of CURLOPT_XFERINFOFUNCTION.
typedef int (*parley_curl_xferinfo_callback)(void *context, curl_off_t dltotal, curl_off_t dlnow,
                                             curl_off_t ultotal, curl_off_t ulnow);

static inline CURLcode parley_curl_global_init(void) {
    return curl_global_init(CURL_GLOBAL_ALL);
}

// MARK: curl_easy_setopt

static inline CURLcode parley_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode parley_easy_setopt_pointer(CURL *handle, CURLoption option, const void *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode parley_easy_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode parley_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode parley_easy_setopt_off(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode parley_easy_setopt_data_callback(CURL *handle, CURLoption option,
                                                        parley_curl_data_callback callback) {
    return curl_easy_setopt(handle, option, callback);
}

static inline CURLcode parley_easy_setopt_xferinfo_callback(CURL *handle, CURLoption option,
                                                            parley_curl_xferinfo_callback callback) {
    return curl_easy_setopt(handle, option, callback);
}

// MARK: curl_easy_getinfo

static inline CURLcode parley_easy_getinfo_long(CURL *handle, CURLINFO info, long *out) {
    return curl_easy_getinfo(handle, info, out);
}

static inline CURLcode parley_easy_getinfo_double(CURL *handle, CURLINFO info, double *out) {
    return curl_easy_getinfo(handle, info, out);
}

static inline CURLcode parley_easy_getinfo_off(CURL *handle, CURLINFO info, curl_off_t *out) {
    return curl_easy_getinfo(handle, info, out);
}

static inline CURLcode parley_easy_getinfo_string(CURL *handle, CURLINFO info, char **out) {
    return curl_easy_getinfo(handle, info, out);
}

static inline CURLcode parley_easy_getinfo_pointer(CURL *handle, CURLINFO info, void **out) {
    return curl_easy_getinfo(handle, info, out);
}

// MARK: curl_multi

static inline CURLMcode parley_multi_setopt_long(CURLM *multi, CURLMoption option, long value) {
    return curl_multi_setopt(multi, option, value);
}

static inline CURLMcode parley_multi_setopt_pointer(CURLM *multi, CURLMoption option, void *value) {
    return curl_multi_setopt(multi, option, value);
}

static inline CURLMcode parley_multi_setopt_socket_callback(CURLM *multi, curl_socket_callback callback) {
    return curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, callback);
}

static inline CURLMcode parley_multi_setopt_timer_callback(CURLM *multi, curl_multi_timer_callback callback) {
    return curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, callback);
}

static inline CURLMcode parley_multi_socket_action(CURLM *multi, curl_socket_t socket, int events, int *running) {
    return curl_multi_socket_action(multi, socket, events, running);
}

static inline CURLMcode parley_multi_socket_timeout(CURLM *multi, int *running) {
    return curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, running);
}

/// Reads the next finished transfer from the multi handle, skipping other message kinds
/// (CURLMsg's result lives in a union, which is clumsy from Swift).
/// Returns 1 and fills `easy` and `result` when a transfer finished, 0 when no message is left.
static inline int parley_multi_next_done(CURLM *multi, CURL **easy, CURLcode *result) {
    int remaining = 0;
    CURLMsg *message;
    while ((message = curl_multi_info_read(multi, &remaining)) != NULL) {
        if (message->msg == CURLMSG_DONE) {
            *easy = message->easy_handle;
            *result = message->data.result;
            return 1;
        }
    }
    return 0;
}

// MARK: Linux readiness primitives
//
// The transfer loop drives libcurl's socket interface from epoll on Linux. Glibc's Swift module
// does not expose <sys/epoll.h> or <sys/eventfd.h>, and epoll_event is a packed struct, so the
// loop talks to epoll through these helpers, which hand back plain fd and CURL_CSELECT_* arrays.
#ifdef __linux__
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <errno.h>
#include <stdint.h>
#include <unistd.h>

#define PARLEY_EPOLL_BATCH 256

static inline int parley_epoll_create(void) {
    return epoll_create1(EPOLL_CLOEXEC);
}

/// Registers `fd` for the CURL_POLL_* interest `what` (IN, OUT or INOUT). `known` says whether
/// it is already registered (one syscall instead of two); a wrong guess is corrected.
static inline int parley_epoll_watch(int epfd, int fd, int what, int known) {
    struct epoll_event event = {0};
    event.events = ((what & CURL_POLL_IN) ? EPOLLIN : 0) | ((what & CURL_POLL_OUT) ? EPOLLOUT : 0);
    event.data.fd = fd;
    int first = known ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
    if (epoll_ctl(epfd, first, fd, &event) == 0) return 0;
    if (errno != (known ? ENOENT : EEXIST)) return -1;
    return epoll_ctl(epfd, known ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, &event);
}

static inline int parley_epoll_unwatch(int epfd, int fd) {
    return epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
}

/// Waits up to `timeout_ms` and fills `fds`/`events` (CURL_CSELECT_* bits) for at most
/// `capacity` ready descriptors. Returns the count, 0 on timeout or EINTR, -1 on failure.
static inline int parley_epoll_wait(int epfd, int *fds, int *events, int capacity, int timeout_ms) {
    struct epoll_event ready[PARLEY_EPOLL_BATCH];
    if (capacity > PARLEY_EPOLL_BATCH) capacity = PARLEY_EPOLL_BATCH;
    int count = epoll_wait(epfd, ready, capacity, timeout_ms);
    if (count < 0) return errno == EINTR ? 0 : -1;
    for (int i = 0; i < count; i++) {
        uint32_t bits = ready[i].events;
        int action = 0;
        // A hang-up is reported as readable so that libcurl reads and sees the end of stream.
        if (bits & (EPOLLIN | EPOLLHUP | EPOLLRDHUP)) action |= CURL_CSELECT_IN;
        if (bits & EPOLLOUT) action |= CURL_CSELECT_OUT;
        if (bits & EPOLLERR) action |= CURL_CSELECT_ERR;
        fds[i] = ready[i].data.fd;
        events[i] = action;
    }
    return count;
}

static inline int parley_eventfd_create(void) {
    return eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
}

static inline void parley_eventfd_signal(int fd) {
    uint64_t one = 1;
    ssize_t written = write(fd, &one, sizeof one);
    (void)written; // EAGAIN means the counter is already non-zero: the loop will wake anyway.
}

/// Names the calling thread (visible in top and debuggers); pthread_setname_np needs _GNU_SOURCE.
static inline void parley_name_current_thread(const char *name) {
    prctl(PR_SET_NAME, name, 0, 0, 0);
}

static inline void parley_eventfd_drain(int fd) {
    uint64_t value;
    ssize_t got = read(fd, &value, sizeof value);
    (void)got;
}
#endif

#ifdef __linux__
/// Unmaps the resident pages of the process's read-only file mappings that hold no private copy
/// of a page (see ProcessLimits.releaseFilePages). Returns the kilobytes that were resident in the
/// mappings released, or -1 when /proc/self/smaps could not be read.
long parley_release_file_pages(void);
#endif

#endif
