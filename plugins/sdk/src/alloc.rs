//! The guests' global allocator: size classes with free lists in front of
//! the system allocator (dlmalloc on wasm32).
//!
//! Reward plugins make many small, short-lived allocations (strings, JSON
//! values, parse trees). Inside Wasm, dlmalloc's bookkeeping costs about a
//! third of such a plugin's time; popping a free list costs a few
//! instructions. Blocks of up to 4 KiB come from 9 power-of-two classes and
//! go back to their class's list when freed (never to dlmalloc: an instance
//! is short-lived); larger blocks go straight to dlmalloc. Disable with the
//! `system-allocator` feature.

use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;
use std::alloc::System;

const MIN_SHIFT: usize = 4; // 16 bytes
const CLASSES: usize = 9; // 16 B ..= 4 KiB
const MAX_SMALL: usize = 1 << (MIN_SHIFT + CLASSES - 1);
/// Fresh blocks for small classes are carved from chunks this large.
const CHUNK: usize = 64 << 10;

struct Lists {
    free: [usize; CLASSES],
    bump: usize,
    bump_end: usize,
}

pub struct ClassAllocator(UnsafeCell<Lists>);

// SAFETY: only compiled for wasm32 without the atomics feature, where an
// instance has exactly one thread.
unsafe impl Sync for ClassAllocator {}

#[global_allocator]
static ALLOCATOR: ClassAllocator = ClassAllocator(UnsafeCell::new(Lists {
    free: [0; CLASSES],
    bump: 0,
    bump_end: 0,
}));

fn class_of(layout: &Layout) -> Option<usize> {
    // Alignment up to the block size comes for free: blocks are carved at
    // multiples of their size from 64 KiB-aligned chunks.
    let size = layout.size().max(layout.align()).max(1 << MIN_SHIFT);
    if size > MAX_SMALL || layout.align() > MAX_SMALL {
        return None;
    }
    Some(size.next_power_of_two().trailing_zeros() as usize - MIN_SHIFT)
}

impl ClassAllocator {
    #[allow(clippy::mut_from_ref)]
    fn lists(&self) -> &mut Lists {
        // SAFETY: single-threaded (see above), and nothing here re-enters
        // the allocator while the reference is live.
        unsafe { &mut *self.0.get() }
    }

    unsafe fn alloc_small(&self, class: usize) -> *mut u8 {
        let l = self.lists();
        let head = l.free[class];
        if head != 0 {
            // SAFETY: a free block's first word holds the next free block.
            l.free[class] = unsafe { *(head as *const usize) };
            return head as *mut u8;
        }
        let size = 1usize << (class + MIN_SHIFT);
        let start = l.bump.next_multiple_of(size);
        if l.bump == 0 || start + size > l.bump_end {
            // SAFETY: a valid, non-zero layout.
            let chunk =
                unsafe { System.alloc(Layout::from_size_align_unchecked(CHUNK, MAX_SMALL)) };
            if chunk.is_null() {
                return chunk;
            }
            l.bump = chunk as usize;
            l.bump_end = l.bump + CHUNK;
            return unsafe { self.alloc_small(class) };
        }
        l.bump = start + size;
        start as *mut u8
    }
}

unsafe impl GlobalAlloc for ClassAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        match class_of(&layout) {
            Some(c) => unsafe { self.alloc_small(c) },
            None => unsafe { System.alloc(layout) },
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        match class_of(&layout) {
            Some(c) => {
                let l = self.lists();
                // SAFETY: the block is at least 16 bytes and no longer in use.
                unsafe { *(ptr as *mut usize) = l.free[c] };
                l.free[c] = ptr as usize;
            }
            None => unsafe { System.dealloc(ptr, layout) },
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: GlobalAlloc guarantees new_size rounded to align is valid.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        match (class_of(&layout), class_of(&new_layout)) {
            (Some(a), Some(b)) if a == b => ptr,
            (None, None) => unsafe { System.realloc(ptr, layout, new_size) },
            _ => {
                let new = unsafe { self.alloc(new_layout) };
                if !new.is_null() {
                    unsafe {
                        core::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size))
                    };
                    unsafe { self.dealloc(ptr, layout) };
                }
                new
            }
        }
    }
}
