/* A test-and-test-and-set spinlock for hypervisor state that several
 * CPUs' exit handlers share (docs/smp.md, "Locking rules"). Host mode /
 * VMX root only; never held across a guest entry. */
#ifndef HV_SPINLOCK_H
#define HV_SPINLOCK_H

#include "types.h"

struct spinlock {
	volatile u32 held;
};

static inline void spin_lock(struct spinlock *l)
{
	while (__atomic_exchange_n(&l->held, 1, __ATOMIC_ACQUIRE))
		while (l->held)
			__asm__ __volatile__("pause" ::: "memory");
}

static inline bool spin_trylock(struct spinlock *l)
{
	return !l->held && !__atomic_exchange_n(&l->held, 1, __ATOMIC_ACQUIRE);
}

static inline void spin_unlock(struct spinlock *l)
{
	__atomic_store_n(&l->held, 0, __ATOMIC_RELEASE);
}

#endif
