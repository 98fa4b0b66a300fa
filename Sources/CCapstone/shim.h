#ifndef KSYMBOLIZE_CCAPSTONE_SHIM_H
#define KSYMBOLIZE_CCAPSTONE_SHIM_H

/* Debian's libcapstone-dev (capstone 4). Types and constants only: the library is dlopen'ed. */
#include <capstone/capstone.h>

#endif
