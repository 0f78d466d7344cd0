"""The `netkernel` command speaks to people: a mistake is one line (`file:line: message` for a
topology file, `netkernel: ...` otherwise) and a non-zero status, never a traceback; a bug in
netkernel keeps its traceback."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

import netkernel
from netkernel import cli, iproute

ROOT = Path(__file__).resolve().parents[1]
TOPO = ROOT / "examples" / "veth.topology"
PROG = ROOT / "examples" / "arp_ping.py"
VETH = "ip link add veth0 type veth peer name veth1\n"


def nk(*args, timeout=60):
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    return subprocess.run([sys.executable, "-m", "netkernel", *args], capture_output=True,
                          text=True, timeout=timeout, env=env, cwd=ROOT)


def run_main(capsys, *argv):
    status = cli.main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


# ---------------------------------------------------------------- topology files: file:line: message

TOPOLOGY_MISTAKES = [   # (file text, line, message, status)
    (VETH + "ip link frob veth0\n", 2, 'Command "frob" is unknown, try "ip link help".', 255),
    ("# routes\nip route add 10.0.0.0/8 via 10.9.9.9\n", 2, "Error: Nexthop has invalid gateway.", 2),
    ("# rules\nip rule add from all lookup 100\n", 2, 'Object "rule" is unknown, try "ip help".', 1),
    ('ip link add "veth0 type veth\n', 1, "No closing quotation", 255),
    ("ip link add x0 type bogus\n", 1, "Error: Unknown device type.", 2),
    (VETH + "ip link set veth0 mtu big\n", 2,
     'Error: argument "big" is wrong: Invalid "mtu" value', 255),
    (VETH + "\nip link set veth0 mtu 99999999\n", 3, "RTNETLINK answers: Invalid argument", 2),
    (VETH + "ip link set veth0 address 02:00:zz:00:00:01\n", 2,
     '"02:00:zz:00:00:01" is invalid lladdr.', 1),
    ("ip link add veth0/1 type veth\n", 1,
     'Error: argument "veth0/1" is wrong: "dev" not a valid ifname', 255),
    ("ip link add name averyveryverylongname type dummy\n", 1,
     'Error: argument "averyveryverylongname" is wrong: "name" not a valid ifname', 255),
    (VETH + VETH, 2, "RTNETLINK answers: File exists", 2),
    (VETH + "ip link set veth7 up\n", 2, 'Cannot find device "veth7"', 1),
    ("ip link del lo\n", 1, "RTNETLINK answers: Operation not supported", 2),   # OSError's strerror
    ("ip netns add blue\nip netns add blue\n", 2,
     'Cannot create namespace file "/run/netns/blue": File exists', 1),
    (VETH + "ip link set veth1 netns red\n", 2,
     'Error: argument "red" is wrong: Invalid "netns" value', 255),
    ("ip link add q0 type qemu\n", 1, None, 2),   # the model's ValueError, worded "Error: ..."
]


@pytest.mark.parametrize("text,line,message,status", TOPOLOGY_MISTAKES)
def test_topology_mistake_is_file_line_message(tmp_path, capsys, text, line, message, status):
    f = tmp_path / "t.topology"
    f.write_text(text)
    got, out, err = run_main(capsys, "ip", "--topology", str(f), "link", "show")
    assert out == "" and got == status
    assert err.count("\n") == 1 and "Traceback" not in err
    prefix = f"{f}:{line}: "
    assert err.startswith(prefix), err
    if message is not None:
        assert err == prefix + message + "\n"
    else:
        assert err.startswith(prefix + "Error: ")


def test_run_reports_topology_mistake_and_does_not_start_the_program(tmp_path):
    f = tmp_path / "t.topology"
    f.write_text(VETH + "ip link set veth0 mtu 10\n")
    r = nk("run", "--topology", str(f), "--", "python", str(PROG), "veth0", "veth1")
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr == f"{f}:2: RTNETLINK answers: Invalid argument\n"


def test_missing_topology_file(capsys):
    status, out, err = run_main(capsys, "ip", "--topology", "/nonexistent/x.topology")
    assert status == 1 and err == "/nonexistent/x.topology: No such file or directory\n"


def test_model_refusals_of_any_kind_become_messages(capsys, monkeypatch):
    """Whatever the model raises for a refused request (OSError with Linux's errno, with or
    without an extack text, or ValueError) is one line."""
    def refuse(exc):
        def link_set(self, name, **kw):
            raise exc
        return link_set
    cases = [(OSError(22, "Invalid argument"), "RTNETLINK answers: Invalid argument"),
             (OSError(17, "Unknown error 17"), "RTNETLINK answers: File exists"),
             (ValueError("bad address"), "Error: bad address")]
    exc = OSError(22, "Invalid argument")
    exc.extack = "mtu greater than device maximum"
    cases.append((exc, "Error: mtu greater than device maximum."))
    for exc, message in cases:
        monkeypatch.setattr(netkernel.Kernel, "link_set", refuse(exc))
        status, out, err = run_main(capsys, "ip", "--topology", str(TOPO))
        assert (status, err) == (2, f"{TOPO}:3: {message}\n")   # line 1 is a comment


# ---------------------------------------------------------------- other mistakes: netkernel: ...

MISTAKES = [   # (argv, status, stderr starts with)
    (["demo", "--format", "bogus"], 2, "netkernel: demo: argument --format: invalid choice: 'bogus'"),
    (["demo", "--out", "/nonexistent/dir/out.txt"], 1,
     "netkernel: /nonexistent/dir/out.txt: No such file or directory"),
    (["run", "--", "python", "/nonexistent/prog.py"], 2,
     "netkernel: run: can't open file '/nonexistent/prog.py': No such file or directory"),
    (["run"], 2, "netkernel: run: no program given"),
    (["run", "--trace", "sideways", "--", "python", str(PROG)], 2,
     "netkernel: run: argument --trace: invalid choice: 'sideways'"),
    (["run", "--topology", str(TOPO), "--trace", "tree", "--trace-out", "/nonexistent/t.txt", "--",
      "python", str(PROG)], 1, "netkernel: /nonexistent/t.txt: No such file or directory"),
    (["run", "--topology", str(TOPO), "--capture", "/nonexistent/c.pcapng", "--", "python",
      str(PROG)], 1, "netkernel: run: /nonexistent/c.pcapng: No such file or directory"),
    (["hw"], 2, "netkernel: hw: the following arguments are required: what"),
    (["hw", "leds"], 2, "netkernel: hw: argument what: invalid choice: 'leds'"),
    (["ip", "link", "set", "nope0", "up"], 1, 'netkernel: Cannot find device "nope0"'),
    (["ip", "neigh", "show"], 1, 'netkernel: Object "neigh" is unknown, try "ip help".'),
    (["ip", "addr", "show", "dev", "nope0"], 1, 'netkernel: Device "nope0" does not exist.'),
    (["ip", "--topology"], 2, "netkernel: ip: argument --topology: expected one argument"),
    (["ip", "-x", "link"], 255, 'netkernel: Option "-x" is unknown, try "ip -help".'),
    ([], 2, "netkernel: a command is required"),
    (["frobnicate"], 2, "netkernel: argument COMMAND: invalid choice: 'frobnicate'"),
]


@pytest.mark.parametrize("argv,status,start", MISTAKES)
def test_mistake_is_one_line(capsys, argv, status, start):
    got, out, err = run_main(capsys, *argv)
    assert got == status, err
    assert err.startswith(start), err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_capture_dev_that_does_not_exist(tmp_path, capsys):
    status, out, err = run_main(capsys, "run", "--topology", str(TOPO), "--capture",
                                str(tmp_path / "c.pcapng"), "--capture-dev", "nope0", "--",
                                "python", str(PROG))
    assert status == 1 and err == 'netkernel: run: --capture-dev: Cannot find device "nope0"\n'


def test_capture_write_failure_is_one_line_after_the_program(tmp_path):
    """A capture that cannot be written (a full disk: /dev/full) never disturbs the program; the
    run reports it once, at the end, as a person-readable line with a non-zero status."""
    prog = tmp_path / "send.py"
    prog.write_text("import socket\n"
                    "s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))\n"
                    "s.bind(('veth0', 0))\n"
                    "for i in range(3):\n"
                    "    s.send(bytes.fromhex('ffffffffffff02000000000188b5') + bytes(50))\n"
                    "print('sent 3')\n")
    r = nk("run", "--topology", str(TOPO), "--capture", "/dev/full", "--", "python", str(prog))
    assert r.stdout == "sent 3\n"
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert r.stderr == ("netkernel: run: /dev/full: No space left on device "
                        "(the capture file is incomplete)\n")


def test_no_traceback_end_to_end():
    """The same through the installed entry point, as a person runs it."""
    for args in (["demo", "--format", "bogus"], ["ip", "link", "add", "x", "type", "bogus"],
                 ["run", "--", "python", "missing.py"]):
        r = nk(*args)
        assert r.returncode != 0 and "Traceback" not in r.stderr
        assert r.stderr.startswith("netkernel: ") and r.stderr.count("\n") == 1


def test_program_exception_is_reported_as_python_reports_it(tmp_path):
    prog = tmp_path / "boom.py"
    prog.write_text("import socket\n\nraise ValueError('boom')\n")
    r = nk("run", "--", "python", str(prog))
    assert r.returncode == 1
    assert r.stderr == (f'Traceback (most recent call last):\n  File "{prog}", line 3, in <module>\n'
                        "    raise ValueError('boom')\nValueError: boom\n")


def test_internal_errors_keep_their_traceback(monkeypatch):
    """A bug (here: an iproute function failing with KeyError) is not dressed up as a user error."""
    def broken(k, argv, out=None):
        raise KeyError("internal")
    monkeypatch.setattr(iproute, "run", broken)
    with pytest.raises(KeyError):
        cli.main(["ip", "link", "show"])


# ---------------------------------------------------------------- --version and help

def test_version(capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(["--version"])
    assert e.value.code == 0
    assert capsys.readouterr().out.startswith(f"netkernel {netkernel.__version__} ")


def test_help_names_the_commands_and_device_kinds(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    top = capsys.readouterr().out
    for cmd in ("demo", "run", "hw", "ip", "--version"):
        assert cmd in top
    with pytest.raises(SystemExit):
        cli.main(["run", "--help"])
    run_help = capsys.readouterr().out
    assert "topology file" in run_help
    for kind in ("veth", "dummy", "tap", "qemu", "peer", "host_ifname", "netdev"):
        assert kind in run_help
    for sub in ("demo", "hw"):
        with pytest.raises(SystemExit):
            cli.main([sub, "--help"])
        assert len(capsys.readouterr().out.split("\n\n")[1]) > 80     # a description paragraph


@pytest.mark.parametrize("argv", [["ip", "link", "add", "--help"], ["ip", "link", "help"],
                                  ["ip", "help"], ["ip", "--help"]])
def test_ip_help_names_the_kinds_and_keywords(capsys, argv):
    with pytest.raises(SystemExit) if argv == ["ip", "--help"] else _nothing():
        status = cli.main(argv)
        assert status == 0
    out = capsys.readouterr().out
    for word in ("TYPE := { veth | dummy | tap | qemu }", "peer", "host_ifname", "host_netns",
                 "netdev", 'kind="qemu"'):
        assert word in out


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_program_exit_message_and_status(tmp_path):
    prog = tmp_path / "quit.py"
    prog.write_text("import sys\nsys.exit('no interface given')\n")
    r = nk("run", "--", "python", str(prog))
    assert (r.returncode, r.stderr) == (1, "no interface given\n")
    prog.write_text("import sys\nsys.exit(3)\n")
    assert nk("run", "--", "python", str(prog)).returncode == 3
