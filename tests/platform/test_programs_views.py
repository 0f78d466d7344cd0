"""/sys/class/net and /proc/net under `netkernel run` are live and the same for every process of
the run (platform/views.py): statistics after the program's own sends, a link `ip link add` just
made, a forked `cat`, a path relative to the working directory — as on the real kernel."""
import shutil

import pytest
from test_seccomp_run import WHY_NOT, check_both

pytestmark = [pytest.mark.skipif(WHY_NOT is not None, reason=WHY_NOT or ""),
              pytest.mark.skipif(shutil.which("ip") is None, reason="needs iproute2")]


def test_views_are_live_and_shared_with_forked_processes(tmp_path):
    check_both(tmp_path, """
        import subprocess
        def names(text):
            return [l.split(":")[0].strip() for l in text.splitlines()[2:]]
        def cat(path):
            return subprocess.run(["cat", path], capture_output=True, text=True).stdout
        def tx(dev):
            return open(f"/sys/class/net/{dev}/statistics/tx_packets").read().strip()
        print(sorted(os.listdir("/sys/class/net")), names(cat("/proc/net/dev")))
        a, b = pair()
        before = tx("veth0")
        a.send(frame(b"counted"))
        print("tx_packets +", int(tx("veth0")) - int(before),
              "rx in /proc/net/dev:", [l.split()[2] for l in open("/proc/net/dev")
                                      if l.strip().startswith("veth1:")])
        subprocess.run(["ip", "link", "add", "dum0", "type", "veth", "peer", "name", "dum1"],
                       check=True)
        print(sorted(os.listdir("/sys/class/net")), open("/sys/class/net/dum0/mtu").read(),
              names(cat("/proc/self/net/dev")), names(open("/proc/thread-self/net/dev").read()))
        os.chdir("/sys/class/net/dum0")
        print(open("address").read().strip() == cat("/sys/class/net/dum0/address").strip(),
              open("statistics/rx_bytes").read().strip())
        import threading
        pid, tid = os.getpid(), threading.get_native_id()
        d = os.open("/proc/net", os.O_RDONLY | os.O_DIRECTORY)
        with os.fdopen(os.open("dev", os.O_RDONLY, dir_fd=d)) as f:     # openat(dirfd, "dev")
            via = [names(f.read()), names(open(f"/proc/{pid}/net/dev").read()),
                   names(open(f"/proc/{pid}/task/{tid}/net/dev").read())]
        os.close(d)
        print(all(v == via[0] for v in via), "dum0" in via[0])
        subprocess.run(["ip", "link", "set", "dum0", "mtu", "1400"], check=True)
        print(cat("mtu").strip(), open("/sys/class/net/dum0/mtu").read().strip())
        subprocess.run(["ip", "link", "del", "dum0"], check=True)
        os.chdir("/")
        print(sorted(os.listdir("/sys/class/net")), os.path.exists("/sys/class/net/dum0"))
        try:
            open("/sys/class/net/dum0/mtu")
        except FileNotFoundError:
            print("gone")
    """, """
        ['lo', 'veth0', 'veth1'] ['lo', 'veth1', 'veth0']
        tx_packets + 1 rx in /proc/net/dev: ['1']
        ['dum0', 'dum1', 'lo', 'veth0', 'veth1'] 1500
         ['lo', 'veth1', 'veth0', 'dum1', 'dum0'] ['lo', 'veth1', 'veth0', 'dum1', 'dum0']
        True 0
        True True
        1400 1400
        ['lo', 'veth0', 'veth1'] False
        gone
    """)
