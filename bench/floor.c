/* The C floor of `make bench`: what libdwfl itself can do, with nothing on top.
 *
 *   floor VMLINUX < addresses
 *
 * Reads one hex address per stdin line and prints, like
 * `llvm-symbolizer --inlining --functions`, one "function\nfile:line:col"
 * pair per inline level (innermost first), then an empty line; the first line
 * of each answer is "SYMBOL+0xOFF/0xSIZE" from the ELF symbol table.
 *
 * The symbol table is read once into a sorted array (binary search):
 * dwfl_module_addrinfo scans every symbol linearly on each call, which on a
 * vmlinux with ~130,000 symbols would make the floor slower than any real
 * tool. Lines and scopes come straight from libdw: dwfl_module_addrdie,
 * dwarf_getscopes, dwfl_module_getsrc + dwfl_lineinfo, DW_AT_call_* of each
 * inlined scope.
 *
 *   floor --one-pass VMLINUX
 *
 * The one-pass floor: decodes every CU's line table (dwarf_getsrclines) and
 * walks every DIE of every CU once (dwarf_child/dwarf_siblingof, reading each
 * DIE's tag), then prints the counts. No lookups: the least any symbolizer
 * that reads all of vmlinux's DWARF has to pay (stdin is ignored). W1's
 * 100,000 random addresses touch nearly every CU, so a symbolizer that reads
 * each CU once and answers from what it kept approaches this time.
 *
 * Build: cc -O2 -o floor floor.c -ldw -lelf
 */
#include <dwarf.h>
#include <elfutils/libdwfl.h>
#include <gelf.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sym { GElf_Addr addr; GElf_Word size; const char *name; };
static struct sym *syms;
static size_t nsyms;

static int cmp_sym(const void *a, const void *b) {
	const struct sym *x = a, *y = b;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static void load_syms(Dwfl_Module *mod) {
	int n = dwfl_module_getsymtab(mod);
	if (n <= 0) return;
	syms = calloc((size_t)n, sizeof *syms);
	for (int i = 1; i < n; i++) {
		GElf_Sym s;
		GElf_Addr addr;
		const char *name = dwfl_module_getsym_info(mod, i, &s, &addr, NULL, NULL, NULL);
		if (name == NULL || GELF_ST_TYPE(s.st_info) != STT_FUNC || s.st_size == 0) continue;
		syms[nsyms++] = (struct sym){addr, (GElf_Word)s.st_size, name};
	}
	qsort(syms, nsyms, sizeof *syms, cmp_sym);
}

static const struct sym *find_sym(GElf_Addr a) {
	size_t lo = 0, hi = nsyms;
	while (lo < hi) { /* first symbol with addr > a */
		size_t mid = (lo + hi) / 2;
		if (syms[mid].addr <= a) lo = mid + 1; else hi = mid;
	}
	while (lo > 0) { /* innermost covering symbol among those starting <= a */
		const struct sym *s = &syms[--lo];
		if (a < s->addr + s->size) return s;
		if (lo == 0 || syms[lo - 1].addr != s->addr) break;
	}
	return NULL;
}

static const char *die_name(Dwarf_Die *die) {
	Dwarf_Attribute attr;
	const char *n = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_name, &attr));
	return n ? n : "??";
}

static const char *call_file(Dwarf_Die *cu, Dwarf_Word idx) {
	Dwarf_Files *files;
	size_t nfiles;
	if (dwarf_getsrcfiles(cu, &files, &nfiles) != 0 || idx >= nfiles) return "??";
	const char *f = dwarf_filesrc(files, idx, NULL, NULL);
	return f ? f : "??";
}

static Dwarf_Word attr_udata(Dwarf_Die *die, int name) {
	Dwarf_Attribute attr;
	Dwarf_Word v = 0;
	if (dwarf_formudata(dwarf_attr(die, name, &attr), &v) != 0) v = 0;
	return v;
}

