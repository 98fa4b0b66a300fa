# Sourced by make-sample.sh and cross-check.sh in this directory: the ONE table of what differs
# between the Debian 12 architectures whose 6.1.0-50 kernels (6.1.176-1) these samples boot.
#
#   arch_config DEBIAN-ARCH    sets (and exports) the variables below, or fails for an unknown one.
#
# SAMPLE      directory under samples/ that receives the results
# ARCH_CASES  the cases make-sample.sh runs by default: $ALL_CASES, less those that cannot oops on
#             this architecture (s390x: address 0 is mapped, so NULL reads do not fault)
# FLAVOUR     kernel flavour (package and file names: linux-image-6.1.0-50-$FLAVOUR…)
# IMAGE_PKG   the package that has /boot/vmlinuz-… (the -unsigned one where a signed one exists)
# KARCH       kbuild ARCH=;  CROSS  CROSS_COMPILE= (empty: the host compiler)
# QEMU        qemu binary and its machine/cpu arguments;  CONSOLE  console= of the guest
# KIMAGE      the kernel file qemu boots, relative to the unpacked image package (default
#             boot/vmlinuz-$KREL; ppc64el ships an ELF boot/vmlinux-$KREL)
# TIMEOUT     seconds before one boot is killed
# LD          linker used by cross-check.sh to link a copy of crashmod.ko at runtime addresses
# STYLE       how the kernel prints frames: x86 (RIP:/EIP: + "Call Trace:" with ? entries),
#             arm64 ("pc : "/"lr : " + "Call trace:"), arm ("PC is at"/"LR is at" + "X from Y" lines),
#             ppc ("NIP [a] …"/"LR [a] …" + "[sp] [a] … (unreliable)" + "--- interrupt: N at …" lines),
#             s390 ("Krnl PSW : mask addr (…)" + " [<a>] …"/"([<a>] …)" + "Last Breaking-Event-Address:"),
#             mips ("epc   : a …"/"ra    : a …" + "Call Trace:" "[<a>] …", first entry an exact PC)
# RETURN      rule from a return address (lr, call-trace entry) to its call site:
#             minus1 (x86: %pB call traces, any call length), minus4 (A64, ppc64), arm ((a & ~1) - 1),
#             minus2 (s390: brasl 6 bytes / basr 2 bytes both contain a - 2), minus8 (mips: call + delay slot)
# CALL_RE     regex for llvm-objdump's text of a call instruction (the return-address check)
# KASLR_SYM   kallsyms symbol compared with the vmlinux symbol of the same name for the KASLR offset
# EXC_ENTRY   regex of exception-entry symbols whose NEXT frame is an interrupted PC (kind pc)
# LINK_EXTRA  extra arguments for $LD when linking the copy of crashmod.ko (e.g. the emulation)
# KO_DWARF    section (default): crashmod rows from eu-addr2line -j SECTION on crashmod.ko; linked:
#             eu-addr2line on the copy linked at the runtime addresses (elfutils 0.188 does not
#             relocate MIPS64 ET_REL DWARF: ??:0)
# LLVM_FUNCTIONS  llvm-symbolizer --functions= for the second opinion: linkage (default) or short
#             (ppc64el: LLVM 14's symbol-table override names every ppc64 function "_end"/".TOC.")
# BREAK_START s390: regex of "Last Breaking-Event-Address:", whose next line is one exact address
# PC_RE, LR_RE, TRACE_RE, TRACE_START  line regexes (Python syntax, after the "[ time] " prefix):
#             PC_RE/LR_RE group "f" = the frame text (SYM+0xOFF/0xSIZE [MOD]);
#             TRACE_RE group "f" = the frame text of a call-trace entry; TRACE_START = the trace header
#             optional groups: "a" the raw address printed with the frame (checked against the
#             computed one), "u" ppc's " (unreliable)", "p" s390's "(" of a parenthesised entry,
#             "i" ppc's "--- interrupt: N at FRAME" (an interrupted PC)
#             (empty: every line matching TRACE_RE is an entry, as on x86 where the unwinder's lines
#             are not bracketed reliably).

ABI=6.1.0-50
KVER=6.1.176-1
ALL_CASES="null warn bug recurse work timer first noreturn"

