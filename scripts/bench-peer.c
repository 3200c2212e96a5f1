/*
 * The floor for scripts/bench.py --peer: the HTTP exchanges `parley run` makes for the benchmark
 * suite against the sandbox's Amigo protocol, made by the least code that can make them — one
 * thread, libcurl's multi interface driven by epoll (as Parley's own HTTP loop is), no parsing
 * beyond the two values the next request needs (the id token and the conversation id), no
 * checks beyond the status code, nothing written but the counts on stdout.
 *
 * Each of `concurrency` slots is one Amigo user, as in the suite's parley.yaml: it signs in once,
 * then runs conversations one after another until `conversations` have been started, each one
 *   POST /v1/{org}/conversation/?response_format=text              (JSON, first message; NDJSON reply)
 *   POST /v1/{org}/conversation/{id}/interact?request_format=text&response_format=text
 *                                                                  (multipart, once per further turn)
 *   POST /v1/{org}/conversation/{id}/finish/
 * Replies are read to the end of the body, which for create and interact is the
 * interaction-complete line: the sandbox ends the stream with it.
 *
 *   cc -O2 -Wall -Wextra bench-peer.c $(pkg-config --cflags --libs libcurl)
 *   bench-peer BASE_URL ORG API_KEY API_KEY_ID SERVICE_ID USER_PREFIX CONVERSATIONS TURNS CONCURRENCY MESSAGE...
 *
 * Turn t sends MESSAGE[t % count]; messages go into JSON unescaped, so they must not need escaping.
 * User n (1-based) is USER_PREFIX (12 hex digits) followed by n in 12 hex digits.
 */
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>

enum step { SIGNIN, CREATE, INTERACT, FINISH };

struct slot {
    CURL *easy;
    unsigned index;                /* 1-based; names the user and the multipart boundary */
    enum step step;
    int turn;                      /* turns of the current conversation already answered */
    char user[25];
    char conversation[64];
    char reply[1024];              /* start of a sign-in or create reply: enough for the value we need */
    size_t replied;
    char body[1024];               /* POSTFIELDS are not copied: the body lives until the request is done */
    struct curl_slist *signin_headers, *create_headers, *interact_headers, *finish_headers;
};

static struct {
    const char *base, *org, *key, *key_id, *service, *user_prefix;
    char **messages;
    int message_count, conversations, turns, concurrency;
} config;

static struct { long signins, creates, interacts, finishes, errors; } done;
static int started_conversations, busy_slots;
static CURLM *multi;
static int epoll_fd;
static long curl_timeout_ms = -1;
/* One boundary per slot: Parley draws one per form, which changes its bytes, not their count. */
static const char boundary_stem[] = "parley-benchpeerbenchpeerbenchp";

static void fail(struct slot *slot, const char *what) {
    if (done.errors++ < 5) fprintf(stderr, "bench-peer: user %s: %s\n", slot->user, what);
}

static size_t on_data(char *data, size_t size, size_t count, void *context) {
    struct slot *slot = context;
    size_t bytes = size * count;
    /* Only sign-in and create replies carry a value the next request needs; the rest is dropped. */
    if (slot->step == SIGNIN || slot->step == CREATE) {
        size_t room = sizeof slot->reply - 1 - slot->replied;
        size_t take = bytes < room ? bytes : room;
        memcpy(slot->reply + slot->replied, data, take);
        slot->replied += take;
        slot->reply[slot->replied] = 0;
    }
    return bytes;
}

/* The string value of the first "key":"..." in the reply (the sandbox writes no space after a colon). */
static int find_value(const char *reply, const char *key, char *out, size_t size) {
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
    const char *start = strstr(reply, pattern);
    if (!start) return 0;
    start += strlen(pattern);
    const char *end = strchr(start, '"');
    if (!end || (size_t)(end - start) >= size || end == start) return 0;
    memcpy(out, start, end - start);
    out[end - start] = 0;
    return 1;
}

static void send_request(struct slot *slot, enum step step) {
    char url[512];
    struct curl_slist *headers = NULL;
    size_t length = 0;
    const char *message = config.messages[slot->turn % config.message_count];
    slot->step = step;
    slot->replied = 0;
    slot->reply[0] = 0;
    switch (step) {
    case SIGNIN:
        snprintf(url, sizeof url, "%s/v1/%s/user/signin_with_api_key", config.base, config.org);
        headers = slot->signin_headers;
        break;
    case CREATE:
        snprintf(url, sizeof url, "%s/v1/%s/conversation/?response_format=text", config.base, config.org);
        headers = slot->create_headers;
        length = snprintf(slot->body, sizeof slot->body,
                          "{\"service_id\":\"%s\",\"service_version_set_name\":\"release\","
                          "\"initial_message\":\"%s\",\"initial_message_type\":\"user-message\"}",
                          config.service, message);
        break;
    case INTERACT:
        snprintf(url, sizeof url, "%s/v1/%s/conversation/%s/interact?request_format=text&response_format=text",
                 config.base, config.org, slot->conversation);
        headers = slot->interact_headers;
        length = snprintf(slot->body, sizeof slot->body,
                          "--%s-%x\r\nContent-Disposition: form-data; name=\"initial_message_type\"\r\n\r\nuser-message\r\n"
                          "--%s-%x\r\nContent-Disposition: form-data; name=\"recorded_message\"\r\n\r\n%s\r\n"
                          "--%s-%x--\r\n",
                          boundary_stem, slot->index, boundary_stem,
                          slot->index, message, boundary_stem, slot->index);
        break;
    case FINISH:
        snprintf(url, sizeof url, "%s/v1/%s/conversation/%s/finish/", config.base, config.org, slot->conversation);
        headers = slot->finish_headers;
        break;
    }
    if (step == SIGNIN || step == FINISH) slot->body[0] = 0;
    curl_easy_setopt(slot->easy, CURLOPT_URL, url);
    curl_easy_setopt(slot->easy, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(slot->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)length);
    curl_easy_setopt(slot->easy, CURLOPT_POSTFIELDS, slot->body);
    curl_multi_add_handle(multi, slot->easy);
}

