"""`netkernel run`: a program reading transmit timestamps from its packet socket's error queue
(recvmsg with MSG_ERRQUEUE), under the boundary and on the real kernel."""
import pytest

from test_seccomp_run import WHY_NOT, check_both

pytestmark = pytest.mark.skipif(WHY_NOT is not None, reason=WHY_NOT or "")


def test_errqueue_timestamps_and_blocking_empty_read(tmp_path):
    """Both records of one send (SCHED, then SND) with their control messages; then a blocking
    MSG_ERRQUEUE read of the empty queue answers EAGAIN at once instead of waiting."""
    check_both(tmp_path, """
        import errno
        a, b = pair()
        a.setsockopt(socket.SOL_SOCKET, 37, struct.pack("i", 0x2 | 0x10 | 0x100))
        a.send(frame(b"stamped"))
        print(body(b.recv(2048)))
        for _ in range(3):
            try:
                data, anc, flags, addr = a.recvmsg(2048, 1024, socket.MSG_ERRQUEUE)
            except BlockingIOError:
                print("EAGAIN")
                continue
            ee = struct.unpack("=IBBBBII", anc[-1][2])
            print(body(data), flags, addr, [(lv, t, len(d)) for lv, t, d in anc], ee)
    """, """
        b'stamped'
        b'stamped' 8192 None [(1, 37, 48), (263, 16, 16)] (42, 4, 0, 0, 0, 1, 0)
        b'stamped' 8192 None [(1, 37, 48), (263, 16, 16)] (42, 4, 0, 0, 0, 0, 0)
        EAGAIN
    """)
