#ifndef KSYMBOLIZE_CLIBDW_SHIM_H
#define KSYMBOLIZE_CLIBDW_SHIM_H

#include <elfutils/libdwfl.h>
#include <elfutils/libdw.h>
#include <dwarf.h>
#include <gelf.h>
#include <libelf.h>
#include <elfutils/libdwelf.h>
#include <fcntl.h>
#include <zstd.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

/* Function-like macros do not import into Swift. */
static inline unsigned char ksym_st_type(unsigned char info) { return GELF_ST_TYPE(info); }
static inline unsigned char ksym_st_bind(unsigned char info) { return GELF_ST_BIND(info); }
/* A hint that `address` is read soon (Swift has no prefetch of its own). */
static inline void ksym_prefetch(const void *address) { __builtin_prefetch(address); }

#endif
