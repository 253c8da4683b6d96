/*  ledger_tamper.c - plays the operator who edits the ledger's database
 *  behind lpgtrace's back, so the tests can show each edit is caught.
 *
 *    ledger_tamper flip DIR SEQ      flip one byte inside entry SEQ
 *    ledger_tamper delete DIR SEQ    remove entry SEQ
 *    ledger_tamper forge DIR SEQ     re-sign entry SEQ's event with a key
 *                                    of the attacker's, then recompute the
 *                                    whole Merkle tree so hashes agree
 *    ledger_tamper statedel DIR 0    delete the first row of the cylinders
 *                                    state table (state no longer the log's)
 *    ledger_tamper clearindex DIR 0  empty the by_id_hmac index (state no
 *                                    longer the log's)
 *    ledger_tamper dropindex DIR 0   remove the by_id_hmac table, as in a
 *                                    ledger written before it existed
 *    ledger_tamper chainskip DIR 0   the newest seq of the by_site chains
 *                                    made to skip the one before it (an
 *                                    entry gone from its site's history)
 *    ledger_tamper headback DIR 0    the first cylinder's chain made to
 *                                    end one seq early: its head (kept
 *                                    beside its record) set to the seq
 *                                    before its newest
 *    ledger_tamper linkdrop DIR 0    the oldest link of the by_cylinder
 *                                    chains removed (an entry that no
 *                                    cylinder's history reaches)
 *    ledger_tamper markshift DIR 0   the first mark of the by_site chains
 *                                    (where a recall of a window starts)
 *                                    given another value: none before
 *                                    it if it had one, seq 0 if not
 *    ledger_tamper truncate DIR N    drop every entry from N on, and the
 *                                    tree nodes over them
 *    ledger_tamper unsign DIR N      delete every stored checkpoint of
 *                                    more than N entries, as an operator
 *                                    hiding what the notary signed would
 *    ledger_tamper age DIR V         make the state as an older lpgtrace
 *                                    left it: projection version V
 *                                    stored (0: none), registrations
 *                                    inside the cylinders' records
 *                                    (version 3 keeps them apart), with
 *                                    V below 2 no fill_late table
 *                                    (version 2's), and with V 0
 *                                    orders without handed_seq, users
 *                                    without door_gas_cert(_seq)
 *                                    (version 1's)
 *    ledger_tamper filllate DIR MS   every site's fill_late row set to
 *                                    MS (the state says fills came in
 *                                    no later than that)
 *    ledger_tamper projver DIR V     store projection version V only (a
 *                                    newer lpgtrace's ledger)
 *
 *  Test-only: it opens LMDB directly, as an attacker with file access
 *  would.
 */
#include "crypto/crypto.h"
#include "ledger/event.h"
#include "ledger/ledger.h"
#include "ledger/merkle.h"

#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static MDB_env *s_env;
static MDB_txn *s_txn;
static MDB_dbi s_entries, s_nodes;

static void
s_die(const char *what, int rc)
{
    fprintf(stderr, "ledger_tamper: %s: %s\n", what, mdb_strerror(rc));
    exit(2);
}

static void
s_open(const char *dir)
{
    int rc = mdb_env_create(&s_env);
    if (!rc)
        rc = mdb_env_set_maxdbs(s_env, 32);
    if (!rc)
        rc = mdb_env_set_mapsize(s_env, 1ULL << 36);
    if (!rc)
        rc = mdb_env_open(s_env, dir, 0, 0600);
    if (!rc)
        rc = mdb_txn_begin(s_env, NULL, 0, &s_txn);
    if (!rc)
        rc = mdb_dbi_open(s_txn, "entries", 0, &s_entries);
    if (!rc)
        rc = mdb_dbi_open(s_txn, "tree", 0, &s_nodes);
    if (rc)
        s_die("open", rc);
}

static MDB_val
s_key(uint8_t kb[8], uint64_t seq)
{
    lpg_be64_put(kb, seq);
    MDB_val k = {8, kb};
    return k;
}

static int
s_get(void *ctx, unsigned level, uint64_t index, uint8_t out[32])
{
    uint8_t kb[8];
    if (lpg_node_key(kb, level, index))
        return -4;
    MDB_val k = {8, kb}, v;
    if (mdb_get(s_txn, s_nodes, &k, &v))
        return -4;
    memcpy(out, v.mv_data, 32);
    return 0;
}

