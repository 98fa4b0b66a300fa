// SPDX-License-Identifier: GPL-2.0
/*
 * crashmod: a kernel module that crashes on request, in several ways, so that
 * ksymbolize has real oopses (with inlined helpers, module frames, timer and
 * workqueue callbacks, deep recursion, noreturn calls and a fault at the very
 * first instruction of a function) to be tested against.
 *
 *   echo null      > /sys/kernel/debug/crashmod/crash   NULL dereference through inlined helpers
 *   echo warn      > /sys/kernel/debug/crashmod/crash   WARN_ON (the task survives)
 *   echo bug       > /sys/kernel/debug/crashmod/crash   BUG()
 *   echo recurse   > /sys/kernel/debug/crashmod/crash   fault after 8 levels of recursion
 *   echo work      > /sys/kernel/debug/crashmod/crash   fault in a workqueue callback
 *   echo timer     > /sys/kernel/debug/crashmod/crash   fault in a timer callback (panics)
 *   echo first     > /sys/kernel/debug/crashmod/crash   fault at a function's first instruction
 *   echo noreturn  > /sys/kernel/debug/crashmod/crash   fault inside a noreturn callee
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/uaccess.h>
#include <linux/string.h>
#include <linux/timer.h>
#include <linux/workqueue.h>
#include <linux/delay.h>

struct crash_node {
	int value;
	struct crash_node *next;
};

static struct dentry *crash_dir;
static struct timer_list crash_timer;
static struct work_struct crash_work;
/* volatile so that the compiler cannot prove these NULL and drop the access */
static struct crash_node *volatile crash_head;
static int *volatile crash_null_int;

static __always_inline int crash_read_value(struct crash_node *node)
{
	/* READ_ONCE: the callers' results are unused, a plain load would be dropped */
	return READ_ONCE(node->value);
}

static __always_inline int crash_walk(struct crash_node *node, int depth)
{
	int sum = 0;

	while (depth-- > 0) {
		sum += crash_read_value(node);
		node = node->next;
	}
	return sum;
}

static noinline int crash_null_deref(int depth)
{
	return crash_walk(crash_head, depth) + 1;
}

static noinline int crash_warn(int depth)
{
	WARN_ON(depth > 0);
	return depth;
}

static noinline void crash_bug(int depth)
{
	if (depth > 0)
		BUG();
}

static noinline int crash_recurse(int depth)
{
	int r;

	if (depth == 0)
		return crash_read_value(crash_head);
	r = crash_recurse(depth - 1);
	barrier();		/* keep the recursion from becoming a loop */
	return r + depth;
}

static void crash_work_fn(struct work_struct *work)
{
	pr_info("crashmod: work callback\n");
	crash_null_deref(2);
	barrier();		/* no tail call: keep this callback in the trace */
}

static void crash_timer_fn(struct timer_list *t)
{
	crash_null_deref(3);
	barrier();		/* no tail call: keep this callback in the trace */
}

/*
 * crash_first_neighbour sits right before crash_first in .text; the fault is
 * at the first instruction of crash_first.  Pre-fix Thumb-2 kernels print it
 * as crash_first_neighbour+(size-1)/size.  notrace: no __fentry__/mcount call
 * in front of the faulting load (x86-64 would otherwise fault at crash_first+0x5).
 */
notrace noinline int crash_first_neighbour(int *p)
{
	return p[1] + 7;
}

notrace noinline int crash_first(int *p)
{
	return READ_ONCE(*p);
}

static noinline __noreturn void crash_die(int *p)
{
	*p = 0x42;
	for (;;)
		cpu_relax();
}

static noinline void crash_noreturn(int depth)
{
	pr_info("crashmod: about to die at depth %d\n", depth);
	crash_die(crash_null_int);
}

static ssize_t crash_write(struct file *file, const char __user *ubuf,
			   size_t len, loff_t *ppos)
{
	char buf[32];
	size_t n = min(len, sizeof(buf) - 1);

	if (copy_from_user(buf, ubuf, n))
		return -EFAULT;
	buf[n] = '\0';
	strim(buf);

	pr_info("crashmod: trigger '%s'\n", buf);
	if (!strcmp(buf, "null"))
		crash_null_deref(3);
	else if (!strcmp(buf, "warn"))
		crash_warn(1);
	else if (!strcmp(buf, "bug"))
		crash_bug(1);
	else if (!strcmp(buf, "recurse"))
		crash_recurse(8);
	else if (!strcmp(buf, "work")) {
		schedule_work(&crash_work);
		flush_work(&crash_work);
	} else if (!strcmp(buf, "timer"))
		mod_timer(&crash_timer, jiffies + 1);
	else if (!strcmp(buf, "first"))
		crash_first(crash_null_int);
	else if (!strcmp(buf, "noreturn"))
		crash_noreturn(1);
	else
		return -EINVAL;
	return len;
}

static const struct file_operations crash_fops = {
	.owner = THIS_MODULE,
	.write = crash_write,
};

static int __init crashmod_init(void)
{
	timer_setup(&crash_timer, crash_timer_fn, 0);
	INIT_WORK(&crash_work, crash_work_fn);
	crash_dir = debugfs_create_dir("crashmod", NULL);
	debugfs_create_file("crash", 0200, crash_dir, NULL, &crash_fops);
	pr_info("crashmod: loaded\n");
	return 0;
}

static void __exit crashmod_exit(void)
{
	debugfs_remove_recursive(crash_dir);
	del_timer_sync(&crash_timer);
	cancel_work_sync(&crash_work);
}

module_init(crashmod_init);
module_exit(crashmod_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Crashes on request, for ksymbolize's samples");
