"""kazoo's SASL DIGEST-MD5 against one server: argv[1] the address, argv[2] a fresh root.
Prints one line per observation; the Go test compares Apache's transcript with the bundled one's."""
import sys
import time

from kazoo.client import KazooClient
from kazoo.exceptions import KazooException
from kazoo.security import ACL, Id, Permissions

addr, root = sys.argv[1], sys.argv[2]


def client(user, password):
    return KazooClient(hosts=addr, timeout=10, connection_retry={"max_tries": 0},
                       sasl_options={"mechanism": "DIGEST-MD5", "username": user, "password": password})


def attempt(label, fn):
    try:
        print(label + ":", fn())
    except KazooException as e:
        print(label + ":", type(e).__name__)
    except Exception as e:  # kazoo raises some failures of start() as plain exceptions
        print(label + ":", type(e).__name__)


bob = client("bob", "secret")
bob.start(timeout=15)
acl = [ACL(Permissions.ALL, Id("sasl", "bob"))]
bob.ensure_path(root)
attempt("bob create", lambda: bob.create(root + "/n", b"x", acl=acl)[len(root):])
attempt("bob get", lambda: bob.get(root + "/n")[0])
attempt("bob acl", lambda: [(a.perms, a.id.scheme, a.id.id) for a in bob.get_acls(root + "/n")[0]])
bob.stop()

alice = client("alice", "wonder")
alice.start(timeout=15)
attempt("alice get", lambda: alice.get(root + "/n")[0])
alice.stop()

anon = KazooClient(hosts=addr, timeout=10)
anon.start(timeout=15)
attempt("anonymous get", lambda: anon.get(root + "/n")[0])
anon.stop()

wrong = client("bob", "wrong")
attempt("wrong password start", lambda: wrong.start(timeout=15))
# kazoo gives up on AuthFailed in its connection thread: wait for it to.
deadline = time.time() + 10
while wrong.client_state != "CLOSED" and time.time() < deadline:
    time.sleep(0.05)
print("wrong password state:", wrong.client_state)
wrong.stop()