static int
s_put(void *ctx, unsigned level, uint64_t index, const uint8_t h[32])
{
    uint8_t kb[8];
    if (lpg_node_key(kb, level, index))
        return -30;
    MDB_val k = {8, kb}, v = {32, (void *)h};
    return mdb_put(s_txn, s_nodes, &k, &v, 0) ? -30 : 0;
}

/*  Rebuilds the nodes table from the entries, as a careful attacker
 *  would, so only the signature (or a saved checkpoint) can tell. */
static void
s_rebuild_tree(void)
{
    int rc = mdb_drop(s_txn, s_nodes, 0);
    if (rc)
        s_die("drop nodes", rc);
    MDB_cursor *c;
    mdb_cursor_open(s_txn, s_entries, &c);
    MDB_val k, v;
    uint64_t n = 0;
    for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        uint8_t leaf[32];
        lpg_merkle_leaf_hash(v.mv_data, v.mv_size, leaf);
        if (lpg_merkle_append(s_get, s_put, NULL, n++, leaf) != 0)
            s_die("append", MDB_PANIC);
    }
    mdb_cursor_close(c);
}

/*  Stores projection version v in meta (0: deletes it). */
static void
s_set_version(uint64_t v)
{
    MDB_dbi meta;
    int rc = mdb_dbi_open(s_txn, "meta", 0, &meta);
    if (rc)
        s_die("open meta", rc);
    MDB_val k = {10, "projection"};
    char text[24];
    MDB_val val = {
        (size_t)snprintf(text, sizeof text, "%llu", (unsigned long long)v),
        text};
    rc =
        v ? mdb_put(s_txn, meta, &k, &val, 0) : mdb_del(s_txn, meta, &k, NULL);
    if (rc && rc != MDB_NOTFOUND)
        s_die("version", rc);
}

/*  Rewrites every row of table name through strip (which clears the
 *  fields an older projection did not write); returns the rows
 *  changed. */
static int
s_strip(const char *name, bool orders)
{
    MDB_dbi dbi;
    int rc = mdb_dbi_open(s_txn, name, 0, &dbi);
    if (rc)
        s_die(name, rc);
    MDB_cursor *c;
    mdb_cursor_open(s_txn, dbi, &c);
    MDB_val k, v;
    int changed = 0;
    for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        uint8_t *buf = NULL;
        size_t len = 0;
        if (orders) {
            Lpg__OrderState *o =
                lpg__order_state__unpack(NULL, v.mv_size, v.mv_data);
            if (!o)
                s_die("decode order", MDB_CORRUPTED);
            if (o->n_handed_seq) {
                o->n_handed_seq = 0;
                len = lpg__order_state__get_packed_size(o);
                buf = malloc(len);
                lpg__order_state__pack(o, buf);
            }
            lpg__order_state__free_unpacked(o, NULL);
        } else {
            Lpg__UserState *u =
                lpg__user_state__unpack(NULL, v.mv_size, v.mv_data);
            if (!u)
                s_die("decode user", MDB_CORRUPTED);
            if (u->door_gas_cert || u->has_door_gas_cert_seq) {
                char *cert = u->door_gas_cert;
                u->door_gas_cert = NULL;
                u->has_door_gas_cert_seq = false;
                len = lpg__user_state__get_packed_size(u);
                buf = malloc(len);
                lpg__user_state__pack(u, buf);
                u->door_gas_cert = cert;
            }
            lpg__user_state__free_unpacked(u, NULL);
        }
        if (buf) {
            MDB_val nv = {len, buf};
            if ((rc = mdb_cursor_put(c, &k, &nv, MDB_CURRENT)))
                s_die("put", rc);
            free(buf);
            changed++;
        }
    }
    mdb_cursor_close(c);
    return changed;
}

/*  Puts each cylinder's registration back inside its record and drops
 *  cylinder_regs, as projection versions before 3 kept them; returns the
 *  records changed (0 if there is no such table). */
