/*  arena.c - see arena.h. A list of blocks, newest first; allocation
 *  bumps the newest block's offset and adds a block (twice the last, or
 *  the request if larger) when it is full. */
#include "base/arena.h"
#include "base/error.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>

#define S_ALIGN alignof(max_align_t)

typedef struct s_block {
    struct s_block *next;
    size_t cap, used;
    alignas(max_align_t) unsigned char data[];
} s_block_t;

struct lpg_arena {
    s_block_t *head;
    size_t first; /* the first block's size, the least a block holds */
    size_t used;  /* since the last reset, over every block */
};

static s_block_t *
s_block_new(size_t cap)
{
    if (cap > SIZE_MAX - sizeof(s_block_t))
        return NULL;
    s_block_t *b = malloc(sizeof *b + cap);
    if (b) {
        b->next = NULL;
        b->cap = cap;
        b->used = 0;
    }
    return b;
}

int
lpg_arena_new(lpg_arena_t **out, size_t block)
{
    *out = NULL;
    lpg_arena_t *a = calloc(1, sizeof *a);
    if (!a)
        return LPG_ENOMEM;
    a->first = block ? block : 64 * 1024;
    *out = a;
    return LPG_OK;
}

void *
lpg_arena_alloc(lpg_arena_t *a, size_t n)
{
    if (n > SIZE_MAX - S_ALIGN)
        return NULL;
    n = (n + S_ALIGN - 1) & ~(S_ALIGN - 1);
    if (n == 0)
        n = S_ALIGN; /* a distinct pointer, as malloc(0) may give */
    s_block_t *b = a->head;
    if (!b || b->cap - b->used < n) {
        size_t cap = b ? b->cap * 2 : a->first;
        if (cap < n)
            cap = n;
        s_block_t *nb = s_block_new(cap);
        if (!nb)
            return NULL;
        nb->next = b;
        a->head = b = nb;
    }
    void *p = b->data + b->used;
    b->used += n;
    a->used += n;
    return p;
}

void
lpg_arena_reset(lpg_arena_t *a)
{
    a->used = 0;
    if (!a->head)
        return;
    if (!a->head->next) {
        a->head->used = 0;
        return;
    }
    /* Several blocks: one as large as all of them takes their place. */
    size_t total = 0;
    for (s_block_t *b = a->head, *next; b; b = next) {
        next = b->next;
        total += b->cap;
        free(b);
    }
    a->head = s_block_new(total); /* NULL: the next allocation makes one */
}

size_t
lpg_arena_used(const lpg_arena_t *a)
{
    return a->used;
}

void
lpg_arena_destroy(lpg_arena_t **p)
{
    if (!*p)
        return;
    for (s_block_t *b = (*p)->head, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    free(*p);
    *p = NULL;
}
