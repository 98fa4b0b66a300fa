#ifndef KSYMBOLIZE_CCAPSTONE_SHIM_H
#define KSYMBOLIZE_CCAPSTONE_SHIM_H

/* Debian's libcapstone-dev (capstone 4): pkg-config puts /usr/include/capstone on the path. */
#include <capstone.h>

#endif