static int
s_merge_regs(void)
{
    MDB_dbi regs, cyls;
    int rc = mdb_dbi_open(s_txn, "cylinder_regs", 0, &regs);
    if (rc == MDB_NOTFOUND)
        return 0;
    if (rc || (rc = mdb_dbi_open(s_txn, "cylinders", 0, &cyls)))
        s_die("open cylinder_regs, cylinders", rc);
    MDB_cursor *c;
    mdb_cursor_open(s_txn, regs, &c);
    MDB_val k, v, cv;
    int changed = 0;
    for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        if ((rc = mdb_get(s_txn, cyls, &k, &cv)))
            s_die("a registration without its cylinder", rc);
        Lpg__CylinderState *cyl =
            lpg__cylinder_state__unpack(NULL, cv.mv_size, cv.mv_data);
        Lpg__CylinderRegister *reg =
            lpg__cylinder_register__unpack(NULL, v.mv_size, v.mv_data);
        if (!cyl || !reg || cyl->reg)
            s_die("decode cylinder", MDB_CORRUPTED);
        cyl->reg = reg;
        size_t len = lpg__cylinder_state__get_packed_size(cyl);
        uint8_t *buf = malloc(len);
        lpg__cylinder_state__pack(cyl, buf);
        lpg__cylinder_state__free_unpacked(cyl, NULL);
        MDB_val nv = {len, buf};
        if ((rc = mdb_put(s_txn, cyls, &k, &nv, 0)))
            s_die("put cylinder", rc);
        free(buf);
        changed++;
    }
    mdb_cursor_close(c);
    if ((rc = mdb_drop(s_txn, regs, 1)))
        s_die("drop cylinder_regs", rc);
    return changed;
}