arch_config() {
	DEBIAN_ARCH=$1
	# defaults (x86 style)
	PC_RE='(?:RIP: [0-9a-f]{4}:|EIP: )(?P<f>\S+\+0x[0-9a-f]+/0x[0-9a-f]+(?: \[\w+\])?)\s*$'
	LR_RE=''
	TRACE_RE='\s(?P<f>(?:\? )?\S+\+0x[0-9a-f]+/0x[0-9a-f]+(?: \[\w+\])?)\s*$'
	TRACE_START=''
	EXC_ENTRY=''
	MEM=1G
	KIMAGE=
	LINK_EXTRA=
	KO_DWARF=section
	ARCH_CASES=$ALL_CASES
	LLVM_FUNCTIONS=linkage
	BREAK_START=
	case $DEBIAN_ARCH in
	amd64)
		SAMPLE=x86_64 FLAVOUR=amd64 IMAGE_PKG=linux-image-$ABI-amd64-unsigned
		KARCH=x86_64 CROSS=
		QEMU="qemu-system-x86_64 -machine q35 -cpu qemu64" CONSOLE=ttyS0 TIMEOUT=240
		LD=ld STYLE=x86 RETURN=minus1 CALL_RE='^call' KASLR_SYM=_text
		;;
	i386)
		SAMPLE=i386 FLAVOUR=686-pae IMAGE_PKG=linux-image-$ABI-686-pae-unsigned
		KARCH=x86 CROSS=i686-linux-gnu-
		QEMU="qemu-system-i386 -M pc -cpu max" CONSOLE=ttyS0 TIMEOUT=400
		LD=i686-linux-gnu-ld STYLE=x86 RETURN=minus1 CALL_RE='^call' KASLR_SYM=_text
		;;
	arm64)
		SAMPLE=arm64 FLAVOUR=arm64 IMAGE_PKG=linux-image-$ABI-arm64-unsigned
		KARCH=arm64 CROSS=aarch64-linux-gnu-
		QEMU="qemu-system-aarch64 -M virt -cpu cortex-a57" CONSOLE=ttyAMA0 TIMEOUT=400
		LD=aarch64-linux-gnu-ld STYLE=arm64 RETURN=minus4 CALL_RE='^blr?\s' KASLR_SYM=_stext
		PC_RE='pc : (?P<f>\S+\+0x[0-9a-f]+/0x[0-9a-f]+(?: \[\w+\])?)\s*$'
		LR_RE='lr : (?P<f>\S+\+0x[0-9a-f]+/0x[0-9a-f]+(?: \[\w+\])?)\s*$'
		TRACE_RE='\s(?P<f>\S+\+0x[0-9a-f]+/0x[0-9a-f]+(?: \[\w+\])?)\s*$'
		TRACE_START='Call trace:\s*$'
		EXC_ENTRY='^el1h_64_(irq|fiq|sync|error)$'
		;;
	armhf)
		# Debian's armmp kernel is built in ARM mode (not Thumb-2); modules likewise
		SAMPLE=armhf FLAVOUR=armmp IMAGE_PKG=linux-image-$ABI-armmp
		KARCH=arm CROSS=arm-linux-gnueabihf-
		QEMU="qemu-system-arm -M virt -cpu cortex-a15" CONSOLE=ttyAMA0 TIMEOUT=400
		LD=arm-linux-gnueabihf-ld STYLE=arm RETURN=arm CALL_RE='^blx?(al)?\s' KASLR_SYM=_stext
		PC_RE='PC is at (?P<f>\S+\+0x[0-9a-f]+/0x[0-9a-f]+(?: \[\w+\])?)\s*$'
		LR_RE='LR is at (?P<f>\S+\+0x[0-9a-f]+/0x[0-9a-f]+(?: \[\w+\])?)\s*$'
		# " SYM [MOD] from SYM+0xOFF/0xSIZE [MOD]" (no CONFIG_BACKTRACE_VERBOSE: no [<addresses>]),
		# or with it "[<a>] (SYM [MOD]) from [<b>] (SYM+0xOFF/0xSIZE [MOD])"
		TRACE_RE='\s(?:\[<[0-9a-f]+>\] \()?(?P<w>[^\s()]+)(?: \[\w+\])?\)? from (?:\[<[0-9a-f]+>\] \()?(?P<f>\S+\+0x[0-9a-f]+/0x[0-9a-f]+(?: \[\w+\])?)\)?\s*$'
		TRACE_START=''
		EXC_ENTRY='^__(irq|dabt|pabt|und|fiq)_(svc|usr)$'
		;;
	ppc64el)
		# ELFv2 little-endian; no -unsigned image package, and it ships an ELF vmlinux (no vmlinuz);
		# no KASLR on book3s-64
		SAMPLE=ppc64el FLAVOUR=powerpc64le IMAGE_PKG=linux-image-$ABI-powerpc64le
		KARCH=powerpc CROSS=powerpc64le-linux-gnu-
		QEMU="qemu-system-ppc64 -M pseries -cpu power9" CONSOLE=hvc0 TIMEOUT=600
		KIMAGE=boot/vmlinux-$ABI-powerpc64le
		LLVM_FUNCTIONS=short
		LD=powerpc64le-linux-gnu-ld STYLE=ppc RETURN=minus4 CALL_RE='^(bl|bctrl|blrl|bcl|bctarl)\b' KASLR_SYM=_stext
		# "NIP [c008000000a2001c] crash_null_deref+0x1c/0x40 [crashmod]", "LR [c0…] …"
		PC_RE='NIP \[(?P<a>[0-9a-f]+)\] (?P<f>\S+\+0x[0-9a-f]+/0x[0-9a-f]+(?: \[\w+\])?)\s*$'
		LR_RE='LR \[(?P<a>[0-9a-f]+)\] (?P<f>\S+\+0x[0-9a-f]+/0x[0-9a-f]+(?: \[\w+\])?)\s*$'
		# "[c000000003a6fb70] [c008000000a20154] crash_write+0x154/0x230 [crashmod] (unreliable)",
		# "--- interrupt: 300 at crash_null_deref+0x1c/0x40 [crashmod]" (group "i": the interrupted PC)
		TRACE_RE='(?:\[[0-9a-f]+\] \[(?P<a>[0-9a-f]+)\] (?P<f>\S+\+0x[0-9a-f]+/0x[0-9a-f]+(?: \[\w+\])?)(?P<u> \(unreliable\))?|--- interrupt: [0-9a-f]+ at (?P<i>\S+\+0x[0-9a-f]+/0x[0-9a-f]+(?: \[\w+\])?))\s*$'
		TRACE_START=''
		;;
	s390x)
		# big-endian; the image package has no -unsigned variant
		SAMPLE=s390x FLAVOUR=s390x IMAGE_PKG=linux-image-$ABI-s390x
		KARCH=s390 CROSS=s390x-linux-gnu-
		QEMU="qemu-system-s390x -M s390-ccw-virtio -cpu max" CONSOLE=ttysclp0 TIMEOUT=600
		# the lowcore (prefix page) is mapped at address 0 in the kernel's address space: the
		# NULL *reads* of null, recurse, work, timer and first do not fault (the boots print no
		# oops, rc=0); noreturn's NULL *write* faults (low-address protection)
		ARCH_CASES="warn bug noreturn"
		LD=s390x-linux-gnu-ld STYLE=s390 RETURN=minus2 CALL_RE='^(brasl|basr|bras|balr|bal|bas)\s' KASLR_SYM=_stext
		# "Krnl PSW : 0704c00180000000 000003ff7fe3c03a (crash_null_deref+0x12/0x30 [crashmod])"
		PC_RE='Krnl PSW : [0-9a-f]+ (?P<a>[0-9a-f]+) \((?P<f>\S+\+0x[0-9a-f]+/0x[0-9a-f]+(?: \[\w+\])?)\)\s*$'
		# " [<000003ff7fe3c0b2>] crash_write+0x…/0x… [crashmod] ", "([<…>] …)": not reliable (a saved %r14)
		TRACE_RE='\s*(?P<p>\()?\[<(?P<a>[0-9a-f]+)>\] (?P<f>\S+\+0x[0-9a-f]+/0x[0-9a-f]+(?: \[\w+\])?)(?(p)\))\s*$'
		TRACE_START='Call Trace:\s*$'
		BREAK_START='Last Breaking-Event-Address:\s*$'
		# the frame after one of these (no back chain: a pt_regs) is the interrupted PSW address
		EXC_ENTRY='^(ext_int_handler|io_int_handler|pgm_check_handler|mcck_int_handler|restart_int_handler)$'
		;;
	mips64el)
		# little-endian; the 5kc-malta flavour is built for MIPS64r2, which QEMU's 5KEc has; QEMU
		# loads the ELF vmlinuz; 256 MiB: the Malta board's low memory
		SAMPLE=mips64el FLAVOUR=5kc-malta IMAGE_PKG=linux-image-$ABI-5kc-malta
		KARCH=mips CROSS=mips64el-linux-gnuabi64-
		QEMU="qemu-system-mips64el -M malta -cpu 5KEc" CONSOLE=ttyS0 TIMEOUT=600 MEM=256M
		LD=mips64el-linux-gnuabi64-ld STYLE=mips RETURN=minus8 CALL_RE='^(jal|jalr|bal|bgezal|bltzal|jalr\.hb)\b' KASLR_SYM=_stext
		# "epc   : ffffffffc0070014 crash_null_deref+0x14/0x30 [crashmod]", "ra    : … "
		PC_RE='epc\s+: (?P<a>[0-9a-f]+) (?P<f>\S+\+0x[0-9a-f]+/0x[0-9a-f]+(?: \[\w+\])?)\s*$'
		LR_RE='ra\s+: (?P<a>[0-9a-f]+) (?P<f>\S+\+0x[0-9a-f]+/0x[0-9a-f]+(?: \[\w+\])?)\s*$'
		TRACE_RE='\[<(?P<a>[0-9a-f]+)>\] (?P<f>\S+\+0x[0-9a-f]+/0x[0-9a-f]+(?: \[\w+\])?)\s*$'
		TRACE_START='Call Trace:\s*$'
		# handle_int's frame is the last one on the IRQ stack: the unwinder then continues at the
		# interrupted task's pt_regs, so the next entry is its cp0_epc (unwind_stack_by_address)
		EXC_ENTRY='^(handle_int|except_vec_vi_handler)$'
		KO_DWARF=linked
		;;
	*)
		echo "arch_config: unknown Debian architecture '$DEBIAN_ARCH' (amd64 i386 arm64 armhf ppc64el s390x mips64el)" >&2
		return 2
		;;
	esac
	KREL=$ABI-$FLAVOUR
	KO_COMP_DIR=/usr/src/linux-headers-$KREL/
	KIMAGE=${KIMAGE:-boot/vmlinuz-$KREL}
	export DEBIAN_ARCH SAMPLE FLAVOUR IMAGE_PKG KARCH CROSS QEMU CONSOLE TIMEOUT MEM LD STYLE RETURN \
		KIMAGE LINK_EXTRA KO_DWARF LLVM_FUNCTIONS BREAK_START ARCH_CASES CALL_RE KASLR_SYM EXC_ENTRY \
		PC_RE LR_RE TRACE_RE TRACE_START KREL KVER ABI KO_COMP_DIR ALL_CASES
}

# module_config MODULE    (after arch_config) which module of samples/ is built and captured:
#   crashmod (default)  cases $ARCH_CASES, results in samples/$SAMPLE, work files as they always were
#   crashleaf           case leaf, results in samples/leaf/$SAMPLE, work files with the suffix -crashleaf
# sets MODULE, MOD_CASES, MOD_SAMPLE (results directory under samples/), SUFFIX (for the work files
# that are not named after the module: initramfs, logs, cross-check report)
module_config() {
	MODULE=$1
	case $MODULE in
	crashmod)  MOD_CASES=$ARCH_CASES MOD_SAMPLE=$SAMPLE SUFFIX= ;;
	crashleaf) MOD_CASES=leaf MOD_SAMPLE=leaf/$SAMPLE SUFFIX=-crashleaf ;;
	*)
		echo "module_config: unknown module '$MODULE' (crashmod crashleaf)" >&2
		return 2
		;;
	esac
	export MODULE MOD_CASES MOD_SAMPLE SUFFIX
}
