#ifndef PARLEY_CCURL_SHIMS_H
#define PARLEY_CCURL_SHIMS_H
#include <curl/curl.h>
#endif