int
main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: ledger_tamper flip|delete|forge|statedel|"
                        "clearindex|dropindex|chainskip|headback|linkdrop|"
                        "markshift|"
                        "truncate|unsign|"
                        "age|projver|"
                        "filllate "
                        "DIR SEQ\n");
        return 2;
    }
    const char *op = argv[1];
    uint64_t seq = strtoull(argv[3], NULL, 10);
    s_open(argv[2]);
    uint8_t kb[8];
    MDB_val k = s_key(kb, seq), v;
    int rc;
    if (strcmp(op, "age") == 0) {
        int no = seq ? 0 : s_strip("orders", true);
        int nu = seq ? 0 : s_strip("users", false);
        MDB_dbi fl;
        int frc =
            seq >= 2 ? MDB_NOTFOUND : mdb_dbi_open(s_txn, "fill_late", 0, &fl);
        if (frc == 0)
            frc = mdb_drop(s_txn, fl, 1);
        if (frc && frc != MDB_NOTFOUND)
            s_die("drop fill_late", frc);
        int nr = s_merge_regs();
        printf("stripped %d orders, %d users%s, merged %d registrations\n", no,
               nu, frc == 0 ? ", dropped fill_late" : "", nr);
        s_set_version(seq);
    } else if (strcmp(op, "filllate") == 0) {
        MDB_dbi fl;
        if ((rc = mdb_dbi_open(s_txn, "fill_late", 0, &fl)))
            s_die("open fill_late", rc);
        MDB_cursor *c;
        mdb_cursor_open(s_txn, fl, &c);
        uint8_t vb[8];
        lpg_be64_put(vb, seq);
        int n = 0;
        for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
             rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
            MDB_val nv = {8, vb};
            if ((rc = mdb_cursor_put(c, &k, &nv, MDB_CURRENT)))
                s_die("put fill_late", rc);
            n++;
        }
        mdb_cursor_close(c);
        printf("set %d sites\n", n);
    } else if (strcmp(op, "projver") == 0) {
        s_set_version(seq);
    } else if (strcmp(op, "flip") == 0) {
        if ((rc = mdb_get(s_txn, s_entries, &k, &v)))
            s_die("get", rc);
        uint8_t *copy = malloc(v.mv_size);
        memcpy(copy, v.mv_data, v.mv_size);
        copy[v.mv_size / 2] ^= 0x01;
        MDB_val nv = {v.mv_size, copy};
        if ((rc = mdb_put(s_txn, s_entries, &k, &nv, 0)))
            s_die("put", rc);
        free(copy);
    } else if (strcmp(op, "statedel") == 0) {
        MDB_dbi cyl;
        if ((rc = mdb_dbi_open(s_txn, "cylinders", 0, &cyl)))
            s_die("open cylinders", rc);
        MDB_cursor *c;
        mdb_cursor_open(s_txn, cyl, &c);
        if ((rc = mdb_cursor_get(c, &k, &v, MDB_FIRST)) == 0)
            rc = mdb_cursor_del(c, 0);
        mdb_cursor_close(c);
        if (rc)
            s_die("delete state row", rc);
    } else if (strcmp(op, "clearindex") == 0 || strcmp(op, "dropindex") == 0) {
        MDB_dbi idx;
        if ((rc = mdb_dbi_open(s_txn, "by_id_hmac", MDB_DUPSORT | MDB_DUPFIXED,
                               &idx)))
            s_die("open by_id_hmac", rc);
        if ((rc = mdb_drop(s_txn, idx, strcmp(op, "dropindex") == 0)))
            s_die("drop by_id_hmac", rc);
    } else if (strcmp(op, "chainskip") == 0) {
        MDB_dbi chain;
        if ((rc = mdb_dbi_open(s_txn, "by_site.chain", 0, &chain)))
            s_die("open by_site.chain", rc);
        MDB_val lk, lv, pk, pv;
        MDB_cursor *c;
        if ((rc = mdb_cursor_open(s_txn, chain, &c)))
            s_die("cursor", rc);
        rc = mdb_cursor_get(c, &lk, &lv, MDB_LAST);
        mdb_cursor_close(c);
        if (rc || lv.mv_size != 8)
            s_die("no newest link with one before it", rc ? rc : MDB_NOTFOUND);
        pk = lv;
        if ((rc = mdb_get(s_txn, chain, &pk, &pv)))
            s_die("get the link before", rc);
        if (pv.mv_size != 0 && pv.mv_size != 8)
            s_die("a link of neither 0 nor 8 bytes", MDB_CORRUPTED);
        uint8_t key[8], val[8];
        size_t vlen = pv.mv_size;
        memcpy(key, lk.mv_data, 8);
        memcpy(val, pv.mv_data, vlen);
        MDB_val nk = {8, key}, nv = {vlen, val};
        if ((rc = mdb_put(s_txn, chain, &nk, &nv, 0)))
            s_die("put", rc);
    } else if (strcmp(op, "headback") == 0) {
        MDB_dbi cyls, chain;
        if ((rc = mdb_dbi_open(s_txn, "cylinders", 0, &cyls)) ||
            (rc = mdb_dbi_open(s_txn, "by_cylinder.chain", 0, &chain)))
            s_die("open cylinders, by_cylinder.chain", rc);
        MDB_cursor *c;
        if ((rc = mdb_cursor_open(s_txn, cyls, &c)))
            s_die("cursor", rc);
        /* the first head (id and a 0 byte) whose newest seq has one
         * before it */
        MDB_val hk, hv, lv;
        for (rc = mdb_cursor_get(c, &hk, &hv, MDB_FIRST); rc == 0;
             rc = mdb_cursor_get(c, &hk, &hv, MDB_NEXT)) {
            if (hk.mv_size < 2 ||
                ((const uint8_t *)hk.mv_data)[hk.mv_size - 1] != 0 ||
                hv.mv_size != 8)
                continue;
            MDB_val lk = hv;
            if (mdb_get(s_txn, chain, &lk, &lv) == 0 && lv.mv_size == 8)
                break;
        }
        if (rc)
            s_die("no cylinder with two seqs", rc);
        uint8_t prev[8];
        memcpy(prev, lv.mv_data, 8);
        MDB_val nv = {8, prev};
        if ((rc = mdb_cursor_put(c, &hk, &nv, MDB_CURRENT)))
            s_die("put the head", rc);
        mdb_cursor_close(c);
    } else if (strcmp(op, "linkdrop") == 0) {
        MDB_dbi chain;
        if ((rc = mdb_dbi_open(s_txn, "by_cylinder.chain", 0, &chain)))
            s_die("open by_cylinder.chain", rc);
        MDB_cursor *c;
        if ((rc = mdb_cursor_open(s_txn, chain, &c)))
            s_die("cursor", rc);
        if ((rc = mdb_cursor_get(c, &k, &v, MDB_FIRST)) == 0)
            rc = mdb_cursor_del(c, 0);
        mdb_cursor_close(c);
        if (rc)
            s_die("delete the oldest link", rc);
    } else if (strcmp(op, "markshift") == 0) {
        MDB_dbi marks;
        if ((rc = mdb_dbi_open(s_txn, "by_site.mark", 0, &marks)))
            s_die("open by_site.mark", rc);
        MDB_cursor *c;
        if ((rc = mdb_cursor_open(s_txn, marks, &c)))
            s_die("cursor", rc);
        MDB_val mk, mv;
        if ((rc = mdb_cursor_get(c, &mk, &mv, MDB_FIRST)))
            s_die("no mark", rc);
        uint8_t zero[8] = {0};
        MDB_val nv = {mv.mv_size ? 0 : 8, zero};
        if ((rc = mdb_cursor_put(c, &mk, &nv, MDB_CURRENT)))
            s_die("put the mark", rc);
        mdb_cursor_close(c);
    } else if (strcmp(op, "delete") == 0) {
        if ((rc = mdb_del(s_txn, s_entries, &k, NULL)))
            s_die("del", rc);
    } else if (strcmp(op, "truncate") == 0) {
        MDB_cursor *c;
        mdb_cursor_open(s_txn, s_entries, &c);
        rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
        while (rc == 0) {
            mdb_cursor_del(c, 0);
            rc = mdb_cursor_get(c, &k, &v, MDB_GET_CURRENT);
            if (rc == 0)
                continue;
            rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
        }
        mdb_cursor_close(c);
        s_rebuild_tree();
    } else if (strcmp(op, "forge") == 0) {
        if ((rc = mdb_get(s_txn, s_entries, &k, &v)))
            s_die("get", rc);
        Lpg__LedgerEntry *e =
            lpg__ledger_entry__unpack(NULL, v.mv_size, v.mv_data);
        Lpg__SignedEvent *se =
            e ? lpg__signed_event__unpack(NULL, e->signed_event.len,
                                          e->signed_event.data)
              : NULL;
        if (!se)
            s_die("decode", MDB_CORRUPTED);
        lpg_key_t *mine = NULL;
        lpg_key_generate(&mine);
        uint8_t sig[64];
        lpg_sign(mine, LPG_CTX_EVENT, se->body.data, se->body.len, sig);
        memcpy(se->sig.data, sig, 64); /* claims the same signer */
        size_t slen = lpg__signed_event__get_packed_size(se);
        uint8_t *sbuf = malloc(slen);
        lpg__signed_event__pack(se, sbuf);
        ProtobufCBinaryData orig = e->signed_event;
        e->signed_event.data = sbuf;
        e->signed_event.len = slen;
        size_t elen = lpg__ledger_entry__get_packed_size(e);
        uint8_t *ebuf = malloc(elen);
        lpg__ledger_entry__pack(e, ebuf);
        MDB_val nv = {elen, ebuf};
        if ((rc = mdb_put(s_txn, s_entries, &k, &nv, 0)))
            s_die("put", rc);
        s_rebuild_tree();
        e->signed_event = orig;
        lpg__ledger_entry__free_unpacked(e, NULL);
        lpg__signed_event__free_unpacked(se, NULL);
        free(ebuf);
        free(sbuf);
        lpg_key_destroy(&mine);
    } else if (strcmp(op, "unsign") == 0) {
        MDB_dbi cps;
        if ((rc = mdb_dbi_open(s_txn, "checkpoints", 0, &cps)))
            s_die("open checkpoints", rc);
        MDB_cursor *c;
        mdb_cursor_open(s_txn, cps, &c);
        k = s_key(kb, seq + 1);
        rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
        while (rc == 0) {
            mdb_cursor_del(c, 0);
            rc = mdb_cursor_get(c, &k, &v, MDB_GET_CURRENT);
            if (rc == 0)
                continue;
            rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
        }
        mdb_cursor_close(c);
    } else {
        fprintf(stderr, "ledger_tamper: unknown operation %s\n", op);
        return 2;
    }
    if ((rc = mdb_txn_commit(s_txn)))
        s_die("commit", rc);
    mdb_env_close(s_env);
    return 0;
}