/* The slot's next conversation, or the slot goes idle once all have been started. */
static void next_conversation(struct slot *slot) {
    if (started_conversations == config.conversations) {
        busy_slots--;
        return;
    }
    started_conversations++;
    slot->turn = 0;
    send_request(slot, CREATE);
}

static struct curl_slist *headers_with_token(const char *token, const char *accept, const char *content_type) {
    char line[1024];
    struct curl_slist *list = NULL;
    if (accept) list = curl_slist_append(list, accept);
    snprintf(line, sizeof line, "Authorization: Bearer %s", token);
    list = curl_slist_append(list, line);
    return curl_slist_append(list, content_type);
}

/* A request of the slot has ended: count it and send the one that follows it. */
static void advance(struct slot *slot, CURLcode result) {
    long status = 0;
    char token[512];
    curl_multi_remove_handle(multi, slot->easy);
    curl_easy_getinfo(slot->easy, CURLINFO_RESPONSE_CODE, &status);
    if (result != CURLE_OK || status < 200 || status > 299) {
        char what[160];
        snprintf(what, sizeof what, "step %d turn %d: %s, status %ld", slot->step, slot->turn, curl_easy_strerror(result), status);
        fail(slot, what);
        busy_slots--;  /* the user may hold an open conversation now: it runs no more */
        return;
    }
    switch (slot->step) {
    case SIGNIN:
        if (!find_value(slot->reply, "id_token", token, sizeof token)) {
            fail(slot, "no id_token in the sign-in reply");
            busy_slots--;
            return;
        }
        done.signins++;
        char content_type[128];
        snprintf(content_type, sizeof content_type, "Content-Type: multipart/form-data; boundary=%s-%x", boundary_stem,
                 slot->index);
        slot->create_headers = headers_with_token(token, "Accept: application/x-ndjson", "Content-Type: application/json");
        slot->interact_headers = headers_with_token(token, "Accept: application/x-ndjson", content_type);
        slot->finish_headers = headers_with_token(token, NULL, "Content-Type:");
        next_conversation(slot);
        return;
    case CREATE:
        if (!find_value(slot->reply, "conversation_id", slot->conversation, sizeof slot->conversation)) {
            fail(slot, "no conversation_id in the create reply");
            busy_slots--;
            return;
        }
        done.creates++;
        break;
    case INTERACT:
        done.interacts++;
        break;
    case FINISH:
        done.finishes++;
        next_conversation(slot);
        return;
    }
    slot->turn++;
    send_request(slot, slot->turn < config.turns ? INTERACT : FINISH);
}

static int on_socket(CURL *easy, curl_socket_t socket, int what, void *unused, void *watched) {
    (void)easy, (void)unused;
    if (what == CURL_POLL_REMOVE) {
        epoll_ctl(epoll_fd, EPOLL_CTL_DEL, socket, NULL);  /* fails harmlessly if already closed */
        return 0;
    }
    struct epoll_event event = {.events = (what & CURL_POLL_IN ? EPOLLIN : 0) | (what & CURL_POLL_OUT ? EPOLLOUT : 0),
                                .data.fd = socket};
    /* libcurl keeps a pointer per socket for us: non-null once the socket is in the epoll set. */
    if (epoll_ctl(epoll_fd, watched ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, socket, &event) != 0 && errno == EEXIST)
        epoll_ctl(epoll_fd, EPOLL_CTL_MOD, socket, &event);
    if (!watched) curl_multi_assign(multi, socket, (void *)1);
    return 0;
}