static void lookup(Dwfl *dwfl, GElf_Addr addr) {
	Dwfl_Module *mod = dwfl_addrmodule(dwfl, addr);
	const struct sym *s = find_sym(addr);
	if (s) printf("%s+0x%" PRIx64 "/0x%x\n", s->name, addr - s->addr, s->size);
	else printf("??\n");
	Dwarf_Addr bias = 0;
	Dwarf_Die *cu = mod ? dwfl_module_addrdie(mod, addr, &bias) : NULL;
	const char *file = "??";
	int line = 0, col = 0;
	Dwfl_Line *l = mod ? dwfl_module_getsrc(mod, addr) : NULL;
	if (l) {
		const char *f = dwfl_lineinfo(l, NULL, &line, &col, NULL, NULL);
		if (f) file = f;
	}
	/* dwarf_getscopes continues into the abstract origin of an inlined
	 * scope; dwarf_getscopes_die on the innermost scope gives the physical
	 * nesting (inlined callee, its caller, ..., the subprogram). */
	Dwarf_Die *scopes = NULL, *pc_scopes = NULL;
	int n = cu ? dwarf_getscopes(cu, addr - bias, &pc_scopes) : 0;
	if (n > 0) {
		n = dwarf_getscopes_die(&pc_scopes[0], &scopes);
		free(pc_scopes);
	}
	int printed = 0;
	for (int i = 0; i < n; i++) {
		int tag = dwarf_tag(&scopes[i]);
		if (tag != DW_TAG_subprogram && tag != DW_TAG_inlined_subroutine) continue;
		printf("%s\n%s:%d:%d\n", die_name(&scopes[i]), file, line, col);
		printed = 1;
		if (tag == DW_TAG_subprogram) break;
		/* The caller's location is where this inlined scope was called. */
		file = call_file(cu, attr_udata(&scopes[i], DW_AT_call_file));
		line = (int)attr_udata(&scopes[i], DW_AT_call_line);
		col = (int)attr_udata(&scopes[i], DW_AT_call_column);
	}
	if (!printed) printf("??\n%s:%d:%d\n", file, line, col);
	free(scopes);
	printf("\n");
}

static size_t walk(Dwarf_Die *first, int depth) {
	size_t n = 0;
	Dwarf_Die die = *first, next;
	do {
		n++;
		(void)dwarf_tag(&die);
		Dwarf_Die child;
		if (depth < 256 && dwarf_haschildren(&die) && dwarf_child(&die, &child) == 0) n += walk(&child, depth + 1);
	} while (dwarf_siblingof(&die, &next) == 0 && (die = next, 1));
	return n;
}

static int one_pass(Dwfl_Module *mod) {
	Dwarf_Addr bias = 0;
	Dwarf_Die *cu = NULL;
	size_t cus = 0, dies = 0, lines = 0;
	while ((cu = dwfl_module_nextcu(mod, cu, &bias)) != NULL) {
		Dwarf_Lines *l;
		size_t nl = 0;
		if (dwarf_getsrclines(cu, &l, &nl) == 0) lines += nl;
		Dwarf_Die child;
		dies++;
		if (dwarf_child(cu, &child) == 0) dies += walk(&child, 1);
		cus++;
	}
	printf("%zu CUs, %zu DIEs, %zu line rows\n", cus, dies, lines);
	return 0;
}

int main(int argc, char **argv) {
	int onepass = argc == 3 && strcmp(argv[1], "--one-pass") == 0;
	if (onepass) argv++, argc--;
	if (argc != 2) {
		fprintf(stderr, "usage: %s [--one-pass] VMLINUX < addresses\n", argv[0]);
		return 64;
	}
	static const Dwfl_Callbacks cb = {
		.find_debuginfo = dwfl_standard_find_debuginfo,
		.section_address = dwfl_offline_section_address,
	};
	Dwfl *dwfl = dwfl_begin(&cb);
	Dwfl_Module *mod = dwfl_report_offline(dwfl, "vmlinux", argv[1], -1);
	if (mod == NULL || dwfl_report_end(dwfl, NULL, NULL) != 0) {
		fprintf(stderr, "floor: %s: %s\n", argv[1], dwfl_errmsg(-1));
		return 1;
	}
	if (onepass) return one_pass(mod);
	load_syms(mod);
	char buf[256];
	while (fgets(buf, sizeof buf, stdin)) {
		char *end;
		GElf_Addr a = strtoull(buf, &end, 16);
		if (end == buf) continue;
		lookup(dwfl, a);
	}
	dwfl_end(dwfl);
	return 0;
}
