// Every wrapper is a static inline function in the header; this file only gives the
// C target a translation unit.
#include "CCurlShims.h"