static int on_timer(CURLM *unused, long timeout_ms, void *context) {
    (void)unused, (void)context;
    curl_timeout_ms = timeout_ms;
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 11) {
        fprintf(stderr, "usage: %s BASE_URL ORG API_KEY API_KEY_ID SERVICE_ID USER_PREFIX CONVERSATIONS TURNS CONCURRENCY MESSAGE...\n",
                argv[0]);
        return 2;
    }
    config.base = argv[1], config.org = argv[2], config.key = argv[3], config.key_id = argv[4];
    config.service = argv[5], config.user_prefix = argv[6];
    config.conversations = atoi(argv[7]), config.turns = atoi(argv[8]), config.concurrency = atoi(argv[9]);
    config.messages = argv + 10, config.message_count = argc - 10;
    if (config.turns < 1 || config.concurrency < 1 || config.conversations < 0) {
        fprintf(stderr, "bench-peer: turns and concurrency must be at least 1\n");
        return 2;
    }
    for (int i = 0; i < config.message_count; i++)
        for (const char *c = config.messages[i]; *c; c++)
            if (*c == '"' || *c == '\\' || (unsigned char)*c < 0x20 || c - config.messages[i] > 500) {
                fprintf(stderr, "bench-peer: message %d is longer than 500 bytes or would need JSON escaping\n", i + 1);
                return 2;
            }
    int slots = config.concurrency < config.conversations ? config.concurrency : config.conversations;

    /* A connection per slot, and the usual soft limit of 1,024 files is below a thousand of them plus libcurl's own. */
    struct rlimit files;
    if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
        files.rlim_cur = files.rlim_max;
        setrlimit(RLIMIT_NOFILE, &files);
    }

    curl_global_init(CURL_GLOBAL_DEFAULT);
    multi = curl_multi_init();
    epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    /* The same connection limits as Parley's client, so both keep one connection per request in flight. */
    curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, 2048L);
    curl_multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, 2048L);
    curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, on_socket);
    curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, on_timer);

    struct slot *all = calloc(slots ? slots : 1, sizeof *all);
    for (int i = 0; i < slots; i++) {
        struct slot *slot = &all[i];
        char line[128];
        snprintf(slot->user, sizeof slot->user, "%.12s%012x", config.user_prefix, i + 1);
        slot->index = i + 1;
        slot->easy = curl_easy_init();
        curl_easy_setopt(slot->easy, CURLOPT_PRIVATE, slot);
        curl_easy_setopt(slot->easy, CURLOPT_WRITEFUNCTION, on_data);
        curl_easy_setopt(slot->easy, CURLOPT_WRITEDATA, slot);
        curl_easy_setopt(slot->easy, CURLOPT_USERAGENT, "parley/0.1.0");
        curl_easy_setopt(slot->easy, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(slot->easy, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
        snprintf(line, sizeof line, "x-api-key: %s", config.key);
        slot->signin_headers = curl_slist_append(NULL, line);
        snprintf(line, sizeof line, "x-api-key-id: %s", config.key_id);
        slot->signin_headers = curl_slist_append(slot->signin_headers, line);
        snprintf(line, sizeof line, "x-user-id: %s", slot->user);
        slot->signin_headers = curl_slist_append(slot->signin_headers, line);
        /* A body-less POST would otherwise be sent as a form. */
        slot->signin_headers = curl_slist_append(slot->signin_headers, "Content-Type:");
        busy_slots++;
        send_request(slot, SIGNIN);
    }

    struct epoll_event events[256];
    int running = 0;
    while (busy_slots > 0) {
        int ready = epoll_wait(epoll_fd, events, 256, (int)curl_timeout_ms);
        if (ready < 0 && errno != EINTR) {
            perror("bench-peer: epoll_wait");
            break;
        }
        if (ready <= 0) curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &running);
        for (int i = 0; i < ready; i++) {
            int flags = (events[i].events & EPOLLIN ? CURL_CSELECT_IN : 0) | (events[i].events & EPOLLOUT ? CURL_CSELECT_OUT : 0)
                      | (events[i].events & (EPOLLERR | EPOLLHUP) ? CURL_CSELECT_ERR : 0);
            curl_multi_socket_action(multi, events[i].data.fd, flags, &running);
        }
        CURLMsg *message;
        int left;
        while ((message = curl_multi_info_read(multi, &left))) {
            if (message->msg != CURLMSG_DONE) continue;
            struct slot *slot;
            curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, (char **)&slot);
            advance(slot, message->data.result);
        }
    }

    /* The peak RSS as the kernel keeps it for this program's image. A parent's wait4 would report
       the larger of it and the parent's own peak (Python's, for bench.py), which exec carries over. */
    long peak_kb = -1;
    char line[256];
    FILE *status = fopen("/proc/self/status", "r");
    while (status && fgets(line, sizeof line, status))
        if (sscanf(line, "VmHWM: %ld kB", &peak_kb) == 1) break;
    if (status) fclose(status);
    printf("{\"signins\": %ld, \"creates\": %ld, \"interacts\": %ld, \"finishes\": %ld, \"turns\": %ld, "
           "\"conversations\": %ld, \"errors\": %ld, \"peak_rss_kb\": %ld}\n",
           done.signins, done.creates, done.interacts, done.finishes, done.creates + done.interacts, done.finishes, done.errors,
           peak_kb);
    /* The process ends here: cleaning up handles and lists would only add work the floor does not need. */
    return done.errors ? 1 : 0;
}
