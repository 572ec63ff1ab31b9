"""python3-kazoo asks a standalone server to reconfigure.

Usage: kazoo_reconfig.py HOST:PORT

It prints one line per observation. The answer must reach kazoo as an error it
knows (Apache answers Unimplemented when reconfigEnabled=true), and the session
must keep working afterwards. A reply kazoo cannot take leaves the call
unanswered: the 10s guard then prints "no answer".
"""
import sys

from kazoo.client import KazooClient
from kazoo.handlers.threading import KazooTimeoutError

addr = sys.argv[1]
c = KazooClient(hosts=addr, timeout=4)
c.start(timeout=10)
for what, args in (
    ("incremental", ("server.2=127.0.0.1:2888:3888;2182", None, None)),
    ("non-incremental", (None, None, "server.1=127.0.0.1:2888:3888;2181")),
):
    try:
        c.reconfig_async(*args, from_config=-1).get(timeout=10)
        print("reconfig", what, "-> ok", flush=True)
    except KazooTimeoutError:
        print("reconfig", what, "-> no answer", flush=True)
        break
    except Exception as e:
        print("reconfig", what, "->", type(e).__name__, flush=True)
print("state", c.state, flush=True)
print("exists /zookeeper", c.exists("/zookeeper") is not None, flush=True)
c.stop()
