/*
 * ksymbolize cross-architecture test fixture.
 *
 * Freestanding, kernel-shaped C: no libc headers.  Built by make-fixtures.sh
 * into one relocatable object per target (fixture_TARGET.ko).
 *
 * Functions (all external linkage, all noinline):
 *   fx_deref_first   - dereferences its pointer argument in its first instruction
 *   fx_leaf          - small leaf doing arithmetic
 *   fx_inline_user   - uses a 2-level always_inline helper chain, calls fx_leaf
 *   fx_caller        - calls fx_inline_user, fx_deref_first and, indirectly,
 *                      fx_hook (return probes)
 *   fx_die           - ends with a call to the noreturn fx_panic; the return
 *                      address of that call is the first byte of fx_after_die
 *   fx_after_die     - the function laid out right after fx_die
 */

#define noinline     __attribute__((noinline))
#define __always_inline inline __attribute__((always_inline))
#define __noreturn   __attribute__((noreturn))

extern int fx_global;
extern int fx_table[16];
extern void fx_report(int what, long value);
extern void (*fx_hook)(int value);
extern __noreturn void fx_panic(const char *msg, int code);

/*
 * The frame-pointer prologue (ARM, MIPS) would otherwise come before the
 * load; omit it here so the dereference is the very first instruction, like
 * a faulting kernel leaf on an arch without leaf frames.
 */
noinline __attribute__((optimize("omit-frame-pointer")))
int fx_deref_first(int *p)
{
	return *p + 1;
}

noinline int fx_leaf(int a, int b)
{
	return (a * 7) ^ (b + fx_global);
}

static __always_inline int fx_inner(int x)
{
	fx_report(1, x);
	return fx_table[x & 15] + x;
}

static __always_inline int fx_outer(int x, int y)
{
	int r = fx_inner(x + y);

	fx_report(2, r);
	return r * 3;
}

noinline int fx_inline_user(int a, int b)
{
	int v = fx_outer(a, b);

	v += fx_leaf(v, a);
	fx_report(3, v);
	return v;
}

noinline int fx_caller(int *p, int n)
{
	int s = fx_inline_user(n, n + 1);

	s += fx_deref_first(p);
	fx_hook(s);		/* indirect call: blr, blx, jalr, bctrl, c.jalr */
	fx_report(4, s);
	return s;
}

/*
 * Straight-line, takes the message as an argument and touches no global: a
 * branch would let GCC place a cold block after the noreturn call, and on
 * ARM (-mword-relocations) an address constant would put a literal pool ($d)
 * between the final call and the end of the function.
 */
noinline void fx_die(const char *msg, int code)
{
	fx_report(5, code);
	fx_report(7, code + 1);
	fx_panic(msg, code);
}

/*
 * No alignment padding in front of this function, so the return address of
 * fx_die's final call is exactly fx_after_die's first byte (x86 would
 * otherwise insert up to 15 bytes of nop padding).
 */
noinline __attribute__((optimize("align-functions=1")))
int fx_after_die(int x)
{
	fx_report(6, x);
	return x + fx_global;
}
