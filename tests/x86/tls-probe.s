# tls-probe: does one thread's set_thread_area change the segment another
# thread loads?  mkwine.sh runs it under qemu-i386 to decide whether the
# 32-bit exe's worker threads can be tested there.
#
# Wine's 32-bit loader on Linux (dlls/ntdll/unix/signal_i386.c) takes one
# GDT entry for %fs and has every thread install its own TEB in that same
# entry with set_thread_area, which is sound because Linux keeps TLS
# entries per thread (set_thread_area(2)).  This program does the same
# with two threads: A installs an entry (number chosen by the kernel) with
# base bufA and loads %gs with it; B installs the same entry number with
# base bufB; A then loads %gs again from the same selector and reads %gs:0.
#
#   exit 0, "own":   per-thread entries, as Linux keeps them.
#   exit 1, "other": one table for all threads (qemu-i386 7.2 user mode):
#                    a thread that reloads its segment gets another
#                    thread's, and Wine's threads then share one TEB.
#   exit 3:          a call failed.
#
# as --32 -o tls-probe.o tls-probe.s && ld -m elf_i386 -o tls-probe tls-probe.o
	.data
descA:	.long -1, bufA, 0xfffff, 0x51	# entry, base, limit, 32-bit pages usable
descB:	.long 0, bufB, 0xfffff, 0x51
bufA:	.long 0x41414141
bufB:	.long 0x42424242
flag:	.long 0
msgA:	.ascii "own: a thread keeps its own descriptor\n"
lenA = . - msgA
msgB:	.ascii "other: a thread's reload gave another thread's descriptor\n"
lenB = . - msgB
	.bss
	.lcomm stack, 8192
	.text
	.globl _start
_start:
	mov $243, %eax			# set_thread_area(&descA)
	mov $descA, %ebx
	int $0x80
	test %eax, %eax
	jnz fail
	mov descA, %eax			# the entry the kernel chose, for B too
	mov %eax, descB
	shl $3, %eax
	or $3, %eax			# GDT, ring 3
	mov %ax, %gs
	cmpl $0x41414141, %gs:0
	jne fail
	mov $120, %eax			# clone(VM|FS|FILES|SIGHAND|THREAD|SYSVSEM)
	mov $0x50f00, %ebx
	mov $stack+8192, %ecx
	xor %edx, %edx
	xor %esi, %esi
	xor %edi, %edi
	int $0x80
	test %eax, %eax
	jz child
	js fail
1:	mov $158, %eax			# sched_yield until B has installed its entry
	int $0x80
	cmpl $1, flag
	jne 1b
	mov %gs, %ax			# load %gs again from the same selector
	mov %ax, %gs
	mov %gs:0, %ecx
	cmp $0x41414141, %ecx
	je own
	cmp $0x42424242, %ecx
	je other
fail:	mov $252, %eax			# exit_group(3)
	mov $3, %ebx
	int $0x80
own:	mov $msgA, %ecx
	mov $lenA, %edx
	xor %esi, %esi
	jmp say
other:	mov $msgB, %ecx
	mov $lenB, %edx
	mov $1, %esi
say:	mov $4, %eax			# write(1, message)
	mov $1, %ebx
	int $0x80
	mov $252, %eax			# exit_group(0 own, 1 other)
	mov %esi, %ebx
	int $0x80
child:	mov $243, %eax			# set_thread_area(&descB): the same entry
	mov $descB, %ebx
	int $0x80
	test %eax, %eax
	jnz fail
	movl $1, flag
2:	mov $158, %eax			# yield until exit_group ends the process
	int $0x80
	jmp 2b
