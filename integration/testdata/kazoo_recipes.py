"""A scripted python3-kazoo session using its recipes.

Usage: kazoo_recipes.py HOST:PORT ROOT

It prints one line per observation; the Go test runs it against Apache
ZooKeeper and the bundled server and compares the outputs. Nothing printed
depends on time, session ids or zxids.
"""
import sys
import threading

from kazoo.client import KazooClient
from kazoo.exceptions import KazooException
from kazoo.security import make_digest_acl, OPEN_ACL_UNSAFE

addr, root = sys.argv[1], sys.argv[2]


def out(*args):
    print(*args, flush=True)


def client():
    c = KazooClient(hosts=addr, timeout=4)
    c.start(timeout=10)
    return c


def err(fn):
    try:
        return fn()
    except KazooException as e:
        return type(e).__name__


a, b = client(), client()
a.ensure_path(root)

# plain operations
out("create", a.create(root + "/n", b"v0"))
out("create seq", a.create(root + "/s-", b"", sequence=True))
out("create eph seq", a.create(root + "/e-", b"", ephemeral=True, sequence=True))
out("exists missing", a.exists(root + "/missing"))
data, stat = a.get(root + "/n")
out("get", data, stat.version, stat.numChildren, stat.dataLength)
out("set version", a.set(root + "/n", b"v1", version=0).version)
out("stale set", err(lambda: a.set(root + "/n", b"v2", version=0)))
out("children", sorted(a.get_children(root)))
out("delete non-empty", err(lambda: a.delete(root)))
out("create exists", err(lambda: a.create(root + "/n")))
out("create no parent", err(lambda: a.create(root + "/x/y")))
out("makepath", a.create(root + "/x/y/z", makepath=True))

# transaction
t = a.transaction()
t.create(root + "/t1", b"1")
t.set_data(root + "/n", b"v2")
t.check(root + "/n", 2)
t.delete(root + "/t1")
def plain(r):
    if hasattr(r, "mzxid"):
        return "stat(version=%d cversion=%d aversion=%d len=%d children=%d)" % (
            r.version, r.cversion, r.aversion, r.dataLength, r.numChildren)
    return r


out("transaction", [plain(r) for r in t.commit()])
t = a.transaction()
t.create(root + "/t2", b"2")
t.check(root + "/n", 99)
out("failed transaction", [type(r).__name__ for r in t.commit()])
out("t2 after failure", a.exists(root + "/t2"))

# ACLs
acl = make_digest_acl("u1", "p1", all=True)
a.add_auth("digest", "u1:p1")
a.create(root + "/secret", b"s", acl=[acl])
out("acl", [(x.perms, x.id.scheme, x.id.id) for x in a.get_acls(root + "/secret")[0]])
out("other reads secret", err(lambda: b.get(root + "/secret")))

# watches: DataWatch and ChildrenWatch recipes
seen = []
cond = threading.Condition()


def note(what):
    with cond:
        seen.append(what)
        cond.notify_all()


def wait_for(n):
    with cond:
        cond.wait_for(lambda: len(seen) >= n, timeout=5)


@b.DataWatch(root + "/n")
def data_watch(data, stat):
    note(("data", data))


@b.ChildrenWatch(root + "/x")
def children_watch(children):
    note(("children", sorted(children)))


wait_for(2)
a.set(root + "/n", b"v3")
wait_for(3)
a.create(root + "/x/w")
wait_for(4)
out("watch calls", sorted(seen, key=repr))

# lock
lock_a = a.Lock(root + "/lock", "a")
lock_b = b.Lock(root + "/lock", "b")
out("a acquires", lock_a.acquire(timeout=5))
out("b tries", lock_b.acquire(blocking=False))
got = threading.Event()


def b_locks():
    lock_b.acquire(timeout=10)
    got.set()


th = threading.Thread(target=b_locks)
th.start()
for _ in range(100):
    if len(lock_a.contenders()) == 2:
        break
    threading.Event().wait(0.02)
out("contenders", lock_a.contenders())
lock_a.release()
th.join()
out("b got it", got.is_set(), lock_b.is_acquired)
lock_b.release()
out("contenders after", lock_a.contenders())

# election
elected = []
release = {"a": threading.Event(), "b": threading.Event()}
ready = threading.Condition()


def leader(name):
    def run():
        with ready:
            elected.append(name)
            ready.notify_all()
        release[name].wait(10)
    return run


el_a = a.Election(root + "/election", "a")
el_b = b.Election(root + "/election", "b")
ta = threading.Thread(target=el_a.run, args=(leader("a"),))
ta.start()
with ready:
    ready.wait_for(lambda: elected == ["a"], timeout=5)
tb = threading.Thread(target=el_b.run, args=(leader("b"),))
tb.start()
for _ in range(100):
    if len(el_a.contenders()) == 2:
        break
    threading.Event().wait(0.02)
out("election contenders", el_a.contenders())
release["a"].set()
with ready:
    ready.wait_for(lambda: len(elected) == 2, timeout=5)
