// SPDX-License-Identifier: GPL-2.0
/*
 * crashleaf: one NULL dereference in a small leaf function, for issue #17
 * (which register held the NULL pointer, which struct member was read).
 *
 *   echo leaf > /sys/kernel/debug/crashleaf/crash
 *
 * crash_null_leaf(o, 2) with o == NULL reads o->value (offset 0x28 on every
 * architecture: u64 flags keeps it there on 32-bit ARM too) through the
 * inlined crash_read_value.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/uaccess.h>
#include <linux/string.h>

struct crash_obj {
	char name[32];
	u64 flags;
	int value;		/* offset 0x28 */
	int pad;
};

static struct dentry *crash_dir;
/* volatile so that the compiler cannot prove it NULL and drop the access */
static struct crash_obj *volatile crash_obj_ptr;

int crash_null_leaf(struct crash_obj *o, int bias);

static __always_inline int crash_read_value(struct crash_obj *o)
{
	return READ_ONCE(o->value);
}

/* not static: no .isra/.constprop clone, o arrives in the first argument register */
noinline int crash_null_leaf(struct crash_obj *o, int bias)
{
	return crash_read_value(o) + bias;
}

static ssize_t crash_write(struct file *file, const char __user *ubuf,
			   size_t len, loff_t *ppos)
{
	char buf[16];
	size_t n = min(len, sizeof(buf) - 1);

	if (copy_from_user(buf, ubuf, n))
		return -EFAULT;
	buf[n] = '\0';
	strim(buf);

	pr_info("crashleaf: trigger '%s'\n", buf);
	if (strcmp(buf, "leaf"))
		return -EINVAL;
	pr_info("crashleaf: value %d\n", crash_null_leaf(crash_obj_ptr, 2));
	return len;
}

static const struct file_operations crash_fops = {
	.owner = THIS_MODULE,
	.write = crash_write,
};

static int __init crashleaf_init(void)
{
	crash_dir = debugfs_create_dir("crashleaf", NULL);
	debugfs_create_file("crash", 0200, crash_dir, NULL, &crash_fops);
	pr_info("crashleaf: loaded\n");
	return 0;
}

static void __exit crashleaf_exit(void)
{
	debugfs_remove_recursive(crash_dir);
}

module_init(crashleaf_init);
module_exit(crashleaf_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("One NULL dereference in a leaf function, for ksymbolize's samples");