out("elected in order", elected)
release["b"].set()
ta.join()
tb.join()

# queues
q = a.Queue(root + "/queue")
q.put(b"first")
q.put(b"second")
q.put(b"urgent", priority=1)
out("queue length", len(q))
out("queue order", [q.get(), q.get(), q.get(), q.get()])
lq = a.LockingQueue(root + "/lqueue")
lq.put(b"job1")
lq.put_all([b"job2", b"job3"], priority=50)
out("locking queue length", len(lq))
out("locking get", lq.get(timeout=5))
out("consume", lq.consume())
out("locking get", lq.get(timeout=5))
out("release", lq.release())
out("locking get again", lq.get(timeout=5))
out("holds lock", lq.holds_lock())

# counter
ca = a.Counter(root + "/counter")
cb = b.Counter(root + "/counter")
ca += 5
cb -= 2
ca += 10
out("counter", ca.value, cb.value)
fc = a.Counter(root + "/fcounter", default=0.5)
fc += 1.25
out("float counter", fc.value)

# barrier
barrier = a.Barrier(root + "/barrier")
out("barrier create", barrier.create())
passed = []
tw = threading.Thread(target=lambda: passed.append(b.Barrier(root + "/barrier").wait(10)))
tw.start()
threading.Event().wait(0.2)
out("waiting before remove", passed)
out("barrier remove", barrier.remove())
tw.join()
out("waiter passed", passed)

# double barrier
entered = []


def enter(c, name):
    db = c.DoubleBarrier(root + "/double", 2)
    db.enter()
    entered.append(name)
    db.leave()


t1 = threading.Thread(target=enter, args=(a, "a"))
t1.start()
threading.Event().wait(0.2)
out("alone in double barrier", entered)
t2 = threading.Thread(target=enter, args=(b, "b"))
t2.start()
t1.join()
t2.join()
out("both entered", sorted(entered))

# party and semaphore
pa = a.Party(root + "/party", "a")
pb = b.Party(root + "/party", "b")
pa.join()
pb.join()
out("party", sorted(pa), len(pb))
pb.leave()
out("party after leave", sorted(pa))
sem_a = a.Semaphore(root + "/sem", "a", max_leases=1)
sem_b = b.Semaphore(root + "/sem", "b", max_leases=1)
out("semaphore a", sem_a.acquire(timeout=5))
out("semaphore b", sem_b.acquire(blocking=False))
out("lease holders", sem_a.lease_holders())
sem_a.release()
out("semaphore b again", sem_b.acquire(timeout=5))
sem_b.release()

# server facts kazoo reads itself: envi (server_version) and four-letter words
out("server version", a.server_version())
out("ruok", a.command(b"ruok"))
out("children with data", sorted((k, v[0]) for k, v in [
    (c, a.get(root + "/x/" + c)) for c in a.get_children(root + "/x")]))
kids, zstat = a.get_children(root + "/x", include_data=True)
out("get_children include_data", sorted(kids), zstat.numChildren, zstat.cversion)
out("sync", a.sync(root))

# TreeCache: a whole subtree kept in memory through watches
from kazoo.recipe.cache import TreeCache, TreeEvent

cache = TreeCache(a, root + "/tree")
events = []
cache_cond = threading.Condition()


def on_event(ev):
    with cache_cond:
        if ev.event_data is not None:
            events.append((ev.event_type, ev.event_data.path.replace(root, "R")))
        else:
            events.append((ev.event_type, None))
        cache_cond.notify_all()


a.ensure_path(root + "/tree")
cache.listen(on_event)
cache.start()


def cache_wait(pred):
    with cache_cond:
        cache_cond.wait_for(pred, timeout=5)


cache_wait(lambda: any(e[0] == TreeEvent.INITIALIZED for e in events))
a.create(root + "/tree/a", b"1")
a.create(root + "/tree/a/b", b"2")
cache_wait(lambda: cache.get_data(root + "/tree/a/b") is not None)
# The cache must hold the first data before the change, or a slow fetch sees "changed" as added.
cache_wait(lambda: (cache.get_data(root + "/tree/a") or (None, None))[1] == b"1")
a.set(root + "/tree/a", b"changed")
cache_wait(lambda: (cache.get_data(root + "/tree/a") or (None, None))[1] == b"changed")
a.delete(root + "/tree/a", recursive=True)
cache_wait(lambda: cache.get_data(root + "/tree/a") is None)
out("tree cache children", sorted(cache.get_children(root + "/tree") or []))
out("tree cache event kinds", sorted(set(e[0] for e in events)))
out("tree cache paths", sorted(set(e[1] for e in events if e[1])))
cache.close()

# ephemerals go with the session
b.create(root + "/beph", ephemeral=True)
b.stop()
b.close()
out("ephemeral after close", a.exists(root + "/beph"))
out("children at end", sorted(x for x in a.get_children(root) if not x.startswith("e-")))
a.stop()
a.close()
out("done")
